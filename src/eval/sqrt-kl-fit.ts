// The reward-vs-√KL curve of Bai et al. 2022 (§4.1, Figure 4): over an RLHF run, the preference-model score
// grows roughly linearly in √D_KL(π ‖ π0). This fits that line by ordinary least squares over the run's
// iterations, score = slope·√KL + intercept, and reports R² = 1 − SS_res/SS_tot.
// Degenerate cases: fewer than two points or all √KL equal → slope, intercept and R² are NaN (null in
// JSON); all scores equal with spread √KL → slope 0 and R² = 1 (the line fits exactly). Negative KL
// estimates (the k1 estimator can dip below zero early in a run) count as √0.

export interface LineFit {
  slope: number;
  intercept: number;
  r2: number;
  /** Points fitted. */
  n: number;
}

/** Least-squares line y = slope·x + intercept with its R². */
export function fitLine(x: readonly number[], y: readonly number[]): LineFit {
  if (x.length !== y.length) throw new Error(`fitLine: ${x.length} x values but ${y.length} y values`);
  const n = x.length;
  if (n < 2) return { slope: NaN, intercept: NaN, r2: NaN, n };
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  if (sxx === 0) return { slope: NaN, intercept: NaN, r2: NaN, n };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssRes = 0;
  for (let i = 0; i < n; i++) ssRes += (y[i] - (slope * x[i] + intercept)) ** 2;
  return { slope, intercept, r2: syy === 0 ? 1 : 1 - ssRes / syy, n };
}

/** The line of score against √max(0, KL) over iterations. */
export function sqrtKlFit(kl: readonly number[], score: readonly number[]): LineFit {
  return fitLine(
    kl.map((k) => Math.sqrt(Math.max(0, k))),
    score,
  );
}
