// The masked mean that turns per-token losses into the training loss, and its backward:
//   masked_mean   out[0]     = Σ_n mask[n]·values[n] / max(Σ_n mask[n], 1)
//   loss_weights  dlosses[n] = mask[n] / max(Σ_m mask[m], 1)     (= ∂out/∂values[n]; OVERWRITES)
// mask is f32 [N] (1 = counted, 0 = padding; other weights work too). An all-zero mask gives 0, not
// NaN; a masked-out value (mask = 0) is skipped, so an inf or NaN there does not poison the mean.
// Each is a single workgroup looping over N (N = B·T is small next to the vocabulary work).

import { checkArgs } from './check.ts';
import { kernel, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import maskedMeanWgsl from './masked_mean.wgsl?raw';
import lossWeightsWgsl from './masked_mean_backward.wgsl?raw';

export const MASKED_MEAN = kernel('masked_mean', maskedMeanWgsl);
export const LOSS_WEIGHTS = kernel('loss_weights', lossWeightsWgsl);

/** out[1] = Σ mask·values / max(Σ mask, 1). */
export function maskedMean(gpu: Gpu, out: Tensor, values: Tensor, mask: Tensor, N: number): Dispatch {
  checkArgs('masked_mean', { N }, { out: [out, [1]], values: [values, ['N']], mask: [mask, ['N']] });
  return gpu.dispatch(MASKED_MEAN, { N }, [out, values, mask], [1, 1, 1]);
}

/** dlosses[N] = mask / max(Σ mask, 1): the backward of `maskedMean` with dloss = 1. */
export function lossWeights(gpu: Gpu, dlosses: Tensor, mask: Tensor, N: number): Dispatch {
  checkArgs('loss_weights', { N }, { dlosses: [dlosses, ['N']], mask: [mask, ['N']] });
  return gpu.dispatch(LOSS_WEIGHTS, { N }, [dlosses, mask], [1, 1, 1]);
}
