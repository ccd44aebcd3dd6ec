/**
 * The order in which a ReplicaSet gives up pods when it scales down: upstream's
 * controller.ActivePodsWithRanks.Less (with LogarithmicScaleDown and PodDeletionCost on, as in 1.32).
 * Pods sorting first are deleted first.
 */

import { parseTime } from '../../../api/time.js';
import { isPodActive, isPodReady, podReadyTime } from './meta.js';
import type { Pod } from './types.js';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(p: Pod): number {
  const v = p.metadata?.annotations?.[POD_DELETION_COST];
  if (v === undefined) return 0;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : 0;
}

function maxRestarts(p: Pod): number {
  let m = 0;
  for (const c of p.status?.containerStatuses ?? []) m = Math.max(m, c.restartCount ?? 0);
  return m;
}

/** afterOrZero: a zero time sorts first, else the later time first. */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (!t1 || !t2) return !t1;
  return t1 > t2;
}

/** Upstream's logarithmicRankDiff: compare floor(log2(age in ns)). */
function logRankDiff(t1: number, t2: number, now: number): number {
  const d1 = (now - t1) * 1e6;
  const d2 = (now - t2) * 1e6;
  const r1 = d1 > 0 ? Math.floor(Math.log2(d1)) : -1;
  const r2 = d2 > 0 ? Math.floor(Math.log2(d2)) : -1;
  return r1 - r2;
}

function timeLess(t1: number | undefined, t2: number | undefined, now: number | undefined, a: Pod, b: Pod): boolean {
  if (now === undefined || !t1 || !t2) return afterOrZero(t1, t2);
  const diff = logRankDiff(t1, t2, now);
  if (diff === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '');
  return diff < 0;
}

export interface RankedPod {
  pod: Pod;
  /** How many related pods (of the same owner's other ReplicaSets) share its node. */
  rank: number;
}

/** ActivePodsWithRanks.Less: true when `a` should be deleted before `b`. */
export function activePodLess(a: RankedPod, b: RankedPod, now?: number): boolean {
  const pa = a.pod;
  const pb = b.pod;
  const na = pa.spec?.nodeName ?? '';
  const nb = pb.spec?.nodeName ?? '';
  // 1. Unassigned < assigned.
  if (na !== nb && (na === '' || nb === '')) return na === '';
  // 2. Pending < Unknown < Running.
  const oa = PHASE_ORDINAL[pa.status?.phase ?? ''] ?? 0;
  const ob = PHASE_ORDINAL[pb.status?.phase ?? ''] ?? 0;
  if (oa !== ob) return oa < ob;
  // 3. Not ready < ready.
  const ra = isPodReady(pa);
  const rb = isPodReady(pb);
  if (ra !== rb) return !ra;
  // 4. Lower pod-deletion-cost < higher.
  const ca = deletionCost(pa);
  const cb = deletionCost(pb);
  if (ca !== cb) return ca < cb;
  // 5. Doubled up (more related pods on the same node) < not doubled up.
  if (a.rank !== b.rank) return a.rank > b.rank;
  // 6. Ready for less time < more time.
  if (ra && rb) {
    const ta = podReadyTime(pa);
    const tb = podReadyTime(pb);
    if (ta !== tb) return timeLess(ta, tb, now, pa, pb);
  }
  // 7. More restarts < fewer restarts.
  const xa = maxRestarts(pa);
  const xb = maxRestarts(pb);
  if (xa !== xb) return xa > xb;
  // 8. Newer < older.
  const ta = parseTime(pa.metadata?.creationTimestamp);
  const tb = parseTime(pb.metadata?.creationTimestamp);
  if (ta !== tb) return timeLess(ta, tb, now, pa, pb);
  return false;
}

/** Rank each pod by the number of related pods on its node (getPodsRankedByRelatedPodsOnSameNode). */
export function rankPods(pods: Pod[], related: Pod[]): RankedPod[] {
  const perNode = new Map<string, number>();
  for (const p of related) {
    const n = p.spec?.nodeName;
    if (n && isPodActive(p)) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  return pods.map((pod) => ({ pod, rank: pod.spec?.nodeName ? (perNode.get(pod.spec.nodeName) ?? 0) : 0 }));
}

/** getPodsToDelete: the `count` pods to delete first (all of them when count covers them all). */
export function podsToDelete(pods: Pod[], related: Pod[], count: number, now?: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const ranked = rankPods(pods, related);
  ranked.sort((x, y) => (activePodLess(x, y, now) ? -1 : activePodLess(y, x, now) ? 1 : 0));
  return ranked.slice(0, count).map((r) => r.pod);
}
