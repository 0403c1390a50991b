// `rlhf synth` as a user runs it: `node bin/rlhf.js synth …` writes the synthetic HH world as two HH files.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHHJsonl } from '../../src/data/hh.ts';
import { goldScore } from '../../src/data/synth.ts';
import { BENIGN_TOPICS, HARMFUL_TOPICS } from '../../src/data/synth-vocab.ts';
import { rlhfProcess } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const rlhf = (...args: string[]) => rlhfProcess(120_000, ...args);

const files = (dir: string) => ['helpful', 'harmless'].map((s) => readFileSync(join(dir, `synth-${s}.jsonl`), 'utf8'));

describe('rlhf synth', () => {
  const root = tempDir('synth');

  it('writes both subsets into a new directory, as HH files the parser reads without problems', () => {
    const dir = join(root, 'a', 'b');
    const r = rlhf('synth', '--out', dir, '--pairs', '50', '--seed', '3');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${join(dir, 'synth-helpful.jsonl')}: 50 helpful pairs (seed 3`);
    expect(r.stdout).toContain(`wrote ${join(dir, 'synth-harmless.jsonl')}: 50 harmless pairs (seed 3`);
    const [helpful, harmless] = files(dir).map(parseHHJsonl);
    expect(helpful.problems).toEqual([]);
    expect(harmless.problems).toEqual([]);
    expect(helpful.pairs).toHaveLength(50);
    expect(harmless.pairs).toHaveLength(50);
    const request = (t: string) => goldScore(t.slice(0, t.lastIndexOf('\n\nAssistant:') + 12), '').requestKind;
    expect(helpful.pairs.every((p) => request(p.chosen) === 'benign')).toBe(true);
    expect(harmless.pairs.every((p) => request(p.chosen) === 'harmful')).toBe(true);
  });

  it('--topics K: every request is one of the first K benign or harmful topics', () => {
    const dir = join(root, 'k');
    const r = rlhf('synth', '--out', dir, '--pairs', '80', '--seed', '2', '--topics', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 topics of each kind');
    const allowed = [...BENIGN_TOPICS.slice(0, 2), ...HARMFUL_TOPICS.slice(0, 2)].flatMap((t) => t.phrasings);
    for (const { pairs } of files(dir).map(parseHHJsonl)) {
      expect(pairs).toHaveLength(80);
      expect(pairs.every((p) => allowed.some((ph) => p.chosen.includes(ph)))).toBe(true);
    }
  });

  it('is deterministic: the same seed gives identical bytes, another seed other pairs', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((d) => join(root, d));
    expect(rlhf('synth', '--out', a, '--pairs', '50', '--seed', '3').code).toBe(0);
    expect(rlhf('synth', '--out', b, '--pairs', '50', '--seed', '3').code).toBe(0);
    expect(rlhf('synth', '--out', c, '--pairs', '50', '--seed', '4').code).toBe(0);
    expect(files(b)).toEqual(files(a));
    const [ha, hc] = [files(a), files(c)];
    expect(hc[0]).not.toBe(ha[0]);
    expect(hc[1]).not.toBe(ha[1]);
  });

  it('names a bad option or value and exits 2', () => {
    const bad = rlhf('synth', '--out', join(root, 'x'), '--pair', '5');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown option --pair/);
    const zero = rlhf('synth', '--out', join(root, 'x'), '--pairs', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--pairs must be a positive integer/);
    const topics = rlhf('synth', '--out', join(root, 'x'), '--topics', '13');
    expect(topics.code).toBe(2);
    expect(topics.stderr).toMatch(/--topics must be an integer from 1 to 12, got 13/);
    expect(rlhf('synth').code).toBe(2);
  });
});
