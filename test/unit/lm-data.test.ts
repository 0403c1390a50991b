import { describe, expect, it } from 'vitest';
import { describeProblems, parseHHJsonl } from '../../src/data/hh.ts';
import { LMBatcher, tokenizeTranscripts } from '../../src/data/lm-batches.ts';
import { BYTE_EOT, byteTokenizer } from '../../src/data/tokenizer.ts';

describe('HH JSONL parsing', () => {
  it('keeps valid pairs and reports each bad line with its number and reason', () => {
    const good = JSON.stringify({
      chosen: '\n\nHuman: hi\n\nAssistant: hello',
      rejected: '\n\nHuman: hi\n\nAssistant: go away',
    });
    const text = [
      good,
      '{not json',
      JSON.stringify({ chosen: 'x' }),
      JSON.stringify({ chosen: 'a', rejected: 'b' }),
      '',
      good,
    ].join('\n');
    const { pairs, problems } = parseHHJsonl(text);
    expect(pairs.map((p) => p.line)).toEqual([1, 6]);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(describeProblems('hh.jsonl', problems)).toMatch(
      /^hh\.jsonl:2: not valid JSON.*\nhh\.jsonl:3: missing string field "rejected"\nhh\.jsonl:4: no "\\n\\nAssistant:" turn$/s,
    );
  });
});

describe('language-model batches', () => {
  const transcript = '\n\nHuman: hi\n\nAssistant: yo';

  it('masks everything but Assistant words when asked', () => {
    const all = tokenizeTranscripts([transcript], byteTokenizer);
    const sft = tokenizeTranscripts([transcript], byteTokenizer, true);
    expect(Array.from(all.tokens.slice(-3))).toEqual([121, 111, BYTE_EOT]); // "yo" + end-of-text
    expect(all.mask.every((m) => m === 1)).toBe(true);
    const kept = Array.from(sft.tokens).filter((_, i) => sft.mask[i] === 1);
    expect(byteTokenizer.decode(kept)).toBe(' yo<|endoftext|>');
  });

  it('cuts reproducible windows whose targets are the inputs shifted by one', () => {
    const stream = tokenizeTranscripts([transcript, transcript], byteTokenizer);
    const a = new LMBatcher(stream, 3, 8, 42).next();
    const b = new LMBatcher(stream, 3, 8, 42).next();
    expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
    for (let r = 0; r < 3; r++) {
      expect(Array.from(a.tokens.slice(r * 8 + 1, r * 8 + 8))).toEqual(Array.from(a.targets.slice(r * 8, r * 8 + 7)));
    }
    expect(() => new LMBatcher(stream, 1, 1000, 1)).toThrow(/needs at least 1001/);
  });
});
