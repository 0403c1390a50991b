import { describe, expect, it } from 'vitest';
import { MAX_WORKGROUPS_PER_DIM } from '../../src/kernels/gpu.ts';
import { addInPlace, residualBackward, residualForward } from '../../src/kernels/residual.ts';
import { addInPlaceRef, residualBackwardRef, residualForwardRef } from '../../src/kernels/residual.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn } from '../helpers/random.ts';

// A sum of two f32 values is correctly rounded, so the GPU must give exactly f32(reference).
function expectExact(actual: ArrayLike<number>, expected: Float64Array, what: string) {
  const want = Float32Array.from(expected);
  const bad = want.findIndex((v, i) => !Object.is(v, actual[i]) && !(v === 0 && actual[i] === 0));
  expect(bad, bad < 0 ? what : `${what}[${bad}] is ${actual[bad]}, expected ${want[bad]}`).toBe(-1);
}

describe('residual on the GPU matches the float64 reference', () => {
  for (const N of [1, 7, 65, 300, 513]) {
    it(`forward, backward and add_in_place at N=${N}`, async () => {
      const gpu = await testGpu();
      const inp1 = f32(randn(N, 1, 1e4)); // large and small magnitudes: rounding must match f32 exactly
      const inp2 = f32(randn(N, 2));
      const dout = f32(randn(N, 3));
      const prior1 = f32(randn(N, 4));
      const prior2 = f32(randn(N, 5, 100));
      const t = {
        out: gpu.tensor('out', [N]), inp1: gpu.tensor('inp1', [N], 'f32', inp1), inp2: gpu.tensor('inp2', [N], 'f32', inp2),
        dout: gpu.tensor('dout', [N], 'f32', dout), dinp1: gpu.tensor('dinp1', [N], 'f32', prior1), dinp2: gpu.tensor('dinp2', [N], 'f32', prior2),
        dst: gpu.tensor('dst', [N], 'f32', inp1),
      };
      gpu.run([
        residualForward(gpu, t.out, t.inp1, t.inp2, N),
        residualBackward(gpu, t.dinp1, t.dinp2, t.dout, N),
        addInPlace(gpu, t.dst, t.inp2, N),
      ]);
      const ref = residualBackwardRef(dout, N);
      expectExact(await gpu.read(t.out), residualForwardRef(inp1, inp2, N), 'out');
      expectExact(await gpu.read(t.dinp1), ref.dinp1.map((v, i) => v + prior1[i]), 'dinp1');
      expectExact(await gpu.read(t.dinp2), ref.dinp2.map((v, i) => v + prior2[i]), 'dinp2');
      expectExact(await gpu.read(t.dst), addInPlaceRef(inp1, inp2, N), 'dst');
    });
  }

  it('covers every element when N needs a second grid dimension (N > 65535·256)', async () => {
    const gpu = await testGpu();
    const N = MAX_WORKGROUPS_PER_DIM * 256 + 300;
    const src = Float32Array.from({ length: N }, (_, i) => i % 1000);
    const dst = gpu.tensor('dst', [N], 'f32', new Float32Array(N).fill(0.5));
    gpu.run([addInPlace(gpu, dst, gpu.tensor('src', [N], 'f32', src), N)]);
    const got = await gpu.read(dst);
    const bad = got.findIndex((v, i) => v !== src[i] + 0.5);
    expect(bad, bad < 0 ? '' : `dst[${bad}] = ${got[bad]}, expected ${src[bad] + 0.5}`).toBe(-1);
  });

  it('a shape mismatch or an aliased output names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [8]);
    const y = gpu.tensor('y', [8]);
    expect(() => residualForward(gpu, x, y, gpu.tensor('z', [7]), 8)).toThrow(/residual_forward: inp2 is \[7\], expected \[N=8\]/);
    expect(() => residualBackward(gpu, x, y, gpu.tensor('d', [9]), 8)).toThrow(/residual_backward: dout is \[9\], expected \[N=8\]/);
    expect(() => addInPlace(gpu, x, gpu.tensor('s', [9]), 8)).toThrow(/add_in_place: src is \[9\], expected \[N=8\]/);
    expect(() => residualBackward(gpu, x, x, y, 8)).toThrow(/residual_backward: x\[8\] and x\[8\] overlap/);
    expect(() => addInPlace(gpu, x, x, 8)).toThrow(/add_in_place: x\[8\] and x\[8\] overlap/);
  });
});
