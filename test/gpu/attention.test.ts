// attention (forward, and the backward that accumulates into dqkv) on the GPU against the float64 reference:
// awkward T, B and head sizes, two row blocks, the largest head, left padding with a single visible row and a
// fully padded sequence, and scores of ±1e3. The grid is [⌈T/64⌉, NH, B]: no dimension is a folded 1-D grid.

import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward } from '../../src/kernels/attention.ts';
import { attentionBackwardRef, attentionForwardRef } from '../../src/kernels/attention.ref.ts';
import type { Tolerance } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import {
  accumulate,
  checkKernel,
  input,
  itShapes,
  kernelCase,
  normal,
  overwrite,
  u32,
} from '../helpers/kernel-case.ts';
import { randn } from '../helpers/random.ts';

type Shape = { B: number; T: number; C: number; NH: number; start?: number[] };

interface Options {
  /** multiplies q and k, to push the scores to ±1e3 */
  qkScale?: number;
  tol?: Tolerance;
  gradTol?: Tolerance;
}

/**
 * Forward (out and lse into NaN garbage: every element is written, zeros before start) and backward (into dqkv,
 * which holds a prior it accumulates onto). dqkv is checked against the reference backward from the GPU's own out
 * and lse, as the kernels see them, and from the exact forward to a 10 times looser tolerance.
 */
function attention({ B, T, C, NH, start: st }: Shape, opts: Options = {}) {
  const { qkScale = 1, tol = { atol: 2e-5, rtol: 1e-4 }, gradTol = { atol: 1e-4, rtol: 1e-4 } } = opts;
  const raw = randn(B * T * 3 * C, 1);
  for (let i = 0; i < raw.length; i++) if (i % (3 * C) < 2 * C) raw[i] *= qkScale;
  const loose = { atol: 10 * (gradTol.atol ?? 1e-4), rtol: 10 * (gradTol.rtol ?? 1e-4) };
  return kernelCase({
    tensors: {
      qkv: input([B, T, 3 * C], raw),
      start: u32([B], st ?? new Array(B).fill(0)),
      out: overwrite([B, T, C]),
      lse: overwrite([B, NH, T]),
      dout: normal([B, T, C], 2),
      dqkv: accumulate([B, T, 3 * C], 3),
    },
    launch: (gpu, t) => {
      const start = st ? t.start : null;
      return [
        attentionForward(gpu, t.out, t.lse, t.qkv, start, B, T, C, NH),
        ...attentionBackward(gpu, t.dqkv, t.dout, t.qkv, t.out, t.lse, start, B, T, C, NH),
      ];
    },
    reference: (x, got) => {
      const start = st ? x.start : null;
      const ref = attentionForwardRef(x.qkv, start, B, T, C, NH);
      return {
        out: { want: ref.out, tol },
        lse: { want: ref.lse, tol: { atol: tol.atol, rtol: 1e-5 } },
        dqkv: { want: attentionBackwardRef(x.dout, x.qkv, got.out, got.lse, start, B, T, C, NH), tol: gradTol },
        'dqkv (exact forward)': {
          want: attentionBackwardRef(x.dout, x.qkv, ref.out, ref.lse, start, B, T, C, NH),
          tol: loose,
          of: 'dqkv',
        },
      };
    },
  });
}

describe('attention on the GPU matches the float64 reference', () => {
  const shapes: Shape[] = [
    { B: 1, T: 1, C: 4, NH: 1 },
    { B: 2, T: 7, C: 12, NH: 3 },
    { B: 1, T: 65, C: 16, NH: 2 },
    { B: 1, T: 70, C: 128, NH: 2 }, // hs = 64, two row blocks
    { B: 1, T: 33, C: 128, NH: 1 }, // hs = 128, the largest
    { B: 1, T: 300, C: 8, NH: 2 }, // T much larger than a workgroup
    { B: 3, T: 129, C: 6, NH: 2 }, // an odd head size (hs = 3), one row past two blocks
    { B: 1, T: 64, C: 4, NH: 4 }, // hs = 1, exactly one row block
    { B: 2, T: 7, C: 12, NH: 3, start: [0, 3] },
    { B: 3, T: 65, C: 16, NH: 2, start: [5, 64, 65] }, // a single visible row; a fully padded sequence
  ];
  itShapes('forward and backward', shapes, (shape) => attention(shape));

  it('large scores (±1e3) stay finite and exact to f32 precision', async () => {
    // hs = 4, q and k ~ N(0, 30²): scores q·k/2 of order ±1e3, softmax nearly one-hot
    const opts = { qkScale: 30, tol: { atol: 1e-4, rtol: 1e-4 }, gradTol: { atol: 1e-3, rtol: 1e-4 } };
    const { got } = await checkKernel(attention({ B: 2, T: 40, C: 8, NH: 2 }, opts));
    expect(got.out.every(Number.isFinite)).toBe(true);
  });

  it('rows before start are zero', async () => {
    const { got } = await checkKernel(attention({ B: 1, T: 9, C: 4, NH: 2, start: [4] }));
    expect(Array.from(got.out.slice(0, 4 * 4))).toEqual(new Array(16).fill(0));
    expect(got.out.slice(16).some((v) => v !== 0)).toBe(true);
  });

  it('a shape mismatch or a head size over 128 names the kernel', async () => {
    const gpu = await testGpu();
    const qkv = gpu.tensor('qkv', [2, 5, 12]);
    const out = gpu.tensor('out', [2, 5, 4]);
    const lse = gpu.tensor('lse', [2, 2, 5]);
    expect(() => attentionForward(gpu, out, lse, qkv, null, 2, 5, 4, 1)).toThrow(
      /attention_forward: lse is \[2,2,5\], expected \[B=2, NH=1, T=5\]/,
    );
    expect(() => attentionForward(gpu, out, lse, gpu.tensor('qkv', [2, 5, 11]), null, 2, 5, 4, 2)).toThrow(
      /attention_forward: qkv is \[2,5,11\]/,
    );
    expect(() => attentionForward(gpu, out, lse, qkv, gpu.tensor('start', [3], 'u32'), 2, 5, 4, 2)).toThrow(
      /attention_forward: start is \[3\]/,
    );
    expect(() => attentionForward(gpu, out, lse, qkv, gpu.tensor('start', [2]), 2, 5, 4, 2)).toThrow(
      /attention_forward: start is f32, expected u32/,
    );
    expect(() => attentionForward(gpu, out, gpu.tensor('lse', [2, 3, 5]), qkv, null, 2, 5, 4, 3)).toThrow(
      /attention_forward: C=4 is not a multiple of NH=3/,
    );
    expect(() => attentionBackward(gpu, gpu.tensor('dqkv', [2, 5, 4]), out, qkv, out, lse, null, 2, 5, 4, 2)).toThrow(
      /attention_backward: dqkv is \[2,5,4\]/,
    );
    const big = gpu.tensor('qkv', [1, 2, 3 * 258]);
    const [out258, lse1] = [gpu.tensor('out', [1, 2, 258]), gpu.tensor('lse', [1, 1, 2])];
    expect(() => attentionForward(gpu, out258, lse1, big, null, 1, 2, 258, 1)).toThrow(
      /attention_forward: head size C\/NH = 258 exceeds the supported maximum 128/,
    );
  });
});
