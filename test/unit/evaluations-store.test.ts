// The Evaluate stage's stored cells (src/store/evaluations.ts): a reload finds them; a cell computed on a
// checkpoint or dataset that has since been saved again (a labels dataset grew) or deleted is not shown and
// is dropped by the next save; saving a cell again replaces it; a failing store names what it was doing.

import { describe, expect, it } from 'vitest';
import {
  CELLS_KEY,
  freshCells,
  loadCells,
  recordVersion,
  saveCells,
  type StoredCell,
} from '../../src/store/evaluations.ts';
import type { KV } from '../../src/store/kv.ts';
import type { IndexedRecord } from '../../src/store/records.ts';
import { mapKV } from '../helpers/kv.ts';

const rec = (id: string, v: string): IndexedRecord => ({ id, keys: [`x:${id}:${v}:0`], created: 1 });
const cell = (checkpoint: IndexedRecord, dataset: IndexedRecord, accuracy: number): StoredCell => ({
  checkpoint: checkpoint.id,
  dataset: dataset.id,
  checkpointVersion: recordVersion(checkpoint),
  datasetVersion: recordVersion(dataset),
  result: { dataset: dataset.id, n: 10, accuracy, lo: accuracy - 0.2, hi: Math.min(1, accuracy + 0.2), ece: 0.05 },
  evaluated: 5,
});

describe('stored evaluation cells', () => {
  it('come back after a reload, and only while their checkpoint and dataset are the versions they were computed on', async () => {
    const kv = mapKV();
    const pm = rec('pm-a', 'v1');
    const [helpful, labels] = [rec('synth-helpful', 'v1'), rec('labels-helpful', 'v1')];
    await saveCells(kv, [cell(pm, helpful, 0.9), cell(pm, labels, 0.6)], [pm], [helpful, labels]);
    expect((await loadCells(kv)).map((c) => [c.dataset, c.result.accuracy])).toEqual([
      ['synth-helpful', 0.9],
      ['labels-helpful', 0.6],
    ]);

    // the labels dataset grew (saved again under new keys): its cell is stale, the other still fresh
    const grown = rec('labels-helpful', 'v2');
    expect(freshCells(await loadCells(kv), [pm], [helpful, grown]).map((c) => c.dataset)).toEqual(['synth-helpful']);
    // a deleted checkpoint's cells are stale too
    expect(freshCells(await loadCells(kv), [], [helpful, grown])).toEqual([]);

    // the next save drops the stale cell and replaces the re-scored one
    await saveCells(kv, [cell(pm, grown, 0.7), cell(pm, helpful, 0.95)], [pm], [helpful, grown]);
    const after = await loadCells(kv);
    expect(after.map((c) => [c.dataset, c.result.accuracy, c.datasetVersion])).toEqual([
      ['labels-helpful', 0.7, recordVersion(grown)],
      ['synth-helpful', 0.95, recordVersion(helpful)],
    ]);
  });

  it('reports a full store as an error naming what was being stored, and keeps what was there', async () => {
    const kv = mapKV();
    const pm = rec('pm-a', 'v1');
    const d = rec('synth-helpful', 'v1');
    await saveCells(kv, [cell(pm, d, 0.8)], [pm], [d]);
    const full: KV = {
      ...kv,
      update: async () => {
        throw new DOMException('quota', 'QuotaExceededError');
      },
    };
    await expect(saveCells(full, [cell(pm, d, 0.1)], [pm], [d])).rejects.toThrow(/storing 1 evaluation result/);
    expect((await kv.get<StoredCell[]>(CELLS_KEY))!.map((c) => c.result.accuracy)).toEqual([0.8]);
  });
});
