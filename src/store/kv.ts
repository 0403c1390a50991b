// The key-value store every record in src/store lives in: an interface with the four operations
// they need, implemented over idb-keyval (one IndexedDB database, one object store) for the
// notebook, and by a Map in the unit tests. Every failure comes out as a StorageError.

import { createStore, delMany, get, keys, setMany, update, type UseStore } from 'idb-keyval';
import { storageError } from './errors.ts';

export interface KV {
  get<T>(key: string): Promise<T | undefined>;
  /** Writes all entries in one transaction: all or none. */
  setMany(entries: [string, unknown][]): Promise<void>;
  /** Reads, changes and writes one value in one transaction (safe against other tabs). */
  update<T>(key: string, fn: (old: T | undefined) => T): Promise<void>;
  delMany(keys: string[]): Promise<void>;
  keys(): Promise<string[]>;
}

/** The notebook's IndexedDB store (database `rlhf-notebook`, object store `kv`). */
export function idbKV(database = 'rlhf-notebook', objectStore = 'kv'): KV {
  let store: UseStore | null = null;
  const use = (): UseStore => {
    if (typeof indexedDB === 'undefined') throw new Error('indexedDB is not defined in this browser');
    store ??= createStore(database, objectStore);
    return store;
  };
  const wrap = async <T>(action: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (e) {
      throw storageError(e, action);
    }
  };
  return {
    get: (key) => wrap(`reading ${key}`, () => get(key, use())),
    setMany: (entries) => wrap(`writing ${entries.length} record(s)`, () => setMany(entries, use())),
    update: (key, fn) => wrap(`updating ${key}`, () => update(key, fn, use())),
    delMany: (list) => wrap(`deleting ${list.length} record(s)`, () => delMany(list, use())),
    keys: () => wrap('listing the store', () => keys<string>(use())),
  };
}
