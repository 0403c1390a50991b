// The pure parts of iterated online RLHF (src/train/online.ts): which response a labeller's two scores pick, the
// user as labeller (only differing pairs are asked; the Worker's round waits for the page's answer and refuses one
// that does not fit),
// ties and identical answers dropped, provenance and subsets on every comparison, the agreement of a second judge,
// the held-out split and the round bookkeeping of the comparison pool, and the HH lines the CLI writes (which
// `rlhf pm` reads back as the same comparisons).

import { describe, expect, it } from 'vitest';
import { toComparisons, type Comparison } from '../../src/data/comparisons.ts';
import { parseHHJsonl } from '../../src/data/hh.ts';
import { synthPrompts, synthResponse } from '../../src/data/synth.ts';
import {
  agreement,
  ComparisonPool,
  goldLabeller,
  holdOut,
  labelPairs,
  labelPicks,
  labelRound,
  onlineComparisonsToJsonl,
  onlineSubset,
  preferred,
  roundSeed,
  type LabelPick,
  type OnlineComparison,
  type PickingLabeller,
} from '../../src/train/online.ts';
import type { LabelRequestPair } from '../../src/protocol.ts';
import { answerLabels, userLabeller } from '../../src/worker/online-session.ts';
import { goldValue } from '../../src/train/ppo-data.ts';

const meta = (round: number) => ({ round, labeller: 'gold', policy: `p${round - 1}.safetensors` });

function comparison(round: number, i: number): OnlineComparison {
  return {
    context: `\n\nHuman: q${i}\n\nAssistant:`,
    chosen: ` a${i}`,
    rejected: ` b${i}`,
    subset: 'online',
    source: { file: `online round ${round}`, line: i + 1 },
    online: { ...meta(round), scores: [1, 0], picked: 1 },
  };
}

describe('labelling from two scores', () => {
  it('picks the higher score; equal scores are a tie; non-finite scores are errors', () => {
    expect(preferred(0.5, 0.25)).toBe(1);
    expect(preferred(-1, 0)).toBe(2);
    expect(preferred(0.25, 0.25)).toBe(0);
    expect(() => preferred(Number.NaN, 0)).toThrow(/not finite/);
  });

  it('makes chosen the higher-scored answer, drops ties and identical answers, keeps provenance and the subset', () => {
    const [benign, harmful] = synthPrompts({ seed: 4, n: 2 });
    const prompts = [benign, harmful, benign, 'Human: hi\n\nAssistant:'];
    const first = [' one', ' two', ' same', ' x'];
    const second = [' uno', ' dos', ' same', ' y'];
    const out = labelPairs(prompts, first, second, [0.25, -0.5, 1, 0], [0.75, 0, 0, 0], meta(3));
    expect(out.ties).toBe(1); // prompt 3
    expect(out.identical).toBe(1); // prompt 2, whatever the scores say
    expect(out.comparisons).toHaveLength(2);
    const [a, b] = out.comparisons;
    expect(a).toMatchObject({
      context: benign,
      chosen: ' uno',
      rejected: ' one',
      subset: 'helpful',
      source: { file: 'online round 3', line: 1 },
    });
    expect(a.online).toEqual({ round: 3, labeller: 'gold', policy: 'p2.safetensors', scores: [0.75, 0.25], picked: 2 });
    expect(b).toMatchObject({ context: harmful, chosen: ' dos', rejected: ' two', subset: 'harmless' });
    expect(b.online.scores).toEqual([0, -0.5]);
    expect(() => labelPairs(prompts, first, second.slice(1), [0, 0, 0, 0], [0, 0, 0, 0], meta(1))).toThrow(/4 prompts/);
  });

  it('with the gold labeller, every comparison is one the gold scorer agrees with', async () => {
    const prompts = synthPrompts({ seed: 7, n: 12 });
    const first = prompts.map((p, i) => synthResponse(p, i % 2 ? 'refusal' : 'evasive', i)); // synthPrompts alternate benign, harmful
    const second = prompts.map((p, i) => synthResponse(p, i % 2 ? 'compliance' : 'helpful', 100 + i));
    const out = labelPairs(
      prompts,
      first,
      second,
      await goldLabeller.score(prompts, first),
      await goldLabeller.score(prompts, second),
      meta(1),
    );
    expect(out.comparisons).toHaveLength(12); // an answer always beats a non-answer to a benign request, a refusal always beats compliance
    expect(out.comparisons.map((c) => c.online.picked)).toEqual(prompts.map((_, i) => (i % 2 ? 1 : 2)));
    for (const c of out.comparisons)
      expect(goldValue(c.context, c.chosen)).toBeGreaterThan(goldValue(c.context, c.rejected));
    const a = agreement(
      out.comparisons.map((c) => goldValue(c.context, c.chosen)),
      out.comparisons.map((c) => goldValue(c.context, c.rejected)),
    );
    expect(a).toEqual({ n: out.comparisons.length, rate: 1, ties: 0 });
  });

  it("takes a picking labeller's picks: 0 drops the pair as no preference, no scores are kept, a bad pick is an error", () => {
    const [benign, harmful] = synthPrompts({ seed: 5, n: 2 });
    const out = labelPicks([benign, harmful, benign], [' a', ' b', ' c'], [' A', ' B', ' c'], [2, 0, 1], {
      round: 2,
      labeller: 'you',
      policy: 'p1',
    });
    expect(out).toMatchObject({ ties: 1, identical: 1 });
    expect(out.comparisons).toHaveLength(1);
    expect(out.comparisons[0]).toMatchObject({
      context: benign,
      chosen: ' A',
      rejected: ' a',
      online: { round: 2, labeller: 'you', policy: 'p1', scores: null, picked: 2 },
    });
    expect(() => labelPicks([benign], [' a'], [' b'], [3 as LabelPick], meta(1))).toThrow(/pick 1 is 3/);
    expect(() => labelPicks([benign], [' a'], [' b'], [], meta(1))).toThrow(/1 prompts.*0 picks/);
  });

  it('asks a picking labeller about the differing pairs only, in order, and refuses an answer of the wrong length', async () => {
    const prompts = synthPrompts({ seed: 6, n: 4 });
    const first = [' w', ' x', ' y', ' z'];
    const second = [' W', ' x', ' Y', ' Z'];
    const asked: [number, string[], string[], string[]][] = [];
    const user: PickingLabeller = {
      name: 'you',
      pick: async (round, ps, a, b) => (asked.push([round, ps, a, b]), [1, 2, 0]),
    };
    const out = await labelRound(user, prompts, first, second, { round: 4, labeller: 'you', policy: 'p3' });
    expect(asked).toEqual([[4, [prompts[0], prompts[2], prompts[3]], [' w', ' y', ' z'], [' W', ' Y', ' Z']]]);
    expect(out.identical).toBe(1);
    expect(out.ties).toBe(1);
    expect(out.comparisons.map((c) => [c.chosen, c.online.picked, c.source.line])).toEqual([
      [' w', 1, 1],
      [' Y', 2, 3],
    ]);
    const short: PickingLabeller = { name: 'you', pick: async () => [1] };
    await expect(labelRound(short, prompts, first, second, meta(1))).rejects.toThrow(/1 labels for 3 pairs/);
    // a scoring labeller is still scored
    const scored = await labelRound(goldLabeller, prompts, first, second, meta(1));
    expect(
      scored.comparisons.every((c) => c.online.scores !== null) &&
        scored.ties + scored.identical + scored.comparisons.length === 4,
    ).toBe(true);
  });

  it("the Worker's user labeller waits for the page's labels, refuses a mismatched answer and stops on request", async () => {
    const shown: [number, LabelRequestPair[]][] = [];
    const user = userLabeller('run-1', (round, pairs) => shown.push([round, pairs]));
    const picks = user.pick(1, ['p1', 'p2'], [' a', ' b'], [' A', ' B']);
    expect(shown).toEqual([
      [
        1,
        [
          { prompt: 'p1', responses: [' a', ' A'] },
          { prompt: 'p2', responses: [' b', ' B'] },
        ],
      ],
    ]);
    expect(() => answerLabels({ type: 'online-labels', request: 'run-1', round: 2, picks: [1, 1] })).toThrow(
      /no online round 2 of run-1/,
    );
    expect(() => answerLabels({ type: 'online-labels', request: 'run-1', round: 1, picks: [1] })).toThrow(
      /asked 2 pairs and got 1 labels/,
    );
    expect(() =>
      answerLabels({ type: 'online-labels', request: 'run-1', round: 1, picks: [1, 7 as LabelPick] }),
    ).toThrow(/label 2 of round 1 is 7/);
    answerLabels({ type: 'online-labels', request: 'run-1', round: 1, picks: [2, 0] }); // still waiting after the refusals
    await expect(picks).resolves.toEqual([2, 0]);
    expect(() => answerLabels({ type: 'online-labels', request: 'run-1', round: 1, picks: [2, 0] })).toThrow(
      /no online round 1/,
    );
    const stopped = user.pick(2, ['p'], [' a'], [' b']);
    answerLabels({ type: 'online-labels', request: 'run-1', round: 2, stop: true });
    await expect(stopped).rejects.toThrow(/stopped by the user while labelling round 2/);
  });

  it('names the subset of synthetic-world prompts and calls every other prompt online', () => {
    const [benign, harmful] = synthPrompts({ seed: 1, n: 2 });
    expect([
      onlineSubset(benign),
      onlineSubset(harmful),
      onlineSubset('\n\nHuman: What is 2+2?\n\nAssistant:'),
    ]).toEqual(['helpful', 'harmless', 'online']);
  });
});

describe('agreement of a second judge', () => {
  it('counts chosen above rejected, a tie as half, and has no rate without comparisons', () => {
    expect(agreement([1, 2, 3, 0], [0, 2, 4, -1])).toEqual({ n: 4, rate: (2 + 0.5) / 4, ties: 1 });
    expect(agreement([], [])).toEqual({ n: 0, rate: null, ties: 0 });
    expect(() => agreement([1], [])).toThrow(/1 chosen, 0 rejected/);
  });
});

describe('round bookkeeping', () => {
  it('holds out ⌊n/10⌋ (at least one of two or more), seeded, without losing or repeating an item', () => {
    for (const n of [0, 1, 2, 9, 10, 25]) {
      const items = Array.from({ length: n }, (_, i) => i);
      const s = holdOut(items, 5);
      expect(s.heldOut).toHaveLength(n >= 2 ? Math.max(1, Math.floor(n / 10)) : 0);
      expect([...s.train, ...s.heldOut].sort((x, y) => x - y)).toEqual(items);
      expect(holdOut(items, 5)).toEqual(s);
    }
    const many = Array.from({ length: 40 }, (_, i) => i);
    expect(holdOut(many, 1).heldOut).not.toEqual(holdOut(many, 2).heldOut);
  });

  it('grows the PM training set round by round, keeps held-out origins, and refuses rounds out of order', () => {
    const init = (i: number): Comparison => ({
      ...comparison(1, i),
      source: { file: 'init.jsonl', line: i + 1 },
      subset: 'helpful',
    });
    const pool = new ComparisonPool({ train: [init(0), init(1)], heldOut: [init(2)] });
    const r1 = Array.from({ length: 12 }, (_, i) => comparison(1, i));
    const s1 = pool.add(1, r1, roundSeed(1, 1, 3));
    expect(s1.heldOut).toHaveLength(1);
    expect(pool.train()).toHaveLength(2 + 11);
    expect(pool.train().slice(0, 2)).toEqual([init(0), init(1)]);
    expect(() => pool.add(3, [comparison(3, 0)], 1)).toThrow(/round 3 added after round 1/);
    expect(() => pool.add(2, [comparison(1, 0)], 1)).toThrow(/comparison of round 1 added as round 2/);
    pool.add(2, [comparison(2, 0), comparison(2, 1), comparison(2, 2)], roundSeed(1, 2, 3));
    expect(pool.size).toBe(2);
    expect(pool.train()).toHaveLength(2 + 11 + 2);
    expect(pool.heldOut().origin).toEqual(['initial', 'round 1', 'round 2']);
    expect(pool.heldOut().comparisons[0]).toEqual(init(2));
    const added = pool.added();
    expect(added.map((c) => c.online.round)).toEqual([...Array(12).fill(1), 2, 2, 2]);
    expect(added.slice(0, 12).map((c) => c.source.line)).toEqual(r1.map((c) => c.source.line)); // in answer order
  });

  it('draws independent seeds per round and use', () => {
    const seeds = new Set<number>();
    for (let r = 1; r <= 5; r++) for (let u = 1; u <= 5; u++) seeds.add(roundSeed(1, r, u));
    expect(seeds.size).toBe(25);
    expect(roundSeed(1, 2, 3)).toBe(roundSeed(1, 2, 3));
    expect(roundSeed(2, 2, 3)).not.toBe(roundSeed(1, 2, 3));
  });
});

describe('comparisons.jsonl', () => {
  it('writes HH lines with the provenance, which parse back into the same comparisons', () => {
    const cs = [comparison(1, 0), comparison(2, 5)];
    const text = onlineComparisonsToJsonl(cs);
    const parsed = parseHHJsonl(text);
    expect(parsed.problems).toEqual([]);
    const back = toComparisons(parsed.pairs, { file: 'comparisons.jsonl', subset: 'online' }).comparisons;
    expect(back.map(({ context, chosen, rejected }) => ({ context, chosen, rejected }))).toEqual(
      cs.map(({ context, chosen, rejected }) => ({ context, chosen, rejected })),
    );
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[1]).toEqual({
      chosen: cs[1].context + cs[1].chosen,
      rejected: cs[1].context + cs[1].rejected,
      subset: 'online',
      round: 2,
      labeller: 'gold',
      policy: 'p1.safetensors',
      scores: [1, 0],
      picked: 1,
    });
  });
});
