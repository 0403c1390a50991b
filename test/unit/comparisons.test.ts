import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  comparisonsToJsonl,
  dedupeComparisons,
  splitPair,
  subsetFromFileName,
  toComparisons,
  type Comparison,
} from '../../src/data/comparisons.ts';
import { parseHHJsonl } from '../../src/data/hh.ts';

// The real HH dev files live beside the repository (../shared/data/hh), in CI too.
const HH_DIR = fileURLToPath(new URL('../../../shared/data/hh/', import.meta.url));
const readHH = (name: string) => gunzipSync(readFileSync(HH_DIR + name)).toString('utf8');

const DIFFER = { error: 'chosen and rejected differ before the final Assistant turn' };

describe('splitPair', () => {
  it("cuts at the final Assistant turn and keeps the responses' leading space", () => {
    const ctx = '\n\nHuman: hi\n\nAssistant: hello\n\nHuman: help me\n\nAssistant:';
    expect(splitPair(ctx + ' Sure, here.', ctx + ' No.')).toEqual({
      context: ctx,
      chosen: ' Sure, here.',
      rejected: ' No.',
    });
    // responses that start alike are still cut at the turn, not at the common prefix
    expect(splitPair(ctx + ' Sure, here.', ctx + ' Sure, there.')).toEqual({
      context: ctx,
      chosen: ' Sure, here.',
      rejected: ' Sure, there.',
    });
    // one response a prefix of the other, and an empty response
    expect(splitPair(ctx + ' Sure', ctx + ' Sure, ok')).toEqual({
      context: ctx,
      chosen: ' Sure',
      rejected: ' Sure, ok',
    });
    expect(splitPair(ctx, ctx + ' x')).toEqual({ context: ctx, chosen: '', rejected: ' x' });
  });

  it('keeps a response that itself contains "\\n\\nAssistant:" whole (as in real HH pairs)', () => {
    const ctx = '\n\nHuman: How much do solar panels cost?\n\nAssistant:';
    const c = ' Umm. Just a second...\n\nAssistant: About $50.';
    expect(splitPair(ctx + c, ctx + ' Ask a maker.')).toEqual({ context: ctx, chosen: c, rejected: ' Ask a maker.' });
    expect(splitPair(ctx + ' Ask a maker.', ctx + c)).toEqual({ context: ctx, chosen: ' Ask a maker.', rejected: c });
  });

  it('refuses pairs whose conversations differ before the final Assistant turn', () => {
    expect(splitPair('\n\nHuman: a\n\nAssistant: x', '\n\nHuman: b\n\nAssistant: x')).toEqual(DIFFER);
    const a = '\n\nHuman: a\n\nAssistant: x\n\nHuman: c\n\nAssistant: y';
    const b = '\n\nHuman: a\n\nAssistant: x\n\nHuman: d\n\nAssistant: y';
    expect(splitPair(a, b)).toEqual(DIFFER);
    const e = '\n\nHuman: a\n\nAssistant: x\n\nHuman: c\n\nAssistant: y';
    expect(splitPair(e, '\n\nHuman: a\n\nAssistant: z\n\nHuman: c\n\nAssistant: y')).toEqual(DIFFER);
    // a common prefix that ends inside "\n\nAssistant:" shares no complete turn
    expect(splitPair('\n\nAssist', '\n\nAssistant: x')).toEqual(DIFFER);
  });
});

describe('toComparisons', () => {
  const ctx = '\n\nHuman: q\n\nAssistant:';
  const pairs = [
    { chosen: ctx + ' good', rejected: ctx + ' bad', line: 1 },
    { chosen: ctx + ' same', rejected: ctx + ' same', line: 3 },
    { chosen: '\n\nHuman: a\n\nAssistant: x', rejected: '\n\nHuman: b\n\nAssistant: x', line: 4 },
    { chosen: ctx + ' one\n\nAssistant: two', rejected: ctx + ' three', line: 7 },
  ];

  it('drops identical pairs, reports unsplittable ones by line, and records subset and source', () => {
    const r = toComparisons(pairs, { file: 'my.jsonl', subset: 'mine' });
    expect(r.identical).toBe(1);
    expect(r.embeddedAssistant).toBe(1);
    expect(r.problems).toEqual([{ line: 4, ...{ reason: DIFFER.error } }]);
    expect(r.comparisons).toEqual([
      { context: ctx, chosen: ' good', rejected: ' bad', subset: 'mine', source: { file: 'my.jsonl', line: 1 } },
      {
        context: ctx,
        chosen: ' one\n\nAssistant: two',
        rejected: ' three',
        subset: 'mine',
        source: { file: 'my.jsonl', line: 7 },
      },
    ]);
  });

  it('writes HH JSONL that parses back to the same transcripts, and drops exact duplicates', () => {
    const { comparisons } = toComparisons(pairs, { file: 'f', subset: 's' });
    const text = comparisonsToJsonl(comparisons);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[0]).toBe(
      `{"chosen": ${JSON.stringify(ctx + ' good')}, "rejected": ${JSON.stringify(ctx + ' bad')}}`,
    );
    const back = parseHHJsonl(text);
    expect(back.problems).toEqual([]);
    expect(back.pairs.map((p) => [p.chosen, p.rejected])).toEqual(
      [pairs[0], pairs[3]].map((p) => [p.chosen, p.rejected]),
    );
    const copy: Comparison = { ...comparisons[0], source: { file: 'other', line: 9 }, subset: 'other' };
    const d = dedupeComparisons([...comparisons, copy, comparisons[1]]);
    expect(d.duplicates).toBe(2);
    expect(d.comparisons).toEqual(comparisons);
  });
});

describe('subsetFromFileName', () => {
  it('recognises helpful and harmless files and otherwise strips the extensions', () => {
    expect(subsetFromFileName('/data/hh/helpful-base.dev.jsonl.gz')).toBe('helpful');
    expect(subsetFromFileName('C:\\data\\Harmless-Base.jsonl')).toBe('harmless');
    expect(subsetFromFileName('helpful-online.json')).toBe('helpful');
    expect(subsetFromFileName('dir/my-prefs.jsonl.gz')).toBe('my-prefs');
    expect(subsetFromFileName('my-prefs.jsonl')).toBe('my-prefs');
    expect(subsetFromFileName('round2.json')).toBe('round2');
    expect(subsetFromFileName('round2.v1.JSONL')).toBe('round2.v1');
  });
});

describe('the real HH dev files', () => {
  // Counts computed once from the files (see the header of comparisons.ts). embeddedAssistant = the pairs that
  // "last \n\nAssistant: of each transcript" would wrongly call different before the final turn.
  const expected = {
    'helpful-base.dev.jsonl.gz': { pairs: 1647, comparisons: 1645, identical: 2, embeddedAssistant: 7 },
    'harmless-base.dev.jsonl.gz': { pairs: 1618, comparisons: 1618, identical: 0, embeddedAssistant: 2 },
  };

  for (const [name, want] of Object.entries(expected)) {
    it(`${name}: splits every non-identical pair and writes the file back byte for byte`, () => {
      const text = readHH(name);
      const parsed = parseHHJsonl(text);
      expect(parsed.problems).toEqual([]);
      const r = toComparisons(parsed.pairs, { file: name, subset: subsetFromFileName(name) });
      const embeddedBySimpleRule = parsed.pairs.filter((p) => {
        const cut = (s: string) => s.slice(0, s.lastIndexOf('\n\nAssistant:'));
        return p.chosen !== p.rejected && cut(p.chosen) !== cut(p.rejected);
      }).length;
      console.log(
        `${name}: ${parsed.pairs.length} pairs, ${r.comparisons.length} split, ${r.identical} identical, ` +
          `${r.problems.length} context mismatches; ${embeddedBySimpleRule} differ at the last "\\n\\nAssistant:" of each ` +
          `transcript, all of them final responses that contain "\\n\\nAssistant:" (${r.embeddedAssistant})`,
      );
      expect({
        pairs: parsed.pairs.length,
        comparisons: r.comparisons.length,
        identical: r.identical,
        embeddedAssistant: r.embeddedAssistant,
      }).toEqual(want);
      expect(r.problems).toEqual([]);
      expect(embeddedBySimpleRule).toBe(want.embeddedAssistant);
      expect(dedupeComparisons(r.comparisons).duplicates).toBe(0);
      for (const c of r.comparisons) {
        expect(c.subset).toBe(name.startsWith('helpful') ? 'helpful' : 'harmless');
        expect(c.context.endsWith('\n\nAssistant:')).toBe(true);
      }
      // exact round trip: transcripts, and the very bytes of every non-identical line
      const out = comparisonsToJsonl(r.comparisons);
      const back = parseHHJsonl(out).pairs;
      const kept = parsed.pairs.filter((p) => p.chosen !== p.rejected);
      expect(back.map((p) => p.chosen)).toEqual(kept.map((p) => p.chosen));
      expect(back.map((p) => p.rejected)).toEqual(kept.map((p) => p.rejected));
      const lines = text.split('\n');
      expect(out).toBe(kept.map((p) => lines[p.line - 1] + '\n').join(''));
    });
  }
});
