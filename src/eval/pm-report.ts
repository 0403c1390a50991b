// What a preference model's evaluation reports on a set of comparisons, from its score margins
// m = r_chosen − r_rejected (one per pair, in order):
//   accuracy (a tie counts ½) with its 95% Wilson interval, n, loss = mean −log σ(m), mean margin,
//   calibration (10 bins of σ(m) against the observed frequency, both orderings of each pair) and
//   its ECE, and the length baselines on the same pairs (longer wins, shorter wins, subset-aware),
//   the rules a PM must beat to have learned more than length.
// Names follow the report format; they are also what the notebook's charts read.

import { calibration, type CalibrationBin } from './calibration.ts';
import { lengthBaselines } from './length-baseline.ts';
import { accuracyFromMargins } from './stats.ts';

export interface PMEvalReport {
  n: number;
  accuracy: number;
  accuracy_interval: [number, number];
  loss: number;
  mean_margin: number;
  ece: number;
  calibration: CalibrationBin[];
  length_baseline_accuracy: { longer: number; shorter: number; subset_aware: number };
}

/** −log σ(m), stable for any m. */
function negLogSigmoid(m: number): number {
  return Math.max(-m, 0) + Math.log1p(Math.exp(-Math.abs(m)));
}

export function pmEvalReport(
  margins: readonly number[],
  comparisons: readonly { chosen: string; rejected: string; subset?: string }[],
): PMEvalReport {
  if (margins.length !== comparisons.length)
    throw new Error(`pmEvalReport: ${margins.length} margins for ${comparisons.length} comparisons`);
  if (margins.some((m) => !Number.isFinite(m)))
    throw new Error('pmEvalReport: a margin is not finite (the model diverged?)');
  const n = margins.length;
  const acc = accuracyFromMargins(margins);
  const cal = calibration(margins);
  const len = lengthBaselines(comparisons);
  return {
    n,
    accuracy: acc.accuracy,
    accuracy_interval: [acc.lo, acc.hi],
    loss: n ? margins.reduce((s, m) => s + negLogSigmoid(m), 0) / n : 0,
    mean_margin: n ? margins.reduce((s, m) => s + m, 0) / n : 0,
    ece: cal.ece,
    calibration: cal.bins,
    length_baseline_accuracy: { longer: len.longer, shorter: len.shorter, subset_aware: len.subsetAware },
  };
}

/** Reports per group (e.g. per file or per subset) and over all pairs. */
export function pmEvalReports<K extends string>(
  margins: readonly number[],
  comparisons: readonly { chosen: string; rejected: string; subset?: string }[],
  groupOf: (i: number) => K,
): { groups: Record<K, PMEvalReport>; all: PMEvalReport } {
  const byGroup = new Map<K, number[]>();
  comparisons.forEach((_, i) => {
    const k = groupOf(i);
    if (!byGroup.has(k)) byGroup.set(k, []);
    byGroup.get(k)!.push(i);
  });
  const groups = {} as Record<K, PMEvalReport>;
  for (const [k, idx] of byGroup)
    groups[k] = pmEvalReport(
      idx.map((i) => margins[i]),
      idx.map((i) => comparisons[i]),
    );
  return { groups, all: pmEvalReport(margins, comparisons) };
}
