import { describe, expect, it } from 'vitest';
import { fill, scaleInPlace } from '../../src/kernels/fill.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('fill', () => {
  for (const n of [1, 7, 65, 300]) {
    it(`sets the first N of ${n + 3} elements and leaves the rest`, async () => {
      const gpu = await testGpu();
      const t = gpu.tensor('t', [n + 3], 'f32', Array.from({ length: n + 3 }, (_, i) => i + 1));
      gpu.run([fill(gpu, t, -2.5, n)]);
      const out = Array.from(await gpu.read(t));
      expect(out.slice(0, n).every((v) => v === -2.5)).toBe(true);
      expect(out.slice(n)).toEqual([n + 1, n + 2, n + 3]);
    });
  }
  it('refuses a u32 tensor or an N past the end, naming the kernel', async () => {
    const gpu = await testGpu();
    expect(() => fill(gpu, gpu.tensor('ids', [4], 'u32'))).toThrow(/fill: ids\[4\] is u32/);
    expect(() => fill(gpu, gpu.tensor('x', [4]), 0, 5)).toThrow(/fill: N=5 exceeds x\[4\]/);
  });
});

describe('scale', () => {
  it('multiplies the first N elements in place', async () => {
    const gpu = await testGpu();
    const t = gpu.tensor('t', [70], 'f32', Array.from({ length: 70 }, (_, i) => i - 3));
    gpu.run([scaleInPlace(gpu, t, 0.25, 65)]);
    const out = Array.from(await gpu.read(t));
    expect(out.slice(0, 65)).toEqual(Array.from({ length: 65 }, (_, i) => (i - 3) * 0.25));
    expect(out.slice(65)).toEqual([62, 63, 64, 65, 66]);
    expect(() => scaleInPlace(gpu, t, NaN)).toThrow(/scale: needs an f32 tensor and a finite factor/);
  });
});
