// Language-model training on the GPU: one step equals the float64 reference (gradients of the whole
// model averaged over micro-batches, clipped, AdamW with decay on matrices only), steps allocate and
// read nothing, and a tiny model learns a small dialogue corpus.

import { describe, expect, it } from 'vitest';
import { LMBatcher, tokenizeTranscripts } from '../../src/data/lm-batches.ts';
import { byteTokenizer } from '../../src/data/tokenizer.ts';
import { adamwStepRef } from '../../src/kernels/adamw.ref.ts';
import type { GPTConfig } from '../../src/models/config.ts';
import { gptLossAndGradsRef } from '../../src/models/gpt.ref.ts';
import { initParams } from '../../src/models/params.ts';
import { DEFAULT_LM_TRAIN, LMTrainer, learningRate } from '../../src/train/lm.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { randn } from '../helpers/random.ts';

const cfg: GPTConfig = { vocabSize: byteTokenizer.vocabSize, maxSeqLen: 16, numLayers: 1, numHeads: 2, channels: 16 };
const corpus = [
  '\n\nHuman: What is the capital of France?\n\nAssistant: Paris.',
  '\n\nHuman: How do I boil an egg?\n\nAssistant: Simmer it for nine minutes.',
  '\n\nHuman: Say hello.\n\nAssistant: Hello!',
];

describe('LMTrainer', () => {
  it('takes one step exactly like the float64 reference (two micro-batches, clipping, decay ranges)', async () => {
    const gpu = await testGpu();
    const train = {
      ...DEFAULT_LM_TRAIN,
      batchSize: 2,
      seqLen: 12,
      gradAccum: 2,
      steps: 10,
      warmupSteps: 0,
      gradClip: 0.5,
    };
    const trainer = new LMTrainer(gpu, cfg, train);
    const table = trainer.model.table;
    const params = initParams(table, cfg, (n) => randn(n, 1, 5));
    gpu.write(trainer.model.params, params);
    const batcher = new LMBatcher(tokenizeTranscripts(corpus, byteTokenizer, true), 2, 12, 3);
    const batches = [batcher.next(), batcher.next()];
    trainer.stepOn(batches);

    const grads = new Float64Array(table.size);
    const weights = new Map(
      table.specs.map((s) => [
        s.name,
        Float64Array.from(params.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1))),
      ]),
    );
    for (const b of batches) {
      const ref = gptLossAndGradsRef(cfg, weights, b.tokens, b.targets, Float64Array.from(b.mask), 2, 12);
      for (const s of table.specs) ref.grads.get(s.name)!.forEach((g, i) => (grads[s.offset + i] += g / 2));
    }
    const expected = Float64Array.from(params);
    const hp = {
      lr: learningRate(1, train),
      beta1: train.beta1,
      beta2: train.beta2,
      eps: train.eps,
      weightDecay: train.weightDecay,
      t: 1,
    };
    const clip = adamwStepRef(
      expected,
      new Float64Array(table.size),
      new Float64Array(table.size),
      grads,
      train.gradClip,
      hp,
      [
        { offset: 0, length: table.decayEnd, decay: true },
        { offset: table.decayEnd, length: table.size - table.decayEnd, decay: false },
      ],
    );
    expect(clip.scale).toBeLessThan(1); // the clip really acted
    const metrics = await trainer.metrics();
    expect(metrics.gradNorm).toBeCloseTo(clip.norm, 3);
    // Adam's first step moves each parameter by about lr·g/(|g| + eps): compare the update, not the value.
    // Where the exact gradient is zero (the key bias of attention: softmax ignores a constant added to
    // every score), f32 rounding leaves ~1e-10 and Adam scales it up; there only the bound |Δ| ≤ lr holds.
    const after = await gpu.read(trainer.model.params);
    const gmax = Math.max(...grads.map(Math.abs));
    const settled = [...grads.keys()].filter((i) => Math.abs(grads[i]) > 1e-5 * gmax);
    expect(settled.length).toBeGreaterThan(0.5 * table.count);
    const pick = (x: ArrayLike<number>) => settled.map((i) => x[i] - params[i]);
    expectClose(pick(after), pick(expected), 'parameter update', { atol: 2e-6, rtol: 2e-3 });
    const maxParam = Math.max(...params.map(Math.abs));
    expect(Math.max(...after.map((p, i) => Math.abs(p - params[i])))).toBeLessThanOrEqual(
      hp.lr * (1 + hp.weightDecay * maxParam) * (1 + 1e-3),
    );
    expect((await gpu.read(trainer.model.grads)).every((g) => g === 0)).toBe(true); // zeroed for the next step
  });

  it('replays steps without allocating buffers or reading back', async () => {
    const gpu = await testGpu();
    const trainer = new LMTrainer(gpu, cfg, { ...DEFAULT_LM_TRAIN, batchSize: 2, seqLen: 12, gradAccum: 2 });
    const batcher = new LMBatcher(tokenizeTranscripts(corpus, byteTokenizer), 2, 12, 5);
    trainer.stepOn([batcher.next(), batcher.next()]);
    await gpu.sync();
    gpu.resetCounters();
    const buffers = gpu.counters.buffers;
    trainer.stepOn([batcher.next(), batcher.next()]);
    expect(gpu.counters).toMatchObject({ buffers, reads: 0, submits: 3 });
  });

  it('learns a small dialogue corpus: held-out loss falls well below its start', async () => {
    const gpu = await testGpu();
    const train = { ...DEFAULT_LM_TRAIN, batchSize: 4, seqLen: 16, steps: 60, warmupSteps: 5, lr: 1e-2 };
    const trainer = new LMTrainer(gpu, cfg, train);
    gpu.write(
      trainer.model.params,
      initParams(trainer.model.table, cfg, (n) => randn(n, 11)),
    );
    const stream = tokenizeTranscripts(corpus, byteTokenizer);
    const batcher = new LMBatcher(stream, 4, 16, 7);
    const heldOut = [0, 1, 2].map(() => new LMBatcher(stream, 4, 16, 99).next());
    const before = await trainer.evaluate(heldOut);
    for (let s = 0; s < train.steps; s++) trainer.stepOn([batcher.next()]);
    const after = await trainer.evaluate(heldOut);
    expect(before).toBeGreaterThan(5); // ≈ ln 258 for an untrained model
    expect(after).toBeLessThan(0.6 * before);
  });
});
