import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/models/config.ts';
import { PARAM_ALIGN, initParams, paramTable } from '../../src/models/params.ts';
import { randn } from '../../src/util/random.ts';

describe('GPT-2 parameter table', () => {
  it('counts GPT-2 124M exactly (tied embeddings)', () => {
    expect(paramTable(PRESETS.gpt2).count).toBe(124_439_808);
  });

  it('packs aligned, non-overlapping parameters with Hugging Face names', () => {
    const t = paramTable(PRESETS.tiny);
    let end = 0;
    for (const s of t.specs) {
      expect(s.offset % PARAM_ALIGN).toBe(0);
      expect(s.offset).toBeGreaterThanOrEqual(end);
      end = s.offset + s.shape.reduce((a, b) => a * b, 1);
    }
    expect(t.size).toBeGreaterThanOrEqual(end);
    // AdamW's two ranges: every decayed parameter lies before decayEnd, every other one after it.
    for (const s of t.specs) expect(s.decay ? s.offset < t.decayEnd : s.offset >= t.decayEnd).toBe(true);
    expect(t.byName.get('transformer.h.3.mlp.c_proj.weight')).toMatchObject({
      shape: [128, 512],
      hfTranspose: true,
      decay: true,
    });
    expect(t.byName.get('transformer.h.0.ln_1.bias')).toMatchObject({ decay: false, init: 'zeros' });
  });

  it('initialises like GPT-2: ones, zeros, N(0, 0.02) and scaled residual projections', () => {
    const cfg = PRESETS.tiny;
    const t = paramTable(cfg);
    const p = initParams(t, cfg, (n) => randn(n, 1));
    const values = (name: string) => {
      const s = t.byName.get(name)!;
      return p.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1));
    };
    const std = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
    expect(values('transformer.h.0.ln_1.weight').every((v) => v === 1)).toBe(true);
    expect(values('transformer.h.0.attn.c_attn.bias').every((v) => v === 0)).toBe(true);
    expect(std(values('transformer.wte.weight'))).toBeCloseTo(0.02, 3);
    expect(std(values('transformer.h.0.mlp.c_proj.weight'))).toBeCloseTo(0.02 / Math.sqrt(8), 3);
  });
});
