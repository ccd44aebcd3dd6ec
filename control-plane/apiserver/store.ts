/**
 * The generic registry store (upstream's genericregistry.Store): one per resource, written
 * against the storage Backend and a ResourceStrategy. It owns object semantics: uid, timestamps,
 * generation, resourceVersion = etcd revision, optimistic concurrency, finalizers and graceful deletion.
 */
import type { Backend, KeyValue, ListOptions as BackendListOptions, ListResult as BackendListResult } from '../storage/backend.js';
import { isStorageError } from '../storage/storage-error.js';
import { errors, KubeError, type StatusCause } from '../../api/errors.js';
import { apiVersionOf, storageKey, storagePrefix, type ResourceInfo } from '../../api/resources.js';
import type { ResourceStrategy } from '../../api/strategies/strategy.js';
import type { Requester, StorageConversion } from '../../api/kinds/descriptor.js';
import { identityTransformer, type Transformer } from './encryption.js';
import { WatchCache } from './watch-cache.js';
import { listReadError, UnreadableValueError } from './unreadable-value.js';
import { planListRead, requiredRevision, tooLargeResourceVersion, type ListReadPlan } from './list-read.js';
import { clone, deepEqual, isPlainObject } from '../../api/values.js';
import type { DeleteOptions as MetaDeleteOptions, KubeObject, Relaxed } from '../../api/types/index.js';
import { isApiObject, malformedTypeMeta } from './object-views.js';
import { asStored, generateName, gracefulDeletion, newUid, nowRfc3339, type ApiObject } from './object-meta.js';

/** A list page whose versions the watch cache lacks reads them one by one up to this many, else the page again with values. */
const MAX_SINGLE_VALUE_READS = 32;

/** Upstream's limit on what etcd stores (1.5 MiB). */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/** What a dry run (`?dryRun=All`) tells a hook: do everything but keep nothing. */
export interface HookOptions {
  dryRun?: boolean;
}

export interface StoreHooks {
  /** After defaulting and validation, before the write (allocate ClusterIPs/NodePorts); on a dry run too, keeping nothing. */
  beforeCreate?(obj: KubeObject, opts?: HookOptions): Promise<void>;
  /** The write failed: undo beforeCreate. */
  createFailed?(obj: KubeObject): Promise<void>;
  beforeUpdate?(obj: KubeObject, old: KubeObject, opts?: HookOptions): Promise<void>;
  updateFailed?(obj: KubeObject, old: KubeObject): Promise<void>;
  updateCommitted?(obj: KubeObject, old: KubeObject): Promise<void>;
  /** The object is gone from storage (release what it held). */
  afterDelete?(obj: KubeObject): Promise<void>;
  /** Graceful deletion: the grace period to wait, or undefined to delete now (default: the kind's strategy). */
  gracePeriod?(obj: KubeObject, requested: number | undefined): number | undefined;
  /** Namespace existence and termination checks for namespaced creates. */
  admitCreate?(obj: KubeObject): Promise<void>;
  /** Custom deletion (namespaces): returns the object to answer with when it handled it (on a dry run, without writing). */
  customDelete?(obj: KubeObject, opts?: HookOptions): Promise<KubeObject | undefined>;
}

/** What a DELETE's options (meta.k8s.io/v1 DeleteOptions) say to the store; an unknown propagationPolicy is none. */
export type DeleteOptions = Pick<Relaxed<MetaDeleteOptions>, 'gracePeriodSeconds' | 'propagationPolicy' | 'orphanDependents' | 'preconditions' | 'dryRun'>;

/**
 * The admission chain's two phases around a write (admission.ts), each throwing to refuse: `mutate` after
 * defaulting (it may change the object), `validate` after the kind's validation, right before the write.
 * `old` is the current object on an update (they run again on every attempt of a read-modify-write).
 */
export interface Admission {
  mutate?(obj: ApiObject, old: KubeObject | undefined): Promise<void>;
  validate?(obj: KubeObject, old: KubeObject | undefined): Promise<void>;
}

/**
 * Records the write's managed fields on the object to store (field-manager.ts): called with the object
 * as it will be stored (defaulted, prepared) and the stored one (undefined on create).
 */
export type ManagedFieldsTracker = (next: KubeObject, cur: KubeObject | undefined) => void;

export interface WriteOptions {
  dryRun?: boolean;
  /** Update-operation tracking of managedFields (upstream's field manager); none for server-internal writes. */
  track?: ManagedFieldsTracker;
  /** Server-internal writes (bootstrap) skip validation, as upstream's reconcilers write storage directly. */
  skipValidation?: boolean;
  admission?: Admission;
  /** Who creates the object (a CSR records its requester); none for server-internal writes. */
  requester?: Requester;
}

export interface UpdateOptions {
  subresource?: string;
  expectedRV?: string;
  dryRun?: boolean;
  admission?: Admission;
  /** Update-operation tracking of managedFields; none for apply (its managedFields come with the object) and internal writes. */
  track?: ManagedFieldsTracker;
}

export interface ListQuery {
  namespace?: string;
  matches: (obj: KubeObject) => boolean;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  /** Read-only: they may be the watch cache's own objects. */
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(rv: number, startKeySuffix: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: startKeySuffix })).toString('base64');
}

export function decodeContinue(token: string): ContinueToken {
  try {
    const t: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (isPlainObject(t) && t.v === 'meta.k8s.io/v1' && typeof t.rv === 'number' && typeof t.start === 'string') return { v: t.v, rv: t.rv, start: t.start };
  } catch {
    // not base64 JSON: the same 400 as a token of the wrong shape
  }
  throw errors.badRequest('continue key is not valid: illegal base64 data or malformed token');
}

/** How objects are kept in storage when the API shape differs (events.k8s.io Events are stored as core Events). */
export type { StorageConversion } from '../../api/kinds/descriptor.js';

export class Store {
  readonly cache: WatchCache;

  constructor(
    readonly info: ResourceInfo,
    readonly strategy: ResourceStrategy,
    private readonly backend: Backend,
    private readonly transformer: Transformer = identityTransformer,
    readonly hooks: StoreHooks = {},
    private readonly conversion?: StorageConversion,
  ) {
    this.cache = new WatchCache(backend, storagePrefix(info), (key, value, rev) => this.decode(key, value, rev));
  }

  get group(): string {
    return this.info.group;
  }

  key(namespace: string | undefined, name: string): string {
    return storageKey(this.info, namespace, name);
  }

  /** The object stored at `key`; an UnreadableValueError (500) when it cannot be decrypted or decoded. */
  decode(key: string, value: Buffer, rev: number): KubeObject {
    let plain: Buffer;
    try {
      plain = this.transformer.fromStorage(value);
    } catch (e) {
      throw new UnreadableValueError(key, 'transform', (e as Error).message);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(plain.toString('utf8'));
    } catch (e) {
      throw new UnreadableValueError(key, 'decode', (e as Error).message);
    }
    if (!isPlainObject(parsed)) throw new UnreadableValueError(key, 'decode', 'the stored value is not an object');
    const obj = this.conversion ? this.conversion.fromStorage(parsed) : parsed;
    if (obj.metadata === null) obj.metadata = {}; // as Go's decoder: null is the zero ObjectMeta
    if (!isApiObject(obj)) throw new UnreadableValueError(key, 'decode', `the stored value's ${malformedTypeMeta(obj)}`);
    const stored = asStored(obj);
    stored.metadata.resourceVersion = String(rev);
    return stored;
  }

  private encode(obj: KubeObject): Buffer {
    // The stored shape's metadata (a conversion may move annotations into fields: autoscaling/v1's round-trip ones).
    const converted = this.conversion ? (this.conversion.toStorage(obj) as KubeObject) : obj;
    const copy = { ...converted, metadata: { ...(converted.metadata ?? obj.metadata) } };
    delete copy.metadata.resourceVersion;
    const raw = Buffer.from(JSON.stringify(copy));
    if (raw.length > MAX_OBJECT_BYTES) {
      throw new KubeError('RequestEntityTooLarge', `etcdserver: request is too large`, { httpStatus: 413 });
    }
    return this.transformer.toStorage(raw);
  }

  private fromKv(kv: KeyValue): KubeObject {
    return this.decode(kv.key, kv.value, kv.modRevision);
  }

  notFound(name: string): KubeError {
    return errors.notFound(this.info.plural, this.info.group, name);
  }

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const kv = await this.backend.get(this.key(namespace, name));
    if (!kv) throw this.notFound(name);
    return this.fromKv(kv);
  }

  async tryGet(namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const kv = await this.backend.get(this.key(namespace, name));
    return kv ? this.fromKv(kv) : undefined;
  }

  /** List with selectors and paging. resourceVersion "0" is served from the watch cache; otherwise a consistent read. */
  async list(q: ListQuery): Promise<ListResult> {
    const prefix = storagePrefix(this.info, q.namespace);
    const token = q.continueToken ? decodeContinue(q.continueToken) : undefined;
    const plan = planListRead(q, token?.rv);
    if (plan.from === 'cache') {
      await this.cache.ready();
      const items = this.cache.list(q.namespace).map((o) => o.obj).filter(q.matches);
      return { items, resourceVersion: String(this.cache.currentRevision) };
    }
    await this.awaitRevision(plan);
    const revision = plan.exact !== undefined ? Number(plan.exact) : undefined;
    const startKey = token ? prefix + token.start : undefined;
    const limit = q.limit && q.limit > 0 ? q.limit : 0;
    const items: KubeObject[] = [];
    let readRev = revision ?? 0;
    let nextStart = startKey;
    let lastKey = '';
    let more = false;
    try {
      for (;;) {
        const { page, cached } = await this.readPage(prefix, {
          ...(nextStart ? { startKey: nextStart } : {}),
          ...(readRev ? { revision: readRev } : {}),
          ...(limit ? { limit: Math.max(limit - items.length, 1) + 1 } : {}),
        });
        readRev = page.revision;
        let consumed = 0;
        for (const [i, kv] of page.items.entries()) {
          if (limit && items.length >= limit) {
            more = true;
            break;
          }
          consumed++;
          lastKey = kv.key;
          // The watch cache's copy of this very version when it has one (decoded and serialized once), else
          // decode it; as upstream's GetList, one value that cannot be read fails the whole list (never a silent gap).
          let obj: KubeObject | undefined = cached[i];
          if (obj === undefined) {
            try {
              obj = this.fromKv(kv);
            } catch (e) {
              throw listReadError(e);
            }
          }
          if (q.matches(obj)) items.push(obj);
        }
        if (more) break;
        if (!page.more || !limit) {
          more = false;
          break;
        }
        if (consumed === 0) break;
        nextStart = lastKey + '\x00';
      }
    } catch (e) {
      if (isStorageError(e, 'ERR_STORAGE_COMPACTED')) {
        throw new KubeError(
          'Expired',
          q.continueToken
            ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.'
            : `The resourceVersion for the provided list is too old.`,
          { httpStatus: 410 },
        );
      }
      throw e;
    }
    const res: ListResult = { items, resourceVersion: String(readRev) };
    if (more && lastKey) res.continueToken = encodeContinue(readRev, lastKey.slice(prefix.length) + '\x00');
    return res;
  }

  /**
   * One page of a list from etcd and, by position, the watch cache's copy of each version it holds (the same
   * object, decoded and serialized once). While the cache is listed, etcd sends only keys and revisions; the
   * values of versions the cache lacks (written a moment ago, not yet seen on its watch) are then read at the
   * page's revision: one by one when few, else the page again. The answer is what a read with values gives.
   */
  private async readPage(prefix: string, opts: BackendListOptions): Promise<{ page: BackendListResult; cached: (KubeObject | undefined)[] }> {
    const withValues = async (o: BackendListOptions): Promise<{ page: BackendListResult; cached: (KubeObject | undefined)[] }> => {
      const page = await this.backend.list(prefix, o);
      return { page, cached: page.items.map((kv) => this.cache.version(kv.key, kv.modRevision)) };
    };
    if (!this.cache.listed) return withValues(opts);
    const page = await this.backend.list(prefix, { ...opts, keysOnly: true });
    const cached = page.items.map((kv) => this.cache.version(kv.key, kv.modRevision));
    const missing = page.items.filter((_, i) => cached[i] === undefined);
    if (missing.length === 0) return { page, cached };
    const pinned = { ...opts, revision: page.revision };
    try {
      if (missing.length > MAX_SINGLE_VALUE_READS) return await withValues(pinned);
      const values = await Promise.all(missing.map((kv) => this.backend.list(kv.key, { revision: page.revision, limit: 1 })));
      for (const [j, kv] of missing.entries()) {
        const read = values[j]!.items[0];
        if (read?.key !== kv.key || read.modRevision !== kv.modRevision) return await withValues(pinned);
        kv.value = read.value;
      }
      return { page, cached };
    } catch (e) {
      // Compacted past the revision just read (a list that named none): read again, now with values.
      if (opts.revision === undefined && isStorageError(e, 'ERR_STORAGE_COMPACTED')) return withValues(opts);
      throw e;
    }
  }

  /**
   * A list that needs a revision etcd has not reached (planListRead): 504 Too large resource version,
   * at once or after waiting for the watch cache to see it, as the plan says.
   */
  private async awaitRevision(plan: ListReadPlan): Promise<void> {
    const need = requiredRevision(plan);
    if (need === undefined) return;
    const current = await this.backend.currentRevision();
    if (need <= BigInt(current)) return;
    if (plan.from === 'etcd' && plan.waitMs > 0 && need <= BigInt(Number.MAX_SAFE_INTEGER)) {
      try {
        await this.cache.waitForRevision(Number(need), plan.waitMs);
        return;
      } catch (e) {
        if (!(e instanceof KubeError && e.reason === 'Timeout')) throw e;
        throw tooLargeResourceVersion(need, this.cache.currentRevision, 1);
      }
    }
    throw tooLargeResourceVersion(need, current, plan.from === 'etcd' && plan.waitMs > 0 ? 1 : 0);
  }

  /** Fill in what the server owns on create; returns the object to store. */
  private prepareCreate(obj: ApiObject, namespace: string | undefined): KubeObject {
    const c = clone(obj);
    c.apiVersion = apiVersionOf(this.info);
    c.kind = this.info.kind;
    c.metadata ??= {};
    const o = asStored(c);
    const m = o.metadata;
    if (this.info.namespaced) m.namespace = namespace;
    else delete m.namespace;
    if (!m.name && m.generateName) m.name = generateName(m.generateName);
    m.uid = newUid();
    m.creationTimestamp = nowRfc3339();
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.selfLink;
    // metadata.generation is the kind's business (its prepareForCreate), as upstream: most kinds have none.
    return o;
  }

  private invalid(name: string | undefined, causes: StatusCause[]): KubeError {
    return errors.invalid(this.info.kind, this.info.group, name ?? '', causes);
  }

  async create(namespace: string | undefined, input: ApiObject, opts: WriteOptions = {}): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const obj = this.prepareCreate(input, namespace);
      this.strategy.applyDefaults(obj);
      if (opts.admission?.mutate) await opts.admission.mutate(obj, undefined);
      this.strategy.prepareForCreate(obj, opts.requester);
      if (opts.track) opts.track(obj, undefined);
      const causes = opts.skipValidation ? [] : this.strategy.validate(obj);
      // prepareCreate made a name from generateName: no name means neither was given.
      const name = obj.metadata.name;
      if (!name && !causes.some((c) => c.field === 'metadata.name')) {
        causes.unshift({ reason: 'FieldValueRequired', message: 'name or generateName is required', field: 'metadata.name' });
      }
      if (causes.length > 0 || !name) throw this.invalid(name, causes);
      if (this.hooks.admitCreate) await this.hooks.admitCreate(obj);
      if (opts.admission?.validate) await opts.admission.validate(obj, undefined);
      if (opts.dryRun) {
        // As upstream's dry-run storage: the hooks run without keeping anything, an existing key is AlreadyExists,
        // nothing is written and the answer has no resourceVersion.
        if (this.hooks.beforeCreate) await this.hooks.beforeCreate(obj, { dryRun: true });
        if (await this.backend.get(this.key(namespace, name))) {
          if (!input.metadata?.name && input.metadata?.generateName && attempt < 7) continue;
          throw errors.alreadyExists(this.info.plural, this.info.group, name);
        }
        return obj;
      }
      if (this.hooks.beforeCreate) await this.hooks.beforeCreate(obj);
      try {
        const value = this.encode(obj);
        const rev = await this.backend.create(this.key(namespace, name), value);
        obj.metadata.resourceVersion = String(rev);
        return obj;
      } catch (e) {
        if (this.hooks.createFailed) await this.hooks.createFailed(obj).catch(() => undefined);
        if (isStorageError(e, 'ERR_STORAGE_KEY_EXISTS')) {
          // generateName collisions are retried, as upstream's RetryGenerateName.
          if (!input.metadata?.name && input.metadata?.generateName && attempt < 7) continue;
          throw errors.alreadyExists(this.info.plural, this.info.group, name);
        }
        throw e;
      }
    }
  }

  /**
   * Read-modify-write with optimistic concurrency. `mutate` gets a private copy of the current object
   * and returns the new one. With `expectedRV`, a different current revision is 409 Conflict; without,
   * conflicts are retried (a patch or status update with no resourceVersion).
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    mutate: (cur: KubeObject) => ApiObject | Promise<ApiObject>,
    opts: UpdateOptions = {},
  ): Promise<KubeObject> {
    const key = this.key(namespace, name);
    for await (const { cur, modRevision, fromCache } of this.currentReads(key, name)) {
      let newObj: ApiObject;
      try {
        newObj = await mutate(clone(cur));
        if (opts.admission?.mutate) await opts.admission.mutate(newObj, cur);
      } catch (e) {
        if (fromCache) continue;
        throw e;
      }
      const rv = opts.expectedRV ?? newObj.metadata?.resourceVersion;
      if (rv !== undefined && rv !== '' && rv !== cur.metadata.resourceVersion) {
        if (fromCache) continue;
        if (opts.expectedRV !== undefined || newObj.metadata?.resourceVersion !== undefined) throw this.modified(name);
      }
      let prepared: KubeObject;
      try {
        prepared = this.prepareUpdate(newObj, cur, opts.subresource ?? '', name, opts.track);
        if (opts.admission?.validate) await opts.admission.validate(prepared, cur);
      } catch (e) {
        if (fromCache) continue;
        throw e;
      }
      if (deepEqual(stripRV(prepared), stripRV(cur))) {
        if (fromCache) continue; // confirm the no-op against etcd
        return cur; // no-op: no new revision, as upstream
      }
      if (opts.dryRun) {
        if (fromCache) continue; // answer from what etcd holds, as a real write's compare-and-swap would
        if (this.hooks.beforeUpdate) await this.hooks.beforeUpdate(prepared, cur, { dryRun: true });
        return prepared;
      }
      // An update that removes the last finalizer of an object being deleted deletes it.
      if (prepared.metadata.deletionTimestamp && !((prepared.metadata.finalizers?.length ?? 0) > 0) && !this.hooks.customDelete) {
        if (!((prepared.metadata.deletionGracePeriodSeconds ?? 0) > 0)) {
          if ((await this.compareAndSwap(name, () => this.backend.delete(key, modRevision))) === RETRY) continue;
          if (this.hooks.afterDelete) await this.hooks.afterDelete(cur).catch(() => undefined);
          return prepared;
        }
      }
      if (this.hooks.beforeUpdate) await this.hooks.beforeUpdate(prepared, cur);
      let rev: number | typeof RETRY;
      try {
        rev = await this.compareAndSwap(name, () => this.backend.update(key, this.encode(prepared), modRevision));
      } catch (e) {
        if (this.hooks.updateFailed) await this.hooks.updateFailed(prepared, cur).catch(() => undefined);
        throw e;
      }
      if (rev === RETRY) {
        if (this.hooks.updateFailed) await this.hooks.updateFailed(prepared, cur).catch(() => undefined);
        if (rv !== undefined && rv !== '' && !fromCache) throw this.modified(name);
        continue;
      }
      prepared.metadata.resourceVersion = String(rev);
      if (this.hooks.updateCommitted) await this.hooks.updateCommitted(prepared, cur).catch(() => undefined);
      return prepared;
    }
    throw this.tooManyUpdates(name); // not reached: currentReads throws it after the last attempt
  }

  /**
   * The attempts of a read-modify-write, as upstream's GuaranteedUpdate: the first starts from the watch cache
   * (no etcd read), the rest re-read etcd; a caller `continue`s on any doubt about a cached start (a conflict, a
   * no-op, an error from its mutation) and on a lost compare-and-swap. After 20 attempts: 409, too many updates.
   */
  private async *currentReads(key: string, name: string, firstFromCache = true): AsyncGenerator<{ cur: KubeObject; modRevision: number; fromCache: boolean }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const kv = await this.readCurrent(key, firstFromCache && attempt === 0);
      if (!kv) throw this.notFound(name);
      yield { cur: kv.obj, modRevision: kv.modRevision, fromCache: kv.fromCache };
    }
    throw this.tooManyUpdates(name);
  }

  /**
   * One compare-and-swap write: a revision mismatch (someone wrote first) answers RETRY for the caller's
   * loop to re-read, a vanished key is 404 NotFound, anything else is thrown as it is.
   */
  private async compareAndSwap<T>(name: string, write: () => Promise<T>): Promise<T | typeof RETRY> {
    try {
      return await write();
    } catch (e) {
      if (isStorageError(e, 'ERR_STORAGE_REVISION_MISMATCH')) return RETRY;
      if (isStorageError(e, 'ERR_STORAGE_KEY_NOT_FOUND')) throw this.notFound(name);
      throw e;
    }
  }

  private modified(name: string): KubeError {
    return errors.conflict(this.info.plural, this.info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }

  private tooManyUpdates(name: string): KubeError {
    return errors.conflict(this.info.plural, this.info.group, name, 'too many concurrent updates; please retry');
  }

  /** Server-owned fields survive client updates; spec vs status split; generation; validation. */
  private prepareUpdate(input: ApiObject, cur: KubeObject, subresource: string, urlName: string, track?: ManagedFieldsTracker): KubeObject {
    const c = clone(input);
    c.apiVersion = apiVersionOf(this.info);
    c.kind = this.info.kind;
    c.metadata ??= {};
    const obj = asStored(c);
    const m = obj.metadata;
    const cm = cur.metadata;
    if (m.name !== undefined && m.name !== urlName) {
      throw errors.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${urlName})`);
    }
    if (this.info.namespaced && m.namespace !== undefined && m.namespace !== cm.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    m.name = cm.name;
    if (this.info.namespaced) m.namespace = cm.namespace;
    m.uid = cm.uid;
    m.creationTimestamp = cm.creationTimestamp;
    // Unconditional update (no resourceVersion sent): as upstream, the current one is filled in.
    if (!m.resourceVersion) m.resourceVersion = cm.resourceVersion;
    if (cm.deletionTimestamp) {
      m.deletionTimestamp = cm.deletionTimestamp;
      m.deletionGracePeriodSeconds = cm.deletionGracePeriodSeconds;
    } else {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    // Requests cannot set the generation (upstream's BeforeUpdate): the old one, which the kind's prepareForUpdate may move.
    if (cm.generation !== undefined) m.generation = cm.generation;
    else delete m.generation;
    if (!('generateName' in m) && cm.generateName) m.generateName = cm.generateName;

    let causes: StatusCause[];
    const own = this.strategy.subresourceUpdates[subresource];
    if (subresource === 'status' || own) {
      // The status subresource changes status only (and nothing of metadata but labels/annotations? upstream: status only);
      // a subresource with rules of its own (a CSR's approval) prepares and validates the object its way.
      const out = { ...clone(cur), status: obj.status };
      if (out.status === undefined) delete out.status;
      this.strategy.applyDefaults(out);
      own?.prepareForUpdate?.(out, cur);
      if (track) track(out, cur);
      causes = own ? own.validateUpdate(out, cur) : this.strategy.validateStatusUpdate(out, cur);
      if (causes.length > 0) throw this.invalid(urlName, causes);
      return out;
    }
    if (this.strategy.hasStatusSubresource && subresource === '') {
      if (cur.status === undefined) delete obj.status;
      else obj.status = clone(cur.status);
    }
    this.strategy.applyDefaults(obj);
    this.strategy.prepareForUpdate(obj, cur);
    if (track) track(obj, cur);
    causes = this.strategy.validateUpdate(obj, cur);
    if (causes.length > 0) throw this.invalid(urlName, causes);
    return obj;
  }

  /** PUT: full replacement with optimistic concurrency on metadata.resourceVersion. */
  async update(namespace: string | undefined, name: string, input: ApiObject, opts: Omit<UpdateOptions, 'expectedRV'> = {}): Promise<KubeObject> {
    const rv = input.metadata?.resourceVersion;
    return this.guaranteedUpdate(namespace, name, () => input, {
      ...opts,
      ...(rv ? { expectedRV: String(rv) } : {}),
    });
  }

  /** DELETE with preconditions, finalizers, propagation and graceful deletion. Returns the object (deleted or being deleted). */
  async delete(
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
    admit?: (cur: KubeObject) => void | Promise<void>,
  ): Promise<{ obj: KubeObject; deleted: boolean }> {
    const key = this.key(namespace, name);
    // Deletion always starts from etcd: preconditions and admission see the stored object.
    for await (const { cur, modRevision } of this.currentReads(key, name, false)) {
      if (admit) await admit(cur);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== cur.metadata.uid) {
        throw errors.conflict(this.info.plural, this.info.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
        throw errors.conflict(
          this.info.plural,
          this.info.group,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`,
        );
      }
      const dryRun = (opts.dryRun ?? []).includes('All');
      if (this.hooks.customDelete) {
        const handled = await this.hooks.customDelete(cur, { dryRun });
        if (handled) return { obj: handled, deleted: false };
      }
      const next = clone(cur);
      if (!next.metadata.deletionTimestamp && this.strategy.prepareForDelete) this.strategy.prepareForDelete(next, new Date());
      const m = next.metadata;
      const finalizers: string[] = [...(m.finalizers ?? [])];
      const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : undefined);
      if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) {
        finalizers.push('foregroundDeletion');
        const i = finalizers.indexOf('orphan');
        if (i >= 0) finalizers.splice(i, 1);
      } else if (policy === 'Orphan' && !finalizers.includes('orphan')) {
        finalizers.push('orphan');
        const i = finalizers.indexOf('foregroundDeletion');
        if (i >= 0) finalizers.splice(i, 1);
      } else if (policy === 'Background') {
        for (const f of ['orphan', 'foregroundDeletion']) {
          const i = finalizers.indexOf(f);
          if (i >= 0 && !m.deletionTimestamp) finalizers.splice(i, 1);
        }
      }
      const gracePeriod = this.hooks.gracePeriod ?? this.strategy.gracePeriod;
      const grace = gracePeriod ? gracePeriod(cur, opts.gracePeriodSeconds) : undefined;
      const needsWait = finalizers.length > 0 || (grace !== undefined && grace > 0);
      if (needsWait) {
        if (finalizers.length > 0) m.finalizers = finalizers;
        else delete m.finalizers;
        if (!m.deletionTimestamp) {
          Object.assign(m, gracefulDeletion(Date.now(), grace ?? 0));
        } else if (grace !== undefined && grace < (m.deletionGracePeriodSeconds ?? Infinity)) {
          // A shorter grace period may replace a longer one.
          Object.assign(m, gracefulDeletion(Date.now(), grace));
        }
        if (grace === 0 && finalizers.length === 0) {
          // fall through to immediate delete
        } else {
          if (deepEqual(next, cur)) return { obj: cur, deleted: false };
          if (dryRun) return { obj: next, deleted: false };
          const rev = await this.compareAndSwap(name, () => this.backend.update(key, this.encode(next), modRevision));
          if (rev === RETRY) continue;
          next.metadata.resourceVersion = String(rev);
          return { obj: next, deleted: false };
        }
      }
      if (dryRun) return { obj: cur, deleted: true };
      const deleted = await this.compareAndSwap(name, () => this.backend.delete(key, modRevision));
      if (deleted === RETRY) continue;
      cur.metadata.resourceVersion = String(deleted.revision);
      if (this.hooks.afterDelete) await this.hooks.afterDelete(cur).catch(() => undefined);
      return { obj: cur, deleted: true };
    }
    throw this.tooManyUpdates(name);
  }

  /** The current object and its revision: from the watch cache when allowed and present, else from etcd. */
  private async readCurrent(key: string, useCache: boolean): Promise<{ obj: KubeObject; modRevision: number; fromCache: boolean } | null> {
    if (useCache) {
      const c = this.cache.peek(key);
      if (c) return { obj: c, modRevision: Number(c.metadata.resourceVersion), fromCache: true };
    }
    const kv = await this.backend.get(key);
    return kv ? { obj: this.fromKv(kv), modRevision: kv.modRevision, fromCache: false } : null;
  }

  /** Server-internal read-modify-write that bypasses the strategy (deletion bookkeeping, finalize); a dry run writes nothing. */
  async systemUpdate(namespace: string | undefined, name: string, mutate: (cur: KubeObject) => KubeObject | Promise<KubeObject>, opts: HookOptions = {}): Promise<KubeObject> {
    const key = this.key(namespace, name);
    for await (const { cur, modRevision, fromCache } of this.currentReads(key, name)) {
      let next: KubeObject;
      try {
        next = await mutate(clone(cur));
      } catch (e) {
        if (fromCache) continue;
        throw e;
      }
      if (deepEqual(stripRV(next), stripRV(cur))) {
        if (fromCache) continue;
        return cur;
      }
      if (opts.dryRun) {
        if (fromCache) continue;
        return next;
      }
      const rev = await this.compareAndSwap(name, () => this.backend.update(key, this.encode(next), modRevision));
      if (rev === RETRY) continue;
      next.metadata.resourceVersion = String(rev);
      return next;
    }
    throw this.tooManyUpdates(name); // not reached: currentReads throws it after the last attempt
  }

  /** Remove the object unconditionally once nothing holds it (used after namespace finalization). */
  async forceRemove(namespace: string | undefined, name: string, expectedRV?: string): Promise<void> {
    try {
      const kv = await this.backend.get(this.key(namespace, name));
      if (!kv) return;
      await this.backend.delete(this.key(namespace, name), expectedRV ? Number(expectedRV) : kv.modRevision);
      if (this.hooks.afterDelete) await this.hooks.afterDelete(this.fromKv(kv)).catch(() => undefined);
    } catch (e) {
      if (isStorageError(e, 'ERR_STORAGE_KEY_NOT_FOUND') || isStorageError(e, 'ERR_STORAGE_REVISION_MISMATCH')) return;
      throw e;
    }
  }
}

/** compareAndSwap's answer when another writer came first: read again and retry. */
const RETRY = Symbol('retry');

function stripRV(o: KubeObject): KubeObject {
  return { ...o, metadata: { ...o.metadata, resourceVersion: undefined } };
}
