import { describe, expect, it } from 'vitest';
import { addInPlaceRef, residualBackwardRef, residualForwardRef } from '../../src/kernels/residual.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randn } from '../helpers/random.ts';

describe('residual reference', () => {
  for (const N of [1, 7, 65]) {
    it(`backward matches finite differences at N=${N}`, () => {
      checkGradients({
        inputs: { inp1: randn(N, 1), inp2: randn(N, 2) },
        forward: ({ inp1, inp2 }) => residualForwardRef(inp1, inp2, N),
        backward: (_, dout) => {
          const g = residualBackwardRef(dout, N);
          return { inp1: g.dinp1, inp2: g.dinp2 };
        },
      });
    });
  }

  it('add_in_place sums its arguments', () => {
    expect(Array.from(addInPlaceRef(Float64Array.from([1, 2, 3]), Float64Array.from([10, -2, 0.5]), 3))).toEqual([
      11, 0, 3.5,
    ]);
  });
});
