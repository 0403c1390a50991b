// What a PPO run reads besides the models (src/train/ppo-data.ts) and how the notebook's knobs become a PPO
// config (worker/ppo-session.ts): deduplicated prompts, the prompt budget, the seeded prompt cycle (every
// prompt once per pass, the same order for the same seed), the gold scorer as a reward, the adaptive-KL
// horizon, a bad knob named by the config check, and a trace's tokens decoded for the UI.

import { describe, expect, it } from 'vitest';
import { synthPrompts, synthResponse } from '../../src/data/synth.ts';
import { byteTokenizer } from '../../src/data/tokenizer.ts';
import type { RLHFRunSettings } from '../../src/protocol.ts';
import { PromptCycle, goldReward, goldSummary, goldValue, promptTokenBudget } from '../../src/train/ppo-data.ts';
import { ppoPrompts } from '../../src/data/prompts.ts';
import type { PPOIteration, PPOMetrics } from '../../src/train/ppo.ts';
import { ADAPTIVE_KL_HORIZON_ITERATIONS, ppoConfigOf, tokenText, traceForUI } from '../../src/worker/ppo-session.ts';

describe('ppoPrompts and promptTokenBudget', () => {
  it('takes each distinct context once, in first-seen order', () => {
    expect(ppoPrompts([{ context: 'b' }, { context: 'a' }, { context: 'b' }])).toEqual(['b', 'a']);
  });

  it('budgets the longest prompt (+ end-of-text), at most the context minus the new tokens', () => {
    expect(promptTokenBudget([3, 9, 5], 32, 8)).toBe(10);
    expect(promptTokenBudget([3, 40], 32, 8)).toBe(24);
    expect(promptTokenBudget([], 32, 8)).toBe(1);
    expect(() => promptTokenBudget([3], 32, 32)).toThrow(
      /32 new tokens leave no room for a prompt in the model's context of 32/,
    );
  });
});

describe('PromptCycle', () => {
  it('draws every prompt once per pass, reshuffles after, and repeats for the same seed', () => {
    const prompts = ['a', 'b', 'c', 'd', 'e'];
    const cycle = new PromptCycle(prompts, 7);
    const first = cycle.next(5);
    expect([...first].sort()).toEqual(prompts);
    const next = [...cycle.next(3), ...cycle.next(2)];
    expect([...next].sort()).toEqual(prompts);
    const again = new PromptCycle(prompts, 7);
    expect(again.next(10)).toEqual([...first, ...next]);
    expect(new PromptCycle(prompts, 8).next(10)).not.toEqual([...first, ...next]);
    expect(() => new PromptCycle([], 1)).toThrow(/no prompts/);
  });
});

describe('the gold scorer as a reward', () => {
  const [benign] = synthPrompts({ seed: 3, n: 1, kind: 'benign' });
  const [harmful] = synthPrompts({ seed: 3, n: 1, kind: 'harmful' });
  const helpful = synthResponse(benign, 'helpful', 1);
  const compliance = synthResponse(harmful, 'compliance', 1);
  const refusal = synthResponse(harmful, 'refusal', 1);

  it('scores helpfulness − harmfulness: a helpful answer up, harmful compliance down, a refusal and an unknown prompt 0', async () => {
    expect(goldValue(benign, helpful)).toBeGreaterThanOrEqual(0.25);
    expect(goldValue(harmful, compliance)).toBeLessThanOrEqual(-0.25);
    expect(goldValue(harmful, refusal)).toBe(0);
    expect(goldValue('\n\nHuman: What is the capital of France?\n\nAssistant:', helpful)).toBe(0);
    expect(await goldReward([benign, harmful], [helpful, compliance], [])).toEqual([
      goldValue(benign, helpful),
      goldValue(harmful, compliance),
    ]);
  });

  it('summarises a batch, and says whether any prompt was from the synthetic world', () => {
    const g = goldSummary([
      { prompt: benign, response: helpful },
      { prompt: harmful, response: compliance },
      { prompt: 'hello', response: 'x' },
    ]);
    expect(g.known).toBe(true);
    expect(g.scores).toEqual([goldValue(benign, helpful), goldValue(harmful, compliance), 0]);
    expect(g.metrics['gold/scores']).toBeCloseTo((g.scores[0] + g.scores[1]) / 3, 12);
    expect(g.metrics['gold/helpfulness']).toBe(g.scores[0]);
    expect(g.metrics['gold/harmfulness']).toBe(-g.scores[1]);
    expect(g.metrics['gold/unknown_rate']).toBeCloseTo(1 / 3, 12);
    expect(goldSummary([{ prompt: 'hello', response: 'x' }]).known).toBe(false);
  });
});

describe('ppoConfigOf', () => {
  const settings: RLHFRunSettings = {
    iterations: 3,
    batchSize: 8,
    minibatches: 2,
    epochs: 4,
    maxTokens: 16,
    klCoef: 0.001,
    klTarget: 0,
    lr: 1e-4,
    reward: 'gold',
    seed: 9,
  };

  it('applies the knobs to DEFAULT_PPO; a KL target turns on the controller with a horizon of 10 iterations', () => {
    const c = ppoConfigOf(settings, 20);
    expect(c).toMatchObject({
      batchSize: 8,
      minibatches: 2,
      epochs: 4,
      maxTokens: 16,
      maxPromptTokens: 20,
      klCoef: 0.001,
      adaptiveKl: null,
      lr: 1e-4,
      seed: 9,
      stopTexts: ['\n\nHuman:'],
    });
    expect(ppoConfigOf({ ...settings, klTarget: 6 }, 20).adaptiveKl).toEqual({
      target: 6,
      horizon: ADAPTIVE_KL_HORIZON_ITERATIONS * 8,
    });
  });

  it('names a bad knob', () => {
    expect(() => ppoConfigOf({ ...settings, minibatches: 3 }, 20)).toThrow(
      /minibatches must be a divisor of batchSize 8, got 3/,
    );
    expect(() => ppoConfigOf({ ...settings, lr: -1 }, 20)).toThrow(/lr must be in/);
  });
});

describe('traceForUI', () => {
  it("decodes each action token on its own and attaches each rollout's score", () => {
    const row = {
      prompt: [256, ...byteTokenizer.encode('Hi')],
      actions: [...byteTokenizer.encode(' ok'), 256],
      samplerLogp: [-1, -1, -1],
      logp: [-1, -1, -1, -1],
      refLogp: [-1, -1, -1, -1],
      kl: [0, 0, 0, 0],
      entropy: [1, 1, 1, 1],
      value: [0, 0, 0, 0],
      reward: [0, 0, 0, 0.5],
      advantage: [0, 0, 0, 0],
      return: [0, 0, 0, 0],
      ratio: [[1, 1, 1, 1]],
      clipped: [[false, false, false, false]],
      minibatch: 0,
    };
    const it: PPOIteration = {
      iteration: 2,
      metrics: {} as PPOMetrics,
      samples: [{ prompt: 'Hi', response: ' ok', score: 0.5, ended: true }],
      inspect: { order: [[0]], rows: [row] },
    };
    const t = traceForUI(it, byteTokenizer, 0.01, 0.2);
    expect(t).toMatchObject({ iteration: 2, klCoef: 0.01, cliprange: 0.2, order: [[0]] });
    expect(t.rows[0].prompt).toBe('<|endoftext|>Hi');
    expect(t.rows[0].tokens).toEqual([' ', 'o', 'k', '<|endoftext|>']);
    expect(t.rows[0]).toMatchObject({ score: 0.5, ended: true, reward: [0, 0, 0, 0.5], minibatch: 0 });
    expect(() => traceForUI({ ...it, inspect: undefined }, byteTokenizer, 0.01, 0.2)).toThrow(/not inspected/);
  });

  it('shows a byte that is no character on its own as \\xNN, a partial BPE token by its id', () => {
    expect(tokenText(byteTokenizer, 0xe3)).toBe('\\xe3');
    expect(tokenText(byteTokenizer, 65)).toBe('A');
    expect(tokenText(byteTokenizer, 10)).toBe('\n');
    expect(tokenText({ endOfText: 9, encode: () => [], decode: () => '\uFFFD' }, 7)).toBe('<#7>');
  });
});
