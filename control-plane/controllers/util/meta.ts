/**
 * Small pure helpers the controllers share: the creation-time order, label selector matchers and pod
 * readiness and availability (podutil). Keys, owner references, conditions and times are the shared layer's
 * (api/keys.ts, api/owners.ts, api/conditions.ts, api/time.ts). No I/O here.
 */

import { getCondition } from '../../../api/conditions.js';
import { labelSelectorToSelector, selectorFromSet } from '../../../api/labels.js';
import { parseTime } from '../../../api/time.js';
import { isPodTerminal } from '../../../api/pods.js';
import type { KubeObject, LabelSelector, Pod } from './types.js';

// Keys (the shared ones; re-exported under the controllers' historical name)

export { objectKey as keyOf } from '../../../api/keys.js';
export { isPodTerminal };

// ---------------------------------------------------------------------------------------------
// Order

/**
 * Older first, then by name: upstream's ByCreationTimestamp orders (ReplicaSetsByCreationTimestamp, pod GC's
 * byEvictionAndCreationTimestamp after eviction). A missing or unparsable timestamp counts as the epoch.
 */
export function byCreationTimestamp(a: KubeObject, b: KubeObject): number {
  const ta = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Label selectors (metav1.LabelSelectorAsSelector semantics: empty selects everything, null nothing)

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

export function labelSelectorMatcher(sel: LabelSelector | null | undefined): LabelMatcher {
  let compiled: ReturnType<typeof labelSelectorToSelector>;
  try {
    compiled = labelSelectorToSelector(sel);
  } catch {
    return () => false; // an invalid selector selects nothing
  }
  return (labels) => compiled.matches(labels);
}

/** A plain map as a selector (Service.spec.selector): every pair must match; empty matches all. */
export function mapSelectorMatcher(sel: Record<string, string> | undefined): LabelMatcher {
  const compiled = selectorFromSet(sel);
  return (labels) => compiled.matches(labels);
}

// ---------------------------------------------------------------------------------------------
// Pods

export function getPodCondition(pod: Pod, type: string) {
  return getCondition(pod.status?.conditions, type);
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return getPodCondition(pod, 'Ready')?.status === 'True';
}

/** When the pod became Ready (the Ready condition's lastTransitionTime), if it is ready. */
export function podReadyTime(pod: Pod): number | undefined {
  const c = getPodCondition(pod, 'Ready');
  if (c?.status !== 'True') return undefined;
  return parseTime(c.lastTransitionTime);
}

/** podutil.IsPodAvailable: ready for at least minReadySeconds. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const c = getPodCondition(pod, 'Ready');
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const t = parseTime(c.lastTransitionTime);
  return t !== undefined && t + minReadySeconds * 1000 < now;
}

/** controller.IsPodActive: not terminal and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp;
}

export function podIP(pod: Pod): string | undefined {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;
}
