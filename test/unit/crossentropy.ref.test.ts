import { describe, expect, it } from 'vitest';
import { crossentropyBackwardRef, crossentropyForwardRef } from '../../src/kernels/crossentropy.ref.ts';
import { lossWeightsRef, maskedMeanBackwardRef, maskedMeanRef } from '../../src/kernels/masked_mean.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randint, randn, uniform } from '../helpers/random.ts';

describe('crossentropy reference', () => {
  for (const [N, V] of [
    [1, 1],
    [1, 7],
    [3, 7],
    [2, 65],
    [4, 300],
  ]) {
    it(`backward matches finite differences at N=${N} V=${V}`, () => {
      const targets = randint(N, 1, V);
      checkGradients({
        inputs: { logits: randn(N * V, 2, 3) },
        forward: ({ logits }) => crossentropyForwardRef(logits, targets, N, V).losses,
        backward: ({ logits }, dlosses) => ({ logits: crossentropyBackwardRef(dlosses, logits, targets, N, V) }),
      });
    });
  }

  it('is −log softmax at the target, and stable at logits of ±1e4', () => {
    const logits = Float64Array.of(1e4, -1e4, 1e4, 1e4 - 2);
    const { losses, lse } = crossentropyForwardRef(logits, [1, 0], 2, 2);
    expect(lse[0]).toBe(1e4);
    expect(losses[0]).toBe(2e4);
    expect(losses[1]).toBeCloseTo(Math.log1p(Math.exp(-2)), 12);
  });
});

describe('masked_mean reference', () => {
  for (const N of [1, 7, 65]) {
    it(`backward matches finite differences at N=${N}`, () => {
      const mask = uniform(N, N, 0, 1).map((u) => (u < 0.3 ? 0 : u < 0.8 ? 1 : u));
      checkGradients({
        inputs: { values: randn(N, 1) },
        forward: ({ values }) => maskedMeanRef(values, mask, N),
        backward: (_, dout) => ({ values: maskedMeanBackwardRef(dout[0], mask, N) }),
      });
    });
  }

  it('an all-zero mask gives 0, and masked-out values are skipped', () => {
    expect(maskedMeanRef(Float64Array.of(NaN, Infinity), Float64Array.of(0, 0), 2)[0]).toBe(0);
    expect(maskedMeanRef(Float64Array.of(NaN, 3, 5), Float64Array.of(0, 1, 1), 3)[0]).toBe(4);
    expect(Array.from(lossWeightsRef(Float64Array.of(0, 1, 1, 1, 0), 5))).toEqual([0, 1 / 3, 1 / 3, 1 / 3, 0]);
    expect(Array.from(lossWeightsRef(Float64Array.of(0, 0.5), 2))).toEqual([0, 0.5]);
  });
});
