// What the Preference-model stage shows, computed apart from the elements (no DOM, no Lit) so that it is
// tested on its own: the step-through table's rows (margin, σ(margin), right or wrong) and the
// calibration chart's series (predicted σ(margin) against observed frequency, bin by bin).

import { sigmoid, type CalibrationBin } from '../eval/calibration.ts';
import type { PMInspectPair } from '../protocol.ts';

export interface StepRow extends PMInspectPair {
  /** r_chosen − r_rejected. */
  margin: number;
  /** σ(margin): the model's probability that the chosen response is the preferred one. */
  probability: number;
  /** right: margin > 0; wrong: margin < 0; tie: margin = 0 (counted ½, as the loss kernel's accuracy does). */
  verdict: 'right' | 'wrong' | 'tie';
}

export function stepRows(pairs: readonly PMInspectPair[]): StepRow[] {
  return pairs.map((p) => {
    const margin = p.rChosen - p.rRejected;
    return { ...p, margin, probability: sigmoid(margin), verdict: margin > 0 ? 'right' : margin < 0 ? 'wrong' : 'tie' };
  });
}

/**
 * The batch's accuracy (a tie counts ½) and mean loss, as the trainer's `train/accuracy` and `train/loss` report them.
 */
export function stepSummary(rows: readonly StepRow[]): { accuracy: number; loss: number } {
  if (!rows.length) return { accuracy: 0, loss: 0 };
  const right = rows.reduce((s, r) => s + (r.verdict === 'right' ? 1 : r.verdict === 'tie' ? 0.5 : 0), 0);
  return { accuracy: right / rows.length, loss: rows.reduce((s, r) => s + r.loss, 0) / rows.length };
}

/**
 * The calibration chart's columns (uPlot's aligned data): x = each non-empty bin's mean prediction, in
 * increasing order, framed by 0 and 1; `observed` the bin's observed frequency (null at the frame points);
 * `ideal` = x, the diagonal of a perfectly calibrated model. Empty bins are left out (calibration.ts gives
 * them placeholder values that are not measurements).
 */
export function calibrationSeries(bins: readonly CalibrationBin[]): {
  x: number[];
  observed: (number | null)[];
  ideal: number[];
  counts: number[];
} {
  const filled = bins.filter((b) => b.count > 0).sort((a, b) => a.predicted - b.predicted);
  const x = [0, ...filled.map((b) => b.predicted), 1];
  return {
    x,
    observed: [null, ...filled.map((b) => b.observed), null],
    ideal: x,
    counts: [0, ...filled.map((b) => b.count), 0],
  };
}
