/**
 * metrics-server's pkg/storage: the last two points of every node and container, and the usage made from them.
 * CPU is a rate between two points ((cpu_last - cpu_prev) / (t_last - t_prev)), memory the last working set;
 * the window is t_last - t_prev. A point no newer than the stored last one keeps the stored previous point; a
 * container that started within one resolution (but at least 10 s ago) gets a made-up previous point of zero CPU
 * at its start time, so a new pod shows up after one scrape; a decreasing start time or CPU counter gives no
 * usage. Pure (a class over plain maps; no I/O, no clock).
 */
import type { MetricsPoint, NodeBatch } from './decode.js';

/** pkg/storage freshContainerMinMetricsResolution. */
export const FRESH_CONTAINER_MIN_RESOLUTION_MS = 10_000;

export interface Usage {
  timestampMs: number;
  windowMs: number;
  /** CPU in nanocores. */
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface ContainerUsage extends Usage {
  name: string;
}

/** resourceUsage: the usage between two points, or an error message (pure). */
export function resourceUsage(last: MetricsPoint, prev: MetricsPoint): Usage | string {
  if (last.startTimeMs < prev.startTimeMs) return 'unexpected decrease in startTime of node/container';
  if (last.cumulativeCpuNs < prev.cumulativeCpuNs) return 'unexpected decrease in cumulative CPU usage value';
  const windowMs = last.timestampMs - prev.timestampMs;
  if (windowMs <= 0) return 'non-positive window';
  return {
    timestampMs: last.timestampMs,
    windowMs,
    cpuNanoCores: Math.floor(((last.cumulativeCpuNs - prev.cumulativeCpuNs) * 1000) / windowMs),
    memoryBytes: last.memoryBytes,
  };
}

/** The previous point to keep for a new one (pure), as storage's node.go / pod.go Store. */
export function nextPrev(newPoint: MetricsPoint, last: MetricsPoint | undefined, prev: MetricsPoint | undefined): MetricsPoint | undefined {
  if (!last) return undefined;
  if (newPoint.timestampMs > last.timestampMs) return last;
  if (prev && prev.timestampMs < newPoint.timestampMs) return prev;
  return undefined;
}

export class MetricsStorage {
  private lastNodes = new Map<string, MetricsPoint>();
  private prevNodes = new Map<string, MetricsPoint>();
  private lastPods = new Map<string, Map<string, MetricsPoint>>();
  private prevPods = new Map<string, Map<string, MetricsPoint>>();

  constructor(private readonly metricResolutionMs: number) {}

  /** One scrape of every node: node name -> its batch (failed nodes are absent). */
  store(batches: ReadonlyMap<string, NodeBatch>): void {
    const lastNodes = new Map<string, MetricsPoint>();
    const prevNodes = new Map<string, MetricsPoint>();
    const lastPods = new Map<string, Map<string, MetricsPoint>>();
    const prevPods = new Map<string, Map<string, MetricsPoint>>();
    for (const [nodeName, batch] of batches) {
      if (batch.node && !lastNodes.has(nodeName)) {
        lastNodes.set(nodeName, batch.node);
        const p = nextPrev(batch.node, this.lastNodes.get(nodeName), this.prevNodes.get(nodeName));
        if (p) prevNodes.set(nodeName, p);
      }
      for (const [pod, containers] of batch.pods) {
        if (lastPods.has(pod)) continue; // a duplicate pod point (two nodes): the first wins, as upstream
        const lastC = new Map<string, MetricsPoint>();
        const prevC = new Map<string, MetricsPoint>();
        for (const [name, point] of containers) {
          lastC.set(name, point);
          const storedLast = this.lastPods.get(pod)?.get(name);
          const storedPrev = this.prevPods.get(pod)?.get(name);
          let p = nextPrev(point, storedLast, storedPrev);
          if (p && point.startTimeMs > p.timestampMs) p = undefined; // restarted since: the old point means nothing
          if (!p) p = this.freshPrev(point);
          if (p) prevC.set(name, p);
        }
        lastPods.set(pod, lastC);
        prevPods.set(pod, prevC);
      }
    }
    this.lastNodes = lastNodes;
    this.prevNodes = prevNodes;
    this.lastPods = lastPods;
    this.prevPods = prevPods;
  }

  /** A container started recently: a zero point at its start time (pure helper). */
  private freshPrev(point: MetricsPoint): MetricsPoint | undefined {
    const age = point.timestampMs - point.startTimeMs;
    if (point.startTimeMs > 0 && age > 0 && age < this.metricResolutionMs && age >= FRESH_CONTAINER_MIN_RESOLUTION_MS) {
      return { ...point, timestampMs: point.startTimeMs, cumulativeCpuNs: 0 };
    }
    return undefined;
  }

  nodeUsage(nodeName: string): Usage | undefined {
    const last = this.lastNodes.get(nodeName);
    const prev = this.prevNodes.get(nodeName);
    if (!last || !prev) return undefined;
    const u = resourceUsage(last, prev);
    return typeof u === 'string' ? undefined : u;
  }

  /** The pod's containers with usage (sorted by name); undefined when none has two points. */
  podUsage(namespace: string, name: string): ContainerUsage[] | undefined {
    const key = `${namespace}/${name}`;
    const last = this.lastPods.get(key);
    if (!last) return undefined;
    const out: ContainerUsage[] = [];
    for (const [c, point] of last) {
      const prev = this.prevPods.get(key)?.get(c);
      if (!prev) continue;
      const u = resourceUsage(point, prev);
      if (typeof u !== 'string') out.push({ name: c, ...u });
    }
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out.length ? out : undefined;
  }

  /** Every pod with points (`namespace/name`). */
  podKeys(): string[] {
    return [...this.lastPods.keys()];
  }

  /** Ready, as upstream's storage Ready(): at least one node has usage. */
  ready(): boolean {
    for (const n of this.lastNodes.keys()) if (this.nodeUsage(n)) return true;
    return false;
  }
}
