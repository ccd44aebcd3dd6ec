/**
 * InProcessClient: an `ApiClient` served by a real API server in this process, with no HTTP. It
 * builds an `ApiServer` (every resource's Store, strategy and resource hooks, the service range
 * allocators, the watch caches) over a storage Backend, the memory one by default, and answers each
 * call as the server's handlers answer the same request once its body is decoded: the same
 * defaulting, validation, generation, resourceVersions, 409/404/422s, finalizers, graceful pod
 * deletion, bindings and evictions, scale, and watches fed by the watch cache. Creates, updates, patches
 * and status writes pass the server's admission chain (as a cluster admin: Priority resolves a pod's priority,
 * NodeRestriction concerns only nodes). What the HTTP layer adds (authentication, authorization, Tables,
 * protobuf) is not here: calls act as a cluster admin.
 *
 * Values cross as they would cross the wire: bodies and answers are copied through JSON and
 * errors are rebuilt from their Status, so a caller never shares an object with the server.
 * Unit tests use it through test/support/in-process-api.ts (which records the calls); benchmarks
 * use it to measure the controllers against the real registry without sockets.
 */
import { KubeError, errors } from '../../api/errors.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import { registeredKind } from '../../api/kinds/registry.js';
import {
  PATCH_CONTENT_TYPES,
  bindingBody,
  deleteOptionsBody,
  evictionBody,
  listAllPages,
  metaOf,
  podsResource,
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
import { watchFromRevision } from './watch-handler.js';
import { evictPod } from './eviction.js';
import { applyToObject } from './field-manager.js';
import { fieldManagerCauses } from '../../api/managedfields/field-manager.js';
import type { Backend } from '../storage/backend.js';
import { MemoryBackend } from '../storage/memory-backend.js';
import { Authenticator, type UserInfo } from './authn.js';
import type { AdmissionPlugin } from './admission.js';
import { ADMISSION_PLUGINS } from './admission-plugins.js';
import { SERVICE_ACCOUNT } from './admission-serviceaccount.js';
import { SYSTEM_NAMESPACES, bootstrapSystemPriorityClasses } from './bootstrap.js';
import { checkBodyStructure, checkKind, defaultTypeMeta } from './field-validation.js';
import { statusSuccess } from './http-util.js';
import { applyDecodedPatch, applyPatch, checkPatchedName, decodePatch, validatePatched } from './patch-handler.js';
import { finalizeNamespace } from './resource-hooks.js';
import { buildMatcher } from './selectors.js';
import { ApiServer, applyScale, storeKey, toScale } from './server.js';
import type { Admission, DeleteOptions as StoreDeleteOptions, Store } from './store.js';
import type { ApiObject } from './object-meta.js';
import type { KubeObject, Namespace, Relaxed } from '../../api/types/index.js';
import { serializedJson, type CacheEvent } from './watch-cache.js';

export interface InProcessClientOptions {
  /** Where objects are kept. Default: a new MemoryBackend. */
  backend?: Backend;
  /** --service-cluster-ip-range. Default 10.96.0.0/16, the lab's. */
  serviceClusterIPRange?: string;
  /** --service-node-port-range. Default 30000-32767. */
  serviceNodePortRange?: string;
  /** Namespaces created at start, as the API server's bootstrap does. Default: the system namespaces. */
  namespaces?: readonly string[];
  /** How often watches that allow bookmarks get one (the server's --bookmark interval). Default 60 s. */
  bookmarkIntervalMs?: number;
  /** A watch without timeoutSeconds ends after 1x..2x this (upstream --min-request-timeout). Default 1800. */
  minRequestTimeoutSeconds?: number;
  /**
   * The admission chain. Default: every plugin but ServiceAccount, as upstream's integration test servers
   * (nothing here makes the `default` service accounts a pod needs; pass ADMISSION_PLUGINS to have it).
   */
  admissionPlugins?: readonly AdmissionPlugin[];
}

/** The admission chain of test servers: upstream's integration framework runs with ServiceAccount disabled. */
export const TEST_ADMISSION_PLUGINS: readonly AdmissionPlugin[] = ADMISSION_PLUGINS.filter((p) => p.name !== SERVICE_ACCOUNT);

const SCALE = { group: 'autoscaling', version: 'v1', kind: 'Scale' } as const;

/** Who in-process calls are, for admission: a cluster admin. */
const IN_PROCESS_USER: UserInfo = { name: 'system:admin', groups: ['system:masters', 'system:authenticated'] };

/** A running watch, for bookmarks and close(). */
interface ActiveWatch {
  store: Store;
  bookmarks: boolean;
  lastRev: number;
  deliver(ev: WatchEvent): void;
  end(err?: unknown): void;
}

export class InProcessClient implements ApiClient {
  readonly backend: Backend;
  /** The API server whose registry answers (never listening: `start()` is not called). */
  readonly server: ApiServer;
  private readonly started: Promise<void>;
  private readonly watches = new Set<ActiveWatch>();
  private readonly bookmarkIntervalMs: number;
  private readonly minRequestTimeoutSeconds: number;

  constructor(opts: InProcessClientOptions = {}) {
    this.backend = opts.backend ?? new MemoryBackend();
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 60_000;
    this.minRequestTimeoutSeconds = opts.minRequestTimeoutSeconds ?? 1800;
    this.server = new ApiServer({
      backend: this.backend,
      serviceClusterIPRange: opts.serviceClusterIPRange ?? '10.96.0.0/16',
      serviceNodePortRange: opts.serviceNodePortRange ?? '30000-32767',
      // The HTTP side is never started: no address, certificate or credentials are used.
      bindAddress: '127.0.0.1',
      securePort: 0,
      advertiseAddress: '127.0.0.1',
      tlsCert: '',
      tlsKey: '',
      authenticator: new Authenticator(new Map()),
      admissionPlugins: opts.admissionPlugins ?? TEST_ADMISSION_PLUGINS,
    });
    this.started = this.start(opts.namespaces ?? SYSTEM_NAMESPACES);
    this.started.catch(() => undefined); // the first call reports it
  }

  /** Resolves when the watch caches are filled and the namespaces and system PriorityClasses exist (every call waits for it). */
  ready(): Promise<void> {
    return this.started;
  }

  private async start(namespaces: readonly string[]): Promise<void> {
    const ns = this.server.store('', 'namespaces');
    for (const name of namespaces) {
      await ns.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch((e: unknown) => {
        if (!(e instanceof KubeError && e.reason === 'AlreadyExists')) throw e;
      });
    }
    await bootstrapSystemPriorityClasses(this.server);
    // Warm the watch caches, as the server does before it serves.
    await Promise.all([...this.server.stores.values()].map((s) => s.cache.ready()));
  }

  /** The server's admission chain for one write, as a cluster admin. */
  private admissionFor(info: ResourceInfo, namespace: string | undefined, subresource: string, name: string, dryRun: boolean): Admission {
    return this.server.admission(IN_PROCESS_USER, { group: info.group, resource: info.plural, subresource, namespace: namespace ?? '', name }, dryRun);
  }

  /** The Store serving `info` (404 for a resource the server does not serve, as its router). */
  store(info: ResourceInfo): Store {
    const s = this.server.stores.get(storeKey(info.group, info.plural));
    if (!s || s.info.version !== info.version) throw notFoundPath();
    return s;
  }

  /** Send every watch that allows bookmarks one now (a tick of the bookmark timer). */
  sendBookmarks(): void {
    for (const w of this.watches) if (w.bookmarks) w.deliver(bookmark(w.store, Math.max(w.lastRev, w.store.cache.currentRevision)));
  }

  /** Watches registered with their watch cache now (of one resource, or all). */
  watcherCount(info?: ResourceInfo): number {
    let n = 0;
    for (const w of this.watches) if (!info || w.store.info === info) n++;
    return n;
  }

  /** End every watch and stop the watch caches. */
  close(): void {
    for (const w of [...this.watches]) w.end();
    for (const s of this.server.stores.values()) s.cache.stop();
  }

  // -- ApiClient -------------------------------------------------------------------------------

  get<T = unknown>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T> {
    return this.call(info, async (store) => store.get(objectNamespace(info, namespace), name));
  }

  list<T = unknown>(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult<T>> {
    return this.call(info, async (store) => {
      const ns = info.namespaced ? namespace || undefined : undefined;
      const matches = buildMatcher(store, opts.labelSelector || null, opts.fieldSelector || null);
      const limit = opts.limit ?? 0;
      const result = await store.list({
        ...(ns ? { namespace: ns } : {}),
        matches,
        ...(limit > 0 ? { limit } : {}),
        ...(opts.continue ? { continueToken: opts.continue } : {}),
        ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}),
        ...(opts.resourceVersionMatch ? { resourceVersionMatch: opts.resourceVersionMatch } : {}),
      });
      const metadata = { resourceVersion: result.resourceVersion, ...(result.continueToken ? { continue: result.continueToken } : {}) };
      return { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata, items: result.items };
    });
  }

  listAll<T = unknown>(info: ResourceInfo, namespace: string | undefined, opts?: ListOptions): Promise<ListResult<T>> {
    return listAllPages((o) => this.list<T>(info, namespace, o), opts);
  }

  create<T = unknown>(info: ResourceInfo, namespace: string | undefined, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    return this.call(info, async (store) => {
      const ns = info.namespaced ? (namespace ?? metadataOf(obj)?.namespace) || undefined : undefined;
      if (info.namespaced && !ns) throw notFoundPath();
      const body = wire(withTypeMeta(info, obj)) as ApiObject;
      defaultTypeMeta(body, apiVersionOf(info), info.kind);
      checkKind(body, apiVersionOf(info), info.kind);
      if (info.namespaced && body.metadata?.namespace && body.metadata.namespace !== ns) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      checkBodyStructure(body, null);
      const dryRun = opts.dryRun === true;
      return store.create(ns, body, { dryRun, admission: this.admissionFor(info, ns, '', body.metadata?.name ?? '', dryRun) });
    });
  }

  update<T = unknown>(info: ResourceInfo, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    return this.call(info, async (store) => {
      const { name, namespace } = metaOf(obj);
      const ns = objectNamespace(info, namespace);
      const body = wire(withTypeMeta(info, obj)) as ApiObject;
      defaultTypeMeta(body, apiVersionOf(info), info.kind);
      checkKind(body, apiVersionOf(info), info.kind);
      checkBodyStructure(body, null);
      const dryRun = opts.dryRun === true;
      const admission = this.admissionFor(info, ns, '', name, dryRun);
      if (registeredKind(info).definition.allowCreateOnUpdate === true && !(await store.tryGet(ns, name))) {
        body.metadata = { ...(body.metadata ?? {}), name };
        return store.create(ns, body, { dryRun, admission });
      }
      return store.update(ns, name, body, { dryRun, admission });
    });
  }

  updateStatus<T = unknown>(info: ResourceInfo, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    const { name, namespace } = metaOf(obj);
    return this.updateSubresource<T>(info, namespace, name, 'status', obj, opts);
  }

  patch<T = unknown>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType,
    opts: PatchOptions = {},
  ): Promise<T> {
    return this.call(info, async (store) => {
      const ns = objectNamespace(info, namespace);
      const sub = subresourceOf(info, opts.subresource);
      const ct = PATCH_CONTENT_TYPES[type];
      const raw = Buffer.from(typeof patch === 'string' ? patch : JSON.stringify(patch ?? null));
      const dryRun = opts.dryRun === true;
      const decoded = decodePatch(raw, ct);
      // As the HTTP handler: the patched object must still be this one, and is checked as upstream's patcher does.
      const manager = opts.fieldManager ?? '';
      if (type === 'apply' && manager === '') {
        throw errors.invalid('PatchOptions', 'meta.k8s.io', '', fieldManagerCauses(null, { apply: true }));
      }
      const patched = (cur: ApiObject): ApiObject => {
        const out = applyDecodedPatch(cur, decoded, info, (live, config) => applyToObject(store, sub, live, config, manager, opts.force === true).object);
        checkPatchedName(out, name, ns);
        return validatePatched(out, decoded, null, { apiVersion: apiVersionOf(info), kind: info.kind }).object;
      };
      const admission = this.admissionFor(info, ns, sub === 'scale' ? '' : sub, name, dryRun);
      switch (sub) {
        case '': {
          if (type === 'apply' && !(await store.tryGet(ns, name))) return store.create(ns, patched({}), { dryRun, admission });
          return store.guaranteedUpdate(ns, name, patched, { dryRun, admission });
        }
        case 'status':
          return store.guaranteedUpdate(ns, name, patched, { subresource: 'status', dryRun, admission });
        case 'scale':
          return toScale(store.info, await store.guaranteedUpdate(ns, name, (cur) => applyScale(store, cur, applyPatch(toScale(store.info, cur), raw, ct, SCALE), undefined), { dryRun }));
        default:
          throw methodNotAllowed(sub);
      }
    });
  }

  delete(info: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<unknown> {
    return this.call(info, async (store) => {
      const { obj, deleted } = await store.delete(objectNamespace(info, namespace), name, storeDeleteOptions(opts));
      // What the server answers: the object while it is held, or for kinds that return it (pods, namespaces), else a Status.
      if (!deleted || registeredKind(info).definition.returnDeletedObject === true) return obj;
      return statusSuccess({ name, group: info.group, kind: info.plural, uid: obj.metadata?.uid });
    });
  }

  deleteCollection(info: ResourceInfo, namespace: string | undefined, listOpts: ListOptions = {}, opts?: DeleteOptions): Promise<unknown> {
    return this.call(info, async (store) => {
      const ns = info.namespaced ? namespace || undefined : undefined;
      const matches = buildMatcher(store, listOpts.labelSelector || null, listOpts.fieldSelector || null);
      const result = await store.list({ ...(ns ? { namespace: ns } : {}), matches });
      const items: KubeObject[] = [];
      for (const o of result.items) {
        try {
          items.push((await store.delete(o.metadata.namespace, o.metadata.name ?? '', storeDeleteOptions(opts))).obj);
        } catch (e) {
          if (!(e instanceof KubeError && e.reason === 'NotFound')) throw e;
        }
      }
      return { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: {}, items };
    });
  }

  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    await this.call(podsResource(), () => this.server.bindPod(namespace, podName, wire(bindingBody(namespace, podName, nodeName, podUid)) as ApiObject));
  }

  async evict(namespace: string, name: string, opts?: DeleteOptions): Promise<void> {
    await this.call(podsResource(), async (store) => {
      const body = wire(evictionBody(namespace, name, opts)) as ApiObject;
      const answer = await evictPod({ pods: store, pdbs: this.server.store('policy', 'poddisruptionbudgets') }, namespace, name, (body.deleteOptions ?? {}) as StoreDeleteOptions, async () => undefined);
      // The one answer that is not a success yet no error either (upstream's 500 Status for several PDBs).
      if (answer.code !== 201) throw KubeError.fromStatus(answer.body, answer.code);
    });
  }

  getSubresource<T = unknown>(info: ResourceInfo, namespace: string | undefined, name: string, subresource: string): Promise<T> {
    return this.call(info, async (store) => {
      const ns = objectNamespace(info, namespace);
      switch (subresourceOf(info, subresource)) {
        case 'status':
          return store.get(ns, name);
        case 'scale':
          return toScale(store.info, await store.get(ns, name));
        default:
          throw methodNotAllowed(subresource);
      }
    });
  }

  updateSubresource<T = unknown>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    subresource: string,
    obj: unknown,
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.call(info, async (store) => {
      const ns = objectNamespace(info, namespace);
      const dryRun = opts.dryRun === true;
      switch (subresourceOf(info, subresource)) {
        case 'status': {
          const body = wire(withTypeMeta(info, obj)) as ApiObject;
          defaultTypeMeta(body, apiVersionOf(info), info.kind);
      checkKind(body, apiVersionOf(info), info.kind);
          checkBodyStructure(body, null);
          const rv = body.metadata?.resourceVersion;
          const admission = this.admissionFor(info, ns, 'status', name, dryRun);
          return store.guaranteedUpdate(ns, name, () => body, { subresource: 'status', dryRun, admission, ...(rv ? { expectedRV: String(rv) } : {}) });
        }
        case 'scale': {
          const scale = (wire(obj) ?? {}) as ApiObject;
          const out = await store.guaranteedUpdate(
            ns,
            name,
            (cur) => {
              if (scale.kind !== 'Scale') throw errors.badRequest('the object provided is unrecognized (must be of type Scale)');
              return applyScale(store, cur, scale, scale.metadata?.resourceVersion || undefined);
            },
            { dryRun },
          );
          return toScale(store.info, out);
        }
        case 'finalize':
          return finalizeNamespace(store, name, ((wire(obj) ?? {}) as Relaxed<Namespace>).spec?.finalizers ?? []);
        default:
          throw methodNotAllowed(subresource);
      }
    });
  }

  watch<T = unknown>(info: ResourceInfo, namespace: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    let stopped = false;
    let unregister: (() => void) | undefined;
    const timers: NodeJS.Timeout[] = [];
    let resolveDone!: () => void;
    let rejectDone!: (e: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    // Events reach the handler in order, each in a later microtask than the write that caused it, as
    // from a socket; the end of the stream comes after the events queued before it.
    const queue: ({ ev: WatchEvent } | { end: true; err?: unknown })[] = [];
    let draining = false;
    const finish = (err?: unknown): void => {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      unregister?.();
      if (w) this.watches.delete(w);
      if (err) rejectDone(toWireError(err));
      else resolveDone();
    };
    const drain = (): void => {
      draining = false;
      while (queue.length > 0 && !stopped) {
        const item = queue.shift()!;
        if ('end' in item) return finish(item.err);
        try {
          onEvent(item.ev as WatchEvent<T>);
        } catch {
          // the handler's own failure does not end the stream (KubeClient logs it)
        }
      }
    };
    const push = (item: (typeof queue)[number]): void => {
      if (stopped) return;
      queue.push(item);
      if (!draining) {
        draining = true;
        queueMicrotask(drain);
      }
    };
    let w: ActiveWatch | undefined;
    const deliver = (ev: WatchEvent): void => push({ ev });
    const end = (err?: unknown): void => push({ end: true, err });

    const begin = async (): Promise<void> => {
      await this.started;
      const store = this.store(info);
      const ns = info.namespaced ? namespace || undefined : undefined;
      const matches = buildMatcher(store, opts.labelSelector || null, opts.fieldSelector || null);
      const rvText = opts.resourceVersion ?? '';
      const fromRev = watchFromRevision(rvText);
      const active: ActiveWatch = { store, bookmarks: opts.allowWatchBookmarks === true, lastRev: fromRev, deliver, end };
      try {
        unregister = await store.cache.watch(
          fromRev,
          { ...(ns ? { namespace: ns } : {}), matches },
          {
            send: (type, ev) => {
              if (type === 'BOOKMARK') return;
              const ce = ev as CacheEvent;
              active.lastRev = Math.max(active.lastRev, ce.rev);
              deliver({ type, object: JSON.parse(serializedJson(ce.obj)) });
            },
            close: (err?: KubeError) => {
              if (err) deliver({ type: 'ERROR', object: wire(err.toStatus()) });
              end();
            },
          },
          // Legacy semantics: no resourceVersion (or "0") starts with ADDED events for what exists now.
          { initialEvents: fromRev === 0 },
        );
      } catch (e) {
        if (e instanceof KubeError && e.httpStatus === 410) {
          // As the server: the stream opens, then one ERROR event carries the 410 Status.
          deliver({ type: 'ERROR', object: wire(e.toStatus()) });
          end();
          return;
        }
        throw e;
      }
      if (stopped) {
        unregister();
        return;
      }
      active.lastRev = Math.max(active.lastRev, store.cache.currentRevision);
      w = active;
      this.watches.add(active);
      const timeoutS = opts.timeoutSeconds && opts.timeoutSeconds > 0 ? opts.timeoutSeconds : this.minRequestTimeoutSeconds * (1 + Math.random());
      timers.push(setTimeout(end, timeoutS * 1000).unref());
      if (active.bookmarks) {
        timers.push(setInterval(() => deliver(bookmark(store, Math.max(active.lastRev, store.cache.currentRevision))), this.bookmarkIntervalMs).unref());
      }
    };
    begin().catch((e: unknown) => finish(e));
    return { done, stop: () => finish() };
  }

  // -- internals -------------------------------------------------------------------------------

  /** One call: wait for the start, find the store, answer through JSON; errors as the wire gives them. */
  private async call<R>(info: ResourceInfo, f: (store: Store) => Promise<unknown>): Promise<R> {
    try {
      await this.started;
      return wire(await f(this.store(info))) as R;
    } catch (e) {
      throw toWireError(e);
    }
  }
}

/** A copy as JSON would carry it (undefined fields dropped); undefined stays undefined. Its type stays: API values are JSON. */
function wire<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** The error a client of the HTTP server would get: a KubeError rebuilt from the Status (500 for anything else). */
function toWireError(e: unknown): KubeError {
  const ke = e instanceof KubeError ? e : errors.internal(e instanceof Error ? e.message : String(e), e);
  return KubeError.fromStatus(wire(ke.toStatus()), ke.httpStatus);
}

function metadataOf(obj: unknown): { namespace?: string } | undefined {
  return (obj as { metadata?: { namespace?: string } } | null)?.metadata;
}

/** The namespace of a request naming one object: required for a namespaced resource (404 without, as the router). */
function objectNamespace(info: ResourceInfo, namespace: string | undefined): string | undefined {
  if (!info.namespaced) return undefined;
  if (!namespace) throw notFoundPath();
  return namespace;
}

/** '' for the object itself; a subresource the resource does not have is 404, as the router. */
function subresourceOf(info: ResourceInfo, subresource: string | undefined): string {
  if (!subresource) return '';
  if (!info.subresources.includes(subresource)) throw notFoundPath();
  return subresource;
}

/** The client's DeleteOptions as the server decodes them from the request body. */
function storeDeleteOptions(opts: DeleteOptions | undefined): StoreDeleteOptions {
  return (wire(deleteOptionsBody(opts)) ?? {}) as StoreDeleteOptions;
}

function bookmark(store: Store, rev: number): WatchEvent {
  return { type: 'BOOKMARK', object: { kind: store.info.kind, apiVersion: apiVersionOf(store.info), metadata: { resourceVersion: String(rev) } } };
}

function notFoundPath(): KubeError {
  return new KubeError('NotFound', 'the server could not find the requested resource', { details: {} });
}

function methodNotAllowed(subresource: string): KubeError {
  return errors.methodNotAllowed(`the server does not allow this method on the requested resource${subresource ? ' (' + subresource + ')' : ''}`);
}
