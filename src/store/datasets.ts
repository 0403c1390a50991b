// Datasets of comparisons in the store: a dataset's comparisons are kept in chunks of
// DATASET_CHUNK (so a page of the browser reads one chunk, and a failed save of a large file
// rolls back cleanly), its metadata in the `dataset:index` record list (see records.ts).

import type { Comparison } from '../data/comparisons.ts';
import type { KV } from './kv.ts';
import { findRecord, listRecords, loadParts, removeRecord, saveRecord, type IndexedRecord } from './records.ts';

export const DATASET_CHUNK = 500;

export interface DatasetMeta extends IndexedRecord {
  /** What the user sees: the file name, or synth-helpful / synth-harmless. */
  name: string;
  /** HH subset (helpful-base, harmless-base, …, synth-helpful, …). */
  subset: string;
  /** Comparisons stored. */
  count: number;
  /** Pairs dropped because chosen and rejected were identical. */
  identical: number;
  /** Where the comparisons came from: file names, or the generator and its settings. */
  sources: string[];
}

export interface NewDataset {
  /** A fixed id replaces the dataset of that id; without one, a fresh id is made from the name. */
  id?: string;
  name: string;
  subset: string;
  identical: number;
  sources: string[];
  comparisons: readonly Comparison[];
}

export function listDatasets(kv: KV): Promise<DatasetMeta[]> {
  return listRecords<DatasetMeta>(kv, 'dataset');
}

export function findDataset(kv: KV, id: string): Promise<DatasetMeta | undefined> {
  return findRecord<DatasetMeta>(kv, 'dataset', id);
}

/** A URL-safe id from a file name (`helpful-base.train.jsonl.gz` → `helpful-base-train`), unique among `taken`. */
export function datasetId(name: string, taken: ReadonlySet<string>): string {
  const base =
    name
      .toLowerCase()
      .replace(/\.gz$/, '')
      .replace(/\.jsonl?$/, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'dataset';
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Saves a dataset (new keys first, index after: a failure leaves the store as it was). */
export async function saveDataset(kv: KV, d: NewDataset): Promise<DatasetMeta> {
  const id = d.id ?? datasetId(d.name, new Set((await listDatasets(kv)).map((m) => m.id)));
  const chunks: Comparison[][] = [];
  for (let i = 0; i < d.comparisons.length; i += DATASET_CHUNK) chunks.push(d.comparisons.slice(i, i + DATASET_CHUNK));
  return saveRecord<DatasetMeta>(
    kv,
    'dataset',
    { id, name: d.name, subset: d.subset, count: d.comparisons.length, identical: d.identical, sources: d.sources },
    chunks,
    `saving dataset ${d.name}`,
  );
}

/** Every comparison of a dataset. */
export async function loadComparisons(kv: KV, meta: DatasetMeta): Promise<Comparison[]> {
  return (await loadParts<Comparison[]>(kv, meta)).flat();
}

/** Comparisons [offset, offset + size) of a dataset, reading only the chunks they are in. */
export async function comparisonsPage(kv: KV, meta: DatasetMeta, offset: number, size: number): Promise<Comparison[]> {
  const end = Math.min(meta.count, offset + size);
  if (offset >= end) return [];
  const first = Math.floor(offset / DATASET_CHUNK);
  const last = Math.floor((end - 1) / DATASET_CHUNK);
  const rows = (await loadParts<Comparison[]>(kv, meta, first, last + 1)).flat();
  return rows.slice(offset - first * DATASET_CHUNK, end - first * DATASET_CHUNK);
}

export function deleteDataset(kv: KV, id: string): Promise<void> {
  return removeRecord(kv, 'dataset', id, `deleting dataset ${id}`);
}

/** Comparisons whose context or either response contains `query` (case-insensitive); all for an empty query. */
export function searchComparisons(comparisons: readonly Comparison[], query: string): Comparison[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...comparisons];
  return comparisons.filter(
    (c) =>
      c.context.toLowerCase().includes(q) || c.chosen.toLowerCase().includes(q) || c.rejected.toLowerCase().includes(q),
  );
}

/** The transcripts a language model trains on: each comparison's context followed by its chosen response. */
export function chosenTranscripts(comparisons: readonly Comparison[]): string[] {
  return comparisons.map((c) => c.context + c.chosen);
}
