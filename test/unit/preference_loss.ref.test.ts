import { describe, expect, it } from 'vitest';
import { preferenceLossBackwardRef, preferenceLossForwardRef } from '../../src/kernels/preference_loss.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randn } from '../helpers/random.ts';

describe('preference loss reference', () => {
  for (const P of [1, 2, 7, 65]) {
    it(`backward matches finite differences at P=${P}`, () => {
      checkGradients({
        inputs: { rChosen: randn(P, 1, 2), rRejected: randn(P, 2, 2) },
        forward: ({ rChosen, rRejected }) => preferenceLossForwardRef(rChosen, rRejected, P).stats.subarray(0, 1),
        backward: ({ rChosen, rRejected }, dout) => {
          const g = preferenceLossBackwardRef(rChosen, rRejected, P, dout[0]);
          return { rChosen: g.dChosen, rRejected: g.dRejected };
        },
      });
    });
  }

  it('the loss is −log σ(margin), and the statistics count ties as half', () => {
    const { stats, losses } = preferenceLossForwardRef(Float64Array.of(1, 0, 2), Float64Array.of(0, 1, 2), 3);
    expect(losses[0]).toBeCloseTo(Math.log(1 + Math.exp(-1)), 14);
    expect(losses[1]).toBeCloseTo(Math.log(1 + Math.exp(1)), 14);
    expect(losses[2]).toBeCloseTo(Math.log(2), 14);
    expect([...stats]).toEqual([(losses[0] + losses[1] + losses[2]) / 3, 0.5, 0, 3]);
  });

  it('is finite and exact at margins of ±1e4', () => {
    const { stats, losses } = preferenceLossForwardRef(Float64Array.of(1e4, -1e4), Float64Array.of(0, 0), 2);
    expect([...losses]).toEqual([0, 1e4]);
    expect(stats[0]).toBe(5e3);
    const g = preferenceLossBackwardRef(Float64Array.of(1e4, -1e4), Float64Array.of(0, 0), 2);
    expect([...g.dChosen]).toEqual([-0, -0.5]);
    expect([...g.dRejected]).toEqual([0, 0.5]);
  });
});
