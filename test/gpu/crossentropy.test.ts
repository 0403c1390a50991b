import { describe, expect, it } from 'vitest';
import { crossentropyBackward, crossentropyForward } from '../../src/kernels/crossentropy.ts';
import { crossentropyBackwardRef, crossentropyForwardRef } from '../../src/kernels/crossentropy.ref.ts';
import type { Gpu } from '../../src/kernels/gpu.ts';
import { lossWeights, maskedMean } from '../../src/kernels/masked_mean.ts';
import { lossWeightsRef, maskedMeanRef } from '../../src/kernels/masked_mean.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randint, randn, uniform } from '../helpers/random.ts';

/** Forward (and backward, unless `forwardOnly`) on the GPU against the reference. */
async function compare(gpu: Gpu, logits: Float64Array, targets: Uint32Array, N: number, V: number, forwardOnly = false, dtol = { atol: 1e-6, rtol: 1e-4 }) {
  const dlosses = f32(randn(N, 3));
  const t = {
    losses: gpu.tensor('losses', [N]), lse: gpu.tensor('lse', [N]), logits: gpu.tensor('logits', [N, V], 'f32', logits),
    targets: gpu.tensor('targets', [N], 'u32', targets), dlosses: gpu.tensor('dlosses', [N], 'f32', dlosses),
    // garbage in dlogits: the backward overwrites it
    dlogits: gpu.tensor('dlogits', [N, V], 'f32', randn(N * V, 4, 100)),
  };
  gpu.run([
    crossentropyForward(gpu, t.losses, t.lse, t.logits, t.targets, N, V),
    ...(forwardOnly ? [] : [crossentropyBackward(gpu, t.dlogits, t.logits, t.lse, t.targets, t.dlosses, N, V)]),
  ]);
  const ref = crossentropyForwardRef(logits, targets, N, V);
  const tol = { atol: 1e-4, rtol: 1e-5 };
  expectClose(await gpu.read(t.lse), ref.lse, 'lse', tol);
  expectClose(await gpu.read(t.losses), ref.losses, 'losses', tol);
  if (!forwardOnly) expectClose(await gpu.read(t.dlogits), crossentropyBackwardRef(dlosses, logits, targets, N, V), 'dlogits', dtol);
}

describe('crossentropy on the GPU matches the float64 reference', () => {
  for (const [N, V] of [[1, 1], [3, 7], [5, 65], [4, 300], [7, 513]]) {
    it(`forward and backward at N=${N} V=${V}`, async () => {
      await compare(await testGpu(), f32(randn(N * V, N + V, 3)), randint(N, V, V), N, V);
    });
  }

  it('forward at the GPT-2 vocabulary V=50257', async () => {
    const [N, V] = [3, 50257];
    await compare(await testGpu(), f32(randn(N * V, 5, 2)), Uint32Array.of(0, 50256, 12345), N, V, true);
  });

  it('logits of ±1e4 (no overflow, no NaN) and out-of-range targets clamped to V − 1', async () => {
    const V = 7;
    const rows = [
      [1e4, -1e4, 0, 5, -5, 1e4 - 1, -3],       // target on a dominant logit
      [1e4, -1e4, 0, 5, -5, 1e4 - 1, -3],       // target far below: loss 2e4
      [-1e4, -1e4, -1e4, -1e4, -1e4, -1e4, -1e4],
      [3e4, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 1],                    // target 1e9 → V − 1
    ];
    const logits = f32(rows.flat());
    const targets = Uint32Array.of(0, 1, 3, 6, 1e9);
    // the backward reads lse in f32, whose ulp at 1e4 is 1e-3: softmax is good to ~|lse|·2⁻²⁴ there
    await compare(await testGpu(), logits, targets, rows.length, V, false, { atol: 1e-6, rtol: 2e-3 });
  });

  it('a shape mismatch names the kernel and every shape', async () => {
    const gpu = await testGpu();
    const [N, V] = [4, 9];
    const logits = gpu.tensor('logits', [N, V]);
    const n = gpu.tensor('n', [N]);
    const targets = gpu.tensor('targets', [N], 'u32');
    expect(() => crossentropyForward(gpu, n, n, gpu.tensor('logits', [N, V + 1]), targets, N, V)).toThrow(
      /crossentropy_forward: logits is \[4,10\], expected \[N=4, V=9\].*targets=targets\[4\]/,
    );
    expect(() => crossentropyForward(gpu, n, n, logits, n, N, V)).toThrow(/crossentropy_forward: targets is f32, expected u32/);
    expect(() => crossentropyBackward(gpu, logits, logits, n, targets, gpu.tensor('dlosses', [N + 1]), N, V)).toThrow(/crossentropy_backward: dlosses is \[5\], expected \[N=4\]/);
  });
});

describe('masked_mean and loss_weights on the GPU match the float64 reference', () => {
  async function compareMean(values: Float64Array, mask: Float64Array) {
    const gpu = await testGpu();
    const N = values.length;
    const t = {
      out: gpu.tensor('loss', [1]), values: gpu.tensor('losses', [N], 'f32', values), mask: gpu.tensor('mask', [N], 'f32', mask),
      dlosses: gpu.tensor('dlosses', [N], 'f32', randn(N, 9, 100)), // overwritten
    };
    gpu.run([maskedMean(gpu, t.out, t.values, t.mask, N), lossWeights(gpu, t.dlosses, t.mask, N)]);
    expectClose(await gpu.read(t.out), maskedMeanRef(values, mask, N), 'loss', { atol: 1e-6, rtol: 1e-5 });
    expectClose(await gpu.read(t.dlosses), lossWeightsRef(mask, N), 'dlosses', { atol: 1e-9, rtol: 1e-6 });
  }

  for (const N of [1, 7, 65, 300, 5000]) {
    it(`at N=${N}`, async () => {
      const mask = f32(uniform(N, N, 0, 1).map((u) => (u < 0.3 ? 0 : u < 0.9 ? 1 : u)));
      await compareMean(f32(uniform(N, N + 1, 0, 12)), mask);
    });
  }

  it('an all-zero mask gives 0, and inf / NaN at masked-out positions are ignored', async () => {
    await compareMean(f32([Infinity, NaN, 2]), f32([0, 0, 0]));
    await compareMean(f32([Infinity, NaN, 2, 5, -Infinity]), f32([0, 0, 1, 1, 0]));
  });

  it('a shape mismatch names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [5]);
    expect(() => maskedMean(gpu, gpu.tensor('loss', [2]), x, x, 5)).toThrow(/masked_mean: out is \[2\], expected \[1\]/);
    expect(() => lossWeights(gpu, x, gpu.tensor('mask', [4]), 5)).toThrow(/loss_weights: mask is \[4\], expected \[N=5\]/);
  });
});
