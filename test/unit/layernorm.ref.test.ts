import { describe, it } from 'vitest';
import { layernormBackwardRef, layernormForwardRef } from '../../src/kernels/layernorm.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randn } from '../helpers/random.ts';

describe('layernorm reference', () => {
  for (const [N, C] of [[1, 2], [3, 7], [2, 16]]) {
    it(`backward matches finite differences at N=${N} C=${C}`, () => {
      checkGradients({
        inputs: { inp: randn(N * C, 1), weight: randn(C, 2), bias: randn(C, 3) },
        forward: ({ inp, weight, bias }) => layernormForwardRef(inp, weight, bias, N, C).out,
        backward: ({ inp, weight, bias }, dout) => {
          const { mean, rstd } = layernormForwardRef(inp, weight, bias, N, C);
          const g = layernormBackwardRef(dout, inp, weight, mean, rstd, N, C);
          return { inp: g.dinp, weight: g.dweight, bias: g.dbias };
        },
      });
    });
  }
});
