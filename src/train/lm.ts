// Language-model training (pretraining on dialogue text, or supervised fine-tuning on Assistant turns):
// AdamW with bias correction and decoupled weight decay on matrices and embeddings only, linear
// warm-up then cosine decay of the learning rate, global gradient-norm clipping and gradient
// accumulation — nanoGPT / llm.c's recipe, every step on the GPU.
//
// A step writes its token batches, replays dispatches recorded once (forward, loss, backward per
// micro-batch; then scale, grad norm, AdamW) and reads nothing back; `metrics()` reads the loss and
// the gradient norm when the caller wants them (at a chosen interval).

import { adamwHyperparams, adamwPackedUpdate, setAdamW } from '../kernels/adamw.ts';
import { scaleInPlace } from '../kernels/fill.ts';
import type { Dispatch, Gpu, Tensor } from '../kernels/gpu.ts';
import { gradNorm, gradNormParams, gradNormScratch, setGradNorm } from '../kernels/grad_norm.ts';
import type { LMBatch } from '../data/lm-batches.ts';
import { heldOutLoss, writeLMBatch } from '../eval/lm-loss.ts';
import type { GPTConfig } from '../models/config.ts';
import { GPT } from '../models/gpt.ts';
import type { Weights } from '../models/weights.ts';

/** AdamW, its schedule and clipping: shared by every trainer (language model, preference model). */
export interface OptimizerConfig {
  /** Optimizer steps in the run (the cosine schedule ends here). */
  steps: number;
  /** Peak learning rate, reached after the warm-up. */
  lr: number;
  /** Steps of linear warm-up from 0. */
  warmupSteps: number;
  /** The cosine decays the learning rate to lr · minLrRatio. */
  minLrRatio: number;
  /** AdamW's decoupled weight decay (matrices and embeddings, and a head's weight; not biases or norms). */
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Clip the global gradient norm to this value (0: no clipping). */
  gradClip: number;
}

export interface LMTrainConfig extends OptimizerConfig {
  /** Sequences per micro-batch (B). */
  batchSize: number;
  /** Tokens per sequence (T ≤ the model's maxSeqLen). */
  seqLen: number;
  /** Micro-batches whose gradients are averaged into one step. */
  gradAccum: number;
}

export const DEFAULT_LM_TRAIN: LMTrainConfig = {
  batchSize: 8,
  seqLen: 64,
  steps: 200,
  gradAccum: 1,
  lr: 1e-3,
  warmupSteps: 20,
  minLrRatio: 0.1,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  gradClip: 1,
};

/** The learning rate at optimizer step `step` (counted from 1): linear warm-up, then cosine. */
export function learningRate(
  step: number,
  c: Pick<LMTrainConfig, 'lr' | 'warmupSteps' | 'minLrRatio' | 'steps'>,
): number {
  if (step <= c.warmupSteps) return (c.lr * step) / Math.max(1, c.warmupSteps);
  const progress = Math.min(1, (step - c.warmupSteps) / Math.max(1, c.steps - c.warmupSteps));
  const min = c.lr * c.minLrRatio;
  return min + 0.5 * (c.lr - min) * (1 + Math.cos(Math.PI * progress));
}

export class LMTrainer {
  readonly model: GPT;
  /** Optimizer steps taken. */
  step = 0;
  private readonly m: Tensor;
  private readonly v: Tensor;
  private readonly norm: Tensor;
  private readonly hp: Tensor;
  private readonly micro: Dispatch[];
  private readonly update: Dispatch[];

  readonly gpu: Gpu;

  constructor(
    parent: Gpu,
    readonly cfg: GPTConfig,
    readonly train: LMTrainConfig,
    weights?: Weights,
  ) {
    const { batchSize: B, seqLen: T, gradAccum } = train;
    if (!Number.isInteger(gradAccum) || gradAccum < 1)
      throw new Error(`gradAccum must be a positive integer, got ${gradAccum}`);
    const gpu = (this.gpu = parent.scope('lm trainer'));
    this.model = new GPT(gpu, cfg, B, T, weights);
    const P = this.model.table.size;
    this.m = gpu.tensor('adam m', [P]);
    this.v = gpu.tensor('adam v', [P]);
    this.norm = gpu.tensor('grad norm', [2]);
    this.hp = adamwHyperparams(gpu);
    const gnParams = gradNormParams(gpu);
    setGradNorm(gpu, gnParams, { maxNorm: train.gradClip });
    const { params, grads } = this.model;
    const decayEnd = this.model.table.decayEnd;
    this.micro = [...this.model.forwardDispatches, ...this.model.lossDispatches, ...this.model.backwardDispatches];
    this.update = [
      ...(gradAccum > 1 ? [scaleInPlace(gpu, grads, 1 / gradAccum)] : []),
      ...gradNorm(gpu, this.norm, grads, gradNormScratch(gpu, P), gnParams, P),
      ...adamwPackedUpdate(gpu, params, this.m, this.v, grads, this.norm, this.hp, P, decayEnd),
    ];
  }

  /** Destroys every GPU buffer this trainer created: its graphs, optimizer state and the weights it made. */
  dispose(): void {
    this.gpu.dispose();
  }

  /** One optimizer step over `batches` (gradAccum micro-batches). Reads nothing back. */
  stepOn(batches: readonly LMBatch[]): void {
    if (batches.length !== this.train.gradAccum)
      throw new Error(`a step takes ${this.train.gradAccum} micro-batches, got ${batches.length}`);
    for (const batch of batches) {
      this.writeBatch(batch);
      this.gpu.run(this.micro, 'lm forward+backward');
    }
    this.step++;
    const t = this.train;
    setAdamW(this.gpu, this.hp, {
      lr: learningRate(this.step, t),
      beta1: t.beta1,
      beta2: t.beta2,
      eps: t.eps,
      weightDecay: t.weightDecay,
      t: this.step,
    });
    this.gpu.run(this.update, 'lm update');
  }

  /** The last micro-batch's loss and the step's gradient norm (before clipping): two small reads. */
  async metrics(): Promise<{ loss: number; gradNorm: number; lr: number }> {
    const [loss] = await this.gpu.read(this.model.loss);
    const [gradNorm] = await this.gpu.read(this.norm);
    if (!Number.isFinite(loss))
      throw new Error(
        `training diverged at step ${this.step}: loss is ${loss} (lower the learning rate or check the data)`,
      );
    return { loss, gradNorm, lr: learningRate(this.step, this.train) };
  }

  /** Mean masked loss over `batches` without updating anything (held-out evaluation). */
  evaluate(batches: readonly LMBatch[]): Promise<number> {
    return heldOutLoss(this.model, batches);
  }

  private writeBatch(batch: LMBatch): void {
    writeLMBatch(this.model, batch);
  }
}
