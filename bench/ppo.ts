// `npm run bench:ppo [-- --preset tiny --batch 8 --max-tokens 32 --iterations 2 --json out.json]`: PPO
// iterations (src/train/ppo.ts) of a policy and a preference model of the same preset, on Dawn (the
// machine's GPU, else SwiftShader): seconds per phase (rollout, score, logprobs, update) and dispatches,
// submits and GPU→CPU reads per iteration, with the adapter. The weights are random (GPT-2's init): the
// time of an iteration does not depend on them, only on the shapes. Prompts are the synthetic world's.
// Building the trainer compiles its pipelines; that time is printed apart and not in any iteration.

import { writeFileSync } from 'node:fs';
import { synthPrompts } from '../src/data/synth.ts';
import { byteTokenizer } from '../src/data/tokenizer.ts';
import { vocabWithEndOfContext } from '../src/data/tokenizers.ts';
import { createNodeGpu } from '../src/kernels/device-node.ts';
import { randn } from '../src/util/random.ts';
import { checkpointBytes, loadCheckpoint } from '../src/models/checkpoint.ts';
import { PRESETS, type PresetName } from '../src/models/config.ts';
import { headTable, initHeadParams } from '../src/models/head-table.ts';
import { initParams, paramTable } from '../src/models/params.ts';
import { DEFAULT_PPO, PPOTrainer, pmReward } from '../src/train/ppo.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const preset = arg('preset', 'tiny') as PresetName;
const B = Number(arg('batch', '8'));
const maxTokens = Number(arg('max-tokens', '32'));
const iterations = Number(arg('iterations', '2'));
if (!PRESETS[preset]) throw new Error(`unknown preset ${preset}`);
const cfg = { ...PRESETS[preset], vocabSize: vocabWithEndOfContext(byteTokenizer) };

const gpu = await createNodeGpu();
const a = gpu.adapter;
const policy = initParams(paramTable(cfg), cfg, (n) => randn(n, 1));
const pmFile = checkpointBytes(
  cfg,
  initParams(paramTable(cfg), cfg, (n) => randn(n, 2)),
  { tokenizer: byteTokenizer.name },
  {
    reward_head: initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, 3)),
  },
);
const reward = pmReward(gpu, loadCheckpoint(pmFile, 'bench-pm'), 'bench-pm', B);
const prompts = synthPrompts({ seed: 1, n: B * iterations });
const longest = Math.max(...prompts.map((p) => byteTokenizer.encode(p).length + 1));
const config = {
  ...DEFAULT_PPO,
  batchSize: B,
  maxTokens,
  maxPromptTokens: Math.min(longest, cfg.maxSeqLen - maxTokens),
};

let start = performance.now();
const trainer = new PPOTrainer(gpu, cfg, config, { policy }, byteTokenizer, reward);
await gpu.sync();
const buildSeconds = (performance.now() - start) / 1000;

console.log(
  `adapter: ${a.vendor} ${a.architecture} ${a.device} ${a.description} (${a.software ? 'software' : 'hardware'}), ${a.runtime}`,
);
console.log(
  `${preset} policy and PM (${trainer.policy.table.count.toLocaleString('en')} parameters each), B = ${B}, ${maxTokens} new tokens, ` +
    `prompts ≤ ${config.maxPromptTokens} tokens (T = ${trainer.T}), M = ${config.minibatches}, K = ${config.epochs}; building the trainer: ${buildSeconds.toFixed(1)} s`,
);
console.log('| iteration | rollout s | score s | logprobs s | update s | total s | dispatches | submits | reads |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
const rows = [];
for (let i = 0; i < iterations; i++) {
  gpu.resetCounters();
  start = performance.now();
  const { metrics: m } = await trainer.step(prompts.slice(i * B, (i + 1) * B));
  const total = (performance.now() - start) / 1000;
  const c = { ...gpu.counters };
  const row = {
    iteration: i + 1,
    rollout: m['time/rollout'],
    score: m['time/score'],
    logprobs: m['time/logprobs'],
    update: m['time/update'],
    total,
    dispatches: c.dispatches,
    submits: c.submits,
    reads: c.reads,
  };
  rows.push(row);
  console.log(
    `| ${row.iteration} | ${row.rollout.toFixed(2)} | ${row.score.toFixed(2)} | ${row.logprobs.toFixed(2)} | ${row.update.toFixed(2)} | ${total.toFixed(2)} | ${row.dispatches} | ${row.submits} | ${row.reads} |`,
  );
}
const json = process.argv.includes('--json') ? arg('json', '') : '';
if (json)
  writeFileSync(
    json,
    `${JSON.stringify({ adapter: a, preset, B, maxTokens, T: trainer.T, buildSeconds, rows }, null, 2)}\n`,
  );
gpu.destroy();
