import { describe, expect, it } from 'vitest';
import { adamwHyperparams, adamwUpdate, setAdamW, type AdamWHyperparams } from '../../src/kernels/adamw.ts';
import { adamwStepRef, type RangeRef } from '../../src/kernels/adamw.ref.ts';
import { gradNorm, gradNormOver, gradNormParams, gradNormPartials, gradNormScratch, gradNormScratchOver, setGradNorm } from '../../src/kernels/grad_norm.ts';
import { gradNormRef } from '../../src/kernels/grad_norm.ref.ts';
import type { Dispatch } from '../../src/kernels/gpu.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn } from '../helpers/random.ts';

const LRS = [1e-3, 2e-3, 5e-4, 1e-2, 3e-3];

describe('adamw_update + grad_norm on the GPU match the float64 reference over 5 steps', () => {
  for (const P of [1, 7, 65, 1000, 70000]) {
    it(`P=${P}: clipping on odd steps, decay on the first half, zeroGrad on the first half`, async () => {
      const gpu = await testGpu();
      const half = Math.max(1, Math.floor(P / 2));
      const ranges: (RangeRef & { zeroGrad: boolean })[] = [{ offset: 0, length: half, decay: true, zeroGrad: true }];
      if (P > half) ranges.push({ offset: half, length: P - half, decay: false, zeroGrad: false });
      const allGrads = [1, 2, 3, 4, 5].map((s) => f32(randn(P, 100 + s, s % 2 ? 1 : 0.01)));
      const norms = allGrads.map((g) => gradNormRef(g, 0).norm);
      const maxNorm = 0.5 * Math.min(norms[0], norms[2], norms[4]); // odd steps (scale 1) clip, even steps (scale 0.01) do not
      const theta = f32(randn(P, 1));
      const m = new Float64Array(P);
      const v = new Float64Array(P);
      const t = {
        params: gpu.tensor('params', [P], 'f32', theta),
        m: gpu.tensor('m', [P]),
        v: gpu.tensor('v', [P]),
        grads: gpu.tensor('grads', [P]),
        norm: gpu.tensor('norm', [2]),
      };
      const scratch = gradNormScratch(gpu, P);
      const gnParams = gradNormParams(gpu);
      const hpTensor = adamwHyperparams(gpu);
      setGradNorm(gpu, gnParams, { maxNorm });
      const step: Dispatch[] = [
        ...gradNorm(gpu, t.norm, t.grads, scratch, gnParams, P),
        ...ranges.map((r) => adamwUpdate(gpu, t.params, t.m, t.v, t.grads, t.norm, hpTensor, P, r)),
      ];
      for (let s = 1; s <= 5; s++) {
        const grads = allGrads[s - 1];
        const hp: AdamWHyperparams = { lr: LRS[s - 1], beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, t: s };
        gpu.write(t.grads, Float32Array.from(grads));
        setAdamW(gpu, hpTensor, hp);
        gpu.run(step);
        const ref = adamwStepRef(theta, m, v, grads, maxNorm, hp, ranges);
        expect(ref.scale < 1).toBe(s % 2 === 1);
        expectClose(await gpu.read(t.norm), [ref.norm, ref.scale], `step ${s} norm`, { atol: 0, rtol: 1e-5 });
        const g = await gpu.read(t.grads);
        expectClose(g, grads.map((x, i) => (i < half ? 0 : x)), `step ${s} grads after zeroGrad`, { atol: 0, rtol: 0 });
      }
      expectClose(await gpu.read(t.params), theta, 'params', { atol: 1e-6, rtol: 1e-5 });
      expectClose(await gpu.read(t.m), m, 'm', { atol: 1e-7, rtol: 1e-4 }); // m sums terms up to ~0.2 that cancel
      expectClose(await gpu.read(t.v), v, 'v', { atol: 1e-9, rtol: 1e-4 });
    });
  }

  it('without clipping (norm null) and without decay the update is plain Adam', async () => {
    const gpu = await testGpu();
    const P = 65;
    const theta = f32(randn(P, 3));
    const grads = f32(randn(P, 4, 100)); // large: would be clipped if clipping were on
    const m = f32(randn(P, 5, 0.1));
    const v = f32(randn(P, 6, 0.1)).map((x) => x * x);
    const t = [theta, m, v, grads].map((d, i) => gpu.tensor(`t${i}`, [P], 'f32', d));
    const hpTensor = adamwHyperparams(gpu);
    const hp: AdamWHyperparams = { lr: 0.05, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.5, t: 7 };
    setAdamW(gpu, hpTensor, hp);
    gpu.run([adamwUpdate(gpu, t[0], t[1], t[2], t[3], null, hpTensor, P, { decay: false })]);
    const [rt, rm, rv] = [theta.slice(), m.slice(), v.slice()];
    adamwStepRef(rt, rm, rv, grads, 0, hp, [{ offset: 0, length: P, decay: false }]);
    expectClose(await gpu.read(t[0]), rt, 'params', { atol: 1e-6, rtol: 1e-5 });
    expectClose(await gpu.read(t[1]), rm, 'm', { atol: 1e-6, rtol: 1e-5 });
    expectClose(await gpu.read(t[2]), rv, 'v', { atol: 1e-6, rtol: 1e-5 });
    expectClose(await gpu.read(t[3]), grads, 'grads untouched without zeroGrad', { atol: 0, rtol: 0 });
  });

  it('grad_norm over more elements than one pass of its 1024 workgroups, and max_norm ≤ 0', async () => {
    const gpu = await testGpu();
    const P = 300_001;
    expect(gradNormPartials(P)).toBe(1024);
    const grads = f32(randn(P, 8, 1e3));
    const norm = gpu.tensor('norm', [2]);
    const params = gradNormParams(gpu);
    setGradNorm(gpu, params, { maxNorm: 0 });
    gpu.run(gradNorm(gpu, norm, gpu.tensor('grads', [P], 'f32', grads), gradNormScratch(gpu, P), params, P));
    expectClose(await gpu.read(norm), [gradNormRef(grads, 0).norm, 1], 'norm', { atol: 0, rtol: 1e-5 });
  });

  it('grad_norm over several buffers (a model and a head) is the norm of them all, and clips', async () => {
    const gpu = await testGpu();
    const sizes = [70_001, 129, 1];
    const parts = sizes.map((P, i) => f32(randn(P, 20 + i, 3)));
    const norm = gpu.tensor('norm', [2]);
    const params = gradNormParams(gpu);
    setGradNorm(gpu, params, { maxNorm: 5 });
    const tensors = parts.map((g, i) => ({ grads: gpu.tensor(`g${i}`, [g.length], 'f32', g), P: g.length }));
    gpu.run(gradNormOver(gpu, norm, tensors, gradNormScratchOver(gpu, sizes), params));
    const all = Float64Array.from(parts.flatMap((g) => [...g]));
    const ref = gradNormRef(all, 5);
    expectClose(await gpu.read(norm), [ref.norm, ref.scale], 'norm over parts', { atol: 0, rtol: 1e-5 });
  });

  it('shape mismatches and bad ranges name the kernel', async () => {
    const gpu = await testGpu();
    const P = 7;
    const [p, m, g] = ['params', 'm', 'grads'].map((n) => gpu.tensor(n, [P]));
    const v = gpu.tensor('v', [6]);
    const hp = adamwHyperparams(gpu);
    expect(() => adamwUpdate(gpu, p, m, v, g, null, hp, P)).toThrow(/adamw_update: v is \[6\], expected \[P=7\]/);
    const v7 = gpu.tensor('v7', [P]);
    expect(() => adamwUpdate(gpu, p, m, v7, g, null, hp, P, { offset: 5, length: 3 })).toThrow(/adamw_update: range \[5, 5\+3\)/);
    expect(() => adamwUpdate(gpu, p, m, m, g, null, hp, P)).toThrow(/adamw_update: params, m, v and grads must be four different buffers/);
    expect(() => setAdamW(gpu, hp, { lr: 1e-3, beta1: 1, beta2: 0.9, eps: 1e-8, weightDecay: 0, t: 1 })).toThrow(/adamw_update: beta1/);
    expect(() => gradNorm(gpu, gpu.tensor('norm', [1]), g, gradNormScratch(gpu, P), gradNormParams(gpu), P)).toThrow(
      /grad_norm: norm is \[1\], expected \[2\]/,
    );
  });
});
