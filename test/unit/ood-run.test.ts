// The prompt sets of an out-of-distribution run, shared by `rlhf ood` and the notebook (src/eval/ood-run.ts
// oodPromptSets), and the notebook's split of a dataset both fitted and evaluated (src/worker/ood-session.ts
// splitFitAndEval): held-out prompts never fitted, exposed prompts never evaluated, the sample cap, the same seed
// giving the same sets, and errors that name the sets as the caller calls them.

import { describe, expect, it } from 'vitest';
import { oodPromptSets } from '../../src/eval/ood-run.ts';
import { splitFitAndEval } from '../../src/worker/ood-session.ts';

const names = { fit: '--fit', evalIn: '--eval-in', evalOut: '--eval-out', expose: '--expose' };
const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('oodPromptSets', () => {
  it('holds out, exposes, samples; a seed gives the same sets', () => {
    const fit = range('a', 30);
    const evalIn = [...range('a', 10), ...range('b', 12)]; // 10 of them are fit prompts
    const evalOut = range('c', 15);
    const sets = oodPromptSets({ fit, evalIn, evalOut }, { seed: 4, expose: 3, names });
    expect(sets.droppedInFit).toBe(10);
    expect([...sets.evalIn].sort()).toEqual([...range('b', 12)].sort());
    expect(sets.exposed).toHaveLength(3);
    expect(sets.evalOut).toHaveLength(12);
    expect([...sets.exposed, ...sets.evalOut].sort()).toEqual([...evalOut].sort());
    expect(sets.background).toEqual([]);
    expect(oodPromptSets({ fit, evalIn, evalOut }, { seed: 4, expose: 3, names })).toEqual(sets);
    expect(oodPromptSets({ fit, evalIn, evalOut }, { seed: 5, expose: 3, names }).fit).not.toEqual(sets.fit);
    const capped = oodPromptSets(
      { fit, evalIn, evalOut, background: range('d', 9) },
      { seed: 4, expose: 3, n: 5, names },
    );
    expect([
      capped.fit.length,
      capped.evalIn.length,
      capped.evalOut.length,
      capped.exposed.length,
      capped.background.length,
    ]).toEqual([5, 5, 5, 3, 5]);
  });

  it('names the sets in its errors', () => {
    expect(() => oodPromptSets({ fit: ['x'], evalIn: ['x'], evalOut: ['y'] }, { seed: 1, expose: 0, names })).toThrow(
      'every --eval-in prompt is also a --fit prompt: nothing is held out',
    );
    expect(() => oodPromptSets({ fit: ['x'], evalIn: ['z'], evalOut: ['y'] }, { seed: 1, expose: 1, names })).toThrow(
      '--expose 1 leaves no --eval-out prompt to evaluate (there are 1)',
    );
    expect(() => oodPromptSets({ fit: [], evalIn: ['z'], evalOut: ['y'] }, { seed: 1, expose: 0, names })).toThrow(
      '--fit: no prompts to fit',
    );
  });
});

describe('splitFitAndEval', () => {
  it('splits a dataset on both sides, leaves the others whole', () => {
    const a = { id: 'a', prompts: range('a', 21) };
    const b = { id: 'b', prompts: range('b', 7) };
    const s = splitFitAndEval([a, b], [a], 0.5, 1);
    expect(s.heldOut).toBe(11); // round(10.5)
    expect(s.evalIn).toHaveLength(11);
    expect(s.fit).toHaveLength(10 + 7);
    expect(s.fit.filter((p) => s.evalIn.includes(p))).toEqual([]);
    expect([...s.fit.filter((p) => p.startsWith('a')), ...s.evalIn].sort()).toEqual([...a.prompts].sort());
    expect(splitFitAndEval([a, b], [a], 0.5, 1)).toEqual(s);
    expect(splitFitAndEval([a], [b], 0.5, 1)).toEqual({ fit: a.prompts, evalIn: b.prompts, heldOut: 0 });
    expect(splitFitAndEval([a], [a], 0.01, 1).heldOut).toBe(1); // at least one held out
    expect(() => splitFitAndEval([{ id: 'one', prompts: ['x'] }], [{ id: 'one', prompts: ['x'] }], 0.5, 1)).toThrow(
      'one is both fitted and evaluated, but has 1 prompt: nothing to hold out',
    );
  });
});
