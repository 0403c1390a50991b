import { describe, expect, it } from 'vitest';
import { geluBackward, geluForward } from '../../src/kernels/gelu.ts';
import { geluBackwardRef, geluForwardRef } from '../../src/kernels/gelu.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import {
  accumulate,
  checkKernel,
  input,
  itShapes,
  kernelCase,
  normal,
  output,
  secondGridN,
  type TensorSpec,
} from '../helpers/kernel-case.ts';

// Tails, the transition region, and inputs far past any clamp in the shaders.
const EXTREMES = [
  -1e30, -1e4, -300, -40, -20, -10, -9.6, -5, -4, -3, -2, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2, 3, 4, 5, 9.6, 10, 20, 40,
  300, 1e4, 1e30,
];

/** Forward and backward (into dinp, which accumulates when it holds a prior) against the reference. */
function gelu(inp: TensorSpec<Float64Array>, dout: TensorSpec<Float64Array>, dinp: TensorSpec<Float64Array>) {
  const N = inp.data.length;
  return kernelCase({
    tensors: { inp, out: output([N]), dout, dinp },
    launch: (gpu, t) => [geluForward(gpu, t.out, t.inp, N), geluBackward(gpu, t.dinp, t.inp, t.dout, N)],
    reference: (x) => ({ out: geluForwardRef(x.inp, N), dinp: geluBackwardRef(x.inp, x.dout, N) }),
    tol: { atol: 1e-6, rtol: 1e-5 },
  });
}

describe('gelu on the GPU matches the float64 reference', () => {
  itShapes('forward and backward', [{ N: 1 }, { N: 7 }, { N: 65 }, { N: 300 }, { N: 513 }], ({ N }) =>
    gelu(normal([N], N, 3), normal([N], 2 * N), accumulate([N], 2 * N + 1)),
  );

  it('is exact and finite at extreme inputs (±300, ±1e4, ±1e30)', async () => {
    const N = EXTREMES.length;
    await checkKernel(gelu(input([N], EXTREMES), normal([N], 3), accumulate([N], 4)));
    const { got } = await checkKernel(gelu(input([N], EXTREMES), input([N], new Array(N).fill(1)), output([N])));
    const { out, dinp } = got;
    for (const [x, want, wantGrad] of [
      [300, 300, 1],
      [1e4, 1e4, 1],
      [1e30, 1e30, 1],
      [-300, 0, 0],
      [-1e4, 0, 0],
      [-1e30, 0, 0],
    ]) {
      const i = EXTREMES.indexOf(x);
      expect(Math.abs(out[i] - want), `gelu(${x}) = ${out[i]}`).toBeLessThanOrEqual(Math.abs(want) * 1e-7 + 1e-30); // the negative tail is 0 to within 4e-34
      expect(dinp[i], `gelu'(${x})`).toBeCloseTo(wantGrad, 7);
    }
    expect([...out, ...dinp].every(Number.isFinite)).toBe(true);
  });

  it('covers every element when N needs a second grid dimension (N > 65535·256)', async () => {
    const N = secondGridN(256);
    const inp = Float64Array.from({ length: N }, (_, i) => ((i % 2001) - 1000) / 100); // −10 .. 10
    await checkKernel(gelu(input([N], inp), normal([N], 5), accumulate([N], 6)));
  });

  it('a shape mismatch names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [8]);
    expect(() => geluForward(gpu, x, gpu.tensor('y', [7]), 8)).toThrow(/gelu_forward: inp is \[7\], expected \[N=8\]/);
    expect(() => geluBackward(gpu, x, x, gpu.tensor('dout', [9]), 8)).toThrow(
      /gelu_backward: dout is \[9\], expected \[N=8\]/,
    );
  });
});
