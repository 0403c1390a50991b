import { describe, it } from 'vitest';
import { matmulBackwardRef, matmulForwardRef } from '../../src/kernels/matmul.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randn } from '../helpers/random.ts';

describe('matmul reference', () => {
  for (const [N, C, OC] of [[1, 1, 1], [3, 5, 4], [7, 2, 9]]) {
    it(`backward matches finite differences at N=${N} C=${C} OC=${OC}`, () => {
      checkGradients({
        inputs: { inp: randn(N * C, 1), weight: randn(OC * C, 2), bias: randn(OC, 3) },
        forward: ({ inp, weight, bias }) => matmulForwardRef(inp, weight, bias, N, C, OC),
        backward: ({ inp, weight }, dout) => {
          const g = matmulBackwardRef(dout, inp, weight, N, C, OC);
          return { inp: g.dinp, weight: g.dweight, bias: g.dbias };
        },
      });
    });
  }
});
