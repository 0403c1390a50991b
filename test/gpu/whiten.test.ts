// whiten_stats + whiten on the GPU against the float64 reference: masks with holes, large offsets and scales,
// tiny spreads, one valid element and none, and an N that needs a second grid dimension.

import { describe, expect, it } from 'vitest';
import { whitenForward, whitenStats } from '../../src/kernels/whiten.ts';
import { whitenForwardRef } from '../../src/kernels/whiten.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import { checkKernel, input, itShapes, kernelCase, overwrite, secondGridN } from '../helpers/kernel-case.ts';
import { f32, randn, uniform } from '../helpers/random.ts';

/**
 * Both kernels, into NaN garbage (every element of out and stats must be written): the mean to `atol` times the
 * spread, var, rstd and count to 1e-6 + 1e-4 relative, out to `atol` + 1e-4 relative.
 */
function whiten(x: ArrayLike<number>, mask: ArrayLike<number>, shiftMean: boolean, label: string, atol = 1e-5) {
  const N = x.length;
  return kernelCase({
    tensors: { out: overwrite([N]), x: input([N], x), mask: input([N], mask), stats: overwrite([4]) },
    launch: (gpu, t) => whitenForward(gpu, t.out, t.x, t.mask, t.stats, N, shiftMean),
    reference: (h) => {
      const ref = whitenForwardRef(h.x, h.mask, N, shiftMean);
      const meanTol = { atol: atol * Math.sqrt(ref.stats[1]), rtol: 1e-5 };
      return {
        mean: { of: 'stats', at: 0, want: ref.stats.subarray(0, 1), tol: meanTol },
        'var, rstd, count': { of: 'stats', at: 1, want: ref.stats.subarray(1), tol: { atol: 1e-6, rtol: 1e-4 } },
        out: ref.out,
      };
    },
    tol: { atol, rtol: 1e-4 },
    label,
  });
}

const mask80 = (N: number, seed: number) => uniform(N, seed).map((u, i) => (u < 0.8 || i === 0 ? 1 : 0));

describe('whiten on the GPU matches the float64 reference', () => {
  const shapes = [1, 7, 65, 300, 1000].flatMap((N) => [false, true].map((shiftMean) => ({ N, shiftMean })));
  itShapes('stats and out', shapes, ({ N, shiftMean }) =>
    whiten(
      randn(N, N, 2).map((v) => v + 0.5),
      mask80(N, N + 1),
      shiftMean,
      `N=${N}`,
    ),
  );

  it('large offsets, large scales, tiny spreads, one valid element and none', async () => {
    const N = 513;
    const mask = uniform(N, 3).map((u) => (u < 0.6 ? 1 : 0));
    // a common offset of 1e4 over a spread of 1: a one-pass E[x²] − E[x]² would lose every digit
    await checkKernel(whiten(f32(randn(N, 4).map((v) => v + 1e4)), mask, true, 'offset 1e4', 5e-3));
    await checkKernel(whiten(randn(N, 5, 1e4), mask, false, 'scale 1e4'));
    await checkKernel(whiten(randn(N, 6, 1e-3), mask, false, 'spread 1e-3', 1e-3)); // var ~ 1e-6: the 1e-8 matters
    const one = new Float64Array(N);
    one[100] = 1;
    await checkKernel(whiten(randn(N, 7), one, true, 'one valid'));
    await checkKernel(whiten(randn(N, 8), new Float64Array(N), true, 'none valid'));
  });

  it('covers every element when N needs a second grid dimension (N > 65535·256)', async () => {
    const N = secondGridN(256);
    const x = new Float64Array(N);
    const mask = new Float64Array(N);
    for (let i = 0; i < N; i++) [x[i], mask[i]] = [((i % 1013) - 506) / 128, i % 7 === 3 ? 0 : 1];
    await checkKernel(whiten(x, mask, true, `N=${N}`, 1e-4));
  }, 120_000);

  it('a shape mismatch or out = x names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [5]);
    const stats = whitenStats(gpu);
    expect(() => whitenForward(gpu, gpu.tensor('out', [5]), x, gpu.tensor('mask', [4]), stats, 5, true)).toThrow(
      /whiten_forward: mask is \[4\], expected \[N=5\]/,
    );
    expect(() => whitenForward(gpu, gpu.tensor('out', [5]), x, x, gpu.tensor('s', [2]), 5, true)).toThrow(
      /whiten_forward: stats is \[2\], expected \[4\]/,
    );
    expect(() => whitenForward(gpu, x, x, gpu.tensor('mask', [5]), stats, 5, true)).toThrow(
      /whiten_forward: out x\[5\] must not be x/,
    );
  });
});
