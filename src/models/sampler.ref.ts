// Float64 reference of what the sampler computes: the GPT-2 forward alone (logits of one sequence, composed
// from the kernels' references as gpt.ref.ts composes them, without the loss and backward), its
// log-softmax, and greedy decoding by re-running the full forward on prompt + generated prefix (no cache).

import { attentionForwardRef } from '../kernels/attention.ref.ts';
import { encoderForwardRef } from '../kernels/encoder.ref.ts';
import { geluForwardRef } from '../kernels/gelu.ref.ts';
import { layernormForwardRef } from '../kernels/layernorm.ref.ts';
import { matmulForwardRef } from '../kernels/matmul.ref.ts';
import type { GPTConfig } from './config.ts';
import type { Weights } from './gpt.ref.ts';

const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);

/** logits[T, V] of one sequence of T ≤ maxSeqLen tokens (positions 0..T−1). */
export function gptForwardRef(cfg: GPTConfig, w: Weights, tokens: ArrayLike<number>): Float64Array {
  const { vocabSize: V, maxSeqLen: maxT, numLayers: L, numHeads: NH, channels: C } = cfg;
  const T = tokens.length;
  const W = (name: string) => w.get(name)!;
  let residual = encoderForwardRef(
    tokens,
    null,
    W('transformer.wte.weight'),
    W('transformer.wpe.weight'),
    1,
    T,
    C,
    V,
    maxT,
  );
  for (let l = 0; l < L; l++) {
    const h = `transformer.h.${l}`;
    const ln1 = layernormForwardRef(residual, W(`${h}.ln_1.weight`), W(`${h}.ln_1.bias`), T, C);
    const qkv = matmulForwardRef(ln1.out, W(`${h}.attn.c_attn.weight`), W(`${h}.attn.c_attn.bias`), T, C, 3 * C);
    const att = attentionForwardRef(qkv, null, 1, T, C, NH);
    const residual2 = add(
      residual,
      matmulForwardRef(att.out, W(`${h}.attn.c_proj.weight`), W(`${h}.attn.c_proj.bias`), T, C, C),
    );
    const ln2 = layernormForwardRef(residual2, W(`${h}.ln_2.weight`), W(`${h}.ln_2.bias`), T, C);
    const fch = matmulForwardRef(ln2.out, W(`${h}.mlp.c_fc.weight`), W(`${h}.mlp.c_fc.bias`), T, C, 4 * C);
    residual = add(
      residual2,
      matmulForwardRef(
        geluForwardRef(fch, T * 4 * C),
        W(`${h}.mlp.c_proj.weight`),
        W(`${h}.mlp.c_proj.bias`),
        T,
        4 * C,
        C,
      ),
    );
  }
  const lnf = layernormForwardRef(residual, W('transformer.ln_f.weight'), W('transformer.ln_f.bias'), T, C);
  return matmulForwardRef(lnf.out, W('transformer.wte.weight'), null, T, C, V);
}

/** log softmax of one row. */
export function logSoftmaxRef(row: ArrayLike<number>): Float64Array {
  const mx = Math.max(...Array.from(row));
  const lse = mx + Math.log(Array.from(row).reduce((s, x) => s + Math.exp(x - mx), 0));
  return Float64Array.from(row, (x) => x - lse);
}

/** The last row of gptForwardRef: the next-token logits[V] after `tokens`. */
export function nextLogitsRef(cfg: GPTConfig, w: Weights, tokens: ArrayLike<number>): Float64Array {
  const V = cfg.vocabSize;
  return gptForwardRef(cfg, w, tokens).slice((tokens.length - 1) * V, tokens.length * V);
}

/** Greedy continuation of `prompt` by n tokens (argmax, ties → lowest index), one full forward per token. */
export function greedyRef(cfg: GPTConfig, w: Weights, prompt: readonly number[], n: number): number[] {
  const seq = [...prompt];
  for (let i = 0; i < n; i++) {
    const row = nextLogitsRef(cfg, w, seq);
    let arg = 0;
    for (let v = 1; v < row.length; v++) if (row[v] > row[arg]) arg = v;
    seq.push(arg);
  }
  return seq.slice(prompt.length);
}
