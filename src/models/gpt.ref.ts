// Float64 reference of the whole GPT-2 forward, masked language-model loss and backward, composed
// from the kernels' references exactly as gpt.ts composes the kernels (llm.c's gpt2_forward /
// gpt2_backward on the CPU). Parameters are addressed by their Hugging Face names.

import { attentionBackwardRef, attentionForwardRef } from '../kernels/attention.ref.ts';
import { crossentropyBackwardRef, crossentropyForwardRef } from '../kernels/crossentropy.ref.ts';
import { encoderBackwardRef, encoderForwardRef } from '../kernels/encoder.ref.ts';
import { geluBackwardRef, geluForwardRef } from '../kernels/gelu.ref.ts';
import { layernormBackwardRef, layernormForwardRef } from '../kernels/layernorm.ref.ts';
import { lossWeightsRef, maskedMeanRef } from '../kernels/masked_mean.ref.ts';
import { matmulBackwardRef, matmulForwardRef } from '../kernels/matmul.ref.ts';
import type { GPTConfig } from './config.ts';

export type Weights = Map<string, Float64Array>;

const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);

export function gptLossAndGradsRef(
  cfg: GPTConfig,
  w: Weights,
  tokens: ArrayLike<number>,
  targets: ArrayLike<number>,
  mask: Float64Array,
  B: number,
  T: number,
) {
  const { vocabSize: V, maxSeqLen: maxT, numLayers: L, numHeads: NH, channels: C } = cfg;
  const N = B * T;
  const W = (name: string) => w.get(name)!;
  // ---- forward ----
  const encoded = encoderForwardRef(
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
  const layers = [];
  let residual = encoded;
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
    const residual3 = add(residual2, fcproj);
    layers.push({ residual, ln1, qkv, att, residual2, ln2, fch, fchGelu });
    residual = residual3;
  }
  const lnf = layernormForwardRef(residual, W('transformer.ln_f.weight'), W('transformer.ln_f.bias'), N, C);
  const logits = matmulForwardRef(lnf.out, W('transformer.wte.weight'), null, N, C, V);
  const { losses } = crossentropyForwardRef(logits, targets, N, V);
  const loss = maskedMeanRef(losses, mask, N)[0];

  // ---- backward ----
  const grads: Weights = new Map([...w].map(([k, v]) => [k, new Float64Array(v.length)]));
  const G = (name: string) => grads.get(name)!;
  const acc = (name: string, g: Float64Array) => G(name).set(add(G(name), g));
  const dlogits = crossentropyBackwardRef(lossWeightsRef(mask, N), logits, targets, N, V);
  const head = matmulBackwardRef(dlogits, lnf.out, W('transformer.wte.weight'), N, C, V);
  acc('transformer.wte.weight', head.dweight);
  const f = layernormBackwardRef(head.dinp, residual, W('transformer.ln_f.weight'), lnf.mean, lnf.rstd, N, C);
  acc('transformer.ln_f.weight', f.dweight);
  acc('transformer.ln_f.bias', f.dbias);
  let dres3 = f.dinp;
  for (let l = L - 1; l >= 0; l--) {
    const h = `transformer.h.${l}`;
    const a = layers[l];
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
  return { loss, logits, grads };
}
