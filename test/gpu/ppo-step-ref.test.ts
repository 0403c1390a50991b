// One whole PPO update on the GPU (PPOTrainer.update on a fixed rollout: score shaping, log-probabilities of
// policy and π0, KL and rewards, GAE, whitening, K = 2 epochs × M = 2 minibatch steps with clipped losses, an
// entropy bonus, one gradient norm over policy and value head, AdamW with decay) equals the float64 reference
// src/train/ppo.ref.ts: every parameter of the policy and the value head after the update, the per-token trace
// (log π_old, log π0, KL, values, rewards, whitened advantages, returns, π/π_old per epoch) and every metric the
// update reports. The reference works row by row (no slots, no padding), so the GPU's layout is checked too.
//
// The fixture is awkward on purpose: rows of 1..6 prompt tokens and 1..6 actions (one fills the whole context),
// B/M = 3 rows × T = 12 columns per slot (slots padded to the storage alignment), temperature 0.9, π0 ≠ π (so
// KL ≠ 0), a missing-ending penalty and a score clip, and weights spread enough (std 0.3) that the policy's
// ratios leave [1 − ε, 1 + ε] after one step: both clips are active on some tokens and not on others, and the
// gradient clip acts in some steps and not in the last. The reference checks that no clip decision is within
// 1e-4 of flipping, far above the f32 error of log π (≈ 1e-6), so the comparison is well posed.

import { describe, expect, it } from 'vitest';
import type { GPTConfig } from '../../src/models/config.ts';
import { headTable, initHeadParams } from '../../src/models/heads.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import {
  DEFAULT_PPO,
  PPO_METRICS,
  PPOTrainer,
  type PPOConfig,
  type PPORollout,
  type PPOTokenizer,
} from '../../src/train/ppo.ts';
import { ppoUpdateRef } from '../../src/train/ppo.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { randn } from '../helpers/random.ts';

const EOT = 29;
const cfg: GPTConfig = { vocabSize: EOT + 1, maxSeqLen: 16, numLayers: 2, numHeads: 2, channels: 16 };
const toy: PPOTokenizer = {
  endOfText: EOT,
  encode: (text) => [...text].map((ch) => ch.charCodeAt(0) - 97),
  decode: (ids) => ids.map((i) => String.fromCharCode(97 + i)).join(''),
};
const config: PPOConfig = {
  ...DEFAULT_PPO,
  batchSize: 6,
  minibatches: 2,
  epochs: 2,
  maxTokens: 6,
  maxPromptTokens: 6,
  stopTexts: [],
  temperature: 0.9,
  klCoef: 0.1,
  cliprange: 0.02,
  cliprangeValue: 0.02,
  vfCoef: 0.5,
  entCoef: 0.01,
  lr: 1e-3,
  weightDecay: 0.1,
  gradClip: 0.5,
  missingEosPenalty: 0.5,
  scoreClip: 1.5,
  seed: 4,
};
const promptIds = [[EOT], [EOT, 3, 4], [EOT, 5, 6, 7, 8, 9], [EOT, 1], [EOT, 2, 2, 2], [EOT, 11, 12, 13, 14]];
const actions = [
  [1, 2, 3, 4, 5, 6],
  [7, EOT],
  [8, 9, 10, 20, 21, EOT],
  [EOT],
  [12, 13, 14, 15, EOT],
  [16, 17, 18, 19, 0, 1],
];
const ended = actions.map((a) => a.at(-1) === EOT);
const rollout: PPORollout = {
  prompts: promptIds.map((p) => toy.decode(p.slice(1))),
  promptIds,
  responseTokens: actions,
  actions,
  responses: actions.map((a) => toy.decode(a.filter((t) => t !== EOT))),
  samplerLogp: actions.map((a) => a.map(() => 0)),
  ended,
  scores: [1, -2, 0.5, 3, 0, -1],
  seconds: { rollout: 0, score: 0 },
};
const SLOW = 600_000;

/**
 * Compares a parameter buffer's update after − before with the reference's. Adam moves a parameter by about
 * lr·m̂/(√v̂ + eps) a step, which amplifies the f32 rounding of a gradient that is zero in exact arithmetic (the
 * attention key bias: softmax ignores a constant added to every score) up to ~lr; there only the bound
 * |Δ| ≤ steps·lr·(1 + wd·|θ|) holds. Everywhere else (every step's reference gradient above 1e-4 of that step's
 * largest, or exactly zero in every step, like unused positions: 98% of them) the update must match to
 * atol 2e-3·lr = 2e-6: 0.2% of one step's motion lr, 7e-6 of the parameter scale 0.3. Measured on SwiftShader:
 * 1.4e-7 for the policy, 5e-8 for the value head (f32 gradients ≈ 1e-6 relative, through four Adam steps),
 * so the bound leaves ×14 for another device's reduction order; a wrong step misses it by orders of magnitude.
 */
function expectUpdate(
  after: ArrayLike<number>,
  before: ArrayLike<number>,
  want: Float64Array,
  grads: Float64Array[],
  what: string,
) {
  const gmax = grads.map((g) => g.reduce((m, x) => Math.max(m, Math.abs(x)), 0));
  const settled: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < want.length; i++) {
    const zero = grads.every((g) => g[i] === 0);
    (zero || grads.every((g, s) => Math.abs(g[i]) > 1e-4 * gmax[s]) ? settled : rest).push(i);
  }
  expect(settled.length, `${what}: parameters compared exactly`).toBeGreaterThan(0.9 * want.length);
  const delta = (x: ArrayLike<number>, idx: number[]) => idx.map((i) => x[i] - before[i]);
  expectClose(delta(after, settled), delta(want, settled), `${what} update`, { atol: 2e-3 * config.lr, rtol: 0 });
  const bound = grads.length * config.lr * (1 + config.weightDecay) * (1 + 1e-3);
  for (const i of rest) expect(Math.abs(after[i] - before[i]), `${what}[${i}]`).toBeLessThanOrEqual(bound);
}

describe('PPOTrainer.update', () => {
  it(
    'takes one update exactly like the float64 reference: parameters, per-token trace, metrics',
    async () => {
      const gpu = await testGpu();
      const table = paramTable(cfg);
      const policy = initParams(table, cfg, (n) => randn(n, 41, 15));
      const reference = initParams(table, cfg, (n) => randn(n, 42, 15));
      const valueHead = initHeadParams(headTable('value_head', cfg.channels), (n) => randn(n, 43));
      const noReward = async () => {
        throw new Error('update must not call the reward function');
      };
      const trainer = new PPOTrainer(gpu, cfg, config, { policy, reference, valueHead }, toy, noReward);
      const { metrics, inspect } = await trainer.update(rollout, { inspect: true });
      const order = inspect!.order;
      for (const perm of order) expect([...perm].sort()).toEqual([0, 1]);

      const ref = ppoUpdateRef({ cfg, config, policy, reference, valueHead, rollout, klCoef: config.klCoef, order });
      // the fixture exercises what it should, and no clip decision is within f32 reach of flipping
      expect(ref.margin).toBeGreaterThan(1e-4);
      expect(ref.steps.some((s) => s.scale < 1) && ref.steps.some((s) => s.scale === 1)).toBe(true);
      expect(ref.metrics['policy/clipfrac']).toBeGreaterThan(0.1);
      expect(ref.metrics['val/clipfrac']).toBeGreaterThan(0.1);
      expect(ref.steps.some((s) => s.stats[4] < 1)).toBe(true);
      expect(ref.metrics['objective/kl']).toBeGreaterThan(0.1);

      // per-token trace (f32 forwards against float64 ones)
      inspect!.rows.forEach((row, b) => {
        const r = ref.rows[b];
        const tol = { atol: 1e-5, rtol: 1e-4 };
        expectClose(row.logp, r.oldLogp, `row ${b} log π_old`, tol);
        expectClose(row.refLogp, r.refLogp, `row ${b} log π0`, tol);
        expectClose(row.kl, r.kl, `row ${b} KL`, tol);
        expectClose(row.entropy, r.entropy, `row ${b} entropy`, tol);
        expectClose(row.value, r.values, `row ${b} values`, tol);
        expectClose(row.reward, r.rewards, `row ${b} rewards`, tol);
        expectClose(row.advantage, r.advantages, `row ${b} whitened advantages`, tol);
        expectClose(row.return, r.returns, `row ${b} returns`, tol);
        order.forEach((perm, k) => {
          const step = ref.steps[k * config.minibatches + perm.indexOf(row.minibatch)];
          const rows = config.batchSize / config.minibatches;
          const before = ref.rows.slice(row.minibatch * rows, b).reduce((s, x) => s + x.kl.length, 0);
          expectClose(
            row.ratio[k],
            step.ratio.subarray(before, before + r.kl.length),
            `row ${b} π/π_old in epoch ${k}`,
            tol,
          );
        });
      });

      // every parameter of the policy and the value head after K·M AdamW steps
      expectUpdate(
        await trainer.policyParams(),
        policy,
        ref.policy,
        ref.steps.map((s) => s.policyGrads),
        'policy',
      );
      expectUpdate(
        await trainer.valueHeadParams(),
        valueHead,
        ref.valueHead,
        ref.steps.map((s) => s.headGrads),
        'value head',
      );

      // every metric but the timings (measured: within 4e-7); clip fractions count tokens, so they are equal up to
      // f32 division (one token more or less would move them by ≥ 1/(4·14))
      for (const name of PPO_METRICS) {
        if (name.startsWith('time/')) continue;
        const want = ref.metrics[name as keyof typeof ref.metrics];
        const exact =
          name.endsWith('clipfrac') ||
          name.startsWith('response/') ||
          name === 'objective/scores' ||
          name === 'objective/kl_coef';
        expectClose([metrics[name]], [want], name, exact ? { atol: 1e-6, rtol: 0 } : { atol: 2e-6, rtol: 1e-5 });
      }
      trainer.dispose();
    },
    SLOW,
  );
});
