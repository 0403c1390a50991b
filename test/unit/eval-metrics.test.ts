import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { subsetFromFileName, toComparisons, type Comparison } from '../../src/data/comparisons.ts';
import { parseHHJsonl } from '../../src/data/hh.ts';
import { calibration, sigmoid } from '../../src/eval/calibration.ts';
import {
  bootstrapElo,
  bradleyTerry,
  eloFromReward,
  rewardFromElo,
  winProbabilityFromElo,
  type Match,
} from '../../src/eval/elo.ts';
import { codePointLength, lengthBaselines } from '../../src/eval/length-baseline.ts';
import {
  accuracyFromMargins,
  accuracyWithInterval,
  mean,
  quantileSorted,
  standardError,
  variance,
  wilsonInterval,
} from '../../src/eval/stats.ts';
import { randn, rng } from '../helpers/random.ts';

const HH_DIR = fileURLToPath(new URL('../../../shared/data/hh/', import.meta.url));

describe('stats', () => {
  it('gives the known Wilson intervals', () => {
    const half = wilsonInterval(50, 100);
    expect(half.lo).toBeCloseTo(0.4038, 4);
    expect(half.hi).toBeCloseTo(0.5962, 4);
    expect(wilsonInterval(0, 10).lo).toBe(0);
    expect(wilsonInterval(0, 10).hi).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(10, 10).lo).toBeCloseTo(0.7225, 4);
    expect(wilsonInterval(10, 10).hi).toBe(1);
    expect(wilsonInterval(81, 263, 1.96).lo).toBeCloseTo(0.2553, 4); // p = 0.3080: [0.2553, 0.3662]
    expect(wilsonInterval(81, 263, 1.96).hi).toBeCloseTo(0.3662, 4);
    expect(wilsonInterval(0, 0)).toEqual({ lo: 0, hi: 1 });
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError);
  });

  it('computes accuracies with intervals, means, variances and quantiles', () => {
    expect(accuracyWithInterval([true, false, true, true])).toEqual({ accuracy: 0.75, n: 4, ...wilsonInterval(3, 4) });
    expect(accuracyFromMargins([2, -1, 0, 0.5])).toEqual({ accuracy: 2.5 / 4, n: 4, ...wilsonInterval(2.5, 4) });
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(variance([1, 2, 3, 6])).toBeCloseTo(14 / 3, 14);
    expect(standardError([1, 2, 3, 6])).toBeCloseTo(Math.sqrt(14 / 3 / 4), 14);
    expect(quantileSorted([0, 10, 20, 30], 0.5)).toBe(15);
    expect(quantileSorted([0, 10, 20, 30], 0.025)).toBeCloseTo(0.75, 14);
    expect(quantileSorted([7], 0.975)).toBe(7);
  });
});

describe('calibration', () => {
  it('counts each pair twice, symmetrically, in hand-checked bins', () => {
    // margin ln 3: p = 0.75 for the chosen side (outcome 1) and 0.25 for the rejected one (outcome 0)
    const c = calibration([Math.log(3)]);
    expect(c.bins.length).toBe(10);
    expect(c.bins[7]).toEqual({ lo: 0.7, hi: 0.8, predicted: expect.closeTo(0.75, 14), observed: 1, count: 1 });
    expect(c.bins[2]).toEqual({ lo: 0.2, hi: 0.3, predicted: expect.closeTo(0.25, 14), observed: 0, count: 1 });
    expect(c.ece).toBeCloseTo(0.25, 14);
    // margin 0: both events at p = ½, half of them happened: perfectly calibrated
    const z = calibration([0, 0], 4);
    expect(z.bins[2]).toEqual({ lo: 0.5, hi: 0.75, predicted: 0.5, observed: 0.5, count: 4 });
    expect(z.ece).toBe(0);
    // margins ln 3 and −ln 3: bin [0.5, 1) holds p = 0.75 twice, happened once → |0.75 − 0.5| everywhere
    const two = calibration([Math.log(3), -Math.log(3)], 2);
    expect(two.bins.map((b) => [b.predicted, b.observed, b.count])).toEqual(
      [
        [0.25, 0.5, 2],
        [0.75, 0.5, 2],
      ].map(([p, o, n]) => [expect.closeTo(p, 14), o, n]),
    );
    expect(two.ece).toBeCloseTo(0.25, 14);
  });

  it('puts p = 1 in the last bin, keeps empty bins NaN-free, and is stable for huge margins', () => {
    // chosen sides: p = 1, 0, 1; rejected sides: p = 0, 1, 0 → three events in each end bin, two of three at p = 1
    // happened
    const c = calibration([1000, -1e308, Infinity]);
    expect(c.bins[9]).toEqual({ lo: 0.9, hi: 1, predicted: 1, observed: 2 / 3, count: 3 });
    expect(c.bins[0]).toEqual({ lo: 0, hi: 0.1, predicted: 0, observed: 1 / 3, count: 3 });
    expect(c.ece).toBeCloseTo(1 / 3, 14);
    expect(c.bins[5]).toEqual({ lo: 0.5, hi: 0.6, predicted: 0.55, observed: 0, count: 0 });
    expect(JSON.stringify(c)).not.toContain('null');
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
    expect(sigmoid(-40) / Math.exp(-40)).toBeCloseTo(1, 12); // 1 − σ(40) would be 0 in float64
    expect(sigmoid(-700) / Math.exp(-700)).toBeCloseTo(1, 12);
    expect(calibration([]).ece).toBe(0);
    expect(() => calibration([NaN])).toThrow(/NaN/);
  });

  it('tells a calibrated model from an overconfident one', () => {
    // true margins m; the pair is labelled the way a σ(m) coin falls, so the margin as seen from "chosen" is ±m
    const m = randn(20000, 7, 2);
    const coin = rng(8);
    const seen = Array.from(m, (x) => (coin() < sigmoid(x) ? x : -x));
    const good = calibration(seen);
    expect(good.ece).toBeLessThan(0.02);
    const overconfident = calibration(seen.map((x) => 4 * x));
    expect(overconfident.ece).toBeGreaterThan(0.1);
    // symmetric construction: bin b and bin 9 − b mirror each other
    for (let b = 0; b < 10; b++) {
      expect(good.bins[b].count).toBe(good.bins[9 - b].count);
      expect(good.bins[b].observed + good.bins[9 - b].observed).toBeCloseTo(1, 12);
    }
    expect(good.bins.reduce((s, b) => s + b.count, 0)).toBe(40000);
  });
});

describe('Elo', () => {
  it('converts PM score differences to Elo and back', () => {
    expect(eloFromReward(1)).toBeCloseTo(173.7178, 4);
    expect(rewardFromElo(eloFromReward(0.37))).toBeCloseTo(0.37, 14);
    expect(winProbabilityFromElo(400)).toBeCloseTo(10 / 11, 14);
    expect(winProbabilityFromElo(0)).toBe(0.5);
    for (const dr of [-3, -0.5, 0.2, 2]) expect(winProbabilityFromElo(eloFromReward(dr))).toBeCloseTo(sigmoid(dr), 14);
  });

  it('fits two players exactly: winsA/games = p gives ΔElo = 400·log10(p/(1 − p))', () => {
    const exact = bradleyTerry(2, [{ a: 0, b: 1, winsA: 70, games: 100 }], { prior: 0 }).ratings;
    expect(exact[0] - exact[1]).toBeCloseTo(400 * Math.log10(70 / 30), 8);
    expect(exact[0] + exact[1]).toBeCloseTo(0, 10);
    // the default tiny prior moves it by a fraction of an Elo point
    const def = bradleyTerry(2, [{ a: 1, b: 0, winsA: 30, games: 100 }]).ratings;
    expect(def[0] - def[1]).toBeLessThan(400 * Math.log10(70 / 30));
    expect(def[0] - def[1]).toBeGreaterThan(400 * Math.log10(70 / 30) - 1);
  });

  const TRUE = [300, 50, -350]; // Elo, mean 0
  const pairsOf3: [number, number][] = [
    [0, 1],
    [1, 2],
    [0, 2],
  ];

  it('recovers three known ratings from exact expected win counts and from sampled games', () => {
    const expected: Match[] = pairsOf3.map(([a, b]) => ({
      a,
      b,
      winsA: 1000 * winProbabilityFromElo(TRUE[a] - TRUE[b]),
      games: 1000,
    }));
    const fit = bradleyTerry(3, expected, { prior: 0 }).ratings;
    fit.forEach((r, i) => expect(r).toBeCloseTo(TRUE[i], 6));
    // sampled: 400 games per pair; the ordering and values within the sampling error (~±40 Elo)
    const coin = rng(3);
    const sampled: Match[] = pairsOf3.map(([a, b]) => {
      let wins = 0;
      for (let g = 0; g < 400; g++) wins += coin() < winProbabilityFromElo(TRUE[a] - TRUE[b]) ? 1 : 0;
      return { a, b, winsA: wins, games: 400 };
    });
    const est = bradleyTerry(3, sampled).ratings;
    expect(est[0]).toBeGreaterThan(est[1]);
    expect(est[1]).toBeGreaterThan(est[2]);
    est.forEach((r, i) => expect(Math.abs(r - TRUE[i])).toBeLessThan(60));
    expect(est.reduce((s, r) => s + r, 0)).toBeCloseTo(0, 9);
  });

  it('keeps an undefeated player finite with the prior, and refuses without one', () => {
    const m: Match[] = [
      { a: 0, b: 1, winsA: 10, games: 10 },
      { a: 1, b: 2, winsA: 5, games: 10 },
    ];
    const r = bradleyTerry(3, m).ratings;
    r.forEach((x) => expect(Number.isFinite(x)).toBe(true));
    expect(r[0] - r[1]).toBeGreaterThan(400);
    expect(r[0] - r[1]).toBeLessThan(2000);
    expect(Math.abs(r[1] - r[2])).toBeLessThan(5); // even, but for the prior's pull through player 0
    expect(() => bradleyTerry(3, m, { prior: 0 })).toThrow(/prior > 0|no convergence/);
    expect(() => bradleyTerry(3, [{ a: 0, b: 1, winsA: 5, games: 10 }], { prior: 0 })).toThrow(/prior > 0/); // player 2 never plays
    expect(() => bradleyTerry(2, [{ a: 0, b: 2, winsA: 1, games: 1 }])).toThrow(RangeError);
    expect(() => bradleyTerry(2, [{ a: 0, b: 1, winsA: 3, games: 2 }])).toThrow(RangeError);
  });

  it('bootstraps deterministic 95% intervals that cover the truth and narrow with more games', () => {
    const matches = (games: number): Match[] =>
      pairsOf3.map(([a, b]) => ({ a, b, winsA: Math.round(games * winProbabilityFromElo(TRUE[a] - TRUE[b])), games }));
    const a = bootstrapElo(3, matches(100), { samples: 200, seed: 11 });
    const b = bootstrapElo(3, matches(100), { samples: 200, seed: 11 });
    const c = bootstrapElo(3, matches(100), { samples: 200, seed: 12 });
    expect(b).toEqual(a);
    expect(c.lo).not.toEqual(a.lo);
    expect(a.ratings).toEqual(bradleyTerry(3, matches(100)).ratings);
    for (let i = 0; i < 3; i++) {
      expect(a.lo[i]).toBeLessThan(a.ratings[i]);
      expect(a.hi[i]).toBeGreaterThan(a.ratings[i]);
      expect(a.lo[i]).toBeLessThan(TRUE[i]);
      expect(a.hi[i]).toBeGreaterThan(TRUE[i]);
    }
    const wide = bootstrapElo(3, matches(100), { samples: 200, seed: 5 });
    const narrow = bootstrapElo(3, matches(1600), { samples: 200, seed: 5 });
    for (let i = 0; i < 3; i++) {
      const ratio = (narrow.hi[i] - narrow.lo[i]) / (wide.hi[i] - wide.lo[i]);
      expect(ratio).toBeGreaterThan(0.15); // 16× the games: about ¼ the width
      expect(ratio).toBeLessThan(0.4);
    }
    expect(() => bootstrapElo(2, [{ a: 0, b: 1, winsA: 0.5, games: 1 }], { samples: 10, seed: 1 })).toThrow(/integers/);
  });
});

describe('length baselines', () => {
  it('scores the longer, shorter and subset-aware rules on hand-made pairs (ties count ½)', () => {
    const pairs = [
      { chosen: ' long answer', rejected: ' no', subset: 'helpful' }, // longer chosen
      { chosen: ' no', rejected: ' long answer', subset: 'harmless' }, // shorter chosen
      { chosen: ' abc', rejected: ' xyz', subset: 'helpful' }, // tie
      { chosen: ' no', rejected: ' a longer one' }, // shorter chosen, no subset: the longer rule applies
    ];
    expect(lengthBaselines(pairs)).toEqual({ longer: 1.5 / 4, shorter: 2.5 / 4, subsetAware: 2.5 / 4, n: 4 });
    // a custom length: words instead of characters
    const words = (s: string) => s.trim().split(/\s+/).length;
    expect(lengthBaselines([{ chosen: ' aaaaaaaa', rejected: ' b c' }], words).longer).toBe(0);
    expect(lengthBaselines([])).toEqual({ longer: 0, shorter: 0, subsetAware: 0, n: 0 });
    expect(codePointLength('😀a')).toBe(2);
    expect(codePointLength('\udc00x')).toBe(2);
  });

  it('gives the pinned baselines on the real HH dev files', () => {
    const read = (name: string): Comparison[] => {
      const parsed = parseHHJsonl(gunzipSync(readFileSync(HH_DIR + name)).toString('utf8'));
      return toComparisons(parsed.pairs, { file: name, subset: subsetFromFileName(name) }).comparisons;
    };
    const helpful = lengthBaselines(read('helpful-base.dev.jsonl.gz'));
    const harmless = lengthBaselines(read('harmless-base.dev.jsonl.gz'));
    const both = lengthBaselines([...read('helpful-base.dev.jsonl.gz'), ...read('harmless-base.dev.jsonl.gz')]);
    const show = (b: typeof helpful) =>
      `longer ${b.longer.toFixed(4)}, shorter ${b.shorter.toFixed(4)}, subset-aware ${b.subsetAware.toFixed(4)} (n ${b.n})`;
    console.log(
      `length baselines: helpful-base.dev ${show(helpful)}; harmless-base.dev ${show(harmless)}; mix ${show(both)}`,
    );
    // helpful: the longer response is chosen 972 times, the shorter 661, 12 tie (½ each) → 978 and 667 right;
    // harmless: longer 713, shorter 895, 10 tie → 718 and 900
    expect(helpful).toEqual({ longer: 978 / 1645, shorter: 667 / 1645, subsetAware: 978 / 1645, n: 1645 });
    expect(harmless.n).toBe(1618);
    expect(harmless.shorter).toBeCloseTo(900 / 1618, 14);
    expect(harmless.subsetAware).toBeCloseTo(900 / 1618, 14);
    expect(both.n).toBe(3263);
    expect(both.subsetAware).toBeCloseTo((978 + 900) / 3263, 14);
    expect(both.longer).toBeCloseTo((978 + 718) / 3263, 14);
  });
});
