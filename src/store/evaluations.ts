// The Evaluate stage's cross-evaluation cells in the store, so that a reload still shows the heat map. One key,
// `evaluation:cells`, holds every cell: the preference model (checkpoint id), the dataset (id), the result, and
// the versions of both it was computed on (their data keys, which change whenever a record is saved again). A
// cell whose checkpoint or dataset has since been replaced, grown (a labels dataset) or deleted is stale: it is
// not shown, and the next save drops it. Written in one update (all or nothing).

import type { PMCellResult } from '../protocol.ts';
import type { KV } from './kv.ts';
import type { IndexedRecord } from './records.ts';
import { storageError } from './errors.ts';

export const CELLS_KEY = 'evaluation:cells';

export interface StoredCell {
  checkpoint: string;
  dataset: string;
  /** The versions (record keys) of the checkpoint and the dataset when the cell was computed. */
  checkpointVersion: string;
  datasetVersion: string;
  result: PMCellResult;
  /** Milliseconds since the epoch. */
  evaluated: number;
}

/** A record's version: its data keys, new on every save. */
export const recordVersion = (r: IndexedRecord): string => r.keys.join('|');

/** The cells computed on the current versions of the stored checkpoints and datasets. */
export function freshCells(
  cells: readonly StoredCell[],
  checkpoints: readonly IndexedRecord[],
  datasets: readonly IndexedRecord[],
): StoredCell[] {
  const cv = new Map(checkpoints.map((c) => [c.id, recordVersion(c)]));
  const dv = new Map(datasets.map((d) => [d.id, recordVersion(d)]));
  return cells.filter((c) => cv.get(c.checkpoint) === c.checkpointVersion && dv.get(c.dataset) === c.datasetVersion);
}

export async function loadCells(kv: KV): Promise<StoredCell[]> {
  try {
    return (await kv.get<StoredCell[]>(CELLS_KEY)) ?? [];
  } catch (e) {
    throw storageError(e, 'reading the stored evaluations');
  }
}

/**
 * Stores `cells`, replacing any of the same checkpoint and dataset, and drops the cells that are no longer fresh
 * against the stored `checkpoints` and `datasets`.
 */
export async function saveCells(
  kv: KV,
  cells: readonly StoredCell[],
  checkpoints: readonly IndexedRecord[],
  datasets: readonly IndexedRecord[],
): Promise<void> {
  const key = (c: StoredCell) => `${c.checkpoint}\u0000${c.dataset}`;
  const replaced = new Set(cells.map(key));
  try {
    await kv.update<StoredCell[]>(CELLS_KEY, (old) => [
      ...freshCells(
        (old ?? []).filter((c) => !replaced.has(key(c))),
        checkpoints,
        datasets,
      ),
      ...cells,
    ]);
  } catch (e) {
    throw storageError(e, `storing ${cells.length} evaluation result(s)`);
  }
}
