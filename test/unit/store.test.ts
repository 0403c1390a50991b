// The IndexedDB store's record logic, on a Map-backed fake with a byte quota: datasets round-trip in
// chunks and page without reading everything; a save that runs out of quota (QuotaExceededError)
// leaves every earlier record and the index as they were and no keys behind; a replacement writes
// new keys before it touches the index; deletion; checkpoints and runs; orphan sweeping.

import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/data/comparisons.ts';
import { deleteCheckpoint, listCheckpoints, loadCheckpointBytes, saveCheckpoint } from '../../src/store/checkpoints.ts';
import {
  DATASET_CHUNK,
  chosenTranscripts,
  comparisonsPage,
  datasetId,
  deleteDataset,
  listDatasets,
  loadComparisons,
  saveDataset,
  searchComparisons,
} from '../../src/store/datasets.ts';
import { StorageError, storageError } from '../../src/store/errors.ts';
import type { KV } from '../../src/store/kv.ts';
import { sweepOrphans } from '../../src/store/records.ts';
import { lastValues, listRuns, loadRun, saveRun } from '../../src/store/runs.ts';

/**
 * A KV over a Map; values are structured-cloned like IndexedDB does; writes beyond `quota` bytes throw
 * QuotaExceededError.
 */
function fakeKV(): KV & { map: Map<string, unknown>; used(): number; quota: number } {
  const map = new Map<string, unknown>();
  const size = (v: unknown): number => (v instanceof Uint8Array ? v.byteLength : (JSON.stringify(v)?.length ?? 0));
  const used = () => [...map.values()].reduce<number>((a, v) => a + size(v), 0);
  const check = (extra: number) => {
    if (used() + extra > kv.quota) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  };
  const kv: KV & { map: Map<string, unknown>; used(): number; quota: number } = {
    quota: Infinity,
    map,
    used,
    async get<T>(key: string) {
      return map.has(key) ? (structuredClone(map.get(key)) as T) : undefined;
    },
    async setMany(entries) {
      check(entries.reduce((a, [, v]) => a + size(v), 0));
      for (const [k, v] of entries) map.set(k, structuredClone(v));
    },
    async update<T>(key: string, fn: (old: T | undefined) => T) {
      const value = fn(map.has(key) ? (structuredClone(map.get(key)) as T) : undefined);
      check(size(value) - size(map.get(key)));
      map.set(key, structuredClone(value));
    },
    async delMany(keys) {
      keys.forEach((k) => map.delete(k));
    },
    async keys() {
      return [...map.keys()];
    },
  };
  return kv;
}

const comparison = (i: number, subset = 'helpful-base'): Comparison => ({
  context: `\n\nHuman: question ${i}?\n\nAssistant:`,
  chosen: ` good answer ${i}`,
  rejected: ` bad answer ${i}`,
  subset,
  source: { file: 'helpful-base.train.jsonl', line: i + 1 },
});

const many = (n: number, from = 0) => Array.from({ length: n }, (_, i) => comparison(from + i));

describe('datasets', () => {
  it('round-trip in chunks, with their metadata, and page through the right chunks', async () => {
    const kv = fakeKV();
    const n = DATASET_CHUNK * 2 + 7;
    const meta = await saveDataset(kv, {
      name: 'helpful-base.train.jsonl.gz',
      subset: 'helpful-base',
      identical: 3,
      sources: ['helpful-base.train.jsonl.gz'],
      comparisons: many(n),
    });
    expect(meta).toMatchObject({
      id: 'helpful-base-train',
      name: 'helpful-base.train.jsonl.gz',
      subset: 'helpful-base',
      count: n,
      identical: 3,
      sources: ['helpful-base.train.jsonl.gz'],
    });
    expect(meta.keys).toHaveLength(3);
    expect(await listDatasets(kv)).toEqual([meta]);
    expect(await loadComparisons(kv, meta)).toEqual(many(n));
    expect(await comparisonsPage(kv, meta, DATASET_CHUNK - 2, 5)).toEqual(many(5, DATASET_CHUNK - 2));
    expect(await comparisonsPage(kv, meta, n - 3, 10)).toEqual(many(3, n - 3));
    expect(await comparisonsPage(kv, meta, n, 10)).toEqual([]);
  });

  it('get unique ids from their file names', () => {
    expect(datasetId('helpful-base.train.jsonl.gz', new Set())).toBe('helpful-base-train');
    expect(datasetId('Red Team!.jsonl', new Set())).toBe('red-team');
    expect(datasetId('x.jsonl', new Set(['x', 'x-2']))).toBe('x-3');
    expect(datasetId('.jsonl', new Set())).toBe('dataset');
  });

  it('a save that exceeds the quota names QuotaExceededError and loses nothing already stored', async () => {
    const kv = fakeKV();
    const first = await saveDataset(kv, {
      name: 'a.jsonl',
      subset: 'helpful-base',
      identical: 0,
      sources: ['a.jsonl'],
      comparisons: many(10),
    });
    const before = new Map(kv.map);
    // room for one more chunk but not two: the second chunk's write fails mid-save
    kv.quota = kv.used() + JSON.stringify(many(DATASET_CHUNK)).length + 100;
    const error = await saveDataset(kv, {
      name: 'b.jsonl',
      subset: 'helpful-base',
      identical: 0,
      sources: ['b.jsonl'],
      comparisons: many(DATASET_CHUNK * 3),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).problem).toBe('quota');
    expect((error as Error).message).toMatch(/QuotaExceededError/);
    expect((error as Error).message).toMatch(/saving dataset b\.jsonl/);
    expect((error as Error).message).toMatch(/Nothing already stored was changed/);
    expect(kv.map).toEqual(before); // no partial chunks left, index untouched
    expect(await listDatasets(kv)).toEqual([first]);
    expect(await loadComparisons(kv, first)).toEqual(many(10));
  });

  it('a replacement writes new keys before the index and deletes the old ones only after', async () => {
    const kv = fakeKV();
    const old = await saveDataset(kv, {
      id: 'synth-helpful',
      name: 'synth-helpful',
      subset: 'synth-helpful',
      identical: 0,
      sources: ['synth seed 1'],
      comparisons: many(4),
    });
    // the index update fails: the old record must survive, the new keys must go
    const failing: KV = {
      ...kv,
      update: async () => {
        throw new DOMException('blocked', 'QuotaExceededError');
      },
    };
    await expect(
      saveDataset(failing, {
        id: 'synth-helpful',
        name: 'synth-helpful',
        subset: 'synth-helpful',
        identical: 0,
        sources: ['synth seed 2'],
        comparisons: many(6),
      }),
    ).rejects.toThrow(/QuotaExceededError/);
    expect(await listDatasets(kv)).toEqual([old]);
    expect([...kv.map.keys()].sort()).toEqual(['dataset:index', ...old.keys].sort());
    // a successful replacement: same id, new keys, old keys gone
    const fresh = await saveDataset(kv, {
      id: 'synth-helpful',
      name: 'synth-helpful',
      subset: 'synth-helpful',
      identical: 1,
      sources: ['synth seed 2'],
      comparisons: many(6),
    });
    expect(fresh.keys).not.toEqual(old.keys);
    expect(await listDatasets(kv)).toEqual([fresh]);
    for (const k of old.keys) expect(kv.map.has(k)).toBe(false);
    expect(await loadComparisons(kv, fresh)).toEqual(many(6));
  });

  it('are deleted with their data', async () => {
    const kv = fakeKV();
    const a = await saveDataset(kv, { name: 'a.jsonl', subset: 's', identical: 0, sources: [], comparisons: many(3) });
    const b = await saveDataset(kv, { name: 'b.jsonl', subset: 's', identical: 0, sources: [], comparisons: many(3) });
    await deleteDataset(kv, a.id);
    expect(await listDatasets(kv)).toEqual([b]);
    expect([...kv.map.keys()].sort()).toEqual(['dataset:index', ...b.keys].sort());
  });

  it('search context and both responses, case-insensitively, and give LM transcripts', () => {
    const rows = many(30);
    expect(searchComparisons(rows, 'QUESTION 12?').map((c) => c.source.line)).toEqual([13]);
    expect(searchComparisons(rows, 'bad answer 2').map((c) => c.source.line)).toEqual([
      3, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    ]);
    expect(searchComparisons(rows, '  ')).toHaveLength(30);
    expect(chosenTranscripts([comparison(0)])).toEqual(['\n\nHuman: question 0?\n\nAssistant: good answer 0']);
  });
});

describe('checkpoints and runs', () => {
  it('checkpoint bytes round-trip and are listed, then deleted', async () => {
    const kv = fakeKV();
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const meta = await saveCheckpoint(
      kv,
      {
        id: 'base-1-step3',
        name: 'base nano step 3',
        stage: 'base',
        run: 'base-1',
        step: 3,
        preset: 'nano',
        metadata: { tokenizer: 'byte' },
      },
      bytes,
    );
    expect(meta.bytes).toBe(1000);
    expect(await listCheckpoints(kv)).toEqual([meta]);
    expect(await loadCheckpointBytes(kv, meta)).toEqual(bytes);
    await deleteCheckpoint(kv, meta.id);
    expect(await listCheckpoints(kv)).toEqual([]);
    expect([...kv.map.keys()]).toEqual(['checkpoint:index']);
  });

  it('a run saved twice keeps one record with the later history and its first creation time', async () => {
    const kv = fakeKV();
    const record = (n: number) => ({
      settings: { preset: 'nano' },
      datasets: ['synth-helpful'],
      info: { parameters: 1234 },
      adapter: 'swiftshader',
      history: Array.from({ length: n }, (_, i) => ({ step: i + 1, 'train/loss': 5 - i })),
    });
    const first = await saveRun(
      kv,
      { id: 'base-1', name: 'base nano', stage: 'base', step: 2, steps: 10, checkpoints: ['c1'], created: 1000 },
      record(2),
    );
    const second = await saveRun(
      kv,
      {
        id: 'base-1',
        name: 'base nano',
        stage: 'base',
        step: 10,
        steps: 10,
        checkpoints: ['c1', 'c2'],
        created: first.created,
      },
      record(10),
    );
    expect(await listRuns(kv)).toEqual([second]);
    expect(second).toMatchObject({ created: 1000, step: 10, last: { 'train/loss': -4 } });
    expect((await loadRun(kv, second)).history).toHaveLength(10);
    expect(
      lastValues([
        { step: 1, a: 1, b: 2 },
        { step: 2, a: 3, b: NaN },
      ]),
    ).toEqual({ a: 3, b: 2 });
  });
});

describe('storage errors', () => {
  it('name the browser error and say what to do', () => {
    const quota = storageError(new DOMException('full', 'QuotaExceededError'), 'saving checkpoint x');
    expect(quota.problem).toBe('quota');
    expect(quota.message).toMatch(/^saving checkpoint x failed: .*full \(QuotaExceededError\)/);
    const blocked = storageError(new DOMException('denied', 'SecurityError'), 'reading dataset:index');
    expect(blocked.problem).toBe('blocked');
    expect(blocked.message).toMatch(/blocks storage \(IndexedDB\).*SecurityError/);
    expect(storageError(new Error('indexedDB is not defined in this browser'), 'x').problem).toBe('blocked');
    expect(storageError(new Error('boom'), 'x').problem).toBe('other');
  });

  it('orphaned data keys (an interrupted save) are swept once old enough, referenced ones never', async () => {
    const kv = fakeKV();
    const kept = await saveDataset(kv, {
      name: 'a.jsonl',
      subset: 's',
      identical: 0,
      sources: [],
      comparisons: many(2),
    });
    const t = Date.now() - 2 * 60 * 60 * 1000;
    const oldOrphan = `dataset:b:${t.toString(36)}abcd:0`;
    const newOrphan = `dataset:c:${Date.now().toString(36)}abcd:0`;
    await kv.setMany([
      [oldOrphan, []],
      [newOrphan, []],
    ]);
    expect(await sweepOrphans(kv)).toEqual([oldOrphan]);
    expect(kv.map.has(newOrphan)).toBe(true);
    for (const k of kept.keys) expect(kv.map.has(k)).toBe(true);
  });
});
