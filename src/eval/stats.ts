// Small float64 statistics for evaluation reports: means, standard errors, quantiles, and the Wilson score interval
// for an accuracy (a proportion), which unlike the normal approximation stays inside [0, 1] and behaves at 0/n and n/n.
// Nothing here is from the paper, which reports accuracies without intervals; the intervals are this project's.

/** Arithmetic mean; 0 for no values. */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Sample variance (n − 1 in the denominator); 0 for fewer than two values. */
export function variance(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) s += (xs[i] - m) ** 2;
  return s / (n - 1);
}

/** Standard error of the mean, √(variance / n); 0 for fewer than two values. */
export function standardError(xs: ArrayLike<number>): number {
  return xs.length < 2 ? 0 : Math.sqrt(variance(xs) / xs.length);
}

/** The q-quantile (0 ≤ q ≤ 1) of ascending-sorted values, interpolating linearly between order statistics. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of no values');
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < n ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/** Wilson score interval for a proportion successes/n at z standard errors (1.96: 95%); [0, 1] when n = 0. */
export function wilsonInterval(successes: number, n: number, z = 1.96): { lo: number; hi: number } {
  if (!(n > 0)) return { lo: 0, hi: 1 };
  if (successes < 0 || successes > n) throw new RangeError(`successes ${successes} outside [0, ${n}]`);
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

export interface Accuracy {
  /** Fraction correct. */
  accuracy: number;
  n: number;
  /** 95% Wilson interval (or at the z given). */
  lo: number;
  hi: number;
}

/** Accuracy of per-item outcomes (true/1 right, false/0 wrong, 0.5 a tie) with its Wilson interval. */
export function accuracyWithInterval(correct: ArrayLike<boolean | number>, z = 1.96): Accuracy {
  let s = 0;
  for (let i = 0; i < correct.length; i++) s += Number(correct[i]);
  const n = correct.length;
  return { accuracy: n ? s / n : 0, n, ...wilsonInterval(s, n, z) };
}

/** Preference accuracy from score margins r_chosen − r_rejected: a positive margin is right, a zero one counts ½. */
export function accuracyFromMargins(margins: ArrayLike<number>, z = 1.96): Accuracy {
  const correct = new Float64Array(margins.length);
  for (let i = 0; i < margins.length; i++) correct[i] = margins[i] > 0 ? 1 : margins[i] === 0 ? 0.5 : 0;
  return accuracyWithInterval(correct, z);
}
