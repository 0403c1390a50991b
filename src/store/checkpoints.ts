// Model checkpoints in the store: the safetensors bytes (GPT-2 layout, src/models/checkpoint.ts) as
// one record part, the metadata in `checkpoint:index`.

import type { KV } from './kv.ts';
import { listRecords, loadParts, removeRecord, saveRecord, type IndexedRecord } from './records.ts';

export interface CheckpointMeta extends IndexedRecord {
  name: string;
  /** Which notebook stage trained it ('base', later 'pm', 'rlhf'). */
  stage: string;
  /** The run (runs.ts) it came from. */
  run: string;
  step: number;
  /** Model preset (nano, tiny, …). */
  preset: string;
  /** Size of the safetensors file in bytes. */
  bytes: number;
  /** The file's own metadata (tokenizer, preset, seed, …). */
  metadata: Record<string, string>;
}

export type NewCheckpoint = Omit<CheckpointMeta, 'keys' | 'created' | 'bytes'>;

export function listCheckpoints(kv: KV): Promise<CheckpointMeta[]> {
  return listRecords<CheckpointMeta>(kv, 'checkpoint');
}

export function saveCheckpoint(kv: KV, meta: NewCheckpoint, bytes: Uint8Array): Promise<CheckpointMeta> {
  return saveRecord<CheckpointMeta>(
    kv,
    'checkpoint',
    { ...meta, bytes: bytes.byteLength },
    [bytes],
    `saving checkpoint ${meta.name}`,
  );
}

export async function loadCheckpointBytes(kv: KV, meta: CheckpointMeta): Promise<Uint8Array> {
  const [bytes] = await loadParts<Uint8Array>(kv, meta);
  return bytes;
}

export function deleteCheckpoint(kv: KV, id: string): Promise<void> {
  return removeRecord(kv, 'checkpoint', id, `deleting checkpoint ${id}`);
}
