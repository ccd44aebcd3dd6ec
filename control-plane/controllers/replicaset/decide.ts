/**
 * The ReplicaSet controller's decisions (pkg/controller/replicaset), as pure functions:
 *  - decideReplicaSet: which pods it owns (adopt / release), how many to create, which to delete;
 *  - replicaSetStatus: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
 *    observedGeneration, the ReplicaFailure condition;
 *  - podFromTemplate: the pod it creates (generateName `<rs>-`, controller reference).
 */

import { clone } from '../../../api/values.js';
import { planClaims, type ClaimPlan } from '../util/claim.js';
import { getCondition, removeCondition, setCondition } from '../../../api/conditions.js';
import { newControllerRef } from '../../../api/owners.js';
import { rfc3339 } from '../../../api/time.js';
import { isPodActive, isPodAvailable, isPodReady, mapSelectorMatcher } from '../util/meta.js';
import { podsToDelete } from '../util/ranking.js';
import type { Condition, Pod, ReplicaSet, ReplicaSetStatus } from '../util/types.js';

/** The kind that owns the pods (a ReplicaSet, or a ReplicationController run by the same controller). */
export interface PodOwnerKind {
  apiVersion: string;
  kind: string;
}

export const REPLICA_SET_KIND: PodOwnerKind = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };

/** controller.BurstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetState {
  rs: ReplicaSet;
  /** Every pod in the ReplicaSet's namespace (from the cache). */
  pods: Pod[];
  /** Pods of the other ReplicaSets with the same controller (for the "doubled up" rank). */
  relatedPods?: Pod[];
  /** The expectations of this ReplicaSet are met: the cache can be trusted to create/delete. */
  expectationsSatisfied: boolean;
  now: number;
  /** Whose controller references the claims write (ReplicaSet unless told). */
  owner?: PodOwnerKind;
}

export interface ReplicaSetDecision {
  /**
   * The claim of the active pods (adopt / release patches); its `claimed` are the pods the
   * ReplicaSet owns afterwards (what its status counts).
   */
  claims: ClaimPlan<Pod>;
  create: number;
  delete: Pod[];
}

export function decideReplicaSet(s: ReplicaSetState): ReplicaSetDecision {
  const rs = s.rs;
  const active = s.pods.filter(isPodActive);
  const owner = s.owner ?? REPLICA_SET_KIND;
  const claims = planClaims({ obj: rs, apiVersion: owner.apiVersion, kind: owner.kind }, rs.spec?.selector, active);
  const out: ReplicaSetDecision = { claims, create: 0, delete: [] };
  if (!s.expectationsSatisfied || rs.metadata?.deletionTimestamp) return out;
  const want = rs.spec?.replicas ?? 1;
  const diff = claims.claimed.length - want;
  if (diff < 0) out.create = Math.min(-diff, BURST_REPLICAS);
  else if (diff > 0) out.delete = podsToDelete(claims.claimed, s.relatedPods ?? [], Math.min(diff, BURST_REPLICAS), s.now);
  return out;
}

export interface ManageError {
  /** 'create' when creating pods failed, 'delete' when deleting failed. */
  op: 'create' | 'delete';
  message: string;
}

/** calculateStatus + the observedGeneration the status update writes. */
export function replicaSetStatus(rs: ReplicaSet, owned: Pod[], now: number, manageError?: ManageError): ReplicaSetStatus {
  const templateLabels = mapSelectorMatcher(rs.spec?.template?.metadata?.labels);
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const p of owned) {
    if (templateLabels(p.metadata?.labels)) fully++;
    if (isPodReady(p)) ready++;
    if (isPodAvailable(p, minReady, now)) available++;
  }
  let conditions: Condition[] | undefined = rs.status?.conditions;
  const failure = getCondition(conditions, 'ReplicaFailure');
  if (manageError && !failure) {
    conditions = setCondition(conditions, {
      type: 'ReplicaFailure',
      status: 'True',
      reason: manageError.op === 'create' ? 'FailedCreate' : 'FailedDelete',
      message: manageError.message,
      lastTransitionTime: rfc3339(now),
    });
  } else if (!manageError && failure) {
    conditions = removeCondition(conditions, 'ReplicaFailure');
  }
  const status: ReplicaSetStatus = {
    replicas: owned.length,
    fullyLabeledReplicas: fully,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation ?? rs.status?.observedGeneration ?? 0,
  };
  if (conditions && conditions.length) status.conditions = conditions;
  return status;
}

/** Does the status need writing (updateReplicaSetStatus's early return)? */
export function replicaSetStatusChanged(rs: ReplicaSet, next: ReplicaSetStatus): boolean {
  const cur = rs.status ?? {};
  return (
    (cur.replicas ?? 0) !== next.replicas ||
    (cur.fullyLabeledReplicas ?? 0) !== next.fullyLabeledReplicas ||
    (cur.readyReplicas ?? 0) !== next.readyReplicas ||
    (cur.availableReplicas ?? 0) !== next.availableReplicas ||
    (cur.observedGeneration ?? 0) !== next.observedGeneration ||
    JSON.stringify(cur.conditions ?? []) !== JSON.stringify(next.conditions ?? [])
  );
}

/**
 * When to look again although nothing changes: pods that are ready but not yet available become
 * available after minReadySeconds (upstream re-enqueues after minReadySeconds).
 */
export function replicaSetRequeueAfterMs(rs: ReplicaSet, status: ReplicaSetStatus): number | undefined {
  const minReady = rs.spec?.minReadySeconds ?? 0;
  if (minReady > 0 && status.readyReplicas !== status.availableReplicas) return minReady * 1000;
  return undefined;
}

/** The pod a ReplicaSet creates: its template, generateName `<rs>-`, the controller reference (to `owner`). */
export function podFromTemplate(rs: ReplicaSet, owner: PodOwnerKind = REPLICA_SET_KIND): Pod {
  const t = rs.spec?.template ?? {};
  const meta = t.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: podNamePrefix(rs.metadata?.name ?? ''),
      namespace: rs.metadata?.namespace,
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [newControllerRef(rs, owner.apiVersion, owner.kind)],
    },
    spec: clone(t.spec ?? {}),
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata!.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata!.finalizers = [...meta.finalizers];
  return pod;
}

/** getPodsPrefix: `<name>-` (the API server appends 5 random characters). */
export function podNamePrefix(controllerName: string): string {
  return `${controllerName}-`;
}
