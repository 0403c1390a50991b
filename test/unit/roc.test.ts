// The ROC curve the OOD panel draws: src/eval/ood.ts rocCurve (its corners) and src/ui/roc-data.ts rocColumns
// (several curves and the diagonal on one x column for uPlot). A perfect separator's curve goes through the
// corner (0, 1) and a reversed one through (1, 0); on scores with many ties the area under each curve, read
// back out of the chart's columns in row order, is the AUROC the module computes from mid-ranks, and the
// columns keep every curve's corners in order on an ascending x with the diagonal beside them.

import { describe, expect, it } from 'vitest';
import { auroc, rocArea, rocCurve, type RocPoint } from '../../src/eval/ood.ts';
import { curveOf, rocColumns } from '../../src/ui/roc-data.ts';
import { rng } from '../helpers/random.ts';

const corners = (c: readonly RocPoint[]) => c.map((p) => ({ fpr: p.fpr, tpr: p.tpr }));

describe('ROC curve points', () => {
  it('a perfect separator passes through the corner (0, 1); a reversed one through (1, 0)', () => {
    const perfect = rocCurve([0.1, 0.2, 0.3], [5, 6]);
    expect(corners(perfect)).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0, tpr: 1 },
      { fpr: 1 / 3, tpr: 1 },
      { fpr: 2 / 3, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
    expect(auroc([0.1, 0.2, 0.3], [5, 6])).toBe(1);
    expect(rocArea(perfect)).toBe(1);
    const reversed = rocCurve([5, 6], [0.1, 0.2, 0.3]);
    expect(corners(reversed)).toContainEqual({ fpr: 1, tpr: 0 });
    expect(rocArea(reversed)).toBe(0);
    // every score tied: one step from (0, 0) straight to (1, 1), area ½
    expect(corners(rocCurve([2, 2], [2, 2, 2]))).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 1, tpr: 1 },
    ]);
    expect(rocArea(rocCurve([2, 2], [2, 2, 2]))).toBe(0.5);
  });

  it('the chart columns hold each curve in order, and its area is the AUROC, ties included', () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = rng(seed);
      const score = (n: number, shift: number, levels: number) =>
        Array.from({ length: n }, () => Math.round(r() * levels) + shift);
      const pairs = [
        [score(30, 0, 10), score(17, 3, 10)], // many ties
        [score(12, 0, 1000), score(40, 0, 1000)], // few ties, near chance
        [score(9, 0, 5), score(11, 100, 5)], // perfectly separated
      ];
      const curves = pairs.map(([inS, outS]) => rocCurve(inS, outS));
      const cols = rocColumns(curves);
      expect(cols).toHaveLength(2 + curves.length);
      expect(cols[0]).toHaveLength(curves.reduce((s, c) => s + c.length, 0));
      for (let i = 1; i < cols[0].length; i++) expect(cols[0][i]).toBeGreaterThanOrEqual(cols[0][i - 1]);
      expect(cols[1]).toEqual(cols[0]); // the diagonal: TPR = FPR
      pairs.forEach(([inS, outS], c) => {
        const back = curveOf(cols, c);
        expect(back).toEqual(corners(curves[c]));
        expect(rocArea(back.map((p) => ({ ...p, threshold: 0 })))).toBeCloseTo(auroc(inS, outS), 12);
        cols[0].forEach((_, i) => expect(cols.slice(2).filter((col) => col[i] !== null)).toHaveLength(1)); // one curve per row
      });
      expect(curveOf(cols, 2)).toContainEqual({ fpr: 0, tpr: 1 });
    }
  });
});
