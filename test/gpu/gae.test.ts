import { describe, expect, it } from 'vitest';
import { gaeForward, gaeParams, setGae } from '../../src/kernels/gae.ts';
import { gaeForwardRef } from '../../src/kernels/gae.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn, rng } from '../helpers/random.ts';

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

async function compare(B: number, T: number, gamma: number, lam: number, scale: number, mask: Float64Array) {
  const gpu = await testGpu();
  const rewards = f32(randn(B * T, B + T, scale));
  const values = f32(randn(B * T, B + T + 1, scale));
  const t = {
    adv: gpu.tensor('advantages', [B, T], 'f32', randn(B * T, 8)), // garbage: every element is written
    ret: gpu.tensor('returns', [B, T], 'f32', randn(B * T, 9)),
    rewards: gpu.tensor('rewards', [B, T], 'f32', rewards),
    values: gpu.tensor('values', [B, T], 'f32', values),
    mask: gpu.tensor('mask', [B, T], 'f32', mask),
    params: gaeParams(gpu),
  };
  setGae(gpu, t.params, { gamma, lam });
  gpu.run([gaeForward(gpu, t.adv, t.ret, t.rewards, t.values, t.mask, t.params, B, T)]);
  const ref = gaeForwardRef(rewards, values, mask, Math.fround(gamma), Math.fround(lam), B, T);
  // f32 rounding grows with the length of the sums: ~T·2⁻²⁴ of the largest partial sum
  const tol = { atol: 1e-6 * scale * T, rtol: 1e-5 };
  expectClose(await gpu.read(t.adv), ref.advantages, 'advantages', tol);
  expectClose(await gpu.read(t.ret), ref.returns, 'returns', tol);
}

describe('gae on the GPU matches the float64 reference', () => {
  const cases: [number, number][] = [[1, 1], [3, 7], [5, 65], [65, 3], [300, 4]];
  for (const [B, T] of cases) {
    it(`advantages and returns at B=${B} T=${T}`, async () => {
      await compare(B, T, 0.99, 0.95, 1, responseMask(B, T, B * T));
    });
  }

  it('γ = λ = 1 over long rows, fully masked rows, holes in the mask and large rewards', async () => {
    const [B, T] = [4, 130];
    const mask = responseMask(B, T, 5);
    mask.fill(0, T, 2 * T); // row 1: nothing valid
    mask.fill(1, 2 * T, 3 * T);
    mask[2 * T + 50] = 0; // row 2: a hole
    await compare(B, T, 1, 1, 1e4, mask);
    await compare(B, T, 0, 0.95, 1, mask);
  });

  it('bad hyperparameters and a shape mismatch name the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [2, 3]);
    const params = gaeParams(gpu);
    expect(() => setGae(gpu, params, { gamma: 1.5, lam: 0.9 })).toThrow(/gae: gamma must be in \[0, 1\]/);
    expect(() => gaeForward(gpu, x, x, x, x, gpu.tensor('mask', [2, 4]), params, 2, 3)).toThrow(/gae_forward: mask is \[2,4\], expected \[B=2, T=3\]/);
    expect(() => gaeForward(gpu, x, x, x, x, x, x, 2, 3)).toThrow(/gae_forward: params must be the uniform/);
  });
});
