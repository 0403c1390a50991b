// The step-through table of one PPO iteration: each phase adds its columns, the score sits at the last token
// only, every epoch gets its ratio column, the clip column names the epochs the clip bound in, the totals
// are the sums over the response, and token text is shown with its whitespace visible (and stays text).

import { describe, expect, it } from 'vitest';
import type { RLHFTrace } from '../../src/protocol.ts';
import { PPO_PHASES, cellText, traceTable, visibleToken } from '../../src/ui/ppo-trace.ts';

const trace: RLHFTrace = {
  iteration: 3,
  klCoef: 0.1,
  cliprange: 0.2,
  order: [
    [1, 0],
    [0, 1],
  ],
  rows: [
    {
      prompt: '<|endoftext|>\n\nHuman: hi\n\nAssistant:',
      tokens: [' ', 'H', '<|endoftext|>'],
      logp: [-1, -2, -0.5],
      refLogp: [-1.5, -2, -0.25],
      kl: [0.5, 0, -0.25],
      entropy: [2, 2, 2],
      value: [0.1, 0.2, 0.3],
      reward: [-0.05, 0, 0.725],
      advantage: [1, -1, 0.5],
      return: [0.7, 0.72, 0.75],
      ratio: [
        [1, 1, 1],
        [1.3, 0.7, 1.1],
      ],
      clipped: [
        [false, false, false],
        [true, true, false],
      ],
      minibatch: 0,
      score: 0.7,
      ended: true,
    },
    {
      prompt: 'x',
      tokens: ['a'],
      logp: [-3],
      refLogp: [-3],
      kl: [0],
      entropy: [1],
      value: [0],
      reward: [2],
      advantage: [0],
      return: [2],
      ratio: [[1], [1]],
      clipped: [[false], [false]],
      minibatch: 1,
      score: 2,
      ended: false,
    },
  ],
};

describe('traceTable', () => {
  it('each phase adds its columns', () => {
    const keys = (phase: number) => traceTable(trace, 0, phase).columns.map((c) => c.key);
    expect(keys(1)).toEqual(['i', 'token']);
    expect(keys(2)).toEqual(['i', 'token', 'score']);
    expect(keys(3)).toEqual(['i', 'token', 'score', 'logp', 'refLogp', 'kl', 'reward']);
    expect(keys(4)).toEqual(['i', 'token', 'score', 'logp', 'refLogp', 'kl', 'reward', 'value', 'advantage', 'return']);
    expect(keys(5)).toEqual([
      'i',
      'token',
      'score',
      'logp',
      'refLogp',
      'kl',
      'reward',
      'value',
      'advantage',
      'return',
      'ratio1',
      'ratio2',
      'clip',
    ]);
    expect(traceTable(trace, 0).columns).toEqual(traceTable(trace, 0, PPO_PHASES.length).columns);
    expect(PPO_PHASES.map((p) => p.n)).toEqual([1, 2, 3, 4, 5]);
  });

  it('gives one row per response token with its numbers; the score only at the last token', () => {
    const t = traceTable(trace, 0);
    expect(t.rows.map((r) => r.token)).toEqual([' ', 'H', '<|endoftext|>']);
    expect(t.rows[0].values).toEqual({
      i: 0,
      logp: -1,
      refLogp: -1.5,
      kl: 0.5,
      reward: -0.05,
      value: 0.1,
      advantage: 1,
      return: 0.7,
      ratio1: 1,
      ratio2: 1.3,
    });
    expect(t.rows[1].values.score).toBeUndefined();
    expect(t.rows[2].values.score).toBe(0.7);
    expect(t.rows[2].values.ratio2).toBe(1.1);
    expect(t.rows.map((r) => r.clippedEpochs)).toEqual([[2], [2], []]);
    expect(t.totals.kl).toBeCloseTo(0.25, 12);
    expect(t.totals.reward).toBeCloseTo(0.675, 12);
  });

  it('reads another rollout, and names a missing one', () => {
    const t = traceTable(trace, 1);
    expect(t.rows).toHaveLength(1);
    expect(t.rows[0].values.score).toBe(2);
    expect(() => traceTable(trace, 2)).toThrow(/no rollout 2 \(the trace has 2\)/);
  });
});

describe('cellText', () => {
  it('formats numbers to 4 decimals, leaves empty cells empty, names the clip epochs, shows whitespace', () => {
    const [first, , last] = traceTable(trace, 0).rows;
    expect(cellText(first, 'i')).toBe('0');
    expect(cellText(first, 'token')).toBe('␣');
    expect(cellText(first, 'kl')).toBe('0.5000');
    expect(cellText(first, 'ratio2')).toBe('1.3000');
    expect(cellText(first, 'score')).toBe('');
    expect(cellText(first, 'clip')).toBe('✂ e2');
    expect(cellText(last, 'clip')).toBe('–');
    expect(cellText(last, 'score')).toBe('0.7000');
    expect(cellText(last, 'token')).toBe('<|endoftext|>');
  });
});

describe('visibleToken', () => {
  it('makes spaces, newlines, tabs and control bytes visible and leaves markup as plain characters', () => {
    expect(visibleToken('\n\nHuman: a b')).toBe('↵↵Human:␣a␣b');
    expect(visibleToken('\t\r\u0000')).toBe('⇥\\x0d\\x00');
    expect(visibleToken('<img src=x onerror=alert(1)>')).toBe('<img␣src=x␣onerror=alert(1)>');
  });
});
