import { describe, expect, it } from 'vitest';
import { matmulBackwardBias, matmulBackwardInput, matmulBackwardWeight, matmulForward } from '../../src/kernels/matmul.ts';
import { matmulBackwardRef, matmulForwardRef } from '../../src/kernels/matmul.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn } from '../helpers/random.ts';

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 5, 3],
  [65, 33, 17],
  [64, 64, 64],
  [130, 70, 129],
];

describe('matmul on the GPU matches the float64 reference', () => {
  for (const [N, C, OC] of SHAPES) {
    it(`forward and backward at N=${N} C=${C} OC=${OC}`, async () => {
      const gpu = await testGpu();
      const inp = f32(randn(N * C, 1));
      const weight = f32(randn(OC * C, 2, 0.5));
      const bias = f32(randn(OC, 3));
      const dout = f32(randn(N * OC, 4));
      const prior = f32(randn(N * C, 5)); // backward kernels accumulate into what is there
      const tInp = gpu.tensor('inp', [N, C], 'f32', inp);
      const tW = gpu.tensor('weight', [OC, C], 'f32', weight);
      const tB = gpu.tensor('bias', [OC], 'f32', bias);
      const tOut = gpu.tensor('out', [N, OC]);
      const tDout = gpu.tensor('dout', [N, OC], 'f32', dout);
      const tDinp = gpu.tensor('dinp', [N, C], 'f32', prior);
      const tDw = gpu.tensor('dweight', [OC, C]);
      const tDb = gpu.tensor('dbias', [OC]);
      gpu.run([
        matmulForward(gpu, tOut, tInp, tW, tB, N, C, OC),
        matmulBackwardInput(gpu, tDinp, tDout, tW, N, C, OC),
        matmulBackwardWeight(gpu, tDw, tDout, tInp, N, C, OC),
        matmulBackwardBias(gpu, tDb, tDout, N, OC),
      ]);
      const ref = matmulBackwardRef(dout, inp, weight, N, C, OC);
      const tol = { atol: 1e-4 * Math.sqrt(Math.max(N, C, OC)), rtol: 1e-4 };
      expectClose(await gpu.read(tOut), matmulForwardRef(inp, weight, bias, N, C, OC), 'out', tol);
      expectClose(await gpu.read(tDinp), ref.dinp.map((v, i) => v + prior[i]), 'dinp', tol);
      expectClose(await gpu.read(tDw), ref.dweight, 'dweight', tol);
      expectClose(await gpu.read(tDb), ref.dbias, 'dbias', tol);
    });
  }

  it('batched forward multiplies independent pairs', async () => {
    const gpu = await testGpu();
    const [batch, N, C, OC] = [3, 5, 7, 6];
    const inp = f32(randn(batch * N * C, 11));
    const weight = f32(randn(batch * OC * C, 12));
    const tOut = gpu.tensor('out', [batch, N, OC]);
    gpu.run([matmulForward(gpu, tOut, gpu.tensor('inp', [batch, N, C], 'f32', inp), gpu.tensor('w', [batch, OC, C], 'f32', weight), null, N, C, OC, batch)]);
    const out = await gpu.read(tOut);
    for (let b = 0; b < batch; b++) {
      const ref = matmulForwardRef(inp.subarray(b * N * C), weight.subarray(b * OC * C), null, N, C, OC);
      expectClose(out.subarray(b * N * OC, (b + 1) * N * OC), ref, `batch ${b}`, { atol: 1e-4 });
    }
  });

  it('large values stay exact to f32 precision', async () => {
    const gpu = await testGpu();
    const [N, C, OC] = [9, 17, 5];
    const inp = f32(randn(N * C, 21, 1e4));
    const weight = f32(randn(OC * C, 22, 1e3));
    const tOut = gpu.tensor('out', [N, OC]);
    gpu.run([matmulForward(gpu, tOut, gpu.tensor('inp', [N, C], 'f32', inp), gpu.tensor('w', [OC, C], 'f32', weight), null, N, C, OC)]);
    expectClose(await gpu.read(tOut), matmulForwardRef(inp, weight, null, N, C, OC), 'out', { atol: 1e3, rtol: 1e-4 });
  });

  it('a shape mismatch names the kernel and every shape', async () => {
    const gpu = await testGpu();
    const out = gpu.tensor('out', [4, 3]);
    const inp = gpu.tensor('inp', [4, 5]);
    const weight = gpu.tensor('weight', [3, 6]);
    expect(() => matmulForward(gpu, out, inp, weight, null, 4, 5, 3)).toThrow(
      /matmul_forward: weight is \[3,6\], expected \[OC=3, C=5\].*inp=inp\[4,5\]/,
    );
    expect(() => matmulForward(gpu, out, inp, weight, null, 4, 0, 3)).toThrow(/matmul_forward: C must be a positive integer/);
  });
});
