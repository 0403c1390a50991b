// Writes the real HH dev comparisons as token ids (GPT-2 BPE, or bytes) for hh-pm-readouts.py (a PyTorch sweep of
// preference-model settings at the `micro` size, far faster than SwiftShader; see docs/preference-models.md).
//   npx tsx --import ./scripts/register-raw.mjs scripts/experiments/hh-pm-pairs.ts ../shared/data/hh OUT.json [gpt2|byte]
// Each pair: subset, context ids, chosen ids, rejected ids, split exactly as `rlhf pm` splits them.

import { writeFileSync } from 'node:fs';
import { readComparisonFiles } from '../../src/cli/files.ts';
import { tokenizerByName, vocabWithEndOfContext } from '../../src/data/tokenizers.ts';

const [dir, out, name = 'gpt2'] = process.argv.slice(2);
if (!dir || !out) throw new Error('usage: hh-pm-pairs.ts HH_DIR OUT.json [gpt2|byte]');
const tokenizer = tokenizerByName(name);
const files = ['helpful-base.dev.jsonl.gz', 'harmless-base.dev.jsonl.gz'].map((f) => `${dir}/${f}`);
const { comparisons } = readComparisonFiles(files, false, (s) => process.stderr.write(s));
const pairs = comparisons.map((c) => ({
  s: c.subset,
  ctx: tokenizer.encode(c.context),
  c: tokenizer.encode(c.chosen),
  r: tokenizer.encode(c.rejected),
}));
writeFileSync(
  out,
  JSON.stringify({
    tokenizer: tokenizer.name,
    eoc: tokenizer.endOfContext,
    eot: tokenizer.endOfText,
    vocab: vocabWithEndOfContext(tokenizer),
    pairs,
  }),
);
console.log(`${pairs.length} pairs, ${tokenizer.name} tokens → ${out}`);
