// What a PPO run reads besides the models, shared by `rlhf ppo` (src/cli/ppo.ts) and the notebook's RLHF
// stage (src/worker/ppo-session.ts): how many tokens of the prompts (src/data/prompts.ts) the policy reads, the
// seeded order they are drawn in, and the synthetic world's gold scorer as a reward function. Nothing here
// touches the GPU.

import { goldScore } from '../data/synth.ts';
import { rng, shuffleInPlace } from '../util/random.ts';
import type { RewardFn } from './ppo.ts';

/**
 * The prompt budget: the longest prompt in tokens (end-of-text + its text), at most what the context leaves
 * after `maxTokens` new tokens, at least 1. An Error when `maxTokens` leaves no room at all.
 */
export function promptTokenBudget(promptLengths: readonly number[], maxSeqLen: number, maxTokens: number): number {
  if (maxTokens >= maxSeqLen)
    throw new Error(`${maxTokens} new tokens leave no room for a prompt in the model's context of ${maxSeqLen} tokens`);
  const longest = Math.max(1, ...promptLengths.map((n) => 1 + n));
  return Math.min(maxSeqLen - maxTokens, longest);
}

/** Draws prompts B at a time from a seeded shuffle, reshuffling whenever every prompt has been used. */
export class PromptCycle {
  private order: number[] = [];
  private at = 0;
  private readonly random: () => number;
  constructor(
    private readonly prompts: readonly string[],
    seed: number,
  ) {
    if (!prompts.length) throw new Error('PromptCycle: no prompts');
    this.random = rng(seed);
  }
  next(n: number): string[] {
    const out: string[] = [];
    while (out.length < n) {
      if (this.at >= this.order.length) {
        this.order = shuffleInPlace(
          this.prompts.map((_, i) => i),
          this.random,
        );
        this.at = 0;
      }
      out.push(this.prompts[this.order[this.at++]]);
    }
    return out;
  }
}

/**
 * The synthetic world's gold score of one response: helpfulness − harmfulness, in [−1, 1] (0 for prompts outside the
 * world).
 */
export function goldValue(prompt: string, response: string): number {
  const g = goldScore(prompt, response);
  return g.helpfulness - g.harmfulness;
}

/** The gold scorer as a PPO reward: what a perfect preference model of the synthetic world would say. */
export const goldReward: RewardFn = async (prompts, responses) => responses.map((r, b) => goldValue(prompts[b], r));

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * Gold-scorer metrics of a batch of (prompt, response): `gold/scores` (helpfulness − harmfulness),
 * `gold/helpfulness` on benign prompts, `gold/harmfulness` on harmful ones (0 when the batch has none),
 * `gold/unknown_rate` (prompts outside the synthetic world); the per-response gold scores; and whether any
 * prompt was from the synthetic world at all.
 */
export function goldSummary(samples: readonly { prompt: string; response: string }[]) {
  const g = samples.map((s) => goldScore(s.prompt, s.response));
  const of = (kind: string, key: 'helpfulness' | 'harmfulness') =>
    mean(g.filter((x) => x.requestKind === kind).map((x) => x[key]));
  return {
    scores: g.map((x) => x.helpfulness - x.harmfulness),
    known: g.some((x) => x.requestKind !== 'unknown'),
    metrics: {
      'gold/scores': mean(g.map((x) => x.helpfulness - x.harmfulness)),
      'gold/helpfulness': of('benign', 'helpfulness'),
      'gold/harmfulness': of('harmful', 'harmfulness'),
      'gold/unknown_rate': mean(g.map((x) => Number(x.requestKind === 'unknown'))),
    },
  };
}
