// The float64 reference of a PPO update (src/train/ppo.ref.ts) and the split GPT reference it runs on
// (src/models/gpt-trunk.ref.ts), proved without a GPU:
//   (a) gptForwardRef + gptBackwardRef with the LM loss's dlogits give gpt.ref.ts's loss gradients exactly;
//   (b) ppoMinibatchRef's gradients of loss/total (every policy parameter and the value head) match central
//       finite differences, with the ratio clip and the value clip each active on some tokens and not others,
//       an entropy bonus and a temperature ≠ 1, rows of different lengths;
//   (c) ppoUpdateRef places rewards and returns as the trainer does: with γ = λ = 1 the return at action i is
//       the sum of the rewards from i on, the rewards are −λ_KL·KL plus the shaped score at the last action, and
//       the whitened advantages have mean 0 and (unbiased) variance 1 over the batch.

import { describe, expect, it } from 'vitest';
import { crossentropyBackwardRef } from '../../src/kernels/crossentropy.ref.ts';
import { lossWeightsRef } from '../../src/kernels/masked_mean.ref.ts';
import type { GPTConfig } from '../../src/models/config.ts';
import { gptBackwardRef, gptForwardRef, unpackRef } from '../../src/models/gpt-trunk.ref.ts';
import { gptLossAndGradsRef } from '../../src/models/gpt.ref.ts';
import { headTable, initHeadParams } from '../../src/models/head-table.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { DEFAULT_PPO, type PPOConfig } from '../../src/train/ppo-config.ts';
import { ppoMinibatchRef, ppoUpdateRef, type RowRef } from '../../src/train/ppo.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { checkGradients, type Inputs } from '../helpers/gradcheck.ts';
import { randint, randn, uniform } from '../helpers/random.ts';

const cfg: GPTConfig = { vocabSize: 11, maxSeqLen: 8, numLayers: 2, numHeads: 2, channels: 8 };
const table = paramTable(cfg);
const headTbl = headTable('value_head', cfg.channels);
/** std 0.2 (ten times GPT-2's): spread logits, so every gradient is well away from zero. */
const policy = initParams(table, cfg, (n) => randn(n, 3, 10));
const head = initHeadParams(headTbl, (n) => randn(n, 4));
const rows: RowRef[] = [
  { tokens: [10, 3, 4, 1, 7, 2], p: 2 }, // 4 actions
  { tokens: [10, 5, 6, 0, 9, 8, 2, 10], p: 4 }, // 4 actions, the whole context
  { tokens: [10, 1], p: 1 }, // 1 action
];

describe('gpt-trunk.ref', () => {
  it('forward + backward with the LM loss gradient give gpt.ref.ts gradients', () => {
    const B = 2;
    const T = 7;
    const tokens = randint(B * T, 5, cfg.vocabSize);
    const targets = randint(B * T, 6, cfg.vocabSize);
    const mask = Float64Array.from(uniform(B * T, 7), (u) => (u < 0.7 ? 1 : 0));
    const w = unpackRef(table, policy);
    const want = gptLossAndGradsRef(cfg, w, tokens, targets, mask, B, T);
    const f = gptForwardRef(cfg, w, tokens, B, T);
    expect([...f.logits]).toEqual([...want.logits]);
    const dlogits = crossentropyBackwardRef(lossWeightsRef(mask, B * T), f.logits, targets, B * T, cfg.vocabSize);
    const grads = gptBackwardRef(cfg, w, f, dlogits, null);
    for (const [name, g] of want.grads) expectClose(grads.get(name)!, g, name, { atol: 1e-14, rtol: 1e-12 });
  });
});

describe('ppoMinibatchRef', () => {
  it('gradients of loss/total match finite differences, with both clips active on some tokens', () => {
    const hp = { cliprange: 0.2, cliprangeValue: 0.2, vfCoef: 0.7, entCoef: 0.05, temperature: 0.8 };
    const w = unpackRef(table, policy);
    const h = unpackRef(headTbl, head);
    const N = rows.reduce((s, r) => s + r.tokens.length - r.p, 0);
    const zeros = new Float64Array(N);
    const now = ppoMinibatchRef(cfg, hp, w, h, {
      rows,
      oldLogp: zeros,
      advantages: zeros,
      oldValues: zeros,
      returns: zeros,
    });
    // old log-probabilities and values a random step from the current ones: ratios in [0.61, 1.65], |Δv| ≤ 0.4
    const oldLogp = now.logp.map((lp, n) => lp + uniform(N, 8, -0.5, 0.5)[n]);
    const oldValues = now.values.map((v, n) => v + uniform(N, 9, -0.4, 0.4)[n]);
    const mb = { rows, oldLogp, advantages: randn(N, 10), oldValues, returns: randn(N, 11) };
    const at = ppoMinibatchRef(cfg, hp, w, h, mb);
    expect(at.stats[4]).toBeGreaterThan(0); // policy/clipfrac: some tokens clipped ...
    expect(at.stats[4]).toBeLessThan(1); // ... and some not
    expect(at.stats[7]).toBeGreaterThan(0); // val/clipfrac
    expect(at.stats[7]).toBeLessThan(1);
    expect(at.margin).toBeGreaterThan(1e-3); // no clip decision within reach of the probes' ε = 1e-6

    const inputs: Inputs = Object.fromEntries([...w, ...h]);
    const split = (x: Inputs) =>
      [
        new Map(table.specs.map((s) => [s.name, x[s.name]])),
        new Map(headTbl.specs.map((s) => [s.name, x[s.name]])),
      ] as const;
    checkGradients({
      inputs,
      forward: (x) => {
        const [pw, hw] = split(x);
        return Float64Array.of(ppoMinibatchRef(cfg, hp, pw, hw, mb).stats[2]); // loss/total
      },
      backward: (x, dout) => {
        const [pw, hw] = split(x);
        const r = ppoMinibatchRef(cfg, hp, pw, hw, mb);
        const scale = (g: Float64Array) => g.map((v) => v * dout[0]);
        return Object.fromEntries([...r.policyGrads, ...r.headGrads].map(([k, g]) => [k, scale(g)]));
      },
      maxProbes: 12,
      tol: 1e-7,
    });
  });
});

describe('ppoUpdateRef', () => {
  it('rewards, returns and whitened advantages as the trainer places them (γ = λ = 1)', () => {
    const config: PPOConfig = {
      ...DEFAULT_PPO,
      batchSize: 3,
      minibatches: 1,
      epochs: 1,
      gamma: 1,
      lam: 1,
      klCoef: 0.3,
    };
    const promptIds = rows.map((r) => r.tokens.slice(0, r.p));
    const actions = rows.map((r) => r.tokens.slice(r.p));
    const scores = [1.5, -0.5, 2];
    const reference = initParams(table, cfg, (n) => randn(n, 13, 10));
    const r = ppoUpdateRef({
      cfg,
      config,
      policy,
      reference,
      valueHead: head,
      klCoef: 0.3,
      order: [[0]],
      rollout: { promptIds, actions, responseTokens: actions, scores, ended: [true, true, false] },
    });
    let all: number[] = [];
    r.rows.forEach((row, b) => {
      const n = actions[b].length;
      const want = row.kl.map((k, i) => -0.3 * k + (i === n - 1 ? scores[b] : 0));
      expectClose(row.rewards, want, `rewards of row ${b}`, { atol: 1e-15, rtol: 0 });
      const future = row.rewards.map((_, i) => row.rewards.slice(i).reduce((s, x) => s + x, 0));
      expectClose(row.returns, future, `returns of row ${b}`, { atol: 1e-12, rtol: 0 });
      expect(row.kl.some((k) => Math.abs(k) > 1e-3)).toBe(true); // π0 ≠ π: the KL term is there
      all = all.concat([...row.advantages]);
    });
    const mean = all.reduce((s, x) => s + x, 0) / all.length;
    const variance = all.reduce((s, x) => s + (x - mean) ** 2, 0) / (all.length - 1);
    expect(Math.abs(mean)).toBeLessThan(1e-12);
    expect(variance).toBeCloseTo(1, 6);
    expect(r.steps).toHaveLength(1);
    expect(r.metrics['objective/kl']).toBeCloseTo(
      r.rows.reduce((s, x) => s + x.kl.reduce((a, k) => a + k, 0), 0) / 3,
      12,
    );
    // the update moved every matrix of the policy and the value head
    expect(r.policy.some((p, i) => p !== policy[i])).toBe(true);
    expect(r.valueHead.some((p, i) => p !== head[i])).toBe(true);
  });
});
