import { describe, expect, it } from 'vitest';
import { gatherRowsRef, scatterRowsBackwardRef } from '../../src/kernels/rows.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randn } from '../helpers/random.ts';

describe('gather_rows reference', () => {
  for (const [B, T, C, index] of [
    [1, 1, 1, [0]],
    [3, 5, 7, [4, 0, 2]],
    [2, 9, 65, [8, 3]],
    [2, 4, 3, [9, 1]],
  ] as const) {
    it(`scatter_rows backward matches finite differences at B=${B} T=${T} C=${C} index=[${index}]`, () => {
      checkGradients({
        inputs: { inp: randn(B * T * C, B + T + C) },
        forward: ({ inp }) => gatherRowsRef(inp, index, B, T, C),
        backward: (_, dout) => ({ inp: scatterRowsBackwardRef(dout, index, B, T, C) }),
        maxProbes: 256,
      });
    });
  }

  it('reads the indexed row of each sequence and clamps an index past the end to T − 1', () => {
    const [B, T, C] = [2, 3, 2];
    const inp = Float64Array.from({ length: B * T * C }, (_, i) => i);
    expect(Array.from(gatherRowsRef(inp, [1, 7], B, T, C))).toEqual([2, 3, 10, 11]);
    expect(Array.from(scatterRowsBackwardRef(Float64Array.of(1, 2, 3, 4), [1, 7], B, T, C))).toEqual([
      0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 3, 4,
    ]);
  });
});
