// adamw_update and grad_norm on the GPU against the float64 reference: five steps with clipping, decay and
// zeroGrad per range at awkward P, plain Adam, grad_norm over many workgroups and over several buffers, and a
// range whose update needs a second grid dimension.

import { describe, expect, it } from 'vitest';
import { adamwHyperparams, adamwUpdate, setAdamW, type AdamWHyperparams } from '../../src/kernels/adamw.ts';
import { adamwStepRef, type RangeRef } from '../../src/kernels/adamw.ref.ts';
import {
  gradNorm,
  gradNormOver,
  gradNormParams,
  gradNormPartials,
  gradNormScratch,
  gradNormScratchOver,
  setGradNorm,
} from '../../src/kernels/grad_norm.ts';
import { gradNormRef } from '../../src/kernels/grad_norm.ref.ts';
import type { Dispatch } from '../../src/kernels/gpu.ts';
import { testGpu } from '../helpers/gpu.ts';
import {
  checkKernel,
  inplace,
  itShapes,
  kernelCase,
  normal,
  output,
  secondGridN,
  type Expected,
} from '../helpers/kernel-case.ts';
import { f32, randn } from '../helpers/random.ts';

const LRS = [1e-3, 2e-3, 5e-4, 1e-2, 3e-3];
const STEPS = [1, 2, 3, 4, 5];
const NORM_TOL = { atol: 0, rtol: 1e-5 };

/**
 * Five steps of grad_norm + adamw_update from θ with m = v = 0: clipping on odd steps (gradients of scale 1;
 * even steps have scale 0.01 and are not clipped), decay and zeroGrad on the first half. Each step's norm and
 * the gradients it leaves behind are read on the way; params, m and v are checked after the last step.
 */
function fiveSteps(P: number) {
  const half = Math.max(1, Math.floor(P / 2));
  const ranges: (RangeRef & { zeroGrad: boolean })[] = [{ offset: 0, length: half, decay: true, zeroGrad: true }];
  if (P > half) ranges.push({ offset: half, length: P - half, decay: false, zeroGrad: false });
  const allGrads = STEPS.map((s) => f32(randn(P, 100 + s, s % 2 ? 1 : 0.01)));
  const norms = allGrads.map((g) => gradNormRef(g, 0).norm);
  const maxNorm = 0.5 * Math.min(norms[0], norms[2], norms[4]);
  const hpOf = (s: number): AdamWHyperparams => ({
    lr: LRS[s - 1],
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0.1,
    t: s,
  });
  return kernelCase({
    tensors: {
      params: inplace([P], randn(P, 1)),
      m: inplace([P], new Float64Array(P)),
      v: inplace([P], new Float64Array(P)),
      grads: output([P]),
      norm: output([2]),
    },
    launch: async (gpu, t) => {
      const scratch = gradNormScratch(gpu, P);
      const gnParams = gradNormParams(gpu);
      const hpTensor = adamwHyperparams(gpu);
      setGradNorm(gpu, gnParams, { maxNorm });
      const step: Dispatch[] = [
        ...gradNorm(gpu, t.norm, t.grads, scratch, gnParams, P),
        ...ranges.map((r) => adamwUpdate(gpu, t.params, t.m, t.v, t.grads, t.norm, hpTensor, P, r)),
      ];
      const read: Record<string, ArrayLike<number>> = {};
      for (const s of STEPS) {
        gpu.write(t.grads, Float32Array.from(allGrads[s - 1]));
        setAdamW(gpu, hpTensor, hpOf(s));
        gpu.run(step);
        read[`norm${s}`] = await gpu.read(t.norm);
        read[`grads${s}`] = await gpu.read(t.grads);
      }
      return read;
    },
    reference: (x) => {
      const [theta, m, v] = [Float64Array.from(x.params), Float64Array.from(x.m), Float64Array.from(x.v)];
      const want: Record<string, Expected> = {};
      for (const s of STEPS) {
        const grads = allGrads[s - 1];
        const ref = adamwStepRef(theta, m, v, grads, maxNorm, hpOf(s), ranges);
        expect(ref.scale < 1, `step ${s} clips`).toBe(s % 2 === 1);
        want[`norm${s}`] = { want: [ref.norm, ref.scale], tol: NORM_TOL };
        want[`grads${s}`] = { want: grads.map((g, i) => (i < half ? 0 : g)), tol: 'exact' }; // after zeroGrad
      }
      want.params = { want: theta, tol: { atol: 1e-6, rtol: 1e-5 } };
      want.m = { want: m, tol: { atol: 1e-7, rtol: 1e-4 } }; // m sums terms up to ~0.2 that cancel
      want.v = { want: v, tol: { atol: 1e-9, rtol: 1e-4 } };
      return want;
    },
    label: `P=${P}`,
  });
}

/**
 * One adamw_update over each of `ranges` without clipping (norm null) from given m and v: params, m and v
 * updated where a range covers them, grads zeroed where a range says zeroGrad and untouched elsewhere.
 */
function plainAdam(
  P: number,
  hp: AdamWHyperparams,
  ranges: (RangeRef & { zeroGrad?: boolean })[],
  data: { theta: ArrayLike<number>; m: ArrayLike<number>; v: ArrayLike<number>; grads: ArrayLike<number> },
) {
  return kernelCase({
    tensors: {
      params: inplace([P], data.theta),
      m: inplace([P], data.m),
      v: inplace([P], data.v),
      grads: inplace([P], data.grads),
    },
    launch: (gpu, t) => {
      const hpTensor = adamwHyperparams(gpu);
      setAdamW(gpu, hpTensor, hp);
      return ranges.map((r) => adamwUpdate(gpu, t.params, t.m, t.v, t.grads, null, hpTensor, P, r));
    },
    reference: (x) => {
      const [params, m, v, grads] = [x.params, x.m, x.v, x.grads].map((d) => Float64Array.from(d));
      adamwStepRef(params, m, v, x.grads, 0, hp, ranges);
      for (const r of ranges) if (r.zeroGrad) grads.fill(0, r.offset, r.offset + r.length);
      return { params, m, v, grads: { want: grads, tol: 'exact' } };
    },
    tol: { atol: 1e-6, rtol: 1e-5 },
  });
}

describe('adamw_update + grad_norm on the GPU match the float64 reference over 5 steps', () => {
  const shapes = [{ P: 1 }, { P: 7 }, { P: 65 }, { P: 257 }, { P: 1000 }, { P: 70000 }];
  const title = 'clipping on odd steps, decay on the first half, zeroGrad on the first half';
  itShapes(title, shapes, ({ P }) => fiveSteps(P));

  it('without clipping (norm null) and without decay the update is plain Adam', async () => {
    const P = 65;
    const hp: AdamWHyperparams = { lr: 0.05, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.5, t: 7 };
    await checkKernel(
      plainAdam(P, hp, [{ offset: 0, length: P, decay: false }], {
        theta: randn(P, 3),
        grads: randn(P, 4, 100), // large: would be clipped if clipping were on
        m: randn(P, 5, 0.1),
        v: f32(randn(P, 6, 0.1)).map((x) => x * x),
      }),
    );
  });

  it('a range needs a second grid dimension (length > 65535·256): offset, decay and zeroGrad still hold', async () => {
    const P = secondGridN(256) + 100;
    const hp: AdamWHyperparams = { lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, t: 3 };
    const [theta, m, v, grads] = [0, 1, 2, 3].map(() => new Float64Array(P));
    for (let i = 0; i < P; i++) {
      theta[i] = ((i % 1013) - 506) / 512;
      m[i] = ((i % 1019) - 509) / 8192;
      v[i] = ((i % 1021) + 1) / 1e6;
      grads[i] = ((i % 1031) - 515) / 1024;
    }
    const ranges = [
      { offset: 0, length: 100, decay: true },
      { offset: 100, length: P - 100, decay: false, zeroGrad: true },
    ];
    await checkKernel(plainAdam(P, hp, ranges, { theta, m, v, grads }));
  }, 180_000);

  it('grad_norm over more elements than one pass of its 1024 workgroups, and max_norm ≤ 0', async () => {
    const P = 300_001;
    expect(gradNormPartials(P)).toBe(1024);
    await checkKernel(
      kernelCase({
        tensors: { grads: normal([P], 8, 1e3), norm: output([2]) },
        launch: (gpu, t) => {
          const params = gradNormParams(gpu);
          setGradNorm(gpu, params, { maxNorm: 0 });
          return gradNorm(gpu, t.norm, t.grads, gradNormScratch(gpu, P), params, P);
        },
        reference: (x) => ({ norm: [gradNormRef(x.grads, 0).norm, 1] }),
        tol: NORM_TOL,
      }),
    );
  });

  it('grad_norm over several buffers (a model and a head) is the norm of them all, and clips', async () => {
    const sizes = [70_001, 129, 1];
    await checkKernel(
      kernelCase({
        tensors: {
          g0: normal([sizes[0]], 20, 3),
          g1: normal([sizes[1]], 21, 3),
          g2: normal([sizes[2]], 22, 3),
          norm: output([2]),
        },
        launch: (gpu, t) => {
          const params = gradNormParams(gpu);
          setGradNorm(gpu, params, { maxNorm: 5 });
          const parts = [t.g0, t.g1, t.g2].map((grads, i) => ({ grads, P: sizes[i] }));
          return gradNormOver(gpu, t.norm, parts, gradNormScratchOver(gpu, sizes), params);
        },
        reference: (x) => {
          const ref = gradNormRef(Float64Array.from([...x.g0, ...x.g1, ...x.g2]), 5);
          expect(ref.scale, 'the norm clips').toBeLessThan(1);
          return { norm: [ref.norm, ref.scale] };
        },
        tol: NORM_TOL,
      }),
    );
  });

  it('shape mismatches and bad ranges name the kernel', async () => {
    const gpu = await testGpu();
    const P = 7;
    const [p, m, g] = ['params', 'm', 'grads'].map((n) => gpu.tensor(n, [P]));
    const v = gpu.tensor('v', [6]);
    const hp = adamwHyperparams(gpu);
    expect(() => adamwUpdate(gpu, p, m, v, g, null, hp, P)).toThrow(/adamw_update: v is \[6\], expected \[P=7\]/);
    const v7 = gpu.tensor('v7', [P]);
    expect(() => adamwUpdate(gpu, p, m, v7, g, null, hp, P, { offset: 5, length: 3 })).toThrow(
      /adamw_update: range \[5, 5\+3\)/,
    );
    expect(() => adamwUpdate(gpu, p, m, m, g, null, hp, P)).toThrow(
      /adamw_update: params, m, v and grads must be four different buffers/,
    );
    expect(() => setAdamW(gpu, hp, { lr: 1e-3, beta1: 1, beta2: 0.9, eps: 1e-8, weightDecay: 0, t: 1 })).toThrow(
      /adamw_update: beta1/,
    );
    expect(() => gradNorm(gpu, gpu.tensor('norm', [1]), g, gradNormScratch(gpu, P), gradNormParams(gpu), P)).toThrow(
      /grad_norm: norm is \[1\], expected \[2\]/,
    );
  });
});
