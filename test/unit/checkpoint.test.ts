// Hugging Face GPT-2 safetensors checkpoints (checkpoint.ts): round trip, the Conv1D transposition
// element by element, prefix-less names, inferred configs, conversions and every error path.

import { describe, expect, it } from 'vitest';
import type { GPTConfig } from '../../src/models/config.ts';
import { checkpointBytes, loadCheckpoint } from '../../src/models/checkpoint.ts';
import { headTable } from '../../src/models/head-table.ts';
import { paramTable } from '../../src/models/params.ts';
import { readSafetensors } from '../../src/models/safetensors.ts';
import { randn } from '../helpers/random.ts';

const cfg: GPTConfig = { vocabSize: 11, maxSeqLen: 5, numLayers: 2, numHeads: 2, channels: 8 };

/** Random packed parameters, padding left zero (as the GPU buffer has it). */
function randomPacked(c: GPTConfig, seed = 1): Float32Array {
  const table = paramTable(c);
  const packed = new Float32Array(table.size);
  for (const s of table.specs)
    packed.set(
      randn(
        s.shape.reduce((a, b) => a * b, 1),
        seed + s.offset,
      ),
      s.offset,
    );
  return packed;
}

type Raw = { dtype: string; shape: number[]; bytes: Uint8Array };

/** A safetensors file of arbitrary dtypes, written by hand (writeSafetensors only writes F32). */
function rawFile(tensors: Map<string, Raw>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  const head = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + head.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let at = 8 + head.byteLength;
  for (const t of tensors.values()) {
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}

/** The tensors of a checkpoint as raw F32 entries, renamed by `rename` (undefined drops one). */
function rawTensors(bytes: Uint8Array, rename: (n: string) => string | undefined = (n) => n): Map<string, Raw> {
  const out = new Map<string, Raw>();
  for (const [name, t] of readSafetensors(bytes).tensors) {
    const to = rename(name);
    if (to) out.set(to, { dtype: 'F32', shape: t.shape, bytes: new Uint8Array(t.data.buffer.slice(0)) });
  }
  return out;
}

describe('checkpoint', () => {
  it('stores reward and value heads under their own names and reads them back; a half head is an error', () => {
    const packed = randomPacked(cfg);
    const ht = headTable('reward_head', cfg.channels);
    const reward = new Float32Array(ht.size);
    reward.set(
      Float32Array.from({ length: cfg.channels }, (_, i) => i / 10 - 0.3),
      0,
    );
    reward[ht.byName.get('reward_head.bias')!.offset] = 0.75;
    const bytes = checkpointBytes(cfg, packed, { kind: 'pm' }, { reward_head: reward });
    const names = [...readSafetensors(bytes).tensors.keys()];
    expect(names).toContain('reward_head.weight');
    expect(names).toContain('reward_head.bias');
    expect(names).not.toContain('value_head.weight');
    const ckpt = loadCheckpoint(bytes, 'pm.safetensors', cfg);
    expect(ckpt.packed).toEqual(packed);
    expect(ckpt.heads.reward_head).toEqual(reward);
    expect(ckpt.heads.value_head).toBeUndefined();
    expect(loadCheckpoint(checkpointBytes(cfg, packed), 'lm.safetensors').heads).toEqual({});
    const half = rawTensors(bytes, (n) => (n === 'reward_head.bias' ? undefined : n));
    expect(() => loadCheckpoint(rawFile(half, { rlhf_config: JSON.stringify(cfg) }), 'half.safetensors')).toThrow(
      /half\.safetensors: missing tensor reward_head\.bias \(the file has the rest of reward_head\)/,
    );
  });

  it('round-trips packed values, config and metadata', () => {
    const packed = randomPacked(cfg);
    const bytes = checkpointBytes(cfg, packed, { step: '42' });
    const ckpt = loadCheckpoint(bytes, 'rt.safetensors', cfg);
    expect(ckpt.cfg).toEqual(cfg);
    expect(ckpt.packed).toEqual(packed);
    expect(ckpt.metadata).toEqual({ step: '42', format: 'pt', rlhf_config: JSON.stringify(cfg) });
  });

  it('writes every parameter under its HF name, Conv1D weights as [in, out], and no lm_head', () => {
    const table = paramTable(cfg);
    const packed = randomPacked(cfg, 9);
    const { tensors } = readSafetensors(checkpointBytes(cfg, packed));
    expect(new Set(tensors.keys())).toEqual(new Set(table.specs.map((s) => s.name)));
    expect(tensors.has('lm_head.weight')).toBe(false);
    const C = cfg.channels;
    // c_attn: ours [3C, C] (out, in); HF [C, 3C] (in, out): hf[i, o] = ours[o, i].
    const attn = table.byName.get('transformer.h.1.attn.c_attn.weight')!;
    const hf = tensors.get(attn.name)!;
    expect(hf.shape).toEqual([C, 3 * C]);
    for (let o = 0; o < 3 * C; o++)
      for (let i = 0; i < C; i++) expect(hf.data[i * 3 * C + o]).toBe(packed[attn.offset + o * C + i]);
    // mlp.c_proj: ours [C, 4C]; HF [4C, C].
    const proj = table.byName.get('transformer.h.0.mlp.c_proj.weight')!;
    const hp = tensors.get(proj.name)!;
    expect(hp.shape).toEqual([4 * C, C]);
    expect(hp.data[5 * C + 3]).toBe(packed[proj.offset + 3 * 4 * C + 5]); // hf[i=5, o=3] = ours[o=3, i=5]
    // Embeddings are not transposed: wte is [V, C] in both.
    const wte = table.byName.get('transformer.wte.weight')!;
    expect(tensors.get(wte.name)!.shape).toEqual([cfg.vocabSize, C]);
    expect(Array.from(tensors.get(wte.name)!.data)).toEqual(
      Array.from(packed.subarray(wte.offset, wte.offset + cfg.vocabSize * C)),
    );
  });

  it('loads GPT-2 hub names (no transformer. prefix) and ignores attn.bias, masked_bias and lm_head', () => {
    const packed = randomPacked(cfg, 3);
    const tensors = rawTensors(checkpointBytes(cfg, packed), (n) => n.replace(/^transformer\./, ''));
    // HF's causal-mask buffers (any dtype, even non-float) and the tied head are skipped.
    tensors.set('h.0.attn.bias', { dtype: 'BOOL', shape: [1, 1, 5, 5], bytes: new Uint8Array(25) });
    tensors.set('h.1.attn.masked_bias', { dtype: 'F32', shape: [], bytes: new Uint8Array(4) });
    tensors.set('lm_head.weight', { dtype: 'F32', shape: [3], bytes: new Uint8Array(12) });
    const ckpt = loadCheckpoint(
      rawFile(tensors, { format: 'pt', rlhf_config: JSON.stringify(cfg) }),
      'hub.safetensors',
    );
    expect(ckpt.cfg).toEqual(cfg);
    expect(ckpt.packed).toEqual(packed);
  });

  it('infers the config from the shapes when the file has no rlhf_config', () => {
    const big: GPTConfig = { vocabSize: 3, maxSeqLen: 2, numLayers: 2, numHeads: 2, channels: 128 };
    const packed = randomPacked(big, 4);
    const tensors = rawTensors(checkpointBytes(big, packed), (n) => n.replace(/^transformer\./, ''));
    const file = rawFile(tensors);
    // GPT-2's convention: head size 64, so NH = C / 64 = 2.
    const ckpt = loadCheckpoint(file, 'hf.safetensors');
    expect(ckpt).toMatchObject({ cfg: big, metadata: {} });
    expect(ckpt.packed).toEqual(packed);
    // A caller's head count wins (it is not in the shapes).
    expect(loadCheckpoint(file, 'hf.safetensors', { ...big, numHeads: 4 }).cfg.numHeads).toBe(4);
    // C = 8 is no multiple of 64: the head count cannot be inferred.
    const small = rawFile(rawTensors(checkpointBytes(cfg, randomPacked(cfg))));
    expect(() => loadCheckpoint(small, 's.safetensors')).toThrow(
      /s\.safetensors: cannot infer numHeads: .*C=8 is not a multiple of GPT-2's head size 64/,
    );
    expect(loadCheckpoint(small, 's.safetensors', cfg).cfg).toEqual(cfg);
  });

  it('converts F16 tensors to float32', () => {
    // Multiples of 1/8 in [-4, 4) are exact in F16, so the loaded values must equal them exactly.
    const packed = randomPacked(cfg, 5).map((v) => Math.max(-32, Math.min(31, Math.round(v * 8))) / 8 || 0); // no -0: F16 0x0000 is +0
    const f16 = (v: number) => {
      if (v === 0) return 0;
      const e = Math.floor(Math.log2(Math.abs(v)));
      return (v < 0 ? 0x8000 : 0) | ((e + 15) << 10) | ((Math.abs(v) / 2 ** e - 1) * 1024);
    };
    const half = new Map<string, Raw>();
    for (const [name, t] of readSafetensors(checkpointBytes(cfg, packed)).tensors) {
      const b = new Uint8Array(t.data.length * 2);
      t.data.forEach((v, i) => new DataView(b.buffer).setUint16(i * 2, f16(v), true));
      half.set(name, { dtype: 'F16', shape: t.shape, bytes: b });
    }
    const ckpt = loadCheckpoint(rawFile(half, { rlhf_config: JSON.stringify(cfg) }), 'half.safetensors', cfg);
    expect(ckpt.packed).toEqual(packed);
    expect(packed.some((v) => v !== 0 && v !== Math.round(v))).toBe(true); // fractions were exercised
  });

  it('names the file, the tensor and the problem for every bad input', () => {
    const bytes = checkpointBytes(cfg, randomPacked(cfg));
    const edit = (
      fn: (t: Map<string, Raw>) => void,
      metadata: Record<string, string> = { rlhf_config: JSON.stringify(cfg) },
    ) => {
      const t = rawTensors(bytes);
      fn(t);
      return rawFile(t, metadata);
    };
    // missing tensor
    expect(() =>
      loadCheckpoint(
        edit((t) => t.delete('transformer.h.1.ln_2.bias')),
        'pm.safetensors',
      ),
    ).toThrow(/^pm\.safetensors: missing tensor transformer\.h\.1\.ln_2\.bias$/);
    // wrong shape
    const short = edit((t) =>
      t.set('transformer.h.0.ln_1.weight', { dtype: 'F32', shape: [7], bytes: new Uint8Array(28) }),
    );
    expect(() => loadCheckpoint(short, 'pm.safetensors')).toThrow(
      'pm.safetensors: transformer.h.0.ln_1.weight has shape [7], expected [8]',
    );
    // a Conv1D weight in our layout instead of HF's
    const untransposed = edit((t) => {
      const w = t.get('transformer.h.0.mlp.c_fc.weight')!;
      t.set('transformer.h.0.mlp.c_fc.weight', { ...w, shape: [32, 8] });
    });
    expect(() => loadCheckpoint(untransposed, 'w.safetensors')).toThrow(
      'w.safetensors: transformer.h.0.mlp.c_fc.weight has shape [32,8], expected [8,32]',
    );
    // non-float dtype
    const ints = edit((t) => t.set('transformer.ln_f.bias', { dtype: 'I64', shape: [8], bytes: new Uint8Array(64) }));
    expect(() => loadCheckpoint(ints, 'i.safetensors')).toThrow(
      /i\.safetensors: tensor transformer\.ln_f\.bias has dtype I64; supported: F32, F16, BF16/,
    );
    // truncated
    expect(() => loadCheckpoint(bytes.subarray(0, bytes.length - 10), 't.safetensors')).toThrow(
      /t\.safetensors: tensor .* \(truncated\)/,
    );
    expect(() => loadCheckpoint(bytes.subarray(0, 6), 't.safetensors')).toThrow(/t\.safetensors: 6 bytes is too short/);
    // a config other than the expected one
    expect(() => loadCheckpoint(bytes, 'c.safetensors', { ...cfg, numLayers: 3, numHeads: 4 })).toThrow(
      'c.safetensors: config differs from the expected one: numLayers 2 (expected 3), numHeads 2 (expected 4)',
    );
    // a layer more than the config says
    const extra = edit((t) =>
      t.set('transformer.h.2.ln_1.weight', { dtype: 'F32', shape: [8], bytes: new Uint8Array(32) }),
    );
    expect(() => loadCheckpoint(extra, 'x.safetensors')).toThrow(
      /x\.safetensors: unexpected tensor transformer\.h\.2\.ln_1\.weight \[8\]/,
    );
    // the same tensor with and without the prefix
    const twice = edit((t) => t.set('ln_f.bias', t.get('transformer.ln_f.bias')!));
    expect(() => loadCheckpoint(twice, 'd.safetensors')).toThrow(
      /d\.safetensors: tensor transformer\.ln_f\.bias appears twice/,
    );
    // corrupt config metadata
    expect(() =>
      loadCheckpoint(
        edit(() => {}, { rlhf_config: '{"vocabSize": 11}' }),
        'm.safetensors',
      ),
    ).toThrow(/m\.safetensors: rlhf_config\.maxSeqLen is undefined, expected a positive integer/);
    // writing refuses a packed buffer of the wrong size
    expect(() => checkpointBytes(cfg, new Float32Array(10))).toThrow(
      /packed parameters have 10 values, the config needs \d+/,
    );
  });
});
