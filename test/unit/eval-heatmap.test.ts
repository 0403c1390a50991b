// The Evaluate stage's heat map and the split behind it: a dataset's held-out pairs for a seed (10%, at
// least one, disjoint from the training pairs, the same every time), the pairs a cell scores (capped,
// held out only), the diverging colour scale (red below chance, near-white at chance, green above,
// readable numbers on every fill) and a cell's text.

import { describe, expect, it } from 'vitest';
import { pmSplit } from '../../src/data/pm-split.ts';
import type { PMCellResult } from '../../src/protocol.ts';
import { CELL_PAIRS, accuracyRgb, cellKey, cellPairs, heatCell } from '../../src/ui/eval-heatmap.ts';

describe('the held-out split', () => {
  it('holds out 10% (at least one), disjoint from the training pairs, together all of them, the same for the same seed', () => {
    for (const n of [2, 7, 10, 65, 1000]) {
      const { train, heldOut } = pmSplit(n, 3);
      expect(heldOut.length).toBe(Math.max(1, Math.floor(n / 10)));
      expect([...train, ...heldOut].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(pmSplit(n, 3)).toEqual({ train, heldOut });
    }
    expect(pmSplit(1000, 4).heldOut).not.toEqual(pmSplit(1000, 3).heldOut);
    expect(pmSplit(1, 3)).toEqual({ train: [0], heldOut: [] });
    expect(pmSplit(0, 3)).toEqual({ train: [], heldOut: [] });
    expect(() => pmSplit(-1, 3)).toThrow(RangeError);
  });

  it('holds out another fraction when asked (rlhf pm --held-out): the same shuffle, a longer held-out prefix', () => {
    const half = pmSplit(1000, 3, 0.5);
    expect(half.heldOut).toHaveLength(500);
    expect(half.heldOut.slice(0, 100)).toEqual(pmSplit(1000, 3).heldOut); // the default 10% is its first part
    expect([...half.train, ...half.heldOut].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(pmSplit(3, 1, 0.01).heldOut).toHaveLength(1);
    for (const bad of [0, 1, -0.5, Number.NaN])
      expect(() => pmSplit(10, 1, bad)).toThrow(/held-out fraction must be in \(0, 1\)/);
  });

  it('a cell scores at most CELL_PAIRS held-out pairs, never a training pair', () => {
    const { train } = pmSplit(2000, 7);
    const cell = cellPairs(2000, 7);
    expect(cell).toHaveLength(CELL_PAIRS);
    expect(cell).toEqual(pmSplit(2000, 7).heldOut.slice(0, CELL_PAIRS));
    const training = new Set(train);
    expect(cell.some((i) => training.has(i))).toBe(false);
    expect(cellPairs(40, 7)).toHaveLength(4);
    expect(cellPairs(40, 7, 2)).toHaveLength(2);
  });
});

describe('the colour scale', () => {
  it('red at 0, near-white at ½, green at 1, clamped outside, monotone in between', () => {
    expect(accuracyRgb(0)).toEqual([215, 48, 39]);
    expect(accuracyRgb(0.5)).toEqual([247, 247, 247]);
    expect(accuracyRgb(1)).toEqual([26, 152, 80]);
    expect(accuracyRgb(-2)).toEqual(accuracyRgb(0));
    expect(accuracyRgb(7)).toEqual(accuracyRgb(1));
    expect(accuracyRgb(NaN)).toEqual(accuracyRgb(0.5));
    // towards chance the fill whitens: green channel rises from 0 to ½, red falls from ½ to 1
    let prev = accuracyRgb(0);
    for (let a = 0.05; a <= 0.5; a += 0.05) {
      const c = accuracyRgb(a);
      expect(c[1]).toBeGreaterThanOrEqual(prev[1]);
      prev = c;
    }
    for (let a = 0.55; a <= 1; a += 0.05) {
      const c = accuracyRgb(a);
      expect(c[0]).toBeLessThanOrEqual(prev[0]);
      prev = c;
    }
  });
});

describe('a heat-map cell', () => {
  const result = (accuracy: number, n = 64): PMCellResult => ({
    dataset: 'synth-harmless',
    n,
    accuracy,
    lo: accuracy - 0.1,
    hi: accuracy + 0.1,
    ece: 0.042,
  });

  it('shows the accuracy to 3 decimals and n, with a fill from the scale and a readable text colour', () => {
    const c = heatCell(result(0.8281));
    expect([c.text, c.n]).toEqual(['0.828', 'n=64']);
    expect(c.background).toBe(`rgb(${accuracyRgb(0.8281).join(', ')})`);
    expect(c.title).toBe('accuracy 0.828 (95% interval 0.728–0.928), n = 64, ECE 0.042');
    expect(heatCell(result(0.5)).color).toBe('#111'); // dark text on the near-white middle
    expect(heatCell(result(0)).color).toBe('#fff'); // light text on deep red
    expect(heatCell(result(1)).color).toBe('#fff'); // and on deep green
  });

  it('no result yet, or no pairs: a blank cell saying so', () => {
    expect(heatCell(undefined)).toMatchObject({
      text: '–',
      n: '',
      background: 'transparent',
      title: 'not evaluated yet',
    });
    expect(heatCell(result(0, 0))).toMatchObject({ text: '–', n: 'n=0', title: 'no held-out pairs in this dataset' });
  });

  it('keys never collide between ids', () => {
    expect(cellKey('a-b', 'c')).not.toBe(cellKey('a', 'b-c'));
  });
});
