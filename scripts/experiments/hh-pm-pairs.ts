// Writes the real HH dev comparisons as GPT-2 BPE token ids for hh-pm-readouts.py (a PyTorch sweep of
// preference-model settings at the `micro` size, far faster than SwiftShader; see docs/preference-models.md).
//   npx tsx --import ./scripts/register-raw.mjs scripts/experiments/hh-pm-pairs.ts ../shared/data/hh OUT.json
// Each pair: subset, context ids, chosen ids, rejected ids, split exactly as `rlhf pm` splits them.

import { writeFileSync } from 'node:fs';
import { readComparisonFiles } from '../../src/cli/files.ts';
import { gpt2Tokenizer } from '../../src/data/tokenizer-gpt2.ts';
import { vocabWithEndOfContext } from '../../src/data/tokenizers.ts';

const [dir, out] = process.argv.slice(2);
if (!dir || !out) throw new Error('usage: hh-pm-pairs.ts HH_DIR OUT.json');
const files = ['helpful-base.dev.jsonl.gz', 'harmless-base.dev.jsonl.gz'].map((f) => `${dir}/${f}`);
const { comparisons } = readComparisonFiles(files, false, (s) => process.stderr.write(s));
const pairs = comparisons.map((c) => ({ s: c.subset, ctx: gpt2Tokenizer.encode(c.context), c: gpt2Tokenizer.encode(c.chosen), r: gpt2Tokenizer.encode(c.rejected) }));
writeFileSync(out, JSON.stringify({ eoc: gpt2Tokenizer.endOfContext, eot: gpt2Tokenizer.endOfText, vocab: vocabWithEndOfContext(gpt2Tokenizer), pairs }));
console.log(`${pairs.length} pairs → ${out}`);
