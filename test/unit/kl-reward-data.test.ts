// The reward-vs-√KL chart's data: points sorted by √KL with their iterations, the least-squares line against
// hand-computed values, uPlot's columns (line only when defined, the picked iteration alone in its column),
// which point a click means, and the line in words.

import { describe, expect, it } from 'vitest';
import { chartColumns, describeFit, klRewardData, nearestPoint } from '../../src/ui/kl-reward-data.ts';

const point = (step: number, sqrtKl: number, score: number, extra: Record<string, number> = {}) => ({
  step,
  'objective/sqrt_kl': sqrtKl,
  'objective/scores': score,
  ...extra,
});

describe('klRewardData', () => {
  it('keeps iterations with both values, sorted by √KL then iteration, and fits score = slope·√KL + intercept', () => {
    // y = 2x + 1 at x = 0, 1, 2, plus one point off the line at x = 3 (y = 8 instead of 7)
    const history = [
      point(3, 2, 5),
      point(1, 0, 1),
      { step: 5, 'objective/kl': 1 },
      point(2, 1, 3),
      point(4, 3, 8),
      point(6, NaN, 1),
    ];
    const d = klRewardData(history);
    expect(d.points).toEqual([
      { iteration: 1, x: 0, y: 1 },
      { iteration: 2, x: 1, y: 3 },
      { iteration: 3, x: 2, y: 5 },
      { iteration: 4, x: 3, y: 8 },
    ]);
    // by hand: mean x 1.5, mean y 4.25; Sxx = 5, Sxy = (−1.5)(−3.25) + (−.5)(−1.25) + (.5)(.75) + (1.5)(3.75) = 11.5
    expect(d.fit.slope).toBeCloseTo(11.5 / 5, 12);
    expect(d.fit.intercept).toBeCloseTo(4.25 - 2.3 * 1.5, 12);
    // SS_tot = 10.5625+1.5625+0.5625+14.0625 = 26.75; SS_res = Σ(y − ŷ)² with ŷ = 0.8, 3.1, 5.4, 7.7
    const ssRes = 0.2 ** 2 + 0.1 ** 2 + 0.4 ** 2 + 0.3 ** 2;
    expect(d.fit.r2).toBeCloseTo(1 - ssRes / 26.75, 12);
    expect(d.fit.n).toBe(4);
  });

  it('equal √KL values keep iteration order; another y key (gold) is read when asked', () => {
    const d = klRewardData(
      [point(2, 0.5, 1, { 'gold/scores': 0.2 }), point(1, 0.5, 2, { 'gold/scores': 0.1 }), point(3, 0.1, 0)],
      'gold/scores',
    );
    expect(d.points).toEqual([
      { iteration: 1, x: 0.5, y: 0.1 },
      { iteration: 2, x: 0.5, y: 0.2 },
    ]);
    expect(Number.isNaN(d.fit.slope)).toBe(true); // one √KL only: no line
  });
});

describe('chartColumns', () => {
  it('gives x, y, the line at every x, and the selected iteration alone', () => {
    const d = klRewardData([point(1, 0, 1), point(2, 1, 3), point(3, 2, 5)]);
    const [xs, ys, line, picked] = chartColumns(d, 2);
    expect(xs).toEqual([0, 1, 2]);
    expect(ys).toEqual([1, 3, 5]);
    line.forEach((v, i) => expect(v).toBeCloseTo([1, 3, 5][i], 12));
    expect(picked).toEqual([null, 3, null]);
  });

  it('has no line before there are two distinct √KL values, and no pick for an unknown iteration', () => {
    const d = klRewardData([point(1, 0, 1)]);
    expect(chartColumns(d, 7)).toEqual([[0], [1], [null], [null]]);
    expect(chartColumns(klRewardData([]), null)).toEqual([[], [], [], []]);
  });
});

describe('nearestPoint', () => {
  const pixels = [
    { x: 10, y: 10 },
    { x: 30, y: 10 },
    { x: 30, y: 14 },
  ];
  it('picks the nearest point within the radius', () => {
    expect(nearestPoint(pixels, 12, 11, 12)).toBe(0);
    expect(nearestPoint(pixels, 30, 13, 12)).toBe(2);
    expect(nearestPoint(pixels, 29, 11, 12)).toBe(1);
  });
  it('picks nothing beyond the radius, or from no points', () => {
    expect(nearestPoint(pixels, 100, 100, 12)).toBe(-1);
    expect(nearestPoint(pixels, 10, 22.5, 12)).toBe(-1); // 12.5 px away
    expect(nearestPoint(pixels, 10, 22, 12)).toBe(0); // exactly on the radius
    expect(nearestPoint([], 0, 0, 12)).toBe(-1);
  });
  it('gives a tie to the first point', () => {
    expect(
      nearestPoint(
        [
          { x: 0, y: 0 },
          { x: 2, y: 0 },
        ],
        1,
        0,
        5,
      ),
    ).toBe(0);
  });
});

describe('describeFit', () => {
  it('writes the line with its sign, R² and count, or why there is none', () => {
    expect(describeFit({ slope: 0.5, intercept: -0.25, r2: 0.9, n: 4 }, 'PM score')).toBe(
      'PM score ≈ 0.500·√KL − 0.250, R² = 0.900 over 4 iterations',
    );
    expect(describeFit({ slope: 2, intercept: 1, r2: 1, n: 3 })).toBe(
      'score ≈ 2.000·√KL + 1.000, R² = 1.000 over 3 iterations',
    );
    expect(describeFit({ slope: NaN, intercept: NaN, r2: NaN, n: 1 })).toMatch(/at least two iterations \(1 so far\)/);
    expect(describeFit({ slope: NaN, intercept: NaN, r2: NaN, n: 3 })).toMatch(/different KL/);
  });
});
