import type {
  Backend,
  BackendWatch,
  BackendWatchEvent,
  KeyValue,
  ListOptions,
  ListResult,
  WatchHandlers,
  WriteOptions,
} from './backend.js';
import { StorageError } from './storage-error.js';

interface Revisioned {
  revision: number;
  event: BackendWatchEvent;
}

/**
 * An in-memory Backend with etcd's revision semantics, for unit tests.
 * History is kept so watches can start in the past; compact() forgets it.
 */
export class MemoryBackend implements Backend {
  private data = new Map<string, KeyValue>();
  private history: Revisioned[] = [];
  private rev = 1;
  private compactedRev = 0;
  private watchers = new Set<{ prefix: string; handlers: WatchHandlers; from: number }>();
  /** Snapshots for reads at an older revision: key -> versions (ascending). */
  private versions = new Map<string, { rev: number; kv: KeyValue | null }[]>();
  /** Keys written with a TTL: the timer that deletes them (as etcd revokes an expired lease). */
  private expiries = new Map<string, NodeJS.Timeout>();

  async get(key: string): Promise<KeyValue | null> {
    const kv = this.data.get(key);
    return kv ? { ...kv } : null;
  }

  private valueAt(key: string, revision: number): KeyValue | null {
    const vs = this.versions.get(key);
    if (!vs) return null;
    let found: KeyValue | null = null;
    for (const v of vs) {
      if (v.rev <= revision) found = v.kv;
      else break;
    }
    return found;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const revision = opts.revision && opts.revision > 0 ? opts.revision : this.rev;
    if (opts.revision && opts.revision > 0 && opts.revision < this.compactedRev) {
      throw StorageError.compacted(opts.revision, this.compactedRev);
    }
    const keys = [...(opts.revision ? this.versions.keys() : this.data.keys())]
      .filter((k) => k.startsWith(prefix) && (!opts.startKey || k >= opts.startKey))
      .sort();
    const items: KeyValue[] = [];
    let more = false;
    for (const k of keys) {
      const kv = opts.revision ? this.valueAt(k, revision) : (this.data.get(k) ?? null);
      if (!kv) continue;
      if (opts.limit && items.length >= opts.limit) {
        more = true;
        break;
      }
      items.push(opts.keysOnly ? { ...kv, value: Buffer.alloc(0) } : { ...kv });
    }
    return { items, revision, more };
  }

  async count(prefix: string): Promise<number> {
    let n = 0;
    for (const k of this.data.keys()) if (k.startsWith(prefix)) n++;
    return n;
  }

  private commit(key: string, kv: KeyValue | null, prev: KeyValue | undefined, created: boolean, opts?: WriteOptions): number {
    this.rev++;
    const expiry = this.expiries.get(key);
    if (expiry) clearTimeout(expiry);
    this.expiries.delete(key);
    if (kv && opts?.ttlSeconds && opts.ttlSeconds > 0) {
      const t = setTimeout(() => {
        this.expiries.delete(key);
        const cur = this.data.get(key);
        if (cur) this.commit(key, null, cur, false);
      }, opts.ttlSeconds * 1000);
      t.unref();
      this.expiries.set(key, t);
    }
    const revision = this.rev;
    let event: BackendWatchEvent;
    if (kv) {
      const stored = { ...kv, modRevision: revision, createRevision: created ? revision : kv.createRevision };
      this.data.set(key, stored);
      event = { type: 'put', kv: { ...stored }, created };
      if (prev) event.prevKv = { ...prev };
    } else {
      this.data.delete(key);
      event = {
        type: 'delete',
        kv: { key, value: Buffer.alloc(0), modRevision: revision, createRevision: prev?.createRevision ?? 0 },
        created: false,
      };
      if (prev) event.prevKv = { ...prev };
    }
    const list = this.versions.get(key) ?? [];
    list.push({ rev: revision, kv: kv ? this.data.get(key)! : null });
    this.versions.set(key, list);
    this.history.push({ revision, event });
    for (const w of this.watchers) {
      const ev = event;
      // Watchers of other prefixes get a progress notification at once (etcd sends them periodically).
      queueMicrotask(() => {
        if (!this.watchers.has(w)) return;
        if (key.startsWith(w.prefix)) w.handlers.onEvents([ev]);
        else w.handlers.onProgress?.(revision);
      });
    }
    return revision;
  }

  async create(key: string, value: Buffer, opts?: WriteOptions): Promise<number> {
    if (this.data.has(key)) throw StorageError.keyExists(key);
    return this.commit(key, { key, value, modRevision: 0, createRevision: 0 }, undefined, true, opts);
  }

  async update(key: string, value: Buffer, expectedRevision: number, opts?: WriteOptions): Promise<number> {
    const cur = this.data.get(key);
    if (!cur) throw StorageError.notFound(key);
    if (cur.modRevision !== expectedRevision) throw StorageError.revisionMismatch(key, { ...cur });
    return this.commit(key, { key, value, modRevision: 0, createRevision: cur.createRevision }, cur, false, opts);
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    const cur = this.data.get(key);
    if (!cur) throw StorageError.notFound(key);
    if (expectedRevision !== undefined && cur.modRevision !== expectedRevision) {
      throw StorageError.revisionMismatch(key, { ...cur });
    }
    const revision = this.commit(key, null, cur, false);
    return { revision, prev: { ...cur } };
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): BackendWatch {
    const w = { prefix, handlers, from: fromRevision };
    if (fromRevision > 0 && fromRevision < this.compactedRev) {
      queueMicrotask(() => handlers.onError(StorageError.compacted(fromRevision, this.compactedRev)));
      return { cancel: () => undefined };
    }
    const backlog = this.history.filter((h) => h.revision > fromRevision && h.event.kv.key.startsWith(prefix));
    this.watchers.add(w);
    if (backlog.length > 0) {
      const evs = backlog.map((b) => b.event);
      queueMicrotask(() => {
        if (this.watchers.has(w)) handlers.onEvents(evs);
      });
    }
    return { cancel: () => void this.watchers.delete(w) };
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async compact(revision: number): Promise<void> {
    this.compactedRev = Math.max(this.compactedRev, revision);
    this.history = this.history.filter((h) => h.revision > revision);
    for (const [k, vs] of this.versions) {
      const keep = vs.filter((v) => v.rev >= revision);
      const before = vs.filter((v) => v.rev < revision).pop();
      if (before && before.kv) keep.unshift({ rev: revision, kv: before.kv });
      if (keep.length === 0) this.versions.delete(k);
      else this.versions.set(k, keep);
    }
  }

  async close(): Promise<void> {
    this.watchers.clear();
    for (const t of this.expiries.values()) clearTimeout(t);
    this.expiries.clear();
  }
}
