/**
 * FakeApiClient: a real, in-memory implementation of ApiClient, the test double of every controller,
 * scheduler and agent unit test (no mocking library). It keeps objects per resource with a global
 * resourceVersion counter, filters lists and watches by label / field selectors, streams watch
 * events (with replay from a resourceVersion, bookmarks and 410 after compact()), does bindings and
 * evictions, and records every call in `actions`.
 *
 * What it models: uid / resourceVersion / generation / creationTimestamp, optimistic concurrency
 * (409 Conflict on a stale resourceVersion), spec/status split for resources with a status
 * subresource, finalizers (delete sets deletionTimestamp; removing the last finalizer deletes),
 * no-op updates (no new resourceVersion, no event), generateName, delete preconditions, scale.
 * Patches use the shared implementations in api/patch (strategic merge with the schema's patch
 * metadata; server-side apply is approximated by a strategic merge, without field ownership).
 * What it does not: admission, validation, defaulting, garbage collection, PDBs.
 */

import { randomUUID } from 'node:crypto';
import { KubeError, errors } from '../errors.js';
import { apiVersionOf, type ResourceInfo } from '../resources.js';
import {
  bindingBody,
  evictionBody,
  listAllPages,
  metaOf,
  podsResource,
  unavailable,
  type ApiClient,
  type DeleteOptions,
  type ListOptions,
  type ListResult,
  type PatchOptions,
  type PatchType,
  type WatchEvent,
  type WatchEventType,
  type WatchHandle,
  type WatchOptions,
  type WriteOptions,
} from './api-client.js';
import { objectKey } from './informer.js';
import { LabelSelector, labelSelectorToSelector, parseLabelSelector, type LabelSelectorSpec } from '../labels.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.js';
import { patchMetaResolver } from '../schema/patch-meta.js';
import { parseFieldSelector, FieldSelector } from '../fields.js';
import { clone } from '../values.js';

/** The string value of a dotted field path ('' when absent, as the API server's field sets). */
function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return String(cur);
}

function matchesFields(sel: FieldSelector, obj: unknown): boolean {
  return sel.matches((f) => fieldValue(obj, f));
}

type Obj = Record<string, any>;

export type FakeVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface FakeAction {
  verb: FakeVerb;
  resource: string;
  group: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The body sent (create / update / binding / eviction / scale). */
  object?: unknown;
  patch?: unknown;
  patchType?: PatchType;
  options?: unknown;
}

export interface FakeErrorMatch {
  verb?: FakeVerb;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface FakeApiClientOptions {
  /** Watch events kept for replay from a resourceVersion; older ones are compacted (410). Default 1000. */
  historyLimit?: number;
  /**
   * Delete a pod that is bound to a node gracefully (deletionTimestamp + grace period; the kubelet then
   * deletes with gracePeriodSeconds 0), as the real API server. Default false: pods vanish at once.
   */
  gracefulPodDeletion?: boolean;
  /** Clock for timestamps. */
  now?: () => Date;
}

interface HistoryEntry {
  rv: number;
  resKey: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
  prev?: Obj;
}

interface Watcher {
  resKey: string;
  info: ResourceInfo;
  namespace?: string;
  labels: LabelSelector;
  fields: FieldSelector;
  bookmarks: boolean;
  onEvent: (ev: WatchEvent) => void;
  pending: WatchEvent[];
  scheduled: boolean;
  /** No new events are queued (the stream is ending). */
  closing: boolean;
  closed: boolean;
  finish: (err?: unknown) => void;
  timer?: ReturnType<typeof setTimeout>;
}

const resKeyOf = (info: ResourceInfo) => `${info.group}/${info.plural}`;

/** Scale.status.selector: LabelSelectorAsSelector(spec.selector).String() ('' when unset or invalid). */
function scaleSelector(sel: LabelSelectorSpec | undefined): string {
  try {
    return sel ? labelSelectorToSelector(sel).toString() : '';
  } catch {
    return '';
  }
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
  return s;
}

function withoutVolatile(o: Obj): string {
  const c = { ...o, metadata: { ...(o.metadata ?? {}) } };
  delete c.metadata.resourceVersion;
  delete c.metadata.managedFields;
  return JSON.stringify(c);
}

function specPart(o: Obj): string {
  const c = { ...o };
  delete c.metadata;
  delete c.status;
  delete c.apiVersion;
  delete c.kind;
  return JSON.stringify(c);
}

export class FakeApiClient implements ApiClient {
  /** Every call, in order. */
  readonly actions: FakeAction[] = [];
  private readonly stores = new Map<string, Map<string, Obj>>();
  private readonly infos = new Map<string, ResourceInfo>();
  private rv = 1;
  private history: HistoryEntry[] = [];
  /** Watching from a resourceVersion below this gets 410 Expired. */
  private compactedRv = 0;
  private readonly watchers = new Set<Watcher>();
  private readonly injected: { match: FakeErrorMatch; error: KubeError; times: number }[] = [];
  private readonly historyLimit: number;
  private readonly gracefulPodDeletion: boolean;
  private readonly now: () => Date;

  constructor(opts: FakeApiClientOptions = {}) {
    this.historyLimit = opts.historyLimit ?? 1000;
    this.gracefulPodDeletion = opts.gracefulPodDeletion ?? false;
    this.now = opts.now ?? (() => new Date());
  }

  // -- test helpers ----------------------------------------------------------------------------

  /** Store objects directly (no action recorded; watchers see ADDED). Returns the stored copies. */
  seed<T = any>(info: ResourceInfo, ...objs: T[]): T[] {
    return objs.map((o) => this.doCreate(info, (o as Obj).metadata?.namespace, clone(o) as Obj, {}) as T);
  }

  /** The stored objects of a resource (copies), optionally of one namespace. */
  objects<T = any>(info: ResourceInfo, namespace?: string): T[] {
    return [...this.store(info).values()]
      .filter((o) => !namespace || o.metadata?.namespace === namespace)
      .map((o) => clone(o) as T);
  }

  /** One stored object (a copy) or undefined, without recording an action. */
  peek<T = any>(info: ResourceInfo, namespace: string | undefined, name: string): T | undefined {
    const o = this.store(info).get(namespace && info.namespaced ? `${namespace}/${name}` : name);
    return o ? (clone(o) as T) : undefined;
  }

  /** Actions filtered by verb (and resource plural / subresource). */
  actionsFor(verb: FakeVerb, resource?: string, subresource?: string): FakeAction[] {
    return this.actions.filter(
      (a) =>
        a.verb === verb &&
        (resource === undefined || a.resource === resource) &&
        (subresource === undefined || a.subresource === subresource),
    );
  }

  /** Actions that change something (not get / list / watch). */
  writes(): FakeAction[] {
    return this.actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch');
  }

  clearActions(): void {
    this.actions.length = 0;
  }

  /** Make the next `times` matching calls fail with `error`. */
  injectError(match: FakeErrorMatch, error: KubeError, times = 1): void {
    this.injected.push({ match, error, times });
  }

  /** The current resourceVersion (as lists report it). */
  resourceVersion(): string {
    return String(this.rv);
  }

  /** Forget the watch history: watches from an older resourceVersion get 410 Expired (ERROR event). */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }

  /** Send a BOOKMARK with the current resourceVersion to watchers that allowed bookmarks. */
  sendBookmarks(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      this.push(w, {
        type: 'BOOKMARK',
        object: { apiVersion: apiVersionOf(w.info), kind: w.info.kind, metadata: { resourceVersion: String(this.rv) } },
      });
    }
  }

  /** End every watch stream normally (as a server timeout). */
  closeWatches(): void {
    for (const w of [...this.watchers]) this.endWatch(w);
  }

  /** Break every watch stream (as a lost connection): their `done` rejects with ERR_UNAVAILABLE. */
  breakWatches(): void {
    for (const w of [...this.watchers]) this.endWatch(w, unavailable('watch stream broken (fake)'));
  }

  /** Send an ERROR event with the given Status to every watcher of a resource, then close them. */
  sendWatchError(info: ResourceInfo, error: KubeError): void {
    for (const w of [...this.watchers]) {
      if (w.resKey !== resKeyOf(info)) continue;
      this.push(w, { type: 'ERROR', object: error.toStatus() });
      this.endWatch(w);
    }
  }

  watcherCount(info?: ResourceInfo): number {
    let n = 0;
    for (const w of this.watchers) if (!info || w.resKey === resKeyOf(info)) n++;
    return n;
  }

  // -- internals -------------------------------------------------------------------------------

  private store(info: ResourceInfo): Map<string, Obj> {
    const k = resKeyOf(info);
    let s = this.stores.get(k);
    if (!s) {
      s = new Map();
      this.stores.set(k, s);
      this.infos.set(k, info);
    }
    return s;
  }

  private record(a: FakeAction): void {
    this.actions.push(a);
    for (let i = 0; i < this.injected.length; i++) {
      const inj = this.injected[i]!;
      const m = inj.match;
      if (
        (m.verb === undefined || m.verb === a.verb) &&
        (m.resource === undefined || m.resource === a.resource) &&
        (m.subresource === undefined || m.subresource === a.subresource) &&
        (m.namespace === undefined || m.namespace === a.namespace) &&
        (m.name === undefined || m.name === a.name)
      ) {
        if (--inj.times <= 0) this.injected.splice(i, 1);
        throw inj.error;
      }
    }
  }

  private nsFor(info: ResourceInfo, namespace: string | undefined): string | undefined {
    if (!info.namespaced) return undefined;
    if (!namespace) throw errors.badRequest('an empty namespace may not be set during creation');
    return namespace;
  }

  private keyFor(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return info.namespaced && namespace ? `${namespace}/${name}` : name;
  }

  private mustGet(info: ResourceInfo, namespace: string | undefined, name: string): Obj {
    const o = this.store(info).get(this.keyFor(info, namespace, name));
    if (!o) throw errors.notFound(info.plural, info.group, name);
    return o;
  }

  private conflict(info: ResourceInfo, name: string): KubeError {
    return errors.conflict(
      info.plural,
      info.group,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }

  private emit(info: ResourceInfo, type: HistoryEntry['type'], object: Obj, prev?: Obj): void {
    const entry: HistoryEntry = { rv: this.rv, resKey: resKeyOf(info), type, object: clone(object), prev: prev && clone(prev) };
    this.history.push(entry);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.shift()!;
      this.compactedRv = dropped.rv;
    }
    for (const w of this.watchers) {
      if (w.resKey !== entry.resKey) continue;
      const ev = this.eventFor(w, entry);
      if (ev) this.push(w, ev);
    }
  }

  private matches(w: Watcher, o: Obj | undefined): boolean {
    if (!o) return false;
    if (w.namespace && o.metadata?.namespace !== w.namespace) return false;
    return w.labels.matches(o.metadata?.labels) && matchesFields(w.fields, o);
  }

  /** The event a watcher sees for a change, given its selectors (as the watch cache's filtering). */
  private eventFor(w: Watcher, e: HistoryEntry): WatchEvent | undefined {
    const cur = this.matches(w, e.object);
    if (e.type === 'ADDED') return cur ? { type: 'ADDED', object: clone(e.object) } : undefined;
    if (e.type === 'DELETED') return cur ? { type: 'DELETED', object: clone(e.object) } : undefined;
    const was = e.prev ? this.matches(w, e.prev) : cur;
    if (was && cur) return { type: 'MODIFIED', object: clone(e.object) };
    if (!was && cur) return { type: 'ADDED', object: clone(e.object) };
    if (was && !cur) {
      const old = clone(e.prev!);
      old.metadata.resourceVersion = e.object.metadata.resourceVersion;
      return { type: 'DELETED', object: old };
    }
    return undefined;
  }

  private push(w: Watcher, ev: WatchEvent): void {
    if (w.closed || w.closing) return;
    w.pending.push(ev);
    if (w.scheduled) return;
    w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      while (w.pending.length && !w.closed) {
        const next = w.pending.shift()!;
        try {
          w.onEvent(next);
        } catch {
          /* a handler error must not break the fake */
        }
      }
    });
  }

  private endWatch(w: Watcher, err?: unknown): void {
    if (w.closed || w.closing) return;
    w.closing = true;
    // Let queued events go out first, then end the stream.
    const finish = () => {
      if (w.closed) return;
      if (w.pending.length) {
        queueMicrotask(finish);
        return;
      }
      w.closed = true;
      this.watchers.delete(w);
      if (w.timer) clearTimeout(w.timer);
      w.finish(err);
    };
    queueMicrotask(finish);
  }

  /** Store a new object (shared by create, seed and apply-create). */
  private doCreate(info: ResourceInfo, namespace: string | undefined, obj: Obj, opts: WriteOptions): Obj {
    obj.metadata ??= {};
    const meta = obj.metadata;
    let ns: string | undefined;
    if (info.namespaced) {
      if (namespace && meta.namespace && namespace !== meta.namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      ns = this.nsFor(info, namespace ?? meta.namespace);
      meta.namespace = ns;
    } else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    if (!meta.name) {
      throw errors.invalid(info.kind, info.group, '', [
        { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
      ]);
    }
    const store = this.store(info);
    const key = this.keyFor(info, ns, meta.name);
    if (store.has(key)) throw errors.alreadyExists(info.plural, info.group, meta.name);
    obj.apiVersion = apiVersionOf(info);
    obj.kind = info.kind;
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (opts.dryRun) {
      meta.resourceVersion = '';
      return clone(obj);
    }
    this.rv++;
    meta.resourceVersion = String(this.rv);
    store.set(key, obj);
    this.emit(info, 'ADDED', obj);
    return clone(obj);
  }

  /** Write a changed version of an existing object (update, patch, status, scale, bind). */
  private commit(info: ResourceInfo, existing: Obj, next: Obj, opts: WriteOptions = {}): Obj {
    const meta = next.metadata;
    // Fields the server owns.
    next.apiVersion = apiVersionOf(info);
    next.kind = info.kind;
    meta.name = existing.metadata.name;
    if (info.namespaced) meta.namespace = existing.metadata.namespace;
    meta.uid = existing.metadata.uid;
    meta.creationTimestamp = existing.metadata.creationTimestamp;
    if (existing.metadata.deletionTimestamp) {
      meta.deletionTimestamp = existing.metadata.deletionTimestamp;
      if (existing.metadata.deletionGracePeriodSeconds !== undefined)
        meta.deletionGracePeriodSeconds = existing.metadata.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    meta.generation = existing.metadata.generation ?? 1;
    if (specPart(next) !== specPart(existing)) meta.generation++;
    meta.resourceVersion = existing.metadata.resourceVersion;
    if (withoutVolatile(next) === withoutVolatile(existing)) return clone(existing); // no-op
    if (opts.dryRun) return clone(next);
    const key = objectKey(existing);
    // Removing the last finalizer of a terminating object (grace period over) deletes it.
    if (meta.deletionTimestamp && !(meta.finalizers?.length > 0) && (meta.deletionGracePeriodSeconds ?? 0) === 0) {
      this.rv++;
      meta.resourceVersion = String(this.rv);
      this.store(info).delete(key);
      this.emit(info, 'DELETED', next);
      return clone(next);
    }
    this.rv++;
    meta.resourceVersion = String(this.rv);
    this.store(info).set(key, next);
    this.emit(info, 'MODIFIED', next, existing);
    return clone(next);
  }

  private checkRv(info: ResourceInfo, existing: Obj, given: unknown): void {
    if (given && given !== existing.metadata.resourceVersion) throw this.conflict(info, existing.metadata.name);
  }

  private removeObject(info: ResourceInfo, existing: Obj): Obj {
    this.rv++;
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(this.rv);
    this.store(info).delete(objectKey(existing));
    this.emit(info, 'DELETED', gone);
    return gone;
  }

  private doDelete(info: ResourceInfo, existing: Obj, opts: DeleteOptions = {}): Obj {
    const meta = existing.metadata;
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw errors.conflict(info.plural, info.group, meta.name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw errors.conflict(
        info.plural,
        info.group,
        meta.name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
      );
    }
    if (opts.dryRun) return clone(existing);
    const isPod = info.group === '' && info.plural === 'pods';
    const grace =
      opts.gracePeriodSeconds ?? (isPod ? (existing.spec?.terminationGracePeriodSeconds ?? 30) : 0);
    const graceful = isPod && this.gracefulPodDeletion && !!existing.spec?.nodeName && grace > 0 &&
      !['Succeeded', 'Failed'].includes(existing.status?.phase);
    if (meta.finalizers?.length > 0 || graceful) {
      if (meta.deletionTimestamp && !graceful) return clone(existing);
      const next = clone(existing);
      const now = this.now();
      if (!next.metadata.deletionTimestamp || graceful) {
        next.metadata.deletionTimestamp = rfc3339(new Date(now.getTime() + (graceful ? grace * 1000 : 0)));
        next.metadata.deletionGracePeriodSeconds = graceful ? grace : 0;
      }
      this.rv++;
      next.metadata.resourceVersion = String(this.rv);
      this.store(info).set(objectKey(existing), next);
      this.emit(info, 'MODIFIED', next, existing);
      return clone(next);
    }
    return this.removeObject(info, existing);
  }

  private filtered(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Obj[] {
    const labels = parseLabelSelector(opts.labelSelector ?? '');
    const fields = (opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : FieldSelector.everything());
    const out: Obj[] = [];
    for (const [key, o] of [...this.store(info).entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      void key;
      if (info.namespaced && namespace && o.metadata.namespace !== namespace) continue;
      if (!labels.matches(o.metadata.labels) || !matchesFields(fields, o)) continue;
      out.push(o);
    }
    return out;
  }

  // -- ApiClient -------------------------------------------------------------------------------

  async get<T = any>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T> {
    this.record({ verb: 'get', resource: info.plural, group: info.group, namespace, name });
    return clone(this.mustGet(info, namespace, name)) as T;
  }

  async list<T = any>(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult<T>> {
    this.record({ verb: 'list', resource: info.plural, group: info.group, namespace, options: opts });
    let all = this.filtered(info, namespace, opts);
    if (opts.continue) {
      let tok: { rv: number; start: string };
      try {
        tok = JSON.parse(Buffer.from(opts.continue, 'base64url').toString('utf8'));
      } catch {
        throw errors.badRequest('continue key is not valid: illegal base64 data');
      }
      if (tok.rv < this.compactedRv) {
        throw errors.gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      all = all.filter((o) => objectKey(o) > tok.start);
    }
    const rv = String(this.rv);
    let items = all;
    let cont: string | undefined;
    let remaining: number | undefined;
    if (opts.limit && opts.limit > 0 && all.length > opts.limit) {
      items = all.slice(0, opts.limit);
      cont = Buffer.from(JSON.stringify({ rv: this.rv, start: objectKey(items[items.length - 1]!) })).toString('base64url');
      remaining = all.length - opts.limit;
    }
    const metadata: ListResult<T>['metadata'] = { resourceVersion: rv };
    if (cont) {
      metadata.continue = cont;
      metadata.remainingItemCount = remaining;
    }
    return { apiVersion: apiVersionOf(info), kind: `${info.kind}List`, items: items.map((o) => clone(o) as T), metadata };
  }

  listAll<T = any>(info: ResourceInfo, namespace: string | undefined, opts?: ListOptions): Promise<ListResult<T>> {
    return listAllPages((o) => this.list<T>(info, namespace, o), opts);
  }

  async create<T = any>(info: ResourceInfo, namespace: string | undefined, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    const ns = namespace ?? (obj as Obj)?.metadata?.namespace;
    this.record({ verb: 'create', resource: info.plural, group: info.group, namespace: ns, name: (obj as Obj)?.metadata?.name, object: clone(obj) });
    return this.doCreate(info, namespace, clone(obj) as Obj, opts) as T;
  }

  async update<T = any>(info: ResourceInfo, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    const { name, namespace } = metaOf(obj);
    this.record({ verb: 'update', resource: info.plural, group: info.group, namespace, name, object: clone(obj) });
    const existing = this.mustGet(info, namespace, name);
    this.checkRv(info, existing, (obj as Obj).metadata.resourceVersion);
    const next = clone(obj) as Obj;
    if (info.subresources.includes('status')) {
      if (existing.status === undefined) delete next.status;
      else next.status = clone(existing.status);
    }
    return this.commit(info, existing, next, opts) as T;
  }

  async updateStatus<T = any>(info: ResourceInfo, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    const { name, namespace } = metaOf(obj);
    this.record({ verb: 'update', resource: info.plural, group: info.group, namespace, name, subresource: 'status', object: clone(obj) });
    const existing = this.mustGet(info, namespace, name);
    this.checkRv(info, existing, (obj as Obj).metadata.resourceVersion);
    const next = clone(existing);
    next.status = clone((obj as Obj).status);
    return this.commit(info, existing, next, opts) as T;
  }

  async patch<T = any>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType,
    opts: PatchOptions = {},
  ): Promise<T> {
    this.record({
      verb: 'patch',
      resource: info.plural,
      group: info.group,
      namespace,
      name,
      subresource: opts.subresource,
      patch: clone(patch),
      patchType: type,
    });
    const body = typeof patch === 'string' ? (JSON.parse(patch) as unknown) : patch;
    const key = this.keyFor(info, namespace, name);
    const existing = this.store(info).get(key);
    if (!existing) {
      if (type === 'apply' && !opts.subresource) {
        const obj = clone(body) as Obj;
        obj.metadata = { ...(obj.metadata ?? {}), name };
        return this.doCreate(info, namespace, obj, opts) as T;
      }
      throw errors.notFound(info.plural, info.group, name);
    }
    const patched = (
      type === 'json'
        ? applyJsonPatch(existing, body)
        : type === 'merge'
          ? applyMergePatch(existing, body)
          : applyStrategicMergePatch(existing, body, patchMetaResolver(apiVersionOf(info), info.kind))
    ) as Obj;
    if (!patched || typeof patched !== 'object' || !patched.metadata) throw errors.badRequest('patch removed the object metadata');
    this.checkRv(info, existing, patched.metadata.resourceVersion);
    let next: Obj;
    if (opts.subresource === 'status') {
      next = clone(existing);
      next.status = patched.status;
    } else if (opts.subresource) {
      throw errors.badRequest(`patching subresource ${opts.subresource} is not supported by the fake client`);
    } else {
      next = patched;
      if (info.subresources.includes('status')) {
        if (existing.status === undefined) delete next.status;
        else next.status = clone(existing.status);
      }
    }
    return this.commit(info, existing, next, opts) as T;
  }

  async delete(info: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<unknown> {
    this.record({ verb: 'delete', resource: info.plural, group: info.group, namespace, name, options: opts });
    return this.doDelete(info, this.mustGet(info, namespace, name), opts);
  }

  async deleteCollection(
    info: ResourceInfo,
    namespace: string | undefined,
    listOpts?: ListOptions,
    opts?: DeleteOptions,
  ): Promise<unknown> {
    this.record({ verb: 'deletecollection', resource: info.plural, group: info.group, namespace, options: { listOpts, opts } });
    const items = this.filtered(info, namespace, listOpts).map((o) => this.doDelete(info, o, opts));
    return { apiVersion: apiVersionOf(info), kind: `${info.kind}List`, metadata: { resourceVersion: String(this.rv) }, items };
  }

  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    const pods = podsResource();
    const body = bindingBody(namespace, podName, nodeName, podUid);
    this.record({ verb: 'create', resource: 'pods', group: '', namespace, name: podName, subresource: 'binding', object: body });
    const pod = this.mustGet(pods, namespace, podName);
    if (podUid && pod.metadata.uid !== podUid) {
      throw errors.conflict('pods', '', podName, `Precondition failed: UID in precondition: ${podUid}, UID in object meta: ${pod.metadata.uid}`);
    }
    if (pod.metadata.deletionTimestamp) {
      throw errors.conflict('pods/binding', '', podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
    }
    if (pod.spec?.nodeName) {
      throw errors.conflict('pods/binding', '', podName, `pod ${podName} is already assigned to node "${pod.spec.nodeName}"`);
    }
    const next = clone(pod);
    next.spec = { ...(next.spec ?? {}), nodeName };
    next.status ??= {};
    const conds: Obj[] = (next.status.conditions ?? []).filter((c: Obj) => c.type !== 'PodScheduled');
    conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(this.now()) });
    next.status.conditions = conds;
    this.commit(pods, pod, next);
  }

  async evict(namespace: string, name: string, opts?: DeleteOptions): Promise<void> {
    const pods = podsResource();
    this.record({
      verb: 'create',
      resource: 'pods',
      group: '',
      namespace,
      name,
      subresource: 'eviction',
      object: evictionBody(namespace, name, opts),
    });
    this.doDelete(pods, this.mustGet(pods, namespace, name), opts);
  }

  private scaleOf(info: ResourceInfo, o: Obj): Obj {
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: {
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: { replicas: o.spec?.replicas ?? 0 },
      status: {
        replicas: o.status?.replicas ?? 0,
        selector: scaleSelector(o.spec?.selector as LabelSelectorSpec | undefined),
      },
    };
  }

  async getSubresource<T = any>(info: ResourceInfo, namespace: string | undefined, name: string, subresource: string): Promise<T> {
    this.record({ verb: 'get', resource: info.plural, group: info.group, namespace, name, subresource });
    const o = this.mustGet(info, namespace, name);
    if (subresource === 'status') return clone(o) as T;
    if (subresource === 'scale' && info.subresources.includes('scale')) return this.scaleOf(info, o) as T;
    throw new KubeError('NotFound', 'the server could not find the requested resource');
  }

  async updateSubresource<T = any>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    subresource: string,
    obj: unknown,
  ): Promise<T> {
    if (subresource === 'status') return this.updateStatus<T>(info, obj as T);
    this.record({ verb: 'update', resource: info.plural, group: info.group, namespace, name, subresource, object: clone(obj) });
    const o = this.mustGet(info, namespace, name);
    if (subresource !== 'scale' || !info.subresources.includes('scale')) {
      throw new KubeError('NotFound', 'the server could not find the requested resource');
    }
    const scale = obj as Obj;
    this.checkRv(info, o, scale?.metadata?.resourceVersion);
    const next = clone(o);
    next.spec = { ...(next.spec ?? {}), replicas: scale?.spec?.replicas ?? 0 };
    const saved = this.commit(info, o, next);
    return this.scaleOf(info, saved) as T;
  }

  watch<T = any>(
    info: ResourceInfo,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void,
  ): WatchHandle {
    let failNow: unknown;
    try {
      this.record({ verb: 'watch', resource: info.plural, group: info.group, namespace, options: opts });
    } catch (e) {
      failNow = e;
    }
    let finish!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = (err) => (err ? reject(err) : resolve());
    });
    if (failNow) {
      finish(failNow);
      return { done, stop() {} };
    }
    let labels: LabelSelector;
    let fields: FieldSelector;
    try {
      labels = parseLabelSelector(opts.labelSelector ?? '');
      fields = (opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : FieldSelector.everything());
    } catch (e) {
      finish(e instanceof KubeError ? e : errors.badRequest((e as Error).message));
      return { done, stop() {} };
    }
    const w: Watcher = {
      resKey: resKeyOf(info),
      info,
      namespace: info.namespaced ? namespace : undefined,
      labels,
      fields,
      bookmarks: !!opts.allowWatchBookmarks,
      onEvent: onEvent as (ev: WatchEvent) => void,
      pending: [],
      scheduled: false,
      closing: false,
      closed: false,
      finish,
    };
    this.watchers.add(w);
    const rvStr = opts.resourceVersion;
    if (!rvStr || rvStr === '0') {
      // "Get state and start at most recent": synthetic ADDED for what exists now.
      for (const o of this.filtered(info, w.namespace, opts)) this.push(w, { type: 'ADDED', object: clone(o) });
    } else {
      const from = Number(rvStr);
      if (!Number.isFinite(from)) {
        this.watchers.delete(w);
        finish(errors.badRequest(`resourceVersion: Invalid value: "${rvStr}": strconv.ParseUint: parsing "${rvStr}": invalid syntax`));
        return { done, stop() {} };
      }
      if (from < this.compactedRv) {
        this.push(w, {
          type: 'ERROR',
          object: errors.gone(`too old resource version: ${from} (${this.compactedRv})`).toStatus(),
        });
        this.endWatch(w);
      } else {
        for (const e of this.history) {
          if (e.rv <= from || e.resKey !== w.resKey) continue;
          const ev = this.eventFor(w, e);
          if (ev) this.push(w, ev);
        }
      }
    }
    if (opts.timeoutSeconds && opts.timeoutSeconds > 0) {
      w.timer = setTimeout(() => this.endWatch(w), opts.timeoutSeconds * 1000);
      w.timer.unref?.();
    }
    return {
      done,
      stop: () => {
        if (w.closed) return;
        w.closed = true;
        this.watchers.delete(w);
        if (w.timer) clearTimeout(w.timer);
        finish();
      },
    };
  }
}

export type { WatchEventType };
