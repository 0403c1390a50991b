// `rlhf tension --base MODEL --helpful FILE --harmless FILE --out DIR [options]`: the helpful-vs-harmless tension
// explorer of the notebook's Evaluate stage on the command line (Bai et al. 2022, §4.4, Figure 1), the same job
// (src/train/tension-run.ts): helpful-only, harmless-only and mixed preference models from the base model,
// their cross-evaluation on both files' held-out pairs, PPO of the base model against each, and the base model's
// and the three policies' answers to the same held-out benign and harmful prompts, judged by the synthetic
// world's gold scorer. Writes DIR/pm-KIND.safetensors and DIR/policy-KIND.safetensors (KIND: helpful-only,
// harmless-only, mixed) and DIR/tension.json. It reads models of any tokenizer (the notebook's are byte-level).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { trainingPairs } from '../data/comparisons.ts';
import { createNodeGpu } from '../kernels/device-node.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { runTension, tensionUnits, type TensionSettings } from '../train/tension-run.ts';
import { UsageError, parseArgs } from './args.ts';
import { readBytes, readComparisonFiles, writeAtomic } from './files.ts';
import { Progress } from './progress.ts';

const OPTIONS = {
  base: { type: 'string', required: true },
  helpful: { type: 'string', required: true },
  harmless: { type: 'string', required: true },
  out: { type: 'string', required: true },
  'pm-steps': { type: 'number' },
  pairs: { type: 'number' },
  seq: { type: 'number' },
  'pm-lr': { type: 'number' },
  iterations: { type: 'number' },
  batch: { type: 'number' },
  'max-tokens': { type: 'number' },
  'kl-coef': { type: 'number' },
  lr: { type: 'number' },
  prompts: { type: 'number' },
  seed: { type: 'number' },
  'skip-invalid': { type: 'flag' },
} as const;

export async function tension(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'tension');
  const log = (s: string) => process.stderr.write(s);
  const num = (name: keyof typeof OPTIONS, fallback: number) => (a[name] as number | undefined) ?? fallback;
  const baseFile = a.base as string;
  const bytes = readBytes(baseFile);
  const base = loadCheckpoint(bytes, baseFile);
  const settings: TensionSettings = {
    pmSteps: num('pm-steps', 60),
    pmPairsPerBatch: num('pairs', 8),
    pmSeqLen: num('seq', base.cfg.maxSeqLen),
    pmLr: num('pm-lr', 1e-3),
    iterations: num('iterations', 20),
    batchSize: num('batch', 8),
    maxTokens: num('max-tokens', 24),
    klCoef: num('kl-coef', 0.05),
    lr: num('lr', 1e-4),
    prompts: num('prompts', 8),
    seed: num('seed', 1),
  };
  for (const k of [
    'pmSteps',
    'pmPairsPerBatch',
    'pmSeqLen',
    'iterations',
    'batchSize',
    'maxTokens',
    'prompts',
  ] as const) {
    if (!Number.isInteger(settings[k]) || settings[k] < 1)
      throw new UsageError(`tension: ${k} must be a positive integer, got ${settings[k]}`);
  }
  const dataset = (flag: 'helpful' | 'harmless') => {
    const file = a[flag] as string;
    return {
      id: file,
      comparisons: trainingPairs(readComparisonFiles([file], Boolean(a['skip-invalid']), log).comparisons),
    };
  };
  const [helpful, harmless] = [dataset('helpful'), dataset('harmless')];
  const out = a.out as string;
  mkdirSync(out, { recursive: true });

  const gpu = await createNodeGpu();
  log(`adapter: ${gpu.adapter.vendor} ${gpu.adapter.description}\n`);
  const progress = new Progress('tension', tensionUnits(settings));
  const result = await runTension(gpu, { name: baseFile, bytes }, helpful, harmless, settings, (phase, done) =>
    progress.update(done, phase),
  );
  progress.done();

  for (const m of result.models) {
    writeAtomic(join(out, `pm-${m.kind}.safetensors`), m.pm.bytes);
    writeAtomic(join(out, `policy-${m.kind}.safetensors`), m.policy.bytes);
  }
  log(`\nheld-out accuracy (${helpful.id} / ${harmless.id}):\n`);
  for (const m of result.models)
    log(`  ${m.kind.padEnd(14)} ${m.cells.map((c) => `${c.accuracy.toFixed(3)} (n=${c.n})`).join('  ')}\n`);
  const report = {
    command: 'tension',
    argv,
    base: baseFile,
    helpful: helpful.id,
    harmless: harmless.id,
    settings,
    adapter: gpu.adapter,
    models: result.models.map((m) => ({
      kind: m.kind,
      pm: `pm-${m.kind}.safetensors`,
      policy: `policy-${m.kind}.safetensors`,
      cells: m.cells,
      last_iteration: m.policy.last,
    })),
    answers: result.answers,
  };
  writeAtomic(join(out, 'tension.json'), `${JSON.stringify(report, null, 2)}\n`);
  gpu.destroy();
}
