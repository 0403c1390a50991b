import { describe, expect, it } from 'vitest';
import { whitenForward, whitenStats } from '../../src/kernels/whiten.ts';
import { whitenForwardRef } from '../../src/kernels/whiten.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn, uniform } from '../helpers/random.ts';

async function compare(x: Float64Array, mask: Float64Array, shiftMean: boolean, what: string, atol = 1e-5) {
  const gpu = await testGpu();
  const N = x.length;
  const t = { out: gpu.tensor('out', [N], 'f32', randn(N, 9)), x: gpu.tensor('x', [N], 'f32', x), mask: gpu.tensor('mask', [N], 'f32', mask), stats: whitenStats(gpu) };
  gpu.run(whitenForward(gpu, t.out, t.x, t.mask, t.stats, N, shiftMean));
  const ref = whitenForwardRef(x, mask, N, shiftMean);
  const stats = await gpu.read(t.stats);
  expectClose(stats.subarray(0, 1), ref.stats.subarray(0, 1), `${what}: mean`, { atol: atol * Math.sqrt(ref.stats[1]), rtol: 1e-5 });
  expectClose(stats.subarray(1), ref.stats.subarray(1), `${what}: var, rstd, count`, { atol: 1e-6, rtol: 1e-4 });
  expectClose(await gpu.read(t.out), ref.out, `${what}: out`, { atol, rtol: 1e-4 });
}

describe('whiten on the GPU matches the float64 reference', () => {
  for (const N of [1, 7, 65, 300, 1000]) {
    for (const shiftMean of [false, true]) {
      it(`N=${N} shiftMean=${shiftMean}`, async () => {
        const x = f32(randn(N, N, 2).map((v) => v + 0.5));
        const mask = uniform(N, N + 1).map((u, i) => (u < 0.8 || i === 0 ? 1 : 0));
        await compare(x, mask, shiftMean, `N=${N}`);
      });
    }
  }

  it('large offsets, large scales, tiny spreads, one valid element and none', async () => {
    const N = 513;
    const mask = uniform(N, 3).map((u) => (u < 0.6 ? 1 : 0));
    // a common offset of 1e4 over a spread of 1: a one-pass E[x²] − E[x]² would lose every digit
    await compare(f32(randn(N, 4).map((v) => v + 1e4)), mask, true, 'offset 1e4', 5e-3);
    await compare(f32(randn(N, 5, 1e4)), mask, false, 'scale 1e4');
    await compare(f32(randn(N, 6, 1e-3)), mask, false, 'spread 1e-3', 1e-3); // var ~ 1e-6: the 1e-8 matters
    const one = new Float64Array(N);
    one[100] = 1;
    await compare(f32(randn(N, 7)), one, true, 'one valid');
    await compare(f32(randn(N, 8)), new Float64Array(N), true, 'none valid');
  });

  it('a shape mismatch or out = x names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [5]);
    const stats = whitenStats(gpu);
    expect(() => whitenForward(gpu, gpu.tensor('out', [5]), x, gpu.tensor('mask', [4]), stats, 5, true)).toThrow(/whiten_forward: mask is \[4\], expected \[N=5\]/);
    expect(() => whitenForward(gpu, gpu.tensor('out', [5]), x, x, gpu.tensor('s', [2]), 5, true)).toThrow(/whiten_forward: stats is \[2\], expected \[4\]/);
    expect(() => whitenForward(gpu, x, x, gpu.tensor('mask', [5]), stats, 5, true)).toThrow(/whiten_forward: out x\[5\] must not be x/);
  });
});
