/**
 * The API server's Prometheus metrics, as kube-apiserver 1.32 exports them on /metrics: upstream's names,
 * label names, buckets and help texts (with component-base's `[STABLE]`/`[ALPHA]` prefix), from
 * staging/src/k8s.io/apiserver/pkg/endpoints/metrics, pkg/storage/etcd3/metrics and pkg/storage/cacher/metrics.
 *
 * The label values are pure functions of the request (RequestInfo, method, query, Content-Type), tested by
 * table in test/unit/apiserver/metrics.test.ts; `ApiServerMetrics` holds one registry per server (tests run
 * several servers in one process) and `instrumentBackend` times every etcd request of a store.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Backend } from '../storage/backend.js';
import type { RequestInfo } from './request-info.js';

/** apiserver_request_duration_seconds' and etcd_request_duration_seconds' buckets (they are kept equal upstream). */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** upstream's APIServerComponent: the `component` label of every resource request. */
export const APISERVER_COMPONENT = 'apiserver';

/** The labels of one request in apiserver_request_total (without `code`) and apiserver_request_duration_seconds. */
export interface RequestLabels {
  verb: string;
  dry_run: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  component: string;
}

/** What the labels are computed from: the request line, two headers and the parsed RequestInfo. */
export interface RequestFacts {
  method: string;
  /** The raw query string (without `?`). */
  rawQuery: string;
  contentType: string | undefined;
  info: RequestInfo;
}

/** The verbs upstream reports as themselves; any other is `other` (cleanVerb's validRequestMethods). */
const VALID_REPORTED_VERBS = new Set(['APPLY', 'CONNECT', 'CREATE', 'DELETE', 'DELETECOLLECTION', 'GET', 'LIST', 'PATCH', 'POST', 'PROXY', 'PUT', 'UPDATE', 'WATCH', 'WATCHLIST']);
/** Subresources reported as CONNECT (validConnectRequests). */
const CONNECT_SUBRESOURCES = new Set(['log', 'exec', 'portforward', 'attach', 'proxy']);
/** The verbs that do not mutate (the max-in-flight filter's nonMutatingRequestVerbs). */
const READ_ONLY_VERBS = new Set(['get', 'list', 'watch']);

/**
 * The `scope` label of a resource request, as the route installer computes it: `namespace` for a
 * namespaced collection, `resource` for a path naming an object (and every POST), `cluster` for a
 * cluster-scoped collection and for a namespaced resource listed across all namespaces.
 */
export function requestScope(method: string, info: RequestInfo, namespaced: boolean): string {
  let scope = namespaced ? 'namespace' : 'cluster';
  if (info.name !== '' || method === 'POST') scope = 'resource';
  // the AllNamespaces routes: a namespaced resource's collection without a namespace
  if (namespaced && info.namespace === '' && info.name === '') scope = 'cluster';
  return scope;
}

/**
 * The `verb` label (MonitorRequest's cleanVerb(CanonicalVerb(method, scope))): a GET of a collection is
 * LIST, a watch is WATCH, a PATCH with the apply Content-Type is APPLY, log/exec/attach/portforward/proxy
 * are CONNECT; a delete of a collection stays DELETE, a create POST, an update PUT; anything else `other`.
 */
export function reportedVerb(f: RequestFacts, scope: string): string {
  const method = f.method.toUpperCase();
  let verb = method;
  if (method === 'GET' || method === 'HEAD') verb = scope !== 'resource' && scope !== '' ? 'LIST' : 'GET';
  if ((method === 'GET' || method === 'LIST') && f.info.verb === 'watch') verb = 'WATCH';
  if (method === 'PATCH' && f.contentType === 'application/apply-patch+yaml') verb = 'APPLY';
  if (f.info.isResourceRequest && CONNECT_SUBRESOURCES.has(f.info.subresource)) verb = 'CONNECT';
  return VALID_REPORTED_VERBS.has(verb) ? verb : 'other';
}

/** The `dry_run` label (cleanDryRun): '' without dryRun, `invalid` unless every value is All, else the sorted distinct values. */
export function dryRunLabel(rawQuery: string): string {
  if (!rawQuery.includes('dryRun')) return '';
  const values = new URLSearchParams(rawQuery).getAll('dryRun');
  if (values.some((v) => v !== 'All')) return 'invalid';
  return [...new Set(values)].sort().join(',');
}

/** The labels of a resource request that reached its handler (after authorization). */
export function resourceRequestLabels(f: RequestFacts, namespaced: boolean): RequestLabels {
  const scope = requestScope(f.method.toUpperCase(), f.info, namespaced);
  return {
    verb: reportedVerb(f, scope),
    dry_run: dryRunLabel(f.rawQuery),
    group: f.info.group,
    version: f.info.version,
    resource: f.info.resource,
    subresource: f.info.subresource,
    scope,
    component: APISERVER_COMPONENT,
  };
}

/**
 * The labels of a non-resource request that upstream instruments, or undefined: the health roots
 * (component ''), aggregated discovery at /api and /apis (component apiserver) and OpenAPI v3
 * (subresource `openapi/v3`, component ''). /metrics, /version and the legacy per-group discovery
 * documents are not instrumented upstream.
 */
export function nonResourceRequestLabels(method: string, path: string): RequestLabels | undefined {
  const base = { verb: 'GET', dry_run: '', group: '', version: '', resource: '', scope: '' };
  if (method.toUpperCase() !== 'GET') return undefined;
  if (path === '/healthz' || path === '/livez' || path === '/readyz') return { ...base, subresource: path, component: '' };
  if (path === '/api' || path === '/apis') return { ...base, subresource: path, component: APISERVER_COMPONENT };
  if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) return { ...base, subresource: 'openapi/v3', component: '' };
  return undefined;
}

/** `readOnly` or `mutating`, the request_kind of apiserver_current_inflight_requests. */
export function requestKind(info: RequestInfo): 'readOnly' | 'mutating' {
  return READ_ONLY_VERBS.has(info.verb) ? 'readOnly' : 'mutating';
}

/** The `resource` label of storage metrics: groupResource.String(), `pods` or `deployments.apps`. */
export function groupResourceString(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

/**
 * In-flight requests per kind, reported as upstream's max-in-flight watermark: the highest count seen
 * during the last second (long-running requests are not counted, as upstream's filter skips them).
 */
export class InflightWatermark {
  private current = { readOnly: 0, mutating: 0 };
  private high = { readOnly: 0, mutating: 0 };

  begin(kind: 'readOnly' | 'mutating'): () => void {
    this.current[kind]++;
    this.high[kind] = Math.max(this.high[kind], this.current[kind]);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.current[kind]--;
    };
  }

  /** The watermarks of the period that ends now; the next period starts from the current counts. */
  rotate(): { readOnly: number; mutating: number } {
    const out = { ...this.high };
    this.high = { ...this.current };
    return out;
  }
}

/** One request being measured: `route` is set once the request reached an instrumented handler. */
export interface RequestTrack {
  route?: RequestLabels;
  /** Set for long-running requests (watch, proxy, exec ...) while they are counted in apiserver_longrunning_requests. */
  longRunning?: boolean;
}

/** What apiserver_storage_objects reports per resource: the count, or undefined when it cannot be read (-1). */
export type ObjectCounts = () => Iterable<{ resource: string; count: number | undefined }>;

const stable = (help: string): string => `[STABLE] ${help}`;
const alpha = (help: string): string => `[ALPHA] ${help}`;
const REQUEST_LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

export class ApiServerMetrics {
  readonly registry = new Registry();
  readonly requestTotal: Counter<string>;
  readonly requestDuration: Histogram<string>;
  readonly requestTerminations: Counter<string>;
  readonly longRunning: Gauge<string>;
  readonly inflight: Gauge<string>;
  readonly etcdRequestDuration: Histogram<string>;
  readonly etcdRequests: Counter<string>;
  readonly etcdRequestErrors: Counter<string>;
  readonly storageObjects: Gauge<string>;
  readonly watchEvents: Counter<string>;
  readonly watchEventSizes: Histogram<string>;
  readonly watchCacheEventsReceived: Counter<string>;
  readonly watchCacheInitializations: Counter<string>;
  readonly watermark = new InflightWatermark();
  private objectCounts: ObjectCounts = () => [];

  constructor() {
    const registers = [this.registry];
    this.requestTotal = new Counter({
      name: 'apiserver_request_total',
      help: stable('Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.'),
      labelNames: [...REQUEST_LABELS, 'code'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: stable('Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.'),
      labelNames: [...REQUEST_LABELS],
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
    this.requestTerminations = new Counter({
      name: 'apiserver_request_terminations_total',
      help: alpha('Number of requests which apiserver terminated in self-defense.'),
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component', 'code'],
      registers,
    });
    this.longRunning = new Gauge({
      name: 'apiserver_longrunning_requests',
      help: stable('Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.'),
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      registers,
    });
    this.inflight = new Gauge({
      name: 'apiserver_current_inflight_requests',
      help: stable('Maximal number of currently used inflight request limit of this apiserver per request kind in last second.'),
      labelNames: ['request_kind'],
      registers,
    });
    this.inflight.set({ request_kind: 'readOnly' }, 0);
    this.inflight.set({ request_kind: 'mutating' }, 0);
    this.etcdRequestDuration = new Histogram({
      name: 'etcd_request_duration_seconds',
      help: alpha('Etcd request latency in seconds for each operation and object type.'),
      labelNames: ['operation', 'type'],
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
    this.etcdRequests = new Counter({
      name: 'etcd_requests_total',
      help: alpha('Etcd request counts for each operation and object type.'),
      labelNames: ['operation', 'type'],
      registers,
    });
    this.etcdRequestErrors = new Counter({
      name: 'etcd_request_errors_total',
      help: alpha('Etcd failed request counts for each operation and object type.'),
      labelNames: ['operation', 'type'],
      registers,
    });
    const counts = (): ObjectCounts => this.objectCounts;
    this.storageObjects = new Gauge({
      name: 'apiserver_storage_objects',
      help: stable('Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.'),
      labelNames: ['resource'],
      registers,
      collect() {
        // a resource no longer served (a kind unregistered at run time) is dropped, as upstream's DeleteStoreStats
        this.reset();
        for (const { resource, count } of counts()()) this.set({ resource }, count ?? -1);
      },
    });
    this.watchEvents = new Counter({
      name: 'apiserver_watch_events_total',
      help: alpha('Number of events sent in watch clients'),
      labelNames: ['group', 'version', 'kind'],
      registers,
    });
    this.watchEventSizes = new Histogram({
      name: 'apiserver_watch_events_sizes',
      help: alpha('Watch event size distribution in bytes'),
      labelNames: ['group', 'version', 'kind'],
      buckets: Array.from({ length: 8 }, (_, i) => 1024 * 2 ** i),
      registers,
    });
    this.watchCacheEventsReceived = new Counter({
      name: 'apiserver_watch_cache_events_received_total',
      help: alpha('Counter of events received in watch cache broken by resource type.'),
      labelNames: ['resource'],
      registers,
    });
    this.watchCacheInitializations = new Counter({
      name: 'apiserver_watch_cache_initializations_total',
      help: alpha('Counter of watch cache initializations broken by resource type.'),
      labelNames: ['resource'],
      registers,
    });
  }

  /** Where apiserver_storage_objects reads its counts at each scrape. */
  countObjectsWith(counts: ObjectCounts): void {
    this.objectCounts = counts;
  }

  /** Publish the last second's in-flight watermarks (upstream updates them every second). */
  publishInflight(): void {
    const w = this.watermark.rotate();
    this.inflight.set({ request_kind: 'readOnly' }, w.readOnly);
    this.inflight.set({ request_kind: 'mutating' }, w.mutating);
  }

  /** A request reached its handler: count it in apiserver_longrunning_requests while it lasts, if long-running. */
  startLongRunning(track: RequestTrack, labels: RequestLabels): void {
    track.route = labels;
    track.longRunning = true;
    this.longRunning.inc(longRunningLabels(labels));
  }

  /** The request ended with `code` after `seconds`. */
  finish(track: RequestTrack, code: number, seconds: number): void {
    const l = track.route;
    if (!l) return;
    if (track.longRunning) {
      this.longRunning.dec(longRunningLabels(l));
      track.longRunning = false;
    }
    this.requestTotal.inc({ ...l, code: String(code) });
    this.requestDuration.observe({ ...l }, seconds);
  }

  /** upstream's RecordRequestTermination: the request timed out (504). */
  terminated(labels: RequestLabels, code: number): void {
    const { dry_run: _dryRun, ...rest } = labels;
    void _dryRun;
    this.requestTerminations.inc({ ...rest, code: String(code) });
  }

  /** One etcd request of `type` (a resource, `pods` or `deployments.apps`). */
  etcdRequest(operation: string, type: string, seconds: number, failed: boolean): void {
    this.etcdRequestDuration.observe({ operation, type }, seconds);
    this.etcdRequests.inc({ operation, type });
    if (failed) this.etcdRequestErrors.inc({ operation, type });
  }

  /** One event written to a watch client of (group, version, kind), `bytes` long. */
  watchEvent(group: string, version: string, kind: string, bytes: number): void {
    this.watchEvents.inc({ group, version, kind });
    this.watchEventSizes.observe({ group, version, kind }, bytes);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function longRunningLabels(l: RequestLabels): Record<string, string> {
  return { verb: l.verb, group: l.group, version: l.version, resource: l.resource, subresource: l.subresource, scope: l.scope, component: l.component };
}

/**
 * A Backend whose requests are timed in etcd_request_duration_seconds (and counted in etcd_requests_total
 * and etcd_request_errors_total) with upstream's operation names: get, list, listWithCount, create,
 * update, delete; `type` is the resource (upstream 1.32's groupResource string). Watches are not requests.
 */
export function instrumentBackend(backend: Backend, type: string, metrics: ApiServerMetrics): Backend {
  const timed = async <T>(operation: string, label: string, f: () => Promise<T>): Promise<T> => {
    const start = process.hrtime.bigint();
    let failed = true;
    try {
      const out = await f();
      failed = false;
      return out;
    } finally {
      metrics.etcdRequest(operation, label, Number(process.hrtime.bigint() - start) / 1e9, failed);
    }
  };
  return {
    get: (key) => timed('get', type, () => backend.get(key)),
    list: (prefix, opts) => timed('list', type, () => backend.list(prefix, opts)),
    // upstream labels a count with the key it counted under
    count: (prefix) => timed('listWithCount', prefix, () => backend.count(prefix)),
    create: (key, value, opts) => timed('create', type, () => backend.create(key, value, opts)),
    update: (key, value, rev, opts) => timed('update', type, () => backend.update(key, value, rev, opts)),
    delete: (key, rev) => timed('delete', type, () => backend.delete(key, rev)),
    watch: (prefix, from, handlers) => backend.watch(prefix, from, handlers),
    currentRevision: () => backend.currentRevision(),
    compact: (rev) => backend.compact(rev),
    close: () => backend.close(),
  };
}
