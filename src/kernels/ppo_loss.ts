// The PPO-clip loss with its statistics (Schulman et al. 2017; CleanRL's ppo.py and TRL's PPO
// trainer, as used by Bai et al. 2022), over N tokens with mask[N] (f32 0/1; masked tokens are
// skipped, so padding may hold anything, even NaN). Masked means divide by count = Σ mask:
//   ratio     = exp(logp − oldLogp)
//   pg1       = −A·ratio;   pg2 = −A·clamp(ratio, 1 − ε, 1 + ε)
//   v_clipped = oldValues + clamp(values − oldValues, −ε_v, ε_v)
//   vf1       = (values − returns)²;   vf2 = (v_clipped − returns)²
//   loss/policy = mean(max(pg1, pg2));   loss/value = 0.5·mean(max(vf1, vf2));   entropy = mean(entropy)
//   loss/total  = loss/policy + vf_coef·loss/value − ent_coef·entropy
// stats[PPO_STATS] holds these and the diagnostics, at the indices of PpoStat (TRL's metric names):
//   policy/clipfrac = mean(1[pg2 > pg1]),  policy/approxkl = 0.5·mean((logp − oldLogp)²),
//   val/ratio = mean(ratio),  val/clipfrac = mean(1[vf2 > vf1]),  count = Σ mask.
// With no valid token every statistic is 0 (TRL would divide by zero).
// Deviation (rounding only): v_clipped is exactly `values` where the clamp is inactive, so that
// old + (v − old) rounding away from v in f32 never counts as clipped.
//
// backward, of loss/total, OVERWRITING the gradients (the loss starts the chain rule):
//   dlogp    = m/count·(pg2 > pg1 ? 0 : −A·ratio)
//   dvalues  = vf_coef·m/count·(vf2 > vf1 ? 0 : values − returns)
//   dentropy = −ent_coef·m/count
// It reads count from the forward's stats (run the forward first, in the same or an earlier run).
//
// Kernels (all reductions without atomics, in a fixed order):
//   forward   ppo_loss, ppo_loss_value: G = min(⌈N/256⌉, 1024) workgroups each write per-workgroup sums
//             into partials[8, G] (two kernels: one would need 9 storage buffers, the default limit is 8);
//             ppo_loss_reduce: one workgroup sums them into stats.
//   backward  ppo_loss_backward (dlogp, dentropy), ppo_loss_backward_value (dvalues): a thread per token.
// Hyperparameters ε, ε_v, vf_coef, ent_coef are in a uniform: ppoLossParams(gpu) + setPpoLoss.

import { checkArgs, checkScalar } from './check.ts';
import { grid1d, kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import ppoLossWgsl from './ppo_loss.wgsl?raw';
import ppoLossValueWgsl from './ppo_loss_value.wgsl?raw';
import ppoLossReduceWgsl from './ppo_loss_reduce.wgsl?raw';
import ppoLossBackwardWgsl from './ppo_loss_backward.wgsl?raw';
import ppoLossBackwardValueWgsl from './ppo_loss_backward_value.wgsl?raw';

export const PPO_LOSS = kernel('ppo_loss', ppoLossWgsl);
export const PPO_LOSS_VALUE = kernel('ppo_loss_value', ppoLossValueWgsl);
export const PPO_LOSS_REDUCE = kernel('ppo_loss_reduce', ppoLossReduceWgsl);
export const PPO_LOSS_BACKWARD = kernel('ppo_loss_backward', ppoLossBackwardWgsl);
export const PPO_LOSS_BACKWARD_VALUE = kernel('ppo_loss_backward_value', ppoLossBackwardValueWgsl);

/** Indices into the stats output of ppoLossForward, keyed by TRL's metric names. */
export const PpoStat = {
  'loss/policy': 0,
  'loss/value': 1,
  'loss/total': 2,
  'policy/entropy': 3,
  'policy/clipfrac': 4,
  'policy/approxkl': 5,
  'val/ratio': 6,
  'val/clipfrac': 7,
  count: 8,
} as const;
export type PpoStatName = keyof typeof PpoStat;
export const PPO_STAT_NAMES = Object.keys(PpoStat) as PpoStatName[];
export const PPO_STATS = PPO_STAT_NAMES.length;

/** Number of quantities summed by the first pass (rows of the partials scratch). */
export const PPO_PARTIAL_ROWS = 8;

const WG = 256;
const MAX_PARTIALS = 1024;

export interface PpoLossHyperparams {
  /** ε: the policy ratio is clipped to [1 − ε, 1 + ε] (TRL cliprange, CleanRL clip_coef) */
  cliprange: number;
  /** ε_v: the new value may move at most ε_v from the old one (TRL cliprange_value) */
  cliprangeValue: number;
  /** weight of loss/value in loss/total (TRL vf_coef) */
  vfCoef: number;
  /** weight of the entropy bonus subtracted from loss/total (CleanRL ent_coef) */
  entCoef: number;
}

/** Workgroups of the first pass (= partial sums per quantity) for N tokens. */
export function ppoLossPartials(N: number): number {
  return Math.min(Math.max(1, Math.ceil(N / WG)), MAX_PARTIALS);
}

/** The partials scratch ppoLossForward needs for N tokens: [8, G]. Allocate once, reuse. */
export function ppoLossScratch(gpu: Gpu, N: number): Tensor {
  return gpu.tensor('ppo_loss partials', [PPO_PARTIAL_ROWS, ppoLossPartials(N)]);
}

/** The uniform block every PPO loss kernel reads: { cliprange, cliprange_value, vf_coef, ent_coef }. */
export function ppoLossParams(gpu: Gpu): Tensor {
  return gpu.uniform('ppo_loss params', 4);
}

export function setPpoLoss(
  gpu: Gpu,
  params: Tensor,
  { cliprange, cliprangeValue, vfCoef, entCoef }: PpoLossHyperparams,
): void {
  checkScalar('ppo_loss', 'cliprange', cliprange, 0);
  checkScalar('ppo_loss', 'cliprangeValue', cliprangeValue, 0);
  checkScalar('ppo_loss', 'vfCoef', vfCoef, 0);
  checkScalar('ppo_loss', 'entCoef', entCoef, -Infinity);
  gpu.writeUniform(params, [
    [cliprange, 'f32'],
    [cliprangeValue, 'f32'],
    [vfCoef, 'f32'],
    [entCoef, 'f32'],
  ]);
}

function checkUniform(name: string, params: Tensor): void {
  if (!params.uniform) throw new KernelError(`${name}: params must be the uniform from ppoLossParams, got ${params}`);
}

/** stats[PPO_STATS] (see PpoStat) from the per-token inputs; three dispatches, to be run in order. */
export function ppoLossForward(
  gpu: Gpu,
  stats: Tensor,
  partials: Tensor,
  logp: Tensor,
  oldLogp: Tensor,
  advantages: Tensor,
  values: Tensor,
  oldValues: Tensor,
  returns: Tensor,
  entropy: Tensor,
  mask: Tensor,
  params: Tensor,
  N: number,
): Dispatch[] {
  const G = ppoLossPartials(N);
  checkArgs(
    'ppo_loss_forward',
    { N, G },
    {
      stats: [stats, [PPO_STATS]],
      partials: [partials, [PPO_PARTIAL_ROWS, 'G']],
      logp: [logp, ['N']],
      oldLogp: [oldLogp, ['N']],
      advantages: [advantages, ['N']],
      values: [values, ['N']],
      oldValues: [oldValues, ['N']],
      returns: [returns, ['N']],
      entropy: [entropy, ['N']],
      mask: [mask, ['N']],
    },
  );
  checkUniform('ppo_loss_forward', params);
  return [
    gpu.dispatch(PPO_LOSS, { N, G }, [partials, logp, oldLogp, advantages, entropy, mask, params], [G, 1, 1]),
    gpu.dispatch(PPO_LOSS_VALUE, { N, G }, [partials, values, oldValues, returns, mask, params], [G, 1, 1]),
    gpu.dispatch(PPO_LOSS_REDUCE, { G }, [stats, partials, params], [1, 1, 1]),
  ];
}

/** dlogp, dvalues, dentropy [N] = ∂ loss/total (overwritten); stats from ppoLossForward. Two dispatches. */
export function ppoLossBackward(
  gpu: Gpu,
  dlogp: Tensor,
  dvalues: Tensor,
  dentropy: Tensor,
  logp: Tensor,
  oldLogp: Tensor,
  advantages: Tensor,
  values: Tensor,
  oldValues: Tensor,
  returns: Tensor,
  mask: Tensor,
  stats: Tensor,
  params: Tensor,
  N: number,
): Dispatch[] {
  checkArgs(
    'ppo_loss_backward',
    { N },
    {
      dlogp: [dlogp, ['N']],
      dvalues: [dvalues, ['N']],
      dentropy: [dentropy, ['N']],
      logp: [logp, ['N']],
      oldLogp: [oldLogp, ['N']],
      advantages: [advantages, ['N']],
      values: [values, ['N']],
      oldValues: [oldValues, ['N']],
      returns: [returns, ['N']],
      mask: [mask, ['N']],
      stats: [stats, [PPO_STATS]],
    },
  );
  checkUniform('ppo_loss_backward', params);
  return [
    gpu.dispatch(
      PPO_LOSS_BACKWARD,
      { N },
      [dlogp, dentropy, logp, oldLogp, advantages, mask, stats, params],
      grid1d(N, WG),
    ),
    gpu.dispatch(
      PPO_LOSS_BACKWARD_VALUE,
      { N },
      [dvalues, values, oldValues, returns, mask, stats, params],
      grid1d(N, WG),
    ),
  ];
}
