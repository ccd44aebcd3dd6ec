/**
 * The watch cache (upstream's "cacher"): ONE etcd watch per resource feeds every API watcher.
 * It keeps the current objects and a window of recent events, so a watch can start from any
 * resourceVersion still in the window; older ones get 410 Expired and the client relists.
 *
 * A stored value it cannot read (not decryptable, not JSON) is never skipped: its initial list fails
 * (LIST and WATCH answer 500, as upstream's cacher whose reflector cannot list), and such a value
 * arriving on the etcd watch ends every watcher with a 500 ERROR event and re-initialises the cache,
 * which stays failed until the value is readable again (or deleted). Each later request retries.
 *
 * Serving from it costs no copy and no sort: objects are shared read-only, their JSON text is made once per
 * object version and reused by every list and watch (`serializedJson`, upstream's caching serializer), and
 * the keys are kept in order as objects come and go.
 */
import type { Backend, BackendWatch, BackendWatchEvent } from '../storage/backend.js';
import { KubeError } from '../../api/errors.js';
import { listReadError } from './unreadable-value.js';
import { tooLargeResourceVersion } from './list-read.js';
import type { KubeObject } from '../../api/types/index.js';
import { asStored, type ApiObject } from './object-meta.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CachedObject {
  key: string;
  /** As the decoder made it (an object of the store's kind); read-only. */
  obj: KubeObject;
  rev: number;
}

export interface CacheEvent {
  type: WatchEventType;
  key: string;
  rev: number;
  obj: KubeObject;
  prevObj: KubeObject | undefined;
}

/** What a watcher wants: filtering happens here so the cache can send DELETED when an object leaves a selector. */
export interface WatchFilter {
  namespace?: string;
  matches(obj: KubeObject): boolean;
}

export interface CacheWatcher {
  /** Deliver one event (already filtered and typed). Returns false to stop. */
  send(type: WatchEventType | 'BOOKMARK', ev: CacheEvent | { rev: number }): void;
  /** The cache stopped (re-initialising): the watcher's stream must end. */
  close(err?: KubeError): void;
}

interface Registered {
  filter: WatchFilter;
  watcher: CacheWatcher;
}

export type Decoder = (key: string, value: Buffer, rev: number) => ApiObject;

/** An in-process index kept from the cache (the Node authorizer's graph): told every change before any watcher. */
export interface CacheObserver {
  /** The cache (re)listed: these are all of its objects now. */
  reset(objects: readonly CachedObject[]): void;
  event(ev: CacheEvent): void;
}

export class WatchCache {
  private objects = new Map<string, CachedObject>();
  /** The keys of `objects` in order (what etcd's range returns); undefined until a list needs them. */
  private sortedKeys: string[] | undefined;
  private window: CacheEvent[] = [];
  private revision = 0;
  /** The revision of the initial list: events before it are unknown to the cache. */
  private startRevision = 0;
  /** The revision of the last event dropped from the window (0: none); above startRevision when dropped since the list. */
  private droppedThrough = 0;
  private readyPromise: Promise<void> | undefined;
  private etcdWatch: BackendWatch | undefined;
  private watchers = new Set<Registered>();
  private observers = new Set<CacheObserver>();
  private revisionWaiters: { rev: number; resolve: () => void }[] = [];
  private stopped = false;
  /** Bumped by each list: events of an older etcd watch are ignored. */
  private generation = 0;
  private listedOk = false;

  constructor(
    private readonly backend: Backend,
    private readonly prefix: string,
    private readonly decode: Decoder,
    private readonly capacity = 10_000,
  ) {}

  /** Start (once) and wait for the initial list; after a failed list, a later call lists again. */
  ready(): Promise<void> {
    if (!this.readyPromise) this.startInit(0);
    return this.readyPromise!;
  }

  /** (Re)list after `delayMs`; a failure is kept for a second (callers get it), then forgotten so the next ready() retries. */
  private startInit(delayMs: number): void {
    const p = (delayMs ? new Promise((resolve) => setTimeout(resolve, delayMs)) : Promise.resolve()).then(() => this.init());
    this.readyPromise = p;
    p.catch(() => {
      this.listedOk = false;
      this.objects.clear();
      this.sortedKeys = undefined;
      setTimeout(() => {
        if (this.readyPromise === p) this.readyPromise = undefined;
      }, 1000).unref();
    });
  }

  get currentRevision(): number {
    return this.revision;
  }

  /**
   * The oldest resourceVersion a watch can start from (upstream's `oldest - 1`): the list's while no
   * event has left the window since, else the one before the first event still in the window.
   */
  get oldestRevision(): number {
    if (this.droppedThrough <= this.startRevision) return this.startRevision;
    return this.window.length > 0 ? this.window[0]!.rev - 1 : this.droppedThrough;
  }

  private async init(): Promise<void> {
    if (this.stopped) return;
    const list = await this.backend.list(this.prefix);
    const objects = new Map<string, CachedObject>();
    for (const kv of list.items) {
      try {
        objects.set(kv.key, { key: kv.key, obj: asStored(this.decode(kv.key, kv.value, kv.modRevision)), rev: kv.modRevision });
      } catch (e) {
        throw listReadError(e);
      }
    }
    this.objects = objects;
    this.sortedKeys = undefined;
    this.listedOk = true;
    this.window = [];
    this.revision = list.revision;
    this.startRevision = list.revision;
    const gen = ++this.generation;
    for (const o of this.observers) tell(() => o.reset([...this.objects.values()]));
    this.etcdWatch = this.backend.watch(this.prefix, list.revision, {
      onEvents: (evs) => {
        if (gen === this.generation) this.apply(evs);
      },
      onError: (err) => {
        if (gen === this.generation) this.restart(err);
      },
      // etcd is at `rev` and every later event is newer: a quiet resource's cache is current up to it, so a watch
      // or list from a resourceVersion another resource's write produced need not wait for an event of this one.
      onProgress: (rev) => {
        if (gen !== this.generation || rev <= this.revision) return;
        this.revision = rev;
        this.notifyRevision();
      },
    });
    this.notifyRevision();
  }

  private restart(err: Error, closing?: KubeError): void {
    if (this.stopped) return;
    this.generation++;
    this.listedOk = false;
    this.etcdWatch?.cancel();
    this.etcdWatch = undefined;
    const why = closing ?? new KubeError('Expired', `watch cache re-initialising: ${err.message}`, { httpStatus: 410 });
    for (const r of this.watchers) r.watcher.close(why);
    this.watchers.clear();
    // Back off a little, then relist and rewatch. Callers of ready() after this wait for the new list.
    this.startInit(500);
  }

  private apply(evs: BackendWatchEvent[]): void {
    for (const e of evs) {
      const rev = e.kv.modRevision;
      if (rev <= this.revision) continue;
      const prev = this.objects.get(e.kv.key);
      let ev: CacheEvent;
      if (e.type === 'delete') {
        if (!prev) {
          this.revision = rev;
          continue;
        }
        this.objects.delete(e.kv.key);
        this.forgetKey(e.kv.key);
        const gone = { ...prev.obj, metadata: { ...prev.obj.metadata, resourceVersion: String(rev) } };
        ev = { type: 'DELETED', key: e.kv.key, rev, obj: gone, prevObj: prev.obj };
      } else {
        let obj: KubeObject;
        try {
          obj = asStored(this.decode(e.kv.key, e.kv.value, rev));
        } catch (err) {
          // An unreadable value: watchers cannot be told the truth, so they end (500) and the cache relists.
          const ke = listReadError(err);
          this.restart(err as Error, ke instanceof KubeError ? ke : new KubeError('InternalError', `Internal error occurred: ${(err as Error).message}`));
          return;
        }
        this.objects.set(e.kv.key, { key: e.kv.key, obj, rev });
        if (!prev) this.addKey(e.kv.key);
        ev = { type: prev ? 'MODIFIED' : 'ADDED', key: e.kv.key, rev, obj, prevObj: prev?.obj };
      }
      this.revision = rev;
      for (const o of this.observers) tell(() => o.event(ev));
      this.window.push(ev);
      if (this.window.length > this.capacity) this.dropped(this.window.splice(0, this.window.length - this.capacity));
      for (const r of this.watchers) dispatch(r, ev);
    }
    this.notifyRevision();
  }

  private notifyRevision(): void {
    const still: typeof this.revisionWaiters = [];
    for (const w of this.revisionWaiters) {
      if (this.revision >= w.rev) w.resolve();
      else still.push(w);
    }
    this.revisionWaiters = still;
  }

  /** Wait until the cache has seen `rev` (a client's resourceVersion may be ahead of it briefly). */
  async waitForRevision(rev: number, timeoutMs = 3000): Promise<void> {
    await this.ready();
    if (this.revision >= rev) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.revisionWaiters = this.revisionWaiters.filter((w) => w.resolve !== done);
        reject(tooLargeResourceVersion(rev, this.revision, 1));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(t);
        resolve();
      };
      this.revisionWaiters.push({ rev, resolve: done });
    });
  }

  /** Keep `o` told of the cache's content: now (if listed) and on every later change. */
  observe(o: CacheObserver): () => void {
    this.observers.add(o);
    if (this.readyPromise) tell(() => o.reset([...this.objects.values()]));
    return () => {
      this.observers.delete(o);
    };
  }

  /** Current objects (read-only) in key order, optionally in one namespace. */
  list(namespace?: string): CachedObject[] {
    const keys = this.keysInOrder();
    const nsPrefix = namespace ? `${this.prefix}${namespace}/` : this.prefix;
    const out: CachedObject[] = [];
    for (let i = namespace ? lowerBound(keys, nsPrefix) : 0; i < keys.length && keys[i]!.startsWith(nsPrefix); i++) out.push(this.objects.get(keys[i]!)!);
    return out;
  }

  /** The cached object at `key`, if the cache has started and holds it (read-only). */
  peek(key: string): KubeObject | undefined {
    return this.objects.get(key)?.obj;
  }

  /**
   * The cached object at `key` if it is the version etcd holds at `modRevision` (read-only): a list read from
   * etcd takes it instead of decoding the value again, and so shares its JSON text (`serializedJson`).
   */
  version(key: string, modRevision: number): KubeObject | undefined {
    const c = this.objects.get(key);
    return c !== undefined && c.rev === modRevision ? c.obj : undefined;
  }

  private keysInOrder(): string[] {
    if (this.sortedKeys === undefined) this.sortedKeys = [...this.objects.keys()].sort(compareKeys);
    return this.sortedKeys;
  }

  private addKey(key: string): void {
    const keys = this.sortedKeys;
    if (keys === undefined) return;
    keys.splice(lowerBound(keys, key), 0, key);
  }

  private forgetKey(key: string): void {
    const keys = this.sortedKeys;
    if (keys === undefined) return;
    const i = lowerBound(keys, key);
    if (keys[i] === key) keys.splice(i, 1);
  }

  get size(): number {
    return this.objects.size;
  }

  /** The cache holds a complete list now (false before the first list, and while re-initialising after a failure). */
  get listed(): boolean {
    return this.listedOk;
  }

  /**
   * Register a watcher from `fromRev` (exclusive). fromRev 0 means "now", after synthetic
   * ADDED events for the current state when `initialEvents` is set.
   */
  async watch(
    fromRev: number,
    filter: WatchFilter,
    watcher: CacheWatcher,
    opts: { initialEvents: boolean },
  ): Promise<() => void> {
    await this.ready();
    if (fromRev > this.revision) await this.waitForRevision(fromRev);
    const reg: Registered = { filter, watcher };
    if (opts.initialEvents || fromRev === 0) {
      if (opts.initialEvents) {
        for (const o of this.list(filter.namespace)) {
          if (filter.matches(o.obj)) watcher.send('ADDED', { type: 'ADDED', key: o.key, rev: o.rev, obj: o.obj, prevObj: undefined });
        }
      }
    } else {
      if (fromRev < this.oldestRevision) {
        throw new KubeError('Expired', `too old resource version: ${fromRev} (${this.oldestRevision})`, {
          httpStatus: 410,
        });
      }
      for (const ev of this.window) if (ev.rev > fromRev) dispatch(reg, ev);
    }
    this.watchers.add(reg);
    return () => {
      this.watchers.delete(reg);
    };
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /**
   * Forget the events up to `rev` (all of them by default), as a full window forgets its oldest: a
   * watch from an older resourceVersion then gets 410 Expired and its client relists.
   */
  compact(rev = this.revision): void {
    const upTo = Math.min(rev, this.revision);
    this.dropped(this.window.filter((ev) => ev.rev <= upTo));
    this.window = this.window.filter((ev) => ev.rev > upTo);
    this.droppedThrough = Math.max(this.droppedThrough, upTo);
  }

  private dropped(evs: CacheEvent[]): void {
    if (evs.length > 0) this.droppedThrough = Math.max(this.droppedThrough, evs[evs.length - 1]!.rev);
  }

  stop(): void {
    this.stopped = true;
    this.etcdWatch?.cancel();
    for (const r of this.watchers) r.watcher.close();
    this.watchers.clear();
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first index of sorted `keys` whose key is not below `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const jsonOfObject = new WeakMap<object, string>();

/**
 * The JSON text of an object the watch cache holds (or any object nobody changes any more), made once and
 * reused by every list and watch that sends it (upstream's caching serializer: encode once per object
 * version). A changed object is a new object in the cache, so it gets its own text.
 */
export function serializedJson(obj: KubeObject): string {
  let text = jsonOfObject.get(obj);
  if (text === undefined) {
    text = JSON.stringify(obj);
    jsonOfObject.set(obj, text);
  }
  return text;
}

/** An observer's failure must not stop the cache (it would starve every watcher). */
function tell(f: () => void): void {
  try {
    f();
  } catch {
    // the observer's own problem
  }
}

function inNamespace(key: string, obj: KubeObject, ns: string | undefined): boolean {
  if (!ns) return true;
  void key;
  return obj.metadata?.namespace === ns;
}

/** Selector transitions: entering the filter is ADDED, leaving it is DELETED (as upstream's cacheWatcher). */
function dispatch(r: Registered, ev: CacheEvent): void {
  const f = r.filter;
  if (!inNamespace(ev.key, ev.obj, f.namespace)) return;
  const cur = ev.type !== 'DELETED' && f.matches(ev.obj);
  const prev = ev.prevObj !== undefined && f.matches(ev.prevObj);
  if (ev.type === 'DELETED') {
    if (prev) r.watcher.send('DELETED', ev);
    return;
  }
  if (cur && prev) r.watcher.send('MODIFIED', ev);
  else if (cur && !prev) r.watcher.send('ADDED', ev);
  else if (!cur && prev) r.watcher.send('DELETED', leftFilter(ev));
}

/** An object that stopped matching is DELETED as it was when it last matched, at the event's resourceVersion (as upstream). */
function leftFilter(ev: CacheEvent): CacheEvent {
  const last = ev.prevObj!;
  return { ...ev, type: 'DELETED', obj: { ...last, metadata: { ...last.metadata, resourceVersion: String(ev.rev) } } };
}
