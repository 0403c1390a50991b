// The `rlhf` command line as a user runs it: `node bin/rlhf.js …` (what `npx rlhf` runs).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.ts';
import { loadCheckpoint } from '../../src/models/checkpoint.ts';
import { PRESETS } from '../../src/models/config.ts';
import { rlhfProcess } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const rlhf = (...args: string[]) => rlhfProcess(300_000, ...args);

describe('rlhf command line', () => {
  it('info --json reports the adapter and its limits', () => {
    const r = rlhf('info', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.adapter.runtime).toBe('node-dawn');
    expect(typeof report.adapter.software).toBe('boolean');
    expect(report.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
  });

  it('names an unknown command or option and exits 2', () => {
    const bad = rlhf('pretrian');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "pretrian"[\s\S]*info/);
    const opt = rlhf('info', '--jsno');
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(/rlhf info: info: unknown option --jsno \(options: --json\)/);
  });
});

describe('rlhf pretrain and rlhf sample', () => {
  const dir = tempDir('cli');
  const lines = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({
      chosen: `\n\nHuman: count ${i}\n\nAssistant: ${i} ${i + 1} ${i + 2}`,
      rejected: `\n\nHuman: count ${i}\n\nAssistant: no`,
    }),
  );
  const data = join(dir, 'hh.jsonl');
  writeFileSync(data, [...lines.slice(0, 20), '{broken', ...lines.slice(20)].join('\n'));
  const model = join(dir, 'nano.safetensors');
  const report = join(dir, 'report.json');

  it('refuses a file with a malformed line, naming the file and line, unless told to skip it', () => {
    const r = rlhf('pretrain', '--data', data, '--preset', 'nano', '--steps', '2', '--out', model);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `1 invalid line(s), nothing imported (pass --skip-invalid to use the 40 valid ones):\n${data}:21: not valid JSON`,
    );
  });

  it('trains a nano model whose held-out loss falls, saves a loadable checkpoint, and samples from it', () => {
    const r = rlhf(
      'pretrain',
      '--data',
      data,
      '--skip-invalid',
      '--preset',
      'nano',
      '--steps',
      '12',
      '--batch',
      '4',
      '--seq',
      '32',
      '--lr',
      '0.02',
      '--seed',
      '5',
      '--out',
      model,
      '--report',
      report,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipping 1 invalid line/);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.history.length).toBeGreaterThan(1);
    expect(rep.history.at(-1)['eval/loss']).toBeLessThan(rep.initial_eval_loss - 0.5);
    expect(rep.adapter.runtime).toBe('node-dawn');
    const ckpt = loadCheckpoint(readFileSync(model), model);
    expect(ckpt.cfg).toEqual(PRESETS.nano);

    const s = rlhf(
      'sample',
      '--model',
      model,
      '--prompt',
      '\\n\\nHuman: count 3\\n\\nAssistant:',
      '--n',
      '2',
      '--max-tokens',
      '6',
      '--seed',
      '9',
      '--json',
    );
    expect(s.code, s.stderr).toBe(0);
    const out = JSON.parse(s.stdout);
    expect(out.samples).toHaveLength(2);
    expect(out.logprobs[0].length).toBeGreaterThan(0);
    expect(out.logprobs[0].every((lp: number) => lp <= 0)).toBe(true);
    const again = JSON.parse(
      rlhf(
        'sample',
        '--model',
        model,
        '--prompt',
        '\\n\\nHuman: count 3\\n\\nAssistant:',
        '--n',
        '2',
        '--max-tokens',
        '6',
        '--seed',
        '9',
        '--json',
      ).stdout,
    );
    expect(again.samples).toEqual(out.samples); // same seed, same adapter: same text
  }, 600_000); // three Dawn processes on SwiftShader, beside the other test files on two cores

  it('continues from a checkpoint with --init, and refuses one of another architecture', () => {
    const more = join(dir, 'more.safetensors');
    const moreReport = join(dir, 'more.json');
    const r = rlhf(
      'pretrain',
      '--data',
      data,
      '--skip-invalid',
      '--preset',
      'nano',
      '--init',
      model,
      '--steps',
      '1',
      '--batch',
      '4',
      '--seq',
      '32',
      '--seed',
      '5',
      '--out',
      more,
      '--report',
      moreReport,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`model: nano from ${model}`);
    const first = JSON.parse(readFileSync(report, 'utf8'));
    const next = JSON.parse(readFileSync(moreReport, 'utf8'));
    // the same held-out transcripts (same seed): the continued run starts where the first one ended
    expect(next.initial_eval_loss).toBeCloseTo(first.history.at(-1)['eval/loss'], 4);
    expect(next.init).toBe(model);
    const wrong = rlhf(
      'pretrain',
      '--data',
      data,
      '--skip-invalid',
      '--preset',
      'micro',
      '--init',
      model,
      '--steps',
      '1',
      '--out',
      more,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      new RegExp(
        `pretrain: --init ${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: config differs from the expected one: .*channels 8 \\(expected 32\\)`,
      ),
    );
  }, 600_000);
});

describe('argument parsing', () => {
  const specs = {
    data: { type: 'list', required: true },
    steps: { type: 'number' },
    out: { type: 'string' },
    json: { type: 'flag' },
  } as const;
  it('reads lists, numbers, strings and flags', () => {
    expect(
      parseArgs(['--data', 'a.jsonl', 'b.jsonl', '--steps', '20', '--json', '--out', 'm.safetensors'], specs, 'x'),
    ).toEqual({
      data: ['a.jsonl', 'b.jsonl'],
      steps: 20,
      json: true,
      out: 'm.safetensors',
    });
  });
  it('refuses malformed input, naming the option', () => {
    expect(() => parseArgs(['--steps', 'ten', '--data', 'a'], specs, 'pretrain')).toThrow(
      /pretrain: --steps must be a number, got "ten"/,
    );
    expect(() => parseArgs(['--steps', '1'], specs, 'pretrain')).toThrow(/pretrain: --data is required/);
    expect(() => parseArgs(['--data'], specs, 'pretrain')).toThrow(/--data needs a value/);
    expect(() => parseArgs(['data'], specs, 'pretrain')).toThrow(/unexpected argument "data"/);
  });
});
