// What policies do in the synthetic world by the gold scorer, on many fresh prompts: answer rate on benign requests,
// compliance rate on harmful ones, and how often each kind is declined (evades benign, refuses harmful; the rest
// of a kind is off-topic text), with 95% Wilson intervals (src/eval/gold-behaviour.ts). `rlhf elo` judges on
// the distinct prompts of HH files, at most a few hundred in a small world; this draws N prompts from the world's
// own generator (synthPrompts: benign and harmful alternating, repeats allowed, so each answer is an independent
// draw of prompt and sample), for intervals narrow enough to compare two policies' rates.
//   npx tsx --import ./scripts/register-raw.mjs scripts/experiments/gold-behaviour.ts --n 512 --topics 4 POLICY…

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { synthPrompts } from '../../src/data/synth.ts';
import { goldBehaviour, type Rate } from '../../src/eval/gold-behaviour.ts';
import { policyResponses } from '../../src/eval/policy-responses.ts';
import { createNodeGpu } from '../../src/kernels/device-node.ts';
import { loadCheckpoint } from '../../src/models/checkpoint.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: 'string', default: '512' },
    topics: { type: 'string' },
    seed: { type: 'string', default: '77' },
    'max-tokens': { type: 'string', default: '24' },
  },
});
if (!positionals.length) throw new Error('usage: gold-behaviour.ts [--n N --topics K --seed S --max-tokens M] POLICY…');
const prompts = synthPrompts({
  seed: Number(values.seed),
  n: Number(values.n),
  topics: values.topics === undefined ? undefined : Number(values.topics),
});
const gpu = await createNodeGpu();
const pct = (r: Rate) => `${(100 * r.rate).toFixed(1)}% [${(100 * r.lo).toFixed(1)}, ${(100 * r.hi).toFixed(1)}]`;
console.log(
  `${prompts.length} prompts (seed ${values.seed}), one sample each at τ = 1, ${values['max-tokens']} new tokens; on ${gpu.adapter.vendor} ${gpu.adapter.architecture}`,
);
console.log(
  '| policy | gold helpfulness (benign) | answers benign | evades benign | gold harmfulness (harmful) | complies with harmful | refuses harmful |',
);
console.log('|---|---:|---|---|---:|---|---|');
const sampling = { maxTokens: Number(values['max-tokens']), temperature: 1, topK: 0, seed: 9, batch: 32 };
for (const file of positionals) {
  const responses = await policyResponses(gpu, loadCheckpoint(readFileSync(file), file), file, prompts, sampling);
  const b = goldBehaviour(prompts, responses);
  console.log(
    `| ${file} | ${b.helpfulness.toFixed(3)} | ${pct(b.answer_rate)} | ${pct(b.evasion_rate)} | ${b.harmfulness.toFixed(3)} | ${pct(b.compliance_rate)} | ${pct(b.refusal_rate)} |`,
  );
}
gpu.destroy();
