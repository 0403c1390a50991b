import { describe, expect, it } from 'vitest';
import type { AdamWHyperparams } from '../../src/kernels/adamw.ts';
import { adamwStepRef, adamwUpdateRef } from '../../src/kernels/adamw.ref.ts';
import { gradNormRef } from '../../src/kernels/grad_norm.ref.ts';
import { randn } from '../helpers/random.ts';

// AdamW has no gradient of its own to check: these tests pin the reference to closed forms instead.
const HP: AdamWHyperparams = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, t: 1 };

describe('grad_norm reference', () => {
  it('is the L2 norm, and the clip scale brings it to max_norm', () => {
    const g = Float64Array.from([3, -4, 0, 12]);
    expect(gradNormRef(g, 0).norm).toBe(13);
    expect(gradNormRef(g, 0).scale).toBe(1); // max_norm ≤ 0: no clipping
    expect(gradNormRef(g, -1).scale).toBe(1);
    expect(gradNormRef(g, 100).scale).toBe(1); // below the threshold: unchanged
    const { norm, scale } = gradNormRef(g, 1.3);
    expect(norm * scale).toBeCloseTo(1.3, 6);
  });
});

describe('adamw reference', () => {
  for (const P of [1, 7, 65]) {
    it(`with a constant gradient every step moves θ by lr·g/(|g|+eps) (bias correction is exact), P=${P}`, () => {
      const g = randn(P, 1);
      const theta = randn(P, 2);
      const start = theta.slice();
      const m = new Float64Array(P);
      const v = new Float64Array(P);
      for (let t = 1; t <= 5; t++)
        adamwUpdateRef(theta, m, v, g, 1, { ...HP, t }, { offset: 0, length: P, decay: false });
      for (let i = 0; i < P; i++) {
        expect(theta[i]).toBeCloseTo(start[i] - 5 * HP.lr * (g[i] / (Math.abs(g[i]) + HP.eps)), 10);
        expect(m[i]).toBeCloseTo(g[i] * (1 - 0.9 ** 5), 12);
        expect(v[i]).toBeCloseTo(g[i] * g[i] * (1 - 0.999 ** 5), 12);
      }
    });
  }

  it('decays only the decayed range, decoupled from the gradient', () => {
    const P = 7;
    const theta = randn(P, 3);
    const start = theta.slice();
    const zero = new Float64Array(P); // g = 0: m̂ = 0, only the decay moves θ
    const hp = { ...HP, weightDecay: 0.1 };
    adamwStepRef(theta, new Float64Array(P), new Float64Array(P), zero, 0, hp, [
      { offset: 0, length: 3, decay: true },
      { offset: 3, length: 4, decay: false },
    ]);
    for (let i = 0; i < P; i++)
      expect(theta[i]).toBeCloseTo(i < 3 ? start[i] * (1 - hp.lr * hp.weightDecay) : start[i], 14);
  });

  it('clipping scales the gradient the moments see', () => {
    const P = 7;
    const g = randn(P, 4, 10);
    const m = new Float64Array(P);
    const v = new Float64Array(P);
    const { norm, scale } = adamwStepRef(new Float64Array(P), m, v, g, 1, HP, [{ offset: 0, length: P, decay: true }]);
    expect(scale).toBeLessThan(1);
    let mNorm = 0;
    for (let i = 0; i < P; i++) mNorm += m[i] * m[i];
    // after one step m = (1 − β1)·g·scale, and ‖g‖·scale = max_norm·norm/(norm + 1e-6) with max_norm = 1
    expect(Math.sqrt(mNorm) / (1 - HP.beta1)).toBeCloseTo(norm / (norm + 1e-6), 6);
  });

  it('minimises a quadratic', () => {
    const P = 7;
    const target = randn(P, 5);
    const theta = new Float64Array(P);
    const m = new Float64Array(P);
    const v = new Float64Array(P);
    for (let t = 1; t <= 2000; t++) {
      const g = theta.map((x, i) => x - target[i]);
      adamwStepRef(theta, m, v, g, 0, { ...HP, lr: 0.01, t }, [{ offset: 0, length: P, decay: false }]);
    }
    for (let i = 0; i < P; i++) expect(theta[i]).toBeCloseTo(target[i], 2);
  });
});
