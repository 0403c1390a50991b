// The types PPOTrainer (ppo.ts) takes and returns: what it needs of a tokenizer and a reward function, its
// initial weights, a rollout (steps 1–2 of an iteration), an iteration's result with its optional per-token
// trace, and the state a resumed run carries. ppo.ts re-exports them all.

import type { PPOMetrics } from './ppo-metrics.ts';

/** What the trainer needs of a tokenizer (the byte and GPT-2 tokenizers, or a test's toy alphabet). */
export interface PPOTokenizer {
  readonly endOfText: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

/**
 * The score of each response: prompts (as given to `step`), response texts (without end-of-text or a
 * stop text) and the response tokens (with a final end-of-text when the policy wrote one). One that holds GPU
 * memory (a preference model) has `dispose`, for its owner.
 */
export type RewardFn = ((prompts: string[], responses: string[], responseTokens: number[][]) => Promise<number[]>) & {
  dispose?(): void;
};

export interface PPOInit {
  /**
   * The initial policy's packed parameters (paramTable(cfg)); also the frozen reference π0 unless `reference` is given.
   */
  policy: Float32Array;
  /** The value head's packed parameters (headTable('value_head', C)); a fresh head when absent. */
  valueHead?: Float32Array;
  /**
   * π0 when the policy does not start at it: a resumed run starts from its stored policy, π0 stays the run's initial
   * one.
   */
  reference?: Float32Array;
}

/** Steps 1–2 of an iteration: B prompts, the responses the policy drew for them, and their scores. */
export interface PPORollout {
  /** The prompts as given to `step` (what the reward function saw). */
  prompts: readonly string[];
  /** Each prompt's tokens as the policy saw them (end-of-text first unless cut from the left). */
  promptIds: number[][];
  /** The sampler's response tokens: with a final end-of-text when the policy wrote one, without a stop text. */
  responseTokens: number[][];
  /** What PPO trains on: the response tokens, plus the stop text's tokens when one ended the response. */
  actions: number[][];
  /** The response texts the reward function scored (without end-of-text or a stop text). */
  responses: string[];
  /** The sampler's log-probability of each response token. */
  samplerLogp: number[][];
  /** Whether end-of-text or a stop text ended each response (false: it ran into maxTokens). */
  ended: boolean[];
  /** The reward function's raw scores. */
  scores: number[];
  /** Seconds spent drawing the responses and scoring them. */
  seconds: { rollout: number; score: number };
}

export interface PPOSample {
  prompt: string;
  response: string;
  /** The reward function's raw score. */
  score: number;
  ended: boolean;
}

/** One rollout's per-token trace (inspect): index i is response token i. */
export interface PPORowTrace {
  /** The prompt tokens the policy saw (end-of-text first unless cut). */
  prompt: number[];
  /** The actions: response tokens, plus a stop text's tokens when one ended it. */
  actions: number[];
  /** Log-probabilities the sampler reported (the response tokens, without a stop text). */
  samplerLogp: number[];
  /** log π_old(a_i) from the teacher-forced forward; log π0(a_i); KL_i; entropy H_i. */
  logp: number[];
  refLogp: number[];
  kl: number[];
  entropy: number[];
  /** V(s_i), r_i, whitened advantage A_i, return R_i. */
  value: number[];
  reward: number[];
  advantage: number[];
  return: number[];
  /** Per epoch: π/π_old when the row's minibatch was visited, and whether the clip was active (pg2 > pg1). */
  ratio: number[][];
  clipped: boolean[][];
  /** The minibatch slot holding the row. */
  minibatch: number;
}

export interface PPOInspection {
  /** The order the M minibatches were visited in, per epoch. */
  order: number[][];
  rows: PPORowTrace[];
}

export interface PPOIteration {
  /** 1-based. */
  iteration: number;
  metrics: PPOMetrics;
  samples: PPOSample[];
  inspect?: PPOInspection;
}

/**
 * What a checkpoint must carry besides the weights for a run to go on where it stopped (PPOTrainer.resumeState /
 * resumeAt): the iteration (every random draw is keyed by it), λ_KL (the adaptive controller moves it) and the
 * running score moments (score normalisation). AdamW's moments are not kept: they restart at zero.
 */
export interface PPOResumeState {
  iteration: number;
  klCoef: number;
  scoreMoments: { count: number; mean: number; m2: number };
}
