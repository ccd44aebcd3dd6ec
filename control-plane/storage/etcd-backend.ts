import { readFileSync } from 'node:fs';
import { Etcd3, type IOptions } from 'etcd3';
import type * as RPC from 'etcd3/lib/rpc.js';
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

export interface EtcdBackendOptions {
  /** e.g. ['http://127.0.0.1:2379'] or https endpoints. */
  endpoints: string[];
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Per-call deadline; a call over it fails with ERR_STORAGE_UNAVAILABLE. */
  callTimeoutMs?: number;
  /** Unlimited lists with values are read in pages of this many keys at one revision (default 1000). */
  listPageSize?: number;
}

/** The key range [prefix, prefixEnd): etcd's "all keys with this prefix". */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const out = Buffer.from(b.subarray(0, i + 1));
      out[i] = out[i]! + 1;
      return out;
    }
  }
  return Buffer.from([0]);
}

function toKv(kv: RPC.IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value,
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
  };
}

function isCompactionError(e: unknown): boolean {
  return /compacted/i.test(String((e as Error)?.message ?? e));
}

/**
 * etcd 3.4 cancels a watch on a compacted revision with compact_revision set and an empty
 * cancel_reason, which the etcd3 client reports as "Watcher canceled: ". A server-side cancel of
 * our own watch is treated as compaction: the caller relists, which is always correct.
 */
function isWatchCompaction(e: unknown): boolean {
  return isCompactionError(e) || /Watcher canceled/i.test(String((e as Error)?.message ?? e));
}

/** The Backend over a real etcd v3, through the etcd3 client's KV and Watch APIs. */
export class EtcdBackend implements Backend {
  readonly client: Etcd3;
  private readonly timeoutMs: number;
  private readonly pageSize: number;

  constructor(opts: EtcdBackendOptions) {
    // Lists of thousands of objects exceed gRPC's default 4 MiB receive limit.
    const options: IOptions = {
      hosts: opts.endpoints,
      grpcOptions: { 'grpc.max_receive_message_length': 1024 * 1024 * 1024, 'grpc.max_send_message_length': 16 * 1024 * 1024 },
    };
    if (opts.caFile) {
      options.credentials = {
        rootCertificate: readFileSync(opts.caFile),
        ...(opts.keyFile ? { privateKey: readFileSync(opts.keyFile) } : {}),
        ...(opts.certFile ? { certChain: readFileSync(opts.certFile) } : {}),
      };
    }
    this.client = new Etcd3(options);
    this.timeoutMs = opts.callTimeoutMs ?? 10_000;
    this.pageSize = opts.listPageSize ?? 1000;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(StorageError.unavailable(`${what}: timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
    } catch (e) {
      if (e instanceof StorageError) throw e;
      if (isCompactionError(e)) throw StorageError.compacted(0, 0);
      throw StorageError.unavailable(`${what}: ${(e as Error).message}`, e);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async get(key: string): Promise<KeyValue | null> {
    const res = await this.call('get', () => this.client.kv.range({ key: Buffer.from(key) }));
    const kv = res.kvs[0];
    return kv ? toKv(kv) : null;
  }


  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    // Keys and revisions alone are small (tens of bytes a key): one range, whatever the count.
    if (!opts.limit && !opts.keysOnly) {
      const items: KeyValue[] = [];
      let page = await this.listOnce(prefix, { ...opts, limit: this.pageSize });
      const revision = page.revision;
      items.push(...page.items);
      while (page.more && page.items.length > 0) {
        const last = page.items[page.items.length - 1]!.key;
        page = await this.listOnce(prefix, { startKey: last + '\x00', revision, limit: this.pageSize });
        items.push(...page.items);
      }
      return { items, revision, more: false };
    }
    return this.listOnce(prefix, opts);
  }

  private async listOnce(prefix: string, opts: ListOptions): Promise<ListResult> {
    const start = opts.startKey && opts.startKey > prefix ? opts.startKey : prefix;
    const req: RPC.IRangeRequest = { key: Buffer.from(start), range_end: prefixEnd(prefix) };
    if (opts.limit && opts.limit > 0) req.limit = opts.limit;
    if (opts.revision && opts.revision > 0) req.revision = opts.revision;
    if (opts.keysOnly) req.keys_only = true;
    try {
      const res = await this.call('list', () => this.client.kv.range(req));
      return {
        items: res.kvs.map(toKv),
        revision: opts.revision && opts.revision > 0 ? opts.revision : Number(res.header.revision),
        more: res.more,
      };
    } catch (e) {
      if (e instanceof StorageError && e.code === 'ERR_STORAGE_COMPACTED') {
        throw StorageError.compacted(opts.revision ?? 0, 0);
      }
      throw e;
    }
  }

  async count(prefix: string): Promise<number> {
    const res = await this.call('count', () =>
      this.client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), count_only: true }),
    );
    return Number(res.count);
  }

  /**
   * The put of a write: with a TTL, attached to a lease granted for it (upstream's etcd3 store grants one per TTL'd
   * write too, reusing it for a while; these writes are rare, so one each, left to expire on its own).
   */
  private async putRequest(key: Buffer, value: Buffer, opts: WriteOptions | undefined): Promise<RPC.IPutRequest> {
    if (!opts?.ttlSeconds || opts.ttlSeconds <= 0) return { key, value };
    const ttl = Math.ceil(opts.ttlSeconds);
    const lease = await this.call('lease grant', () => this.client.leaseClient.leaseGrant({ TTL: ttl }));
    return { key, value, lease: lease.ID };
  }

  async create(key: string, value: Buffer, opts?: WriteOptions): Promise<number> {
    const k = Buffer.from(key);
    const put = await this.putRequest(k, value, opts);
    const res = await this.call('create', () =>
      this.client.kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: put }],
        failure: [],
      }),
    );
    if (!res.succeeded) throw StorageError.keyExists(key);
    return Number(res.header.revision);
  }

  async update(key: string, value: Buffer, expectedRevision: number, opts?: WriteOptions): Promise<number> {
    const k = Buffer.from(key);
    const put = await this.putRequest(k, value, opts);
    const res = await this.call('update', () =>
      this.client.kv.txn({
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
        success: [{ request_put: put }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) {
      const cur = res.responses[0]?.response_range?.kvs?.[0];
      if (!cur) throw StorageError.notFound(key);
      throw StorageError.revisionMismatch(key, toKv(cur));
    }
    return Number(res.header.revision);
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    const k = Buffer.from(key);
    const compare: RPC.ICompare[] =
      expectedRevision === undefined
        ? [{ key: k, target: 'Create', result: 'Greater', create_revision: 0 }]
        : [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }];
    const res = await this.call('delete', () =>
      this.client.kv.txn({
        compare,
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) {
      const cur = res.responses[0]?.response_range?.kvs?.[0];
      if (!cur) throw StorageError.notFound(key);
      throw StorageError.revisionMismatch(key, toKv(cur));
    }
    const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0];
    if (!prev) throw StorageError.notFound(key);
    return { revision: Number(res.header.revision), prev: toKv(prev) };
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): BackendWatch {
    let cancelled = false;
    let watcherRef: { cancel(): Promise<void> } | undefined;
    /** End the watch once, with 410 when etcd compacted past its revision, else unavailable. */
    const fail = (err: Error, compacted: boolean): void => {
      if (cancelled) return;
      cancelled = true;
      handlers.onError(compacted ? StorageError.compacted(fromRevision, 0) : StorageError.unavailable(`watch ${prefix}: ${err.message}`, err));
    };
    const builder = this.client
      .watch()
      .prefix(prefix)
      .startRevision(String(fromRevision + 1))
      .withPreviousKV();
    builder
      .create()
      .then((watcher) => {
        watcherRef = watcher;
        if (cancelled) {
          void watcher.cancel();
          return;
        }
        watcher.on('data', (res: RPC.IWatchResponse) => {
          if (cancelled) return;
          const events: BackendWatchEvent[] = [];
          for (const ev of res.events) {
            const kv = toKv(ev.kv);
            const type = ev.type === 'Delete' || (ev.type as unknown) === 1 ? 'delete' : 'put';
            const out: BackendWatchEvent = {
              type,
              kv: type === 'delete' ? { ...kv, value: Buffer.alloc(0) } : kv,
              created: type === 'put' && kv.createRevision === kv.modRevision,
            };
            if (ev.prev_kv) out.prevKv = toKv(ev.prev_kv);
            events.push(out);
          }
          if (events.length > 0) handlers.onEvents(events);
          else if (handlers.onProgress && res.header?.revision) handlers.onProgress(Number(res.header.revision));
        });
        watcher.on('error', (err: Error) => fail(err, isWatchCompaction(err)));
      })
      .catch((err: Error) => fail(err, isCompactionError(err)));
    return {
      cancel: () => {
        cancelled = true;
        if (watcherRef) void watcherRef.cancel().catch(() => undefined);
      },
    };
  }

  async currentRevision(): Promise<number> {
    const res = await this.call('revision', () => this.client.kv.range({ key: Buffer.from('/registry/kubelab-revision-probe') }));
    return Number(res.header.revision);
  }

  async compact(revision: number): Promise<void> {
    await this.call('compact', () => this.client.kv.compact({ revision, physical: true }));
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
