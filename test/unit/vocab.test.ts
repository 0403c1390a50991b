// Growing the vocabulary for <|endofcontext|>: every parameter copied, new wte rows = the mean row.

import { describe, expect, it } from 'vitest';
import type { GPTConfig } from '../../src/models/config.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { growVocab } from '../../src/models/vocab.ts';
import { randn } from '../helpers/random.ts';

const cfg: GPTConfig = { vocabSize: 5, maxSeqLen: 4, numLayers: 1, numHeads: 2, channels: 4 };

describe('growVocab', () => {
  it('copies every parameter, appends rows equal to the mean embedding, and refuses to shrink', () => {
    const from = paramTable(cfg);
    const packed = initParams(from, cfg, (n) => randn(n, 4));
    const { cfg: grown, packed: out } = growVocab(cfg, packed, 7);
    expect(grown).toEqual({ ...cfg, vocabSize: 7 });
    const to = paramTable(grown);
    for (const s of from.specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      expect(out.subarray(to.byName.get(s.name)!.offset, to.byName.get(s.name)!.offset + n)).toEqual(
        packed.subarray(s.offset, s.offset + n),
      );
    }
    const wteFrom = from.byName.get('transformer.wte.weight')!.offset;
    const wteTo = to.byName.get('transformer.wte.weight')!.offset;
    for (let c = 0; c < 4; c++) {
      let mean = 0;
      for (let v = 0; v < 5; v++) mean += packed[wteFrom + v * 4 + c] / 5;
      expect(out[wteTo + 5 * 4 + c]).toBeCloseTo(mean, 6);
      expect(out[wteTo + 6 * 4 + c]).toBeCloseTo(mean, 6);
    }
    expect(() => growVocab(cfg, packed, 4)).toThrow(/cannot shrink the vocabulary from 5 to 4/);
    expect(() => growVocab(cfg, packed.subarray(1), 6)).toThrow(/packed parameters have/);
  });
});
