// Storage failures in words a user can act on. The two that matter: the browser's quota is used up
// (QuotaExceededError), or the browser refuses IndexedDB to this page (private windows, blocked site
// data: SecurityError / InvalidStateError, or no indexedDB at all). Every write path in src/store
// writes new records before it touches an index, so a failure never loses what was stored before;
// the messages say so.

export type StorageProblem = 'quota' | 'blocked' | 'other';

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    message: string,
    readonly problem: StorageProblem,
    /** The browser's error name (QuotaExceededError, SecurityError, …), when there was one. */
    readonly browserError: string | undefined,
  ) {
    super(message);
  }
}

const BLOCKED = new Set(['SecurityError', 'InvalidStateError', 'NotAllowedError', 'UnknownError']);

/** The name of a DOMException-like error, if it has one. */
function errorName(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string') return e.name;
  return undefined;
}

function errorMessage(e: unknown): string {
  return e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)
    ? String((e as { message: unknown }).message)
    : String(e);
}

/** `e` as a StorageError explaining what failed while doing `action` (e.g. "saving dataset x"). */
export function storageError(e: unknown, action: string): StorageError {
  if (e instanceof StorageError) return e;
  const name = errorName(e);
  const kept = 'Nothing already stored was changed.';
  if (name === 'QuotaExceededError') {
    return new StorageError(
      `${action} failed: the browser's storage for this site is full (QuotaExceededError). ${kept} ` +
        'Delete datasets or checkpoints you no longer need, or free disk space, and try again.',
      'quota',
      name,
    );
  }
  if (
    (name && BLOCKED.has(name)) ||
    /indexedDB is not defined|IndexedDB.*(disabled|not available|blocked)/i.test(errorMessage(e))
  ) {
    return new StorageError(
      `${action} failed: the browser blocks storage (IndexedDB) for this page (${name ?? 'no IndexedDB'}: ${errorMessage(e)}). ${kept} ` +
        'Allow site data for this address, or leave private browsing, to keep datasets and checkpoints across reloads.',
      'blocked',
      name,
    );
  }
  return new StorageError(`${action} failed: ${name ? `${name}: ` : ''}${errorMessage(e)}. ${kept}`, 'other', name);
}
