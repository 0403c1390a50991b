// A scratch directory for one test file or describe block, removed when it ends (the `rlhf` commands'
// checkpoints and reports would otherwise pile up in the OS temp dir, up to 15 MB a run for the GPT-2 tests).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A new directory `rlhf-<name>-XXXXXX` in the OS temp dir; call at a file's top level or in a describe block. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `rlhf-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
