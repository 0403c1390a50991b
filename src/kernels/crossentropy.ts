// Softmax cross-entropy over the vocabulary (llm.c's crossentropy_forward /
// crossentropy_softmax_backward), for logits[N, V] and target ids targets[N] (u32):
//   forward   lse[n] = log Σ_v exp(logits[n, v]);  losses[n] = lse[n] − logits[n, targets[n]]
//   backward  dlogits[n, v] = (softmax(logits[n])[v] − [v = targets[n]]) · dlosses[n]   (OVERWRITES)
// The forward saves lse for the backward. The mean over unmasked tokens and its backward (the
// dlosses that start the chain) are masked_mean.ts's maskedMean and lossWeights.
// Precision: losses are computed as log s − (logit[target] − max), free of lse's rounding; the backward
// reads the saved f32 lse, so softmax there carries a relative error of about |lse|·2⁻²⁴ (6e-4 at
// logits of 1e4, 6e-6 at 100).
// Deviation: a target id ≥ V cannot be rejected (it lives on the GPU); it is clamped to V − 1.

import { checkArgs } from './check.ts';
import { grid1d, kernel, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import forwardWgsl from './crossentropy.wgsl?raw';
import backwardWgsl from './crossentropy_backward.wgsl?raw';

export const CROSSENTROPY_FORWARD = kernel('crossentropy_forward', forwardWgsl);
export const CROSSENTROPY_BACKWARD = kernel('crossentropy_backward', backwardWgsl);

/** One workgroup per row, rows folded into y beyond 65535. */
function rowGrid(N: number): [number, number, number] {
  return N <= 65535 ? [N, 1, 1] : [65535, Math.ceil(N / 65535), 1];
}

/** losses[N] = lse − logits[target]; lse[N] saved for the backward. */
export function crossentropyForward(
  gpu: Gpu,
  losses: Tensor,
  lse: Tensor,
  logits: Tensor,
  targets: Tensor,
  N: number,
  V: number,
): Dispatch {
  checkArgs(
    'crossentropy_forward',
    { N, V },
    {
      losses: [losses, ['N']],
      lse: [lse, ['N']],
      logits: [logits, ['N', 'V']],
      targets: [targets, ['N'], 'u32'],
    },
  );
  return gpu.dispatch(CROSSENTROPY_FORWARD, { N, V }, [losses, lse, logits, targets], rowGrid(N));
}

/** dlogits[N, V] = (softmax − onehot(target))·dlosses (overwrites dlogits). */
export function crossentropyBackward(
  gpu: Gpu,
  dlogits: Tensor,
  logits: Tensor,
  lse: Tensor,
  targets: Tensor,
  dlosses: Tensor,
  N: number,
  V: number,
): Dispatch {
  checkArgs(
    'crossentropy_backward',
    { N, V },
    {
      dlogits: [dlogits, ['N', 'V']],
      logits: [logits, ['N', 'V']],
      lse: [lse, ['N']],
      targets: [targets, ['N'], 'u32'],
      dlosses: [dlosses, ['N']],
    },
  );
  return gpu.dispatch(CROSSENTROPY_BACKWARD, { N, V }, [dlogits, logits, lse, targets, dlosses], grid1d(N * V, 256));
}
