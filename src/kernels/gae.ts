// Generalised advantage estimation (Schulman et al. 2016; the PPO step of Bai et al. 2022, CleanRL /
// TRL's compute of advantages and returns), per sequence b of T steps:
//   δ_t = r_t + γ·V_{t+1} − V_t;   A_t = δ_t + γλ·A_{t+1};   returns_t = A_t + V_t
// over rewards[B,T], values[B,T], mask[B,T] (f32 0/1; the response tokens are one contiguous valid
// range). Masked steps are skipped: they output advantages = returns = 0 and do not interrupt the
// recursion, so the value and advantage after the last valid step are 0.
// One thread per sequence walks backwards (B threads in all; each reads its row with stride 1, so
// a warp's reads are strided by T: GAE is a tiny fraction of a PPO step). No backward: advantages
// and returns are targets, not differentiated. γ and λ are in a uniform: allocate once with
// gaeParams(gpu), write with setGae.

import { checkArgs, checkScalar } from './check.ts';
import { grid1d, kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import gaeWgsl from './gae.wgsl?raw';

export const GAE = kernel('gae', gaeWgsl);

const WG = 64;

export interface GaeHyperparams {
  /** discount γ, in [0, 1] */
  gamma: number;
  /** GAE λ, in [0, 1] */
  lam: number;
}

/** The uniform block gae reads: { gamma: f32, lam: f32 }. Write it with setGae. */
export function gaeParams(gpu: Gpu): Tensor {
  return gpu.uniform('gae params', 2);
}

export function setGae(gpu: Gpu, params: Tensor, { gamma, lam }: GaeHyperparams): void {
  checkScalar('gae', 'gamma', gamma, 0, 1);
  checkScalar('gae', 'lam', lam, 0, 1);
  gpu.writeUniform(params, [
    [gamma, 'f32'],
    [lam, 'f32'],
  ]);
}

/** advantages[B,T], returns[B,T] from rewards, values and mask (0 where masked). */
export function gaeForward(
  gpu: Gpu,
  advantages: Tensor,
  returns: Tensor,
  rewards: Tensor,
  values: Tensor,
  mask: Tensor,
  params: Tensor,
  B: number,
  T: number,
): Dispatch {
  checkArgs(
    'gae_forward',
    { B, T },
    {
      advantages: [advantages, ['B', 'T']],
      returns: [returns, ['B', 'T']],
      rewards: [rewards, ['B', 'T']],
      values: [values, ['B', 'T']],
      mask: [mask, ['B', 'T']],
    },
  );
  if (!params.uniform) throw new KernelError(`gae_forward: params must be the uniform from gaeParams, got ${params}`);
  return gpu.dispatch(GAE, { B, T }, [advantages, returns, rewards, values, mask, params], grid1d(B, WG));
}
