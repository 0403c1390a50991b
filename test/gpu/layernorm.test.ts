import { describe, expect, it } from 'vitest';
import { layernormBackward, layernormForward } from '../../src/kernels/layernorm.ts';
import { layernormBackwardRef, layernormForwardRef } from '../../src/kernels/layernorm.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn } from '../helpers/random.ts';

/** Half the f32 spacing at x: the largest rounding error of storing x as f32. */
const halfUlp = (x: number) => (x === 0 ? 0 : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 24));

describe('layernorm on the GPU matches the float64 reference', () => {
  const cases: [number, number, number, number][] = [
    // N, C, input scale, input offset
    [1, 1, 1, 0],
    [7, 5, 1, 0],
    [65, 300, 1, 0],
    [3, 513, 1, 0],
    // the 32-lane × LAYERNORM_ROWS layout's edges: N not a multiple of the rows per workgroup (a
    // partly empty last workgroup), C below, at and just past the 32 lanes, and many channels per lane
    [1, 32, 1, 0],
    [9, 8, 1, 0],
    [8, 32, 1, 0],
    [7, 33, 1, 0],
    [65, 65, 1, 0],
    [17, 128, 1, 0],
    [9, 1000, 1, 0],
    [9, 33, 0.05, 1e4],
    [4, 64, 1, 1e3], // a large common offset: a one-pass E[x²] − E[x]² variance would lose most digits
    [3, 768, 1, 1e4],
    [2, 768, 0.05, 1e4], // 1e4 + small noise: the noise is 50 f32 ulps of the offset
  ];
  for (const [N, C, scale, offset] of cases) {
    it(`forward and backward at N=${N} C=${C} scale=${scale} offset=${offset}`, async () => {
      const gpu = await testGpu();
      const inp = f32(randn(N * C, 1, scale).map((v) => v + offset));
      const weight = f32(randn(C, 2));
      const bias = f32(randn(C, 3));
      const dout = f32(randn(N * C, 4));
      const prior = f32(randn(N * C, 5));
      const t = {
        out: gpu.tensor('out', [N, C]), mean: gpu.tensor('mean', [N]), rstd: gpu.tensor('rstd', [N]),
        inp: gpu.tensor('inp', [N, C], 'f32', inp), weight: gpu.tensor('weight', [C], 'f32', weight), bias: gpu.tensor('bias', [C], 'f32', bias),
        dout: gpu.tensor('dout', [N, C], 'f32', dout), dinp: gpu.tensor('dinp', [N, C], 'f32', prior),
        dweight: gpu.tensor('dweight', [C], 'f32', weight), dbias: gpu.tensor('dbias', [C], 'f32', bias),
      };
      gpu.run([
        layernormForward(gpu, t.out, t.mean, t.rstd, t.inp, t.weight, t.bias, N, C),
        ...layernormBackward(gpu, t.dinp, t.dweight, t.dbias, t.dout, t.inp, t.weight, t.mean, t.rstd, N, C),
      ]);
      const fwd = layernormForwardRef(inp, weight, bias, N, C);
      const bwd = layernormBackwardRef(dout, inp, weight, fwd.mean, fwd.rstd, N, C);
      // The row shift makes the forward and the input gradient as accurate with an offset as without.
      const tol = { atol: 2e-4, rtol: 2e-4 };
      expectClose(await gpu.read(t.out), fwd.out, 'out', tol);
      expectClose(await gpu.read(t.mean), fwd.mean, 'mean', { rtol: 1e-6 });
      expectClose(await gpu.read(t.rstd), fwd.rstd, 'rstd', { rtol: 1e-4 });
      expectClose(await gpu.read(t.dinp), bwd.dinp.map((v, i) => v + prior[i]), 'dinp', { atol: 1e-3, rtol: 1e-3 });
      // dweight's norm uses the saved f32 mean, off by up to half an ulp of the offset (documented).
      let meanRounding = 0;
      for (let c = 0; c < C; c++) {
        let e = 0;
        for (let n = 0; n < N; n++) e += Math.abs(dout[n * C + c]) * halfUlp(fwd.mean[n]) * fwd.rstd[n];
        meanRounding = Math.max(meanRounding, e);
      }
      expectClose(await gpu.read(t.dweight), bwd.dweight.map((v, i) => v + weight[i]), 'dweight', { atol: 1e-3 * Math.sqrt(N) + meanRounding, rtol: 1e-3 });
      expectClose(await gpu.read(t.dbias), bwd.dbias.map((v, i) => v + bias[i]), 'dbias', { atol: 1e-4 * Math.sqrt(N) });
    });
  }

  it('a shape mismatch names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [4, 8]);
    const c = gpu.tensor('c', [8]);
    expect(() => layernormForward(gpu, x, gpu.tensor('m', [3]), gpu.tensor('r', [4]), x, c, c, 4, 8)).toThrow(/layernorm_forward: mean is \[3\], expected \[N=4\]/);
  });
});
