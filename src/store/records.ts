// Indexed records: the crash- and quota-safe write pattern every kind of record (datasets,
// checkpoints, runs) shares. A kind has an index (one key holding the list of its records' metadata)
// and each record's data lives under keys of its own, named `<kind>:<id>:<version>:<part>`.
//   save    1. write the data under new keys (a fresh version), part by part;
//           2. only then put the metadata into the index (one atomic update), replacing an entry
//              with the same id;
//           3. delete the data keys of the entry it replaced.
//           A failure in 1 deletes what 1 wrote and leaves the index as it was; a failure in 3 only
//           leaves unreferenced keys, which `sweepOrphans` removes later.
//   remove  the index first, then the data.

import { StorageError, storageError } from './errors.ts';
import type { KV } from './kv.ts';

export interface IndexedRecord {
  id: string;
  /** Where the record's data parts live, in order. */
  keys: string[];
  /** Milliseconds since the epoch. */
  created: number;
}

export type RecordKind = 'dataset' | 'checkpoint' | 'run';

export const indexKey = (kind: RecordKind) => `${kind}:index`;

/** The kind's records, in the order they were first saved. */
export async function listRecords<M extends IndexedRecord>(kv: KV, kind: RecordKind): Promise<M[]> {
  return (await kv.get<M[]>(indexKey(kind))) ?? [];
}

export async function findRecord<M extends IndexedRecord>(
  kv: KV,
  kind: RecordKind,
  id: string,
): Promise<M | undefined> {
  return (await listRecords<M>(kv, kind)).find((m) => m.id === id);
}

/** A version tag that sorts by time: base-36 milliseconds and a random suffix. */
function version(now: number): string {
  return `${now.toString(36)}${Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0')}`;
}

/**
 * Saves a record: `parts` under new keys, then `meta` (with those keys) into the index. What it
 * replaces (same id) is deleted after. `action` names the operation in error messages.
 */
export async function saveRecord<M extends IndexedRecord>(
  kv: KV,
  kind: RecordKind,
  meta: Omit<M, 'keys' | 'created'> & { created?: number },
  parts: readonly unknown[],
  action: string,
  now = Date.now(),
): Promise<M> {
  const v = version(now);
  const keys = parts.map((_, i) => `${kind}:${meta.id}:${v}:${i}`);
  const written: string[] = [];
  try {
    for (let i = 0; i < parts.length; i++) {
      await kv.setMany([[keys[i], parts[i]]]);
      written.push(keys[i]);
    }
  } catch (e) {
    await kv.delMany(written).catch(() => undefined); // best effort; the index never saw them
    throw storageError(e, action);
  }
  const record = { created: now, ...meta, keys } as M;
  let replaced = undefined as M | undefined;
  try {
    await kv.update<M[]>(indexKey(kind), (old) => {
      const list = old ?? [];
      replaced = list.find((m) => m.id === meta.id);
      return replaced ? list.map((m) => (m.id === meta.id ? record : m)) : [...list, record];
    });
  } catch (e) {
    await kv.delMany(keys).catch(() => undefined);
    throw storageError(e, action);
  }
  if (replaced) await kv.delMany(replaced.keys).catch(() => undefined);
  return record;
}

/** Replaces the metadata of record `id` (its data untouched). */
export async function updateRecordMeta<M extends IndexedRecord>(
  kv: KV,
  kind: RecordKind,
  id: string,
  change: (m: M) => M,
  action: string,
): Promise<void> {
  try {
    await kv.update<M[]>(indexKey(kind), (old) =>
      (old ?? []).map((m) => (m.id === id ? { ...change(m), id, keys: m.keys } : m)),
    );
  } catch (e) {
    throw storageError(e, action);
  }
}

/** The data parts of a record, in order. A missing part is an error naming the record. */
export async function loadParts<T>(kv: KV, meta: IndexedRecord, first = 0, end = meta.keys.length): Promise<T[]> {
  const out: T[] = [];
  for (const key of meta.keys.slice(first, end)) {
    const part = await kv.get<T>(key);
    if (part === undefined)
      throw new StorageError(`record ${meta.id}: its data ${key} is missing from the store`, 'other', undefined);
    out.push(part);
  }
  return out;
}

/** Removes record `id`: from the index first, then its data. */
export async function removeRecord(kv: KV, kind: RecordKind, id: string, action: string): Promise<void> {
  let removed = undefined as IndexedRecord | undefined;
  try {
    await kv.update<IndexedRecord[]>(indexKey(kind), (old) => {
      removed = (old ?? []).find((m) => m.id === id);
      return (old ?? []).filter((m) => m.id !== id);
    });
  } catch (e) {
    throw storageError(e, action);
  }
  if (removed) await kv.delMany(removed.keys).catch(() => undefined);
}

/**
 * Deletes data keys that no index references and that are older than `minAgeMs` (so that a save in
 * progress in another tab, whose index update has not happened yet, is left alone). Returns them.
 */
export async function sweepOrphans(kv: KV, now = Date.now(), minAgeMs = 60 * 60 * 1000): Promise<string[]> {
  const kinds: RecordKind[] = ['dataset', 'checkpoint', 'run'];
  const referenced = new Set<string>();
  for (const kind of kinds) for (const m of await listRecords(kv, kind)) m.keys.forEach((k) => referenced.add(k));
  const orphans = (await kv.keys()).filter((key) => {
    const m = /^(dataset|checkpoint|run):.+:([0-9a-z]+):\d+$/.exec(String(key));
    if (!m || referenced.has(key)) return false;
    const written = parseInt(m[2].slice(0, -4), 36);
    return Number.isFinite(written) && now - written >= minAgeMs;
  });
  if (orphans.length) await kv.delMany(orphans);
  return orphans;
}
