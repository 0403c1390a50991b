// Cross-fitting a preference model (rlhf pm --fold i/K, rlhf pm-crossfit): the K folds of one seeded
// shuffle partition the dataset, fold 1 of K is the split --held-out 1/K makes, and pooling the fold
// runs' margins puts each pair's margin where it belongs and refuses runs that are not folds of one split.

import { describe, expect, it } from 'vitest';
import { isFold, pmFold, pmSplit } from '../../src/data/pm-split.ts';
import { poolFolds, type FoldScores } from '../../src/eval/pm-crossfit.ts';

const all = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe('pmFold', () => {
  it('K folds of the same shuffle: each held out once, together every pair, fold sizes within one', () => {
    for (const [n, K] of [
      [10, 2],
      [11, 3],
      [3263, 2],
      [7, 7],
      [100, 6],
    ]) {
      const folds = Array.from({ length: K }, (_, i) => pmFold(n, 4, i + 1, K));
      expect(sorted(folds.flatMap((f) => f.heldOut))).toEqual(all(n));
      for (const f of folds) {
        expect(sorted([...f.train, ...f.heldOut])).toEqual(all(n));
        expect(new Set([...f.train, ...f.heldOut]).size).toBe(n);
        expect(Math.abs(f.heldOut.length - n / K)).toBeLessThan(1);
      }
    }
  });

  it('fold 1 of K is the --held-out 1/K split with the same seed; other seeds shuffle otherwise', () => {
    expect(pmFold(3263, 1, 1, 2).heldOut).toEqual(pmSplit(3263, 1, 0.5).heldOut);
    expect(sorted(pmFold(3263, 1, 1, 2).train)).toEqual(sorted(pmSplit(3263, 1, 0.5).train));
    expect(pmFold(1000, 1, 1, 5).heldOut).toEqual(pmSplit(1000, 1, 0.2).heldOut);
    expect(pmFold(100, 1, 2, 2).heldOut).not.toEqual(pmFold(100, 2, 2, 2).heldOut);
    expect(pmFold(100, 1, 2, 2)).toEqual(pmFold(100, 1, 2, 2));
  });

  it('refuses a fold that is not one, or fewer pairs than folds', () => {
    expect(isFold(2, 2)).toBe(true);
    for (const [i, K] of [
      [0, 2],
      [3, 2],
      [1, 1],
      [1.5, 2],
      [Number.NaN, 2],
    ]) {
      expect(isFold(i, K)).toBe(false);
      expect(() => pmFold(10, 1, i, K)).toThrow(/is not a fold/);
    }
    expect(() => pmFold(2, 1, 1, 3)).toThrow(/at least 3/);
  });
});

describe('poolFolds', () => {
  const n = 23;
  const K = 3;
  // a run's margin on pair k is k + 0.5, so a misplaced margin shows
  const run = (fold: number, over: Partial<FoldScores> = {}): FoldScores => {
    const indices = pmFold(n, 9, fold, K).heldOut;
    return {
      name: `r${fold}.json`,
      fold,
      folds: K,
      seed: 9,
      pairs: n,
      indices,
      margins: indices.map((k) => k + 0.5),
      ...over,
    };
  };

  it('puts each held-out margin at its pair, in any order of the runs', () => {
    const expected = all(n).map((k) => k + 0.5);
    expect(poolFolds([run(1), run(2), run(3)])).toEqual(expected);
    expect(poolFolds([run(3), run(1), run(2)])).toEqual(expected);
  });

  it('names the run that does not fit', () => {
    expect(() => poolFolds([])).toThrow(/no fold runs/);
    expect(() => poolFolds([run(1), run(2)])).toThrow(/fold 3 of 3 missing/);
    expect(() => poolFolds([run(1)])).toThrow(/folds 2, 3 of 3 missing/);
    expect(() => poolFolds([run(1), run(2), run(2, { name: 'again.json' })])).toThrow(
      /again\.json: fold 2\/3 is also r2\.json/,
    );
    expect(() => poolFolds([run(1), run(2), run(3, { seed: 8 })])).toThrow(
      /r3\.json: fold 3\/3, seed 8, 23 pairs; r1\.json has fold 1\/3, seed 9, 23 pairs: not folds of one split/,
    );
    expect(() => poolFolds([run(1), run(2), run(3, { pairs: 24 })])).toThrow(
      /r3\.json: .*24 pairs.*not folds of one split/,
    );
    const shuffled = run(2);
    expect(() => poolFolds([run(1), { ...shuffled, indices: [...shuffled.indices].reverse() }, run(3)])).toThrow(
      /r2\.json: its held-out pairs are not fold 2\/3 of 23 pairs with seed 9/,
    );
    expect(() => poolFolds([run(1), { ...shuffled, margins: shuffled.margins.slice(1) }, run(3)])).toThrow(
      /r2\.json: 7 margins for 8 held-out pairs/,
    );
  });
});
