// The whole GPT on the GPU against the float64 reference composed from the kernels' references:
// the masked loss, the logits and the gradient of every parameter, on random weights and tokens.

import { describe, expect, it } from 'vitest';
import type { GPTConfig } from '../../src/models/config.ts';
import { GPT } from '../../src/models/gpt.ts';
import { gptLossAndGradsRef } from '../../src/models/gpt.ref.ts';
import { initParams } from '../../src/models/params.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { randint, randn, uniform } from '../helpers/random.ts';

const cfg: GPTConfig = { vocabSize: 67, maxSeqLen: 16, numLayers: 2, numHeads: 2, channels: 12 };

describe('GPT forward and backward on the GPU', () => {
  it('match the float64 reference in the loss, the logits and every parameter gradient', async () => {
    const gpu = await testGpu();
    const [B, T] = [2, 7];
    const model = new GPT(gpu, cfg, B, T);
    // Weights 10× GPT-2's init so every path carries signal; layer norms and biases perturbed too.
    const packed = initParams(model.table, cfg, (n) => randn(n, 3, 10));
    for (const s of model.table.specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const noise = randn(n, s.offset + 1, 0.1);
      for (let i = 0; i < n; i++) packed[s.offset + i] += noise[i];
    }
    const tokens = randint(B * T, 5, cfg.vocabSize);
    const targets = randint(B * T, 6, cfg.vocabSize);
    const mask = Float64Array.from(uniform(B * T, 7), (u) => (u < 0.7 ? 1 : 0));
    gpu.write(model.params, packed);
    gpu.write(model.tokens, tokens);
    gpu.write(model.targets, targets);
    gpu.write(model.mask, mask);
    gpu.run([...model.forwardDispatches, ...model.lossDispatches, ...model.backwardDispatches]);

    const weights = new Map(
      model.table.specs.map((s) => [
        s.name,
        Float64Array.from(packed.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1))),
      ]),
    );
    const ref = gptLossAndGradsRef(cfg, weights, tokens, targets, mask, B, T);
    const loss = (await gpu.read(model.loss))[0];
    expect(Math.abs(loss - ref.loss)).toBeLessThan(1e-4 * Math.max(1, ref.loss));
    expectClose(await gpu.read(model.logits), ref.logits, 'logits', { atol: 1e-3, rtol: 1e-3 });
    const grads = await gpu.read(model.grads);
    for (const s of model.table.specs) {
      const g = ref.grads.get(s.name)!;
      const scale = Math.max(...g.map(Math.abs));
      expectClose(grads.subarray(s.offset, s.offset + g.length), g, `d${s.name}`, {
        atol: 2e-3 * Math.max(scale, 1e-3),
        rtol: 2e-3,
      });
    }
  });

  it('trimmed graphs (no LM head, no backward) compute the same lnf with fewer buffers, and say what they lack', async () => {
    const gpu = await testGpu();
    const [B, T] = [2, 7];
    const full = new GPT(gpu, cfg, B, T);
    const buffersBefore = gpu.counters.buffers;
    const inference = new GPT(gpu, cfg, B, T, full.weights, { lmHead: false, backward: false });
    const inferenceBuffers = gpu.counters.buffers - buffersBefore;
    const trunkOnly = new GPT(gpu, cfg, B, T, full.weights, { lmHead: false });
    expect(inferenceBuffers).toBeLessThan(gpu.counters.buffers - buffersBefore - inferenceBuffers); // no gradients: far fewer buffers
    gpu.write(
      full.params,
      initParams(full.table, cfg, (n) => randn(n, 8, 10)),
    );
    const tokens = randint(B * T, 9, cfg.vocabSize);
    for (const m of [full, inference, trunkOnly]) gpu.write(m.tokens, tokens);
    gpu.run([...full.forwardDispatches, ...inference.forwardDispatches, ...trunkOnly.forwardDispatches]);
    const lnf = await gpu.read(full.lnf);
    expect(await gpu.read(inference.lnf)).toEqual(lnf);
    expect(await gpu.read(trunkOnly.lnf)).toEqual(lnf);
    expect(inference.lossDispatches).toHaveLength(0);
    expect(trunkOnly.backwardDispatches).toHaveLength(0);
    expect(trunkOnly.trunkBackwardDispatches.length).toBeGreaterThan(0);
    expect(() => inference.logits).toThrow(/GPT: this graph has no logits \(it was built with lmHead: false\)/);
    expect(() => inference.grads).toThrow(/no gradients \(it was built with backward: false\)/);
    expect(() => inference.dlnf).toThrow(/no dlnf/);
  });

  it('replays a step without allocating buffers or reading back', async () => {
    const gpu = await testGpu();
    const model = new GPT(gpu, cfg, 2, 7); // the shapes above: every pipeline is already compiled
    const step = [...model.forwardDispatches, ...model.lossDispatches, ...model.backwardDispatches];
    gpu.run(step);
    await gpu.sync();
    gpu.resetCounters();
    const buffers = gpu.counters.buffers;
    gpu.run(step);
    gpu.run(step);
    expect(gpu.counters).toMatchObject({ buffers, reads: 0, submits: 2, dispatches: 2 * step.length });
  });

  it('accumulates parameter gradients across backward passes until zeroGrads', async () => {
    const gpu = await testGpu();
    const model = new GPT(gpu, cfg, 2, 7);
    gpu.write(
      model.params,
      initParams(model.table, cfg, (n) => randn(n, 8, 5)),
    );
    gpu.write(model.tokens, randint(14, 9, cfg.vocabSize));
    gpu.write(model.targets, randint(14, 10, cfg.vocabSize));
    gpu.write(model.mask, new Float32Array(14).fill(1));
    const step = [...model.forwardDispatches, ...model.lossDispatches, ...model.backwardDispatches];
    gpu.run([model.zeroGrads, ...step]);
    const once = await gpu.read(model.grads);
    gpu.run(step);
    const twice = await gpu.read(model.grads);
    expectClose(
      twice,
      once.map((g) => 2 * g),
      'grads after two passes',
      { atol: 1e-6, rtol: 1e-5 },
    );
    expect(Math.max(...once.map(Math.abs))).toBeGreaterThan(1e-3);
    gpu.run([model.zeroGrads]);
    expect((await gpu.read(model.grads)).every((g) => g === 0)).toBe(true);
  });

  it('refuses a sequence longer than the model', async () => {
    const gpu = await testGpu();
    expect(() => new GPT(gpu, cfg, 1, 17)).toThrow(/T=17 exceeds the model's maxSeqLen 16/);
  });
});
