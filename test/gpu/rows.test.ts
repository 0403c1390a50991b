// gather_rows / scatter_rows backward on the GPU against the float64 reference, on awkward shapes,
// per-sequence indices (one past the end, clamped) and a non-zero gradient buffer to accumulate into.

import { describe, expect, it } from 'vitest';
import { gatherRows, scatterRowsBackward } from '../../src/kernels/rows.ts';
import { gatherRowsRef, scatterRowsBackwardRef } from '../../src/kernels/rows.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randint, randn } from '../helpers/random.ts';

describe('gather_rows and scatter_rows backward on the GPU', () => {
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [2, 9, 65], [5, 17, 33], [65, 3, 4]];
  for (const [B, T, C] of shapes) {
    it(`match the reference exactly at B=${B} T=${T} C=${C}`, async () => {
      const gpu = await testGpu();
      const index = randint(B, B * T, T + 2); // some indices ≥ T: clamped to T − 1
      index[0] = T + 5;
      const inp = f32(randn(B * T * C, C));
      const dout = f32(randn(B * C, C + 1));
      const prior = f32(randn(B * T * C, C + 2));
      const t = {
        out: gpu.tensor('out', [B, C], 'f32', new Float32Array(B * C).fill(NaN)),
        inp: gpu.tensor('inp', [B, T, C], 'f32', inp),
        index: gpu.tensor('index', [B], 'u32', index),
        dout: gpu.tensor('dout', [B, C], 'f32', dout),
        dinp: gpu.tensor('dinp', [B, T, C], 'f32', prior),
      };
      gpu.run([gatherRows(gpu, t.out, t.inp, t.index, B, T, C), scatterRowsBackward(gpu, t.dinp, t.dout, t.index, B, T, C)]);
      const out = await gpu.read(t.out);
      expect(Array.from(out)).toEqual(Array.from(Float32Array.from(gatherRowsRef(inp, index, B, T, C))));
      const want = Float32Array.from(scatterRowsBackwardRef(dout, index, B, T, C), (g, i) => Math.fround(prior[i] + g));
      expect(Array.from(await gpu.read(t.dinp))).toEqual(Array.from(want));
    });
  }

  it('rejects mismatched shapes and a float index, naming the kernel and the argument', async () => {
    const gpu = await testGpu();
    const inp = gpu.tensor('inp', [2, 3, 4]);
    const idx = gpu.tensor('idx', [2], 'u32');
    expect(() => gatherRows(gpu, gpu.tensor('out', [2, 5]), inp, idx, 2, 3, 4)).toThrow(/gather_rows: out is \[2,5\], expected \[B=2, C=4\]/);
    expect(() => gatherRows(gpu, gpu.tensor('out', [2, 4]), inp, gpu.tensor('fidx', [2]), 2, 3, 4)).toThrow(/gather_rows: index is f32, expected u32/);
    expect(() => scatterRowsBackward(gpu, inp, gpu.tensor('dout', [3, 4]), idx, 2, 3, 4)).toThrow(/scatter_rows_backward: dout is \[3,4\]/);
  });
});
