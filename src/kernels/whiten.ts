// Masked whitening of advantages (TRL's masked_whiten; Bai et al. 2022 normalise PPO advantages the
// same way), over x[N] with mask[N] (f32 0/1):
//   mean = Σ m·x / Σ m;   var = Σ m·(x − mean)² / (Σ m − 1)   (unbiased, TRL's masked_var)
//   out[n] = (x[n] − mean) / √(var + 1e-8)   (+ mean when shiftMean, TRL's whiten(shift_mean=True))
//   out[n] = 0 where mask[n] = 0             (TRL leaves those elements unspecified)
// Deviation: TRL raises on Σ m = 0 and divides by zero at Σ m = 1; here mean = 0 when Σ m = 0 and
// var = 0 when Σ m ≤ 1, so every output stays finite.
// Two kernels, run in order: whiten_stats (one workgroup, reduces over N into stats) and whiten
// (one thread per element). `stats` is a caller-owned scratch tensor of 4 floats (allocate once
// with whitenStats(gpu)), left holding [mean, var, rstd, count] for logging. out must not be x.
// No backward: whitened advantages are targets, not differentiated.

import { checkArgs } from './check.ts';
import { grid1d, kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import whitenStatsWgsl from './whiten_stats.wgsl?raw';
import whitenWgsl from './whiten.wgsl?raw';

export const WHITEN_STATS = kernel('whiten_stats', whitenStatsWgsl);
export const WHITEN = kernel('whiten', whitenWgsl);

/** Indices into the stats[4] scratch of whitenForward. */
export const WhitenStat = { mean: 0, var: 1, rstd: 2, count: 3 } as const;

const WG = 256;

/** The 4-float scratch whitenForward reduces into: [mean, var, rstd, count]. */
export function whitenStats(gpu: Gpu): Tensor {
  return gpu.tensor('whiten stats', [4]);
}

/** out[N] = masked whitening of x[N]; two dispatches, to be run in order. */
export function whitenForward(
  gpu: Gpu,
  out: Tensor,
  x: Tensor,
  mask: Tensor,
  stats: Tensor,
  N: number,
  shiftMean: boolean,
): Dispatch[] {
  checkArgs('whiten_forward', { N }, { out: [out, ['N']], x: [x, ['N']], mask: [mask, ['N']], stats: [stats, [4]] });
  if (out.buffer === x.buffer && out.byteOffset === x.byteOffset)
    throw new KernelError(`whiten_forward: out ${out} must not be x ${x}`);
  return [
    gpu.dispatch(WHITEN_STATS, { N }, [stats, x, mask], [1, 1, 1]),
    gpu.dispatch(WHITEN, { N, SHIFT_MEAN: +shiftMean }, [out, x, mask, stats], grid1d(N, WG)),
  ];
}
