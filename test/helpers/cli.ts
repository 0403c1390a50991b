// Two ways the tests run the `rlhf` command line: a command's function in the test's own process (what
// bin/rlhf.js calls, with stdout and stderr captured), or bin/rlhf.js itself as a child process (exit codes,
// argument parsing, the whole start-up).

import { spawnSync } from 'node:child_process';
import { vi } from 'vitest';

/** Runs `command(argv)` and returns what it printed on stdout (`out`) and stderr (`err`); a throw passes through. */
export async function runCommand(
  command: (argv: string[]) => Promise<void>,
  ...argv: string[]
): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    await command(argv);
  } finally {
    vi.restoreAllMocks();
  }
  return { out, err };
}

/** Runs `node bin/rlhf.js ...args` (killed after `timeoutMs`): its exit code, stdout and stderr. */
export function rlhfProcess(
  timeoutMs: number,
  ...args: string[]
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/rlhf.js', ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
