// Reading HH-format files (.jsonl, .jsonl.gz) and writing outputs without ever leaving a half-written
// file: outputs go to a temporary name first and are renamed into place.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { subsetFromFileName, toComparisons, type Comparison } from '../data/comparisons.ts';
import { describeProblems, parseHHJsonl, type HHPair } from '../data/hh.ts';

/** The bytes of a file; an unreadable file is an Error that names it. */
export function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
}

export function readText(file: string): string {
  let bytes = readBytes(file);
  if (file.endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${file}: not a valid gzip file (${(e as Error).message})`);
    }
  }
  return bytes.toString('utf8');
}

/** All valid pairs of the files; bad lines are an error listing them unless `skipInvalid`. */
export function readHHFiles(files: readonly string[], skipInvalid: boolean, warn: (s: string) => void): HHPair[] {
  const pairs: HHPair[] = [];
  for (const file of files) {
    const parsed = parseHHJsonl(readText(file));
    if (parsed.problems.length) {
      const list = describeProblems(file, parsed.problems);
      if (!skipInvalid)
        throw new Error(
          `${parsed.problems.length} invalid line(s), nothing imported (pass --skip-invalid to use the ${parsed.pairs.length} valid ones):\n${list}`,
        );
      warn(`skipping ${parsed.problems.length} invalid line(s):\n${list}\n`);
    }
    if (parsed.pairs.length === 0) throw new Error(`${file}: no valid comparison pairs`);
    pairs.push(...parsed.pairs);
  }
  return pairs;
}

/**
 * The comparisons of HH files, split into shared context and the two final responses, each tagged
 * with its subset (from the file name: helpful / harmless / the name) and source line. Identical
 * pairs are dropped and counted; pairs that do not split are errors like malformed lines.
 */
export function readComparisonFiles(
  files: readonly string[],
  skipInvalid: boolean,
  warn: (s: string) => void,
): { comparisons: Comparison[]; files: { file: string; subset: string; pairs: number; identical: number }[] } {
  const comparisons: Comparison[] = [];
  const summary = [];
  for (const file of files) {
    const pairs = readHHFiles([file], skipInvalid, warn);
    const subset = subsetFromFileName(file);
    const imported = toComparisons(pairs, { file, subset });
    if (imported.problems.length) {
      const list = describeProblems(file, imported.problems);
      if (!skipInvalid)
        throw new Error(
          `${imported.problems.length} pair(s) that do not split into context and responses, nothing imported (pass --skip-invalid to skip them):\n${list}`,
        );
      warn(`skipping ${imported.problems.length} pair(s):\n${list}\n`);
    }
    if (imported.identical)
      warn(`${file}: dropped ${imported.identical} pair(s) whose chosen and rejected sides are identical\n`);
    comparisons.push(...imported.comparisons);
    summary.push({ file, subset, pairs: imported.comparisons.length, identical: imported.identical });
  }
  return { comparisons, files: summary };
}

/** Writes `data` to `file` atomically (temporary file + rename). */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
