// `npx tsx bench/profile-step.ts [--preset micro --batch 8 --seq 128 --repeat 3]`: where a language-model
// training step spends its time, kernel by kernel, on Dawn (the machine's GPU, else SwiftShader). The
// step's dispatches are recorded once, then each is replayed as its own submit and timed to completion,
// so the figures include per-submit overhead (a real step submits them together).

import { LMBatcher, tokenizeTranscripts } from '../src/data/lm-batches.ts';
import { byteTokenizer } from '../src/data/tokenizer.ts';
import { createNodeGpu } from '../src/kernels/device-node.ts';
import type { Dispatch } from '../src/kernels/gpu.ts';
import { randn } from '../src/util/random.ts';
import { PRESETS, type PresetName } from '../src/models/config.ts';
import { initParams } from '../src/models/params.ts';
import { DEFAULT_LM_TRAIN, LMTrainer } from '../src/train/lm.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const gpu = await createNodeGpu();
const preset = arg('preset', 'micro') as PresetName;
const B = Number(arg('batch', '8'));
const T = Number(arg('seq', '128'));
const repeat = Number(arg('repeat', '3'));
const cfg = PRESETS[preset];
if (!cfg) throw new Error(`unknown preset ${preset}`);
const text = Array.from({ length: 200 }, (_, i) => `\n\nHuman: question ${i}?\n\nAssistant: answer ${i * 7}.`);
const batcher = new LMBatcher(tokenizeTranscripts(text, byteTokenizer), B, T, 1);
const trainer = new LMTrainer(gpu, cfg, { ...DEFAULT_LM_TRAIN, batchSize: B, seqLen: T, steps: 10 });
gpu.write(
  trainer.model.params,
  initParams(trainer.model.table, cfg, (n) => randn(n, 1)),
);
trainer.stepOn([batcher.next()]); // compiles every pipeline
await gpu.sync();

// record one step's dispatches instead of running them
const recorded: Dispatch[] = [];
const run = gpu.run.bind(gpu);
gpu.run = (dispatches: readonly Dispatch[]) => void recorded.push(...dispatches);
trainer.stepOn([batcher.next()]);
gpu.run = run;

const byKernel = new Map<string, { ms: number; count: number }>();
let total = 0;
for (let r = 0; r < repeat; r++) {
  for (const d of recorded) {
    const start = performance.now();
    gpu.run([d]);
    await gpu.sync();
    const ms = performance.now() - start;
    total += ms;
    const k = byKernel.get(d.kernel) ?? { ms: 0, count: 0 };
    k.ms += ms;
    k.count++;
    byKernel.set(d.kernel, k);
  }
}
const a = gpu.adapter;
console.log(
  `adapter: ${a.vendor} ${a.architecture} ${a.description}; ${preset} B=${B} T=${T}; ${recorded.length} dispatches per step`,
);
console.log(`step ≈ ${(total / repeat).toFixed(1)} ms (one submit per dispatch)`);
console.log('| kernel | dispatches/step | ms/step | share |');
console.log('|---|---:|---:|---:|');
for (const [name, k] of [...byKernel].sort((x, y) => y[1].ms - x[1].ms)) {
  console.log(
    `| ${name} | ${k.count / repeat} | ${(k.ms / repeat).toFixed(1)} | ${((100 * k.ms) / total).toFixed(1)}% |`,
  );
}
gpu.destroy();
