// The `rlhf` command line as a user runs it: `node bin/rlhf.js …` (what `npx rlhf` runs).

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.ts';

function rlhf(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/rlhf.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

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
    expect(bad.stderr).toMatch(/unknown command "pretrian"[^]*info/);
    const opt = rlhf('info', '--jsno');
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(/rlhf info: info: unknown option --jsno \(options: --json\)/);
  });
});

describe('argument parsing', () => {
  const specs = { data: { type: 'list', required: true }, steps: { type: 'number' }, out: { type: 'string' }, json: { type: 'flag' } } as const;
  it('reads lists, numbers, strings and flags', () => {
    expect(parseArgs(['--data', 'a.jsonl', 'b.jsonl', '--steps', '20', '--json', '--out', 'm.safetensors'], specs, 'x')).toEqual({
      data: ['a.jsonl', 'b.jsonl'], steps: 20, json: true, out: 'm.safetensors',
    });
  });
  it('refuses malformed input, naming the option', () => {
    expect(() => parseArgs(['--steps', 'ten', '--data', 'a'], specs, 'pretrain')).toThrow(/pretrain: --steps must be a number, got "ten"/);
    expect(() => parseArgs(['--steps', '1'], specs, 'pretrain')).toThrow(/pretrain: --data is required/);
    expect(() => parseArgs(['--data'], specs, 'pretrain')).toThrow(/--data needs a value/);
    expect(() => parseArgs(['data'], specs, 'pretrain')).toThrow(/unexpected argument "data"/);
  });
});
