// `rlhf logits --model MODEL --tokens 1,2,3 [--json]`: the next-token logits[V] after a sequence of token
// ids, from one full forward of the checkpoint's GPT on the GPU (B = 1, T = number of tokens). For
// checking a model against another implementation (e.g. Hugging Face's GPT2LMHeadModel) id for id.
//
// Output: plain, one line of V space-separated numbers; --json, {"tokens": [...], "logits": [...]}.
// The forward is gpt.ts's GPT graph built without its backward pass (no gradient buffers).

import { createNodeGpu } from '../kernels/device-node.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import type { GPTConfig } from '../models/config.ts';
import { GPT } from '../models/gpt.ts';
import { Weights } from '../models/weights.ts';
import { UsageError, parseArgs } from './args.ts';
import { readBytes } from './files.ts';

const OPTIONS = {
  model: { type: 'string', required: true },
  tokens: { type: 'list', required: true },
  json: { type: 'flag' },
} as const;

/**
 * Token ids from `--tokens` values ("1,2,3", or "1 2 3", or both mixed): each an integer in [0, V), at
 * least one and at most maxT of them; anything else is a UsageError saying what and where.
 */
export function parseTokens(values: readonly string[], V: number, maxT: number): number[] {
  const pieces = values.flatMap((v) => v.split(',')).map((s) => s.trim());
  if (pieces.every((p) => p === ''))
    throw new UsageError('logits: --tokens is empty: give one or more token ids, e.g. --tokens 15496,995');
  const tokens = pieces.map((p, i) => {
    if (!/^[+-]?\d+$/.test(p)) throw new UsageError(`logits: token ${i + 1} "${p}" is not an integer`);
    const id = Number(p);
    if (id < 0 || id >= V)
      throw new UsageError(`logits: token ${i + 1} is ${id}, outside the model's vocabulary 0..${V - 1}`);
    return id;
  });
  if (tokens.length > maxT)
    throw new UsageError(`logits: ${tokens.length} tokens, more than the model's context of ${maxT}`);
  return tokens;
}

/** logits[V] at the last of `tokens` (B = 1, T = tokens.length), for packed parameters in our layout. */
export async function finalLogits(
  gpu: Gpu,
  cfg: GPTConfig,
  packed: Float32Array,
  tokens: readonly number[],
): Promise<Float32Array> {
  const V = cfg.vocabSize;
  const T = tokens.length;
  const weights = new Weights(gpu, cfg);
  gpu.write(weights.packed, packed);
  const model = new GPT(gpu, cfg, 1, T, weights, { backward: false });
  gpu.write(model.tokens, tokens);
  gpu.run(model.forwardDispatches);
  const all = (await gpu.read(model.logits)) as Float32Array;
  return all.slice((T - 1) * V, T * V);
}

/** What `rlhf logits` prints: one line of space-separated numbers, or {"tokens", "logits"} as JSON. */
export function formatLogits(tokens: readonly number[], row: ArrayLike<number>, json: boolean): string {
  const values = Array.from(row);
  return json ? `${JSON.stringify({ tokens, logits: values })}\n` : `${values.join(' ')}\n`;
}

export async function logits(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'logits');
  const file = a.model as string;
  const bytes = readBytes(file);
  const { cfg, packed } = loadCheckpoint(bytes, file);
  const tokens = parseTokens(a.tokens as string[], cfg.vocabSize, cfg.maxSeqLen);
  const gpu = await createNodeGpu();
  try {
    process.stdout.write(formatLogits(tokens, await finalLogits(gpu, cfg, packed, tokens), a.json === true));
  } finally {
    gpu.destroy();
  }
}
