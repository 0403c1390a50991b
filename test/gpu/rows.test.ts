// gather_rows / scatter_rows backward on the GPU against the float64 reference, on awkward shapes,
// per-sequence indices (one past the end, clamped) and a non-zero gradient buffer to accumulate into.

import { describe, expect, it } from 'vitest';
import { gatherRows, scatterRowsBackward } from '../../src/kernels/rows.ts';
import { gatherRowsRef, scatterRowsBackwardRef } from '../../src/kernels/rows.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import {
  accumulate,
  checkKernel,
  input,
  itShapes,
  kernelCase,
  normal,
  overwrite,
  secondGridN,
  u32,
  type TensorSpec,
} from '../helpers/kernel-case.ts';
import { randint } from '../helpers/random.ts';

type F64 = TensorSpec<Float64Array>;

/** gather_rows into NaN garbage and its backward into a prior dinp: both must be f32(reference) bit for bit. */
function rows(B: number, T: number, C: number, index: ArrayLike<number>, inp: F64, dout: F64, dinp: F64) {
  return kernelCase({
    tensors: { out: overwrite([B, C]), inp, index: u32([B], index), dout, dinp },
    launch: (gpu, t) => [
      gatherRows(gpu, t.out, t.inp, t.index, B, T, C),
      scatterRowsBackward(gpu, t.dinp, t.dout, t.index, B, T, C),
    ],
    reference: (x) => ({
      out: gatherRowsRef(x.inp, x.index, B, T, C),
      dinp: scatterRowsBackwardRef(x.dout, x.index, B, T, C),
    }),
    tol: 'bitwise',
  });
}

/** Every element different, cheap at 30M elements. */
function ramp(n: number, k: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = (i % k) - k / 2;
  return a;
}

describe('gather_rows and scatter_rows backward on the GPU', () => {
  const shapes = [
    { B: 1, T: 1, C: 1 },
    { B: 3, T: 5, C: 7 },
    { B: 2, T: 9, C: 65 },
    { B: 5, T: 17, C: 33 },
    { B: 65, T: 3, C: 4 },
  ];
  itShapes('match the reference exactly', shapes, ({ B, T, C }) => {
    const index = randint(B, B * T, T + 2); // some indices ≥ T: clamped to T − 1
    index[0] = T + 5;
    return rows(B, T, C, index, normal([B, T, C], C), normal([B, C], C + 1), accumulate([B, T, C], C + 2));
  });

  it('cover every element when B·C needs a second grid dimension (B·C > 65535·256)', async () => {
    const [B, T, C] = [4096, 2, 4097];
    expect(B * C).toBeGreaterThan(secondGridN(256) - 300);
    const index = Uint32Array.from({ length: B }, (_, b) => b % 3); // 2 is clamped to 1
    await checkKernel(
      rows(
        B,
        T,
        C,
        index,
        input([B, T, C], ramp(B * T * C, 1001)),
        input([B, C], ramp(B * C, 999)),
        accumulate([B, T, C], ramp(B * T * C, 997)),
      ),
    );
  });

  it('rejects mismatched shapes and a float index, naming the kernel and the argument', async () => {
    const gpu = await testGpu();
    const inp = gpu.tensor('inp', [2, 3, 4]);
    const idx = gpu.tensor('idx', [2], 'u32');
    expect(() => gatherRows(gpu, gpu.tensor('out', [2, 5]), inp, idx, 2, 3, 4)).toThrow(
      /gather_rows: out is \[2,5\], expected \[B=2, C=4\]/,
    );
    expect(() => gatherRows(gpu, gpu.tensor('out', [2, 4]), inp, gpu.tensor('fidx', [2]), 2, 3, 4)).toThrow(
      /gather_rows: index is f32, expected u32/,
    );
    expect(() => scatterRowsBackward(gpu, inp, gpu.tensor('dout', [3, 4]), idx, 2, 3, 4)).toThrow(
      /scatter_rows_backward: dout is \[3,4\]/,
    );
  });
});
