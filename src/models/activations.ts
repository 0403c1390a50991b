// The activations of one layer of a GPT checkpoint for a list of prompts: the features that out-of-distribution
// detection (Bai et al. 2022, §5.4; src/eval/ood.ts) fits its Gaussians to.
//
// Each prompt is tokenised as a policy reads it (src/eval/policy-responses.ts): end-of-text + the prompt's
// tokens, cut from the left to the model's context. Prompts run through the forward-only trunk (no LM head, no
// backward) B at a time, right-padded with end-of-text (attention is causal, so padding never changes a
// prompt's own positions); the chosen layer's [B, T, C] tensor is read back once per batch and pooled per
// prompt on the CPU:
//   layer  0 = the embeddings (token + position), l = 1..L the residual stream after block l (default L, the
//          last block, before the final layer norm), 'lnf' = the final layer norm's output (what heads read)
//   pool   'last' = the vector at the prompt's last token (default; for a dialogue prompt that is the ':' of
//          the final "\n\nAssistant:", the position a response starts from), 'mean' = the mean over the
//          prompt's own tokens (the leading end-of-text excluded: it is the same for every prompt; a prompt
//          with no tokens is the end-of-text alone)
// The paper does not say which layer or pooling it used; `rlhf ood` lets both be chosen.

import { tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import type { Gpu } from '../kernels/gpu.ts';
import type { Checkpoint } from './checkpoint.ts';
import { GPT } from './gpt.ts';
import { Weights } from './weights.ts';

export type ActivationLayer = number | 'lnf';
export type Pooling = 'last' | 'mean';
export const POOLINGS: readonly Pooling[] = ['last', 'mean'];

export interface ActivationOptions {
  /** 0 = embeddings, 1..L = after block l, 'lnf' = final layer norm (default L). */
  layer?: ActivationLayer;
  /** Default 'last'. */
  pool?: Pooling;
  /** Prompts per forward pass (default 16). */
  batch?: number;
}

export interface PromptActivations {
  /** One vector of C values per prompt, in order. */
  vectors: Float32Array[];
  layer: ActivationLayer;
  pool: Pooling;
  /** Sequence length of the graph: the longest tokenised prompt, at most the context. */
  T: number;
  /** Prompts cut from the left to fit the context. */
  truncated: number;
}

/** A layer named on the command line: an integer 0..L or "lnf"; anything else is an Error naming `what`. */
export function parseLayer(text: string, numLayers: number, what = 'layer'): ActivationLayer {
  if (text === 'lnf') return 'lnf';
  const l = Number(text);
  if (!/^\d+$/.test(text) || l > numLayers)
    throw new RangeError(`${what} must be 0 (embeddings) … ${numLayers} (after the last block) or lnf, got "${text}"`);
  return l;
}

/**
 * Pools one prompt's rows of a [B, T, C] activation read back from the GPU: row `b`, holding `ids` (whose
 * first token is end-of-text when the prompt was not cut).
 */
export function poolRow(
  act: ArrayLike<number>,
  b: number,
  T: number,
  C: number,
  ids: readonly number[],
  eot: number,
  pool: Pooling,
): Float32Array {
  const n = ids.length;
  if (n < 1 || n > T) throw new RangeError(`poolRow: ${n} tokens do not fit a row of ${T}`);
  const from = pool === 'last' ? n - 1 : ids[0] === eot && n > 1 ? 1 : 0;
  const out = new Float32Array(C);
  const sum = new Float64Array(C);
  for (let t = from; t < n; t++) {
    const base = (b * T + t) * C;
    for (let c = 0; c < C; c++) sum[c] += act[base + c];
  }
  for (let c = 0; c < C; c++) out[c] = sum[c] / (n - from);
  return out;
}

/** The pooled activations of `layer` for every prompt (see the header). `file` names the checkpoint in errors. */
export async function promptActivations(
  gpu: Gpu,
  ckpt: Checkpoint,
  file: string,
  prompts: readonly string[],
  opts: ActivationOptions = {},
): Promise<PromptActivations> {
  const { cfg } = ckpt;
  const layer = opts.layer ?? cfg.numLayers;
  const pool = opts.pool ?? 'last';
  const batch = opts.batch ?? 16;
  if (layer !== 'lnf' && !(Number.isInteger(layer) && layer >= 0 && layer <= cfg.numLayers)) {
    throw new RangeError(
      `${file}: layer ${layer} is not 0 (embeddings) … ${cfg.numLayers} (after the last block) or lnf`,
    );
  }
  if (!POOLINGS.includes(pool)) throw new RangeError(`pool must be one of ${POOLINGS.join(', ')}, got ${pool}`);
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`batch must be a positive integer, got ${batch}`);
  const tokenizer = tokenizerOfCheckpoint(ckpt.metadata, cfg, file);
  // end-of-text + the prompt, the oldest tokens cut so that at most maxSeqLen remain
  const full = prompts.map((p) => [tokenizer.endOfText, ...tokenizer.encode(p)]);
  const ids = full.map((x) => x.slice(Math.max(0, x.length - cfg.maxSeqLen)));
  const truncated = full.filter((x) => x.length > cfg.maxSeqLen).length;
  const T = Math.max(1, ...ids.map((x) => x.length));
  if (!prompts.length) return { vectors: [], layer, pool, T, truncated };

  const B = Math.min(batch, prompts.length);
  const weights = new Weights(gpu, cfg, `${file}.params`);
  try {
    gpu.write(weights.packed, ckpt.packed);
    const model = new GPT(weights.gpu, cfg, B, T, weights, { lmHead: false, backward: false });
    const vectors = await pooledRows(model, layer, pool, ids, tokenizer.endOfText);
    return { vectors, layer, pool, T, truncated };
  } finally {
    weights.dispose(); // and the graph built in its scope
  }
}

/** One forward per batch of `ids` (rows padded with `eot`), each prompt's pooled row of `layer`. */
async function pooledRows(
  model: GPT,
  layer: ActivationLayer,
  pool: Pooling,
  ids: number[][],
  eot: number,
): Promise<Float32Array[]> {
  const { gpu, cfg, B, T } = model;
  const source = layer === 'lnf' ? model.lnf : model.residual(layer);
  const C = cfg.channels;
  const tokens = new Uint32Array(B * T);
  const vectors: Float32Array[] = [];
  for (let at = 0; at < ids.length; at += B) {
    const chunk = ids.slice(at, at + B);
    tokens.fill(eot);
    chunk.forEach((x, b) => tokens.set(x, b * T));
    gpu.write(model.tokens, tokens);
    gpu.run(model.forwardDispatches, 'activations forward');
    const act = await gpu.read(source); // one read per batch
    chunk.forEach((x, b) => vectors.push(poolRow(act, b, T, C, x, eot, pool)));
  }
  return vectors;
}
