// Float64 reference of the AdamW update with global-norm clipping (llm.c's adamw update on the CPU).

import type { AdamWHyperparams } from './adamw.ts';
import { gradNormRef } from './grad_norm.ref.ts';

/** One contiguous range of the flat buffer and whether weight decay applies to it. */
export interface RangeRef {
  offset: number;
  length: number;
  decay: boolean;
}

/**
 * Updates params, m and v in place over one range, with gradients multiplied by clipScale:
 *   g = grad·clipScale; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 *   θ −= lr·(m/(1−β1^t) / (√(v/(1−β2^t)) + eps) + wd·θ)   (wd = 0 outside decayed ranges)
 */
export function adamwUpdateRef(
  params: Float64Array,
  m: Float64Array,
  v: Float64Array,
  grads: Float64Array,
  clipScale: number,
  hp: AdamWHyperparams,
  range: RangeRef,
): void {
  const { lr, beta1, beta2, eps, weightDecay, t } = hp;
  const wd = range.decay ? weightDecay : 0;
  for (let i = range.offset; i < range.offset + range.length; i++) {
    const g = grads[i] * clipScale;
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    const mHat = m[i] / (1 - beta1 ** t);
    const vHat = v[i] / (1 - beta2 ** t);
    params[i] -= lr * (mHat / (Math.sqrt(vHat) + eps) + wd * params[i]);
  }
}

/** A full optimizer step: clip by the global norm (maxNorm ≤ 0: no clipping), then update every range. */
export function adamwStepRef(
  params: Float64Array,
  m: Float64Array,
  v: Float64Array,
  grads: Float64Array,
  maxNorm: number,
  hp: AdamWHyperparams,
  ranges: readonly RangeRef[],
): { norm: number; scale: number } {
  const clip = gradNormRef(grads, maxNorm);
  for (const r of ranges) adamwUpdateRef(params, m, v, grads, clip.scale, hp, r);
  return clip;
}
