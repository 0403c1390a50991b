import { describe, expect, it } from 'vitest';
import { gaeDirectRef, gaeForwardRef } from '../../src/kernels/gae.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { randn, rng } from '../helpers/random.ts';

/** A mask whose valid steps are one contiguous range per row (a prompt before it, padding after). */
function responseMask(B: number, T: number, seed: number): Float64Array {
  const r = rng(seed);
  const mask = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    const start = Math.floor(r() * T);
    const end = start + 1 + Math.floor(r() * (T - start));
    for (let t = start; t < end; t++) mask[b * T + t] = 1;
  }
  return mask;
}

describe('gae reference', () => {
  const cases: [number, number, number, number][] = [
    // B, T, γ, λ
    [1, 1, 0.99, 0.95],
    [3, 7, 0.99, 0.95],
    [5, 65, 1, 0.95],
    [2, 30, 0.9, 1],
    [4, 9, 0, 0.5],
  ];
  for (const [B, T, gamma, lam] of cases) {
    it(`the recursion equals the direct sum Σ (γλ)^l δ at B=${B} T=${T} γ=${gamma} λ=${lam}`, () => {
      const rewards = randn(B * T, 1);
      const values = randn(B * T, 2);
      const mask = responseMask(B, T, 3);
      const rec = gaeForwardRef(rewards, values, mask, gamma, lam, B, T);
      const direct = gaeDirectRef(rewards, values, mask, gamma, lam, B, T);
      expectClose(rec.advantages, direct.advantages, 'advantages', { atol: 1e-12, rtol: 1e-12 });
      expectClose(rec.returns, direct.returns, 'returns', { atol: 1e-12, rtol: 1e-12 });
      for (let i = 0; i < B * T; i++) {
        if (mask[i] === 0) expect([rec.advantages[i], rec.returns[i]]).toEqual([0, 0]);
      }
    });
  }

  it('with γ = λ = 1 the return is the sum of the rewards still to come', () => {
    const rewards = Float64Array.of(9, 1, 2, 3, 9);
    const values = Float64Array.of(9, 0.5, -1, 4, 9);
    const mask = Float64Array.of(0, 1, 1, 1, 0);
    const { advantages, returns } = gaeForwardRef(rewards, values, mask, 1, 1, 1, 5);
    expect([...returns]).toEqual([0, 6, 5, 3, 0]);
    expect([...advantages]).toEqual([0, 5.5, 6, -1, 0]);
  });

  it('with λ = 0 the advantage is the one-step TD error', () => {
    const rewards = Float64Array.of(1, 2, 3);
    const values = Float64Array.of(0.5, -1, 4);
    const { advantages } = gaeForwardRef(rewards, values, Float64Array.of(1, 1, 1), 0.5, 0, 1, 3);
    expect([...advantages]).toEqual([1 + 0.5 * -1 - 0.5, 2 + 0.5 * 4 + 1, 3 - 4]);
  });
});
