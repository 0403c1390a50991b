// GPT-2's BPE tokenizer: known r50k_base ids (as tiktoken / HF GPT2TokenizerFast give them), round trips
// of dialogue text, and the special tokens (never produced by encode, rendered by name by decode).

import { describe, expect, it } from 'vitest';
import { GPT2_EOC, GPT2_EOT, GPT2_VOCAB, gpt2Tokenizer } from '../../src/data/tokenizer-gpt2.ts';

describe('GPT-2 tokenizer', () => {
  it("gives GPT-2's ids for known strings", () => {
    expect(gpt2Tokenizer.encode('Hello world')).toEqual([15496, 995]);
    expect(gpt2Tokenizer.encode('Hello, world!')).toEqual([15496, 11, 995, 0]);
    expect(gpt2Tokenizer.encode(' the')).toEqual([262]);
    expect(gpt2Tokenizer.encode("I'm here.")).toEqual([40, 1101, 994, 13]);
    expect(gpt2Tokenizer.encode('\n\nHuman: Hi!')).toEqual([198, 198, 20490, 25, 15902, 0]);
    expect(gpt2Tokenizer.encode(' Assistant:')).toEqual([15286, 25]);
    expect(gpt2Tokenizer.encode('')).toEqual([]);
  });

  it('round-trips unicode dialogue text, reassembling characters split across tokens', () => {
    const text = '\n\nHuman: ¿Cómo estás? 🤖 日本語 <b>ok</b>\n\nAssistant: Très bien — merci!';
    const ids = gpt2Tokenizer.encode(text);
    expect(ids.every((i) => Number.isInteger(i) && i >= 0 && i < GPT2_EOT)).toBe(true);
    expect(ids.length).toBeLessThan(new TextEncoder().encode(text).length); // merges happened
    expect(gpt2Tokenizer.decode(ids)).toBe(text);
    // 🤖 is three byte-level tokens; alone, each is an incomplete UTF-8 sequence
    const robot = gpt2Tokenizer.encode('🤖');
    expect(robot).toEqual([8582, 97, 244]);
    expect(gpt2Tokenizer.decode(robot)).toBe('🤖');
    expect(gpt2Tokenizer.decode([robot[0]])).not.toBe('🤖');
  });

  it('encodes special-token text as ordinary text and decodes special ids by name', () => {
    const ids = gpt2Tokenizer.encode('a<|endoftext|>b<|endofcontext|>');
    expect(ids).not.toContain(GPT2_EOT);
    expect(ids).not.toContain(GPT2_EOC);
    expect(gpt2Tokenizer.encode('<|endoftext|>')).toEqual([27, 91, 437, 1659, 5239, 91, 29]);
    expect(gpt2Tokenizer.decode(ids)).toBe('a<|endoftext|>b<|endofcontext|>');
    const hi = gpt2Tokenizer.encode('Hello world');
    expect(gpt2Tokenizer.decode([...hi, GPT2_EOT, ...hi, GPT2_EOC])).toBe(
      'Hello world<|endoftext|>Hello world<|endofcontext|>',
    );
    expect(() => gpt2Tokenizer.decode([GPT2_EOC + 1])).toThrow(/outside/);
    expect(() => gpt2Tokenizer.decode([-1])).toThrow(/outside/);
  });

  it("has GPT-2's vocabulary plus the end-of-context id", () => {
    expect(gpt2Tokenizer.name).toBe('gpt2');
    expect(GPT2_VOCAB).toBe(50257);
    expect(gpt2Tokenizer.endOfText).toBe(50256);
    expect(gpt2Tokenizer.endOfContext).toBe(50257);
    expect(gpt2Tokenizer.vocabSize).toBe(50258);
    expect(gpt2Tokenizer.encode(gpt2Tokenizer.decode([50255]))).toEqual([50255]); // the last merge
  });
});
