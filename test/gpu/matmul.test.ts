// matmul (forward, and the three backward kernels that accumulate into dinp, dweight and dbias) on the GPU
// against the float64 reference: awkward N, C, OC around the 64-wide tile, batched products, large values.
// The tiled GEMM launches a 2-D grid of tiles (no 1-D grid to fold into a second dimension).

import { describe, expect, it } from 'vitest';
import {
  matmulBackwardBias,
  matmulBackwardInput,
  matmulBackwardWeight,
  matmulForward,
} from '../../src/kernels/matmul.ts';
import { matmulBackwardRef, matmulForwardRef } from '../../src/kernels/matmul.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import { accumulate, checkKernel, itShapes, kernelCase, normal, output, overwrite } from '../helpers/kernel-case.ts';

const SHAPES = [
  { N: 1, C: 1, OC: 1 },
  { N: 7, C: 5, OC: 3 },
  { N: 65, C: 33, OC: 17 },
  { N: 64, C: 64, OC: 64 },
  { N: 130, C: 70, OC: 129 },
];

/** Forward into NaN garbage; the backward kernels add into gradients that hold a prior (zero where `prior` is 0). */
function matmul({ N, C, OC }: { N: number; C: number; OC: number }, prior: number) {
  return kernelCase({
    tensors: {
      inp: normal([N, C], 1),
      weight: normal([OC, C], 2, 0.5),
      bias: normal([OC], 3),
      out: overwrite([N, OC]),
      dout: normal([N, OC], 4),
      dinp: accumulate([N, C], 5, prior),
      dweight: accumulate([OC, C], 6, prior),
      dbias: accumulate([OC], 7, prior),
    },
    launch: (gpu, t) => [
      matmulForward(gpu, t.out, t.inp, t.weight, t.bias, N, C, OC),
      matmulBackwardInput(gpu, t.dinp, t.dout, t.weight, N, C, OC),
      matmulBackwardWeight(gpu, t.dweight, t.dout, t.inp, N, C, OC),
      matmulBackwardBias(gpu, t.dbias, t.dout, N, OC),
    ],
    reference: (x) => {
      const ref = matmulBackwardRef(x.dout, x.inp, x.weight, N, C, OC);
      const out = matmulForwardRef(x.inp, x.weight, x.bias, N, C, OC);
      return { out, dinp: ref.dinp, dweight: ref.dweight, dbias: ref.dbias };
    },
    tol: { atol: 1e-4 * Math.sqrt(Math.max(N, C, OC)), rtol: 1e-4 },
  });
}

describe('matmul on the GPU matches the float64 reference', () => {
  // zero priors: the gradients start at 0, as after zeroing; seeded priors: every backward kernel accumulates
  itShapes('forward and backward', SHAPES, (s) => matmul(s, 0));
  itShapes('forward and backward into prior gradients', SHAPES, (s) => matmul(s, 1));

  itShapes('batched forward multiplies independent pairs', [{ batch: 3, N: 5, C: 7, OC: 6 }], ({ batch, N, C, OC }) =>
    kernelCase({
      tensors: { inp: normal([batch, N, C], 11), w: normal([batch, OC, C], 12), out: overwrite([batch, N, OC]) },
      launch: (gpu, t) => [matmulForward(gpu, t.out, t.inp, t.w, null, N, C, OC, batch)],
      reference: (x) => {
        const pairs: Record<string, { want: Float64Array; of: string; at: number }> = {};
        for (let b = 0; b < batch; b++) {
          const want = matmulForwardRef(x.inp.subarray(b * N * C), x.w.subarray(b * OC * C), null, N, C, OC);
          pairs[`batch ${b}`] = { want, of: 'out', at: b * N * OC };
        }
        return pairs;
      },
      tol: { atol: 1e-4 },
    }),
  );

  it('large values stay exact to f32 precision', async () => {
    const [N, C, OC] = [9, 17, 5];
    await checkKernel(
      kernelCase({
        tensors: { inp: normal([N, C], 21, 1e4), w: normal([OC, C], 22, 1e3), out: output([N, OC]) },
        launch: (gpu, t) => [matmulForward(gpu, t.out, t.inp, t.w, null, N, C, OC)],
        reference: (x) => ({ out: matmulForwardRef(x.inp, x.w, null, N, C, OC) }),
        tol: { atol: 1e3, rtol: 1e-4 },
      }),
    );
  });

  it('a shape mismatch names the kernel and every shape', async () => {
    const gpu = await testGpu();
    const out = gpu.tensor('out', [4, 3]);
    const inp = gpu.tensor('inp', [4, 5]);
    const weight = gpu.tensor('weight', [3, 6]);
    expect(() => matmulForward(gpu, out, inp, weight, null, 4, 5, 3)).toThrow(
      /matmul_forward: weight is \[3,6\], expected \[OC=3, C=5\].*inp=inp\[4,5\]/,
    );
    expect(() => matmulForward(gpu, out, inp, weight, null, 4, 0, 3)).toThrow(
      /matmul_forward: C must be a positive integer/,
    );
  });
});
