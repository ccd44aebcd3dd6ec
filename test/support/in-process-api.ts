/**
 * InProcessApi: the API of unit tests. Every call goes to the real API server's registry running in
 * this process over the memory storage backend (control-plane/apiserver/in-process-client.ts: the
 * same stores, strategies, resource hooks and watch cache as `kubelab apiserver`, no sockets), and
 * this wrapper records it, can make it fail, and gives tests the helpers they need:
 *
 *   const api = new InProcessApi();
 *   await api.seed(R.pods, pod1, pod2);                  // fixtures, no action recorded
 *   await ctl.processKey('default/web');                 // drive a controller step by step
 *   expect(api.actionsFor('create', 'pods')).toHaveLength(1);
 *   api.peek(R.pods, 'default', 'web');                  // what the server holds now (sync)
 *   api.injectError({ verb: 'create', resource: 'pods' }, new KubeError('Conflict', '...'));
 *   await api.compact(); api.breakWatches(); api.sendBookmarks();   // informers' error paths
 *
 * Fixtures (`seed`) are written as the server's own writes are: server-owned metadata, defaulting and
 * the resource hooks apply, validation does not, the status given is kept, and a missing namespace is
 * created. Everything the code under test sends is validated as by the real server.
 */
import { KubeError } from '../../api/errors.js';
import { storageKey, type ResourceInfo } from '../../api/resources.js';
import {
  bindingBody,
  evictionBody,
  listAllPages,
  unavailable,
  withTypeMeta,
  type ApiClient,
  type DeleteOptions,
  type ListOptions,
  type ListResult,
  type PatchOptions,
  type PatchType,
  type WatchEvent,
  type WatchHandle,
  type WatchOptions,
  type WriteOptions,
} from '../../api/client/api-client.js';
import { InProcessClient, type InProcessClientOptions } from '../../control-plane/apiserver/in-process-client.js';
import { deepEqual } from '../../api/values.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** One call, as the test sees it. */
export interface ApiAction {
  verb: Verb;
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

/** Which calls an injected error hits (unset fields match anything). */
export interface ErrorMatch {
  verb?: Verb;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

interface Watch {
  info: ResourceInfo;
  inner: WatchHandle;
  onEvent: (ev: WatchEvent) => void;
  closed: boolean;
  finish(err?: unknown): void;
}

const copy = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export class InProcessApi implements ApiClient {
  /** Every call, in order. */
  readonly actions: ApiAction[] = [];
  /** The client every call goes to (its `server` is the ApiServer, its `backend` the memory backend). */
  readonly client: InProcessClient;
  private readonly injected: { match: ErrorMatch; error: KubeError; times: number }[] = [];
  private readonly watches = new Set<Watch>();

  constructor(opts: InProcessClientOptions = {}) {
    this.client = new InProcessClient(opts);
  }

  // -- fixtures and reads (not recorded) -------------------------------------------------------

  /**
   * Store objects as fixtures (see the file comment); watchers see them arrive. A status the create
   * reset (a pod's becomes Pending) is written back in a second write, as its kubelet or controller
   * would have. Returns the stored objects.
   */
  async seed<T = any>(info: ResourceInfo, ...objs: T[]): Promise<T[]> {
    await this.client.ready();
    const store = this.client.store(info);
    const out: T[] = [];
    for (const o of objs) {
      const obj = copy(withTypeMeta(info, o)) as Record<string, any>;
      const ns: string | undefined = info.namespaced ? obj.metadata?.namespace : undefined;
      if (info.namespaced && !ns) throw new KubeError('BadRequest', `seed: a ${info.kind} needs metadata.namespace`);
      if (ns) await this.ensureNamespace(ns);
      let stored = await store.create(ns, obj, { skipValidation: true });
      if (obj.status !== undefined && !deepEqual(stored.status, obj.status)) {
        // Create reset the status (as for pods): write the fixture's, as its controller or kubelet would have.
        stored = await store.systemUpdate(ns, stored.metadata.name ?? '', (cur) => ({ ...cur, status: obj.status }));
      }
      out.push(copy(stored) as T);
    }
    return out;
  }

  private async ensureNamespace(name: string): Promise<void> {
    const namespaces = this.client.server.store('', 'namespaces');
    if (namespaces.cache.peek(namespaces.key(undefined, name)) || (await namespaces.tryGet(undefined, name))) return;
    await namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch((e: unknown) => {
      if (!(e instanceof KubeError && e.reason === 'AlreadyExists')) throw e;
    });
  }

  /** The objects the server holds now (copies, from its watch cache), optionally of one namespace. */
  objects<T = any>(info: ResourceInfo, namespace?: string): T[] {
    return this.client.store(info).cache.list(namespace).map((o) => copy(o.obj) as T);
  }

  /** One object the server holds now (a copy) or undefined. */
  peek<T = any>(info: ResourceInfo, namespace: string | undefined, name: string): T | undefined {
    const o = this.client.store(info).cache.peek(storageKey(info, namespace, name));
    return o === undefined ? undefined : (copy(o) as T);
  }

  /** The storage revision now: what a list answers as its resourceVersion. */
  async resourceVersion(): Promise<string> {
    return String(await this.client.backend.currentRevision());
  }

  // -- the record ------------------------------------------------------------------------------

  /** Actions filtered by verb (and resource plural / subresource). */
  actionsFor(verb: Verb, resource?: string, subresource?: string): ApiAction[] {
    return this.actions.filter(
      (a) => a.verb === verb && (resource === undefined || a.resource === resource) && (subresource === undefined || a.subresource === subresource),
    );
  }

  /** Actions that change something (not get / list / watch). */
  writes(): ApiAction[] {
    return this.actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch');
  }

  clearActions(): void {
    this.actions.length = 0;
  }

  /** Make the next `times` matching calls fail with `error` (before they reach the server). */
  injectError(match: ErrorMatch, error: KubeError, times = 1): void {
    this.injected.push({ match, error, times });
  }

  private record(a: ApiAction): void {
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

  // -- watch streams ---------------------------------------------------------------------------

  /**
   * Forget history up to now, in storage and in every watch cache: a watch from an older
   * resourceVersion gets a 410 ERROR event, a continue token from before is 410.
   */
  async compact(): Promise<void> {
    const rev = await this.client.backend.currentRevision();
    await this.client.backend.compact(rev);
    for (const s of this.client.server.stores.values()) s.cache.compact(rev);
  }

  /** Send a BOOKMARK now to every watch that allowed bookmarks. */
  sendBookmarks(): void {
    this.client.sendBookmarks();
  }

  /** End every watch stream normally (as a server timeout). */
  closeWatches(): void {
    for (const w of [...this.watches]) w.finish();
  }

  /** Break every watch stream (as a lost connection): their `done` rejects with ERR_UNAVAILABLE. */
  breakWatches(): void {
    for (const w of [...this.watches]) w.finish(unavailable('watch stream broken (test)'));
  }

  /** Send an ERROR event with the given Status to every watch of a resource, then end them. */
  sendWatchError(info: ResourceInfo, error: KubeError): void {
    for (const w of [...this.watches]) {
      if (w.info !== info) continue;
      w.onEvent({ type: 'ERROR', object: error.toStatus() });
      w.finish();
    }
  }

  /** Watches the server is serving now (registered with their watch cache), of one resource or all. */
  watcherCount(info?: ResourceInfo): number {
    return this.client.watcherCount(info);
  }

  // -- ApiClient: record, then the real server answers -----------------------------------------

  async get<T = any>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T> {
    this.record({ verb: 'get', resource: info.plural, group: info.group, namespace, name });
    return this.client.get<T>(info, namespace, name);
  }

  async list<T = any>(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult<T>> {
    this.record({ verb: 'list', resource: info.plural, group: info.group, namespace, options: opts });
    return this.client.list<T>(info, namespace, opts);
  }

  async listAll<T = any>(info: ResourceInfo, namespace: string | undefined, opts?: ListOptions): Promise<ListResult<T>> {
    // Each page is a recorded list, as with KubeClient.
    return listAllPages((o) => this.list<T>(info, namespace, o), opts);
  }

  async create<T = any>(info: ResourceInfo, namespace: string | undefined, obj: NoInfer<T>, opts?: WriteOptions): Promise<T> {
    const meta = (obj as { metadata?: { name?: string; namespace?: string } } | null)?.metadata;
    this.record({ verb: 'create', resource: info.plural, group: info.group, namespace: namespace ?? meta?.namespace, name: meta?.name, object: copy(obj) });
    return this.client.create<T>(info, namespace, obj, opts);
  }

  async update<T = any>(info: ResourceInfo, obj: NoInfer<T>, opts?: WriteOptions): Promise<T> {
    const meta = (obj as { metadata?: { name?: string; namespace?: string } } | null)?.metadata;
    this.record({ verb: 'update', resource: info.plural, group: info.group, namespace: meta?.namespace, name: meta?.name, object: copy(obj) });
    return this.client.update<T>(info, obj, opts);
  }

  async updateStatus<T = any>(info: ResourceInfo, obj: NoInfer<T>, opts?: WriteOptions): Promise<T> {
    const meta = (obj as { metadata?: { name?: string; namespace?: string } } | null)?.metadata;
    this.record({ verb: 'update', resource: info.plural, group: info.group, namespace: meta?.namespace, name: meta?.name, subresource: 'status', object: copy(obj) });
    return this.client.updateStatus<T>(info, obj, opts);
  }

  async patch<T = any>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType,
    opts: PatchOptions = {},
  ): Promise<T> {
    this.record({ verb: 'patch', resource: info.plural, group: info.group, namespace, name, subresource: opts.subresource, patch: copy(patch), patchType: type });
    return this.client.patch<T>(info, namespace, name, patch, type, opts);
  }

  async delete(info: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<unknown> {
    this.record({ verb: 'delete', resource: info.plural, group: info.group, namespace, name, options: opts });
    return this.client.delete(info, namespace, name, opts);
  }

  async deleteCollection(info: ResourceInfo, namespace: string | undefined, listOpts?: ListOptions, opts?: DeleteOptions): Promise<unknown> {
    this.record({ verb: 'deletecollection', resource: info.plural, group: info.group, namespace, options: { listOpts, opts } });
    return this.client.deleteCollection(info, namespace, listOpts, opts);
  }

  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    this.record({ verb: 'create', resource: 'pods', group: '', namespace, name: podName, subresource: 'binding', object: bindingBody(namespace, podName, nodeName, podUid) });
    return this.client.bind(namespace, podName, nodeName, podUid);
  }

  async evict(namespace: string, name: string, opts?: DeleteOptions): Promise<void> {
    this.record({ verb: 'create', resource: 'pods', group: '', namespace, name, subresource: 'eviction', object: evictionBody(namespace, name, opts) });
    return this.client.evict(namespace, name, opts);
  }

  async getSubresource<T = any>(info: ResourceInfo, namespace: string | undefined, name: string, subresource: string): Promise<T> {
    this.record({ verb: 'get', resource: info.plural, group: info.group, namespace, name, subresource });
    return this.client.getSubresource<T>(info, namespace, name, subresource);
  }

  async updateSubresource<T = any>(info: ResourceInfo, namespace: string | undefined, name: string, subresource: string, obj: unknown): Promise<T> {
    this.record({ verb: 'update', resource: info.plural, group: info.group, namespace, name, subresource, object: copy(obj) });
    return this.client.updateSubresource<T>(info, namespace, name, subresource, obj);
  }

  watch<T = any>(info: ResourceInfo, namespace: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    let finish!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = (err) => (err ? reject(err) : resolve());
    });
    try {
      this.record({ verb: 'watch', resource: info.plural, group: info.group, namespace, options: opts });
    } catch (e) {
      finish(e);
      return { done, stop() {} };
    }
    const w: Watch = {
      info,
      onEvent: onEvent as (ev: WatchEvent) => void,
      closed: false,
      inner: this.client.watch<T>(info, namespace, opts, (ev) => {
        if (!w.closed) onEvent(ev);
      }),
      finish: (err) => {
        if (w.closed) return;
        w.closed = true;
        this.watches.delete(w);
        w.inner.stop();
        finish(err);
      },
    };
    this.watches.add(w);
    w.inner.done.then(
      () => w.finish(),
      (e: unknown) => w.finish(e),
    );
    return { done, stop: () => w.finish() };
  }
}
