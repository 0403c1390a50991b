import { describe, expect, it } from 'vitest';
import { preferenceLossBackward, preferenceLossBackwardPaired, preferenceLossForward, preferenceLossForwardPaired } from '../../src/kernels/preference_loss.ts';
import { preferenceLossBackwardRef, preferenceLossForwardRef } from '../../src/kernels/preference_loss.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn } from '../helpers/random.ts';

async function compare(rChosen: Float64Array, rRejected: Float64Array, what: string, lossTol = { atol: 1e-6, rtol: 1e-5 }) {
  const gpu = await testGpu();
  const P = rChosen.length;
  const t = {
    stats: gpu.tensor('stats', [4]), losses: gpu.tensor('losses', [P]),
    rc: gpu.tensor('r_chosen', [P], 'f32', rChosen), rr: gpu.tensor('r_rejected', [P], 'f32', rRejected),
    // garbage where the gradients go: the backward overwrites, it does not accumulate
    dc: gpu.tensor('d_chosen', [P], 'f32', randn(P, 9)), dr: gpu.tensor('d_rejected', [P], 'f32', randn(P, 10)),
  };
  gpu.run([
    preferenceLossForward(gpu, t.stats, t.losses, t.rc, t.rr, P),
    preferenceLossBackward(gpu, t.dc, t.dr, t.rc, t.rr, P),
  ]);
  // the margin is computed in f32 on the GPU: round it as the GPU does before the f64 reference
  const margin = f32(rChosen.map((v, i) => v - rRejected[i]));
  const ref = preferenceLossForwardRef(margin, new Float64Array(P), P);
  const bwd = preferenceLossBackwardRef(margin, new Float64Array(P), P);
  const stats = await gpu.read(t.stats);
  expectClose(await gpu.read(t.losses), ref.losses, `${what}: losses`, lossTol);
  expectClose(stats, ref.stats, `${what}: stats`, { atol: 1e-6, rtol: 1e-5 });
  expect(Math.round(stats[1] * P * 2) / 2).toBe(Math.round(ref.stats[1] * P * 2) / 2); // accuracy counts pairs (ties 0.5)
  expectClose(await gpu.read(t.dc), bwd.dChosen, `${what}: dChosen`, { atol: 1e-9, rtol: 1e-5 });
  expectClose(await gpu.read(t.dr), bwd.dRejected, `${what}: dRejected`, { atol: 1e-9, rtol: 1e-5 });
}

describe('preference loss on the GPU matches the float64 reference', () => {
  for (const P of [1, 7, 65, 300, 1000]) {
    it(`forward and backward at P=${P}`, async () => {
      await compare(f32(randn(P, P, 3)), f32(randn(P, P + 1, 3)), `P=${P}`);
    });
  }

  it('is stable at margins of ±1e4, small margins and ties, and keeps the digits of tiny losses', async () => {
    const rc = f32([1e4, -1e4, 0, 5, 1e-3, -30, 80, 2.5, 10, 15, 20, 3]);
    const rr = f32([0, 0, 0, 5, 0, 0, -20, 2.5, 0, 0, 0, 0]);
    // −log σ(20) ≈ 2e-9: a naive log(1 + exp(−m)) would round it to 0 or lose most of its digits
    await compare(rc, rr, 'extreme', { atol: 1e-30, rtol: 2e-5 });
  });

  for (const P of [1, 7, 300]) {
    it(`reads chosen and rejected rewards from one [2P] tensor (paired layout) at P=${P}`, async () => {
      const gpu = await testGpu();
      const rc = f32(randn(P, P, 3));
      const rr = f32(randn(P, P + 7, 3));
      const rewards = gpu.tensor('rewards', [2 * P], 'f32', [...rc, ...rr]);
      const stats = gpu.tensor('stats', [4]);
      const losses = gpu.tensor('losses', [P]);
      const drewards = gpu.tensor('drewards', [2 * P], 'f32', randn(2 * P, 4));
      gpu.run([preferenceLossForwardPaired(gpu, stats, losses, rewards, P), preferenceLossBackwardPaired(gpu, drewards, rewards, P)]);
      const margin = f32(rc.map((v, i) => v - rr[i]));
      const ref = preferenceLossForwardRef(margin, new Float64Array(P), P);
      const bwd = preferenceLossBackwardRef(margin, new Float64Array(P), P);
      expectClose(await gpu.read(stats), ref.stats, 'paired stats', { atol: 1e-6, rtol: 1e-5 });
      expectClose(await gpu.read(losses), ref.losses, 'paired losses', { atol: 1e-6, rtol: 1e-5 });
      expectClose(await gpu.read(drewards), [...bwd.dChosen, ...bwd.dRejected], 'paired drewards', { atol: 1e-9, rtol: 1e-5 });
    });
  }

  it('a shape mismatch names the kernel', async () => {
    const gpu = await testGpu();
    const r = gpu.tensor('r', [5]);
    expect(() => preferenceLossForward(gpu, gpu.tensor('stats', [4]), gpu.tensor('losses', [4]), r, r, 5)).toThrow(
      /preference_loss_forward: losses is \[4\], expected \[P=5\]/,
    );
    expect(() => preferenceLossBackward(gpu, r, r, r, gpu.tensor('rr', [6]), 5)).toThrow(/preference_loss_backward: rRejected is \[6\], expected \[P=5\]/);
  });
});
