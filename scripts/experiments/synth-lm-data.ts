// Writes a synthetic world's transcripts (both sides of every pair) as synth-tokenizer ids for synth-lm.py (a
// PyTorch stand-in for the Figure-1 experiment's `micro` base model, to find in minutes how many steps it needs to
// learn which steps answer which request; see docs/ppo.md). The first 10% of transcripts are held out, as a
// stand-in for `rlhf pretrain`'s split; 128 evaluation prompts come from synthPrompts (seed 77).
//   npx tsx --import ./scripts/register-raw.mjs scripts/experiments/synth-lm-data.ts WORLD_DIR TOPICS OUT.json

import { readFileSync, writeFileSync } from 'node:fs';
import { tokenizeTranscripts } from '../../src/data/lm-batches.ts';
import { synthPrompts } from '../../src/data/synth.ts';
import { BENIGN_TOPICS, HARMFUL_TOPICS } from '../../src/data/synth-vocab.ts';
import { synthTokenizer as tk } from '../../src/data/tokenizer-synth.ts';

const [dir, topicsArg, out] = process.argv.slice(2);
if (!dir || !topicsArg || !out) throw new Error('usage: synth-lm-data.ts WORLD_DIR TOPICS OUT.json');
const texts: string[] = [];
for (const subset of ['helpful', 'harmless']) {
  for (const line of readFileSync(`${dir}/synth-${subset}.jsonl`, 'utf8').trim().split('\n')) {
    const pair = JSON.parse(line) as { chosen: string; rejected: string };
    texts.push(pair.chosen, pair.rejected);
  }
}
const held = texts.splice(0, Math.round(texts.length * 0.1));
const prompts = synthPrompts({ seed: 77, n: 128, topics: Number(topicsArg) });
writeFileSync(
  out,
  JSON.stringify({
    V: tk.vocabSize,
    eot: tk.endOfText,
    vocab: Array.from({ length: tk.vocabSize }, (_, i) => tk.decode([i])),
    train: Array.from(tokenizeTranscripts(texts, tk).tokens),
    held: Array.from(tokenizeTranscripts(held, tk).tokens),
    prompts: prompts.map((p) => [tk.endOfText, ...tk.encode(p)]),
    promptText: prompts,
    topics: [
      ...BENIGN_TOPICS.map((t) => ({ kind: 'benign', ...t })),
      ...HARMFUL_TOPICS.map((t) => ({ kind: 'harmful', ...t })),
    ],
  }),
);
process.stdout.write(
  `wrote ${out}: ${texts.length} training and ${held.length} held-out transcripts, vocabulary ${tk.vocabSize}\n`,
);
