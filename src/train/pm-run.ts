// One preference-model run (Bai et al. 2022, §3), set up identically for the command line (`rlhf pm`), the
// notebook's Worker (worker/pm-session.ts) and the tension explorer, from one PMRunConfig:
//   trunk  a language-model checkpoint, with its tokenizer (the vocabulary grown to embed <|endofcontext|> when
//          it does not), or a preset at random: V = vocabWithEndOfContext(tokenizer), initParams from
//          randn(seed + PM_SEEDS.trunk)
//   head   the reward head always fresh: initHeadParams from randn(seed + PM_SEEDS.head)
//   data   training and held-out pairs as the caller split them, both with pmSplit under the run's seed
//          (splitDatasets: per dataset, the notebook, whose Evaluate stage finds the held-out pairs again;
//          splitPairs: the pooled --train files of `rlhf pm`); batches of P pairs shuffled with
//          seed + PM_SEEDS.batches; at most MONITOR_PAIRS held-out pairs, shuffled with seed + PM_SEEDS.monitor,
//          scored at every metrics read (all of them are scored by heldOutMargins)
//   loop   takeStep() takes one optimizer step and reads nothing back; inspectStep() reads the step's batch as
//          the loss saw it (before any scoring overwrites it); intervalMetrics() reads the step's metrics,
//          pairs/s since the clock started, and the monitored held-out evaluation
// planPMRun checks the settings and prepares the data without a GPU (the CLI reports its errors as usage
// errors); new PMRun(gpu, plan) builds the trainer in a GPU scope of its own, which dispose() frees.
// Nothing here imports the DOM or Node: it runs unchanged in the Worker and in the CLI.

import type { TrainingPair } from '../data/comparisons.ts';
import {
  encodeComparisons,
  encodeForPM,
  PMBatcher,
  pmEvalBatches,
  type PMBatch,
  type PMSides,
} from '../data/pm-batches.ts';
import { pmFold, pmSplit, type PMSplit } from '../data/pm-split.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import { tokenizerOfCheckpoint, vocabWithEndOfContext } from '../data/tokenizers.ts';
import { pmEvalReport, type PMEvalReport } from '../eval/pm-report.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { checkpointBytes, loadCheckpoint, type Checkpoint } from '../models/checkpoint.ts';
import { PRESETS, type GPTConfig, type PresetName } from '../models/config.ts';
import { headTable, initHeadParams } from '../models/head-table.ts';
import { initParams, paramTable } from '../models/params.ts';
import { growVocab } from '../models/vocab.ts';
import { Weights } from '../models/weights.ts';
import { randn, rng, shuffleInPlace } from '../util/random.ts';
import { DEFAULT_PM_TRAIN, PMTrainer, type PMStepInspection, type PMStepMetrics, type PMTrainConfig } from './pm.ts';

/** What each random draw of a run is seeded with: the run's seed plus this offset. */
export const PM_SEEDS = { split: 0, batches: 1, trunk: 2, head: 3, monitor: 4 } as const;

/** Held-out pairs scored at every metrics read (all of them when there are fewer). */
export const MONITOR_PAIRS = 256;

/** Where the trunk starts: a preset at random (with the tokenizer that sizes its vocabulary), or a checkpoint. */
export type PMTrunkSource =
  | { kind: 'random'; preset: PresetName; tokenizer: Tokenizer }
  | { kind: 'checkpoint'; name: string; checkpoint: Checkpoint };

/** Everything a preference-model run is built from. */
export interface PMRunConfig<C extends TrainingPair = TrainingPair> {
  trunk: PMTrunkSource;
  /** The pairs trained on and the pairs validated on (splitDatasets / splitPairs). */
  train: readonly C[];
  heldOut: readonly C[];
  seed: number;
  /** Optimizer steps; absent: `epochs` passes over the training pairs. */
  steps?: number;
  /** Passes over the training pairs when `steps` is absent (default 1). */
  epochs?: number;
  /** Pairs per batch P (default DEFAULT_PM_TRAIN's). */
  pairsPerBatch?: number;
  /** Tokens per sequence (default the smaller of the model's context and DEFAULT_PM_TRAIN's). */
  seqLen?: number;
  lr?: number;
  weightDecay?: number;
}

/** A checked run, its data prepared: what PMRun builds on the GPU. */
export interface PMRunPlan<C extends TrainingPair = TrainingPair> {
  readonly seed: number;
  readonly cfg: GPTConfig;
  /** The trunk's packed parameters (paramTable(cfg)). */
  readonly trunk: Float32Array;
  readonly tokenizer: Tokenizer;
  /** The preset's name (a checkpoint's `preset` metadata, else 'custom'). */
  readonly preset: string;
  /** Where the trunk comes from: the checkpoint's name, or `random (seed s)`. */
  readonly trunkFrom: string;
  /** The checkpoint's name, or null for a trunk at random. */
  readonly init: string | null;
  /** The checkpoint's vocabulary when it was grown for <|endofcontext|>, else null. */
  readonly grownFrom: number | null;
  readonly trainConfig: PMTrainConfig;
  readonly trainPairs: readonly C[];
  readonly heldOutPairs: readonly C[];
  /** The held-out pairs scored at every metrics read, and their indices in heldOutPairs. */
  readonly monitorPairs: readonly C[];
  readonly monitorIndices: readonly number[];
  readonly trainSides: readonly PMSides[];
  /** Training pairs with a side longer than T tokens hold (cut from the left: the model reads its end). */
  readonly cutTrainPairs: number;
  readonly batchesPerEpoch: number;
}

/** The held-out evaluation's metrics (names as in the CLI's report and the notebook's charts). */
export type PMEvalMetrics = Record<
  'eval/loss' | 'eval/accuracy' | 'eval/ece' | 'eval/length_baseline_accuracy',
  number
>;

/** What every metrics read gives: the step's training metrics, pairs/s and the monitored evaluation. */
export type PMIntervalMetrics = { step: number } & Record<
  keyof PMStepMetrics | 'train/pairs_per_second' | keyof PMEvalMetrics,
  number
>;

/** Every dataset split by `seed` (pmSplit), training pairs and held-out pairs concatenated in dataset order. */
export function splitDatasets<C>(
  datasets: readonly { comparisons: readonly C[] }[],
  seed: number,
): { train: C[]; heldOut: C[] } {
  const train: C[] = [];
  const heldOut: C[] = [];
  for (const d of datasets) {
    const split = pmSplit(d.comparisons.length, seed + PM_SEEDS.split);
    for (const i of split.train) train.push(d.comparisons[i]);
    for (const i of split.heldOut) heldOut.push(d.comparisons[i]);
  }
  return { train, heldOut };
}

/** One pooled list split by `seed`: a held-out fraction (pmSplit), or fold i of K (pmFold). */
export function splitPairs<C>(
  pairs: readonly C[],
  seed: number,
  by: { fraction?: number; fold?: readonly [number, number] },
): { train: C[]; heldOut: C[]; split: PMSplit } {
  const n = pairs.length;
  const split = by.fold
    ? pmFold(n, seed + PM_SEEDS.split, by.fold[0], by.fold[1])
    : pmSplit(n, seed + PM_SEEDS.split, by.fraction);
  return { train: split.train.map((i) => pairs[i]), heldOut: split.heldOut.map((i) => pairs[i]), split };
}

/** The highest accuracy any length-only rule gets on the pairs (longer wins, shorter wins, subset-aware). */
export function bestLengthRule(report: PMEvalReport): number {
  const l = report.length_baseline_accuracy;
  return Math.max(l.longer, l.shorter, l.subset_aware);
}

/**
 * Whether either side of the comparison is longer than a sequence of T tokens holds, so the model reads only its end.
 */
export function isCut(
  c: { context: string; chosen: string; rejected: string },
  tokenizer: Tokenizer,
  T: number,
): boolean {
  return [c.chosen, c.rejected].some((r) => tokenizer.encode(c.context + r).length > T - 1);
}

/**
 * Both sides encoded for the PM at T tokens, and whether a side was cut, tokenizing each side once: a side is
 * cut at T exactly when its encoding at T + 1 is longer than T, and then its last T ids are its encoding at T.
 */
function encodeCounted(
  pairs: readonly TrainingPair[],
  tokenizer: Tokenizer,
  T: number,
): { sides: PMSides[]; cut: number } {
  let cut = 0;
  const sides = pairs.map((c) => {
    const [chosen, rejected] = [c.chosen, c.rejected].map((r) => encodeForPM(c.context, r, tokenizer, T + 1));
    if (chosen.length > T || rejected.length > T) cut++;
    return {
      chosen: chosen.slice(Math.max(0, chosen.length - T)),
      rejected: rejected.slice(Math.max(0, rejected.length - T)),
    };
  });
  return { sides, cut };
}

/** The trunk a run starts from: the preset at random, or the checkpoint grown to embed end-of-context. */
function startingTrunk(
  source: PMTrunkSource,
  seed: number,
): Pick<PMRunPlan, 'cfg' | 'trunk' | 'tokenizer' | 'preset' | 'trunkFrom' | 'init' | 'grownFrom'> {
  if (source.kind === 'random') {
    const preset = PRESETS[source.preset];
    if (!preset) throw new Error(`unknown preset ${source.preset} (one of ${Object.keys(PRESETS).join(', ')})`);
    const cfg = { ...preset, vocabSize: vocabWithEndOfContext(source.tokenizer) };
    const trunk = initParams(paramTable(cfg), cfg, (n) => randn(n, seed + PM_SEEDS.trunk));
    return {
      cfg,
      trunk,
      tokenizer: source.tokenizer,
      preset: source.preset,
      trunkFrom: `random (seed ${seed})`,
      init: null,
      grownFrom: null,
    };
  }
  const { checkpoint: ckpt, name } = source;
  const tokenizer = tokenizerOfCheckpoint(ckpt.metadata, ckpt.cfg, name);
  const V = vocabWithEndOfContext(tokenizer);
  const preset = ckpt.metadata.preset ?? 'custom';
  if (ckpt.cfg.vocabSize >= V)
    return { cfg: ckpt.cfg, trunk: ckpt.packed, tokenizer, preset, trunkFrom: name, init: name, grownFrom: null };
  const grown = growVocab(ckpt.cfg, ckpt.packed, V);
  return {
    cfg: grown.cfg,
    trunk: grown.packed,
    tokenizer,
    preset,
    trunkFrom: name,
    init: name,
    grownFrom: ckpt.cfg.vocabSize,
  };
}

const isPositiveInteger = (x: number) => Number.isInteger(x) && x >= 1;

/** Checks a run's settings and prepares its data (no GPU): an Error saying what to change when they cannot work. */
export function planPMRun<C extends TrainingPair>(config: PMRunConfig<C>): PMRunPlan<C> {
  const { seed } = config;
  const start = startingTrunk(config.trunk, seed);
  const { cfg, tokenizer } = start;
  const P = config.pairsPerBatch ?? DEFAULT_PM_TRAIN.pairsPerBatch;
  const T = config.seqLen ?? Math.min(cfg.maxSeqLen, DEFAULT_PM_TRAIN.seqLen);
  if (!isPositiveInteger(P)) throw new Error(`pairs per batch must be a positive integer, got ${P}`);
  if (!Number.isInteger(T) || T < 2) throw new Error(`sequence length must be an integer of at least 2, got ${T}`);
  if (T > cfg.maxSeqLen)
    throw new Error(`sequence length ${T} exceeds the ${start.preset} model's context of ${cfg.maxSeqLen} tokens`);
  const { train, heldOut } = config;
  if (train.length < P)
    throw new Error(`${train.length} training pairs, fewer than one batch of ${P}: use more pairs or fewer per batch`);
  if (heldOut.length === 0) throw new Error('no held-out pairs: a run needs at least one to validate on');
  const batchesPerEpoch = Math.floor(train.length / P);
  const steps = config.steps ?? Math.max(1, Math.ceil((config.epochs ?? 1) * batchesPerEpoch));
  if (!isPositiveInteger(steps)) throw new Error(`steps must be a positive integer, got ${steps}`);
  const trainConfig: PMTrainConfig = {
    ...DEFAULT_PM_TRAIN,
    pairsPerBatch: P,
    seqLen: T,
    steps,
    lr: config.lr ?? DEFAULT_PM_TRAIN.lr,
    weightDecay: config.weightDecay ?? DEFAULT_PM_TRAIN.weightDecay,
    warmupSteps: Math.min(DEFAULT_PM_TRAIN.warmupSteps, Math.floor(steps / 10)),
  };
  const { sides, cut } = encodeCounted(train, tokenizer, T);
  const order = shuffleInPlace(
    heldOut.map((_, i) => i),
    rng(seed + PM_SEEDS.monitor),
  );
  const monitorIndices = order.slice(0, MONITOR_PAIRS);
  return {
    ...start,
    seed,
    trainConfig,
    trainPairs: train,
    heldOutPairs: heldOut,
    monitorIndices,
    monitorPairs: monitorIndices.map((i) => heldOut[i]),
    trainSides: sides,
    cutTrainPairs: cut,
    batchesPerEpoch,
  };
}

/** The metrics of an evaluation report. */
function evalMetrics(report: PMEvalReport): PMEvalMetrics {
  return {
    'eval/loss': report.loss,
    'eval/accuracy': report.accuracy,
    'eval/ece': report.ece,
    'eval/length_baseline_accuracy': bestLengthRule(report),
  };
}

export class PMRun<C extends TrainingPair = TrainingPair> {
  /** The run's own GPU scope: everything the run creates, freed by dispose(). */
  readonly gpu: Gpu;
  readonly cfg: GPTConfig;
  readonly train: PMTrainConfig;
  readonly weights: Weights;
  readonly trainer: PMTrainer;
  readonly batches: PMBatcher;
  private readonly monitor: PMBatch[];
  // The pairs/s clock: started by the first step after a read (or a pause), stopped by the read.
  private clock: { t0: number; s0: number } | null = null;

  constructor(
    gpu: Gpu,
    readonly plan: PMRunPlan<C>,
  ) {
    this.gpu = gpu.scope('pm run');
    const { cfg, trainConfig: t, tokenizer, seed } = plan;
    this.cfg = cfg;
    this.train = t;
    const P = t.pairsPerBatch;
    const T = t.seqLen;
    this.batches = new PMBatcher(plan.trainSides, P, T, tokenizer.endOfText, seed + PM_SEEDS.batches);
    this.monitor = pmEvalBatches(encodeComparisons(plan.monitorPairs, tokenizer, T), P, T, tokenizer.endOfText);
    this.weights = new Weights(this.gpu, cfg);
    this.gpu.write(this.weights.packed, plan.trunk);
    this.trainer = new PMTrainer(this.gpu, cfg, t, this.weights);
    this.gpu.write(
      this.trainer.head.params,
      initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, seed + PM_SEEDS.head)),
    );
  }

  /** Optimizer steps taken. */
  get step(): number {
    return this.trainer.step;
  }

  get done(): boolean {
    return this.trainer.step >= this.train.steps;
  }

  /** Parameters of the trunk and the reward head. */
  get parameters(): number {
    return this.trainer.model.table.count + this.trainer.head.table.count;
  }

  /** One optimizer step on the next batch. Reads nothing back. */
  takeStep(): void {
    this.clock ??= { t0: performance.now(), s0: this.trainer.step };
    this.trainer.stepOn(this.batches.next());
  }

  /** Stops the pairs/s clock (the run is paused: idle time must not count). */
  stopClock(): void {
    this.clock = null;
  }

  /** Waits for the GPU work submitted so far. */
  settle(): Promise<void> {
    return this.gpu.sync();
  }

  /** The last step's batch as the loss saw it: its pairs, rewards and losses. Read it before any scoring. */
  async inspectStep(): Promise<{ inspection: PMStepInspection; pairs: C[] }> {
    const inspection = await this.trainer.inspectStep();
    return { inspection, pairs: this.batches.lastIndices.map((i) => this.plan.trainPairs[i]) };
  }

  /**
   * The monitored held-out pairs' report and metrics. Given every held-out pair's margins (heldOutMargins),
   * the monitored pairs' are taken from them instead of being scored again.
   */
  async evaluate(heldOutMargins?: readonly number[]): Promise<{ metrics: PMEvalMetrics; report: PMEvalReport }> {
    const margins = heldOutMargins
      ? this.plan.monitorIndices.map((i) => heldOutMargins[i])
      : await this.trainer.margins(this.monitor);
    const report = pmEvalReport(margins, this.plan.monitorPairs);
    return { metrics: evalMetrics(report), report };
  }

  /** r_chosen − r_rejected of every held-out pair, in heldOutPairs order. */
  heldOutMargins(): Promise<number[]> {
    const { tokenizer, trainConfig: t } = this.plan;
    return this.trainer.margins(
      pmEvalBatches(
        encodeComparisons(this.plan.heldOutPairs, tokenizer, t.seqLen),
        t.pairsPerBatch,
        t.seqLen,
        tokenizer.endOfText,
      ),
    );
  }

  /**
   * The last step's metrics, pairs/s since the clock started, and the monitored evaluation. `allHeldOut` scores
   * every held-out pair too (returned as heldOutMargins; the monitored pairs' margins are taken from them).
   * trainedAt: performance.now() when the step's metrics were read, before any evaluation.
   */
  async intervalMetrics(
    o: { allHeldOut?: boolean } = {},
  ): Promise<{ point: PMIntervalMetrics; report: PMEvalReport; heldOutMargins?: number[]; trainedAt: number }> {
    const m = await this.trainer.metrics();
    const trainedAt = performance.now();
    const clock = this.clock;
    const seconds = clock ? (trainedAt - clock.t0) / 1000 : 0;
    const pairsPerSecond =
      clock && seconds > 0 ? ((this.trainer.step - clock.s0) * this.train.pairsPerBatch) / seconds : 0;
    this.clock = null;
    const heldOutMargins = o.allHeldOut ? await this.heldOutMargins() : undefined;
    const { metrics, report } = await this.evaluate(heldOutMargins);
    return {
      point: { step: this.trainer.step, ...m, 'train/pairs_per_second': pairsPerSecond, ...metrics },
      report,
      heldOutMargins,
      trainedAt,
    };
  }

  /**
   * Puts the freshly built run where a stored one stopped: the checkpoint's trunk and reward head, its step (the
   * schedule, AdamW's bias correction), its place in the batch stream. AdamW's moments restart from zero.
   */
  resumeAt(bytes: Uint8Array, step: number): void {
    const file = `the run's checkpoint at step ${step}`;
    const stored = loadCheckpoint(bytes, file, this.cfg);
    const head = stored.heads.reward_head;
    if (!head) throw new Error(`${file} has no reward head`);
    this.gpu.write(this.weights.packed, stored.packed);
    this.gpu.write(this.trainer.head.params, head);
    this.trainer.step = step;
    for (let i = 0; i < step; i++) this.batches.next();
  }

  /** What a checkpoint of the run records; `extra` adds to it (the notebook: its datasets). */
  metadata(extra: Record<string, string> = {}): Record<string, string> {
    const { plan } = this;
    return {
      tokenizer: plan.tokenizer.name,
      kind: 'preference-model',
      preset: plan.preset,
      seq_len: String(this.train.seqLen),
      step: String(this.trainer.step),
      seed: String(plan.seed),
      init: plan.init ?? 'random',
      ...extra,
    };
  }

  /** The trunk and reward head as a GPT-2-layout safetensors checkpoint. */
  async checkpoint(metadata: Record<string, string>): Promise<Uint8Array> {
    const trunk = (await this.gpu.read(this.trainer.model.params)) as Float32Array;
    const head = (await this.gpu.read(this.trainer.head.params)) as Float32Array;
    return checkpointBytes(this.cfg, trunk, metadata, { reward_head: head });
  }

  /** Frees every GPU buffer the run created (trainer, weights, batches' buffers). */
  dispose(): void {
    this.gpu.dispose();
  }
}
