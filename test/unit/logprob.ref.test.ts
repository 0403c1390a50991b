import { describe, expect, it } from 'vitest';
import { logprobBackwardRef, logprobForwardRef } from '../../src/kernels/logprob.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randint, randn } from '../helpers/random.ts';

describe('logprob reference', () => {
  for (const [N, V, temperature] of [
    [1, 1, 1],
    [1, 7, 1],
    [3, 7, 0.7],
    [2, 65, 1],
    [2, 65, 2.5],
    [3, 300, 1],
  ]) {
    it(`backward of logp and entropy matches finite differences at N=${N} V=${V} τ=${temperature}`, () => {
      const tokens = randint(N, 1, V);
      checkGradients({
        inputs: { logits: randn(N * V, 2, 2) },
        // the checked output is [logp; entropy], so dout splits into dlogp and dentropy
        forward: ({ logits }) => {
          const r = logprobForwardRef(logits, tokens, N, V, temperature);
          return Float64Array.from([...r.logp, ...r.entropy]);
        },
        backward: ({ logits }, dout) => ({
          logits: logprobBackwardRef(dout.subarray(0, N), dout.subarray(N), logits, tokens, N, V, temperature),
        }),
      });
    });
  }

  it('entropy is log V for uniform logits and exactly 0 when one logit dominates', () => {
    const V = 5;
    const r = logprobForwardRef(Float64Array.from([0, 0, 0, 0, 0, 1e4, -1e4, 0, 3, -5]), [2, 0], 2, V);
    expect(r.logp[0]).toBeCloseTo(-Math.log(V), 14);
    expect(r.entropy[0]).toBeCloseTo(Math.log(V), 14);
    expect(r.logp[1]).toBe(0);
    expect(r.entropy[1]).toBe(0);
    const d = logprobBackwardRef(
      Float64Array.of(1, 1),
      Float64Array.of(1, 1),
      Float64Array.from([0, 0, 0, 0, 0, 1e4, -1e4, 0, 3, -5]),
      [2, 0],
      2,
      V,
    );
    expect(Array.from(d.subarray(V)).every((x) => x === 0)).toBe(true);
  });
});
