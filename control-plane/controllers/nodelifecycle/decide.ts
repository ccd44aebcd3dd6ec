/**
 * Node lifecycle (pkg/controller/nodelifecycle) and taint-based eviction
 * (pkg/controller/tainteviction) as pure functions:
 *  - nodeHealth: when did we last hear from the node (a Lease renewal or a new heartbeat in its
 *    Ready condition, timed by our own clock), and which conditions become Unknown after the grace period;
 *  - desiredTaints: the NoSchedule taints that mirror the node's conditions and the NoExecute
 *    not-ready / unreachable taint;
 *  - planNodeLifecycle: one pass over a node as a plan (status, event, taints, pods marked not Ready);
 *  - decideEvictions: the pods on a NoExecute-tainted node that must go now, and when to look again.
 */

import { matchTaint, toleratesTaint } from '../../../api/taints.js';
import { clone } from '../../../api/values.js';
import { getCondition } from '../../../api/conditions.js';
import { parseTime, rfc3339 } from '../../../api/time.js';
import { isPodActive } from '../util/meta.js';
import type { Lease, Node, NodeCondition, Pod, PodCondition, Taint, Toleration } from '../util/types.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** The conditions the controller turns Unknown when the kubelet goes silent. */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface NodeLifecycleOptions {
  /** --node-monitor-grace-period (50 s since 1.32). */
  gracePeriodMs: number;
  /** --node-startup-grace-period (60 s). */
  startupGracePeriodMs: number;
}

export const DEFAULT_NODE_LIFECYCLE: NodeLifecycleOptions = { gracePeriodMs: 50_000, startupGracePeriodMs: 60_000 };

/** What the controller remembers of a node between passes (nodeHealthData). */
export interface NodeHealth {
  /** Our clock when we last heard from the node. */
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  /** The Ready condition's lastHeartbeatTime we last saw. */
  heartbeat?: string | null;
  /** The Ready condition's lastTransitionTime we last saw. */
  transition?: string | null;
  /** The Lease's renewTime we last saw. */
  leaseRenewTime?: string;
}

export interface NodeHealthResult {
  health: NodeHealth;
  /** The node's conditions after the pass when they change (write with a status update). */
  conditions?: NodeCondition[];
  /** The Ready condition as observed after the pass. */
  ready: NodeCondition | undefined;
}

/**
 * tryUpdateNodeHealth. The probe time moves when the Ready condition's heartbeat changes or the
 * Lease's renewTime moves forward, measured by our clock (so clock skew does not matter). After the
 * grace period without a probe, the monitored conditions become Unknown (NodeStatusUnknown /
 * "Kubelet stopped posting node status.", or NodeStatusNeverUpdated when absent).
 */
export function nodeHealth(
  node: Node,
  lease: Lease | undefined,
  saved: NodeHealth | undefined,
  now: number,
  opts: NodeLifecycleOptions = DEFAULT_NODE_LIFECYCLE,
): NodeHealthResult {
  const ready = getCondition(node.status?.conditions, 'Ready');
  let grace = opts.gracePeriodMs;
  let h: NodeHealth;
  if (!ready) {
    grace = opts.startupGracePeriodMs;
    const created = parseTime(node.metadata?.creationTimestamp) ?? now;
    h = saved ? { ...saved } : { probeTimestamp: created, readyTransitionTimestamp: created };
  } else if (!saved) {
    h = { probeTimestamp: now, readyTransitionTimestamp: now, heartbeat: ready.lastHeartbeatTime, transition: ready.lastTransitionTime };
  } else if (saved.heartbeat !== ready.lastHeartbeatTime) {
    h = {
      ...saved,
      probeTimestamp: now,
      readyTransitionTimestamp: saved.transition !== ready.lastTransitionTime ? now : saved.readyTransitionTimestamp,
      heartbeat: ready.lastHeartbeatTime,
      transition: ready.lastTransitionTime,
    };
  } else h = { ...saved };

  const renew = lease?.spec?.renewTime;
  if (renew && (h.leaseRenewTime === undefined || (parseTime(renew) ?? 0) > (parseTime(h.leaseRenewTime) ?? 0))) {
    h.leaseRenewTime = renew;
    h.probeTimestamp = now;
  }

  if (now <= h.probeTimestamp + grace) return { health: h, ready };

  // Silent for longer than the grace period: every monitored condition becomes Unknown.
  const nowText = rfc3339(now);
  const conds = clone(node.status?.conditions ?? []);
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const c = conds.find((x) => x.type === type);
    if (!c) {
      conds.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp,
        lastTransitionTime: nowText,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = nowText;
      changed = true;
    }
  }
  const readyAfter = conds.find((x) => x.type === 'Ready');
  if (!changed) return { health: h, ready: readyAfter };
  h.readyTransitionTimestamp = now;
  // Our own write changes nothing about when we last heard from the kubelet.
  h.heartbeat = readyAfter?.lastHeartbeatTime;
  h.transition = readyAfter?.lastTransitionTime;
  return { health: h, conditions: conds, ready: readyAfter };
}

/**
 * The taints the controller wants on a node, given its (possibly just updated) conditions:
 * doNoScheduleTaintingPass (condition -> NoSchedule taints, unschedulable) and
 * processTaintBaseEviction (Ready False -> not-ready:NoExecute, Unknown -> unreachable:NoExecute,
 * True -> neither). Other taints are kept as they are; a kept NoExecute taint keeps its timeAdded.
 */
export function desiredTaints(node: Node, conditions: NodeCondition[] | undefined, now: number): Taint[] {
  const conds = conditions ?? node.status?.conditions ?? [];
  const status = (t: string) => conds.find((c) => c.type === t)?.status;
  const noSchedule: string[] = [];
  const ready = status('Ready');
  if (ready === 'False') noSchedule.push(TAINT_NOT_READY);
  if (ready === 'Unknown') noSchedule.push(TAINT_UNREACHABLE);
  if (status('MemoryPressure') === 'True') noSchedule.push(TAINT_MEMORY_PRESSURE);
  if (status('DiskPressure') === 'True') noSchedule.push(TAINT_DISK_PRESSURE);
  if (status('PIDPressure') === 'True') noSchedule.push(TAINT_PID_PRESSURE);
  if (status('NetworkUnavailable') === 'True') noSchedule.push(TAINT_NETWORK_UNAVAILABLE);
  if (node.spec?.unschedulable) noSchedule.push(TAINT_UNSCHEDULABLE);
  const managedNoSchedule = new Set([
    TAINT_NOT_READY,
    TAINT_UNREACHABLE,
    TAINT_MEMORY_PRESSURE,
    TAINT_DISK_PRESSURE,
    TAINT_PID_PRESSURE,
    TAINT_NETWORK_UNAVAILABLE,
    TAINT_UNSCHEDULABLE,
  ]);
  const noExecute = ready === 'False' ? TAINT_NOT_READY : ready === 'Unknown' ? TAINT_UNREACHABLE : undefined;
  const cur = node.spec?.taints ?? [];
  const out: Taint[] = [];
  for (const t of cur) {
    if (t.effect === 'NoSchedule' && managedNoSchedule.has(t.key)) {
      if (noSchedule.includes(t.key)) out.push(t);
      continue;
    }
    if (t.effect === 'NoExecute' && (t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE)) {
      if (t.key === noExecute) out.push(t);
      continue;
    }
    out.push(t);
  }
  for (const key of noSchedule) if (!out.some((t) => matchTaint(t, { key, effect: 'NoSchedule' }))) out.push({ key, effect: 'NoSchedule' });
  if (noExecute && !out.some((t) => matchTaint(t, { key: noExecute, effect: 'NoExecute' })))
    out.push({ key: noExecute, effect: 'NoExecute', timeAdded: rfc3339(now) });
  return out;
}

export function taintsChanged(a: Taint[] | undefined, b: Taint[] | undefined): boolean {
  const k = (l: Taint[] | undefined) => (l ?? []).map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`).sort().join(',');
  return k(a) !== k(b);
}

/** The shared Toleration.ToleratesTaint (api/taints.ts), re-exported where the evictions use it. */
export { toleratesTaint };

export interface EvictionDecision {
  /** Pods to delete now. */
  evict: Pod[];
  /** The next time (ms) an eviction falls due, to look again then. */
  nextAt?: number;
}

/**
 * processPodOnNode for every pod of a node: with NoExecute taints, a pod that does not tolerate one
 * of them goes at once; otherwise it goes when the smallest tolerationSeconds among the tolerations
 * used has passed since the taint was added (tolerations without tolerationSeconds tolerate forever).
 * kubelab counts from the taint's timeAdded (the controller keeps no timers across restarts).
 */
export function decideEvictions(node: Node, pods: Pod[], now: number): EvictionDecision {
  const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
  const out: EvictionDecision = { evict: [] };
  if (taints.length === 0) return out;
  for (const pod of pods) {
    if (!isPodActive(pod)) continue;
    const tols = pod.spec?.tolerations ?? [];
    let due: number | undefined = Number.POSITIVE_INFINITY;
    for (const taint of taints) {
      const used = tols.filter((t) => (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute') && toleratesTaint(t, taint));
      if (used.length === 0) {
        due = undefined; // not tolerated: now
        break;
      }
      let min = Number.POSITIVE_INFINITY;
      for (const t of used) if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) min = Math.min(min, Math.max(0, t.tolerationSeconds));
      if (min === Number.POSITIVE_INFINITY) continue;
      const added = parseTime(taint.timeAdded) ?? now;
      due = Math.min(due, added + min * 1000);
    }
    if (due === undefined || due <= now) out.evict.push(pod);
    else if (due !== Number.POSITIVE_INFINITY) out.nextAt = out.nextAt === undefined ? due : Math.min(out.nextAt, due);
  }
  return out;
}

/** MarkPodsNotReady: the pods on a node that is not Ready whose Ready condition still says True. */
export function podsToMarkNotReady(pods: Pod[]): Pod[] {
  return pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}

/** One node lifecycle pass over a node, decided before any write (monitorNodeHealth for one node). */
export interface NodeLifecyclePlan {
  health: NodeHealth;
  /** The node's new conditions (a status update), when they change. */
  conditions?: NodeCondition[];
  /** Record NodeNotReady: Ready was True and is not after this pass. */
  notReadyEvent: boolean;
  /** The node's new taints (an update), when they change. */
  taints?: Taint[];
  /** Pods on the node whose Ready condition turns False (a status patch each), when the node is not Ready. */
  markNotReady: { pod: Pod; conditions: PodCondition[] }[];
}

export function planNodeLifecycle(
  node: Node,
  lease: Lease | undefined,
  saved: NodeHealth | undefined,
  podsOnNode: Pod[],
  now: number,
  opts: NodeLifecycleOptions = DEFAULT_NODE_LIFECYCLE,
): NodeLifecyclePlan {
  const prevReady = getCondition(node.status?.conditions, 'Ready');
  const res = nodeHealth(node, lease, saved, now, opts);
  const conditions = res.conditions ?? node.status?.conditions;
  const ready = getCondition(conditions, 'Ready');
  const plan: NodeLifecyclePlan = { health: res.health, notReadyEvent: prevReady?.status === 'True' && ready?.status !== 'True', markNotReady: [] };
  if (res.conditions) plan.conditions = res.conditions;
  const taints = desiredTaints(node, conditions, now);
  if (taintsChanged(node.spec?.taints, taints)) plan.taints = taints;
  if (ready && ready.status !== 'True') {
    for (const pod of podsToMarkNotReady(podsOnNode)) {
      const podConditions = (pod.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: rfc3339(now) } : c));
      plan.markNotReady.push({ pod, conditions: podConditions });
    }
  }
  return plan;
}
