/**
 * Informer: a local, always-converging cache of one resource, as client-go's shared informer
 * (reflector + store + event handlers), in one class.
 *
 *   list (paged) ──> replace store, deliver the diff ──> watch from the list's resourceVersion
 *        ^                                                   │ ADDED / MODIFIED / DELETED -> store + handlers
 *        │                                                   │ BOOKMARK -> remember resourceVersion
 *        └── 410 Gone / Expired, ERROR event, other errors ──┘ stream closed -> watch again from last RV
 *                                                              network error -> backoff, watch again
 *
 * Cached objects are shared by every reader and are READ-ONLY: copy (structuredClone) before changing
 * one. They are deep-frozen when `freeze` is on (default under vitest, with NODE_ENV=test|development,
 * or KUBELAB_FREEZE_CACHE=1), so a mutation throws a TypeError in tests instead of corrupting the cache.
 */

import { objectKey, splitKey } from '../keys.js';
import { KubeError, isKubeError } from '../errors.js';
import { apiVersionOf, type ResourceInfo } from '../resources.js';
import type { ApiClient, WatchEvent, WatchHandle } from './api-client.js';
import { consoleLogger, type Logger } from './log.js';
import { Backoff, sleepUnlessAborted } from './rate-limit.js';

// ---------------------------------------------------------------------------------------------
// Keys

interface Keyed {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/** The shared keys (api/keys.ts: cache.MetaNamespaceKeyFunc and SplitMetaNamespaceKey), re-exported for the informer's users. */
export { objectKey, splitKey };

function rvOf(obj: unknown): string | undefined {
  return (obj as Keyed | null)?.metadata?.resourceVersion;
}

export function deepFreeze<T>(obj: T): T {
  if (obj === null || typeof obj !== 'object' || Object.isFrozen(obj)) return obj;
  Object.freeze(obj);
  for (const v of Object.values(obj as Record<string, unknown>)) deepFreeze(v);
  return obj;
}

function defaultFreeze(): boolean {
  const env = process.env;
  return (
    env.KUBELAB_FREEZE_CACHE === '1' ||
    (env.KUBELAB_FREEZE_CACHE !== '0' && (!!env.VITEST || env.NODE_ENV === 'test' || env.NODE_ENV === 'development'))
  );
}

// ---------------------------------------------------------------------------------------------
// Store with indexers

export type IndexFunc<T> = (obj: T) => string[];

/** The values an index function gives an object; one that throws (a malformed object) gives none. */
function indexValues<T>(fn: IndexFunc<T>, obj: T): string[] {
  try {
    return fn(obj);
  } catch {
    return [];
  }
}

export const NAMESPACE_INDEX = 'namespace';

export class Store<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor() {
    this.addIndexer(NAMESPACE_INDEX, (o) => [(o as Keyed).metadata?.namespace ?? '']);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }
  has(key: string): boolean {
    return this.items.has(key);
  }
  list(): T[] {
    return [...this.items.values()];
  }
  keys(): string[] {
    return [...this.items.keys()];
  }
  get size(): number {
    return this.items.size;
  }
  listByNamespace(ns: string): T[] {
    return this.byIndex(NAMESPACE_INDEX, ns);
  }

  /** Add an index (e.g. pods by spec.nodeName). Existing objects are indexed at once. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) throw new KubeError('InternalError', `indexer "${name}" already exists`);
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indices.set(name, idx);
    for (const [key, obj] of this.items) this.indexOne(fn, idx, key, obj);
  }

  /** Objects whose index `name` yields `value`. */
  byIndex(name: string, value: string): T[] {
    const idx = this.indices.get(name);
    if (!idx) throw new KubeError('InternalError', `index "${name}" does not exist`);
    const keys = idx.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  /** Keys whose index `name` yields `value`. */
  indexKeys(name: string, value: string): string[] {
    const idx = this.indices.get(name);
    if (!idx) throw new KubeError('InternalError', `index "${name}" does not exist`);
    return [...(idx.get(value) ?? [])];
  }

  private indexOne(fn: IndexFunc<T>, idx: Map<string, Set<string>>, key: string, obj: T): void {
    for (const v of indexValues(fn, obj)) {
      let set = idx.get(v);
      if (!set) idx.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name)!;
      for (const v of indexValues(fn, obj)) {
        const set = idx.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) idx.delete(v);
      }
    }
  }

  /** Insert or replace (internal to the informer; tests may call it to seed a store). */
  set(key: string, obj: T): void {
    const old = this.items.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) this.indexOne(fn, this.indices.get(name)!, key, obj);
  }

  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }
}

// ---------------------------------------------------------------------------------------------
// Diff (pure): what a relist must deliver

export interface ReplaceDiff<T> {
  added: T[];
  updated: { old: T; obj: T }[];
  /** Last known state of objects that vanished. */
  deleted: T[];
}

/** Compare the cached objects with a fresh list: new keys are adds, changed resourceVersions updates, missing keys deletes. */
export function diffForReplace<T>(cached: Map<string, T> | Store<T>, fresh: T[]): ReplaceDiff<T> {
  const get = (k: string) => cached.get(k);
  const keys = cached instanceof Store ? cached.keys() : [...cached.keys()];
  const seen = new Set<string>();
  const diff: ReplaceDiff<T> = { added: [], updated: [], deleted: [] };
  for (const obj of fresh) {
    const key = objectKey(obj);
    seen.add(key);
    const old = get(key);
    if (old === undefined) diff.added.push(obj);
    else if (rvOf(old) !== rvOf(obj) || rvOf(obj) === undefined) diff.updated.push({ old, obj });
  }
  for (const k of keys) if (!seen.has(k)) diff.deleted.push(get(k)!);
  return diff;
}

// ---------------------------------------------------------------------------------------------
// Informer

export interface DeleteInfo {
  /** True when the delete was inferred from a relist (the final state was not seen, as DeletedFinalStateUnknown). */
  finalStateUnknown: boolean;
}

export type AddHandler<T> = (obj: T) => void;
export type UpdateHandler<T> = (oldObj: T, newObj: T) => void;
export type DeleteHandler<T> = (obj: T, info: DeleteInfo) => void;

/** What a controller or a factory does with an informer of any kind: start it, wait for its first list, stop it. */
export interface SyncableInformer {
  start(): void;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  stop(): Promise<void>;
}

export interface InformerOptions {
  client: ApiClient;
  resource: ResourceInfo;
  /** Only this namespace (default: all). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-deliver 'update' (old === new) for every cached object this often; 0 = never (default). */
  resyncPeriodMs?: number;
  /** List page size (limit); default 500, as the reflector. */
  pageSize?: number;
  /** Deep-freeze cached objects (see the file comment). */
  freeze?: boolean;
  /** Backoff of relists / rewatches after failures: default 800 ms doubling to 30 s. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Server-side watch timeout; default a random 5..10 min, as the reflector. */
  watchTimeoutSeconds?: number;
  logger?: Logger;
}

export class Informer<T = unknown> implements SyncableInformer {
  readonly store = new Store<T>();
  readonly resource: ResourceInfo;
  private readonly opts: InformerOptions;
  private readonly log: Logger;
  private readonly freeze: boolean;
  private readonly handlers = {
    add: [] as AddHandler<T>[],
    update: [] as UpdateHandler<T>[],
    delete: [] as DeleteHandler<T>[],
  };
  private started = false;
  private stopped = false;
  private synced = false;
  private syncWaiters: ((ok: boolean) => void)[] = [];
  private rv = '';
  private current: WatchHandle | undefined;
  private readonly abort = new AbortController();
  private resyncTimer: ReturnType<typeof setInterval> | undefined;
  private loop: Promise<void> | undefined;
  /** Counters, for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, relistsAfterError: 0 };

  constructor(opts: InformerOptions) {
    this.opts = opts;
    this.resource = opts.resource;
    this.freeze = opts.freeze ?? defaultFreeze();
    this.log = opts.logger ?? consoleLogger(`informer/${opts.resource.plural}`);
  }

  /** Register a handler. Adding an 'add' handler to a filled cache replays adds of every cached object. Returns an unsubscribe. */
  on(event: 'add', handler: AddHandler<T>): () => void;
  on(event: 'update', handler: UpdateHandler<T>): () => void;
  on(event: 'delete', handler: DeleteHandler<T>): () => void;
  on(event: 'add' | 'update' | 'delete', handler: AddHandler<T> | UpdateHandler<T> | DeleteHandler<T>): () => void {
    const list = this.handlers[event] as unknown[];
    list.push(handler);
    if (event === 'add') for (const obj of this.store.list()) this.call(() => (handler as AddHandler<T>)(obj));
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.store.addIndexer(name, fn);
  }
  byIndex(name: string, value: string): T[] {
    return this.store.byIndex(name, value);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the cache is at. */
  lastSyncResourceVersion(): string {
    return this.rv;
  }

  /** Resolves true once the first list is in the cache, false if stopped (or aborted) before. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push((ok) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(ok);
      });
    });
  }

  /** Start listing and watching (idempotent). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.loop = this.run().catch((e) => this.log.error('informer loop crashed', { error: e as Error }));
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period > 0) {
      this.resyncTimer = setInterval(() => this.resync(), period);
      this.resyncTimer.unref?.();
    }
  }

  isStarted(): boolean {
    return this.started;
  }

  /** Stop watching; the cache keeps its last content. Resolves when the loop has ended. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.current?.stop();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const w of this.syncWaiters.splice(0)) w(false);
    await this.loop;
  }

  /** Re-deliver 'update' for every cached object (client-go's resync). Called by the timer. */
  resync(): void {
    if (!this.synced || this.stopped) return;
    for (const obj of this.store.list()) this.emitUpdate(obj, obj);
  }

  // -- internals ------------------------------------------------------------------------------

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error('event handler threw', { error: e as Error });
    }
  }
  private emitAdd(obj: T): void {
    for (const h of this.handlers.add) this.call(() => h(obj));
  }
  private emitUpdate(old: T, obj: T): void {
    for (const h of this.handlers.update) this.call(() => h(old, obj));
  }
  private emitDelete(obj: T, finalStateUnknown: boolean): void {
    for (const h of this.handlers.delete) this.call(() => h(obj, { finalStateUnknown }));
  }

  /** Fill apiVersion/kind (list items come without them) and freeze. */
  private prepare(raw: unknown): T {
    const obj = raw as Record<string, unknown>;
    if (obj && typeof obj === 'object' && (!obj.kind || !obj.apiVersion) && !Object.isFrozen(obj)) {
      obj.apiVersion ??= apiVersionOf(this.resource);
      obj.kind ??= this.resource.kind;
    }
    return (this.freeze ? deepFreeze(obj) : obj) as T;
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.opts.backoffInitialMs ?? 800, this.opts.backoffMaxMs ?? 30_000);
    while (!this.stopped) {
      try {
        await this.relist();
        backoff.reset();
      } catch (e) {
        if (this.stopped) break;
        this.log.warn('list failed', { resource: this.resource.plural, error: e as Error });
        await sleepUnlessAborted(backoff.next(), this.abort.signal);
        continue;
      }
      // Watch until something forces a relist.
      while (!this.stopped) {
        const outcome = await this.watchOnce();
        if (this.stopped) break;
        if (outcome === 'relist') {
          this.stats.relistsAfterError++;
          break;
        }
        if (outcome === 'relist-after-backoff') {
          this.stats.relistsAfterError++;
          await sleepUnlessAborted(backoff.next(), this.abort.signal);
          break;
        }
        if (outcome === 'backoff') await sleepUnlessAborted(backoff.next(), this.abort.signal);
        else backoff.reset();
      }
    }
  }

  private async relist(): Promise<void> {
    this.stats.lists++;
    const list = await this.opts.client.listAll<T>(this.resource, this.opts.namespace, {
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      limit: this.opts.pageSize ?? 500,
    });
    if (this.stopped) return;
    this.replace(list.items.map((o) => this.prepare(o)), list.metadata.resourceVersion);
  }

  /** Replace the cache with a fresh list and deliver the difference. */
  private replace(items: T[], rv: string): void {
    const diff = diffForReplace(this.store, items);
    for (const obj of items) this.store.set(objectKey(obj), obj);
    for (const gone of diff.deleted) this.store.delete(objectKey(gone));
    this.rv = rv;
    for (const obj of diff.added) this.emitAdd(obj);
    for (const u of diff.updated) this.emitUpdate(u.old, u.obj);
    for (const gone of diff.deleted) this.emitDelete(gone, true);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w(true);
    }
  }

  private handleEvent(ev: WatchEvent): 'ok' | 'relist' {
    if (ev.type === 'ERROR') {
      const st = ev.object as { code?: number; reason?: string; message?: string } | undefined;
      this.log.info('watch ERROR event, relisting', { code: st?.code, reason: st?.reason, message: st?.message });
      return 'relist';
    }
    const newRv = rvOf(ev.object);
    if (ev.type === 'BOOKMARK') {
      if (newRv) this.rv = newRv;
      return 'ok';
    }
    const obj = this.prepare(ev.object);
    const key = objectKey(obj);
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      const old = this.store.get(key);
      this.store.set(key, obj);
      if (newRv) this.rv = newRv;
      if (old === undefined) this.emitAdd(obj);
      else this.emitUpdate(old, obj);
    } else if (ev.type === 'DELETED') {
      this.store.delete(key);
      if (newRv) this.rv = newRv;
      this.emitDelete(obj, false);
    } else {
      this.log.warn('unknown watch event type', { type: (ev as { type: string }).type });
    }
    return 'ok';
  }

  private async watchOnce(): Promise<'continue' | 'relist' | 'relist-after-backoff' | 'backoff'> {
    this.stats.watches++;
    let needRelist = false;
    let events = 0;
    const startedAt = Date.now();
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
    const h = this.opts.client.watch(
      this.resource,
      this.opts.namespace,
      {
        resourceVersion: this.rv,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        allowWatchBookmarks: true,
        timeoutSeconds,
      },
      (ev) => {
        if (needRelist || this.stopped) return;
        events++;
        if (this.handleEvent(ev) === 'relist') {
          needRelist = true;
          h.stop();
        }
      },
    );
    this.current = h;
    // The server ends the watch after timeoutSeconds; if it never does (a silent half-open connection), stop it.
    const guard = setTimeout(() => h.stop(), (timeoutSeconds + 30) * 1000);
    guard.unref?.();
    try {
      await h.done;
    } catch (e) {
      if (this.stopped) return 'continue';
      if (isKubeError(e, 'Gone') || isKubeError(e, 'Expired') || (isKubeError(e) && e.httpStatus === 410)) return 'relist';
      this.log.warn('watch failed', { resource: this.resource.plural, error: e as Error });
      if (isKubeError(e) && e.code === 'ERR_UNAVAILABLE') return 'backoff';
      return 'relist-after-backoff';
    } finally {
      clearTimeout(guard);
      this.current = undefined;
    }
    if (needRelist) return 'relist';
    // A stream that closes at once and says nothing: do not spin.
    if (events === 0 && Date.now() - startedAt < 1000) return 'backoff';
    return 'continue';
  }
}

// ---------------------------------------------------------------------------------------------
// Shared informers

export interface InformerFactoryOptions {
  resyncPeriodMs?: number;
  freeze?: boolean;
  logger?: Logger;
  pageSize?: number;
}

/**
 * One informer per (resource, namespace, selectors), shared by every controller of a process, as
 * client-go's SharedInformerFactory. Informers asked for after start() start at once.
 */
export class InformerFactory {
  private readonly informers = new Map<string, SyncableInformer>();
  private started = false;

  constructor(
    readonly client: ApiClient,
    readonly opts: InformerFactoryOptions = {},
  ) {}

  informerFor<T = unknown>(
    resource: ResourceInfo,
    sel: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): Informer<T> {
    const key = `${resource.group}/${resource.version}/${resource.plural}|${sel.namespace ?? ''}|${sel.labelSelector ?? ''}|${sel.fieldSelector ?? ''}`;
    // Boundary: informers of every kind share one map; the first caller of a key chose its T.
    let inf = this.informers.get(key) as Informer<T> | undefined;
    if (!inf) {
      inf = new Informer<T>({
        client: this.client,
        resource,
        ...sel,
        resyncPeriodMs: this.opts.resyncPeriodMs,
        freeze: this.opts.freeze,
        logger: this.opts.logger,
        pageSize: this.opts.pageSize,
      });
      this.informers.set(key, inf);
      if (this.started) inf.start();
    }
    return inf;
  }

  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const res = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return res.every(Boolean);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
