// gae on the GPU against the float64 reference: awkward B and T, γ = λ = 1 over long rows, fully masked rows,
// holes in the mask, large rewards, and a B that needs a second grid dimension.

import { describe, expect, it } from 'vitest';
import { gaeForward, gaeParams, setGae } from '../../src/kernels/gae.ts';
import { gaeForwardRef } from '../../src/kernels/gae.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import { checkKernel, input, itShapes, kernelCase, normal, overwrite, secondGridN } from '../helpers/kernel-case.ts';
import { rng } from '../helpers/random.ts';

/** One contiguous valid range per row, as a response mask is. */
function responseMask(B: number, T: number, seed: number): Float64Array {
  const r = rng(seed);
  const mask = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    const start = Math.floor(r() * T);
    const end = start + 1 + Math.floor(r() * (T - start));
    for (let t = start; t < end; t++) mask[b * T + t] = 1;
  }
  return mask;
}

/**
 * Advantages and returns into NaN garbage (every element is written, 0 where masked). f32 rounding grows with the
 * length of the sums: ~T·2⁻²⁴ of the largest partial sum.
 */
function gae(B: number, T: number, gamma: number, lam: number, scale: number, mask: ArrayLike<number>) {
  return kernelCase({
    tensors: {
      advantages: overwrite([B, T]),
      returns: overwrite([B, T]),
      rewards: normal([B, T], B + T, scale),
      values: normal([B, T], B + T + 1, scale),
      mask: input([B, T], mask),
    },
    launch: (gpu, t) => {
      const params = gaeParams(gpu);
      setGae(gpu, params, { gamma, lam });
      return [gaeForward(gpu, t.advantages, t.returns, t.rewards, t.values, t.mask, params, B, T)];
    },
    reference: (x) => gaeForwardRef(x.rewards, x.values, x.mask, Math.fround(gamma), Math.fround(lam), B, T),
    tol: { atol: 1e-6 * scale * T, rtol: 1e-5 },
    label: `B=${B} T=${T} γ=${gamma} λ=${lam}`,
  });
}

describe('gae on the GPU matches the float64 reference', () => {
  const shapes = [
    { B: 1, T: 1 },
    { B: 3, T: 7 },
    { B: 5, T: 65 },
    { B: 65, T: 3 },
    { B: 300, T: 4 },
  ];
  itShapes('advantages and returns', shapes, ({ B, T }) => gae(B, T, 0.99, 0.95, 1, responseMask(B, T, B * T)));

  it('γ = λ = 1 over long rows, fully masked rows, holes in the mask and large rewards', async () => {
    const [B, T] = [4, 130];
    const mask = responseMask(B, T, 5);
    mask.fill(0, T, 2 * T); // row 1: nothing valid
    mask.fill(1, 2 * T, 3 * T);
    mask[2 * T + 50] = 0; // row 2: a hole
    await checkKernel(gae(B, T, 1, 1, 1e4, mask));
    await checkKernel(gae(B, T, 0, 0.95, 1, mask));
  });

  it('covers every row when B needs a second grid dimension (B > 65535·64)', async () => {
    const [B, T] = [secondGridN(64), 2];
    const mask = Float64Array.from({ length: B * T }, (_, i) => (i % 7 === 3 ? 0 : 1));
    await checkKernel(gae(B, T, 0.99, 0.95, 1, mask));
  }, 120_000);

  it('bad hyperparameters and a shape mismatch name the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [2, 3]);
    const params = gaeParams(gpu);
    expect(() => setGae(gpu, params, { gamma: 1.5, lam: 0.9 })).toThrow(/gae: gamma must be in \[0, 1\]/);
    expect(() => gaeForward(gpu, x, x, x, x, gpu.tensor('mask', [2, 4]), params, 2, 3)).toThrow(
      /gae_forward: mask is \[2,4\], expected \[B=2, T=3\]/,
    );
    expect(() => gaeForward(gpu, x, x, x, x, x, x, 2, 3)).toThrow(/gae_forward: params must be the uniform/);
  });
});
