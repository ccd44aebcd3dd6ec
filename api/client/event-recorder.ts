/**
 * EventRecorder: writes core/v1 Events about objects ("Scheduled", "FailedScheduling", "Killing", ...),
 * as client-go's record.EventRecorder + EventCorrelator:
 *
 *   event(obj, type, reason, message)
 *     -> spam filter (per source+object token bucket: burst 25, one more per 5 min)  -> drop when empty
 *     -> correlator: same (source, object, type, reason, message) seen within 10 min?
 *          yes: PATCH count+1, lastTimestamp            (one Event, growing count)
 *          no:  POST a new Event `<obj name>.<hex ns timestamp>` with count 1
 *
 * Never throws and never blocks the caller: writes are queued (bounded; overflow is dropped and logged),
 * failures are logged and dropped. The correlation cache is an LRU of bounded size.
 * Events of cluster-scoped objects (nodes) go to the `default` namespace, as upstream.
 * Not modeled: the aggregator that merges >10 similar events with different messages.
 */

import { rfc3339 } from '../time.js';
import { KubeError, isKubeError } from '../errors.js';
import { findResource, type ResourceInfo } from '../resources.js';
import type { ApiClient } from './api-client.js';
import { consoleLogger, type Logger } from './log.js';
import { TokenBucket } from './rate-limit.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** The reporting component, e.g. `default-scheduler`, `kubelet`, `replicaset-controller`. */
  component: string;
  /** The host (the kubelet sets its node name). */
  host?: string;
  /** Correlation window; default 10 min. */
  similarWindowMs?: number;
  /** LRU size of the correlation cache; default 4096 (client-go's maxLruCacheEntries). */
  maxCacheEntries?: number;
  /** Writes waiting at most; beyond, events are dropped. Default 1000. */
  maxPending?: number;
  /** Spam filter per source+object: burst (default 25) and refill per second (default 1/300). */
  spamBurst?: number;
  spamQps?: number;
  logger?: Logger;
  now?: () => number;
}

interface Involved {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

interface CacheEntry {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeenMs: number;
}

function eventsResource(): ResourceInfo {
  const info = findResource('', 'events');
  if (!info) throw new KubeError('InternalError', 'events missing from RESOURCES');
  return info;
}

/** The core/v1 ObjectReference of an object. */
export function objectReference(obj: Involved): Record<string, string> {
  const m = obj.metadata ?? {};
  const ref: Record<string, string> = {};
  if (obj.kind) ref.kind = obj.kind;
  if (m.namespace) ref.namespace = m.namespace;
  if (m.name) ref.name = m.name;
  if (m.uid) ref.uid = m.uid;
  if (obj.apiVersion) ref.apiVersion = obj.apiVersion;
  if (m.resourceVersion) ref.resourceVersion = m.resourceVersion;
  return ref;
}

export class EventRecorder {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly spam = new Map<string, TokenBucket>();
  private readonly log: Logger;
  private readonly now: () => number;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private seq = 0;
  /** Counters for tests / metrics. */
  readonly stats = { created: 0, patched: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly client: ApiClient,
    private readonly opts: EventRecorderOptions,
  ) {
    this.log = opts.logger ?? consoleLogger(`events/${opts.component}`);
    this.now = opts.now ?? Date.now;
  }

  /** Record an event about `obj`. Never throws; the write happens in the background. */
  event(obj: unknown, type: EventType, reason: string, message: string): void {
    try {
      const o = obj as Involved;
      if (!o?.metadata?.name) {
        this.log.warn('dropping event for an object without a name', { reason, message });
        this.stats.dropped++;
        return;
      }
      if (this.pending >= (this.opts.maxPending ?? 1000)) {
        this.log.warn('event queue full, dropping event', { reason, object: o.metadata.name });
        this.stats.dropped++;
        return;
      }
      const nowMs = this.now();
      const ref = objectReference(o);
      const sourceKey = [this.opts.component, this.opts.host ?? '', ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion].join('\u0000');
      if (!this.allow(sourceKey)) {
        this.log.debug('event spam filtered', { reason, object: ref.name });
        this.stats.dropped++;
        return;
      }
      this.pending++;
      this.chain = this.chain
        .then(() => this.write(ref, sourceKey, type, reason, message, nowMs))
        .catch((e) => {
          this.stats.failed++;
          this.log.warn('unable to write event (dropped)', { reason, object: ref.name, error: e as Error });
        })
        .finally(() => {
          this.pending--;
        });
    } catch (e) {
      this.stats.dropped++;
      this.log.error('event() failed', { error: e as Error });
    }
  }

  /** Wait until every queued write has been attempted (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.pending > 0) await this.chain;
  }

  private allow(sourceKey: string): boolean {
    let b = this.spam.get(sourceKey);
    if (!b) {
      b = new TokenBucket(this.opts.spamQps ?? 1 / 300, this.opts.spamBurst ?? 25, this.now);
      this.spam.set(sourceKey, b);
      this.trim(this.spam);
    }
    return b.tryAccept();
  }

  private trim<V>(m: Map<string, V>): void {
    const max = this.opts.maxCacheEntries ?? 4096;
    while (m.size > max) m.delete(m.keys().next().value as string);
  }

  private newName(objName: string, nowMs: number): string {
    const nanos = BigInt(nowMs) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    return `${objName}.${nanos.toString(16)}`;
  }

  private async write(
    ref: Record<string, string>,
    sourceKey: string,
    type: EventType,
    reason: string,
    message: string,
    nowMs: number,
  ): Promise<void> {
    const info = eventsResource();
    const key = [sourceKey, type, reason, message].join('\u0000');
    const namespace = ref.namespace || 'default';
    const now = rfc3339(nowMs);
    const hit = this.cache.get(key);
    const window = this.opts.similarWindowMs ?? 10 * 60_000;
    if (hit && nowMs - hit.lastSeenMs <= window) {
      const count = hit.count + 1;
      try {
        await this.client.patch(info, hit.namespace, hit.name, { count, lastTimestamp: now, message }, 'merge');
        this.touch(key, { ...hit, count, lastSeenMs: nowMs });
        this.stats.patched++;
        return;
      } catch (e) {
        if (!isKubeError(e, 'NotFound')) throw e;
        // The event was removed (TTL): create it again under the same name, keeping the count.
        await this.create(info, { ...hit, count }, ref, type, reason, message, now);
        this.touch(key, { ...hit, count, lastSeenMs: nowMs });
        return;
      }
    }
    const entry: CacheEntry = { name: this.newName(ref.name ?? 'unknown', nowMs), namespace, count: 1, firstTimestamp: now, lastSeenMs: nowMs };
    await this.create(info, entry, ref, type, reason, message, now);
    this.touch(key, entry);
  }

  private async create(
    info: ResourceInfo,
    entry: CacheEntry,
    ref: Record<string, string>,
    type: EventType,
    reason: string,
    message: string,
    now: string,
  ): Promise<void> {
    const source: Record<string, string> = { component: this.opts.component };
    if (this.opts.host) source.host = this.opts.host;
    await this.client.create(info, entry.namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: entry.name, namespace: entry.namespace },
      involvedObject: ref,
      reason,
      message,
      source,
      firstTimestamp: entry.firstTimestamp,
      lastTimestamp: now,
      count: entry.count,
      type,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? '',
    });
    this.stats.created++;
  }

  private touch(key: string, entry: CacheEntry): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    this.trim(this.cache);
  }
}
