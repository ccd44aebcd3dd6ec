/**
 * The metrics.k8s.io/v1beta1 API metrics-server serves (pkg/api): NodeMetrics and PodMetrics (get, list; label and
 * field selectors; namespaces), the discovery documents, and what each request must be authorized for. Pure: the
 * storage, the node and pod lists and the clock are arguments; server.ts does the I/O.
 */
import { errors, KubeError } from '../../api/errors.js';
import { formatQuantity, sumQuantities, unitQuantity } from '../../api/quantity.js';
import { parseLabelSelector } from '../../api/labels.js';
import { parseFieldSelector } from '../../api/fields.js';
import type { RequestAttributes } from '../../api/client/delegated-auth.js';
import type { ContainerUsage, MetricsStorage, Usage } from './storage.js';

export const GROUP = 'metrics.k8s.io';
export const VERSION = 'v1beta1';
export const GROUP_VERSION = `${GROUP}/${VERSION}`;

/** What the API needs of a Node or Pod from the informers. */
export interface ObjectRef {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: { phase?: string };
}

export interface ApiState {
  storage: MetricsStorage;
  nodes: () => ObjectRef[];
  pods: () => ObjectRef[];
  now: () => Date;
}

export interface ApiResponse {
  code: number;
  body: unknown;
}

/** A Go time.Duration's String() of whole ms (pure): `15s`, `1m0.5s`, `10.011s`, `500ms`, `0s`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${neg ? '-' : ''}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  const sText = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  return `${neg ? '-' : ''}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sText}`;
}

/** usage: cpu as nanocores (DecimalSI, scale -9), memory as bytes (BinarySI), canonical as upstream (pure). */
export function usageList(u: Pick<Usage, 'cpuNanoCores' | 'memoryBytes'>): { cpu: string; memory: string } {
  return {
    cpu: formatQuantity({ nanos: BigInt(Math.max(0, Math.floor(u.cpuNanoCores))), format: 'DecimalSI' }),
    memory: formatQuantity(unitQuantity(Math.max(0, Math.floor(u.memoryBytes)), 'BinarySI')),
  };
}

export function nodeMetrics(node: ObjectRef, u: Usage, now: Date): Record<string, unknown> {
  return {
    kind: 'NodeMetrics',
    apiVersion: GROUP_VERSION,
    metadata: { name: node.metadata.name, creationTimestamp: rfc3339(now), ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) },
    timestamp: rfc3339(new Date(u.timestampMs)),
    window: goDuration(u.windowMs),
    usage: usageList(u),
  };
}

export function podMetrics(pod: ObjectRef, containers: ContainerUsage[], now: Date): Record<string, unknown> {
  const newest = containers.reduce((a, c) => (c.timestampMs > a.timestampMs ? c : a), containers[0]!);
  return {
    kind: 'PodMetrics',
    apiVersion: GROUP_VERSION,
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace ?? '', creationTimestamp: rfc3339(now), ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}) },
    timestamp: rfc3339(new Date(newest.timestampMs)),
    window: goDuration(newest.windowMs),
    containers: containers.map((c) => ({ name: c.name, usage: usageList(c) })),
  };
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const API_RESOURCES = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: GROUP_VERSION,
  resources: [
    { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
  ],
};

const VERSION_ENTRY = { groupVersion: GROUP_VERSION, version: VERSION };
export const API_GROUP = { kind: 'APIGroup', apiVersion: 'v1', name: GROUP, versions: [VERSION_ENTRY], preferredVersion: VERSION_ENTRY };
export const API_GROUP_LIST = { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: GROUP, versions: [VERSION_ENTRY], preferredVersion: VERSION_ENTRY }] };

/** A request as the API sees it. */
export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The Accept header: `application/json;as=Table;g=meta.k8s.io;v=v1` gets a Table (kubectl get). */
  accept?: string;
}

/** Does the Accept header ask for a meta.k8s.io Table (pure)? */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((clause) => {
    const params = new Map(clause.split(';').slice(1).map((p) => p.trim().split('=') as [string, string]));
    return params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io' && (params.get('v') === 'v1' || params.get('v') === 'v1beta1');
  });
}

/**
 * A NodeMetricsList or PodMetricsList as a Table (pure), as metrics-server's pkg/api/table.go: Name, CPU, Memory,
 * Window; a pod's row sums its containers.
 */
export function metricsTable(list: { items: Record<string, unknown>[] }): Record<string, unknown> {
  const col = (name: string, description: string, format = '') => ({ name, type: 'string', format, description, priority: 0 });
  const rows = list.items.map((item) => {
    const meta = item.metadata as ObjectRef['metadata'] & { creationTimestamp?: string };
    let cpu: string;
    let memory: string;
    const usage = item.usage as { cpu: string; memory: string } | undefined;
    if (usage) ({ cpu, memory } = usage);
    else {
      const cs = (item.containers as { usage: { cpu: string; memory: string } }[]) ?? [];
      cpu = formatQuantity(sumQuantities(cs.map((c) => c.usage.cpu)));
      memory = formatQuantity({ ...sumQuantities(cs.map((c) => c.usage.memory)), format: 'BinarySI' });
    }
    return {
      cells: [meta.name, cpu, memory, item.window],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta },
    };
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: [col('Name', 'Name of the resource', 'name'), col('CPU', 'CPU usage'), col('Memory', 'Memory usage'), col('Window', 'Interval')],
    rows,
  };
}

/** What a parsed path means (pure). */
export type Route =
  | { kind: 'health'; name: string }
  | { kind: 'discovery'; body: unknown }
  | { kind: 'nodes'; name?: string }
  | { kind: 'pods'; namespace?: string; name?: string }
  | { kind: 'notFound' };

export function route(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/healthz' || p === '/livez' || p === '/readyz') return { kind: 'health', name: p.slice(1) };
  if (p === '/apis') return { kind: 'discovery', body: API_GROUP_LIST };
  if (p === `/apis/${GROUP}`) return { kind: 'discovery', body: API_GROUP };
  if (p === `/apis/${GROUP_VERSION}`) return { kind: 'discovery', body: API_RESOURCES };
  const prefix = `/apis/${GROUP_VERSION}/`;
  if (!p.startsWith(prefix)) return { kind: 'notFound' };
  const parts = p.slice(prefix.length).split('/').map(decodeURIComponent);
  if (parts[0] === 'nodes' && parts.length <= 2) return { kind: 'nodes', ...(parts[1] ? { name: parts[1] } : {}) };
  if (parts[0] === 'pods' && parts.length === 1) return { kind: 'pods' };
  if (parts[0] === 'namespaces' && parts[1] && parts[2] === 'pods' && parts.length <= 4) return { kind: 'pods', namespace: parts[1], ...(parts[3] ? { name: parts[3] } : {}) };
  return { kind: 'notFound' };
}

/** The authorization attributes of a request (pure), as the generic API server's RequestInfoFactory. */
export function requestAttributes(method: string, path: string, query: URLSearchParams): RequestAttributes | undefined {
  const r = route(path);
  const m = method.toUpperCase();
  if (r.kind === 'health') return undefined;
  if (r.kind !== 'nodes' && r.kind !== 'pods') return { verb: m === 'GET' || m === 'HEAD' ? 'get' : m.toLowerCase(), path };
  const named = r.name !== undefined;
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  const verbs: Record<string, string> = { GET: named ? 'get' : watch ? 'watch' : 'list', HEAD: named ? 'get' : 'list', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: named ? 'delete' : 'deletecollection' };
  return {
    verb: verbs[m] ?? m.toLowerCase(),
    group: GROUP,
    version: VERSION,
    resource: r.kind,
    ...(r.kind === 'pods' && r.namespace ? { namespace: r.namespace } : {}),
    ...(r.name ? { name: r.name } : {}),
  };
}

function selectors(q: URLSearchParams): { labels: (l: Record<string, string> | undefined) => boolean; fields: (f: Record<string, string>) => boolean } {
  const ls = parseLabelSelector(q.get('labelSelector') ?? '');
  const fs = parseFieldSelector(q.get('fieldSelector') ?? '');
  return { labels: (l) => ls.matches(l ?? {}), fields: (f) => fs.matches(f) };
}

/** Serve a request that was authenticated and authorized (pure). */
export function serve(req: ApiRequest, st: ApiState): ApiResponse {
  try {
    return serveOrThrow(req, st);
  } catch (e) {
    if (e instanceof KubeError) return { code: e.httpStatus, body: e.toStatus() };
    throw e;
  }
}

function serveOrThrow(req: ApiRequest, st: ApiState): ApiResponse {
  const r = route(req.path);
  const m = req.method.toUpperCase();
  if (r.kind === 'notFound') return { code: 404, body: new KubeError('NotFound', 'the server could not find the requested resource').toStatus() };
  if (r.kind === 'health') return { code: 200, body: 'ok' };
  if (m !== 'GET' && m !== 'HEAD') {
    return { code: 405, body: new KubeError('MethodNotAllowed', `the server does not allow this method on the requested resource`).toStatus() };
  }
  if (r.kind === 'discovery') return { code: 200, body: r.body };
  const watch = req.query.get('watch') === 'true' || req.query.get('watch') === '1';
  if (watch) return { code: 405, body: new KubeError('MethodNotAllowed', 'the server does not allow this method on the requested resource').toStatus() };
  const now = st.now();
  if (r.kind === 'nodes') {
    if (r.name !== undefined) {
      const node = st.nodes().find((n) => n.metadata.name === r.name);
      if (!node) throw errors.notFound('nodes', '', r.name);
      const u = st.storage.nodeUsage(r.name);
      if (!u) throw errors.notFound('nodemetrics', GROUP, r.name);
      const one = nodeMetrics(node, u, now);
      return { code: 200, body: wantsTable(req.accept) ? metricsTable({ items: [one] }) : one };
    }
    const sel = selectors(req.query);
    const items: Record<string, unknown>[] = [];
    for (const node of [...st.nodes()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
      if (!sel.labels(node.metadata.labels) || !sel.fields({ 'metadata.name': node.metadata.name })) continue;
      const u = st.storage.nodeUsage(node.metadata.name);
      if (u) items.push(nodeMetrics(node, u, now));
    }
    const list = { kind: 'NodeMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items };
    return { code: 200, body: wantsTable(req.accept) ? metricsTable(list) : list };
  }
  if (r.name !== undefined) {
    const ns = r.namespace ?? '';
    const pod = st.pods().find((p) => p.metadata.name === r.name && (p.metadata.namespace ?? '') === ns);
    if (!pod) throw errors.notFound('pods', '', r.name);
    const cs = st.storage.podUsage(ns, r.name);
    if (!cs) throw errors.notFound('podmetrics', GROUP, `${ns}/${r.name}`);
    const one = podMetrics(pod, cs, now);
    return { code: 200, body: wantsTable(req.accept) ? metricsTable({ items: [one] }) : one };
  }
  const sel = selectors(req.query);
  const items: Record<string, unknown>[] = [];
  const pods = st.pods().filter((p) => r.namespace === undefined || p.metadata.namespace === r.namespace);
  pods.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  for (const pod of pods) {
    // upstream's pod lister skips pods that are not running (pending, finished)
    if (pod.status?.phase && pod.status.phase !== 'Running') continue;
    if (!sel.labels(pod.metadata.labels) || !sel.fields({ 'metadata.name': pod.metadata.name, 'metadata.namespace': pod.metadata.namespace ?? '' })) continue;
    const cs = st.storage.podUsage(pod.metadata.namespace ?? '', pod.metadata.name);
    if (cs) items.push(podMetrics(pod, cs, now));
  }
  const list = { kind: 'PodMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items };
  return { code: 200, body: wantsTable(req.accept) ? metricsTable(list) : list };
}
