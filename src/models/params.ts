// GPT-2's parameter table (llm.c's ParameterTensors): every parameter's name, shape and offset in one
// packed allocation. The same table drives the GPU views, checkpoints and the parameter count.
//
// Layout: matrices are [out, in] (llm.c), so a linear layer is out = inp · Wᵀ + b. Hugging Face's GPT-2
// stores attention and MLP weights as Conv1D [in, out]: `hf.transpose` marks those, and checkpoint IO
// transposes them. Offsets are padded to 64 floats so every parameter can be bound as a storage view
// (WebGPU's 256-byte offset alignment); the padding is never read and stays zero.

import type { GPTConfig } from './config.ts';

export const PARAM_ALIGN = 64;

export interface ParamSpec {
  /** Hugging Face GPT-2 name, e.g. `transformer.h.0.attn.c_attn.weight`. */
  name: string;
  /** Shape in our layout ([out, in] for matrices). */
  shape: number[];
  /** Element offset in the packed buffer (a multiple of PARAM_ALIGN). */
  offset: number;
  /** True for Conv1D weights stored transposed ([in, out]) in Hugging Face checkpoints. */
  hfTranspose: boolean;
  /** Decayed by AdamW (matrices and embeddings; not biases or layer norms), as in GPT-2 / llm.c. */
  decay: boolean;
  /** How the parameter is initialised. */
  init: 'normal' | 'residual-normal' | 'zeros' | 'ones';
}

export interface ParamTable {
  specs: ParamSpec[];
  byName: Map<string, ParamSpec>;
  /** Elements in the packed buffer, padding included. */
  size: number;
  /** Number of real parameters (padding excluded): what the UI shows. */
  count: number;
  /** Decayed parameters occupy [0, decayEnd) of the packed buffer; the rest follow. */
  decayEnd: number;
}

export function paramTable(cfg: GPTConfig): ParamTable {
  const { vocabSize: V, maxSeqLen: maxT, numLayers: L, channels: C } = cfg;
  const raw: Omit<ParamSpec, 'offset'>[] = [];
  const add = (name: string, shape: number[], init: ParamSpec['init'], hfTranspose = false) =>
    raw.push({ name, shape, hfTranspose, decay: shape.length === 2, init });
  add('transformer.wte.weight', [V, C], 'normal');
  add('transformer.wpe.weight', [maxT, C], 'normal');
  for (let l = 0; l < L; l++) {
    const h = `transformer.h.${l}`;
    add(`${h}.ln_1.weight`, [C], 'ones');
    add(`${h}.ln_1.bias`, [C], 'zeros');
    add(`${h}.attn.c_attn.weight`, [3 * C, C], 'normal', true);
    add(`${h}.attn.c_attn.bias`, [3 * C], 'zeros');
    add(`${h}.attn.c_proj.weight`, [C, C], 'residual-normal', true);
    add(`${h}.attn.c_proj.bias`, [C], 'zeros');
    add(`${h}.ln_2.weight`, [C], 'ones');
    add(`${h}.ln_2.bias`, [C], 'zeros');
    add(`${h}.mlp.c_fc.weight`, [4 * C, C], 'normal', true);
    add(`${h}.mlp.c_fc.bias`, [4 * C], 'zeros');
    add(`${h}.mlp.c_proj.weight`, [C, 4 * C], 'residual-normal', true);
    add(`${h}.mlp.c_proj.bias`, [C], 'zeros');
  }
  add('transformer.ln_f.weight', [C], 'ones');
  add('transformer.ln_f.bias', [C], 'zeros');
  // Decayed parameters first, then the rest (each group in Hugging Face order): AdamW then needs two
  // ranges, hence two pipelines, instead of one per alternation of matrix and bias.
  const ordered = [...raw.filter((r) => r.decay), ...raw.filter((r) => !r.decay)];
  let offset = 0;
  let count = 0;
  let decayEnd = 0;
  const specs = ordered.map((r) => {
    const numel = r.shape.reduce((a, b) => a * b, 1);
    const spec = { ...r, offset };
    offset += Math.ceil(numel / PARAM_ALIGN) * PARAM_ALIGN;
    count += numel;
    if (r.decay) decayEnd = offset;
    return spec;
  });
  return { specs, byName: new Map(specs.map((s) => [s.name, s])), size: offset, count, decayEnd };
}

/** GPT-2's initialisation: N(0, 0.02), residual projections scaled by 1/√(2L); returns the packed values. */
export function initParams(table: ParamTable, cfg: GPTConfig, normal: (n: number) => Float64Array): Float32Array {
  const out = new Float32Array(table.size);
  for (const s of table.specs) {
    const numel = s.shape.reduce((a, b) => a * b, 1);
    if (s.init === 'ones') out.fill(1, s.offset, s.offset + numel);
    else if (s.init !== 'zeros') {
      const std = s.init === 'residual-normal' ? 0.02 / Math.sqrt(2 * cfg.numLayers) : 0.02;
      out.set(
        normal(numel).map((v) => v * std),
        s.offset,
      );
    }
  }
  return out;
}
