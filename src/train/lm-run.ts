// One language-model training run, set up identically for the command line (`rlhf pretrain`) and the
// notebook's Worker:
//   data   unique transcripts, shuffled by the seed, 90% for training and 10% held out by transcript;
//          random training windows (batcher seed = seed), four fixed held-out batches (seed + 1)
//   model  GPT-2's initialisation (initParams: N(0, 0.02), residual projections scaled) from randn(seed + 2)
//   loop   `takeStep()` takes one optimizer step and reads nothing back; `intervalMetrics()` reads the loss
//          and gradient norm, evaluates the held-out batches and measures tokens/s since the clock started
// Nothing here imports the DOM or Node: it runs unchanged in the Worker and in the CLI.

import { LMBatcher, tokenizeTranscripts, type LMBatch } from '../data/lm-batches.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { randn, rng, shuffleInPlace } from '../util/random.ts';
import { checkpointBytes } from '../models/checkpoint.ts';
import type { GPTConfig } from '../models/config.ts';
import { initParams } from '../models/params.ts';
import { DEFAULT_LM_TRAIN, LMTrainer, type LMTrainConfig } from './lm.ts';

/** The metrics read every evaluation interval (names as in nanoGPT / TRL logs). */
export type LMIntervalMetrics = {
  step: number;
  'train/loss': number;
  'eval/loss': number;
  'train/lr': number;
  'train/grad_norm': number;
  'train/tokens_per_second': number;
};

/** Held-out batches evaluated at every interval. */
export const HELD_OUT_BATCHES = 4;

/** The trainer's config for a run of `steps` steps: the CLI's defaults (warm-up ≤ 10% of the run). */
export function lmTrainConfig(
  cfg: GPTConfig,
  o: { steps: number; batchSize?: number; seqLen?: number; lr?: number; gradAccum?: number },
): LMTrainConfig {
  return {
    ...DEFAULT_LM_TRAIN,
    steps: o.steps,
    batchSize: o.batchSize ?? DEFAULT_LM_TRAIN.batchSize,
    seqLen: o.seqLen ?? Math.min(cfg.maxSeqLen, 128),
    lr: o.lr ?? DEFAULT_LM_TRAIN.lr,
    gradAccum: o.gradAccum ?? 1,
    warmupSteps: Math.min(DEFAULT_LM_TRAIN.warmupSteps, Math.floor(o.steps / 10)),
  };
}

/** Unique transcripts, shuffled (Fisher–Yates with rng(seed)), the first 10% (at least one) held out. */
export function splitTranscripts(texts: readonly string[], seed: number): { train: string[]; heldOut: string[] } {
  const transcripts = shuffleInPlace([...new Set(texts)], rng(seed));
  const nHeld = Math.max(1, Math.floor(transcripts.length / 10));
  return { train: transcripts.slice(nHeld), heldOut: transcripts.slice(0, nHeld) };
}

/** Tokenized, batched data of a run. */
export interface LMData {
  batches: LMBatcher;
  heldOut: LMBatch[];
  transcripts: number;
  heldOutTranscripts: number;
  trainTokens: number;
}

export function lmData(
  texts: readonly string[],
  o: { tokenizer: Tokenizer; assistantOnly: boolean; batchSize: number; seqLen: number; seed: number },
): LMData {
  const { train, heldOut } = splitTranscripts(texts, o.seed);
  if (train.length === 0)
    throw new Error(
      `${heldOut.length} unique transcript(s) are too few: one is held out for evaluation, none would be left to train on`,
    );
  const trainStream = tokenizeTranscripts(train, o.tokenizer, o.assistantOnly);
  const heldStream = tokenizeTranscripts(heldOut, o.tokenizer, o.assistantOnly);
  const batches = new LMBatcher(trainStream, o.batchSize, o.seqLen, o.seed);
  const heldBatcher = new LMBatcher(heldStream, o.batchSize, o.seqLen, o.seed + 1);
  return {
    batches,
    heldOut: Array.from({ length: HELD_OUT_BATCHES }, () => heldBatcher.next()),
    transcripts: train.length + heldOut.length,
    heldOutTranscripts: heldOut.length,
    trainTokens: trainStream.tokens.length,
  };
}

export class LMRun {
  readonly trainer: LMTrainer;
  /** Tokens one optimizer step trains on (B · T · gradAccum). */
  readonly tokensPerStep: number;
  // The tokens/s clock: started by the first step after a read (or a pause), stopped by the read.
  private clock: { t0: number; s0: number } | null = null;

  constructor(
    readonly gpu: Gpu,
    readonly cfg: GPTConfig,
    readonly train: LMTrainConfig,
    readonly data: LMData,
    seed: number,
  ) {
    this.trainer = new LMTrainer(gpu, cfg, train);
    gpu.write(
      this.trainer.model.params,
      initParams(this.trainer.model.table, cfg, (n) => randn(n, seed + 2)),
    );
    this.tokensPerStep = train.batchSize * train.seqLen * train.gradAccum;
  }

  /** Optimizer steps taken. */
  get step(): number {
    return this.trainer.step;
  }

  get done(): boolean {
    return this.trainer.step >= this.train.steps;
  }

  /** One optimizer step on the next gradAccum training batches. Reads nothing back. */
  takeStep(): void {
    this.clock ??= { t0: performance.now(), s0: this.trainer.step };
    this.trainer.stepOn(Array.from({ length: this.train.gradAccum }, () => this.data.batches.next()));
  }

  /** Stops the tokens/s clock (the run is paused: idle time must not count). */
  stopClock(): void {
    this.clock = null;
  }

  /** Mean loss on the held-out batches. */
  evaluate(): Promise<number> {
    return this.trainer.evaluate(this.data.heldOut);
  }

  /** Loss, learning rate and gradient norm of the last step, held-out loss, tokens/s since the clock started. */
  async intervalMetrics(): Promise<LMIntervalMetrics> {
    const m = await this.trainer.metrics();
    const clock = this.clock ?? { t0: performance.now(), s0: this.trainer.step };
    const seconds = (performance.now() - clock.t0) / 1000;
    const tokensPerSecond = seconds > 0 ? ((this.trainer.step - clock.s0) * this.tokensPerStep) / seconds : 0;
    const evalLoss = await this.evaluate();
    this.clock = null;
    return {
      step: this.trainer.step,
      'train/loss': m.loss,
      'eval/loss': evalLoss,
      'train/lr': m.lr,
      'train/grad_norm': m.gradNorm,
      'train/tokens_per_second': tokensPerSecond,
    };
  }

  /** The packed parameters (paramTable layout), read back from the GPU. */
  async params(): Promise<Float32Array> {
    return (await this.gpu.read(this.trainer.model.params)) as Float32Array;
  }

  /** The weights as a GPT-2-layout safetensors checkpoint. */
  async checkpoint(metadata: Record<string, string>): Promise<Uint8Array> {
    return checkpointBytes(this.cfg, await this.params(), metadata);
  }

  /** Frees the trainer's GPU memory; the run can do nothing after. */
  dispose(): void {
    this.trainer.dispose();
  }
}
