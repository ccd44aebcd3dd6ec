/**
 * A kubelet's /metrics/resource (Prometheus text) as one node's batch of points, as metrics-server's
 * pkg/scraper/client/resource/decode.go reads it: node_cpu_usage_seconds_total, node_memory_working_set_bytes,
 * container_cpu_usage_seconds_total, container_memory_working_set_bytes and container_start_time_seconds (each
 * sample's timestamp in ms is the point's time); pod_* and unknown families are ignored. A container without
 * both CPU and memory is left out, as upstream drops incomplete points. Pure.
 */

/** One reading: cumulative CPU (ns), working set (bytes), when (ms), since when it runs (ms, 0 = unknown). */
export interface MetricsPoint {
  startTimeMs: number;
  timestampMs: number;
  cumulativeCpuNs: number;
  memoryBytes: number;
}

export interface NodeBatch {
  node?: MetricsPoint;
  /** `namespace/pod` -> container name -> point */
  pods: Map<string, Map<string, MetricsPoint>>;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

/** One sample line of the text format (`name{l="v",...} value [timestamp]`), or undefined (pure). */
export function parseSampleLine(line: string): Sample | undefined {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+(-?\d+))?\s*$/.exec(line);
  if (!m) return undefined;
  const labels: Record<string, string> = {};
  if (m[2]) {
    for (const l of m[2].slice(1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = unescape(l[2]!);
  }
  const text = m[3]!;
  const value = text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
  if (Number.isNaN(value) && text !== 'NaN') return undefined;
  return { name: m[1]!, labels, value, ...(m[4] !== undefined ? { timestampMs: Number(m[4]) } : {}) };
}

/** The batch of one node's /metrics/resource (pure). */
export function decodeResourceMetrics(text: string): NodeBatch {
  const nodePart: Partial<MetricsPoint> = {};
  const containers = new Map<string, Partial<MetricsPoint>>();
  const key = (l: Record<string, string>) => (l.namespace !== undefined && l.pod !== undefined && l.container !== undefined ? `${l.namespace}/${l.pod}\u0000${l.container}` : undefined);
  const part = (k: string) => {
    let p = containers.get(k);
    if (!p) containers.set(k, (p = {}));
    return p;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const s = parseSampleLine(line);
    if (!s || !Number.isFinite(s.value)) continue;
    switch (s.name) {
      case 'node_cpu_usage_seconds_total':
        if (s.timestampMs === undefined) break;
        nodePart.cumulativeCpuNs = Math.round(s.value * 1e9);
        nodePart.timestampMs = s.timestampMs;
        break;
      case 'node_memory_working_set_bytes':
        if (s.timestampMs === undefined) break;
        nodePart.memoryBytes = s.value;
        nodePart.timestampMs ??= s.timestampMs;
        break;
      case 'container_cpu_usage_seconds_total': {
        const k = key(s.labels);
        if (!k || s.timestampMs === undefined) break;
        const p = part(k);
        p.cumulativeCpuNs = Math.round(s.value * 1e9);
        p.timestampMs = s.timestampMs;
        break;
      }
      case 'container_memory_working_set_bytes': {
        const k = key(s.labels);
        if (!k || s.timestampMs === undefined) break;
        const p = part(k);
        p.memoryBytes = s.value;
        p.timestampMs ??= s.timestampMs;
        break;
      }
      case 'container_start_time_seconds': {
        const k = key(s.labels);
        if (!k) break;
        part(k).startTimeMs = Math.round(s.value * 1000);
        break;
      }
      default:
    }
  }
  const complete = (p: Partial<MetricsPoint>): MetricsPoint | undefined =>
    p.cumulativeCpuNs !== undefined && p.memoryBytes !== undefined && p.timestampMs !== undefined
      ? { startTimeMs: p.startTimeMs ?? 0, timestampMs: p.timestampMs, cumulativeCpuNs: p.cumulativeCpuNs, memoryBytes: p.memoryBytes }
      : undefined;
  const pods = new Map<string, Map<string, MetricsPoint>>();
  for (const [k, p] of containers) {
    const point = complete(p);
    if (!point) continue;
    const [pod, container] = k.split('\u0000') as [string, string];
    let m = pods.get(pod);
    if (!m) pods.set(pod, (m = new Map()));
    m.set(container, point);
  }
  const node = complete(nodePart);
  return { ...(node ? { node } : {}), pods };
}
