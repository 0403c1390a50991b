// The columns behind the OOD panel's ROC chart (src/ui/roc-chart.ts): several ROC curves (src/eval/ood.ts
// rocCurve, one per detector) and the chance diagonal on ONE x column, as uPlot's aligned data wants. Every
// corner of every curve is a row of its own, sorted by false-positive rate (then true-positive rate, then
// curve), with its curve's TPR in that curve's column and null in the others; the chart joins each curve
// across the nulls (spanGaps). Along a curve both rates never decrease, so the sort keeps each curve's corners
// in their order and a vertical step (several corners at one FPR) is drawn as it is. Pure functions, no DOM.

import type { RocPoint } from '../eval/ood.ts';

/** x = false-positive rate; the diagonal (TPR = FPR, chance); then one TPR column per curve (null off its rows). */
export type RocColumns = [number[], number[], ...(number | null)[][]];

export function rocColumns(curves: readonly (readonly Pick<RocPoint, 'fpr' | 'tpr'>[])[]): RocColumns {
  const rows = curves
    .flatMap((curve, c) => curve.map((p, i) => ({ c, i, fpr: p.fpr, tpr: p.tpr })))
    .sort((a, b) => a.fpr - b.fpr || a.tpr - b.tpr || a.c - b.c || a.i - b.i);
  const x = rows.map((r) => r.fpr);
  return [x, [...x], ...curves.map((_, c) => rows.map((r) => (r.c === c ? r.tpr : null)))];
}

/** One curve's corners back out of the columns, in row order (what the chart draws for column 2 + c). */
export function curveOf(columns: RocColumns, c: number): { fpr: number; tpr: number }[] {
  const ys = columns[2 + c];
  return columns[0].flatMap((fpr, i) => (ys[i] === null ? [] : [{ fpr, tpr: ys[i]! }]));
}
