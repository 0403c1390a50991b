// Preference-model batches: end-of-context at the end, cut from the left, chosen rows then rejected
// rows, padding of the last evaluation batch, and seeded shuffled epochs.

import { describe, expect, it } from 'vitest';
import { encodeComparisons, encodeForPM, pmBatch, PMBatcher, pmEvalBatches } from '../../src/data/pm-batches.ts';
import { byteTokenizer } from '../../src/data/tokenizer.ts';

const tok = byteTokenizer;
const bytes = (s: string) => Array.from(new TextEncoder().encode(s));

describe('PM sequences', () => {
  it('end with end-of-context and keep the response and the end of the context when cut from the left', () => {
    expect(encodeForPM('\n\nHuman: hi\n\nAssistant:', ' yo', tok, 64)).toEqual([
      ...bytes('\n\nHuman: hi\n\nAssistant: yo'),
      tok.endOfContext,
    ]);
    const cut = encodeForPM('\n\nHuman: a long question\n\nAssistant:', ' ok', tok, 10);
    expect(cut).toHaveLength(10);
    expect(cut.at(-1)).toBe(tok.endOfContext);
    expect(tok.decode(cut.slice(0, -1))).toBe('stant: ok');
    // a response longer than T − 1 keeps its last T − 1 tokens
    expect(tok.decode(encodeForPM('C:', ' 0123456789', tok, 5).slice(0, -1))).toBe('6789');
    expect(() => encodeForPM('a', 'b', tok, 1)).toThrow(/T ≥ 2/);
  });

  it('batch chosen rows first, rejected after, with end-of-context indices, and pad a short batch', () => {
    const sides = encodeComparisons(
      [
        { context: 'Q:', chosen: ' yes', rejected: ' no' },
        { context: 'Q2:', chosen: ' sure thing', rejected: ' nope' },
      ],
      tok,
      16,
    );
    const b = pmBatch(sides, 3, 16, tok.endOfText);
    expect(b.count).toBe(2);
    expect(Array.from(b.eocIndex)).toEqual([6, 14, 6, 5, 8, 5]); // rows: c0 c1 c0(pad) | r0 r1 r0(pad)
    const row = (r: number) => Array.from(b.tokens.subarray(r * 16, r * 16 + 16));
    expect(tok.decode(row(1).slice(0, 14))).toBe('Q2: sure thing');
    expect(row(1)[14]).toBe(tok.endOfContext);
    expect(row(1)[15]).toBe(tok.endOfText); // padding after the score position
    expect(tok.decode(row(3).slice(0, 5))).toBe('Q: no');
    expect(() => pmBatch([], 2, 16, 0)).toThrow(/1\.\.2 pairs/);
    expect(() => pmBatch([{ chosen: new Array(17).fill(1), rejected: [1] }], 1, 16, 0)).toThrow(
      /17 tokens, more than T=16/,
    );
  });

  it('evaluation batches cover every pair once, in order', () => {
    const sides = Array.from({ length: 7 }, (_, i) => ({
      chosen: [i, tok.endOfContext],
      rejected: [i + 100, tok.endOfContext],
    }));
    const batches = pmEvalBatches(sides, 3, 4, 0);
    expect(batches.map((b) => b.count)).toEqual([3, 3, 1]);
    expect(batches.flatMap((b) => Array.from({ length: b.count }, (_, p) => b.tokens[p * 4]))).toEqual([
      0, 1, 2, 3, 4, 5, 6,
    ]);
  });

  it('training batches shuffle each epoch with the seed and drop the remainder', () => {
    const sides = Array.from({ length: 10 }, (_, i) => ({ chosen: [i, 1], rejected: [i, 2] }));
    const firstRows = (seed: number, n: number) => {
      const batcher = new PMBatcher(sides, 4, 2, 0, seed);
      const seen = Array.from({ length: n }, () => batcher.next()).map((b) => [
        b.tokens[0],
        b.tokens[2],
        b.tokens[4],
        b.tokens[6],
      ]);
      return { seen, epoch: batcher.epoch, per: batcher.batchesPerEpoch };
    };
    const a = firstRows(3, 4);
    expect(a.per).toBe(2);
    expect(a.epoch).toBe(1); // 4 batches = 2 epochs of 2
    expect(firstRows(3, 4).seen).toEqual(a.seen);
    expect(firstRows(4, 4).seen).not.toEqual(a.seen);
    const epoch0 = a.seen.slice(0, 2).flat();
    expect(new Set(epoch0).size).toBe(8); // no pair twice within an epoch
    expect(() => new PMBatcher(sides.slice(0, 3), 4, 2, 0, 1)).toThrow(/at least one batch of 4 pairs/);
  });

  it('training batches say which pairs they hold, row by row (the notebook shows them)', () => {
    const sides = Array.from({ length: 10 }, (_, i) => ({ chosen: [i, 1], rejected: [i + 100, 2] }));
    const batcher = new PMBatcher(sides, 4, 2, 0, 5);
    expect(batcher.lastIndices).toEqual([]);
    for (let k = 0; k < 3; k++) {
      const b = batcher.next();
      expect(batcher.lastIndices).toHaveLength(4);
      // row p is the chosen side of pair lastIndices[p], row P + p its rejected side
      expect(batcher.lastIndices.map((_, p) => b.tokens[p * 2])).toEqual([...batcher.lastIndices]);
      expect(batcher.lastIndices.map((_, p) => b.tokens[(4 + p) * 2])).toEqual(batcher.lastIndices.map((i) => i + 100));
    }
  });
});
