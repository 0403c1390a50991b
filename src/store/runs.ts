// Run histories in the store: what a training run was configured with, the datasets it read and every
// metric point it reported, so that a reload still shows its curves. Saving a run again (a later
// checkpoint of the same run) replaces its record under new keys (records.ts).

import type { KV } from './kv.ts';
import { findRecord, listRecords, loadParts, removeRecord, saveRecord, type IndexedRecord } from './records.ts';

export type HistoryPoint = { step: number } & Record<string, number>;

export interface RunMeta extends IndexedRecord {
  name: string;
  /** Which notebook stage ran it ('base', later 'pm', 'rlhf'). */
  stage: string;
  /** Steps taken when it was saved, of `steps`. */
  step: number;
  steps: number;
  /** The last value of each metric, for the list. */
  last: Record<string, number>;
  /** Checkpoints saved from this run. */
  checkpoints: string[];
}

export interface RunRecord {
  /** The stage's settings (e.g. LMRunSettings), as sent to the Worker. */
  settings: Record<string, unknown>;
  datasets: string[];
  /** Facts the Worker reported when it built the run (parameters, tokens, …). */
  info: Record<string, number | string>;
  /** The adapter it ran on, in words. */
  adapter: string;
  history: HistoryPoint[];
  /** RLHF runs: every iteration's rollouts (prompt, response, score), so a reload can still show them. */
  samples?: {
    iteration: number;
    samples: { prompt: string; response: string; score: number; ended: boolean; gold?: number }[];
  }[];
}

export type NewRun = Omit<RunMeta, 'keys' | 'created' | 'last'> & { created?: number };

/** The last value of every metric in a history. */
export function lastValues(history: readonly HistoryPoint[]): Record<string, number> {
  const last: Record<string, number> = {};
  for (const point of history)
    for (const [k, v] of Object.entries(point)) if (k !== 'step' && Number.isFinite(v)) last[k] = v;
  return last;
}

export function listRuns(kv: KV): Promise<RunMeta[]> {
  return listRecords<RunMeta>(kv, 'run');
}

export function findRun(kv: KV, id: string): Promise<RunMeta | undefined> {
  return findRecord<RunMeta>(kv, 'run', id);
}

export function saveRun(kv: KV, meta: NewRun, record: RunRecord): Promise<RunMeta> {
  return saveRecord<RunMeta>(
    kv,
    'run',
    { ...meta, last: lastValues(record.history) },
    [record],
    `saving run ${meta.name}`,
  );
}

export async function loadRun(kv: KV, meta: RunMeta): Promise<RunRecord> {
  const [record] = await loadParts<RunRecord>(kv, meta);
  return record;
}

export function deleteRun(kv: KV, id: string): Promise<void> {
  return removeRecord(kv, 'run', id, `deleting run ${id}`);
}
