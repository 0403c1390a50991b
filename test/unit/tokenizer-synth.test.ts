// The synthetic world's word tokenizer: lossless on any text (byte fallback), one token per key word the gold
// scorer counts, every synthetic transcript + <|endofcontext|> within 48 tokens, the byte tokenizer's special ids.

import { describe, expect, it } from 'vitest';
import { generateSynthWorld } from '../../src/data/synth.ts';
import { BENIGN_TOPICS, HARMFUL_TOPICS } from '../../src/data/synth-vocab.ts';
import { byteTokenizer } from '../../src/data/tokenizer.ts';
import { synthTokenizer as synth } from '../../src/data/tokenizer-synth.ts';
import {
  lmVocabSize,
  tokenizerByName,
  tokenizerOfCheckpoint,
  vocabWithEndOfContext,
} from '../../src/data/tokenizers.ts';
import { PRESETS } from '../../src/models/config.ts';

describe('synth tokenizer', () => {
  it('round-trips the world and arbitrary text; unknown pieces fall back to bytes', () => {
    const world = generateSynthWorld({ seed: 9, pairs: 300 });
    let longest = 0;
    for (const p of [...world.helpful, ...world.harmless]) {
      for (const text of [p.chosen, p.rejected]) {
        const ids = synth.encode(text);
        expect(synth.decode(ids)).toBe(text);
        longest = Math.max(longest, ids.length);
      }
    }
    expect(longest).toBeLessThanOrEqual(47); // + <|endofcontext|> fits T = 48
    for (const text of [
      'Zebra quokka 42 ünïcode 🙂 tabs\tand\r\nCRLF',
      '',
      '  leading spaces',
      '<img src=x onerror=alert(1)>',
    ]) {
      expect(synth.decode(synth.encode(text))).toBe(text);
    }
    expect(synth.encode(' quokka')).toEqual(byteTokenizer.encode(' quokka')); // not a word of the world: bytes
  });

  it('makes every key word of every topic one token, with or without a leading space', () => {
    for (const topic of [...BENIGN_TOPICS, ...HARMFUL_TOPICS]) {
      for (const [key] of topic.steps) {
        expect(synth.encode(` ${key}`), key).toHaveLength(1);
        expect(synth.encode(key), key).toHaveLength(1);
        expect(synth.encode(` ${key}`)[0]).toBeGreaterThanOrEqual(258);
      }
    }
  });

  it("shares the byte tokenizer's special tokens and sizes a model by its vocabulary", () => {
    expect([synth.endOfText, synth.endOfContext]).toEqual([byteTokenizer.endOfText, byteTokenizer.endOfContext]);
    expect(synth.decode([256, 257])).toBe('<|endoftext|><|endofcontext|>');
    expect(tokenizerByName('synth')).toBe(synth);
    expect(lmVocabSize(synth)).toBe(synth.vocabSize);
    expect(vocabWithEndOfContext(synth)).toBe(synth.vocabSize); // <|endofcontext|> is already inside
    expect(synth.vocabSize).toBeGreaterThan(258 + 100);
    const cfg = { ...PRESETS.micro, vocabSize: synth.vocabSize };
    expect(tokenizerOfCheckpoint({ tokenizer: 'synth' }, cfg, 'm.safetensors')).toBe(synth);
    expect(() => tokenizerOfCheckpoint({ tokenizer: 'synth' }, { ...cfg, vocabSize: 258 }, 'm.safetensors')).toThrow(
      /m\.safetensors: tokenizer synth needs a vocabulary of at least/,
    );
  });
});
