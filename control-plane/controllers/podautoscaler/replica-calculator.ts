/**
 * The HPA's replica math, as upstream's pkg/controller/podautoscaler/replica_calculator.go (1.32): pure functions of
 * the pods (from the informer cache), their metrics (metrics.k8s.io PodMetrics, in milli-units) and the clock.
 *
 *   desired = ceil(currentUsage / target × pods counted)      no change while |1 - ratio| <= tolerance (0.1)
 *   pods: deleting or Failed -> ignored; Pending -> unready; no metric -> missing; cpu: not Ready (or inside the
 *         initialization period without a full metric window since its Ready transition) -> unready
 *   missing pods count as 100% of their request (or the target when above 100%) on a scale down, 0% on a scale up;
 *   unready pods count as 0% on a scale up; a change of direction after that keeps the current count.
 * Errors are upstream's messages, thrown as ReplicaCalcError (the controller puts them in conditions and events).
 */
import { KubeError } from '../../../api/errors.js';
import { milliValue, tryParseQuantity } from '../../../api/quantity.js';
import type { Pod } from '../util/types.js';

/** One pod's sample: its value in milli-units, when it was taken and over which window. */
export interface PodMetric {
  timestamp: number;
  windowMs: number;
  value: number;
}
export type PodMetricsInfo = Map<string, PodMetric>;

/** Why no replica count could be computed (upstream's error text; it ends up in a condition and an event). */
export class ReplicaCalcError extends KubeError {
  constructor(message: string) {
    super('InternalError', message);
  }
}

export interface CalcOptions {
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5m). */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30s). */
  delayOfInitialReadinessStatusMs: number;
  now: number;
}

export const DEFAULT_CALC_OPTIONS: Omit<CalcOptions, 'now'> = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
};

const ts = (t: unknown): number | undefined => (typeof t === 'string' ? Date.parse(t) : undefined);

/** groupPods: ready count, unready (Pending, cpu not ready yet), missing (no metric) and ignored (deleting, Failed) pods. */
export function groupPods(
  pods: readonly Pod[],
  metrics: PodMetricsInfo,
  resource: string,
  o: Pick<CalcOptions, 'cpuInitializationPeriodMs' | 'delayOfInitialReadinessStatusMs' | 'now'>,
): { readyPodCount: number; unreadyPods: Set<string>; missingPods: Set<string>; ignoredPods: Set<string> } {
  const unreadyPods = new Set<string>();
  const missingPods = new Set<string>();
  const ignoredPods = new Set<string>();
  let readyPodCount = 0;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      ignoredPods.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      unreadyPods.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      missingPods.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const condition = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
      const start = ts(pod.status?.startTime);
      let unready: boolean;
      if (!condition || start === undefined) unready = true;
      else {
        const transition = ts(condition.lastTransitionTime) ?? 0;
        if (start + o.cpuInitializationPeriodMs > o.now) {
          // inside the initialization period: unready, or no full metric window since the last transition
          unready = condition.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          // afterwards: unready and never ready since it started
          unready = condition.status === 'False' && start + o.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) {
        unreadyPods.add(name);
        continue;
      }
    }
    readyPodCount++;
  }
  return { readyPodCount, unreadyPods, missingPods, ignoredPods };
}

/** calculatePodRequests: each pod's request of the resource (its containers and sidecars, or the one container). */
export function calculatePodRequests(pods: readonly Pod[], container: string, resource: string): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
    let sum = 0;
    for (const c of containers) {
      if (container !== '' && container !== c.name) continue;
      const q = (c.resources?.requests as Record<string, string | number> | undefined)?.[resource];
      const parsed = q === undefined ? undefined : tryParseQuantity(q);
      if (!parsed) throw new ReplicaCalcError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}`);
      sum += milliValue(parsed);
    }
    requests.set(pod.metadata?.name ?? '', sum);
  }
  return requests;
}

/** metrics.GetResourceUtilizationRatio: utilization in whole percent (truncated as Go's integer division), the raw average. */
export function resourceUtilizationRatio(
  metrics: PodMetricsInfo,
  requests: Map<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [pod, m] of metrics) {
    const request = requests.get(pod);
    if (request === undefined) continue; // missing requests were checked elsewhere: a metric without one is redundant
    metricsTotal += m.value;
    requestsTotal += request;
    entries++;
  }
  if (requestsTotal === 0) throw new ReplicaCalcError('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / entries) };
}

/** metrics.GetMetricUsageRatio. */
export function metricUsageRatio(metrics: PodMetricsInfo, targetUsage: number): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}

const without = (metrics: PodMetricsInfo, ...sets: Set<string>[]): PodMetricsInfo => {
  const out = new Map(metrics);
  for (const s of sets) for (const p of s) out.delete(p);
  return out;
};

/**
 * GetResourceReplicas: the replica count for a target utilization (percent of request) of a resource, the current
 * utilization and the raw average (milli-units).
 */
export function resourceReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  container: string,
  pods: readonly Pod[],
  podMetrics: PodMetricsInfo,
  o: CalcOptions,
): { replicas: number; utilization: number; rawUtilization: number } {
  if (pods.length === 0) throw new ReplicaCalcError('no pods returned by selector while calculating replica count');
  const { readyPodCount, unreadyPods, missingPods, ignoredPods } = groupPods(pods, podMetrics, resource, o);
  const metrics = without(podMetrics, ignoredPods, unreadyPods);
  if (metrics.size === 0) throw new ReplicaCalcError('did not receive metrics for targeted pods (pods might be unready)');
  const requests = calculatePodRequests(pods, container, resource);
  const { ratio: usageRatio, utilization, rawAverage: rawUtilization } = resourceUtilizationRatio(metrics, requests, targetUtilization);

  const scaleUpWithUnready = unreadyPods.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && missingPods.size === 0) {
    if (Math.abs(1.0 - usageRatio) <= o.tolerance) return { replicas: currentReplicas, utilization, rawUtilization };
    return { replicas: Math.ceil(usageRatio * readyPodCount), utilization, rawUtilization };
  }
  if (missingPods.size > 0) {
    if (usageRatio < 1.0) {
      // a scale down: missing pods use 100% of their request, or the target when it is above 100%
      const fallback = Math.max(100, targetUtilization);
      for (const p of missingPods) metrics.set(p, { value: Math.trunc(((requests.get(p) ?? 0) * fallback) / 100), timestamp: 0, windowMs: 0 });
    } else if (usageRatio > 1.0) {
      for (const p of missingPods) metrics.set(p, { value: 0, timestamp: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const p of unreadyPods) metrics.set(p, { value: 0, timestamp: 0, windowMs: 0 });

  const { ratio: newUsageRatio } = resourceUtilizationRatio(metrics, requests, targetUtilization);
  if (Math.abs(1.0 - newUsageRatio) <= o.tolerance || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) {
    return { replicas: currentReplicas, utilization, rawUtilization };
  }
  const newReplicas = Math.ceil(newUsageRatio * metrics.size);
  if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas)) {
    return { replicas: currentReplicas, utilization, rawUtilization };
  }
  return { replicas: newReplicas, utilization, rawUtilization };
}

/** calcPlainMetricReplicas (GetRawResourceReplicas: an AverageValue target of a resource, in milli-units). */
export function plainMetricReplicas(
  currentReplicas: number,
  targetUsage: number,
  resource: string,
  pods: readonly Pod[],
  podMetrics: PodMetricsInfo,
  o: CalcOptions,
): { replicas: number; usage: number } {
  if (pods.length === 0) throw new ReplicaCalcError('no pods returned by selector while calculating replica count');
  const { readyPodCount, unreadyPods, missingPods, ignoredPods } = groupPods(pods, podMetrics, resource, o);
  const metrics = without(podMetrics, ignoredPods, unreadyPods);
  if (metrics.size === 0) throw new ReplicaCalcError('did not receive metrics for targeted pods (pods might be unready)');
  const { ratio: usageRatio, usage } = metricUsageRatio(metrics, targetUsage);

  const scaleUpWithUnready = unreadyPods.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && missingPods.size === 0) {
    if (Math.abs(1.0 - usageRatio) <= o.tolerance) return { replicas: currentReplicas, usage };
    return { replicas: Math.ceil(usageRatio * readyPodCount), usage };
  }
  if (missingPods.size > 0) {
    // a scale down: missing pods use exactly the target; a scale up: nothing
    const v = usageRatio < 1.0 ? targetUsage : usageRatio > 1.0 ? 0 : undefined;
    if (v !== undefined) for (const p of missingPods) metrics.set(p, { value: v, timestamp: 0, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const p of unreadyPods) metrics.set(p, { value: 0, timestamp: 0, windowMs: 0 });

  const { ratio: newUsageRatio } = metricUsageRatio(metrics, targetUsage);
  if (Math.abs(1.0 - newUsageRatio) <= o.tolerance || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) {
    return { replicas: currentReplicas, usage };
  }
  const newReplicas = Math.ceil(newUsageRatio * metrics.size);
  if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas)) {
    return { replicas: currentReplicas, usage };
  }
  return { replicas: newReplicas, usage };
}
