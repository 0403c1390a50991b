// Float64 reference of the GPT-2 forward and backward split at the final layer norm, for losses that are not
// the language-model cross-entropy (PPO: log-probabilities and entropy of the logits, a value head on lnf).
// `gptForwardRef` returns lnf [B·T, C], the tied-head logits [B·T, V] and the activations; `gptBackwardRef`
// takes ∂loss/∂logits and ∂loss/∂lnf from the caller's heads and returns the gradient of every parameter.
// The same composition of kernel references as gpt.ref.ts (llm.c's gpt2_forward / gpt2_backward), which
// test/unit/ppo-step.ref.test.ts holds this file to. Parameters are addressed by their Hugging Face names.

import { attentionBackwardRef, attentionForwardRef } from '../kernels/attention.ref.ts';
import { encoderBackwardRef, encoderForwardRef } from '../kernels/encoder.ref.ts';
import { geluBackwardRef, geluForwardRef } from '../kernels/gelu.ref.ts';
import { layernormBackwardRef, layernormForwardRef } from '../kernels/layernorm.ref.ts';
import { matmulBackwardRef, matmulForwardRef } from '../kernels/matmul.ref.ts';
import type { GPTConfig } from './config.ts';
import type { Weights } from './gpt.ref.ts';
import type { ParamTable } from './params.ts';

export type { Weights } from './gpt.ref.ts';

const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);

/** The parameters of a packed buffer (paramTable / headTable layout) by name, in float64. */
export function unpackRef(table: ParamTable, packed: ArrayLike<number>): Weights {
  return new Map(
    table.specs.map((s) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      return [s.name, Float64Array.from({ length: n }, (_, i) => packed[s.offset + i])];
    }),
  );
}

/** The packed buffer of `table` holding `w` (padding zero). */
export function packRef(table: ParamTable, w: Weights): Float64Array {
  const out = new Float64Array(table.size);
  for (const s of table.specs) out.set(w.get(s.name)!, s.offset);
  return out;
}

/** Everything the backward needs from one forward over B sequences of T tokens. */
export interface GPTForwardRef {
  B: number;
  T: number;
  tokens: ArrayLike<number>;
  /** The final layer norm's output [B·T, C] (what heads read) and the tied LM head's logits [B·T, V]. */
  lnf: Float64Array;
  logits: Float64Array;
  /** Internal: per-layer activations, the last residual and ln_f's statistics. */
  layers: {
    residual: Float64Array;
    ln1: ReturnType<typeof layernormForwardRef>;
    qkv: Float64Array;
    att: ReturnType<typeof attentionForwardRef>;
    residual2: Float64Array;
    ln2: ReturnType<typeof layernormForwardRef>;
    fch: Float64Array;
    fchGelu: Float64Array;
  }[];
  residual: Float64Array;
  lnfStats: ReturnType<typeof layernormForwardRef>;
}

/** The forward of B sequences of T tokens (positions 0..T−1, causal attention). */
export function gptForwardRef(
  cfg: GPTConfig,
  w: Weights,
  tokens: ArrayLike<number>,
  B: number,
  T: number,
): GPTForwardRef {
  const { vocabSize: V, maxSeqLen: maxT, numLayers: L, numHeads: NH, channels: C } = cfg;
  const N = B * T;
  const W = (name: string) => w.get(name)!;
  let residual = encoderForwardRef(
    tokens,
    null,
    W('transformer.wte.weight'),
    W('transformer.wpe.weight'),
    B,
    T,
    C,
    V,
    maxT,
  );
  const layers: GPTForwardRef['layers'] = [];
  for (let l = 0; l < L; l++) {
    const h = `transformer.h.${l}`;
    const ln1 = layernormForwardRef(residual, W(`${h}.ln_1.weight`), W(`${h}.ln_1.bias`), N, C);
    const qkv = matmulForwardRef(ln1.out, W(`${h}.attn.c_attn.weight`), W(`${h}.attn.c_attn.bias`), N, C, 3 * C);
    const att = attentionForwardRef(qkv, null, B, T, C, NH);
    const attproj = matmulForwardRef(att.out, W(`${h}.attn.c_proj.weight`), W(`${h}.attn.c_proj.bias`), N, C, C);
    const residual2 = add(residual, attproj);
    const ln2 = layernormForwardRef(residual2, W(`${h}.ln_2.weight`), W(`${h}.ln_2.bias`), N, C);
    const fch = matmulForwardRef(ln2.out, W(`${h}.mlp.c_fc.weight`), W(`${h}.mlp.c_fc.bias`), N, C, 4 * C);
    const fchGelu = geluForwardRef(fch, N * 4 * C);
    const fcproj = matmulForwardRef(fchGelu, W(`${h}.mlp.c_proj.weight`), W(`${h}.mlp.c_proj.bias`), N, 4 * C, C);
    layers.push({ residual, ln1, qkv, att, residual2, ln2, fch, fchGelu });
    residual = add(residual2, fcproj);
  }
  const lnfStats = layernormForwardRef(residual, W('transformer.ln_f.weight'), W('transformer.ln_f.bias'), N, C);
  const logits = matmulForwardRef(lnfStats.out, W('transformer.wte.weight'), null, N, C, V);
  return { B, T, tokens, lnf: lnfStats.out, logits, layers, residual, lnfStats };
}

/**
 * Gradients of every parameter from ∂loss/∂logits [B·T, V] (through the tied head) plus ∂loss/∂lnf [B·T, C]
 * from any other head on lnf (null: none).
 */
export function gptBackwardRef(
  cfg: GPTConfig,
  w: Weights,
  f: GPTForwardRef,
  dlogits: Float64Array,
  dlnfHeads: Float64Array | null,
): Weights {
  const { vocabSize: V, maxSeqLen: maxT, numLayers: L, numHeads: NH, channels: C } = cfg;
  const { B, T, tokens } = f;
  const N = B * T;
  const W = (name: string) => w.get(name)!;
  const grads: Weights = new Map([...w].map(([k, v]) => [k, new Float64Array(v.length)]));
  const acc = (name: string, g: Float64Array) => grads.set(name, add(grads.get(name)!, g));
  // forward was: logits = lnf · wteᵀ; so now:
  const head = matmulBackwardRef(dlogits, f.lnf, W('transformer.wte.weight'), N, C, V);
  acc('transformer.wte.weight', head.dweight);
  const dlnf = dlnfHeads ? add(head.dinp, dlnfHeads) : head.dinp;
  const lnf = layernormBackwardRef(
    dlnf,
    f.residual,
    W('transformer.ln_f.weight'),
    f.lnfStats.mean,
    f.lnfStats.rstd,
    N,
    C,
  );
  acc('transformer.ln_f.weight', lnf.dweight);
  acc('transformer.ln_f.bias', lnf.dbias);
  let dres3 = lnf.dinp;
  for (let l = L - 1; l >= 0; l--) {
    const h = `transformer.h.${l}`;
    const a = f.layers[l];
    const fcproj = matmulBackwardRef(dres3, a.fchGelu, W(`${h}.mlp.c_proj.weight`), N, 4 * C, C);
    acc(`${h}.mlp.c_proj.weight`, fcproj.dweight);
    acc(`${h}.mlp.c_proj.bias`, fcproj.dbias);
    const dfch = geluBackwardRef(a.fch, fcproj.dinp, N * 4 * C);
    const fc = matmulBackwardRef(dfch, a.ln2.out, W(`${h}.mlp.c_fc.weight`), N, C, 4 * C);
    acc(`${h}.mlp.c_fc.weight`, fc.dweight);
    acc(`${h}.mlp.c_fc.bias`, fc.dbias);
    const ln2 = layernormBackwardRef(fc.dinp, a.residual2, W(`${h}.ln_2.weight`), a.ln2.mean, a.ln2.rstd, N, C);
    acc(`${h}.ln_2.weight`, ln2.dweight);
    acc(`${h}.ln_2.bias`, ln2.dbias);
    const dres2 = add(dres3, ln2.dinp);
    const attproj = matmulBackwardRef(dres2, a.att.out, W(`${h}.attn.c_proj.weight`), N, C, C);
    acc(`${h}.attn.c_proj.weight`, attproj.dweight);
    acc(`${h}.attn.c_proj.bias`, attproj.dbias);
    const dqkv = attentionBackwardRef(attproj.dinp, a.qkv, a.att.out, a.att.lse, null, B, T, C, NH);
    const qkv = matmulBackwardRef(dqkv, a.ln1.out, W(`${h}.attn.c_attn.weight`), N, C, 3 * C);
    acc(`${h}.attn.c_attn.weight`, qkv.dweight);
    acc(`${h}.attn.c_attn.bias`, qkv.dbias);
    const ln1 = layernormBackwardRef(qkv.dinp, a.residual, W(`${h}.ln_1.weight`), a.ln1.mean, a.ln1.rstd, N, C);
    acc(`${h}.ln_1.weight`, ln1.dweight);
    acc(`${h}.ln_1.bias`, ln1.dbias);
    dres3 = add(dres2, ln1.dinp);
  }
  const enc = encoderBackwardRef(dres3, tokens, null, B, T, C, V, maxT);
  acc('transformer.wte.weight', enc.dwte);
  acc('transformer.wpe.weight', enc.dwpe);
  return grads;
}
