// Responses of a policy checkpoint to a list of prompts, sampled on the GPU with the KV cache exactly as a PPO
// rollout draws them (src/train/ppo.ts): end-of-text + the prompt, cut from the left so that `maxTokens` new
// tokens fit the context; a response ends at end-of-text, at "\n\nHuman:" (removed) or after `maxTokens`.

import type { Tokenizer } from '../data/tokenizer.ts';
import { tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import type { Gpu } from '../kernels/gpu.ts';
import type { Checkpoint } from '../models/checkpoint.ts';
import { Sampler } from '../models/sampler.ts';
import { Weights } from '../models/weights.ts';

export interface ResponseOptions {
  maxTokens: number;
  temperature: number;
  topK: number;
  seed: number;
  /** Prompts sampled together. */
  batch: number;
}

export async function policyResponses(
  gpu: Gpu,
  ckpt: Checkpoint,
  file: string,
  prompts: readonly string[],
  opts: ResponseOptions,
): Promise<string[]> {
  const { cfg } = ckpt;
  const tokenizer = tokenizerOfCheckpoint(ckpt.metadata, cfg, file);
  if (opts.maxTokens < 1 || opts.maxTokens >= cfg.maxSeqLen)
    throw new RangeError(
      `${file}: ${opts.maxTokens} new tokens do not fit a context of ${cfg.maxSeqLen} with a prompt`,
    );
  const budget = cfg.maxSeqLen - opts.maxTokens;
  const ids = prompts.map((p) => {
    const all = [tokenizer.endOfText, ...tokenizer.encode(p)];
    return all.slice(Math.max(0, all.length - budget));
  });
  const longest = Math.max(...ids.map((x) => x.length));
  const B = Math.max(1, Math.min(opts.batch, prompts.length));
  const weights = new Weights(gpu, cfg, `${file}.params`);
  try {
    gpu.write(weights.packed, ckpt.packed);
    return await sampleAll(
      new Sampler(weights, B, Math.min(cfg.maxSeqLen, longest + opts.maxTokens)),
      tokenizer,
      ids,
      opts,
    );
  } finally {
    weights.dispose(); // and the sampler built on them
  }
}

async function sampleAll(
  sampler: Sampler,
  tokenizer: Tokenizer,
  ids: number[][],
  opts: ResponseOptions,
): Promise<string[]> {
  const B = sampler.B;
  const eot = tokenizer.endOfText;
  const out: string[] = [];
  for (let at = 0; at < ids.length; at += B) {
    const chunk = ids.slice(at, at + B);
    const n = chunk.length;
    while (chunk.length < B) chunk.push(chunk[0]); // a short last batch: pad with a repeat, drop its answers
    const gen = await sampler.generate(chunk, {
      maxTokens: opts.maxTokens,
      temperature: opts.temperature,
      topK: opts.topK,
      seed: (opts.seed + at) >>> 0,
      stopTokens: [eot],
      stopSequences: [tokenizer.encode('\n\nHuman:')],
    });
    for (let b = 0; b < n; b++) {
      const r = gen.tokens[b];
      out.push(tokenizer.decode(r.at(-1) === eot ? r.slice(0, -1) : r));
    }
  }
  return out;
}
