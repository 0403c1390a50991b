// Round-robin games, the win-rate matrix and the Elo leaderboard from per-prompt judge scores.

import { describe, expect, it } from 'vitest';
import { ELO_PER_NAT } from '../../src/eval/elo.ts';
import { leaderboard, roundRobin, winRateMatrix } from '../../src/eval/tournament.ts';

describe('roundRobin', () => {
  it('plays one game per prompt and pair, ties counting half', () => {
    const scores = [
      [1, 0, 0.5],
      [0, 0, 1],
      [2, 2, 2],
    ];
    expect(roundRobin(scores)).toEqual([
      { a: 0, b: 1, winsA: 1.5, games: 3 }, // win, tie, loss
      { a: 0, b: 2, winsA: 0, games: 3 },
      { a: 1, b: 2, winsA: 0, games: 3 },
    ]);
    // a resample of prompts: prompt 0 twice
    expect(roundRobin(scores, [0, 0])[0]).toEqual({ a: 0, b: 1, winsA: 2, games: 2 });
  });

  it('rejects ragged or non-finite scores, naming the policy and prompt', () => {
    expect(() => roundRobin([[1, 2], [1]])).toThrow(/policy 1 has 1 scores/);
    expect(() =>
      roundRobin([
        [1, Number.NaN],
        [1, 2],
      ]),
    ).toThrow(/policy 0's score on prompt 1 is NaN/);
    expect(() => roundRobin([[1]])).toThrow(/at least 2 policies/);
  });
});

describe('winRateMatrix and leaderboard', () => {
  it('win rates are complementary and the ratings match the win rate of two players', () => {
    // policy 1 beats policy 0 on 3 of 4 prompts
    const scores = [
      [0, 0, 0, 1],
      [1, 1, 1, 0],
    ];
    const w = winRateMatrix(scores);
    expect(w[1][0]).toBe(0.75);
    expect(w[0][1]).toBe(0.25);
    expect(Number.isNaN(w[0][0])).toBe(true);
    const b = leaderboard(scores, { samples: 100, seed: 1 });
    // two players: the Bradley–Terry fit (with its tiny prior) puts Elo_1 − Elo_0 near 400/ln10 · ln 3
    expect(b.elo[1] - b.elo[0]).toBeGreaterThan(0.9 * ELO_PER_NAT * Math.log(3));
    expect(b.elo[1] - b.elo[0]).toBeLessThan(ELO_PER_NAT * Math.log(3) + 1e-6);
    expect(b.elo[0] + b.elo[1]).toBeCloseTo(0, 9);
    expect(b.meanScore).toEqual([0.25, 0.75]);
    for (let p = 0; p < 2; p++) {
      expect(b.lo[p]).toBeLessThanOrEqual(b.elo[p] + 1e-9);
      expect(b.hi[p]).toBeGreaterThanOrEqual(b.elo[p] - 1e-9);
    }
  });

  it('identical policies tie at Elo 0, and the same seed gives the same intervals', () => {
    const row = [0.3, 0.1, 0.9, 0.4, 0.2];
    const b = leaderboard([row, [...row], row.map((x) => x - 1)], { samples: 50, seed: 7 });
    expect(b.elo[0]).toBeCloseTo(b.elo[1], 9);
    expect(b.winRate[0][1]).toBe(0.5);
    expect(b.elo[2]).toBeLessThan(b.elo[0]);
    expect(leaderboard([row, [...row], row.map((x) => x - 1)], { samples: 50, seed: 7 })).toEqual(b);
  });

  it('a clearer winner on more prompts gets a narrower interval', () => {
    const few = leaderboard(
      [
        [0, 1, 1, 1],
        [1, 0, 0, 0],
      ],
      { samples: 200, seed: 3 },
    );
    const many = leaderboard(
      [
        Array(40)
          .fill(0)
          .map((_, i) => (i % 4 === 0 ? 0 : 1)),
        Array(40)
          .fill(0)
          .map((_, i) => (i % 4 === 0 ? 1 : 0)),
      ],
      { samples: 200, seed: 3 },
    );
    expect(many.hi[0] - many.lo[0]).toBeLessThan(few.hi[0] - few.lo[0]);
  });
});
