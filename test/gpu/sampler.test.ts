// Batched KV-cache sampling on the GPU against the float64 reference forward re-run on prompt + generated
// prefix: greedy tokens, log-probabilities and the seeded draws themselves, left padding, stops, limits,
// and a decode loop that allocates nothing and reads back only every `readEvery` steps.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/kernels/gpu.ts';
import {
  sampleRef,
  sampleUniformRef,
  samplingDistributionRef,
  samplingLogProbsRef,
} from '../../src/kernels/sample.ref.ts';
import type { GPTConfig } from '../../src/models/config.ts';
import { initParams } from '../../src/models/params.ts';
import { Sampler } from '../../src/models/sampler.ts';
import { greedyRef, logSoftmaxRef, nextLogitsRef } from '../../src/models/sampler.ref.ts';
import { Weights } from '../../src/models/weights.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { randn } from '../helpers/random.ts';

const cfg: GPTConfig = { vocabSize: 37, maxSeqLen: 24, numLayers: 2, numHeads: 2, channels: 16 };
const PROMPT_A = [3, 1, 4, 1, 5];
const PROMPT_B = [9, 2, 6];
const greedy = { temperature: 0, topK: 0, seed: 1 };

let gpu: Gpu;
let weights: Weights;
let refW: Map<string, Float64Array>;
let batch: Sampler; // B = 2, Tmax = maxSeqLen

beforeAll(async () => {
  gpu = await testGpu();
  weights = new Weights(gpu, cfg);
  // 10× GPT-2's init so logits are spread (greedy margins far above float32 noise); norms and biases perturbed.
  const packed = initParams(weights.table, cfg, (n) => randn(n, 3, 10));
  for (const s of weights.table.specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const noise = randn(n, s.offset + 1, 0.1);
    for (let i = 0; i < n; i++) packed[s.offset + i] += noise[i];
  }
  gpu.write(weights.packed, packed);
  refW = new Map(
    weights.table.specs.map((s) => [
      s.name,
      Float64Array.from(packed.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1))),
    ]),
  );
  batch = new Sampler(weights, 2, cfg.maxSeqLen);
});

describe('Sampler: batched decoding with the KV cache', () => {
  it('greedy decoding equals the argmax of the float64 forward, with and without left padding', async () => {
    const n = 10;
    const got = await batch.generate([PROMPT_A, PROMPT_B], { ...greedy, maxTokens: n });
    expect(got.tokens[0]).toEqual(greedyRef(cfg, refW, PROMPT_A, n));
    expect(got.tokens[1]).toEqual(greedyRef(cfg, refW, PROMPT_B, n));
    expect(got.ended).toEqual([false, false]);
    expect(got.logprobs.flat()).toEqual(new Array(2 * n).fill(0)); // greedy: a point mass
    // each prompt alone (no padding, B = 1) gives the same tokens as inside the padded batch
    const alone = new Sampler(weights, 1, cfg.maxSeqLen);
    for (const [b, prompt] of [PROMPT_A, PROMPT_B].entries()) {
      expect((await alone.generate([prompt], { ...greedy, maxTokens: n })).tokens[0]).toEqual(got.tokens[b]);
    }
    // the two continuations differ, so a swapped or shared row would be caught
    expect(got.tokens[0]).not.toEqual(got.tokens[1]);
  });

  it('returns the log-probability of each drawn token, and draws the token the seeded reference draws', async () => {
    for (const [temperature, topK, seed] of [
      [1, 0, 11],
      [0.7, 5, 12],
    ]) {
      const n = 8;
      const prompts = [PROMPT_A, PROMPT_B];
      const got = await batch.generate(prompts, { maxTokens: n, temperature, topK, seed });
      const P = Math.max(...prompts.map((p) => p.length));
      for (const [b, prompt] of prompts.entries()) {
        expect(got.tokens[b]).toHaveLength(n);
        const want = [];
        const wantTokens = [];
        for (let i = 0; i < n; i++) {
          const row = nextLogitsRef(cfg, refW, [...prompt, ...got.tokens[b].slice(0, i)]);
          const logp =
            topK === 0 && temperature === 1 ? logSoftmaxRef(row) : samplingLogProbsRef(row, temperature, topK);
          want.push(logp[got.tokens[b][i]]);
          // the kernel hashes (seed, row b, step = column written P + i)
          wantTokens.push(sampleRef(samplingDistributionRef(row, temperature, topK), sampleUniformRef(seed, b, P + i)));
        }
        expectClose(got.logprobs[b], want, `logprobs[${b}] (τ=${temperature}, k=${topK})`, { atol: 1e-3, rtol: 1e-3 });
        expect(got.tokens[b]).toEqual(wantTokens);
      }
    }
  });

  it('gives the same tokens for the same seed and different ones for another seed', async () => {
    const opts = { maxTokens: 12, temperature: 1, topK: 0 };
    const a = await batch.generate([PROMPT_A, PROMPT_B], { ...opts, seed: 5 });
    const again = await batch.generate([PROMPT_A, PROMPT_B], { ...opts, seed: 5 });
    const other = await batch.generate([PROMPT_A, PROMPT_B], { ...opts, seed: 6 });
    expect(again).toEqual(a);
    expect(other.tokens).not.toEqual(a.tokens);
  });

  it('ends a sequence at a stop token (kept) or a stop sequence (removed) while the other continues', async () => {
    // sampled (seeded, so reproducible) rather than greedy: greedy loops of a random model share their tokens
    const n = 12;
    const sampled = { temperature: 1, topK: 0, seed: 21, maxTokens: n };
    const free = await batch.generate([PROMPT_A, PROMPT_B], sampled);
    const [g0, g1] = free.tokens;
    // a token of sequence 0 that sequence 1 never produces
    const i0 = g0.findIndex((t) => !g1.includes(t));
    expect(i0).toBeGreaterThanOrEqual(0);
    const byToken = await batch.generate([PROMPT_A, PROMPT_B], { ...sampled, stopTokens: [g0[i0]], readEvery: 3 });
    expect(byToken.tokens).toEqual([g0.slice(0, g0.indexOf(g0[i0]) + 1), g1]);
    expect(byToken.ended).toEqual([true, false]);
    expect(byToken.stopReason).toEqual(['token', 'length']);
    expect(byToken.stopSequence).toEqual([-1, -1]);
    expect(byToken.logprobs.map((l) => l.length)).toEqual([g0.indexOf(g0[i0]) + 1, n]);
    // a pair of consecutive tokens of sequence 1 that sequence 0 never produces: cut where it first appears
    const has = (g: number[], s: number[]) => g.some((_, i) => i + 1 < g.length && g[i] === s[0] && g[i + 1] === s[1]);
    const i1 = g1.findIndex((_, i) => i + 1 < g1.length && !has(g0, [g1[i], g1[i + 1]]));
    expect(i1).toBeGreaterThanOrEqual(0);
    const stop = [g1[i1], g1[i1 + 1]];
    const first = g1.findIndex((_, i) => g1[i] === stop[0] && g1[i + 1] === stop[1]);
    const bySeq = await batch.generate([PROMPT_A, PROMPT_B], {
      ...sampled,
      stopSequences: [[36, 36, 36], stop],
      readEvery: 5,
    });
    expect(bySeq.tokens).toEqual([g0, g1.slice(0, first)]);
    expect(bySeq.ended).toEqual([false, true]);
    expect(bySeq.logprobs.map((l) => l.length)).toEqual([n, first]);
    // which stop sequence ended row 1, from the sampler's own reads: the one it removed
    expect(bySeq.stopReason).toEqual(['length', 'sequence']);
    expect(bySeq.stopSequence).toEqual([-1, 1]);
    // the stop sequence given twice: the first of the two in the list is named
    const twice = await batch.generate([PROMPT_A, PROMPT_B], {
      ...sampled,
      stopSequences: [stop, [36, 36, 36], stop],
      readEvery: 5,
    });
    expect(twice.tokens).toEqual(bySeq.tokens);
    expect(twice.stopSequence).toEqual([-1, 0]);
    // a stop token and a stop sequence in one call: each row reports its own
    const both = await batch.generate([PROMPT_A, PROMPT_B], {
      ...sampled,
      stopTokens: [g0[i0]],
      stopSequences: [stop],
      readEvery: 5,
    });
    expect(both.tokens).toEqual([byToken.tokens[0], bySeq.tokens[1]]);
    expect(both.stopReason).toEqual(['token', 'sequence']);
    expect(both.stopSequence).toEqual([-1, 0]);
  });

  it('stops at maxTokens and at Tmax, and refuses prompts longer than Tmax', async () => {
    const few = await batch.generate([PROMPT_A, PROMPT_B], { ...greedy, maxTokens: 3 });
    expect(few.tokens.map((t) => t.length)).toEqual([3, 3]);
    const none = await batch.generate([PROMPT_A], { ...greedy, maxTokens: 0 });
    expect(none).toEqual({ tokens: [[]], logprobs: [[]], ended: [false], stopReason: ['length'], stopSequence: [-1] });
    const short = new Sampler(weights, 2, 9); // P = 5: room for 4 tokens
    const capped = await short.generate([PROMPT_A, PROMPT_B], { ...greedy, maxTokens: 100 });
    expect(capped.tokens).toEqual([greedyRef(cfg, refW, PROMPT_A, 4), greedyRef(cfg, refW, PROMPT_B, 4)]);
    expect(capped.ended).toEqual([false, false]);
    expect(capped.stopReason).toEqual(['length', 'length']);
    await expect(short.generate([PROMPT_B, new Array(10).fill(1)], { ...greedy, maxTokens: 1 })).rejects.toThrow(
      /prompt 1 has 10 tokens, longer than the sampler's Tmax=9/,
    );
    await expect(short.generate([PROMPT_A, PROMPT_B, PROMPT_B], { ...greedy, maxTokens: 1 })).rejects.toThrow(
      /3 prompts/,
    );
    await expect(short.generate([[37]], { ...greedy, maxTokens: 1 })).rejects.toThrow(/token 37, outside \[0, 37\)/);
    expect(() => new Sampler(weights, 1, 25)).toThrow(/Tmax=25 must be an integer in \[1, maxSeqLen=24\]/);
  });

  it('decodes without allocating and reads the tokens back only every readEvery steps', async () => {
    const opts = { ...greedy, maxTokens: 10, readEvery: 4 };
    await batch.generate([PROMPT_A, PROMPT_B], opts); // warms the staging buffers of both reads
    gpu.resetCounters();
    const buffers = gpu.counters.buffers;
    await batch.generate([PROMPT_A, PROMPT_B], opts);
    // token reads after sampled steps 4, 8, 10, then one read of the log-probabilities
    const reads = 3 + 1;
    const steps = PROMPT_A.length - 1 + 10; // prefill 0..P−2, then 10 sampling steps
    expect(gpu.counters).toMatchObject({ buffers, reads, submits: steps + reads });
    expect(gpu.counters.dispatches).toBe(
      (PROMPT_A.length - 1) * batch.trunkDispatches.length + 10 * batch.stepDispatches.length,
    );
  });
});
