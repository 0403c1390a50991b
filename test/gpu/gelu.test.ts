import { describe, expect, it } from 'vitest';
import { MAX_WORKGROUPS_PER_DIM } from '../../src/kernels/gpu.ts';
import { geluBackward, geluForward } from '../../src/kernels/gelu.ts';
import { geluBackwardRef, geluForwardRef } from '../../src/kernels/gelu.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn } from '../helpers/random.ts';

// Tails, the transition region, and inputs far past any clamp in the shaders.
const EXTREMES = [-1e30, -1e4, -300, -40, -20, -10, -9.6, -5, -4, -3, -2, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2, 3, 4, 5, 9.6, 10, 20, 40, 300, 1e4, 1e30];

async function check(inp: Float64Array, seed: number) {
  const gpu = await testGpu();
  const N = inp.length;
  const dout = f32(randn(N, seed));
  const prior = f32(randn(N, seed + 1)); // the backward kernel accumulates into what is there
  const t = {
    inp: gpu.tensor('inp', [N], 'f32', inp), out: gpu.tensor('out', [N]),
    dout: gpu.tensor('dout', [N], 'f32', dout), dinp: gpu.tensor('dinp', [N], 'f32', prior),
  };
  gpu.run([geluForward(gpu, t.out, t.inp, N), geluBackward(gpu, t.dinp, t.inp, t.dout, N)]);
  const tol = { atol: 1e-6, rtol: 1e-5 };
  expectClose(await gpu.read(t.out), geluForwardRef(inp, N), 'out', tol);
  expectClose(await gpu.read(t.dinp), geluBackwardRef(inp, dout, N).map((v, i) => v + prior[i]), 'dinp', tol);
}

describe('gelu on the GPU matches the float64 reference', () => {
  for (const N of [1, 7, 65, 300, 513]) {
    it(`forward and backward at N=${N}`, async () => {
      await check(f32(randn(N, N, 3)), 2 * N);
    });
  }

  it('is exact and finite at extreme inputs (±300, ±1e4, ±1e30)', async () => {
    await check(f32(EXTREMES), 3);
    const gpu = await testGpu();
    const N = EXTREMES.length;
    const t = { inp: gpu.tensor('inp', [N], 'f32', EXTREMES), out: gpu.tensor('out', [N]), dinp: gpu.tensor('dinp', [N]) };
    gpu.run([geluForward(gpu, t.out, t.inp, N), geluBackward(gpu, t.dinp, t.inp, gpu.tensor('ones', [N], 'f32', new Array(N).fill(1)), N)]);
    const out = await gpu.read(t.out);
    const dinp = await gpu.read(t.dinp);
    for (const [x, want, wantGrad] of [[300, 300, 1], [1e4, 1e4, 1], [1e30, 1e30, 1], [-300, 0, 0], [-1e4, 0, 0], [-1e30, 0, 0]]) {
      const i = EXTREMES.indexOf(x);
      expect(Math.abs(out[i] - want), `gelu(${x}) = ${out[i]}`).toBeLessThanOrEqual(Math.abs(want) * 1e-7 + 1e-30); // the negative tail is 0 to within 4e-34
      expect(dinp[i], `gelu'(${x})`).toBeCloseTo(wantGrad, 7);
    }
    expect([...out, ...dinp].every(Number.isFinite)).toBe(true);
  });

  it('covers every element when N needs a second grid dimension (N > 65535·256)', async () => {
    const gpu = await testGpu();
    const N = MAX_WORKGROUPS_PER_DIM * 256 + 300;
    const inp = Float32Array.from({ length: N }, (_, i) => ((i % 2001) - 1000) / 100); // −10 .. 10
    const t = { inp: gpu.tensor('inp', [N], 'f32', inp), out: gpu.tensor('out', [N]), dinp: gpu.tensor('dinp', [N]) };
    gpu.run([geluForward(gpu, t.out, t.inp, N), geluBackward(gpu, t.dinp, t.inp, gpu.tensor('ones', [N], 'f32', new Float32Array(N).fill(1)), N)]);
    const x = Float64Array.from(inp);
    const ones = new Float64Array(N).fill(1);
    expectClose(await gpu.read(t.out), geluForwardRef(x, N), 'out', { atol: 1e-6, rtol: 1e-5 });
    expectClose(await gpu.read(t.dinp), geluBackwardRef(x, ones, N), 'dinp', { atol: 1e-6, rtol: 1e-5 });
  });

  it('a shape mismatch names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [8]);
    expect(() => geluForward(gpu, x, gpu.tensor('y', [7]), 8)).toThrow(/gelu_forward: inp is \[7\], expected \[N=8\]/);
    expect(() => geluBackward(gpu, x, x, gpu.tensor('dout', [9]), 8)).toThrow(/gelu_backward: dout is \[9\], expected \[N=8\]/);
  });
});
