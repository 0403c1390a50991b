// PPO's per-iteration metrics (TRL's names) and the shaping of the B scores, as pure functions of what the
// iteration read back: the rollout's scores and lengths, the per-token buffers (KL, entropy, values, returns)
// at each response's columns, and the loss statistics summed over the K·M optimizer steps.

import type { PPOConfig } from './ppo-config.ts';
import type { RunningMoments } from './running-moments.ts';

/** Per iteration, with TRL's names; sums over a response are averaged over the B rollouts. */
export const PPO_METRICS = [
  'objective/scores', // mean raw score of the reward function
  'objective/kl', // mean over rollouts of Σ_t KL_t (nats per response)
  'objective/sqrt_kl', // √max(0, objective/kl): the paper's x-axis
  'objective/entropy', // mean over rollouts of Σ_t H(π(·|s_t))
  'objective/non_score_reward', // mean over rollouts of Σ_t −λ_KL·KL_t
  'objective/rlhf_reward', // mean over rollouts of shaped score + Σ_t −λ_KL·KL_t: what PPO maximises
  'objective/kl_coef', // λ_KL used in this iteration
  'policy/approxkl', // ½·mean (log π − log π_old)², averaged over the K·M optimizer steps (as the five below)
  'policy/clipfrac', // fraction of tokens whose ratio clip was active
  'policy/entropy', // mean per-token entropy during the update
  'loss/policy',
  'loss/value',
  'val/ratio', // mean π/π_old
  'val/clipfrac', // fraction of tokens whose value clip was active
  'val/var_explained', // 1 − Var(returns − values)/Var(returns) over the rollout's tokens
  'response/length', // mean response tokens (end-of-text included, a stop text not)
  'response/ended_rate', // fraction of responses ended by end-of-text or a stop text
  'time/rollout', // seconds of step 1
  'time/score', // step 2
  'time/logprobs', // steps 3 and 4
  'time/update', // step 5 and the metric reads
] as const;
export type PPOMetricName = (typeof PPO_METRICS)[number];
export type PPOMetrics = Record<PPOMetricName, number>;

/** The loss statistics ppo_loss.ts sums per step, by name (PpoStat's keys that are metrics). */
export const PPO_LOSS_METRICS = [
  'policy/approxkl',
  'policy/clipfrac',
  'policy/entropy',
  'loss/policy',
  'loss/value',
  'val/ratio',
  'val/clipfrac',
] as const;
export type PPOLossMetric = (typeof PPO_LOSS_METRICS)[number];

export const meanOf = (xs: readonly number[]): number => xs.reduce((a, c) => a + c, 0) / xs.length;

/** The population variance (mean squared deviation from the mean). */
export function varianceOf(xs: readonly number[]): number {
  const mean = meanOf(xs);
  return meanOf(xs.map((x) => (x - mean) ** 2));
}

/**
 * Missing-ending penalty, running normalisation (updating `moments`) and clipping of the B scores, each optional
 * (TRL's missing_eos_penalty, whiten-by-running-moments, score clip).
 */
export function shapeScores(
  scores: readonly number[],
  ended: readonly boolean[],
  c: Pick<PPOConfig, 'missingEosPenalty' | 'scoreNorm' | 'scoreClip'>,
  moments: RunningMoments,
): number[] {
  let s = scores.map((x, b) => (ended[b] ? x : x - c.missingEosPenalty));
  if (c.scoreNorm) {
    moments.update(s);
    const { mean, std } = moments;
    s = s.map((x) => (x - mean) / Math.max(std, 1e-8));
  }
  if (c.scoreClip > 0) s = s.map((x) => Math.min(Math.max(x, -c.scoreClip), c.scoreClip));
  return s;
}

/** Where response b's per-token values sit in the batch buffers: `length` elements from `first`. */
export interface ResponseSpan {
  first: number;
  length: number;
}

/** What one iteration's metrics are computed from. */
export interface PPOMetricInputs {
  /** The reward function's raw scores and the shaped ones PPO added at the last token. */
  scores: readonly number[];
  shaped: readonly number[];
  klCoef: number;
  /** Response tokens (end-of-text included, a stop text not) and whether each response ended. */
  responseLengths: readonly number[];
  ended: readonly boolean[];
  /** Each response's action columns in the per-token buffers below. */
  spans: readonly ResponseSpan[];
  kl: ArrayLike<number>;
  entropy: ArrayLike<number>;
  values: ArrayLike<number>;
  returns: ArrayLike<number>;
  /** The loss statistics summed over `steps` optimizer steps. */
  lossSums: Record<PPOLossMetric, number>;
  steps: number;
  seconds: { rollout: number; score: number; logprobs: number; update: number };
}

/** The iteration's metrics: sums over each response averaged over the batch, loss statistics averaged over steps. */
export function ppoMetrics(x: PPOMetricInputs): PPOMetrics {
  const B = x.scores.length;
  let klSum = 0;
  let entropySum = 0;
  const resid: number[] = [];
  const rets: number[] = [];
  for (const { first, length } of x.spans) {
    for (let n = first; n < first + length; n++) {
      klSum += x.kl[n];
      entropySum += x.entropy[n];
      resid.push(x.returns[n] - x.values[n]);
      rets.push(x.returns[n]);
    }
  }
  const meanKl = klSum / B;
  const loss = Object.fromEntries(PPO_LOSS_METRICS.map((name) => [name, x.lossSums[name] / x.steps])) as Record<
    PPOLossMetric,
    number
  >;
  return {
    'objective/scores': meanOf(x.scores),
    'objective/kl': meanKl,
    'objective/sqrt_kl': Math.sqrt(Math.max(0, meanKl)),
    'objective/entropy': entropySum / B,
    'objective/non_score_reward': -x.klCoef * meanKl,
    'objective/rlhf_reward': meanOf(x.shaped) - x.klCoef * meanKl,
    'objective/kl_coef': x.klCoef,
    ...loss,
    'val/var_explained': 1 - varianceOf(resid) / varianceOf(rets),
    'response/length': meanOf(x.responseLengths),
    'response/ended_rate': meanOf(x.ended.map(Number)),
    'time/rollout': x.seconds.rollout,
    'time/score': x.seconds.score,
    'time/logprobs': x.seconds.logprobs,
    'time/update': x.seconds.update,
  };
}
