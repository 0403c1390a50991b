import { describe, expect, it } from 'vitest';
import { klBackwardRef, klForwardRef } from '../../src/kernels/kl.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randn } from '../helpers/random.ts';

describe('kl reference', () => {
  for (const estimator of [1, 3] as const) {
    for (const N of [1, 7, 65]) {
      it(`k${estimator} backward matches finite differences at N=${N}`, () => {
        checkGradients({
          inputs: { logp: randn(N, 1), refLogp: randn(N, 2) },
          constant: ['refLogp'],
          forward: ({ logp, refLogp }) => klForwardRef(logp, refLogp, N, estimator),
          backward: ({ logp, refLogp }, dout) => ({ logp: klBackwardRef(dout, logp, refLogp, N, estimator) }),
        });
      });
    }
  }

  it('k3 is non-negative, zero at equal log-probabilities, and k1 is the log-ratio', () => {
    const logp = Float64Array.of(-1, -2, -3, -1e4);
    const ref = Float64Array.of(-1, -1, -5, 0);
    const k1 = klForwardRef(logp, ref, 4, 1);
    const k3 = klForwardRef(logp, ref, 4, 3);
    expect([...k1]).toEqual([0, -1, 2, -1e4]);
    expect(k3[0]).toBe(0);
    expect(k3[1]).toBeCloseTo(Math.E - 2, 14);
    expect(k3[2]).toBeCloseTo(Math.exp(-2) + 1, 14);
    expect(k3[3]).toBe(Infinity); // exp(1e4) overflows float64 as well
    for (const v of k3) expect(v).toBeGreaterThanOrEqual(0);
  });
});
