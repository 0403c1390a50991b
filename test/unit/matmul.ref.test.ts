// The float64 matmul reference (matmul.ref.ts): its forward against hand-computed values and an independent
// naive product written here, its backward against central finite differences.

import { describe, expect, it } from 'vitest';
import { matmulBackwardRef, matmulForwardRef } from '../../src/kernels/matmul.ref.ts';
import { type GradCheck, itGradients, itRejectsWrongGradient } from '../helpers/gradcheck.ts';
import { randn } from '../helpers/random.ts';

/** out = inp · weightᵀ + bias, by way of an explicit transpose of weight (a different loop from the reference). */
function naiveLinear(
  inp: Float64Array,
  weight: Float64Array,
  bias: Float64Array | null,
  N: number,
  C: number,
  OC: number,
) {
  const wT = new Float64Array(C * OC);
  for (let o = 0; o < OC; o++) for (let c = 0; c < C; c++) wT[c * OC + o] = weight[o * C + c];
  const out = new Float64Array(N * OC);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) for (let o = 0; o < OC; o++) out[n * OC + o] += inp[n * C + c] * wT[c * OC + o];
    if (bias) for (let o = 0; o < OC; o++) out[n * OC + o] += bias[o];
  }
  return out;
}

type MatmulGrads = ReturnType<typeof matmulBackwardRef>;

/** out = inp·weightᵀ + bias checked by finite differences; `grads` maps the reference's gradients to the inputs. */
function gradCase(
  N: number,
  C: number,
  OC: number,
  grads: (g: MatmulGrads) => Record<string, Float64Array>,
): GradCheck {
  return {
    inputs: { inp: randn(N * C, 1), weight: randn(OC * C, 2), bias: randn(OC, 3) },
    forward: ({ inp, weight, bias }) => matmulForwardRef(inp, weight, bias, N, C, OC),
    backward: ({ inp, weight }, dout) => grads(matmulBackwardRef(dout, inp, weight, N, C, OC)),
  };
}

describe('matmul reference', () => {
  it('forward gives hand-computed values, with and without a bias', () => {
    const inp = Float64Array.of(1, 2, 3, 4); // [[1, 2], [3, 4]]
    const weight = Float64Array.of(1, 0, 0, 1, 1, -1); // rows [1, 0], [0, 1], [1, −1]
    const bias = Float64Array.of(10, 20, 30);
    expect(Array.from(matmulForwardRef(inp, weight, bias, 2, 2, 3))).toEqual([11, 22, 29, 13, 24, 29]);
    expect(Array.from(matmulForwardRef(inp, weight, null, 2, 2, 3))).toEqual([1, 2, -1, 3, 4, -1]);
    const one = matmulForwardRef(Float64Array.of(3), Float64Array.of(-2), Float64Array.of(0.5), 1, 1, 1);
    expect(Array.from(one)).toEqual([-5.5]);
  });

  for (const [N, C, OC] of [
    [1, 1, 1],
    [3, 5, 4],
    [7, 2, 9],
    [4, 33, 6],
  ]) {
    it(`forward matches a naive product at N=${N} C=${C} OC=${OC}`, () => {
      const inp = randn(N * C, 11);
      const weight = randn(OC * C, 12);
      const bias = randn(OC, 13);
      for (const b of [bias, null]) {
        const got = matmulForwardRef(inp, weight, b, N, C, OC);
        const want = naiveLinear(inp, weight, b, N, C, OC);
        expect(got.length).toBe(N * OC);
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 12);
      }
    });
  }

  itGradients(
    [
      { N: 1, C: 1, OC: 1 },
      { N: 3, C: 5, OC: 4 },
      { N: 7, C: 2, OC: 9 },
    ],
    ({ N, C, OC }) => gradCase(N, C, OC, (g) => ({ inp: g.dinp, weight: g.dweight, bias: g.dbias })),
  );

  itRejectsWrongGradient(
    'dweight transposed',
    'weight',
    gradCase(3, 4, 4, (g) => {
      const C = 4;
      const dwT = g.dweight.map((_, i) => g.dweight[(i % C) * C + Math.floor(i / C)]);
      return { inp: g.dinp, weight: dwT, bias: g.dbias };
    }),
  );
});
