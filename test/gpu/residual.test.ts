import { describe, expect, it } from 'vitest';
import { addInPlace, residualBackward, residualForward } from '../../src/kernels/residual.ts';
import { addInPlaceRef, residualBackwardRef, residualForwardRef } from '../../src/kernels/residual.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import {
  accumulate,
  checkKernel,
  inplace,
  input,
  itShapes,
  kernelCase,
  normal,
  output,
  secondGridN,
  type TensorSpec,
} from '../helpers/kernel-case.ts';

type F64 = TensorSpec<Float64Array>;

/**
 * Forward, backward (accumulating into dinp1, dinp2) and add_in_place (dst = inp1 + inp2). A sum of two f32
 * values is correctly rounded, so the GPU must give exactly f32(reference).
 */
function residual(inp1: F64, inp2: F64, dout: F64, dinp1: F64, dinp2: F64) {
  const N = inp1.data.length;
  return kernelCase({
    tensors: { out: output([N]), inp1, inp2, dout, dinp1, dinp2, dst: inplace([N], inp1.data) },
    launch: (gpu, t) => [
      residualForward(gpu, t.out, t.inp1, t.inp2, N),
      residualBackward(gpu, t.dinp1, t.dinp2, t.dout, N),
      addInPlace(gpu, t.dst, t.inp2, N),
    ],
    reference: (x) => {
      const { dinp1, dinp2 } = residualBackwardRef(x.dout, N);
      return { out: residualForwardRef(x.inp1, x.inp2, N), dinp1, dinp2, dst: addInPlaceRef(x.inp1, x.inp2, N) };
    },
    tol: 'exact',
  });
}

describe('residual on the GPU matches the float64 reference', () => {
  // large and small magnitudes: rounding must match f32 exactly
  itShapes('forward, backward and add_in_place', [{ N: 1 }, { N: 7 }, { N: 65 }, { N: 300 }, { N: 513 }], ({ N }) =>
    residual(normal([N], 1, 1e4), normal([N], 2), normal([N], 3), accumulate([N], 4), accumulate([N], 5, 100)),
  );

  it('covers every element when N needs a second grid dimension (N > 65535·256)', async () => {
    const N = secondGridN(256);
    const ramp = (k: number, scale: number) => {
      const a = new Float64Array(N);
      for (let i = 0; i < N; i++) a[i] = ((i % k) - k / 2) * scale;
      return a;
    };
    const [inp1, inp2, dout] = [ramp(1000, 1), ramp(997, 1e-3), ramp(1009, 0.25)];
    await checkKernel(
      residual(
        input([N], inp1),
        input([N], inp2),
        input([N], dout),
        accumulate([N], ramp(991, 1)),
        accumulate([N], ramp(983, 0.5)),
      ),
    );
  });

  it('a shape mismatch or an aliased output names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [8]);
    const y = gpu.tensor('y', [8]);
    expect(() => residualForward(gpu, x, y, gpu.tensor('z', [7]), 8)).toThrow(
      /residual_forward: inp2 is \[7\], expected \[N=8\]/,
    );
    expect(() => residualBackward(gpu, x, y, gpu.tensor('d', [9]), 8)).toThrow(
      /residual_backward: dout is \[9\], expected \[N=8\]/,
    );
    expect(() => addInPlace(gpu, x, gpu.tensor('s', [9]), 8)).toThrow(/add_in_place: src is \[9\], expected \[N=8\]/);
    expect(() => residualBackward(gpu, x, x, y, 8)).toThrow(/residual_backward: x\[8\] and x\[8\] overlap/);
    expect(() => addInPlace(gpu, x, x, 8)).toThrow(/add_in_place: x\[8\] and x\[8\] overlap/);
  });
});
