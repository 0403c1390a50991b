// `rlhf pm` and `rlhf pm-eval` through their command functions on a tiny learnable preference task
// (the chosen response is always "yes", the rejected one "no"): the PM learns it, the checkpoint holds
// the reward head, the report has the fields, pm-eval reproduces the trainer's validation
// margins from the saved file, --held-out holds out the fraction asked, --fold i/K runs pool with
// `rlhf pm-crossfit` into a score for every pair, and bad input is named.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pm } from '../../src/cli/pm.ts';
import { pmCrossfit } from '../../src/cli/pm-crossfit.ts';
import { pmEval } from '../../src/cli/pm-eval.ts';
import { pretrain } from '../../src/cli/pretrain.ts';
import { loadCheckpoint } from '../../src/models/checkpoint.ts';
import { runCommand } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('pm');

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
    await run(
      pm,
      '--train',
      train,
      '--eval',
      held,
      '--preset',
      'nano',
      '--steps',
      '12',
      '--batch',
      '4',
      '--seq',
      '32',
      '--lr',
      '0.01',
      '--eval-interval',
      '6',
      '--seed',
      '3',
      '--out',
      out,
      '--report',
      report,
    );
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
    await run(
      pretrain,
      '--data',
      train,
      '--preset',
      'nano',
      '--steps',
      '1',
      '--batch',
      '2',
      '--seq',
      '16',
      '--out',
      lm,
    );
    await expect(run(pmEval, '--pm', lm, '--data', held)).rejects.toThrow(
      /lm\.safetensors: no reward_head tensors: not a preference model/,
    );
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${readFileSync(held, 'utf8')}{"chosen": 1}\n`);
    await expect(run(pm, '--train', bad, '--preset', 'nano', '--steps', '1', '--out', out)).rejects.toThrow(
      /bad\.jsonl:13: missing string field "chosen"/,
    );
    await expect(
      run(pm, '--train', train, '--init', lm, '--preset', 'micro', '--steps', '1', '--out', out),
    ).rejects.toThrow(/--preset micro differs from .*lm\.safetensors: maxSeqLen 32 \(preset 128\)/);
    await expect(
      run(pm, '--train', train, '--eval', held, '--held-out', '0.5', '--preset', 'nano', '--out', out),
    ).rejects.toThrow(/--held-out splits --train for validation; it cannot be combined with --eval/);
    await expect(run(pm, '--train', train, '--held-out', '1', '--preset', 'nano', '--out', out)).rejects.toThrow(
      /--held-out must be a fraction between 0 and 1, got 1/,
    );
    await expect(
      run(pm, '--train', train, '--eval', held, '--fold', '1/2', '--preset', 'nano', '--out', out),
    ).rejects.toThrow(/--fold splits --train for validation; it cannot be combined with --eval/);
    await expect(
      run(pm, '--train', train, '--fold', '1/2', '--held-out', '0.5', '--preset', 'nano', '--out', out),
    ).rejects.toThrow(/give --fold i\/K or --held-out F, not both/);
    for (const bad of ['3/2', '0/2', '1/1', 'half'])
      await expect(run(pm, '--train', train, '--fold', bad, '--preset', 'nano', '--out', out)).rejects.toThrow(
        `--fold must be i/K with 1 ≤ i ≤ K and K ≥ 2 (e.g. 2/5), got "${bad}"`,
      );
  }, 600_000);

  it('holds out the --held-out fraction of --train for validation', async () => {
    const splitReport = join(dir, 'pm-split.json');
    await run(
      pm,
      '--train',
      train,
      '--held-out',
      '0.25',
      '--preset',
      'nano',
      '--steps',
      '1',
      '--batch',
      '4',
      '--seq',
      '16',
      '--seed',
      '5',
      '--out',
      join(dir, 'pm-split.safetensors'),
      '--report',
      splitReport,
    );
    const rep = JSON.parse(readFileSync(splitReport, 'utf8'));
    expect(rep.data).toMatchObject({ eval: '25% of --train (seeded)', train_pairs: 36, eval_pairs: 12 });
    expect(rep.eval.all.n).toBe(12);
  }, 600_000);

  it('--fold i/K holds out fold i; rlhf pm-crossfit pools the K runs into a score for every --train pair', async () => {
    const foldReport = (i: number) => join(dir, `pm-fold${i}.json`);
    for (const i of [1, 2, 3]) {
      await run(
        pm,
        '--train',
        train,
        '--fold',
        `${i}/3`,
        '--preset',
        'nano',
        '--steps',
        '2',
        '--batch',
        '4',
        '--seq',
        '16',
        '--seed',
        '6',
        '--out',
        join(dir, `pm-fold${i}.safetensors`),
        '--report',
        foldReport(i),
      );
    }
    const folds = [1, 2, 3].map((i) => JSON.parse(readFileSync(foldReport(i), 'utf8')));
    expect(folds.map((r) => r.data.fold)).toEqual(['1/3', '2/3', '3/3']);
    expect(folds.map((r) => r.data.eval_pairs)).toEqual([16, 16, 16]);
    expect(new Set(folds.flatMap((r) => r.eval.heldout_indices)).size).toBe(48);
    for (const r of folds) expect(r.eval.heldout_margins).toHaveLength(16);

    const pooledReport = join(dir, 'crossfit.json');
    const { out: printed } = await run(
      pmCrossfit,
      '--reports',
      foldReport(3),
      foldReport(1),
      foldReport(2),
      '--report',
      pooledReport,
    );
    const pooled = JSON.parse(readFileSync(pooledReport, 'utf8'));
    expect(pooled.all.n).toBe(48);
    const correct = folds.reduce((s, r) => s + r.eval.all.accuracy * r.eval.all.n, 0);
    expect(pooled.all.accuracy).toBeCloseTo(correct / 48, 12);
    expect(pooled.all.loss).toBeCloseTo(folds.reduce((s, r) => s + r.eval.all.loss * r.eval.all.n, 0) / 48, 9);
    expect(pooled.fold_reports.map((f: { fold: number }) => f.fold)).toEqual([3, 1, 2]);
    expect(printed).toMatch(
      /^fold 1\/3 .*\nfold 2\/3 .*\nfold 3\/3 .*\npooled: accuracy \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] on 48 pairs/,
    );

    await expect(run(pmCrossfit, '--reports', foldReport(1), foldReport(2))).rejects.toThrow(/fold 3 of 3 missing/);
    await expect(run(pmCrossfit, '--reports', foldReport(1), foldReport(2), report)).rejects.toThrow(
      /pm\.json: data\.fold is null: not a run of `rlhf pm --fold i\/K`/,
    );
  }, 600_000);
});
