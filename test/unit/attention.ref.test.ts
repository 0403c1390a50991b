import { describe, expect, it } from 'vitest';
import { attentionBackwardRef, attentionForwardRef } from '../../src/kernels/attention.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randn } from '../helpers/random.ts';

// [B, T, C, NH, start]
const SHAPES: [number, number, number, number, number[] | null][] = [
  [1, 1, 1, 1, null],
  [1, 1, 4, 1, null],
  [2, 7, 6, 3, null],
  [1, 5, 8, 2, null],
  [2, 7, 4, 2, [0, 3]],
  [3, 4, 3, 1, [4, 1, 2]],
];

describe('attention reference', () => {
  for (const [B, T, C, NH, st] of SHAPES) {
    it(`backward matches finite differences at B=${B} T=${T} C=${C} NH=${NH} start=${st}`, () => {
      const start = st ? Uint32Array.from(st) : null;
      checkGradients({
        inputs: { qkv: randn(B * T * 3 * C, 1) },
        forward: ({ qkv }) => attentionForwardRef(qkv, start, B, T, C, NH).out,
        backward: ({ qkv }, dout) => {
          const { out, lse } = attentionForwardRef(qkv, start, B, T, C, NH);
          return { qkv: attentionBackwardRef(dout, qkv, out, lse, start, B, T, C, NH) };
        },
        maxProbes: 128,
      });
    });
  }

  it('is a softmax-weighted average that attends only to the past', () => {
    const [B, T, C, NH] = [1, 3, 2, 1];
    const qkv = randn(B * T * 3 * C, 3);
    const { out, lse } = attentionForwardRef(qkv, null, B, T, C, NH);
    // the first row sees only itself: out = v[0], lse = q·k/√hs
    expect(out[0]).toBeCloseTo(qkv[4], 12);
    expect(out[1]).toBeCloseTo(qkv[5], 12);
    expect(lse[0]).toBeCloseTo((qkv[0] * qkv[2] + qkv[1] * qkv[3]) / Math.SQRT2, 12);
    // changing a later token does not change an earlier row
    const later = qkv.slice();
    later[2 * 3 * C + 2 * C] += 1;
    expect(attentionForwardRef(later, null, B, T, C, NH).out.slice(0, 2 * C)).toEqual(out.slice(0, 2 * C));
  });

  it('masks keys before start and zeroes rows before start', () => {
    const [B, T, C, NH] = [1, 4, 2, 1];
    const qkv = randn(B * T * 3 * C, 5);
    const { out } = attentionForwardRef(qkv, Uint32Array.from([2]), B, T, C, NH);
    expect(Array.from(out.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(out[4]).toBeCloseTo(qkv[2 * 6 + 4], 12); // row 2 sees only key 2
  });
});
