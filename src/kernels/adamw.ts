// AdamW with global gradient-norm clipping (llm.c's gpt2_update / adamw_kernel; Loshchilov & Hutter):
//   g = grad · clip_scale;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//   m̂ = m / (1−β1^t);  v̂ = v / (1−β2^t);  θ −= lr · (m̂ / (√v̂ + eps) + wd·θ)
// over flat f32 buffers params, grads, m, v of P elements (all parameters packed in one allocation).
// clip_scale = norm[1] written by gradNorm (grad_norm.ts) in the same run, or 1 when norm is null.
//
// Hyperparameters live in one uniform (adamwHyperparams), rewritten every step by setAdamW without
// allocating a buffer: lr, β1, β2, eps, wd and t, plus the bias corrections 1−β^t, which setAdamW
// computes in float64 (exact for any t, where an f32 pow in the shader loses digits for β2 near 1).
//
// Weight decay is chosen per range: each dispatch updates [offset, offset+length) of the flat buffer
// and `decay` (an override, so one uniform serves every range) says whether wd applies there. A
// caller that decays matrices but not biases or layer norms records one dispatch per contiguous
// range; offset and length are overrides too, so each range is its own cached pipeline (pack
// parameters by kind, as llm.c does, and merge adjacent ranges to keep that number small).
// `zeroGrad` also clears the gradient after reading it, so the next step's backward pass can
// accumulate (+=) into it without a separate zeroing pass.

import { checkArgs, checkScalar } from './check.ts';
import { grid1d, kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import adamwWgsl from './adamw.wgsl?raw';

export const ADAMW = kernel('adamw_update', adamwWgsl);

const WG = 256;

export interface AdamWHyperparams {
  /** learning rate (changes every step under a schedule) */
  lr: number;
  /** first-moment decay β1, in [0, 1) */
  beta1: number;
  /** second-moment decay β2, in [0, 1) */
  beta2: number;
  /** added to √v̂ */
  eps: number;
  /** decoupled weight decay wd, applied to ranges recorded with decay: true */
  weightDecay: number;
  /** the step, counted from 1 */
  t: number;
}

export interface AdamWRange {
  /** first element of the range (default 0) */
  offset?: number;
  /** number of elements (default P − offset) */
  length?: number;
  /** apply weight decay in this range (default true) */
  decay?: boolean;
  /** set grads to zero in this range after the update (default false) */
  zeroGrad?: boolean;
}

/** The uniform block adamw_update reads (8 words). Allocate once; write with setAdamW every step. */
export function adamwHyperparams(gpu: Gpu): Tensor {
  return gpu.uniform('adamw hyperparams', 8);
}

/** Writes this step's hyperparameters, with the bias corrections 1 − β^t computed in float64. */
export function setAdamW(gpu: Gpu, hp: Tensor, { lr, beta1, beta2, eps, weightDecay, t }: AdamWHyperparams): void {
  checkScalar('adamw_update', 'lr', lr, 0);
  checkScalar('adamw_update', 'beta1', beta1, 0, 1 - 1e-12);
  checkScalar('adamw_update', 'beta2', beta2, 0, 1 - 1e-12);
  checkScalar('adamw_update', 'eps', eps, 0);
  checkScalar('adamw_update', 'weightDecay', weightDecay, 0);
  checkScalar('adamw_update', 't', t, 1);
  if (!Number.isInteger(t)) throw new KernelError(`adamw_update: t must be an integer step, got ${t}`);
  gpu.writeUniform(hp, [
    [lr, 'f32'],
    [beta1, 'f32'],
    [beta2, 'f32'],
    [eps, 'f32'],
    [weightDecay, 'f32'],
    [1 - beta1 ** t, 'f32'],
    [1 - beta2 ** t, 'f32'],
    [t, 'u32'],
  ]);
}

/**
 * One AdamW step over params[offset, offset+length): updates params, m and v in place (and zeroes
 * grads there with zeroGrad). norm is grad_norm's [‖g‖, clip scale] output, or null for no clipping.
 */
export function adamwUpdate(
  gpu: Gpu,
  params: Tensor,
  m: Tensor,
  v: Tensor,
  grads: Tensor,
  norm: Tensor | null,
  hp: Tensor,
  P: number,
  range: AdamWRange = {},
): Dispatch {
  const { offset = 0, decay = true, zeroGrad = false } = range;
  const length = range.length ?? P - offset;
  checkArgs(
    'adamw_update',
    { P },
    {
      params: [params, ['P']],
      m: [m, ['P']],
      v: [v, ['P']],
      grads: [grads, ['P']],
      ...(norm ? { norm: [norm, [2]] as const } : {}),
    },
  );
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 1 || offset + length > P) {
    throw new KernelError(
      `adamw_update: range [${offset}, ${offset}+${length}) is not a non-empty range inside P=${P}`,
    );
  }
  if (!hp.uniform) throw new KernelError(`adamw_update: hp must be the uniform from adamwHyperparams, got ${hp}`);
  const buffers = new Set([params.buffer, m.buffer, v.buffer, grads.buffer]);
  if (buffers.size < 4) throw new KernelError('adamw_update: params, m, v and grads must be four different buffers');
  return gpu.dispatch(
    ADAMW,
    { OFFSET: offset, LENGTH: length, DECAY: +decay, HAS_CLIP: +(norm !== null), ZERO_GRAD: +zeroGrad },
    [params, m, v, grads, norm ?? gpu.placeholder, hp],
    grid1d(length, WG),
  );
}

/**
 * The AdamW update of a packed parameter buffer laid out as params.ts / head-table.ts lay it out: the
 * decayed parameters (matrices, embeddings, a head's weight) in [0, decayEnd), the rest after them.
 * Two dispatches, both zeroing the gradients they read, so the next backward can accumulate.
 */
export function adamwPackedUpdate(
  gpu: Gpu,
  params: Tensor,
  m: Tensor,
  v: Tensor,
  grads: Tensor,
  norm: Tensor | null,
  hp: Tensor,
  P: number,
  decayEnd: number,
): Dispatch[] {
  return [
    adamwUpdate(gpu, params, m, v, grads, norm, hp, P, { offset: 0, length: decayEnd, decay: true, zeroGrad: true }),
    adamwUpdate(gpu, params, m, v, grads, norm, hp, P, {
      offset: decayEnd,
      length: P - decayEnd,
      decay: false,
      zeroGrad: true,
    }),
  ];
}
