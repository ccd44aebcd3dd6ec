/**
 * Small pure helpers every controller shares: keys, owner references, label selectors, pod
 * readiness and availability, conditions, time. No I/O here.
 */

import { labelSelectorToSelector } from '../../../api/labels.js';
import type { Condition, KubeObject, LabelSelector, OwnerReference, Pod } from './types.js';

// ---------------------------------------------------------------------------------------------
// Keys

/** `namespace/name`, or `name` for cluster-scoped objects (client-go's MetaNamespaceKeyFunc). */
export function keyOf(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  if (i < 0) return { namespace: undefined, name: key };
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

// ---------------------------------------------------------------------------------------------
// Owner references

export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The controller reference a controller puts on what it creates (controller + blockOwnerDeletion). */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isOwnedBy(obj: KubeObject, ownerUid: string | undefined): boolean {
  return !!ownerUid && getControllerOf(obj)?.uid === ownerUid;
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
  const pairs = Object.entries(sel ?? {});
  return (labels) => pairs.every(([k, v]) => labels?.[k] === v);
}

// ---------------------------------------------------------------------------------------------
// Time

/** Milliseconds since the epoch of an RFC 3339 time, or undefined. */
export function ms(t: string | undefined | null): number | undefined {
  if (!t) return undefined;
  const v = Date.parse(t);
  return Number.isNaN(v) ? undefined : v;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function rfc3339(msSinceEpoch: number): string {
  return new Date(Math.floor(msSinceEpoch / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
// Pods

export function getPodCondition(pod: Pod, type: string) {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return getPodCondition(pod, 'Ready')?.status === 'True';
}

/** When the pod became Ready (the Ready condition's lastTransitionTime), if it is ready. */
export function podReadyTime(pod: Pod): number | undefined {
  const c = getPodCondition(pod, 'Ready');
  if (c?.status !== 'True') return undefined;
  return ms(c.lastTransitionTime);
}

/** podutil.IsPodAvailable: ready for at least minReadySeconds. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const c = getPodCondition(pod, 'Ready');
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const t = ms(c.lastTransitionTime);
  return t !== undefined && t + minReadySeconds * 1000 < now;
}

export function isPodTerminal(pod: Pod): boolean {
  const p = pod.status?.phase;
  return p === 'Succeeded' || p === 'Failed';
}

/** controller.IsPodActive: not terminal and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp;
}

export function podIP(pod: Pod): string | undefined {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;
}

// ---------------------------------------------------------------------------------------------
// Conditions

export function getCondition<C extends { type: string }>(conds: C[] | undefined, type: string): C | undefined {
  return conds?.find((c) => c.type === type);
}

/**
 * Upstream's SetDeploymentCondition / SetCondition: unchanged when status and reason are the same;
 * keeps lastTransitionTime when only the reason changes. Returns a new array.
 */
export function setCondition<C extends Condition>(conds: C[] | undefined, cond: C): C[] {
  const list = conds ?? [];
  const cur = list.find((c) => c.type === cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return list;
  const next = { ...cond };
  if (cur && cur.status === cond.status) next.lastTransitionTime = cur.lastTransitionTime;
  return [...list.filter((c) => c.type !== cond.type), next];
}

export function removeCondition<C extends Condition>(conds: C[] | undefined, type: string): C[] {
  return (conds ?? []).filter((c) => c.type !== type);
}
