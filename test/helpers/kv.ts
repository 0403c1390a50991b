// An in-memory KV (src/store/kv.ts) for unit tests: a Map whose values are copied in and out, as IndexedDB's are.

import type { KV } from '../../src/store/kv.ts';

export function mapKV(): KV {
  const map = new Map<string, unknown>();
  return {
    get: async <T>(k: string) => (map.has(k) ? (structuredClone(map.get(k)) as T) : undefined),
    setMany: async (entries) => void entries.forEach(([k, v]) => map.set(k, structuredClone(v))),
    update: async <T>(k: string, fn: (old: T | undefined) => T) =>
      void map.set(k, structuredClone(fn(map.get(k) as T | undefined))),
    delMany: async (keys) => void keys.forEach((k) => map.delete(k)),
    keys: async () => [...map.keys()],
  };
}
