import { describe, expect, it } from 'vitest';
import {
  pcgHash,
  sampleRef,
  sampleUniformRef,
  samplingDistributionRef,
  samplingLogProbsRef,
  topKThresholdRef,
} from '../../src/kernels/sample.ref.ts';
import { randn } from '../helpers/random.ts';

const sum = (p: ArrayLike<number>) => Array.from(p).reduce((a, b) => a + b, 0);

describe('sample reference', () => {
  for (const V of [1, 7, 65, 513]) {
    it(`normalises and matches softmax(x/τ) at V=${V}`, () => {
      const x = randn(V, V);
      for (const tau of [0.5, 1, 3]) {
        const p = samplingDistributionRef(x, tau, 0);
        expect(sum(p)).toBeCloseTo(1, 12);
        const z = sum(Array.from(x, (xi) => Math.exp(xi / tau)));
        for (let i = 0; i < V; i++) expect(p[i]).toBeCloseTo(Math.exp(x[i] / tau) / z, 12);
      }
    });
  }

  it('top-k keeps exactly the k largest (distinct logits) and renormalises', () => {
    const x = randn(65, 1);
    const order = [...x.keys()].sort((a, b) => x[b] - x[a]);
    for (const k of [1, 2, 7, 64]) {
      const p = samplingDistributionRef(x, 1, k);
      expect(sum(p)).toBeCloseTo(1, 12);
      const kept = new Set(order.slice(0, k));
      for (let i = 0; i < 65; i++) expect(p[i] > 0).toBe(kept.has(i));
      // kept tokens keep their relative odds
      expect(p[order[0]] / p[order[k - 1]]).toBeCloseTo(Math.exp(x[order[0]] - x[order[k - 1]]), 9);
    }
    expect(samplingDistributionRef(x, 1, 65)).toEqual(samplingDistributionRef(x, 1, 0));
  });

  it('ties at the top-k threshold are all admitted', () => {
    const x = [1, 3, 2, 2, 0, 2];
    expect(topKThresholdRef(x, 2)).toBe(2);
    const p = samplingDistributionRef(x, 1, 2);
    expect(Array.from(p, (q) => q > 0)).toEqual([false, true, true, true, false, true]);
  });

  it('temperature 0 is one-hot at the argmax, lowest index on ties', () => {
    expect(Array.from(samplingDistributionRef([1, 5, 5, 2], 0, 0))).toEqual([0, 1, 0, 0]);
    expect(Array.from(samplingDistributionRef([-1e4, -1e4], 0, 1))).toEqual([1, 0]);
  });

  it('extreme logits give a finite distribution and finite log-probs for admitted tokens', () => {
    const x = [1e4, -1e4, 1e4 - 1, 0, -1e4];
    for (const tau of [0.01, 1, 100]) {
      const p = samplingDistributionRef(x, tau, 0);
      expect(p.every(Number.isFinite)).toBe(true);
      expect(sum(p)).toBeCloseTo(1, 12);
      const lp = samplingLogProbsRef(x, tau, 0);
      expect(lp[0]).toBeLessThanOrEqual(0);
      expect(Number.isFinite(lp[1])).toBe(true);
    }
  });

  it('no backward: logp is the log-softmax of x/τ over the admitted set, which PPO differentiates itself', () => {
    const x = randn(7, 3);
    for (const [tau, k] of [
      [1, 0],
      [0.7, 3],
    ] as const) {
      const p = samplingDistributionRef(x, tau, k);
      const lp = samplingLogProbsRef(x, tau, k);
      for (let i = 0; i < 7; i++) expect(lp[i]).toBeCloseTo(Math.log(p[i]), 12);
    }
  });

  it('inverse CDF picks the bucket holding u and never a zero-probability token', () => {
    const p = [0.25, 0, 0.5, 0.25, 0];
    expect(sampleRef(p, 0)).toBe(0);
    expect(sampleRef(p, 0.2499)).toBe(0);
    expect(sampleRef(p, 0.25)).toBe(2);
    expect(sampleRef(p, 0.7499)).toBe(2);
    expect(sampleRef(p, 0.75)).toBe(3);
    expect(sampleRef(p, 0.9999999)).toBe(3);
    expect(sampleRef(p, 1)).toBe(3); // rounding fallback: last admitted token
  });

  it('the counter-based uniform is a fixed, well-spread function of (seed, row, step)', () => {
    expect(pcgHash(0)).toBe(pcgHash(0));
    expect(sampleUniformRef(1, 2, 3)).toBe(sampleUniformRef(1, 2, 3));
    const us = Array.from({ length: 4000 }, (_, s) => sampleUniformRef(42, s % 4, s >> 2));
    expect(us.every((u) => u >= 0 && u < 1)).toBe(true);
    const bins = new Array(10).fill(0);
    for (const u of us) bins[Math.floor(u * 10)]++;
    for (const n of bins) expect(Math.abs(n - 400)).toBeLessThan(80); // ~4 standard deviations
    expect(new Set(us).size).toBeGreaterThan(3990);
  });
});
