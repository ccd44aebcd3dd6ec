/**
 * The narrow storage interface the API server is written against (kine's `Backend`).
 * Two implementations: etcd (etcd-backend.ts, through the etcd3 client) and memory (memory-backend.ts, for unit tests).
 * Revisions are etcd revisions: one global, strictly increasing counter per store.
 */

export interface KeyValue {
  key: string;
  value: Buffer;
  /** Revision of the last change to this key (becomes metadata.resourceVersion). */
  modRevision: number;
  createRevision: number;
}

export interface ListOptions {
  /** Return at most this many keys (0 or undefined: no limit). */
  limit?: number;
  /** Start at this key (inclusive), within the prefix: for `continue` tokens. */
  startKey?: string;
  /** Read at this revision (a consistent snapshot for paging). Compacted revision: StorageError ERR_STORAGE_COMPACTED. */
  revision?: number;
  /** Keys and revisions only, every value empty (etcd's keys_only: the values do not travel). */
  keysOnly?: boolean;
}

export interface ListResult {
  items: KeyValue[];
  /** The store revision the list was read at. */
  revision: number;
  /** True when keys remain after the last one returned. */
  more: boolean;
}

export type WatchEventType = 'put' | 'delete';

export interface BackendWatchEvent {
  type: WatchEventType;
  /** For 'delete', `value` is empty and modRevision is the delete's revision. */
  kv: KeyValue;
  /** The value before this change, when the store knows it (needed for DELETED objects and selector transitions). */
  prevKv?: KeyValue;
  /** True when this put created the key. */
  created: boolean;
}

export interface BackendWatch {
  cancel(): void;
}

export interface WatchHandlers {
  onEvents(events: BackendWatchEvent[]): void;
  /** Called once when the watch ends because of an error (compacted revision: code ERR_STORAGE_COMPACTED). */
  onError(err: Error): void;
  /**
   * The store has reached `revision` and every later event of this watch will have a higher one (etcd's
   * progress notification; etcd sends them every `--experimental-watch-progress-notify-interval`).
   */
  onProgress?(revision: number): void;
}

/** Options of a write. */
export interface WriteOptions {
  /**
   * The key expires (is deleted, with a delete event to watchers) this many seconds after this write unless a
   * later write comes first; a later write without it keeps the key for good (etcd: a put attached to a granted
   * lease; upstream's storage `ttl` of Create and GuaranteedUpdate, as the master leases use).
   */
  ttlSeconds?: number;
}

export interface Backend {
  get(key: string): Promise<KeyValue | null>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Count of keys under prefix. */
  count(prefix: string): Promise<number>;
  /** Fails with ERR_STORAGE_KEY_EXISTS when the key exists. Returns the new revision. */
  create(key: string, value: Buffer, opts?: WriteOptions): Promise<number>;
  /** Compare-and-swap on modRevision. ERR_STORAGE_REVISION_MISMATCH (with the current kv) or ERR_STORAGE_KEY_NOT_FOUND. */
  update(key: string, value: Buffer, expectedRevision: number, opts?: WriteOptions): Promise<number>;
  /** Delete, optionally only if modRevision matches. Returns the delete revision and the deleted kv. */
  delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }>;
  /** Watch keys under prefix for changes after `fromRevision` (exclusive: events with revision > fromRevision). */
  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): BackendWatch;
  currentRevision(): Promise<number>;
  /** Compact history up to revision (tests and maintenance). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
