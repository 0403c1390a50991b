// Float64 reference of one whole PPO update (PPOTrainer.update, steps 3–5 of ppo.ts) on a given rollout, on the
// CPU, composed from the kernels' references: test/gpu/ppo-step-ref.test.ts holds the GPU update to it.
//   3. score shaping (shapeScores, the trainer's own CPU code); per row a teacher-forced forward of prompt +
//      actions through the policy (log π_old, entropy, values of the value head on lnf) and through π0 (log π0);
//      KL_t, rewards r_t = −λ_KL·KL_t plus the shaped score at the last action;
//   4. GAE per row (γ, λ), advantages whitened over every action token of the batch;
//   5. for each epoch, minibatches in the given order: forward, clipped surrogate + clipped value loss − entropy
//      bonus (ppoLossForwardRef), backward through log-prob → tied LM head → trunk plus the value head into
//      the same lnf, one global norm over policy and head gradients, AdamW on both.
// The layout is the rows themselves, not the trainer's slots: row b is a forward of its own prompt + actions
// (B = 1, T = its length), so padding, slot offsets and alignment gaps play no part, and the GPU's layout is
// checked, not copied. Minibatch m holds rows m·B/M … (m+1)·B/M − 1, as the trainer's slots do. The minibatch
// order is an input (the trainer draws it from its seed; inspect reports it).
// `ppoMinibatchRef` (one minibatch's loss and the gradients of every parameter) is what
// test/unit/ppo-step.ref.test.ts checks by finite differences.

import { adamwUpdateRef } from '../kernels/adamw.ref.ts';
import { gaeForwardRef } from '../kernels/gae.ref.ts';
import { gradNormRef } from '../kernels/grad_norm.ref.ts';
import { klForwardRef } from '../kernels/kl.ref.ts';
import { logprobBackwardRef, logprobForwardRef } from '../kernels/logprob.ref.ts';
import { matmulBackwardRef, matmulForwardRef } from '../kernels/matmul.ref.ts';
import { ppoLossBackwardRef, ppoLossForwardRef } from '../kernels/ppo_loss.ref.ts';
import type { PpoLossHyperparams } from '../kernels/ppo_loss.ts';
import { whitenForwardRef } from '../kernels/whiten.ref.ts';
import type { GPTConfig } from '../models/config.ts';
import { gptBackwardRef, gptForwardRef, packRef, unpackRef, type Weights } from '../models/gpt-trunk.ref.ts';
import { headTable } from '../models/head-table.ts';
import { paramTable, type ParamTable } from '../models/params.ts';
import { adaptKlCoef, type PPOConfig } from './ppo-config.ts';
import {
  meanOf,
  PPO_LOSS_METRICS,
  shapeScores,
  varianceOf,
  type PPOLossMetric,
  type PPOMetricName,
} from './ppo-metrics.ts';
import type { PPORollout } from './ppo-types.ts';
import { RunningMoments } from './running-moments.ts';

/** One row: its tokens (prompt, then actions) and where the actions start; action i is predicted at p − 1 + i. */
export interface RowRef {
  tokens: readonly number[];
  /** Prompt tokens p ≥ 1. */
  p: number;
}

const actionCount = (r: RowRef) => r.tokens.length - r.p;

/** Per action token of one row, from a teacher-forced forward: log π, entropy and (with a head) the value. */
function rowForward(cfg: GPTConfig, w: Weights, head: Weights | null, row: RowRef, temperature: number) {
  const { vocabSize: V, channels: C } = cfg;
  const T = row.tokens.length;
  const n = actionCount(row);
  const f = gptForwardRef(cfg, w, row.tokens, 1, T);
  const at = row.p - 1;
  const logits = f.logits.subarray(at * V, (at + n) * V);
  const lnf = f.lnf.subarray(at * C, (at + n) * C);
  const targets = row.tokens.slice(row.p);
  const { logp, entropy } = logprobForwardRef(logits, targets, n, V, temperature);
  const values = head
    ? matmulForwardRef(lnf, head.get('value_head.weight')!, head.get('value_head.bias')!, n, C, 1)
    : new Float64Array(n);
  return { f, logits, lnf, targets, logp, entropy, values };
}

/** What a minibatch's loss reads besides the weights, per action token, rows concatenated in order. */
export interface MinibatchInputsRef {
  rows: readonly RowRef[];
  oldLogp: Float64Array;
  /** Whitened advantages. */
  advantages: Float64Array;
  oldValues: Float64Array;
  returns: Float64Array;
}

export type PPOLossHyperparamsRef = PpoLossHyperparams & { temperature: number };

/** The distance of each clip decision of ppo_loss from flipping, as the minimum over the minibatch's tokens. */
function decisionMargin(x: ReturnType<typeof lossInputs>, hp: PpoLossHyperparams): number {
  let margin = Infinity;
  for (let n = 0; n < x.logp.length; n++) {
    const ratio = Math.exp(x.logp[n] - x.oldLogp[n]);
    const dv = x.values[n] - x.oldValues[n];
    margin = Math.min(margin, Math.abs(ratio - 1 - hp.cliprange), Math.abs(ratio - 1 + hp.cliprange));
    margin = Math.min(margin, Math.abs(Math.abs(dv) - hp.cliprangeValue));
    const clamped = Math.min(Math.max(ratio, 1 - hp.cliprange), 1 + hp.cliprange);
    if (clamped !== ratio) margin = Math.min(margin, Math.abs(x.advantages[n] * (clamped - ratio)));
    if (Math.abs(dv) > hp.cliprangeValue) {
      const vc = x.oldValues[n] + Math.sign(dv) * hp.cliprangeValue;
      margin = Math.min(margin, Math.abs((vc - x.returns[n]) ** 2 - (x.values[n] - x.returns[n]) ** 2));
    }
  }
  return margin;
}

function lossInputs(mb: MinibatchInputsRef, logp: Float64Array, entropy: Float64Array, values: Float64Array) {
  const { oldLogp, advantages, oldValues, returns } = mb;
  return {
    logp,
    oldLogp,
    advantages,
    values,
    oldValues,
    returns,
    entropy,
    mask: new Float64Array(logp.length).fill(1),
  };
}

/** The result of one minibatch: ppo_loss's statistics (PpoStat order) and the gradient of loss/total. */
export interface MinibatchRef {
  stats: Float64Array;
  policyGrads: Weights;
  headGrads: Weights;
  /** Per action token: log π, the value, π/π_old. */
  logp: Float64Array;
  values: Float64Array;
  ratio: Float64Array;
  /** The smallest distance of a clip decision from flipping (see PPOUpdateRef.margin). */
  margin: number;
}

/** One minibatch: the PPO loss over every action token of its rows and the gradients of policy and value head. */
export function ppoMinibatchRef(
  cfg: GPTConfig,
  hp: PPOLossHyperparamsRef,
  policy: Weights,
  head: Weights,
  mb: MinibatchInputsRef,
): MinibatchRef {
  const { vocabSize: V, channels: C } = cfg;
  const fwd = mb.rows.map((row) => rowForward(cfg, policy, head, row, hp.temperature));
  const cat = (pick: (r: (typeof fwd)[number]) => Float64Array) => {
    const parts = fwd.map(pick);
    const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  };
  const x = lossInputs(
    mb,
    cat((r) => r.logp),
    cat((r) => r.entropy),
    cat((r) => r.values),
  );
  const N = x.logp.length;
  const stats = ppoLossForwardRef(x, hp, N);
  const d = ppoLossBackwardRef(x, hp, N);
  const policyGrads: Weights = new Map([...policy].map(([k, v]) => [k, new Float64Array(v.length)]));
  const headGrads: Weights = new Map([...head].map(([k, v]) => [k, new Float64Array(v.length)]));
  const acc = (into: Weights, from: Weights) =>
    from.forEach((g, k) => into.get(k)!.forEach((_, i, a) => (a[i] += g[i])));
  let at = 0;
  mb.rows.forEach((row, r) => {
    const { f, logits, lnf, targets } = fwd[r];
    const n = actionCount(row);
    const span = (a: Float64Array) => a.subarray(at, at + n);
    // forward was: logp, entropy = log-softmax(logits/τ) at the action columns; so now:
    const dlogits = new Float64Array(f.logits.length);
    dlogits.set(
      logprobBackwardRef(span(d.dlogp), span(d.dentropy), logits, targets, n, V, hp.temperature),
      (row.p - 1) * V,
    );
    // forward was: values = lnf · wᵀ + b at the action columns; so now:
    const vh = matmulBackwardRef(span(d.dvalues), lnf, head.get('value_head.weight')!, n, C, 1);
    const dlnf = new Float64Array(f.lnf.length);
    dlnf.set(vh.dinp, (row.p - 1) * C);
    acc(
      headGrads,
      new Map([
        ['value_head.weight', vh.dweight],
        ['value_head.bias', vh.dbias],
      ]),
    );
    acc(policyGrads, gptBackwardRef(cfg, policy, f, dlogits, dlnf));
    at += n;
  });
  const ratio = x.logp.map((lp, n) => Math.exp(lp - x.oldLogp[n]));
  return { stats, policyGrads, headGrads, logp: x.logp, values: x.values, ratio, margin: decisionMargin(x, hp) };
}

/** What `ppoUpdateRef` takes: the weights before the update, the rollout, λ_KL and the minibatch order. */
export interface PPOUpdateInputsRef {
  cfg: GPTConfig;
  config: PPOConfig;
  /** Packed parameters: the policy and π0 (paramTable(cfg)), the value head (headTable('value_head', C)). */
  policy: ArrayLike<number>;
  reference: ArrayLike<number>;
  valueHead: ArrayLike<number>;
  rollout: Pick<PPORollout, 'promptIds' | 'actions' | 'responseTokens' | 'scores' | 'ended'>;
  klCoef: number;
  /** Per epoch, the order the M minibatches are visited in. */
  order: readonly (readonly number[])[];
  /** The running score moments before this update (updated in place; fresh when absent). */
  moments?: RunningMoments;
  /** Optimizer steps taken before this update (AdamW's t continues from it; its m and v start at zero). */
  stepsBefore?: number;
}

/** Per action token of each row (index i: action i). */
export interface RowTokensRef {
  oldLogp: Float64Array;
  refLogp: Float64Array;
  kl: Float64Array;
  entropy: Float64Array;
  values: Float64Array;
  rewards: Float64Array;
  /** Whitened advantages, and the returns (GAE advantages before whitening + values). */
  advantages: Float64Array;
  returns: Float64Array;
}

export type PPOMetricsRef = Record<Exclude<PPOMetricName, `time/${string}`>, number>;

export interface PPOUpdateRef {
  /** Packed parameters after the update. */
  policy: Float64Array;
  valueHead: Float64Array;
  metrics: PPOMetricsRef;
  /** λ_KL for the next iteration (moved by the adaptive controller when config.adaptiveKl is set). */
  nextKlCoef: number;
  rows: RowTokensRef[];
  /** Per optimizer step in the order taken: minibatch, loss statistics, gradient norm and clip scale, π/π_old. */
  steps: {
    minibatch: number;
    stats: Float64Array;
    norm: number;
    scale: number;
    ratio: Float64Array;
    policyGrads: Float64Array;
    headGrads: Float64Array;
  }[];
  /**
   * The smallest distance of any clip decision from flipping over every step (|ratio − (1 ± ε)|, ||Δv| − ε_v|,
   * and |pg2 − pg1|, |vf2 − vf1| where a clip is active): a test comparing f32 against this reference is only
   * meaningful when it is well above f32 rounding.
   */
  margin: number;
}

function adamwPacked(
  table: ParamTable,
  params: Float64Array,
  m: Float64Array,
  v: Float64Array,
  g: Float64Array,
  scale: number,
  hp: Parameters<typeof adamwUpdateRef>[5],
): void {
  adamwUpdateRef(params, m, v, g, scale, hp, { offset: 0, length: table.decayEnd, decay: true });
  adamwUpdateRef(params, m, v, g, scale, hp, {
    offset: table.decayEnd,
    length: table.size - table.decayEnd,
    decay: false,
  });
}

/** One whole PPO update (steps 3–5) in float64. */
export function ppoUpdateRef(x: PPOUpdateInputsRef): PPOUpdateRef {
  const { cfg, config, rollout, klCoef } = x;
  const { batchSize: B, minibatches: M, temperature } = config;
  const rowsPerMb = B / M;
  const policyTable = paramTable(cfg);
  const headTbl = headTable('value_head', cfg.channels);
  // 3. shaping, log π_old / entropy / values, log π0, KL and rewards
  const shaped = shapeScores(rollout.scores, rollout.ended, config, x.moments ?? new RunningMoments());
  const rowRefs: RowRef[] = rollout.promptIds.map((p, b) => ({ tokens: [...p, ...rollout.actions[b]], p: p.length }));
  let policy = unpackRef(policyTable, x.policy);
  let head = unpackRef(headTbl, x.valueHead);
  const reference = unpackRef(policyTable, x.reference);
  const rows: RowTokensRef[] = rowRefs.map((row, b) => {
    const old = rowForward(cfg, policy, head, row, temperature);
    const ref = rowForward(cfg, reference, null, row, temperature);
    const n = actionCount(row);
    const kl = klForwardRef(old.logp, ref.logp, n, config.klEstimator);
    const rewards = kl.map((k, i) => -klCoef * k + (i === n - 1 ? shaped[b] : 0));
    // 4. GAE per row
    const gae = gaeForwardRef(rewards, old.values, new Float64Array(n).fill(1), config.gamma, config.lam, 1, n);
    return {
      oldLogp: old.logp,
      refLogp: ref.logp,
      kl,
      entropy: old.entropy,
      values: old.values,
      rewards,
      advantages: gae.advantages,
      returns: gae.returns,
    };
  });
  // 4. advantages whitened over every action token of the batch
  const all = Float64Array.from(rows.flatMap((r) => [...r.advantages]));
  const whitened = whitenForwardRef(all, new Float64Array(all.length).fill(1), all.length, false).out;
  rows.reduce((at, r) => ((r.advantages = whitened.slice(at, at + r.advantages.length)), at + r.advantages.length), 0);

  // 5. K epochs × M minibatches
  const slot = (m: number) => rows.slice(m * rowsPerMb, (m + 1) * rowsPerMb);
  const cat = (rs: RowTokensRef[], key: keyof RowTokensRef) => Float64Array.from(rs.flatMap((r) => [...r[key]]));
  const params = packRef(policyTable, policy);
  const headParams = packRef(headTbl, head);
  const adam = { m: new Float64Array(policyTable.size), v: new Float64Array(policyTable.size) };
  const adamHead = { m: new Float64Array(headTbl.size), v: new Float64Array(headTbl.size) };
  const hp: PPOLossHyperparamsRef = { ...pickLossHp(config), temperature };
  const steps: PPOUpdateRef['steps'] = [];
  const statSums = new Float64Array(9);
  let margin = Infinity;
  let t = x.stepsBefore ?? 0;
  for (const perm of x.order) {
    for (const m of perm) {
      const rs = slot(m);
      const mb = ppoMinibatchRef(cfg, hp, policy, head, {
        rows: rowRefs.slice(m * rowsPerMb, (m + 1) * rowsPerMb),
        oldLogp: cat(rs, 'oldLogp'),
        advantages: cat(rs, 'advantages'),
        oldValues: cat(rs, 'values'),
        returns: cat(rs, 'returns'),
      });
      const g = packRef(policyTable, mb.policyGrads);
      const gh = packRef(headTbl, mb.headGrads);
      const both = new Float64Array(g.length + gh.length);
      both.set(g);
      both.set(gh, g.length);
      const clip = gradNormRef(both, config.gradClip);
      t++;
      const { lr, beta1, beta2, eps, weightDecay } = config;
      const adamHp = { lr, beta1, beta2, eps, weightDecay, t };
      adamwPacked(policyTable, params, adam.m, adam.v, g, clip.scale, adamHp);
      adamwPacked(headTbl, headParams, adamHead.m, adamHead.v, gh, clip.scale, adamHp);
      policy = unpackRef(policyTable, params);
      head = unpackRef(headTbl, headParams);
      mb.stats.forEach((s, i) => (statSums[i] += s));
      margin = Math.min(margin, mb.margin);
      steps.push({
        minibatch: m,
        stats: mb.stats,
        norm: clip.norm,
        scale: clip.scale,
        ratio: mb.ratio,
        policyGrads: g,
        headGrads: gh,
      });
    }
  }

  // metrics (ppo-metrics.ts's definitions, computed from the rows)
  const sumOf = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  const meanKl = meanOf(rows.map((r) => sumOf(r.kl)));
  const STAT_INDEX: Record<PPOLossMetric, number> = {
    'loss/policy': 0,
    'loss/value': 1,
    'policy/entropy': 3,
    'policy/clipfrac': 4,
    'policy/approxkl': 5,
    'val/ratio': 6,
    'val/clipfrac': 7,
  };
  const loss = Object.fromEntries(PPO_LOSS_METRICS.map((k) => [k, statSums[STAT_INDEX[k]] / steps.length])) as Record<
    PPOLossMetric,
    number
  >;
  const returns = rows.flatMap((r) => [...r.returns]);
  const resid = rows.flatMap((r) => [...r.returns].map((R, i) => R - r.values[i]));
  const metrics: PPOMetricsRef = {
    'objective/scores': meanOf(rollout.scores),
    'objective/kl': meanKl,
    'objective/sqrt_kl': Math.sqrt(Math.max(0, meanKl)),
    'objective/entropy': meanOf(rows.map((r) => sumOf(r.entropy))),
    'objective/non_score_reward': -klCoef * meanKl,
    'objective/rlhf_reward': meanOf(shaped) - klCoef * meanKl,
    'objective/kl_coef': klCoef,
    ...loss,
    'val/var_explained': 1 - varianceOf(resid) / varianceOf(returns),
    'response/length': meanOf(rollout.responseTokens.map((r) => r.length)),
    'response/ended_rate': meanOf(rollout.ended.map(Number)),
  };
  const nextKlCoef = config.adaptiveKl ? adaptKlCoef(klCoef, meanKl, B, config.adaptiveKl) : klCoef;
  return { policy: params, valueHead: headParams, metrics, nextKlCoef, rows, steps, margin };
}

function pickLossHp({ cliprange, cliprangeValue, vfCoef, entCoef }: PPOConfig): PpoLossHyperparams {
  return { cliprange, cliprangeValue, vfCoef, entCoef };
}
