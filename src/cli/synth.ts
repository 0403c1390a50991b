// `rlhf synth --out DIR [--seed S --pairs N --topics K]`: writes the built-in synthetic HH world (src/data/synth.ts)
// as two HH-format files, DIR/synth-helpful.jsonl and DIR/synth-harmless.jsonl, N comparison pairs each; --topics
// restricts the requests to the first K benign and K harmful topics (a world a small base model learns sooner).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_SYNTH_TOPICS, generateSynthWorld, isSynthTopicCount, pairsToJsonl } from '../data/synth.ts';
import { UsageError, parseArgs } from './args.ts';
import { writeAtomic } from './files.ts';

const OPTIONS = {
  out: { type: 'string', required: true },
  seed: { type: 'number' },
  pairs: { type: 'number' },
  topics: { type: 'number' },
} as const;

export async function synth(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'synth');
  const seed = (a.seed as number | undefined) ?? 1;
  const pairs = (a.pairs as number | undefined) ?? 1000;
  if (!Number.isInteger(seed) || seed < 0)
    throw new UsageError(`synth: --seed must be a non-negative integer, got ${seed}`);
  if (!Number.isInteger(pairs) || pairs < 1)
    throw new UsageError(`synth: --pairs must be a positive integer, got ${pairs}`);
  const topics = a.topics as number | undefined;
  if (topics !== undefined && !isSynthTopicCount(topics)) {
    throw new UsageError(`synth: --topics must be an integer from 1 to ${MAX_SYNTH_TOPICS}, got ${topics}`);
  }
  const dir = a.out as string;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(`cannot create ${dir}: ${(e as Error).message}`);
  }
  const world = generateSynthWorld({ seed, pairs, topics });
  for (const subset of ['helpful', 'harmless'] as const) {
    const file = join(dir, `synth-${subset}.jsonl`);
    const text = pairsToJsonl(world[subset]);
    writeAtomic(file, text);
    process.stdout.write(
      `wrote ${file}: ${pairs} ${subset} pairs (seed ${seed}${topics === undefined ? '' : `, ${topics} topics of each kind`}, ${Buffer.byteLength(text)} bytes)\n`,
    );
  }
}
