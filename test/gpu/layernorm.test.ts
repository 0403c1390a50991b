// layernorm (forward, backward into accumulating dinp/dweight/dbias) on the GPU against the float64 reference:
// awkward N and C around the 32-lane × LAYERNORM_ROWS layout, large common offsets, and the row grid's fold into a
// second dimension.

import { describe, expect, it } from 'vitest';
import { LAYERNORM_ROWS, layernormBackward, layernormForward, layernormRowGrid } from '../../src/kernels/layernorm.ts';
import { layernormBackwardRef, layernormForwardRef } from '../../src/kernels/layernorm.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import { accumulate, input, itShapes, kernelCase, normal, overwrite, secondGridN } from '../helpers/kernel-case.ts';
import { randn } from '../helpers/random.ts';

/** Half the f32 spacing at x: the largest rounding error of storing x as f32. */
const halfUlp = (x: number) => (x === 0 ? 0 : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 24));

interface Shape {
  N: number;
  C: number;
  scale: number;
  offset: number;
}

/**
 * Forward (out, mean, rstd into NaN garbage) and backward; dinp holds a prior, dweight and dbias start as the
 * weight and bias (all three accumulate).
 */
function layernorm({ N, C, scale, offset }: Shape) {
  const weight = normal([C], 2);
  const bias = normal([C], 3);
  return kernelCase({
    tensors: {
      out: overwrite([N, C]),
      mean: overwrite([N]),
      rstd: overwrite([N]),
      inp: input(
        [N, C],
        randn(N * C, 1, scale).map((v) => v + offset),
      ),
      weight,
      bias,
      dout: normal([N, C], 4),
      dinp: accumulate([N, C], 5),
      dweight: accumulate([C], weight.data),
      dbias: accumulate([C], bias.data),
    },
    launch: (gpu, t) => [
      layernormForward(gpu, t.out, t.mean, t.rstd, t.inp, t.weight, t.bias, N, C),
      ...layernormBackward(gpu, t.dinp, t.dweight, t.dbias, t.dout, t.inp, t.weight, t.mean, t.rstd, N, C),
    ],
    reference: (x) => {
      const fwd = layernormForwardRef(x.inp, x.weight, x.bias, N, C);
      const bwd = layernormBackwardRef(x.dout, x.inp, x.weight, fwd.mean, fwd.rstd, N, C);
      // dweight's norm uses the saved f32 mean, off by up to half an ulp of the offset (documented).
      let meanRounding = 0;
      for (let c = 0; c < C; c++) {
        let e = 0;
        for (let n = 0; n < N; n++) e += Math.abs(x.dout[n * C + c]) * halfUlp(fwd.mean[n]) * fwd.rstd[n];
        meanRounding = Math.max(meanRounding, e);
      }
      return {
        // The row shift makes the forward and the input gradient as accurate with an offset as without.
        out: { want: fwd.out, tol: { atol: 2e-4, rtol: 2e-4 } },
        mean: { want: fwd.mean, tol: { rtol: 1e-6 } },
        rstd: { want: fwd.rstd, tol: { rtol: 1e-4 } },
        dinp: { want: bwd.dinp, tol: { atol: 1e-3, rtol: 1e-3 } },
        dweight: { want: bwd.dweight, tol: { atol: 1e-3 * Math.sqrt(N) + meanRounding, rtol: 1e-3 } },
        dbias: { want: bwd.dbias, tol: { atol: 1e-4 * Math.sqrt(N) } },
      };
    },
  });
}

describe('layernorm on the GPU matches the float64 reference', () => {
  const shapes: Shape[] = [
    { N: 1, C: 1, scale: 1, offset: 0 },
    { N: 7, C: 5, scale: 1, offset: 0 },
    { N: 65, C: 300, scale: 1, offset: 0 },
    { N: 3, C: 513, scale: 1, offset: 0 },
    // the 32-lane × LAYERNORM_ROWS layout's edges: N not a multiple of the rows per workgroup (a
    // partly empty last workgroup), C below, at and just past the 32 lanes, and many channels per lane
    { N: 1, C: 32, scale: 1, offset: 0 },
    { N: 9, C: 8, scale: 1, offset: 0 },
    { N: 8, C: 32, scale: 1, offset: 0 },
    { N: 7, C: 33, scale: 1, offset: 0 },
    { N: 65, C: 65, scale: 1, offset: 0 },
    { N: 17, C: 128, scale: 1, offset: 0 },
    { N: 9, C: 1000, scale: 1, offset: 0 },
    { N: 9, C: 33, scale: 0.05, offset: 1e4 },
    // a large common offset: a one-pass E[x²] − E[x]² variance would lose most digits
    { N: 4, C: 64, scale: 1, offset: 1e3 },
    { N: 3, C: 768, scale: 1, offset: 1e4 },
    { N: 2, C: 768, scale: 0.05, offset: 1e4 }, // 1e4 + small noise: the noise is 50 f32 ulps of the offset
  ];
  itShapes('forward and backward', shapes, layernorm);

  // N > 65535·LAYERNORM_ROWS rows folds the per-row kernels' workgroups into y. Running it is out of reach on
  // SwiftShader (its 256-lane workgroups with barriers take ~300 s for the forward alone at that N), so the launch
  // grids are checked: at most 65535 workgroups per dimension, enough for every row.
  it('the row grids fold into a second dimension when N needs one (N > 65535·LAYERNORM_ROWS)', async () => {
    const gpu = await testGpu();
    expect(layernormRowGrid(65535 * LAYERNORM_ROWS)).toEqual([65535, 1, 1]);
    const [N, C] = [secondGridN(LAYERNORM_ROWS), 3];
    const [rows, c] = [gpu.tensor('rows', [N, C]), gpu.tensor('c', [C])];
    const n = gpu.tensor('n', [N]);
    const [rowsBackward] = layernormBackward(gpu, rows, c, c, rows, rows, c, n, n, N, C);
    for (const [x, y, z] of [layernormForward(gpu, rows, n, n, rows, c, c, N, C).workgroups, rowsBackward.workgroups]) {
      expect([x, y, z]).toEqual([65535, 2, 1]);
      expect(x * y * LAYERNORM_ROWS).toBeGreaterThanOrEqual(N);
    }
  });

  it('a shape mismatch names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [4, 8]);
    const c = gpu.tensor('c', [8]);
    expect(() => layernormForward(gpu, x, gpu.tensor('m', [3]), gpu.tensor('r', [4]), x, c, c, 4, 8)).toThrow(
      /layernorm_forward: mean is \[3\], expected \[N=4\]/,
    );
  });
});
