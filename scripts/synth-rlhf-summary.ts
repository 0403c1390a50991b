// `npx tsx scripts/synth-rlhf-summary.ts OUT_DIR`: the tables of the synthetic-world RLHF experiment
// (scripts/synth-rlhf.sh) from its reports, in Markdown, as docs/ppo.md quotes them.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqrtKlFit } from '../src/eval/sqrt-kl-fit.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: npx tsx scripts/synth-rlhf-summary.ts OUT_DIR');
// biome-ignore lint/suspicious/noExplicitAny: the reports this script summarises are read field by field
const read = (name: string): any => JSON.parse(readFileSync(join(out, name), 'utf8'));
const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const pct = (r: { rate: number; lo: number; hi: number }) =>
  `${(100 * r.rate).toFixed(0)}% [${(100 * r.lo).toFixed(0)}, ${(100 * r.hi).toFixed(0)}]`;

const base = read('base.json');
const last = base.history.at(-1);
console.log(`Adapter: ${base.adapter.vendor} ${base.adapter.architecture} ${base.adapter.description}\n`);
console.log(
  `Base model: ${base.preset}, ${base.train.steps} steps, held-out loss ${f(base.initial_eval_loss)} → ${f(last['eval/loss'])} nats/token (${base.tokenizer} tokenizer)\n`,
);
const stageReport = (stage: number) => `base-more${stage > 1 ? stage : ''}.json`; // as scripts/synth-rlhf.sh names them
for (let stage = 1; existsSync(join(out, stageReport(stage))); stage++) {
  const more = read(stageReport(stage));
  console.log(
    `Then ${more.train.steps} more steps from it (--init): held-out loss ${f(more.initial_eval_loss)} → ${f(more.history.at(-1)['eval/loss'])}\n`,
  );
}

console.log('Preference models on the held-out world sample (accuracy, n):\n');
console.log('| PM | helpful pairs | harmless pairs |');
console.log('|---|---:|---:|');
for (const pm of ['mixed', 'helpful', 'mixed-test']) {
  const r = read(`pm-eval-${pm}.json`);
  console.log(
    `| ${pm} | ${f(r.subsets.helpful.accuracy)} (${r.subsets.helpful.n}) | ${f(r.subsets.harmless.accuracy)} (${r.subsets.harmless.n}) |`,
  );
}

console.log('\nPPO runs (first → last iteration; the optimised PM, the test PM, the gold scorer on the rollouts):\n');
console.log(
  '| PM optimised | iterations | objective/scores | test_pm/scores | gold/helpfulness (benign) | gold/harmfulness (harmful) | objective/kl | R² score vs √KL (all / first half) | run doctor |',
);
console.log('|---|---:|---|---|---|---|---|---|---|');
for (const pm of ['mixed', 'helpful']) {
  const r = read(`ppo-${pm}.json`);
  const h = r.iterations;
  const a = h[0];
  const z = h.at(-1);
  const half = h.slice(0, Math.max(3, Math.ceil(h.length / 2)));
  const firstHalf = sqrtKlFit(
    half.map((x: Record<string, number>) => x['objective/kl']),
    half.map((x: Record<string, number>) => x['objective/scores']),
  );
  const arrow = (k: string) => `${f(a[k])} → ${f(z[k])}`;
  const warnings = (r.warnings ?? []).map((w: { code: string }) => w.code).join(', ') || 'none';
  console.log(
    `| ${pm} | ${h.length} | ${arrow('objective/scores')} | ${arrow('test_pm/scores')} | ${arrow('gold/helpfulness')} | ${arrow('gold/harmfulness')} | ${arrow('objective/kl')} | ${f(r.sqrt_kl_fit.r2)} / ${f(firstHalf.r2)} | ${warnings} |`,
  );
}

const elo = read('elo.json');
const lm = read('lm-eval.json');
console.log(
  `\nThe policies on ${elo.data.prompts} held-out prompts (one sample each, τ = ${elo.sampling.temperature}):\n`,
);
console.log(
  '| policy | gold Elo [95%] | test-PM Elo [95%] | gold helpfulness (benign) | answers benign | gold harmfulness (harmful) | complies with harmful | refuses harmful | held-out LM loss (tax) |',
);
console.log('|---|---|---|---:|---|---:|---|---|---|');
elo.policies.forEach((p: string, i: number) => {
  const g = elo.judges.gold;
  const t = elo.judges.pm;
  const b = g.behaviour[i];
  const l = lm.results[i];
  console.log(
    `| ${p.split('/').pop()} | ${g.elo[i].toFixed(0)} [${g.lo[i].toFixed(0)}, ${g.hi[i].toFixed(0)}] | ${t.elo[i].toFixed(0)} [${t.lo[i].toFixed(0)}, ${t.hi[i].toFixed(0)}] | ${f(b.helpfulness)} | ${pct(b.answer_rate)} | ${f(b.harmfulness)} | ${pct(b.compliance_rate)} | ${b.refusal_rate ? pct(b.refusal_rate) : '–'} | ${f(l.loss)} (${l.alignment_tax >= 0 ? '+' : ''}${f(l.alignment_tax)}) |`,
  );
});
