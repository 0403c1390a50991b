// `rlhf sample --model MODEL --prompt TEXT [--n K --max-tokens M --temperature T --top-k K --seed S]`:
// K continuations of a prompt from a checkpoint, sampled on the GPU with the KV cache. Generation
// stops at end-of-text or where the model starts the next "\n\nHuman:" turn.

import { tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import { createNodeGpu } from '../kernels/device-node.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { Sampler } from '../models/sampler.ts';
import { Weights } from '../models/weights.ts';
import { UsageError, parseArgs } from './args.ts';
import { readBytes } from './files.ts';

const OPTIONS = {
  model: { type: 'string', required: true },
  prompt: { type: 'string', required: true },
  n: { type: 'number' },
  'max-tokens': { type: 'number' },
  temperature: { type: 'number' },
  'top-k': { type: 'number' },
  seed: { type: 'number' },
  json: { type: 'flag' },
} as const;

export async function sample(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'sample');
  const file = a.model as string;
  const bytes = readBytes(file);
  const { cfg, packed, metadata } = loadCheckpoint(bytes, file);
  const tokenizer = tokenizerOfCheckpoint(metadata, cfg, file);
  const n = (a.n as number | undefined) ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`sample: --n must be a positive integer, got ${n}`);
  // The CLI reads "\n" in --prompt as a newline, so dialogue prompts can be typed on one line.
  const prompt = tokenizer.encode((a.prompt as string).replace(/\\n/g, '\n'));
  const maxTokens = (a['max-tokens'] as number | undefined) ?? Math.min(128, cfg.maxSeqLen - prompt.length);
  if (prompt.length + 1 > cfg.maxSeqLen)
    throw new UsageError(`sample: the prompt has ${prompt.length} tokens; the model's context is ${cfg.maxSeqLen}`);
  const gpu = await createNodeGpu();
  const weights = new Weights(gpu, cfg);
  gpu.write(weights.packed, packed);
  const sampler = new Sampler(weights, n, Math.min(cfg.maxSeqLen, prompt.length + maxTokens));
  const out = await sampler.generate(
    Array.from({ length: n }, () => prompt),
    {
      maxTokens,
      temperature: (a.temperature as number | undefined) ?? 1,
      topK: (a['top-k'] as number | undefined) ?? 0,
      seed: (a.seed as number | undefined) ?? 1,
      stopTokens: [tokenizer.endOfText],
      stopSequences: [tokenizer.encode('\n\nHuman:')],
    },
  );
  const texts = out.tokens.map((t) => tokenizer.decode(t.filter((id) => id !== tokenizer.endOfText)));
  if (a.json)
    process.stdout.write(
      `${JSON.stringify({ prompt: a.prompt, samples: texts, ended: out.ended, logprobs: out.logprobs }, null, 2)}\n`,
    );
  else
    texts.forEach((t, i) =>
      process.stdout.write(`--- sample ${i + 1}${out.ended[i] ? '' : ' (cut at --max-tokens)'}\n${t}\n`),
    );
  gpu.destroy();
}
