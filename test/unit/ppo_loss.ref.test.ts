import { describe, expect, it } from 'vitest';
import { PpoStat } from '../../src/kernels/ppo_loss.ts';
import { ppoLossBackwardRef, ppoLossForwardRef, type PpoInputs } from '../../src/kernels/ppo_loss.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randn, uniform } from '../helpers/random.ts';

const hp = { cliprange: 0.2, cliprangeValue: 0.2, vfCoef: 0.1, entCoef: 0.01 };

function inputs(N: number, seed: number): PpoInputs {
  const oldLogp = randn(N, seed, 1).map((v) => v - 2);
  const oldValues = randn(N, seed + 1);
  const dlogp = randn(N, seed + 2, 0.3);
  const dvalues = randn(N, seed + 4, 0.3);
  return {
    logp: oldLogp.map((v, i) => v + dlogp[i]),
    oldLogp,
    advantages: randn(N, seed + 3),
    values: oldValues.map((v, i) => v + dvalues[i]),
    oldValues,
    returns: randn(N, seed + 5),
    entropy: uniform(N, seed + 6, 0, 3),
    mask: uniform(N, seed + 7).map((u, i) => (u < 0.8 || i === 0 ? 1 : 0)),
  };
}

describe('ppo loss reference', () => {
  for (const N of [1, 7, 65]) {
    it(`backward of loss/total matches finite differences at N=${N}`, () => {
      const x = inputs(N, N);
      checkGradients({
        inputs: { ...x },
        constant: ['oldLogp', 'advantages', 'oldValues', 'returns', 'mask'],
        forward: (i) =>
          ppoLossForwardRef(i as unknown as PpoInputs, hp, N).subarray(
            PpoStat['loss/total'],
            PpoStat['loss/total'] + 1,
          ),
        backward: (i, dout) => {
          const g = ppoLossBackwardRef(i as unknown as PpoInputs, hp, N, dout[0]);
          return { logp: g.dlogp, values: g.dvalues, entropy: g.dentropy };
        },
      });
    });
  }

  it('the gradient checks really cross the clipped branches', () => {
    const x = inputs(65, 65);
    const s = ppoLossForwardRef(x, hp, 65);
    expect(s[PpoStat['policy/clipfrac']]).toBeGreaterThan(0.1);
    expect(s[PpoStat['policy/clipfrac']]).toBeLessThan(0.9);
    expect(s[PpoStat['val/clipfrac']]).toBeGreaterThan(0.1);
    expect(s[PpoStat['val/clipfrac']]).toBeLessThan(0.9);
  });

  it('matches a hand-computed case', () => {
    const ln = Math.log;
    const x: PpoInputs = {
      // token 0: ratio 1.5 > 1.2 with A = 1: pg1 = −1.5, pg2 = −1.2, the clipped branch is the max
      // token 1: ratio 0.5 < 0.8 with A = 1: pg1 = −0.5, pg2 = −0.8, the unclipped branch is the max
      // token 2: masked (NaN padding is ignored)
      logp: Float64Array.of(ln(1.5), ln(0.5), NaN),
      oldLogp: Float64Array.of(0, 0, 0),
      advantages: Float64Array.of(1, 1, NaN),
      // token 0: v moves 1 from old 0 → v_clipped 0.2; R = 2: vf1 = 1, vf2 = 3.24 (clipped is the max)
      // token 1: v moves 0.1 (no clipping); R = 0: vf1 = vf2 = 0.01
      values: Float64Array.of(1, 0.1, NaN),
      oldValues: Float64Array.of(0, 0, 0),
      returns: Float64Array.of(2, 0, 0),
      entropy: Float64Array.of(1, 2, NaN),
      mask: Float64Array.of(1, 1, 0),
    };
    const s = ppoLossForwardRef(x, hp, 3);
    const expected = {
      'loss/policy': (-1.2 - 0.5) / 2,
      'loss/value': (0.5 * (3.24 + 0.01)) / 2,
      'policy/entropy': 1.5,
      'policy/clipfrac': 0.5,
      'policy/approxkl': (0.5 * (ln(1.5) ** 2 + ln(0.5) ** 2)) / 2,
      'val/ratio': 1,
      'val/clipfrac': 0.5,
      count: 2,
    };
    for (const [name, v] of Object.entries(expected))
      expect(s[PpoStat[name as keyof typeof PpoStat]], name).toBeCloseTo(v, 12);
    expect(s[PpoStat['loss/total']]).toBeCloseTo(-0.85 + 0.1 * 0.8125 - 0.01 * 1.5, 12);
    const g = ppoLossBackwardRef(x, hp, 3);
    expect([...g.dlogp]).toEqual([0, -0.5 / 2, 0]);
    expect(g.dvalues[0]).toBe(0);
    expect(g.dvalues[1]).toBeCloseTo((0.1 * 0.1) / 2, 15);
    expect([...g.dentropy]).toEqual([-0.01 / 2, -0.01 / 2, 0]);
  });

  it('no valid token gives zeros, not NaN', () => {
    const x = inputs(4, 1);
    x.mask.fill(0);
    expect([...ppoLossForwardRef(x, hp, 4)]).toEqual(new Array(9).fill(0));
    expect([...ppoLossBackwardRef(x, hp, 4).dlogp]).toEqual([0, 0, 0, 0]);
  });
});
