// finalLogits (the forward behind `rlhf logits`) against the float64 reference forward, on random
// weights 10× GPT-2's init so every path carries signal, at one token and at a full context.

import { describe, expect, it } from 'vitest';
import { finalLogits } from '../../src/cli/logits.ts';
import type { GPTConfig } from '../../src/models/config.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { nextLogitsRef } from '../../src/models/sampler.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { randint, randn } from '../helpers/random.ts';

const cfg: GPTConfig = { vocabSize: 67, maxSeqLen: 8, numLayers: 2, numHeads: 2, channels: 12 };

describe('finalLogits', () => {
  const table = paramTable(cfg);
  const packed = initParams(table, cfg, (n) => randn(n, 11, 10));
  const weights = new Map(
    table.specs.map((s) => [
      s.name,
      Float64Array.from(packed.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1))),
    ]),
  );

  for (const T of [1, cfg.maxSeqLen]) {
    it(`matches the float64 reference's last row at T = ${T}`, async () => {
      const gpu = await testGpu();
      const tokens = Array.from(randint(T, 20 + T, cfg.vocabSize));
      const got = await finalLogits(gpu, cfg, packed, tokens);
      const ref = nextLogitsRef(cfg, weights, tokens);
      expect(got.length).toBe(cfg.vocabSize);
      expect(Math.max(...ref.map(Math.abs))).toBeGreaterThan(0.1); // not a degenerate all-zero row
      expectClose(got, ref, `logits T=${T}`, { atol: 1e-3, rtol: 1e-3 });
    });
  }
});
