// The reward-vs-√KL line fit against values worked out by hand.

import { describe, expect, it } from 'vitest';
import { fitLine, sqrtKlFit } from '../../src/eval/sqrt-kl-fit.ts';

describe('sqrtKlFit', () => {
  it('recovers an exact line in √KL', () => {
    // KL = 0, 1, 4, 9 → √KL = 0, 1, 2, 3; score = 2·√KL − 1
    const fit = sqrtKlFit([0, 1, 4, 9], [-1, 1, 3, 5]);
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(-1, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.n).toBe(4);
  });

  it('matches a least-squares fit done by hand', () => {
    // x = 0, 1, 2, 3 (KL 0, 1, 4, 9); y = 1, 3, 2, 5
    // x̄ = 1.5, ȳ = 2.75; Sxx = 5; Sxy = (−1.5)(−1.75) + (−0.5)(0.25) + (0.5)(−0.75) + (1.5)(2.25) = 5.5
    // slope = 1.1, intercept = 2.75 − 1.65 = 1.1; fitted 1.1, 2.2, 3.3, 4.4; SS_res = 0.01 + 0.64 + 1.69 + 0.36 = 2.7
    // SS_tot = 3.0625 + 0.0625 + 0.5625 + 5.0625 = 8.75; R² = 1 − 2.7/8.75 = 0.691428…
    const fit = sqrtKlFit([0, 1, 4, 9], [1, 3, 2, 5]);
    expect(fit.slope).toBeCloseTo(1.1, 12);
    expect(fit.intercept).toBeCloseTo(1.1, 12);
    expect(fit.r2).toBeCloseTo(1 - 2.7 / 8.75, 12);
  });

  it('fits against √KL, not KL, and counts a negative KL estimate as √0', () => {
    // √KL = 0, 0, 2, 4 → score = 0.5·√KL exactly; against KL itself (−1, 0, 4, 16) the fit would not be exact
    const fit = sqrtKlFit([-1, 0, 4, 16], [0, 0, 1, 2]);
    expect(fit.slope).toBeCloseTo(0.5, 12);
    expect(fit.intercept).toBeCloseTo(0, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fitLine([-1, 0, 4, 16], [0, 0, 1, 2]).r2).toBeLessThan(0.99);
  });

  it('says when there is no line to fit', () => {
    expect(Number.isNaN(sqrtKlFit([1], [2]).slope)).toBe(true);
    const flatX = sqrtKlFit([4, 4, 4], [1, 2, 3]);
    expect([flatX.slope, flatX.intercept, flatX.r2].every(Number.isNaN)).toBe(true);
    expect(sqrtKlFit([0, 1, 4], [2, 2, 2])).toEqual({ slope: 0, intercept: 2, r2: 1, n: 3 });
    expect(() => fitLine([1, 2], [1])).toThrow(/2 x values but 1 y values/);
  });
});
