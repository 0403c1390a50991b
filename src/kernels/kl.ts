// Per-token KL penalty between the policy and the frozen reference model, estimated from the
// log-probabilities of the sampled tokens (Schulman 2020, "Approximating KL divergence"):
//   estimator 1:  kl[n] = logp[n] − refLogp[n]                         (k1: unbiased, can be negative)
//   estimator 3:  kl[n] = exp(d) − 1 − d,   d = refLogp[n] − logp[n]   (k3: unbiased, never negative)
// backward (ACCUMULATES into dlogp; refLogp is a constant):
//   estimator 1:  dlogp[n] += dkl[n]
//   estimator 3:  dlogp[n] += dkl[n]·(1 − exp(d))
// The estimator is an override (a pipeline per estimator). One thread per token.

import { checkArgs } from './check.ts';
import { grid1d, kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import klWgsl from './kl.wgsl?raw';
import klBackwardWgsl from './kl_backward.wgsl?raw';

export const KL = kernel('kl', klWgsl);
export const KL_BACKWARD = kernel('kl_backward', klBackwardWgsl);

export type KlEstimator = 1 | 3;

const WG = 256;

function checkEstimator(name: string, estimator: number): void {
  if (estimator !== 1 && estimator !== 3) throw new KernelError(`${name}: estimator must be 1 or 3, got ${estimator}`);
}

/** kl[N] = the k1 or k3 estimate of KL(policy ‖ reference) per token. */
export function klForward(
  gpu: Gpu,
  kl: Tensor,
  logp: Tensor,
  refLogp: Tensor,
  N: number,
  estimator: KlEstimator,
): Dispatch {
  checkEstimator('kl_forward', estimator);
  checkArgs('kl_forward', { N }, { kl: [kl, ['N']], logp: [logp, ['N']], refLogp: [refLogp, ['N']] });
  return gpu.dispatch(KL, { N, ESTIMATOR: estimator }, [kl, logp, refLogp], grid1d(N, WG));
}

/** dlogp[N] += dkl[N]·∂kl/∂logp. */
export function klBackward(
  gpu: Gpu,
  dlogp: Tensor,
  dkl: Tensor,
  logp: Tensor,
  refLogp: Tensor,
  N: number,
  estimator: KlEstimator,
): Dispatch {
  checkEstimator('kl_backward', estimator);
  checkArgs(
    'kl_backward',
    { N },
    { dlogp: [dlogp, ['N']], dkl: [dkl, ['N']], logp: [logp, ['N']], refLogp: [refLogp, ['N']] },
  );
  return gpu.dispatch(KL_BACKWARD, { N, ESTIMATOR: estimator }, [dlogp, dkl, logp, refLogp], grid1d(N, WG));
}
