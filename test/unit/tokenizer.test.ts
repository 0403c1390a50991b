import { describe, expect, it } from 'vitest';
import { BYTE_EOC, BYTE_EOT, byteTokenizer } from '../../src/data/tokenizer.ts';

describe('byte tokenizer', () => {
  it('round-trips UTF-8 text byte by byte', () => {
    const text = '\n\nHuman: ¿Cómo estás? 🤖\n\nAssistant:';
    const ids = byteTokenizer.encode(text);
    expect(ids.length).toBe(new TextEncoder().encode(text).length);
    expect(ids.every((i) => i >= 0 && i < 256)).toBe(true);
    expect(byteTokenizer.decode(ids)).toBe(text);
  });

  it('decodes special tokens by name and invalid bytes as replacement characters', () => {
    expect(byteTokenizer.decode([72, 105, BYTE_EOT, BYTE_EOC])).toBe('Hi<|endoftext|><|endofcontext|>');
    expect(byteTokenizer.decode([0xff, 65])).toBe('\ufffdA');
    expect(byteTokenizer.vocabSize).toBe(258);
  });
});
