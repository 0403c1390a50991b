// Steps 1–2 of a PPO iteration (ppo.ts): the rollout and its scores. The sampler draws one response per prompt
// from the current policy (KV cache, left padding); a response ends at end-of-text (kept: an action), at a stop
// text (removed from the response; its tokens are still actions, PPO trains the decision to stop) or after
// maxTokens. The injected reward function then scores (prompt, response text) pairs.

import type { Generation, Sampler } from '../models/sampler.ts';
import type { PPOConfig } from './ppo-config.ts';
import type { PPORollout, PPOTokenizer, RewardFn } from './ppo-types.ts';

/** A prompt's tokens: end-of-text (what precedes every transcript in pretraining), then the text, cut from the left. */
export function encodePrompt(tokenizer: PPOTokenizer, text: string, maxPromptTokens: number): number[] {
  const ids = [tokenizer.endOfText, ...tokenizer.encode(text)];
  return ids.slice(Math.max(0, ids.length - maxPromptTokens));
}

/** The actions of each response: its tokens, plus the stop sequence the sampler removed when one ended it. */
export function actionsOf(
  gen: Pick<Generation, 'tokens' | 'stopSequence'>,
  stopSequences: readonly (readonly number[])[],
): number[][] {
  return gen.tokens.map((r, b) => {
    const k = gen.stopSequence[b];
    return k >= 0 ? [...r, ...stopSequences[k]] : [...r];
  });
}

/** What a rollout needs besides the prompts. */
export interface RolloutSetup {
  sampler: Sampler;
  tokenizer: PPOTokenizer;
  reward: RewardFn;
  config: Pick<PPOConfig, 'maxTokens' | 'temperature' | 'topK'>;
  /** The stop texts' tokens. */
  stopSequences: number[][];
  maxPromptTokens: number;
  /** The sampler's seed for this iteration. */
  seed: number;
}

/** 1. draws a response to each prompt; 2. scores them (the raw scores: shaping is the update's). */
export async function sampleRollout(s: RolloutSetup, prompts: readonly string[]): Promise<PPORollout> {
  const { tokenizer, config } = s;
  const eot = tokenizer.endOfText;
  const clock = () => performance.now() / 1000;
  const t0 = clock();
  // 1. rollout
  const promptIds = prompts.map((p) => encodePrompt(tokenizer, p, s.maxPromptTokens));
  const gen = await s.sampler.generate(promptIds, {
    maxTokens: config.maxTokens,
    temperature: config.temperature,
    topK: config.topK,
    seed: s.seed,
    stopTokens: [eot],
    stopSequences: s.stopSequences,
  });
  const actions = actionsOf(gen, s.stopSequences);
  const t1 = clock();
  // 2. score
  const responses = gen.tokens.map((r) => tokenizer.decode(r.at(-1) === eot ? r.slice(0, -1) : r));
  const B = prompts.length;
  const scores = await s.reward(
    [...prompts],
    responses,
    gen.tokens.map((r) => [...r]),
  );
  if (scores.length !== B || scores.some((x) => !Number.isFinite(x))) {
    const bad = scores.filter((x) => !Number.isFinite(x)).length;
    throw new Error(`PPO: the reward function returned ${scores.length} scores for ${B} responses (${bad} not finite)`);
  }
  return {
    prompts,
    promptIds,
    responseTokens: gen.tokens,
    actions,
    responses,
    samplerLogp: gen.logprobs,
    ended: gen.ended,
    scores,
    seconds: { rollout: t1 - t0, score: clock() - t1 },
  };
}
