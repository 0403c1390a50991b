// src/eval/ood.ts against brute force: Gaussian fits and squared Mahalanobis distances against the textbook
// formulas with an explicit float64 inverse (Gauss–Jordan) on random correlated data, including a fit set with
// fewer vectors than dimensions; AUROC against a hand-computed example, against the Mann–Whitney count over all
// pairs (with ties) and against the area under its own ROC curve; the detectors on Gaussians with known answers
// (separable → AUROC ≈ 1, identical → ≈ 0.5, a shift along one direction → exposure beats the plain distance);
// and bad shapes named in errors.

import { describe, expect, it } from 'vitest';
import {
  auroc,
  cholesky,
  fitGaussian,
  fitSharedGaussians,
  mahalanobisScores,
  oodEvaluate,
  relativeScores,
  rocArea,
  rocCurve,
  squaredMahalanobis,
  thinRoc,
  RIDGE,
} from '../../src/eval/ood.ts';
import { randn, rng } from '../helpers/random.ts';

/**
 * n vectors x = A z + b + shift (z standard normal from `seed`), A and b random but fixed per dimension: correlated
 * features of unequal scale.
 */
function correlated(n: number, d: number, seed: number, shift: readonly number[] = []): Float64Array[] {
  const A = randn(d * d, 1000 + d);
  const b = randn(d, 2000 + d, 3);
  const z = randn(n * d, seed);
  return Array.from({ length: n }, (_, i) => {
    const x = new Float64Array(d);
    for (let r = 0; r < d; r++) {
      x[r] = b[r] + (shift[r] ?? 0);
      for (let c = 0; c < d; c++) x[r] += A[r * d + c] * z[i * d + c];
    }
    return x;
  });
}

/** Gaussian (mean 0 + shift, identity covariance) vectors. */
function normal(n: number, d: number, seed: number, shift: readonly number[] = []): Float64Array[] {
  const z = randn(n * d, seed);
  return Array.from({ length: n }, (_, i) =>
    Float64Array.from({ length: d }, (_, j) => z[i * d + j] + (shift[j] ?? 0)),
  );
}

/** Explicit inverse by Gauss–Jordan with partial pivoting (brute force; the code under test never inverts). */
function inverse(a: Float64Array, d: number): Float64Array {
  const m = Array.from({ length: d }, (_, i) => [
    ...Array.from(a.subarray(i * d, i * d + d)),
    ...Array.from({ length: d }, (_, j) => Number(i === j)),
  ]);
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const piv = m[c][c];
    for (let j = 0; j < 2 * d; j++) m[c][j] /= piv;
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * d; j++) m[r][j] -= f * m[c][j];
    }
  }
  return Float64Array.from(m.flatMap((row) => row.slice(d)));
}

/** The textbook fit: per-group means, pooled MLE covariance + λ·(tr/d)·I, its explicit inverse. */
function bruteFit(groups: Float64Array[][], ridge: number) {
  const d = groups[0][0].length;
  const means = groups.map((xs) =>
    Float64Array.from({ length: d }, (_, i) => xs.reduce((s, x) => s + x[i], 0) / xs.length),
  );
  const N = groups.reduce((s, xs) => s + xs.length, 0);
  const cov = new Float64Array(d * d);
  groups.forEach((xs, g) => {
    for (const x of xs)
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) cov[i * d + j] += ((x[i] - means[g][i]) * (x[j] - means[g][j])) / N;
  });
  let tr = 0;
  for (let i = 0; i < d; i++) tr += cov[i * d + i];
  for (let i = 0; i < d; i++) cov[i * d + i] += ridge * (tr > 0 ? tr / d : 1);
  return { means, cov, inv: inverse(cov, d) };
}

function bruteD2(mean: Float64Array, inv: Float64Array, x: ArrayLike<number>): number {
  const d = mean.length;
  let s = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += (x[i] - mean[i]) * inv[i * d + j] * (x[j] - mean[j]);
  return s;
}

/** Σ over (out, in) pairs of [s_out > s_in] + ½[s_out = s_in], divided by the number of pairs. */
function mannWhitney(inS: ArrayLike<number>, outS: ArrayLike<number>): number {
  let u = 0;
  for (let i = 0; i < outS.length; i++)
    for (let j = 0; j < inS.length; j++) u += outS[i] > inS[j] ? 1 : outS[i] === inS[j] ? 0.5 : 0;
  return u / (inS.length * outS.length);
}

describe('Gaussian fit and Mahalanobis distance', () => {
  it('match the explicit-inverse formula on random correlated data (n ≫ d and n < d)', () => {
    for (const [n, d, ridge, seed] of [
      [200, 7, RIDGE, 1],
      [60, 1, 0.01, 2],
      [6, 12, 0.05, 3],
      [65, 16, 1e-6, 4],
    ] as const) {
      const xs = correlated(n, d, seed);
      const g = fitGaussian(xs, { ridge });
      const ref = bruteFit([xs], ridge);
      for (let i = 0; i < d; i++) expect(g.mean[i]).toBeCloseTo(ref.means[0][i], 10);
      for (const x of [...xs.slice(0, 5), ...correlated(10, d, seed + 7, Array(d).fill(2))]) {
        const want = bruteD2(ref.means[0], ref.inv, x);
        expect(Math.abs(squaredMahalanobis(g, x) - want)).toBeLessThan(1e-7 * Math.max(1, want));
      }
    }
  });

  it('Cholesky reproduces the matrix, and a singular one without ridge is named', () => {
    const xs = correlated(50, 5, 9);
    const { cov } = bruteFit([xs], 0.01);
    const L = cholesky(cov, 5);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let k = 0; k < 5; k++) s += L[i * 5 + k] * L[j * 5 + k];
        expect(s).toBeCloseTo(cov[i * 5 + j], 10);
        if (j > i) expect(L[i * 5 + j]).toBe(0);
      }
    }
    expect(() => fitGaussian(correlated(3, 6, 1), { ridge: 0, what: 'fit set' })).toThrow(
      /fit set covariance is not positive definite.*ridge > 0/,
    );
  });

  it('shared covariance: own means, the pooled within-group scatter', () => {
    const a = correlated(80, 6, 11);
    const b = correlated(9, 6, 12, [4, 0, 0, -3, 0, 1]);
    const [ga, gb] = fitSharedGaussians([a, b], { ridge: 0.002 });
    const ref = bruteFit([a, b], 0.002);
    expect(ga.chol).toBe(gb.chol);
    for (const x of [...a.slice(0, 3), ...b.slice(0, 3)]) {
      expect(squaredMahalanobis(ga, x)).toBeCloseTo(bruteD2(ref.means[0], ref.inv, x), 7);
      expect(squaredMahalanobis(gb, x)).toBeCloseTo(bruteD2(ref.means[1], ref.inv, x), 7);
    }
    const rel = relativeScores(ga, gb, b);
    b.forEach((x, i) =>
      expect(rel[i]).toBeCloseTo(bruteD2(ref.means[0], ref.inv, x) - bruteD2(ref.means[1], ref.inv, x), 7),
    );
  });

  it("the relative ridge makes distances independent of the activations' scale; identical vectors fit", () => {
    const xs = correlated(30, 10, 5);
    const probe = correlated(5, 10, 6, Array(10).fill(1));
    const d1 = mahalanobisScores(fitGaussian(xs), probe);
    const d2 = mahalanobisScores(
      fitGaussian(xs.map((x) => x.map((v) => v * 1000))),
      probe.map((x) => x.map((v) => v * 1000)),
    );
    d1.forEach((v, i) => expect(d2[i]).toBeCloseTo(v, 6 - Math.ceil(Math.log10(v))));
    const same = fitGaussian(
      [
        [1, 2],
        [1, 2],
        [1, 2],
      ],
      { ridge: 0.5 },
    ); // Σ = 0 → Σ_reg = ½·I
    expect(same.ridge).toBe(0.5);
    expect(squaredMahalanobis(same, [2, 2])).toBeCloseTo(2, 12);
  });
});

describe('AUROC and the ROC curve', () => {
  it('a hand-computed example with a tie', () => {
    // in 1 2 3, out 2 4: out 2 beats 1, ties 2 (½), loses to 3; out 4 beats all: 4.5 / 6
    expect(auroc([1, 2, 3], [2, 4])).toBe(0.75);
    const roc = rocCurve([1, 2, 3], [2, 4]);
    expect(roc.map((p) => [p.threshold, p.fpr, p.tpr])).toEqual([
      [Infinity, 0, 0],
      [4, 0, 0.5],
      [3, 1 / 3, 0.5],
      [2, 2 / 3, 1],
      [1, 1, 1],
    ]);
    expect(rocArea(roc)).toBeCloseTo(0.75, 15);
    expect(auroc([5, 6], [1, 2])).toBe(0);
    expect(auroc([1, 2], [5, 6])).toBe(1);
    expect(auroc([3, 3], [3])).toBe(0.5);
  });

  it('equals the Mann–Whitney count over all pairs and the area under its curve, ties included', () => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const inS = Array.from({ length: 37 + seed }, () => Math.round(r() * 20)); // many ties
      const outS = Array.from({ length: 23 }, () => Math.round(r() * 20 + 4));
      const a = auroc(inS, outS);
      expect(a).toBeCloseTo(mannWhitney(inS, outS), 12);
      expect(rocArea(rocCurve(inS, outS))).toBeCloseTo(a, 12);
      const curve = rocCurve(inS, outS);
      expect(curve.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
      for (let i = 1; i < curve.length; i++) {
        expect(curve[i].threshold).toBeLessThan(curve[i - 1].threshold);
        expect(curve[i].fpr).toBeGreaterThanOrEqual(curve[i - 1].fpr);
        expect(curve[i].tpr).toBeGreaterThanOrEqual(curve[i - 1].tpr);
      }
      const thin = thinRoc(curve, 5);
      expect(thin).toHaveLength(5);
      expect(thin[0]).toEqual(curve[0]);
      expect(thin[4]).toEqual(curve.at(-1));
    }
  });
});

describe('oodEvaluate on Gaussians with known answers', () => {
  const d = 8;
  it('separable Gaussians: every detector near 1', () => {
    const shift = Array(d).fill(3);
    const r = oodEvaluate({
      fit: correlated(300, d, 1),
      evalIn: correlated(200, d, 2),
      evalOut: correlated(200, d, 3, shift),
      exposed: correlated(5, d, 4, shift),
    });
    expect(r.mahalanobis.auroc).toBeGreaterThan(0.99);
    expect(r.relative.auroc).toBeGreaterThan(0.95);
    expect(r.exposed!.auroc).toBeGreaterThan(0.99);
    expect(r.background).toEqual({ source: 'pooled', n: 300 + 200 + 200 + 5 });
  });

  it('identical distributions: every detector near 0.5 (|AUROC − ½| < 0.05 at 1500 per side)', () => {
    const r = oodEvaluate({
      fit: correlated(400, d, 1),
      evalIn: correlated(1500, d, 5),
      evalOut: correlated(1500, d, 6),
      exposed: correlated(10, d, 7),
    });
    for (const m of [r.mahalanobis, r.relative, r.exposed!]) expect(Math.abs(m.auroc - 0.5)).toBeLessThan(0.05);
  });

  it('a shift along one direction: exposing 10 outliers beats the plain distance; a given background is used', () => {
    const shift = [2]; // out = in + 2·e₁: d² grows by ~4 on average against a χ²₈ spread, a linear discriminant sees it clearly
    const fit = normal(400, d, 1);
    const evalIn = normal(1000, d, 2);
    const evalOut = normal(1000, d, 3, shift);
    const r = oodEvaluate({ fit, evalIn, evalOut, exposed: normal(10, d, 4, shift), background: normal(500, d, 8) });
    expect(r.mahalanobis.auroc).toBeGreaterThan(0.6);
    expect(r.mahalanobis.auroc).toBeLessThan(0.8);
    expect(r.exposed!.auroc).toBeGreaterThan(0.85); // Φ(2/√2) = 0.92 with the true means
    expect(r.exposed!.auroc).toBeGreaterThan(r.mahalanobis.auroc + 0.1);
    // the relative score is d²_in − d²_bg under the given background's own fit
    expect(r.background).toEqual({ source: 'given', n: 500 });
    const gIn = fitGaussian(fit);
    const gBg = fitGaussian(normal(500, d, 8));
    for (const i of [0, 1, 999])
      expect(r.relative.outScores[i]).toBeCloseTo(
        squaredMahalanobis(gIn, evalOut[i]) - squaredMahalanobis(gBg, evalOut[i]),
        9,
      );
  });
});

describe('bad input is named', () => {
  it('shapes, empty sets, non-finite values, NaN scores, a negative ridge', () => {
    expect(() =>
      fitGaussian(
        [
          [1, 2, 3],
          [1, 2, 3],
          [1, 2],
        ],
        { what: 'fit set' },
      ),
    ).toThrow('fit set: vector 2 has 2 values, vector 0 has 3');
    expect(() => fitGaussian([], { what: 'fit set' })).toThrow('fit set: no vectors');
    expect(() => fitGaussian([[]])).toThrow(/vector 0 is empty/);
    expect(() => fitGaussian([[1, NaN]], { what: 'fit set' })).toThrow(
      'fit set: vector 0 has a non-finite value NaN at 1',
    );
    expect(() => fitGaussian([[1, 2]], { ridge: -1 })).toThrow(/ridge must be a finite number ≥ 0, got -1/);
    expect(() => fitSharedGaussians([[[1, 2]], [[1, 2, 3]]], { what: ['fit set', 'exposed outliers'] })).toThrow(
      "exposed outliers: vectors have 3 values, fit set's have 2",
    );
    const g = fitGaussian(correlated(20, 4, 1));
    expect(() => squaredMahalanobis(g, [1, 2, 3])).toThrow(
      'squaredMahalanobis: the vector has 3 values, the Gaussian has dimension 4',
    );
    const fit = correlated(20, 4, 1);
    expect(() => oodEvaluate({ fit, evalIn: fit, evalOut: correlated(5, 3, 2) })).toThrow(
      "out-of-distribution evaluation set: vectors have 3 values, the fit set's have 4",
    );
    expect(() => oodEvaluate({ fit, evalIn: [], evalOut: fit })).toThrow('in-distribution evaluation set: no vectors');
    expect(() => oodEvaluate({ fit, evalIn: fit, evalOut: fit, background: [[1]] })).toThrow(
      "background set: vectors have 1 values, the fit set's have 4",
    );
    expect(() => oodEvaluate({ fit, evalIn: fit, evalOut: fit, exposed: [[1, 2]] })).toThrow(
      "exposed outliers: vectors have 2 values, the fit set's have 4",
    );
    expect(() => auroc([], [1])).toThrow('auroc: no in-distribution scores');
    expect(() => auroc([1], [])).toThrow('auroc: no out-of-distribution scores');
    expect(() => rocCurve([1, NaN], [1])).toThrow('rocCurve: in-distribution score 1 is NaN');
    expect(() => cholesky([1, 2, 3], 2)).toThrow('cholesky: matrix has 3 values, expected 2×2');
  });
});
