// `npm run bench:train [-- --presets tiny,small --steps N --json out.json]`: language-model training
// steps of the `tiny` and `small` presets on Dawn (the machine's GPU, else SwiftShader): tokens/s,
// ms/step, and dispatches, submits and GPU→CPU reads per step, with the adapter. On a software
// adapter the batch shrinks (B·T = 256 tokens) so that a run takes minutes, not hours.

import { writeFileSync } from 'node:fs';
import { LMBatcher, tokenizeTranscripts } from '../src/data/lm-batches.ts';
import { byteTokenizer } from '../src/data/tokenizer.ts';
import { createNodeGpu } from '../src/kernels/device-node.ts';
import { randn } from '../src/util/random.ts';
import { PRESETS, type PresetName } from '../src/models/config.ts';
import { initParams } from '../src/models/params.ts';
import { DEFAULT_LM_TRAIN, LMTrainer } from '../src/train/lm.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const gpu = await createNodeGpu();
const a = gpu.adapter;
const presets = (arg('presets') ?? 'tiny,small').split(',') as PresetName[];
const steps = Number(arg('steps') ?? (a.software ? 3 : 20));
const text = Array.from({ length: 200 }, (_, i) => `\n\nHuman: question ${i}?\n\nAssistant: answer ${i * 7}.`);
const stream = tokenizeTranscripts(text, byteTokenizer);
console.log(
  `adapter: ${a.vendor} ${a.architecture} ${a.device} ${a.description} (${a.software ? 'software' : 'hardware'}), ${a.runtime}`,
);
console.log('| preset | params | B×T | ms/step | tokens/s | dispatches/step | submits/step | reads/step |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
const results = [];
for (const name of presets) {
  const cfg = PRESETS[name];
  if (!cfg) throw new Error(`unknown preset ${name}`);
  const T = a.software ? 64 : cfg.maxSeqLen;
  const B = a.software ? 4 : 8;
  const trainer = new LMTrainer(gpu, cfg, { ...DEFAULT_LM_TRAIN, batchSize: B, seqLen: T, steps: steps + 2 });
  gpu.write(
    trainer.model.params,
    initParams(trainer.model.table, cfg, (n) => randn(n, 1)),
  );
  const batcher = new LMBatcher(stream, B, T, 1);
  trainer.stepOn([batcher.next()]); // compiles every pipeline
  await trainer.metrics();
  gpu.resetCounters();
  const start = performance.now();
  for (let s = 0; s < steps; s++) trainer.stepOn([batcher.next()]);
  await gpu.sync();
  const ms = (performance.now() - start) / steps;
  const c = gpu.counters;
  const row = {
    preset: name,
    params: trainer.model.table.count,
    B,
    T,
    msPerStep: ms,
    tokensPerSecond: (B * T * 1000) / ms,
    dispatches: c.dispatches / steps,
    submits: c.submits / steps,
    reads: c.reads / steps,
  };
  results.push(row);
  console.log(
    `| ${name} | ${row.params.toLocaleString('en')} | ${B}×${T} | ${ms.toFixed(1)} | ${row.tokensPerSecond.toFixed(0)} | ${row.dispatches} | ${row.submits} | ${row.reads} |`,
  );
}
const json = arg('json');
if (json) writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), adapter: a, results }, null, 2));
gpu.destroy();
