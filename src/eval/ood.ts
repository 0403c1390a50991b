// Out-of-distribution detection from a model's activations (Bai et al. 2022, §5.4): fit a Gaussian to the
// activations of in-distribution prompts, flag a new prompt by its Mahalanobis distance from that fit, and
// measure how well the distance separates in-distribution from out-of-distribution prompts by AUROC.
// Pure float64 arithmetic on plain vectors; nothing here touches the GPU (src/models/activations.ts makes
// the vectors, src/eval/ood-run.ts wires the two together for `rlhf ood` and the notebook's OOD panel).
//
// What is computed, exactly:
// - Gaussian fit (fitGaussian): mean μ and covariance Σ = (1/n) Σᵢ (xᵢ − μ)(xᵢ − μ)ᵀ (maximum likelihood),
//   plus a ridge: Σ_reg = Σ + λ·(tr Σ / d)·I, λ = `ridge` (default RIDGE = 1e-3). Activations have far more
//   dimensions than some fit sets have prompts, and many directions carry (almost) no variance, so Σ alone
//   is singular or nearly so; the ridge, relative to the mean variance, makes Σ_reg positive definite and
//   the result independent of the activations' overall scale. (When every vector is the same, tr Σ = 0
//   and the ridge is λ·I.)
// - Shared covariance (fitSharedGaussians): several groups with their own means and ONE covariance, the
//   pooled within-group scatter (1/N) Σ_g Σ_{i∈g} (xᵢ − μ_g)(xᵢ − μ_g)ᵀ with the same ridge (as in linear
//   discriminant analysis, and as Lee et al. 2018 / Fort et al. 2021 fit class-conditional Gaussians).
// - Distance: the SQUARED Mahalanobis distance d²(x) = (x − μ)ᵀ Σ_reg⁻¹ (x − μ), from the Cholesky factor
//   Σ_reg = L Lᵀ by one forward substitution L y = x − μ, d² = |y|² (no inverse is ever formed). Squared
//   as in Ren et al. 2021; AUROC of d alone is the same either way, differences of distances are not.
// - Relative Mahalanobis distance (Ren et al. 2021, the paper's "relative" variant): d²_in(x) − d²_bg(x),
//   where bg is a Gaussian fit to generic, background data. Which data is the caller's choice (`background`
//   in oodEvaluate); by default every vector at hand pooled: the fit set, the evaluation sets and any
//   exposed outliers. That uses the evaluation prompts without their labels (transductively); the paper
//   fits the background to generic pretraining-like data, which `rlhf ood --background FILE` provides.
// - Outlier exposure (the paper: AUROC rises further when a few OOD examples are shown): the k exposed
//   outliers get their own mean, sharing the covariance pooled with the in-distribution fit (k is far
//   below the dimension, so they could not support a covariance of their own); the score is
//   d²_in(x) − d²_out(x), a linear discriminant between the two Gaussians.
// - AUROC: the probability that an out-of-distribution prompt scores above an in-distribution one, ties
//   counted ½ (the Mann–Whitney U statistic divided by n_in·n_out), computed from mid-ranks in
//   O(n log n); `rocCurve` gives the curve's corners, one per distinct threshold, whose trapezoid area is
//   the same number.

/** A vector of activations (any array of numbers). */
export type Vec = ArrayLike<number>;

/** The default relative ridge λ: Σ_reg = Σ + λ·(tr Σ / d)·I. */
export const RIDGE = 1e-3;

export interface Gaussian {
  /** Dimension d. */
  dim: number;
  /** Vectors the mean was fitted to. */
  n: number;
  mean: Float64Array;
  /**
   * Lower Cholesky factor L of the regularised covariance Σ_reg = L Lᵀ, row-major d×d (shared between groups fitted
   * together).
   */
  chol: Float64Array;
  /** The value λ·(tr Σ / d) added to the covariance's diagonal. */
  ridge: number;
}

/** The Gaussian (mean, covariance + ridge) of a set of vectors; `what` names the set in errors. */
export function fitGaussian(xs: readonly Vec[], opts: { ridge?: number; what?: string } = {}): Gaussian {
  return fitSharedGaussians([xs], { ridge: opts.ridge, what: [opts.what ?? 'fitGaussian'] })[0];
}

/**
 * One Gaussian per group: each group's own mean, and one covariance shared by all, pooled from the
 * within-group scatter (plus the ridge). `what` names the groups in errors.
 */
export function fitSharedGaussians(
  groups: readonly (readonly Vec[])[],
  opts: { ridge?: number; what?: readonly string[] } = {},
): Gaussian[] {
  const ridge = opts.ridge ?? RIDGE;
  const name = (g: number) => opts.what?.[g] ?? `group ${g}`;
  if (!(ridge >= 0) || !Number.isFinite(ridge))
    throw new RangeError(`fitSharedGaussians: ridge must be a finite number ≥ 0, got ${ridge}`);
  if (!groups.length) throw new RangeError('fitSharedGaussians: no groups to fit');
  const d = checkVectors(groups[0], name(0)).dim;
  groups.forEach((xs, g) => {
    const got = checkVectors(xs, name(g)).dim;
    if (got !== d) throw new RangeError(`${name(g)}: vectors have ${got} values, ${name(0)}'s have ${d}`);
  });
  // 1. means, 2. pooled scatter (upper triangle, mirrored), centred first for accuracy
  const means = groups.map((xs) => {
    const m = new Float64Array(d);
    for (const x of xs) for (let i = 0; i < d; i++) m[i] += x[i];
    return m.map((v) => v / xs.length);
  });
  const N = groups.reduce((s, xs) => s + xs.length, 0);
  const cov = new Float64Array(d * d);
  const z = new Float64Array(d);
  groups.forEach((xs, g) => {
    for (const x of xs) {
      for (let i = 0; i < d; i++) z[i] = x[i] - means[g][i];
      for (let i = 0; i < d; i++) {
        const zi = z[i];
        for (let j = i; j < d; j++) cov[i * d + j] += zi * z[j];
      }
    }
  });
  let trace = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) cov[j * d + i] = cov[i * d + j] /= N;
    trace += cov[i * d + i];
  }
  // 3. ridge relative to the mean variance; 4. Cholesky
  const added = ridge * (trace > 0 ? trace / d : 1);
  for (let i = 0; i < d; i++) cov[i * d + i] += added;
  const chol = cholesky(cov, d, `${groups.map((_, g) => name(g)).join(' + ')} covariance`);
  return groups.map((xs, g) => ({ dim: d, n: xs.length, mean: means[g], chol, ridge: added }));
}

/** Lower-triangular L with a = L Lᵀ (a symmetric positive definite, row-major d×d); `what` names it in errors. */
export function cholesky(a: ArrayLike<number>, d: number, what = 'matrix'): Float64Array {
  if (a.length !== d * d) throw new RangeError(`cholesky: ${what} has ${a.length} values, expected ${d}×${d}`);
  const L = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j];
    for (let k = 0; k < j; k++) s -= L[j * d + k] * L[j * d + k];
    if (!(s > 0))
      throw new RangeError(`cholesky: ${what} is not positive definite (pivot ${j} is ${s}); use a ridge > 0`);
    const ljj = Math.sqrt(s);
    L[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j];
      for (let k = 0; k < j; k++) t -= L[i * d + k] * L[j * d + k];
      L[i * d + j] = t / ljj;
    }
  }
  return L;
}

/** Squared Mahalanobis distance (x − μ)ᵀ Σ_reg⁻¹ (x − μ), by forward substitution with the Cholesky factor. */
export function squaredMahalanobis(g: Gaussian, x: Vec): number {
  const d = g.dim;
  if (x.length !== d)
    throw new RangeError(`squaredMahalanobis: the vector has ${x.length} values, the Gaussian has dimension ${d}`);
  const y = new Float64Array(d);
  let sum = 0;
  for (let i = 0; i < d; i++) {
    let t = x[i] - g.mean[i];
    for (let k = 0; k < i; k++) t -= g.chol[i * d + k] * y[k];
    y[i] = t / g.chol[i * d + i];
    sum += y[i] * y[i];
  }
  return sum;
}

/** d²(x) of every vector. */
export function mahalanobisScores(g: Gaussian, xs: readonly Vec[]): Float64Array {
  return Float64Array.from(xs, (x) => squaredMahalanobis(g, x));
}

/**
 * d²_a(x) − d²_b(x) of every vector: relative Mahalanobis (b = background) or outlier exposure (b = the outliers'
 * Gaussian).
 */
export function relativeScores(a: Gaussian, b: Gaussian, xs: readonly Vec[]): Float64Array {
  return Float64Array.from(xs, (x) => squaredMahalanobis(a, x) - squaredMahalanobis(b, x));
}

/**
 * AUROC for scores where higher means "more out-of-distribution": P(s_out > s_in) + ½ P(s_out = s_in),
 * from mid-ranks (Mann–Whitney U / (n_in · n_out)).
 */
export function auroc(inScores: Vec, outScores: Vec): number {
  checkScores(inScores, outScores, 'auroc');
  const all = [
    ...Array.from(inScores, (s) => ({ s, out: false })),
    ...Array.from(outScores, (s) => ({ s, out: true })),
  ].sort((a, b) => ascending(a.s, b.s));
  let rankSumOut = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) j++;
    const midRank = (i + 1 + j) / 2; // ranks i+1 … j share their mean
    for (let k = i; k < j; k++) if (all[k].out) rankSumOut += midRank;
    i = j;
  }
  const nIn = inScores.length;
  const nOut = outScores.length;
  return (rankSumOut - (nOut * (nOut + 1)) / 2) / (nIn * nOut);
}

export interface RocPoint {
  /** Flag a prompt as out-of-distribution when its score is ≥ threshold (+Infinity: flag none). */
  threshold: number;
  /** False positive rate: in-distribution prompts flagged. */
  fpr: number;
  /** True positive rate: out-of-distribution prompts flagged. */
  tpr: number;
}

/** The ROC curve's corners, from (0, 0) at threshold +∞ to (1, 1), one per distinct score (descending). */
export function rocCurve(inScores: Vec, outScores: Vec): RocPoint[] {
  checkScores(inScores, outScores, 'rocCurve');
  const all = [
    ...Array.from(inScores, (s) => ({ s, out: false })),
    ...Array.from(outScores, (s) => ({ s, out: true })),
  ].sort((a, b) => ascending(b.s, a.s));
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let fp = 0;
  let tp = 0;
  for (let i = 0; i < all.length; ) {
    const t = all[i].s;
    for (; i < all.length && all[i].s === t; i++) {
      if (all[i].out) tp++;
      else fp++;
    }
    points.push({ threshold: t, fpr: fp / inScores.length, tpr: tp / outScores.length });
  }
  return points;
}

/** Area under a curve of ROC points by the trapezoid rule (equals `auroc` for `rocCurve`'s points). */
export function rocArea(points: readonly RocPoint[]): number {
  let a = 0;
  for (let i = 1; i < points.length; i++)
    a += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  return a;
}

/** At most `n` points of a ROC curve, evenly spaced along it, keeping the first and last (for reports). */
export function thinRoc(points: readonly RocPoint[], n: number): RocPoint[] {
  if (points.length <= n) return [...points];
  const keep = new Set(Array.from({ length: n }, (_, i) => Math.round((i * (points.length - 1)) / (n - 1))));
  return points.filter((_, i) => keep.has(i));
}

export interface OodInputs {
  /** In-distribution vectors the Gaussian is fitted to. */
  fit: readonly Vec[];
  /** Held-out in-distribution vectors (negatives) and out-of-distribution vectors (positives). */
  evalIn: readonly Vec[];
  evalOut: readonly Vec[];
  /** Generic data for the relative distance; default: fit + evalIn + evalOut + exposed pooled. */
  background?: readonly Vec[];
  /** A few known out-of-distribution vectors (not among evalOut) for outlier exposure. */
  exposed?: readonly Vec[];
  /** Relative ridge λ (default RIDGE). */
  ridge?: number;
}

export interface OodMethodResult {
  auroc: number;
  roc: RocPoint[];
  /** Scores of evalIn and evalOut, in order (higher = more out-of-distribution). */
  inScores: Float64Array;
  outScores: Float64Array;
}

export interface OodResult {
  /** Squared Mahalanobis distance from the in-distribution fit. */
  mahalanobis: OodMethodResult;
  /** d²_in − d²_background. */
  relative: OodMethodResult;
  /** d²_in − d²_exposed, with the covariance shared; present when exposed outliers were given. */
  exposed?: OodMethodResult;
  background: { source: 'given' | 'pooled'; n: number };
  /** The ridge added to the in-distribution covariance's diagonal. */
  ridge: number;
}

/** Fits, scores and AUROC of the three detectors (definitions in the header). */
export function oodEvaluate(x: OodInputs): OodResult {
  const opts = { ridge: x.ridge };
  const gIn = fitGaussian(x.fit, { ...opts, what: 'fit set' });
  const check = (xs: readonly Vec[], what: string) => {
    const got = checkVectors(xs, what).dim;
    if (got !== gIn.dim) throw new RangeError(`${what}: vectors have ${got} values, the fit set's have ${gIn.dim}`);
  };
  check(x.evalIn, 'in-distribution evaluation set');
  check(x.evalOut, 'out-of-distribution evaluation set');
  if (x.background) check(x.background, 'background set');
  if (x.exposed) check(x.exposed, 'exposed outliers');
  const method = (score: (xs: readonly Vec[]) => Float64Array): OodMethodResult => {
    const inScores = score(x.evalIn);
    const outScores = score(x.evalOut);
    return { auroc: auroc(inScores, outScores), roc: rocCurve(inScores, outScores), inScores, outScores };
  };
  const background = x.background ?? [...x.fit, ...x.evalIn, ...x.evalOut, ...(x.exposed ?? [])];
  const gBg = fitGaussian(background, { ...opts, what: 'background set' });
  const result: OodResult = {
    mahalanobis: method((xs) => mahalanobisScores(gIn, xs)),
    relative: method((xs) => relativeScores(gIn, gBg, xs)),
    background: { source: x.background ? 'given' : 'pooled', n: background.length },
    ridge: gIn.ridge,
  };
  if (x.exposed) {
    const [a, b] = fitSharedGaussians([x.fit, x.exposed], { ...opts, what: ['fit set', 'exposed outliers'] });
    result.exposed = method((xs) => relativeScores(a, b, xs));
  }
  return result;
}

/** A comparator that also orders ±Infinity (a − b would be NaN for two equal infinities). */
function ascending(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkVectors(xs: readonly Vec[], what: string): { dim: number } {
  if (!xs.length) throw new RangeError(`${what}: no vectors`);
  const d = xs[0].length;
  if (d < 1) throw new RangeError(`${what}: vector 0 is empty`);
  xs.forEach((x, i) => {
    if (x.length !== d) throw new RangeError(`${what}: vector ${i} has ${x.length} values, vector 0 has ${d}`);
    for (let j = 0; j < d; j++)
      if (!Number.isFinite(x[j])) throw new RangeError(`${what}: vector ${i} has a non-finite value ${x[j]} at ${j}`);
  });
  return { dim: d };
}

function checkScores(inScores: Vec, outScores: Vec, fn: string): void {
  if (!inScores.length) throw new RangeError(`${fn}: no in-distribution scores`);
  if (!outScores.length) throw new RangeError(`${fn}: no out-of-distribution scores`);
  for (const [xs, what] of [
    [inScores, 'in-distribution'],
    [outScores, 'out-of-distribution'],
  ] as const) {
    for (let i = 0; i < xs.length; i++)
      if (Number.isNaN(xs[i])) throw new RangeError(`${fn}: ${what} score ${i} is NaN`);
  }
}
