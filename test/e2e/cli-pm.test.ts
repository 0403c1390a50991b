// `rlhf pm` and `rlhf pm-eval` through their command functions on a tiny learnable preference task
// (the chosen response is always "yes", the rejected one "no"): the PM learns it, the checkpoint holds
// the reward head, the report has the fields, pm-eval reproduces the trainer's validation
// margins from the saved file, --held-out holds out the fraction asked, and bad input is named.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pm } from '../../src/cli/pm.ts';
import { pmEval } from '../../src/cli/pm-eval.ts';
import { pretrain } from '../../src/cli/pretrain.ts';
import { loadCheckpoint } from '../../src/models/checkpoint.ts';
import { runCommand } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'rlhf-pm-'));

const run = runCommand;

function writePairs(name: string, n: number, offset = 0): string {
  const lines = Array.from({ length: n }, (_, i) => {
    const q = `\n\nHuman: is ${i + offset} ok?\n\nAssistant:`;
    return JSON.stringify({ chosen: `${q} yes`, rejected: `${q} no` });
  });
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('rlhf pm and rlhf pm-eval', () => {
  const train = writePairs('helpful-train.jsonl', 48);
  const held = writePairs('helpful-test.jsonl', 12, 1000);
  const out = join(dir, 'pm.safetensors');
  const report = join(dir, 'pm.json');

  it('train a PM that learns the task, save its reward head and report accuracy, calibration and length baselines', async () => {
    await run(pm, '--train', train, '--eval', held, '--preset', 'nano', '--steps', '12', '--batch', '4', '--seq', '32', '--lr', '0.01', '--eval-interval', '6', '--seed', '3', '--out', out, '--report', report);
    const ckpt = loadCheckpoint(readFileSync(out), out);
    expect(ckpt.heads.reward_head).toBeDefined();
    expect(ckpt.metadata).toMatchObject({ tokenizer: 'byte', kind: 'preference-model', seq_len: '32' });
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.history).toHaveLength(2);
    expect(rep.history[0]).toHaveProperty('train/loss');
    expect(rep.history[0]).toHaveProperty('eval/accuracy');
    const all = rep.eval.all;
    expect(all.n).toBe(12);
    expect(all.accuracy).toBe(1);
    expect(all.accuracy_interval[0]).toBeGreaterThan(0.7);
    expect(all.calibration).toHaveLength(10);
    expect(all.calibration.reduce((s: number, b: { count: number }) => s + b.count, 0)).toBe(24); // both orderings of 12 pairs
    expect(all.length_baseline_accuracy.longer).toBe(1); // " yes" is longer than " no"
    expect(rep.eval.subsets.helpful.n).toBe(12);
    expect(rep.eval.files[held].n).toBe(12);
    expect(rep.adapter.runtime).toBe('node-dawn');

    const evalReport = join(dir, 'eval.json');
    const printed = await run(pmEval, '--pm', out, '--data', held, '--report', evalReport);
    expect(printed.out).toMatch(/helpful-test\.jsonl: accuracy 1\.000/);
    const ev = JSON.parse(readFileSync(evalReport, 'utf8'));
    expect(ev.all.accuracy).toBe(1);
    expect(ev.all.mean_margin).toBeCloseTo(all.mean_margin, 4); // the saved file scores as the trainer did
    expect(ev.all.ece).toBeCloseTo(all.ece, 4);
  }, 600_000);

  it('names what is wrong: a language model given to pm-eval, a file with a bad line, a preset that does not match --init', async () => {
    const lm = join(dir, 'lm.safetensors');
    await run(pretrain, '--data', train, '--preset', 'nano', '--steps', '1', '--batch', '2', '--seq', '16', '--out', lm);
    await expect(run(pmEval, '--pm', lm, '--data', held)).rejects.toThrow(/lm\.safetensors: no reward_head tensors: not a preference model/);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${readFileSync(held, 'utf8')}{"chosen": 1}\n`);
    await expect(run(pm, '--train', bad, '--preset', 'nano', '--steps', '1', '--out', out)).rejects.toThrow(/bad\.jsonl:13: missing string field "chosen"/);
    await expect(run(pm, '--train', train, '--init', lm, '--preset', 'micro', '--steps', '1', '--out', out)).rejects.toThrow(/--preset micro differs from .*lm\.safetensors: maxSeqLen 32 \(preset 128\)/);
    await expect(run(pm, '--train', train, '--eval', held, '--held-out', '0.5', '--preset', 'nano', '--out', out)).rejects.toThrow(/--held-out splits --train for validation; it cannot be combined with --eval/);
    await expect(run(pm, '--train', train, '--held-out', '1', '--preset', 'nano', '--out', out)).rejects.toThrow(/--held-out must be a fraction between 0 and 1, got 1/);
  }, 600_000);

  it('holds out the --held-out fraction of --train for validation', async () => {
    const splitReport = join(dir, 'pm-split.json');
    await run(pm, '--train', train, '--held-out', '0.25', '--preset', 'nano', '--steps', '1', '--batch', '4', '--seq', '16', '--seed', '5', '--out', join(dir, 'pm-split.safetensors'), '--report', splitReport);
    const rep = JSON.parse(readFileSync(splitReport, 'utf8'));
    expect(rep.data).toMatchObject({ eval: '25% of --train (seeded)', train_pairs: 36, eval_pairs: 12 });
    expect(rep.eval.all.n).toBe(12);
  }, 600_000);
});
