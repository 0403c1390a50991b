// scripts/test-totals.mjs, the line `.ci/run` ends with: every test that did not pass counts as failed, including
// one left unfinished when its worker process died, which vitest's own counts leave out.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('totals');

function totals(statuses: string[][]): { out: string; code: number | null } {
  const report = {
    testResults: statuses.map((file, i) => ({
      name: `/repo/test/f${i}.test.ts`,
      status: file.length === 0 || file.includes('failed') ? 'failed' : 'passed',
      assertionResults: file.map((status, j) => ({ title: `t${j}`, fullName: `f${i} t${j}`, status })),
    })),
  };
  const path = join(dir, `r${Math.random()}.json`);
  writeFileSync(path, JSON.stringify(report));
  const r = spawnSync('node', ['scripts/test-totals.mjs', path], { encoding: 'utf8' });
  return { out: r.stdout, code: r.status };
}

describe('scripts/test-totals.mjs', () => {
  it('prints the totals and exits 0 when every test passed', () => {
    expect(totals([['passed', 'passed'], ['passed']])).toEqual({ out: '3 passed, 0 failed\n', code: 0 });
  });

  it('counts failed, skipped and unfinished tests and files that did not load as failed', () => {
    expect(totals([['passed', 'failed']])).toEqual({ out: '1 passed, 1 failed\n', code: 1 });
    expect(totals([['passed', 'skipped', 'todo']])).toEqual({
      out: '2 tests were skipped or todo: not allowed\n1 passed, 2 failed\n',
      code: 1,
    });
    expect(totals([['passed', 'pending'], []])).toEqual({
      out: 'did not finish (its worker died?): /repo/test/f0.test.ts > f0 t1\n1 passed, 2 failed\n',
      code: 1,
    });
  });

  it('fails when no test ran or the report is missing', () => {
    expect(totals([])).toEqual({ out: '0 passed, 0 failed\n', code: 1 });
    const r = spawnSync('node', ['scripts/test-totals.mjs', join(dir, 'missing.json')], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^no test report at .*missing\.json[\s\S]*0 passed, 1 failed\n$/);
    expect(r.status).toBe(1);
  });
});
