// Elo scores (Bai et al. 2022): a PM score difference Δr means P(A ≻ B) = σ(Δr), and Elo means
// P(A beats B) = 1 / (1 + 10^(−ΔElo/400)); equating the two gives ΔElo = (400 / ln 10) · Δr ≈ 173.7 · Δr.
//
// bradleyTerry fits Elo ratings to win counts by maximum likelihood under that model (Bradley–Terry), by Newton's
// method on the natural-log strengths θ (Elo = 400/ln 10 · θ) with a backtracking line search. Deviation: every
// player also plays `prior` virtual games (default 0.1) against a virtual opponent rated 0, winning half of them.
// This tiny prior keeps a player who won (or lost) every game finite and makes the problem strictly concave; it
// pulls ratings toward each other by a negligible amount once players have tens of games. prior = 0 gives the
// plain maximum-likelihood fit, which exists only if the win graph is strongly connected (else it throws).
// Ratings are returned shifted to mean 0. The paper gives no fitting procedure; this is the standard one.
//
// bootstrapElo resamples individual games (with replacement, seeded mulberry32 from util/random.ts) and refits,
// giving 95% percentile intervals.

import { rng } from '../util/random.ts';
import { quantileSorted } from './stats.ts';
import { sigmoid } from './calibration.ts';

/** 400 / ln 10: Elo points per unit of natural-log odds. */
export const ELO_PER_NAT = 400 / Math.LN10;

/** The Elo difference that a PM score difference dr stands for: (400 / ln 10) · dr. */
export function eloFromReward(dr: number): number {
  return ELO_PER_NAT * dr;
}

/** The PM score difference that an Elo difference stands for (the inverse of eloFromReward). */
export function rewardFromElo(dElo: number): number {
  return dElo / ELO_PER_NAT;
}

/** P(A beats B) for ΔElo = Elo_A − Elo_B: 1 / (1 + 10^(−ΔElo/400)) = σ(ΔElo · ln 10 / 400). */
export function winProbabilityFromElo(dElo: number): number {
  return sigmoid(dElo / ELO_PER_NAT);
}

export interface Match {
  /** Player indices in [0, n). */
  a: number;
  b: number;
  /** Games a won against b (may be fractional: a draw is half a win). */
  winsA: number;
  games: number;
}

export interface BradleyTerryOptions {
  /** Virtual games per player against a virtual opponent rated 0, half of them won (default 0.1). */
  prior?: number;
  /** Newton iterations before giving up (default 100). */
  maxIterations?: number;
}

function checkMatches(n: number, matches: readonly Match[]): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bradleyTerry: n must be a positive integer, got ${n}`);
  for (const m of matches) {
    const ok =
      Number.isInteger(m.a) && Number.isInteger(m.b) && m.a >= 0 && m.b >= 0 && m.a < n && m.b < n && m.a !== m.b;
    if (!ok) throw new RangeError(`bradleyTerry: bad players ${m.a}, ${m.b} for n = ${n}`);
    if (!(m.games >= 0 && m.winsA >= 0 && m.winsA <= m.games))
      throw new RangeError(`bradleyTerry: bad counts ${m.winsA}/${m.games}`);
  }
}

/** Maximum-likelihood (with the tiny prior, see header) Elo ratings, mean 0. */
export function bradleyTerry(
  n: number,
  matches: readonly Match[],
  opts: BradleyTerryOptions = {},
): { ratings: number[] } {
  checkMatches(n, matches);
  const prior = opts.prior ?? 0.1;
  const maxIterations = opts.maxIterations ?? 100;
  if (!(prior >= 0)) throw new RangeError(`bradleyTerry: prior must be ≥ 0, got ${prior}`);

  // log-likelihood, its gradient g and the negated Hessian h (positive semidefinite) at θ
  const logLik = (theta: Float64Array): number => {
    let ll = 0;
    for (const m of matches) {
      const d = theta[m.a] - theta[m.b];
      ll -= m.winsA * softplus(-d) + (m.games - m.winsA) * softplus(d);
    }
    for (let i = 0; i < n; i++) ll -= (prior / 2) * (softplus(-theta[i]) + softplus(theta[i]));
    return ll;
  };
  const theta = new Float64Array(n);
  const g = new Float64Array(n);
  const h = new Float64Array(n * n);
  let ll = logLik(theta);
  for (let iter = 0; ; iter++) {
    if (iter === maxIterations)
      throw new Error(
        `bradleyTerry: no convergence in ${maxIterations} iterations${prior === 0 ? ' (with prior 0 a player who won or lost every game has no finite rating)' : ''}`,
      );
    // 1. gradient and negated Hessian
    g.fill(0);
    h.fill(0);
    for (const m of matches) {
      const p = sigmoid(theta[m.a] - theta[m.b]);
      const r = m.winsA - m.games * p;
      const w = m.games * p * (1 - p);
      g[m.a] += r;
      g[m.b] -= r;
      h[m.a * n + m.a] += w;
      h[m.b * n + m.b] += w;
      h[m.a * n + m.b] -= w;
      h[m.b * n + m.a] -= w;
    }
    for (let i = 0; i < n; i++) {
      const p = sigmoid(theta[i]);
      g[i] += prior * (0.5 - p);
      h[i * n + i] += prior * p * (1 - p);
    }
    // 2. without a prior the ratings are defined up to a shift: fix it by adding 11ᵀ/n (the step then has sum 0)
    if (prior === 0) for (let k = 0; k < n * n; k++) h[k] += 1 / n;
    // 3. Newton step h·Δ = g, halved until the likelihood does not drop
    const step = choleskySolve(h, g, n);
    if (!step)
      throw new Error(
        'bradleyTerry: no finite ratings (players not connected by games, or one won or lost every game); use prior > 0',
      );
    let t = 1;
    let next = theta.map((x, i) => x + step[i]);
    let nextLl = logLik(next);
    while (nextLl < ll && t > 1e-10) {
      t /= 2;
      next = theta.map((x, i) => x + t * step[i]);
      nextLl = logLik(next);
    }
    let maxStep = 0;
    for (let i = 0; i < n; i++) maxStep = Math.max(maxStep, Math.abs(next[i] - theta[i]));
    theta.set(next);
    ll = nextLl;
    if (maxStep < 1e-10) break;
  }
  let meanTheta = 0;
  for (let i = 0; i < n; i++) meanTheta += theta[i] / n;
  return { ratings: Array.from(theta, (x) => ELO_PER_NAT * (x - meanTheta)) };
}

export interface BootstrapOptions extends BradleyTerryOptions {
  /** Resampled fits (e.g. 200). */
  samples: number;
  seed: number;
}

/** Bradley–Terry Elo with 95% percentile intervals from resampling individual games (integer counts only). */
export function bootstrapElo(
  n: number,
  matches: readonly Match[],
  opts: BootstrapOptions,
): { ratings: number[]; lo: number[]; hi: number[] } {
  checkMatches(n, matches);
  if (!Number.isInteger(opts.samples) || opts.samples < 1)
    throw new RangeError(`bootstrapElo: samples must be a positive integer, got ${opts.samples}`);
  const { ratings } = bradleyTerry(n, matches, opts);
  // every game is one of 2·matches.length cells: (match k, a won) or (match k, b won); cumulative counts locate a draw
  const cells: number[] = [];
  for (const m of matches) {
    if (!Number.isInteger(m.winsA) || !Number.isInteger(m.games))
      throw new RangeError('bootstrapElo: win and game counts must be integers');
    cells.push(m.winsA, m.games - m.winsA);
  }
  const cumulative = new Float64Array(cells.length);
  let total = 0;
  cells.forEach((c, i) => (cumulative[i] = total += c));
  const random = rng(opts.seed);
  const draws: number[][] = Array.from({ length: n }, () => []);
  const counts = new Float64Array(cells.length);
  for (let s = 0; s < opts.samples; s++) {
    counts.fill(0);
    for (let game = 0; game < total; game++) {
      const u = random() * total;
      let lo = 0;
      let hi = cells.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      counts[lo]++;
    }
    const resampled = matches.map((m, k) => ({
      a: m.a,
      b: m.b,
      winsA: counts[2 * k],
      games: counts[2 * k] + counts[2 * k + 1],
    }));
    bradleyTerry(n, resampled, opts).ratings.forEach((r, i) => draws[i].push(r));
  }
  const lo: number[] = [];
  const hi: number[] = [];
  for (const d of draws) {
    d.sort((x, y) => x - y);
    lo.push(quantileSorted(d, 0.025));
    hi.push(quantileSorted(d, 0.975));
  }
  return { ratings, lo, hi };
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Solves the symmetric positive definite system A·x = b (A n×n, row-major); null if A is not positive definite. */
function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 1e-12 * a[i * n + i])) return null;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}
