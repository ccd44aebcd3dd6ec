/**
 * Deployment helpers (pkg/controller/deployment/util): surge/unavailable arithmetic, revisions and
 * the annotations the deployment controller keeps on its ReplicaSets. Pure functions.
 */

import { getScaledValueFromIntOrPercent } from '../../../api/intstr.js';
import { stableStringify } from '../../../api/values.js';
import { byCreationTimestamp } from '../util/meta.js';
import type { Deployment, PodTemplateSpec, ReplicaSet } from '../util/types.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** deployment-controller's --deployment-controller-max-rev-history-length-in-chars default. */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;
const MAX_INT32 = 2147483647;

/** Annotations that are never copied between a Deployment and its ReplicaSets. */
export const ANNOTATIONS_TO_SKIP = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/**
 * intstr.GetScaledValueFromIntOrPercent (api/intstr.ts): an int as is, a percent of total rounded up
 * or down; unset counts as 0. Throws on a string that is not a percentage (validation rejects those).
 */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  return getScaledValueFromIntOrPercent(v, total, roundUp);
}

export function replicasOf(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** ResolveFenceposts: surge rounds up, unavailable down; both zero makes unavailable 1. */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d)).surge;
}

export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || replicasOf(d) === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d));
  const r = replicasOf(d);
  return unavailable > r ? r : unavailable;
}

export function hasProgressDeadline(d: Deployment): boolean {
  const p = d.spec?.progressDeadlineSeconds ?? 600;
  return p !== MAX_INT32;
}

export function progressDeadlineSeconds(d: Deployment): number {
  return d.spec?.progressDeadlineSeconds ?? 600;
}

export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const l = d.spec?.revisionHistoryLimit ?? 10;
  return l !== MAX_INT32;
}

/** The revision of a ReplicaSet (0 when absent, NaN when unparsable). */
export function revisionOf(rs: ReplicaSet): number {
  const v = rs.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return /^\d+$/.test(v) ? Number.parseInt(v, 10) : Number.NaN;
}

export function maxRevision(rss: ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (!Number.isNaN(v) && v > max) max = v;
  }
  return max;
}

export function specReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec?.replicas ?? 0;
}

export function sumSpecReplicas(rss: (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + specReplicas(rs), 0);
}

export function sumStatus(rss: (ReplicaSet | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  return rss.reduce((n, rs) => n + (rs?.status?.[field] ?? 0), 0);
}

export function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number.parseInt(v, 10);
}

/** ReplicaSetsByRevision: lower revision first (then by creation). */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a) || 0;
  const rb = revisionOf(b) || 0;
  if (ra !== rb) return ra - rb;
  return byCreationTimestamp(a, b);
}

/** A template's comparable text: without pod-template-hash and with empty values dropped. */
function templateText(t: PodTemplateSpec | undefined): string {
  const copy = JSON.parse(JSON.stringify(t ?? {})) as PodTemplateSpec;
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return stableStringify(dropEmpty(copy));
}

function dropEmpty(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropEmpty);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const y = dropEmpty(x);
      if (y === null || y === undefined) continue;
      if (typeof y === 'object' && !Array.isArray(y) && Object.keys(y).length === 0) continue;
      if (Array.isArray(y) && y.length === 0) continue;
      out[k] = y;
    }
    return out;
  }
  return v;
}

/** EqualIgnoreHash: the templates are equal apart from the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return templateText(a) === templateText(b);
}

/**
 * SetReplicasAnnotations: desired-replicas and max-replicas on a ReplicaSet (mutates); true when
 * something changed.
 */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  rs.metadata ??= {};
  rs.metadata.annotations ??= {};
  const a = rs.metadata.annotations;
  let changed = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    a[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/**
 * SetNewReplicaSetAnnotations (mutates rs): copy the deployment's annotations (except the skipped
 * ones), raise the revision to newRevision, keep the old revision in revision-history on a
 * rollback, and on creation record desired/max replicas. True when something changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  rs.metadata ??= {};
  rs.metadata.annotations ??= {};
  const a = rs.metadata.annotations;
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const had = Object.prototype.hasOwnProperty.call(a, REVISION_ANNOTATION);
  const oldRevisionText = a[REVISION_ANNOTATION] ?? '';
  const oldRevision = /^\d+$/.test(oldRevisionText) ? Number.parseInt(oldRevisionText, 10) : had ? Number.NaN : 0;
  if (Number.isNaN(oldRevision)) return changed;
  if (oldRevision < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (had) {
      const hist = a[REVISION_HISTORY_ANNOTATION] ?? '';
      let parts = hist ? hist.split(',') : [];
      parts.push(oldRevisionText);
      while (parts.join(',').length > MAX_REV_HISTORY_LENGTH_IN_CHARS && parts.length > 1) parts = parts.slice(1);
      a[REVISION_HISTORY_ANNOTATION] = parts.join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}
