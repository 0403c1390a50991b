// The float64 layernorm reference (layernorm.ref.ts): its forward against hand-computed values and an independent
// two-pass computation written here, its backward against central finite differences.

import { describe, expect, it } from 'vitest';
import { LN_EPS, layernormBackwardRef, layernormForwardRef } from '../../src/kernels/layernorm.ref.ts';
import { type GradCheck, type Inputs, itGradients, itRejectsWrongGradient } from '../helpers/gradcheck.ts';
import { randn } from '../helpers/random.ts';

/** Per row: mean, biased variance, (x − mean)/√(var + ε)·w + b, with its own loops. */
function naiveLayernorm(inp: Float64Array, weight: Float64Array, bias: Float64Array, N: number, C: number) {
  const out = new Float64Array(N * C);
  const mean = new Float64Array(N);
  const rstd = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += inp[n * C + c];
    const m = s / C;
    let sq = 0;
    for (let c = 0; c < C; c++) sq += (inp[n * C + c] - m) * (inp[n * C + c] - m);
    const sd = Math.sqrt(sq / C + LN_EPS);
    for (let c = 0; c < C; c++) out[n * C + c] = (weight[c] * (inp[n * C + c] - m)) / sd + bias[c];
    [mean[n], rstd[n]] = [m, 1 / sd];
  }
  return { out, mean, rstd };
}

type LayernormGrads = ReturnType<typeof layernormBackwardRef>;
type Saved = { dout: Float64Array; weight: Float64Array; rstd: Float64Array };

/**
 * The forward's out checked by finite differences; `grads` maps the reference's gradients (given what the
 * backward saw) to the inputs.
 */
function gradCase(N: number, C: number, grads: (g: LayernormGrads, saved: Saved) => Inputs): GradCheck {
  return {
    inputs: { inp: randn(N * C, 1), weight: randn(C, 2), bias: randn(C, 3) },
    forward: ({ inp, weight, bias }) => layernormForwardRef(inp, weight, bias, N, C).out,
    backward: ({ inp, weight, bias }, dout) => {
      const { mean, rstd } = layernormForwardRef(inp, weight, bias, N, C);
      return grads(layernormBackwardRef(dout, inp, weight, mean, rstd, N, C), { dout, weight, rstd });
    },
  };
}

describe('layernorm reference', () => {
  it('forward gives hand-computed values', () => {
    // row [1, 2, 3, 4]: mean 2.5, variance 1.25; row [5, 5]: variance 0, out = bias
    const [inp, weight] = [Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 2, 1, 1)];
    const bias = Float64Array.of(0, 0, 1, -1);
    const { out, mean, rstd } = layernormForwardRef(inp, weight, bias, 1, 4);
    const r = 1 / Math.sqrt(1.25 + 1e-5);
    expect(LN_EPS).toBe(1e-5);
    expect(mean[0]).toBe(2.5);
    expect(rstd[0]).toBeCloseTo(r, 14);
    const want = [-1.5 * r, 2 * -0.5 * r, 0.5 * r + 1, 1.5 * r - 1];
    for (let c = 0; c < 4; c++) expect(out[c]).toBeCloseTo(want[c], 14);
    const flat = layernormForwardRef(Float64Array.of(5, 5), Float64Array.of(3, 3), Float64Array.of(0.5, -2), 1, 2);
    expect(Array.from(flat.out)).toEqual([0.5, -2]);
    expect(flat.rstd[0]).toBeCloseTo(1 / Math.sqrt(1e-5), 8);
  });

  it('with unit weight and zero bias each row has mean 0 and variance var/(var + ε)', () => {
    const [N, C] = [3, 50];
    const inp = randn(N * C, 9, 4);
    const { out, rstd } = layernormForwardRef(inp, new Float64Array(C).fill(1), new Float64Array(C), N, C);
    for (let n = 0; n < N; n++) {
      const row = out.subarray(n * C, (n + 1) * C);
      const m = row.reduce((a, b) => a + b, 0) / C;
      const v = row.reduce((a, b) => a + b * b, 0) / C;
      expect(Math.abs(m)).toBeLessThan(1e-12);
      expect(v).toBeCloseTo(1 - LN_EPS * rstd[n] ** 2, 12);
    }
  });

  for (const [N, C, offset] of [
    [1, 2, 0],
    [3, 7, 0],
    [2, 16, 0],
    [4, 33, 1e3],
  ]) {
    it(`forward matches a naive two-pass computation at N=${N} C=${C} offset=${offset}`, () => {
      const inp = randn(N * C, 5, 2).map((v) => v + offset);
      const weight = randn(C, 6);
      const bias = randn(C, 7);
      const got = layernormForwardRef(inp, weight, bias, N, C);
      const want = naiveLayernorm(inp, weight, bias, N, C);
      for (const k of ['out', 'mean', 'rstd'] as const) {
        expect(got[k].length).toBe(want[k].length);
        for (let i = 0; i < want[k].length; i++) expect(got[k][i], `${k}[${i}]`).toBeCloseTo(want[k][i], 9);
      }
    });
  }

  itGradients(
    [
      { N: 1, C: 2 },
      { N: 3, C: 7 },
      { N: 2, C: 16 },
    ],
    ({ N, C }) => gradCase(N, C, (g) => ({ inp: g.dinp, weight: g.dweight, bias: g.dbias })),
  );

  itRejectsWrongGradient(
    'dinp without the mean terms',
    'inp',
    gradCase(3, 7, (g, { dout, weight, rstd }) => {
      const C = 7;
      const naive = dout.map((d, i) => d * weight[i % C] * rstd[Math.floor(i / C)]);
      return { inp: naive, weight: g.dweight, bias: g.dbias };
    }),
  );
});
