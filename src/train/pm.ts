// Preference-model training (Bai et al. 2022, §3): the GPT trunk with a scalar reward head read at the
// end-of-context token, trained on pairs with the Bradley–Terry loss −log σ(r_chosen − r_rejected).
// Optionally warm-started from a language model (the caller loads its weights: the paper's
// preference-model pretraining, at our scale, is LM training on the same kind of text).
//
// Deviations from the paper: no PMP stage on StackExchange/Reddit/Wikipedia comparisons (the paper's
// §3.1 ranked-pair pretraining); no ensembling. The LM head and its logits are not built (lmHead:
// false): the PM reads only the final layer norm, which saves the [2P, T, V] logits.
//
// A step: forward 2P sequences → rewards [2P] → paired preference loss and its gradient → reward head
// backward → trunk backward → one global gradient norm over trunk and head → AdamW on both (decay on
// matrices, embeddings and the head weight). Nothing is read back; `metrics()` reads the loss,
// accuracy, margin and gradient norm when asked.

import { adamwHyperparams, adamwPackedUpdate, setAdamW } from '../kernels/adamw.ts';
import type { Dispatch, Gpu, Tensor } from '../kernels/gpu.ts';
import { gradNormOver, gradNormParams, gradNormScratchOver, setGradNorm } from '../kernels/grad_norm.ts';
import {
  PREFERENCE_STATS,
  PreferenceStat,
  preferenceLossBackwardPaired,
  preferenceLossForwardPaired,
} from '../kernels/preference_loss.ts';
import type { PMBatch } from '../data/pm-batches.ts';
import type { GPTConfig } from '../models/config.ts';
import { GPT } from '../models/gpt.ts';
import { RewardHead } from '../models/heads.ts';
import { marginsOf } from '../models/preference-model.ts';
import type { Weights } from '../models/weights.ts';
import { learningRate, type OptimizerConfig } from './lm.ts';

export interface PMTrainConfig extends OptimizerConfig {
  /** Comparison pairs per batch (P): the graph runs 2P sequences. */
  pairsPerBatch: number;
  /** Tokens per sequence (T ≤ maxSeqLen): longer sequences are cut from the left. */
  seqLen: number;
}

export const DEFAULT_PM_TRAIN: PMTrainConfig = {
  pairsPerBatch: 8,
  seqLen: 128,
  steps: 200,
  lr: 3e-4,
  warmupSteps: 10,
  minLrRatio: 0.1,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  gradClip: 1,
};

export interface PMStepMetrics {
  'train/loss': number;
  'train/accuracy': number;
  'train/margin': number;
  'train/grad_norm': number;
  'train/lr': number;
}

/** One step's batch as the loss saw it (PMTrainer.inspectStep): per pair p of P. */
export interface PMStepInspection {
  step: number;
  /** r_chosen[p], r_rejected[p]: the rewards of the forward pass the step's gradient came from. */
  chosen: number[];
  rejected: number[];
  /** −log σ(r_chosen[p] − r_rejected[p]), as the loss kernel computed it. */
  losses: number[];
}

export class PMTrainer {
  readonly model: GPT;
  readonly head: RewardHead;
  step = 0;
  /** Whether `score` has overwritten the reward buffer since the last step (inspectStep refuses then). */
  private scoredSinceStep = false;
  private readonly stats: Tensor;
  /** −log σ(r_chosen − r_rejected) of each pair of the last step's batch [P]. */
  private readonly losses: Tensor;
  private readonly hp: Tensor;
  private readonly norm: Tensor;
  private readonly scoreDispatches: Dispatch[];
  private readonly trainDispatches: Dispatch[];

  readonly gpu: Gpu;

  constructor(
    parent: Gpu,
    readonly cfg: GPTConfig,
    readonly train: PMTrainConfig,
    weights?: Weights,
  ) {
    const P = train.pairsPerBatch;
    if (!Number.isInteger(P) || P < 1) throw new Error(`pairsPerBatch must be a positive integer, got ${P}`);
    if (train.seqLen > cfg.maxSeqLen)
      throw new Error(`seqLen ${train.seqLen} exceeds the model's maxSeqLen ${cfg.maxSeqLen}`);
    const gpu = (this.gpu = parent.scope('pm trainer'));
    this.model = new GPT(gpu, cfg, 2 * P, train.seqLen, weights, { lmHead: false });
    this.head = new RewardHead(gpu, this.model);
    this.stats = gpu.tensor('pm stats', [PREFERENCE_STATS]);
    this.losses = gpu.tensor('pm losses', [P]);
    this.hp = adamwHyperparams(gpu);
    this.norm = gpu.tensor('grad norm', [2]);
    const gnParams = gradNormParams(gpu);
    setGradNorm(gpu, gnParams, { maxNorm: train.gradClip });
    const { model, head } = this;
    const [nModel, nHead] = [model.table.size, head.table.size];
    const adam = (params: Tensor, grads: Tensor, n: number, decayEnd: number, label: string) => {
      const m = gpu.tensor(`${label} adam m`, [n]);
      const v = gpu.tensor(`${label} adam v`, [n]);
      return adamwPackedUpdate(gpu, params, m, v, grads, this.norm, this.hp, n, decayEnd);
    };
    this.scoreDispatches = [...model.forwardDispatches, ...head.forwardDispatches];
    this.trainDispatches = [
      ...this.scoreDispatches,
      // 1. loss of the batch; 2. its gradient with respect to the 2P rewards
      preferenceLossForwardPaired(gpu, this.stats, this.losses, head.reward, P),
      preferenceLossBackwardPaired(gpu, head.dreward, head.reward, P),
      // 3. backward through the head and the trunk (gradients accumulate; AdamW zeroes them after use)
      ...head.backwardDispatches,
      ...model.trunkBackwardDispatches,
      // 4. one clip over trunk and head, then AdamW on each
      ...gradNormOver(
        gpu,
        this.norm,
        [
          { grads: model.grads, P: nModel },
          { grads: head.grads, P: nHead },
        ],
        gradNormScratchOver(gpu, [nModel, nHead]),
        gnParams,
      ),
      ...adam(model.params, model.grads, nModel, model.table.decayEnd, 'trunk'),
      ...adam(head.params, head.grads, nHead, head.table.decayEnd, 'reward head'),
    ];
  }

  /** Destroys every GPU buffer this trainer created: its graphs, optimizer state and the weights it made. */
  dispose(): void {
    this.gpu.dispose();
  }

  /** One optimizer step on a batch of P pairs. Reads nothing back. */
  stepOn(batch: PMBatch): void {
    this.writeBatch(batch);
    this.step++;
    this.scoredSinceStep = false;
    const t = this.train;
    setAdamW(this.gpu, this.hp, {
      lr: learningRate(this.step, t),
      beta1: t.beta1,
      beta2: t.beta2,
      eps: t.eps,
      weightDecay: t.weightDecay,
      t: this.step,
    });
    this.gpu.run(this.trainDispatches, 'pm step');
  }

  /** The last step's batch loss, accuracy and mean margin, and its gradient norm (before clipping). */
  async metrics(): Promise<PMStepMetrics> {
    const stats = await this.gpu.read(this.stats);
    const [gradNorm] = await this.gpu.read(this.norm);
    const loss = stats[PreferenceStat.loss];
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      throw new Error(
        `preference-model training diverged at step ${this.step}: loss ${loss}, gradient norm ${gradNorm} (lower the learning rate)`,
      );
    }
    return {
      'train/loss': loss,
      'train/accuracy': stats[PreferenceStat.accuracy],
      'train/margin': stats[PreferenceStat.margin],
      'train/grad_norm': gradNorm,
      'train/lr': learningRate(this.step, this.train),
    };
  }

  /**
   * The last step's batch as the loss saw it: each pair's rewards (from the forward pass before the
   * update) and its loss −log σ(r_chosen − r_rejected). Reads the step's own reward and loss buffers
   * (nothing is copied during the step); `score` and `margins` reuse the reward buffer, so read this
   * before them: after them it is an error.
   */
  async inspectStep(): Promise<PMStepInspection> {
    if (this.step === 0) throw new Error('inspectStep: no step taken yet');
    if (this.scoredSinceStep)
      throw new Error(
        `inspectStep: the rewards of step ${this.step} were overwritten by scoring since (inspect before evaluating)`,
      );
    const P = this.train.pairsPerBatch;
    const rewards = await this.gpu.read(this.head.reward);
    const losses = await this.gpu.read(this.losses);
    return {
      step: this.step,
      chosen: Array.from(rewards.subarray(0, P)),
      rejected: Array.from(rewards.subarray(P, 2 * P)),
      losses: Array.from(losses),
    };
  }

  /** Scores of a batch's 2P sequences (chosen rows first), without training. */
  async score(batch: PMBatch): Promise<Float32Array> {
    this.writeBatch(batch);
    this.scoredSinceStep = true;
    this.gpu.run(this.scoreDispatches, 'pm score');
    return (await this.gpu.read(this.head.reward)) as Float32Array;
  }

  /** Margins r_chosen − r_rejected of every real pair of the batches, in order. */
  margins(batches: readonly PMBatch[]): Promise<number[]> {
    return marginsOf((b) => this.score(b), batches, this.train.pairsPerBatch);
  }

  private writeBatch(batch: PMBatch): void {
    const P = this.train.pairsPerBatch;
    if (batch.eocIndex.length !== 2 * P || batch.tokens.length !== 2 * P * this.train.seqLen) {
      throw new Error(
        `a PM batch of ${batch.eocIndex.length / 2} pairs × T=${batch.tokens.length / Math.max(1, batch.eocIndex.length)} does not fit the trainer's ${P} pairs × T=${this.train.seqLen}`,
      );
    }
    this.gpu.write(this.model.tokens, batch.tokens);
    this.gpu.write(this.head.eocIndex, batch.eocIndex);
  }
}
