// Reward and value heads on the GPT trunk against a float64 reference of the trunk's final layer norm
// (composed below from the kernels' references, forward only), and the full gradient of a loss through
// head + trunk against central finite differences of that float64 reference.
//   Reward: B = 2P sequences, rows [0, P) chosen, [P, 2P) rejected, eocIndex different per sequence (one
//   past the end, clamped to T − 1); loss = mean_p −log σ(r_c − r_r); dreward from the float64 loss
//   reference is written into head.dreward (the loss kernel is tested in preference_loss.test.ts).
//   Value: loss = Σ values · g for a fixed random g [B, T]; dvalues = g.
// Tolerances: forward atol/rtol 1e-3; gradients |gpu − fd| ≤ 2e-3·max|fd of that tensor| + 2e-3·|fd|
// (the f32 GPU against float64 finite differences with eps 1e-5, as in gpt.test.ts).

import { describe, expect, it } from 'vitest';
import { attentionForwardRef } from '../../src/kernels/attention.ref.ts';
import { encoderForwardRef } from '../../src/kernels/encoder.ref.ts';
import { geluForwardRef } from '../../src/kernels/gelu.ref.ts';
import { layernormForwardRef } from '../../src/kernels/layernorm.ref.ts';
import { matmulForwardRef } from '../../src/kernels/matmul.ref.ts';
import { negLogSigmoid, preferenceLossBackwardRef } from '../../src/kernels/preference_loss.ref.ts';
import type { GPTConfig } from '../../src/models/config.ts';
import { GPT } from '../../src/models/gpt.ts';
import type { Weights } from '../../src/models/gpt.ref.ts';
import { headTable, initHeadParams, RewardHead, ValueHead } from '../../src/models/heads.ts';
import { initParams } from '../../src/models/params.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { randint, randn, rng } from '../helpers/random.ts';

const cfg: GPTConfig = { vocabSize: 67, maxSeqLen: 16, numLayers: 2, numHeads: 2, channels: 12 };
const C = cfg.channels;
const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);

/** lnf [B, T, C] of the float64 trunk (each sequence on its own: attention is causal within it). */
function lnfRef(w: Weights, tokens: ArrayLike<number>, B: number, T: number): Float64Array {
  const { vocabSize: V, maxSeqLen: maxT, numLayers: L, numHeads: NH } = cfg;
  const W = (name: string) => w.get(name)!;
  const out = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    let residual = encoderForwardRef(
      Array.from(tokens).slice(b * T, (b + 1) * T),
      null,
      W('transformer.wte.weight'),
      W('transformer.wpe.weight'),
      1,
      T,
      C,
      V,
      maxT,
    );
    for (let l = 0; l < L; l++) {
      const h = `transformer.h.${l}`;
      const ln1 = layernormForwardRef(residual, W(`${h}.ln_1.weight`), W(`${h}.ln_1.bias`), T, C);
      const qkv = matmulForwardRef(ln1.out, W(`${h}.attn.c_attn.weight`), W(`${h}.attn.c_attn.bias`), T, C, 3 * C);
      const att = attentionForwardRef(qkv, null, 1, T, C, NH);
      const residual2 = add(
        residual,
        matmulForwardRef(att.out, W(`${h}.attn.c_proj.weight`), W(`${h}.attn.c_proj.bias`), T, C, C),
      );
      const ln2 = layernormForwardRef(residual2, W(`${h}.ln_2.weight`), W(`${h}.ln_2.bias`), T, C);
      const fch = matmulForwardRef(ln2.out, W(`${h}.mlp.c_fc.weight`), W(`${h}.mlp.c_fc.bias`), T, C, 4 * C);
      residual = add(
        residual2,
        matmulForwardRef(
          geluForwardRef(fch, T * 4 * C),
          W(`${h}.mlp.c_proj.weight`),
          W(`${h}.mlp.c_proj.bias`),
          T,
          4 * C,
          C,
        ),
      );
    }
    out.set(
      layernormForwardRef(residual, W('transformer.ln_f.weight'), W('transformer.ln_f.bias'), T, C).out,
      b * T * C,
    );
  }
  return out;
}

/** head(lnf row) = row · w + bias for every row of lnf [N, C]. */
const headRef = (w: Weights, name: string, lnf: Float64Array, N: number) =>
  Float64Array.from(
    { length: N },
    (_, n) =>
      w.get(`${name}.bias`)![0] +
      lnf.subarray(n * C, (n + 1) * C).reduce((s, x, c) => s + x * w.get(`${name}.weight`)![c], 0),
  );

function rewardsRef(w: Weights, tokens: Uint32Array, eoc: Uint32Array, B: number, T: number): Float64Array {
  const lnf = lnfRef(w, tokens, B, T);
  const rows = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    const t = Math.min(eoc[b], T - 1);
    rows.set(lnf.subarray((b * T + t) * C, (b * T + t + 1) * C), b * C);
  }
  return headRef(w, 'reward_head', rows, B);
}

/** Random trunk (10× GPT-2 init plus noise, as gpt.test.ts) and head weights, on `model` and as a float64 map. */
function setup(gpu: Awaited<ReturnType<typeof testGpu>>, model: GPT, heads: (RewardHead | ValueHead)[]): Weights {
  const packed = initParams(model.table, cfg, (n) => randn(n, 3, 10));
  for (const s of model.table.specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const noise = randn(n, s.offset + 1, 0.1);
    for (let i = 0; i < n; i++) packed[s.offset + i] += noise[i];
  }
  gpu.write(model.params, packed);
  const w: Weights = new Map(
    model.table.specs.map((s) => [
      s.name,
      Float64Array.from(packed.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1))),
    ]),
  );
  heads.forEach((head, k) => {
    const hp = initHeadParams(head.table, (n) => randn(n, 20 + k, 3));
    hp[head.table.specs[1].offset] = 0.3 - k;
    gpu.write(head.params, hp);
    for (const s of head.table.specs)
      w.set(s.name, Float64Array.from(hp.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1))));
  });
  return w;
}

/** Compares GPU gradients with central differences of `loss` on up to `probes` elements of every tensor. */
async function expectGradsMatchFd(
  _gpu: Awaited<ReturnType<typeof testGpu>>,
  w: Weights,
  loss: () => number,
  grads: Map<string, Float32Array>,
  probes = 24,
) {
  const eps = 1e-5;
  const pick = rng(99);
  for (const [name, value] of w) {
    const g = grads.get(name)!;
    const idx =
      value.length <= probes
        ? [...value.keys()]
        : Array.from({ length: probes }, () => Math.floor(pick() * value.length));
    const fd = idx.map((i) => {
      const orig = value[i];
      value[i] = orig + eps;
      const up = loss();
      value[i] = orig - eps;
      const down = loss();
      value[i] = orig;
      return (up - down) / (2 * eps);
    });
    const scale = Math.max(1e-3, ...fd.map(Math.abs));
    expectClose(
      idx.map((i) => g[i]),
      fd,
      `d${name}`,
      { atol: 2e-3 * scale, rtol: 2e-3 },
    );
  }
}

async function gradMap(
  gpu: Awaited<ReturnType<typeof testGpu>>,
  model: GPT,
  heads: (RewardHead | ValueHead)[],
): Promise<Map<string, Float32Array>> {
  const m = new Map<string, Float32Array>();
  const all = await gpu.read(model.grads);
  for (const s of model.table.specs)
    m.set(s.name, all.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1)) as Float32Array);
  for (const h of heads) {
    const hg = await gpu.read(h.grads);
    for (const s of h.table.specs)
      m.set(s.name, hg.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1)) as Float32Array);
  }
  return m;
}

describe('reward and value heads on the GPT trunk', () => {
  const [P, T] = [2, 7];
  const B = 2 * P;

  it('reward head: rewards at per-sequence eoc tokens and the preference-loss gradient of every parameter', async () => {
    const gpu = await testGpu();
    const model = new GPT(gpu, cfg, B, T);
    const head = new RewardHead(gpu, model);
    const w = setup(gpu, model, [head]);
    const tokens = randint(B * T, 5, cfg.vocabSize);
    const eoc = Uint32Array.of(6, 2, T + 3, 4); // one past the end: clamped to T − 1
    gpu.write(model.tokens, tokens);
    gpu.write(head.eocIndex, eoc);
    gpu.write(model.dlnf, randn(B * T * C, 4)); // stale gradient: the head must zero it
    const reward = rewardsRef(w, tokens, eoc, B, T);
    const { dChosen, dRejected } = preferenceLossBackwardRef(reward.subarray(0, P), reward.subarray(P), P);
    gpu.write(head.dreward, [...dChosen, ...dRejected]);
    gpu.run([
      model.zeroGrads,
      head.zeroGrads,
      ...model.forwardDispatches,
      ...head.forwardDispatches,
      ...head.backwardDispatches,
      ...model.trunkBackwardDispatches,
    ]);

    expectClose(await gpu.read(head.reward), reward, 'reward', { atol: 1e-3, rtol: 1e-3 });
    expect(new Set(reward).size).toBe(B);
    const loss = () => {
      const r = rewardsRef(w, tokens, eoc, B, T);
      let s = 0;
      for (let p = 0; p < P; p++) s += negLogSigmoid(r[p] - r[P + p]) / P;
      return s;
    };
    await expectGradsMatchFd(gpu, w, loss, await gradMap(gpu, model, [head]));
  }, 600_000); // finite differences over every parameter: ~50 s on SwiftShader alone, over 2 minutes on a loaded machine

  it('value head: per-token values and the gradient of Σ values·g through head and trunk', async () => {
    const gpu = await testGpu();
    const model = new GPT(gpu, cfg, B, T);
    const head = new ValueHead(gpu, model);
    const w = setup(gpu, model, [head]);
    const tokens = randint(B * T, 6, cfg.vocabSize);
    const g = randn(B * T, 7);
    gpu.write(model.tokens, tokens);
    gpu.write(head.dvalues, g);
    gpu.write(model.dlnf, randn(B * T * C, 8));
    gpu.run([
      model.zeroGrads,
      head.zeroGrads,
      ...model.forwardDispatches,
      ...head.forwardDispatches,
      ...head.backwardDispatches,
      ...model.trunkBackwardDispatches,
    ]);
    const values = (x: Weights) => headRef(x, 'value_head', lnfRef(x, tokens, B, T), B * T);
    expectClose(await gpu.read(head.values), values(w), 'values', { atol: 1e-3, rtol: 1e-3 });
    await expectGradsMatchFd(
      gpu,
      w,
      () => values(w).reduce((s, v, i) => s + v * g[i], 0),
      await gradMap(gpu, model, [head]),
    );
  });

  it('both heads in one backward: the second (zeroDlnf: false) adds to the first’s dlnf', async () => {
    const gpu = await testGpu();
    const model = new GPT(gpu, cfg, B, T);
    const reward = new RewardHead(gpu, model);
    const value = new ValueHead(gpu, model, { zeroDlnf: false });
    const w = setup(gpu, model, [reward, value]);
    const tokens = randint(B * T, 9, cfg.vocabSize);
    const eoc = Uint32Array.of(0, 3, 6, 5);
    const dr = randn(B, 10);
    const dv = randn(B * T, 11);
    gpu.write(model.tokens, tokens);
    gpu.write(reward.eocIndex, eoc);
    gpu.write(reward.dreward, dr);
    gpu.write(value.dvalues, dv);
    gpu.run([
      model.zeroGrads,
      reward.zeroGrads,
      value.zeroGrads,
      ...model.forwardDispatches,
      ...reward.forwardDispatches,
      ...value.forwardDispatches,
      ...reward.backwardDispatches,
      ...value.backwardDispatches,
      ...model.trunkBackwardDispatches,
    ]);
    const loss = () =>
      rewardsRef(w, tokens, eoc, B, T).reduce((s, r, b) => s + r * dr[b], 0) +
      headRef(w, 'value_head', lnfRef(w, tokens, B, T), B * T).reduce((s, v, i) => s + v * dv[i], 0);
    await expectGradsMatchFd(gpu, w, loss, await gradMap(gpu, model, [reward, value]), 12);
  });

  it('lays out the head parameters under their checkpoint names at aligned offsets', () => {
    const t = headTable('reward_head', 130);
    expect(t.specs.map((s) => [s.name, s.shape, s.offset])).toEqual([
      ['reward_head.weight', [1, 130], 0],
      ['reward_head.bias', [1], 192],
    ]);
    expect(t.count).toBe(131);
    expect(headTable('value_head', 12).specs.map((s) => s.name)).toEqual(['value_head.weight', 'value_head.bias']);
  });
});
