// Checkpoints in Hugging Face GPT-2's safetensors format: every parameter under its HF name, Conv1D
// weights (attention and MLP matrices) transposed to HF's [in, out] layout, so a file written here loads
// into `GPT2LMHeadModel` and GPT-2's own `model.safetensors` loads here.
//
// Writing: metadata `format: 'pt'` (what HF's loader expects), `rlhf_config` (our GPTConfig as JSON) and
// whatever the caller adds. The lm head is tied to wte (as in HF GPT-2) and is not written.
//
// Scalar heads (head-table.ts) are stored beside the trunk under their own names, `reward_head.weight`
// [1, C], `reward_head.bias` [1] (and `value_head.*`): Hugging Face's GPT2LMHeadModel ignores them with
// a warning about unexpected keys; a trunk without heads loads wherever a head is optional.
//
// Reading: the config comes from `rlhf_config`; a file without it (an HF export) has its config inferred
// from the shapes: V and C from wte, maxT from wpe, L by counting `transformer.h.N`. The head count is not
// in the shapes: it is `expect.numHeads` when the caller gives one, else GPT-2's convention C/64 (head
// size 64). Names without the `transformer.` prefix (`h.0.ln_1.weight`, `wte.weight`, as in GPT-2's hub
// files) are accepted; the `attn.bias` / `attn.masked_bias` buffers and `lm_head.weight` are ignored
// (dropped before parsing, so their dtype does not matter). Everything is validated before anything is
// returned: a missing, duplicated or unexpected tensor, a wrong shape, a non-float dtype, a truncated
// file or a config that differs from `expect` is an Error naming the file, the tensor and the problem.

import type { GPTConfig } from './config.ts';
import { headTable, type HeadName } from './head-table.ts';
import { paramTable, type ParamSpec } from './params.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export interface Checkpoint {
  cfg: GPTConfig;
  /** Packed parameters in our layout (paramTable(cfg)), padding zero. */
  packed: Float32Array;
  /** The file's metadata, as stored. */
  metadata: Record<string, string>;
  /** Scalar heads found in the file, packed per headTable(name, C). */
  heads: Partial<Record<HeadName, Float32Array>>;
}

const HEAD_NAMES: readonly HeadName[] = ['reward_head', 'value_head'];

const CONFIG_KEYS = ['vocabSize', 'maxSeqLen', 'numLayers', 'numHeads', 'channels'] as const;

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** out[c·R + r] = inp[r·Cols + c]: a row-major [R, Cols] matrix as [Cols, R]. */
export function transpose2d(inp: ArrayLike<number>, R: number, Cols: number): Float32Array {
  const out = new Float32Array(R * Cols);
  for (let r = 0; r < R; r++) for (let c = 0; c < Cols; c++) out[c * R + r] = inp[r * Cols + c];
  return out;
}

/** The shape a parameter has in a Hugging Face file. */
export function hfShape(spec: ParamSpec): number[] {
  return spec.hfTranspose ? [spec.shape[1], spec.shape[0]] : [...spec.shape];
}

/** Serialises packed parameters (paramTable(cfg) layout) as an HF GPT-2 safetensors file. */
export function checkpointBytes(
  cfg: GPTConfig,
  packed: Float32Array,
  metadata: Record<string, string> = {},
  heads: Partial<Record<HeadName, Float32Array>> = {},
): Uint8Array {
  const table = paramTable(cfg);
  if (packed.length !== table.size) {
    throw new CheckpointError(
      `checkpointBytes: packed parameters have ${packed.length} values, the config needs ${table.size}`,
    );
  }
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const s of table.specs) {
    const data = packed.subarray(s.offset, s.offset + numel(s.shape));
    // ours [out, in] → HF Conv1D [in, out]
    tensors.set(s.name, {
      shape: hfShape(s),
      data: s.hfTranspose ? transpose2d(data, s.shape[0], s.shape[1]) : data.slice(),
    });
  }
  for (const name of HEAD_NAMES) {
    const head = heads[name];
    if (!head) continue;
    const ht = headTable(name, cfg.channels);
    if (head.length !== ht.size)
      throw new CheckpointError(`checkpointBytes: ${name} has ${head.length} values, expected ${ht.size}`);
    for (const s of ht.specs)
      tensors.set(s.name, { shape: [...s.shape], data: head.slice(s.offset, s.offset + numel(s.shape)) });
  }
  return writeSafetensors(tensors, { ...metadata, format: 'pt', rlhf_config: JSON.stringify(configOf(cfg)) });
}

/** Parses a checkpoint; `file` names it in errors; `expect`, if given, must match the file's config. */
export function loadCheckpoint(bytes: Uint8Array, file: string, expect?: GPTConfig): Checkpoint {
  const fail = (msg: string): never => {
    throw new CheckpointError(`${file}: ${msg}`);
  };
  const { tensors: raw, metadata } = readSafetensors(dropIgnored(bytes), file);
  // 1. canonical names
  const tensors = new Map<string, { shape: number[]; dtype: string; data: Float32Array }>();
  for (const [name, t] of raw) {
    const hf = canonical(name);
    if (tensors.has(hf)) fail(`tensor ${hf} appears twice (as ${hf} and without the transformer. prefix)`);
    tensors.set(hf, t);
  }
  // 2. config: stored, else inferred from the shapes
  const cfg =
    metadata.rlhf_config !== undefined ? parseConfig(metadata.rlhf_config, fail) : inferConfig(tensors, expect, fail);
  if (expect) {
    const diff = CONFIG_KEYS.filter((k) => expect[k] !== cfg[k]);
    if (diff.length)
      fail(
        `config differs from the expected one: ${diff.map((k) => `${k} ${cfg[k]} (expected ${expect[k]})`).join(', ')}`,
      );
  }
  // 3. heads: both tensors of a head, with the right shapes, packed
  const heads: Partial<Record<HeadName, Float32Array>> = {};
  for (const name of HEAD_NAMES) {
    const ht = headTable(name, cfg.channels);
    const present = ht.specs.filter((s) => tensors.has(s.name));
    if (!present.length) continue;
    if (present.length < ht.specs.length)
      fail(`missing tensor ${ht.specs.find((s) => !tensors.has(s.name))!.name} (the file has the rest of ${name})`);
    const head = new Float32Array(ht.size);
    for (const s of ht.specs) {
      const t = tensors.get(s.name)!;
      if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i]))
        fail(`${s.name} has shape [${t.shape}], expected [${s.shape}]`);
      head.set(t.data, s.offset);
      tensors.delete(s.name);
    }
    heads[name] = head;
  }
  // 4. every parameter present with the right shape; nothing unexpected
  const table = paramTable(cfg);
  for (const [name, t] of tensors) {
    const spec = table.byName.get(name);
    if (!spec) fail(`unexpected tensor ${name} [${t.shape}] (not a parameter of ${describe(cfg)})`);
    const want = hfShape(spec!);
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i]))
      fail(`${name} has shape [${t.shape}], expected [${want}]`);
  }
  const missing = table.specs.filter((s) => !tensors.has(s.name)).map((s) => s.name);
  if (missing.length)
    fail(
      `missing tensor${missing.length > 1 ? 's' : ''} ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? `, … (${missing.length} in all)` : ''}`,
    );
  // 5. pack, HF [in, out] → ours [out, in]
  const packed = new Float32Array(table.size);
  for (const s of table.specs) {
    const { data } = tensors.get(s.name)!;
    packed.set(s.hfTranspose ? transpose2d(data, s.shape[1], s.shape[0]) : data, s.offset);
  }
  return { cfg, packed, metadata, heads };
}

function configOf(cfg: GPTConfig): GPTConfig {
  return {
    vocabSize: cfg.vocabSize,
    maxSeqLen: cfg.maxSeqLen,
    numLayers: cfg.numLayers,
    numHeads: cfg.numHeads,
    channels: cfg.channels,
  };
}

function describe(cfg: GPTConfig): string {
  return `V=${cfg.vocabSize} maxT=${cfg.maxSeqLen} L=${cfg.numLayers} NH=${cfg.numHeads} C=${cfg.channels}`;
}

/** `h.0.ln_1.weight` → `transformer.h.0.ln_1.weight`; prefixed names unchanged. */
function canonical(name: string): string {
  return /^(wte|wpe|ln_f|h\.\d+)\./.test(name) ? `transformer.${name}` : name;
}

function ignored(name: string): boolean {
  return name === 'lm_head.weight' || /(^|\.)attn\.(bias|masked_bias)$/.test(name);
}

/**
 * The file without the ignored buffers: their header entries removed and the header re-encoded (data
 * offsets are relative to the data section, which is reused as is). Unparseable input is returned
 * unchanged for readSafetensors to report.
 */
function dropIgnored(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength < 8) return bytes;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  if (n > bytes.byteLength - 8) return bytes;
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch {
    return bytes;
  }
  const drop = Object.keys(header).filter(ignored);
  if (!drop.length) return bytes;
  for (const k of drop) delete header[k];
  const head = new TextEncoder().encode(JSON.stringify(header));
  const data = bytes.subarray(8 + n);
  const out = new Uint8Array(8 + head.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  out.set(data, 8 + head.byteLength);
  return out;
}

function parseConfig(json: string, fail: (msg: string) => never): GPTConfig {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(json);
  } catch (e) {
    return fail(`rlhf_config metadata is not valid JSON (${(e as Error).message})`);
  }
  for (const k of CONFIG_KEYS) {
    const v = c?.[k];
    if (!Number.isInteger(v) || (v as number) <= 0)
      fail(`rlhf_config.${k} is ${JSON.stringify(v)}, expected a positive integer`);
  }
  const cfg = configOf(c as unknown as GPTConfig);
  if (cfg.channels % cfg.numHeads !== 0)
    fail(`rlhf_config: channels ${cfg.channels} is not divisible by numHeads ${cfg.numHeads}`);
  return cfg;
}

function inferConfig(
  tensors: Map<string, { shape: number[] }>,
  expect: GPTConfig | undefined,
  fail: (msg: string) => never,
): GPTConfig {
  const shape2 = (name: string) => {
    const t = tensors.get(name);
    if (!t) return fail(`missing tensor ${name} (needed to infer the config: the file has no rlhf_config metadata)`);
    if (t.shape.length !== 2) fail(`${name} has shape [${t.shape}], expected a matrix`);
    return t.shape;
  };
  const [V, C] = shape2('transformer.wte.weight');
  const [maxT, Cp] = shape2('transformer.wpe.weight');
  if (Cp !== C)
    fail(`transformer.wpe.weight has shape [${maxT},${Cp}], expected [${maxT},${C}] (C from transformer.wte.weight)`);
  let L = 0;
  for (const name of tensors.keys()) {
    const m = /^transformer\.h\.(\d+)\./.exec(name);
    if (m) L = Math.max(L, Number(m[1]) + 1);
  }
  const NH = expect?.numHeads ?? C / 64;
  if (!Number.isInteger(NH) || NH <= 0 || C % NH !== 0) {
    fail(
      `cannot infer numHeads: the file has no rlhf_config metadata and C=${C} is not a multiple of GPT-2's head size 64`,
    );
  }
  return { vocabSize: V, maxSeqLen: maxT, numLayers: L, numHeads: NH, channels: C };
}
