// Which tokenizer a checkpoint uses: its metadata, else its vocabulary size; anything else named.

import { describe, expect, it } from 'vitest';
import {
  lmVocabSize,
  tokenizerByName,
  tokenizerOfCheckpoint,
  vocabWithEndOfContext,
} from '../../src/data/tokenizers.ts';

const cfg = (vocabSize: number) => ({ vocabSize, maxSeqLen: 8, numLayers: 1, numHeads: 1, channels: 4 });

describe('tokenizers by name and by checkpoint', () => {
  it('knows byte and gpt2 and their vocabulary sizes', () => {
    expect(tokenizerByName('byte').name).toBe('byte');
    expect(lmVocabSize(tokenizerByName('gpt2'))).toBe(50257);
    expect(vocabWithEndOfContext(tokenizerByName('gpt2'))).toBe(50258);
    expect(vocabWithEndOfContext(tokenizerByName('byte'))).toBe(258);
    expect(() => tokenizerByName('bpe', '--tokenizer')).toThrow(
      /--tokenizer: unknown tokenizer "bpe" \(one of byte, gpt2, synth\)/,
    );
  });

  it('reads the metadata, else infers from V, else names the file and the problem', () => {
    expect(tokenizerOfCheckpoint({ tokenizer: 'gpt2' }, cfg(50258), 'a').name).toBe('gpt2');
    expect(tokenizerOfCheckpoint({}, cfg(258), 'b').name).toBe('byte');
    expect(tokenizerOfCheckpoint({}, cfg(50257), 'c').name).toBe('gpt2');
    expect(() => tokenizerOfCheckpoint({}, cfg(1000), 'd.safetensors')).toThrow(
      /d\.safetensors: no tokenizer metadata, and a vocabulary of 1000 matches neither/,
    );
    expect(() => tokenizerOfCheckpoint({ tokenizer: 'sp' }, cfg(258), 'e.safetensors')).toThrow(
      /e\.safetensors: unknown tokenizer "sp"/,
    );
    expect(() => tokenizerOfCheckpoint({ tokenizer: 'gpt2' }, cfg(258), 'f.safetensors')).toThrow(
      /f\.safetensors: tokenizer gpt2 needs a vocabulary of at least 50257, the model has 258/,
    );
  });
});
