// The PPO configuration (Bai et al. 2022 §4; TRL's PPOConfig names in the comments): one typed object, a
// comment per field. DEFAULT_PPO keeps the paper's values where it gives them (λ_KL = 0.001) and TRL's
// otherwise; the command line overrides some of them for our tiny models (docs/ppo.md says which and why).

import type { KlEstimator } from '../kernels/kl.ts';

export interface AdaptiveKl {
  /** Target KL(π ‖ π0) per response, in nats (TRL target). */
  target: number;
  /** Horizon in rollouts (TRL horizon): the coefficient moves by at most ±20%·B/horizon per iteration. */
  horizon: number;
}

export interface PPOConfig {
  /** Rollouts per iteration B (TRL batch_size): B prompts, one response each. */
  batchSize: number;
  /** Minibatches M per epoch (B divisible by M): an optimizer step per minibatch. */
  minibatches: number;
  /** PPO epochs K over each batch of rollouts (TRL ppo_epochs / num_ppo_epochs). */
  epochs: number;
  /** Most new tokens per response (TRL response_length); a response also ends at a stop. */
  maxTokens: number;
  /** Prompts are cut from the left to this many tokens (0: maxSeqLen − maxTokens). */
  maxPromptTokens: number;
  /** Texts that end a response when the policy writes them (removed from the response text). */
  stopTexts: string[];
  /** Sampling temperature τ > 0; log-probabilities (policy, reference, PPO) use the same τ, as TRL does. */
  temperature: number;
  /** Sample from the top-k logits only (0: all). PPO's log-probabilities are over the whole vocabulary. */
  topK: number;
  /** λ_KL: per-token reward −λ_KL·KL_t (TRL init_kl_coef / kl_coef). 0.001 as in the paper. */
  klCoef: number;
  /** Adapt λ_KL towards a target KL (Ziegler et al. 2019); null: fixed. */
  adaptiveKl: AdaptiveKl | null;
  /** KL estimator per token: 1 = log π − log π0 (TRL, unbiased), 3 = exp(d) − 1 − d (never negative). */
  klEstimator: KlEstimator;
  /** Discount γ of GAE. */
  gamma: number;
  /** GAE λ. */
  lam: number;
  /** ε: the probability ratio is clipped to [1 − ε, 1 + ε]. */
  cliprange: number;
  /** ε_v: a value estimate moves at most ε_v from its rollout value (clipped value loss). */
  cliprangeValue: number;
  /** Weight of loss/value in the total loss (TRL vf_coef). */
  vfCoef: number;
  /** Weight of the entropy bonus (CleanRL ent_coef; TRL has none: 0). */
  entCoef: number;
  /** AdamW learning rate (constant), for the policy trunk and the value head. */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** AdamW's decoupled weight decay on matrices and embeddings (0, as TRL's default). */
  weightDecay: number;
  /** Clip the global gradient norm (trunk + value head) to this value (0: no clipping). */
  gradClip: number;
  /**
   * Subtracted from the score of a response that did not end (no end-of-text, no stop text) (TRL missing_eos_penalty;
   * 0: none).
   */
  missingEosPenalty: number;
  /** Normalise scores by running mean and std over all iterations so far (TRL use_score_scaling + use_score_norm). */
  scoreNorm: boolean;
  /** Clip (normalised) scores to ±scoreClip (TRL score_clip; 0: none). */
  scoreClip: number;
  /** Seed of the sampler's draws and of the minibatch order (u32). */
  seed: number;
}

export const DEFAULT_PPO: PPOConfig = {
  batchSize: 8,
  minibatches: 2,
  epochs: 4,
  maxTokens: 32,
  maxPromptTokens: 0,
  stopTexts: ['\n\nHuman:'],
  temperature: 1,
  topK: 0,
  klCoef: 0.001,
  adaptiveKl: null,
  klEstimator: 1,
  gamma: 1,
  lam: 0.95,
  cliprange: 0.2,
  cliprangeValue: 0.2,
  vfCoef: 0.1,
  entCoef: 0,
  lr: 1e-5,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0,
  gradClip: 1,
  missingEosPenalty: 0,
  scoreNorm: false,
  scoreClip: 0,
  seed: 1,
};

/** Ziegler et al.'s controller: λ ← λ·(1 + clip(KL/target − 1, ±0.2)·n/horizon) after n rollouts with mean KL `kl`. */
export function adaptKlCoef(coef: number, kl: number, n: number, { target, horizon }: AdaptiveKl): number {
  const error = Math.min(Math.max(kl / target - 1, -0.2), 0.2);
  return coef * (1 + (error * n) / horizon);
}

/** Every field checked; a bad one is an Error naming it. */
export function checkPPOConfig(c: PPOConfig): void {
  const fail = (field: string, want: string, got: unknown) => {
    throw new Error(`PPO config: ${field} must be ${want}, got ${JSON.stringify(got)}`);
  };
  const posInt = (field: keyof PPOConfig) => {
    const v = c[field] as number;
    if (!Number.isInteger(v) || v < 1) fail(field, 'a positive integer', v);
  };
  const inRange = (field: keyof PPOConfig, lo: number, hi = Infinity) => {
    const v = c[field] as number;
    if (!Number.isFinite(v) || v < lo || v > hi) fail(field, `in [${lo}, ${hi}]`, v);
  };
  posInt('batchSize');
  posInt('minibatches');
  posInt('epochs');
  posInt('maxTokens');
  if (c.batchSize % c.minibatches !== 0) fail('minibatches', `a divisor of batchSize ${c.batchSize}`, c.minibatches);
  if (!Number.isInteger(c.maxPromptTokens) || c.maxPromptTokens < 0)
    fail('maxPromptTokens', 'a non-negative integer', c.maxPromptTokens);
  if (!Number.isInteger(c.topK) || c.topK < 0) fail('topK', 'a non-negative integer', c.topK);
  if (!(c.temperature > 0) || !Number.isFinite(c.temperature))
    fail('temperature', 'positive (PPO needs a sampling distribution)', c.temperature);
  if (c.stopTexts.some((s) => s.length === 0)) fail('stopTexts', 'non-empty texts', c.stopTexts);
  inRange('klCoef', 0);
  if (c.adaptiveKl && !(c.adaptiveKl.target > 0 && c.adaptiveKl.horizon > 0))
    fail('adaptiveKl', 'a positive target and horizon', c.adaptiveKl);
  if (c.klEstimator !== 1 && c.klEstimator !== 3) fail('klEstimator', '1 or 3', c.klEstimator);
  inRange('gamma', 0, 1);
  inRange('lam', 0, 1);
  inRange('cliprange', 0);
  inRange('cliprangeValue', 0);
  inRange('vfCoef', 0);
  inRange('entCoef', -Infinity);
  inRange('lr', 0);
  inRange('beta1', 0, 1 - 1e-12);
  inRange('beta2', 0, 1 - 1e-12);
  inRange('eps', 0);
  inRange('weightDecay', 0);
  inRange('gradClip', 0);
  inRange('missingEosPenalty', 0);
  inRange('scoreClip', 0);
  if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > 0xffffffff) fail('seed', 'a u32', c.seed);
}
