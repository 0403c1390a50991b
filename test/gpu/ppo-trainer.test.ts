// The PPO trainer end to end on the GPU (nano-sized policy; its vocabulary cut to a 15-letter alphabet +
// end-of-text, so the toy reward's token is drawn often enough for a handful of iterations to learn from):
//   (a) a toy reward with a known optimum (the number of 'a's in the response) rises, and KL(π ‖ π0) with it;
//   (b) the same seed gives the same run, metric for metric, sample for sample;
//   (c) the per-token trace of the first iteration is consistent: π = π0 (KL 0, logπ0 = logπ), ratio 1 in the
//       first minibatch step and not in a later one, rewards = −λ·KL + score at the last token, and the
//       whitened advantages equal the float64 GAE + whitening of the trace's rewards and values;
//   (d) the teacher-forced log-probabilities of the sampled tokens (right-padded training graph) equal the
//       sampler's (left-padded KV-cache decoding) at temperature 1, for prompts of different lengths.

import { beforeAll, describe, expect, it } from 'vitest';
import { gaeForwardRef } from '../../src/kernels/gae.ref.ts';
import type { Gpu } from '../../src/kernels/gpu.ts';
import { whitenForwardRef } from '../../src/kernels/whiten.ref.ts';
import { PRESETS, type GPTConfig } from '../../src/models/config.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import {
  DEFAULT_PPO,
  PPO_METRICS,
  PPOTrainer,
  type PPOConfig,
  type PPOTokenizer,
  type RewardFn,
} from '../../src/train/ppo.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { randn } from '../helpers/random.ts';

const ALPHABET = 'abcdefghijklmno';
const EOT = ALPHABET.length; // 15
const cfg: GPTConfig = { ...PRESETS.nano, vocabSize: EOT + 1 };
const toy: PPOTokenizer = {
  endOfText: EOT,
  encode: (text) =>
    [...text].map((ch) => {
      const i = ALPHABET.indexOf(ch);
      if (i < 0) throw new Error(`toy tokenizer: no token for ${JSON.stringify(ch)}`);
      return i;
    }),
  decode: (ids) => ids.map((i) => ALPHABET[i] ?? '|').join(''),
};
/** The toy reward: how many 'a's the response holds (optimum: maxTokens of them, never ending early). */
const countA: RewardFn = async (_prompts, responses) => responses.map((r) => [...r].filter((ch) => ch === 'a').length);
const PROMPTS = ['', 'b', 'cd', 'efg', 'hijk', 'lmnol', 'o', 'nm'];

const base: PPOConfig = {
  ...DEFAULT_PPO,
  batchSize: 8,
  minibatches: 2,
  epochs: 2,
  maxTokens: 8,
  maxPromptTokens: 8,
  stopTexts: [],
  lr: 0.05,
  klCoef: 0.001,
};
// The first test compiles every pipeline (about a minute on SwiftShader; all tests share the shapes B = 8,
// B/M = 4, T = 16, so later ones reuse them); an iteration then takes 3–4 s there.
const SLOW = 300_000;

let gpu: Gpu;
/** GPT-2's init (std 0.02): nearly uniform next-token distributions. */
let flat: Float32Array;
/** std ≈ 0.6: spread logits, so a log-probability read at the wrong position would show. */
let spread: Float32Array;

beforeAll(async () => {
  gpu = await testGpu();
  flat = initParams(paramTable(cfg), cfg, (n) => randn(n, 11));
  spread = initParams(paramTable(cfg), cfg, (n) => randn(n, 12, 30));
});

describe('PPOTrainer', () => {
  it(
    'raises a toy reward with a known optimum, and the KL to π0 with it',
    async () => {
      const trainer = new PPOTrainer(gpu, cfg, base, { policy: flat }, toy, countA);
      const history = [];
      for (let i = 0; i < 8; i++) history.push((await trainer.step(PROMPTS)).metrics);
      const scores = history.map((m) => m['objective/scores']);
      const kls = history.map((m) => m['objective/kl']);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      // chance: 8 tokens × 1/16, fewer when end-of-text stops a response early
      expect(mean(scores.slice(0, 2))).toBeLessThan(1.5);
      expect(mean(scores.slice(-2))).toBeGreaterThan(mean(scores.slice(0, 2)) + 2.5);
      expect(kls[0]).toBe(0); // π = π0 when the first rollout is drawn
      expect(mean(kls.slice(-2))).toBeGreaterThan(1);
      for (const m of history) {
        expect(Object.keys(m).sort()).toEqual([...PPO_METRICS].sort());
        for (const name of PPO_METRICS)
          if (name !== 'val/var_explained') expect(Number.isFinite(m[name]), name).toBe(true);
        expect(m['objective/sqrt_kl']).toBeCloseTo(Math.sqrt(Math.max(0, m['objective/kl'])), 6);
        expect(m['objective/non_score_reward']).toBeCloseTo(-base.klCoef * m['objective/kl'], 6);
      }
      // the learned policy writes 'a' far more often than chance (1/16) in a fresh sample
      const last = await trainer.step(PROMPTS);
      const text = last.samples.map((s) => s.response).join('');
      expect([...text].filter((ch) => ch === 'a').length / Math.max(1, text.length)).toBeGreaterThan(0.3);
    },
    SLOW,
  );

  it(
    'gives the same run for the same seed, and a different one for another seed',
    async () => {
      const run = async (seed: number) => {
        const trainer = new PPOTrainer(gpu, cfg, { ...base, seed }, { policy: spread }, toy, countA);
        const out = [];
        for (let i = 0; i < 2; i++) {
          const { metrics, samples } = await trainer.step(PROMPTS);
          const timeless = Object.fromEntries(Object.entries(metrics).filter(([k]) => !k.startsWith('time/')));
          out.push({ metrics: timeless, samples });
        }
        return { out, params: await trainer.policyParams() };
      };
      const [a, b, c] = [await run(5), await run(5), await run(6)];
      expect(b.out).toEqual(a.out);
      expect(b.params).toEqual(a.params);
      expect(c.out[0].samples).not.toEqual(a.out[0].samples);
    },
    SLOW,
  );

  it('traces one iteration consistently: π = π0, ratio 1 in the first step, rewards, GAE and whitening', async () => {
    const config = { ...base, stopTexts: ['b', 'c'], klCoef: 0.1 };
    const trainer = new PPOTrainer(gpu, cfg, config, { policy: spread }, toy, countA);
    const headBefore = await trainer.valueHeadParams();
    const { inspect, samples, metrics } = await trainer.step(PROMPTS, { inspect: true });
    // the update trained both the policy and the value head on the shared trunk
    expect(await trainer.valueHeadParams()).not.toEqual(headBefore);
    expect(await trainer.policyParams()).not.toEqual(spread);
    const rows = inspect!.rows;
    // a stop text ended some responses: its tokens are actions, not part of the response text
    const stopped = rows.filter((r, b) => samples[b].ended && r.actions.at(-1) !== EOT);
    expect(stopped.length).toBeGreaterThan(0);
    for (const r of stopped) expect([1, 2]).toContain(r.actions.at(-1)); // 'b' or 'c'
    rows.forEach((r) => expect(r.actions.length).toBe(r.samplerLogp.length + (stopped.includes(r) ? 1 : 0)));
    const scores = samples.map((s) => s.score);
    for (const [b, r] of rows.entries()) {
      expect(r.refLogp).toEqual(r.logp); // the same weights through the same kernels
      expect(r.kl).toEqual(r.kl.map(() => 0));
      const want = r.kl.map((k, i) => -config.klCoef * k + (i === r.kl.length - 1 ? scores[b] : 0));
      expectClose(r.reward, want, `rewards of row ${b}`, { atol: 1e-6, rtol: 1e-6 });
    }
    // ratio = 1 exactly where the first optimizer step reads it; a later minibatch sees the updated policy
    const [first, second] = inspect!.order[0];
    const ratios = (m: number, k = 0) => rows.filter((r) => r.minibatch === m).flatMap((r) => r.ratio[k]);
    expect(ratios(first)).toEqual(ratios(first).map(() => 1));
    expect(
      rows
        .filter((r) => r.minibatch === first)
        .flatMap((r) => r.clipped[0])
        .some(Boolean),
    ).toBe(false);
    expect(Math.max(...ratios(second).map((x) => Math.abs(x - 1)))).toBeGreaterThan(1e-4);
    expect(rows.every((r) => r.ratio.length === config.epochs && r.clipped.length === config.epochs)).toBe(true);
    // GAE over each row and whitening over the batch, in float64, from the trace's rewards and values
    const T = Math.max(...rows.map((r) => r.actions.length));
    const B = rows.length;
    const [rew, val, mask] = [new Float64Array(B * T), new Float64Array(B * T), new Float64Array(B * T)];
    rows.forEach((r, b) =>
      r.reward.forEach((x, i) => {
        rew[b * T + i] = x;
        val[b * T + i] = r.value[i];
        mask[b * T + i] = 1;
      }),
    );
    const gae = gaeForwardRef(rew, val, mask, config.gamma, config.lam, B, T);
    const white = whitenForwardRef(gae.advantages, mask, B * T, false).out;
    rows.forEach((r, b) => {
      expectClose(r.return, Array.from(gae.returns.subarray(b * T, b * T + r.actions.length)), `returns of row ${b}`, {
        atol: 1e-4,
        rtol: 1e-4,
      });
      expectClose(r.advantage, Array.from(white.subarray(b * T, b * T + r.actions.length)), `advantages of row ${b}`, {
        atol: 1e-4,
        rtol: 1e-4,
      });
    });
    expect(metrics['objective/kl']).toBe(0);
  });

  it('computes the log-probabilities of the sampled tokens exactly as the sampler drew them (τ = 1)', async () => {
    const trainer = new PPOTrainer(gpu, cfg, { ...base, epochs: 1, seed: 3 }, { policy: spread }, toy, countA);
    for (let i = 0; i < 2; i++) {
      const { inspect } = await trainer.step(PROMPTS, { inspect: true }); // the second iteration: a trained policy
      const rows = inspect!.rows;
      expect(new Set(rows.map((r) => r.prompt.length)).size).toBeGreaterThan(3); // left padding really varies
      const spreadOf = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
      expect(spreadOf(rows.flatMap((r) => r.logp))).toBeGreaterThan(1); // far from uniform: a misplaced read would show
      for (const [b, r] of rows.entries()) {
        expect(r.samplerLogp.length).toBeGreaterThan(0);
        expectClose(r.logp.slice(0, r.samplerLogp.length), r.samplerLogp, `row ${b} iteration ${i + 1}`, {
          atol: 2e-4,
          rtol: 1e-4,
        });
      }
    }
  });
});
