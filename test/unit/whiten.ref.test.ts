import { describe, expect, it } from 'vitest';
import { whitenForwardRef } from '../../src/kernels/whiten.ref.ts';
import { randn, uniform } from '../helpers/random.ts';

describe('whiten reference', () => {
  for (const N of [2, 7, 65, 300]) {
    it(`whitened masked values have mean 0 and unbiased variance 1 at N=${N}`, () => {
      const x = randn(N, 1, 3).map((v) => v + 5);
      const mask = uniform(N, 2).map((u, i) => (u < 0.7 || i < 2 ? 1 : 0));
      const { stats, out } = whitenForwardRef(x, mask, N, false);
      const valid = [...out].filter((_, i) => mask[i] !== 0);
      const mean = valid.reduce((a, b) => a + b, 0) / valid.length;
      const variance = valid.reduce((a, b) => a + (b - mean) ** 2, 0) / (valid.length - 1);
      expect(mean).toBeCloseTo(0, 12);
      expect(variance).toBeCloseTo(stats[1] / (stats[1] + 1e-8), 12);
      expect(stats[3]).toBe(valid.length);
      for (let i = 0; i < N; i++) if (mask[i] === 0) expect(out[i]).toBe(0);
      // shift_mean adds the mean back to the valid elements only
      const shifted = whitenForwardRef(x, mask, N, true).out;
      for (let i = 0; i < N; i++) expect(shifted[i]).toBeCloseTo(mask[i] ? out[i] + stats[0] : 0, 12);
    });
  }

  it('matches TRL on a hand-computed case', () => {
    // valid values 1, 2, 6: mean 3, unbiased var (4 + 1 + 9)/2 = 7
    const { stats, out } = whitenForwardRef(Float64Array.of(1, 100, 2, 6), Float64Array.of(1, 0, 1, 1), 4, false);
    expect(stats[0]).toBe(3);
    expect(stats[1]).toBe(7);
    expect(out[0]).toBeCloseTo(-2 / Math.sqrt(7 + 1e-8), 14);
    expect(out[1]).toBe(0);
  });

  it('stays finite with no valid element or a single one', () => {
    const none = whitenForwardRef(Float64Array.of(1, 2), Float64Array.of(0, 0), 2, true);
    expect([...none.out]).toEqual([0, 0]);
    expect([...none.stats]).toEqual([0, 0, 1e4, 0]);
    const one = whitenForwardRef(Float64Array.of(4, 2), Float64Array.of(1, 0), 2, true);
    expect([...one.out]).toEqual([4, 0]);
  });
});
