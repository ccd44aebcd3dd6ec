/**
 * The StatefulSet controller's decisions (pkg/controller/statefulset/stateful_set_control.go
 * updateStatefulSet, processReplica, processCondemned, the RollingUpdate loop, updateStatus and
 * completeRollingUpdate), as one pure function of the set, its pods, the claims and its two revisions:
 *
 *   replicas  = the ordinals [start, start+replicas): the live pod, or a new one (current revision below
 *               the partition, update revision at and above it)
 *   condemned = the set's pods outside the range, highest ordinal first
 *   1. each replica, lowest first: a Failed/Succeeded pod is deleted (recreated next sync); a missing pod gets
 *      its claims then is created; OrderedReady stops at a pod that is new, terminating, or not Running+Ready
 *      (+ minReadySeconds); a pod whose identity labels drifted is fixed
 *   2. claims of condemned pods get the owner references the retention policy asks for (whenScaled Delete)
 *   3. condemned pods deleted, highest first; OrderedReady: one at a time, only once every replica is healthy
 *      (or the pod is the first unhealthy one), never while one is terminating
 *   4. RollingUpdate: the highest ordinal >= partition not at the update revision is deleted (it comes back at
 *      the update revision); waits while a pod at or above the partition is unhealthy. OnDelete: nothing.
 * Parallel runs every step of 1-3 without waiting. The status counts the pods as they were.
 */

import { isPodAvailable, isPodReady } from '../util/meta.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, StatefulSet, StatefulSetStatus } from '../util/types.js';
import {
  REVISION_LABEL,
  claimIsStale,
  claimsFor,
  identityLabelFix,
  identityMatches,
  inOrdinalRange,
  newStatefulSetPod,
  ordinalOf,
  replicaCount,
  retentionOwnerRefs,
  startOrdinal,
} from './identity.js';

export interface StatefulSetState {
  set: StatefulSet;
  /** The pods the set owns (after the claim step), in any phase. */
  pods: Pod[];
  /** The PersistentVolumeClaims of the set's namespace, by name. */
  claims: ReadonlyMap<string, PersistentVolumeClaim>;
  /** status.currentRevision's revision (the update revision when there is none yet) and its template. */
  currentRevision: string;
  currentTemplate: PodTemplateSpec | undefined;
  /** The revision of spec.template. */
  updateRevision: string;
  updateTemplate: PodTemplateSpec | undefined;
  collisionCount: number;
  now: number;
}

export type StatefulSetStep =
  | { op: 'createClaim'; claim: PersistentVolumeClaim; pod: Pod }
  | { op: 'createPod'; pod: Pod }
  | { op: 'deletePod'; pod: Pod; why: 'finished' | 'scale-down' | 'update' }
  | { op: 'fixPodIdentity'; pod: Pod; labels: Record<string, string> }
  | { op: 'updateClaimOwners'; claim: PersistentVolumeClaim; pod: Pod; ownerReferences: NonNullable<NonNullable<PersistentVolumeClaim['metadata']>['ownerReferences']> };

export interface StatefulSetDecision {
  /** The writes, in order; the adapter stops at the first that fails. */
  steps: StatefulSetStep[];
  status: StatefulSetStatus;
  /** Look again after this long though nothing changes (a Ready pod becomes available after minReadySeconds). */
  requeueAfterMs?: number;
}

const phase = (p: Pod): string => p.status?.phase ?? '';
/** isCreated: the API server has it (a new pod's phase is still empty). */
const isCreated = (p: Pod): boolean => phase(p) !== '';
const isTerminating = (p: Pod): boolean => !!p.metadata?.deletionTimestamp;
const isFinished = (p: Pod): boolean => phase(p) === 'Failed' || phase(p) === 'Succeeded';
export const isRunningAndReady = (p: Pod): boolean => phase(p) === 'Running' && isPodReady(p);
const isRunningAndAvailable = (p: Pod, minReady: number, now: number): boolean => phase(p) === 'Running' && isPodAvailable(p, minReady, now);
/** isHealthy: Running and Ready, and not going away. */
const isHealthy = (p: Pod): boolean => isRunningAndReady(p) && !isTerminating(p);
export const podRevision = (p: Pod): string | undefined => p.metadata?.labels?.[REVISION_LABEL];

/** allowsBurst: Parallel pod management does not wait between pods. */
export const allowsBurst = (set: StatefulSet): boolean => set.spec?.podManagementPolicy === 'Parallel';

/** The partition of a RollingUpdate (0 when unset); undefined for OnDelete. */
export function partitionOf(set: StatefulSet): number | undefined {
  const us = set.spec?.updateStrategy;
  if (us?.type === 'OnDelete') return undefined;
  return us?.rollingUpdate?.partition ?? 0;
}

/** computeReplicaStatus over replicas and condemned, with the revisions' counts. */
export function countStatus(pods: Pod[], minReady: number, now: number, currentRevision: string, updateRevision: string) {
  const s = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const p of pods) {
    if (isCreated(p)) s.replicas++;
    if (isRunningAndReady(p)) {
      s.readyReplicas++;
      if (isRunningAndAvailable(p, minReady, now)) s.availableReplicas++;
    }
    if (isCreated(p) && !isTerminating(p)) {
      const rev = podRevision(p);
      if (rev === currentRevision) s.currentReplicas++;
      if (rev === updateRevision) s.updatedReplicas++;
    }
  }
  return s;
}

export function decideStatefulSet(st: StatefulSetState): StatefulSetDecision {
  const { set, now } = st;
  const minReady = set.spec?.minReadySeconds ?? 0;
  const start = startOrdinal(set);
  const count = replicaCount(set);
  const monotonic = !allowsBurst(set);
  const partition = partitionOf(set);

  // Split the pods: the ordinal range (one pod an ordinal) and the condemned rest, highest first.
  const replicas: (Pod | undefined)[] = new Array(count).fill(undefined);
  const condemned: Pod[] = [];
  for (const p of st.pods) {
    const ord = ordinalOf(p);
    if (ord < 0) continue;
    if (inOrdinalRange(set, ord)) replicas[ord - start] = p;
    else condemned.push(p);
  }
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
  // newVersionedStatefulSetPod: below the partition (RollingUpdate without rollingUpdate: below status.currentReplicas)
  // a new pod runs the current revision, else the update revision.
  const us = set.spec?.updateStrategy;
  const currentBelow = us?.type === 'OnDelete' ? 0 : us?.rollingUpdate ? (us.rollingUpdate.partition ?? 0) : (set.status?.currentReplicas ?? 0);
  const full: Pod[] = replicas.map(
    (p, i) =>
      p ??
      (i < currentBelow
        ? newStatefulSetPod(set, st.currentTemplate, start + i, st.currentRevision)
        : newStatefulSetPod(set, st.updateTemplate, start + i, st.updateRevision)),
  );

  const counted = countStatus([...full, ...condemned], minReady, now, st.currentRevision, st.updateRevision);
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata?.generation ?? 0,
    ...counted,
    currentRevision: st.currentRevision,
    updateRevision: st.updateRevision,
    collisionCount: st.collisionCount,
  };
  if (set.status?.conditions?.length) status.conditions = set.status.conditions;
  const steps: StatefulSetStep[] = [];
  const done = (): StatefulSetDecision => finish(set, status, steps, full, condemned, minReady, now);
  if (set.metadata?.deletionTimestamp) return done();

  // 1. The replicas, lowest ordinal first.
  for (const pod of full) {
    if (isFinished(pod)) {
      if (!isTerminating(pod)) steps.push({ op: 'deletePod', pod, why: 'finished' });
      if (monotonic) return done();
      continue;
    }
    if (!isCreated(pod)) {
      const claims = [...claimsFor(set, ordinalOf(pod)).values()];
      if (claims.some((c) => claimIsStale(set, pod, st.claims.get(c.metadata!.name!)))) return done();
      for (const c of claims) if (!st.claims.has(c.metadata!.name!)) steps.push({ op: 'createClaim', claim: withRetentionRefs(set, pod, c), pod });
      steps.push({ op: 'createPod', pod });
      if (monotonic) return done();
      continue;
    }
    if (phase(pod) === 'Pending') {
      // createMissingPersistentVolumeClaims: a pending pod waits on its claims.
      for (const c of claimsFor(set, ordinalOf(pod)).values()) {
        if (!st.claims.has(c.metadata!.name!)) steps.push({ op: 'createClaim', claim: withRetentionRefs(set, pod, c), pod });
      }
    }
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, now))) return done();
    for (const c of claimsFor(set, ordinalOf(pod)).values()) {
      const live = st.claims.get(c.metadata!.name!);
      const refs = live && retentionOwnerRefs(set, pod, live);
      if (live && refs) steps.push({ op: 'updateClaimOwners', claim: live, pod, ownerReferences: refs });
    }
    const fix = identityMatches(set, pod) ? undefined : identityLabelFix(pod);
    if (fix) steps.push({ op: 'fixPodIdentity', pod, labels: fix });
  }

  // 2. Claims of condemned pods: owned by their pod when whenScaled is Delete, before the pod goes.
  for (const pod of condemned) {
    for (const c of claimsFor(set, ordinalOf(pod)).values()) {
      const live = st.claims.get(c.metadata!.name!);
      const refs = live && retentionOwnerRefs(set, pod, live);
      if (live && refs) steps.push({ op: 'updateClaimOwners', claim: live, pod, ownerReferences: refs });
    }
  }

  // 3. Scale down, highest ordinal first.
  const firstUnhealthy = [...full, ...[...condemned].reverse()].find((p) => !isHealthy(p));
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return done();
      continue;
    }
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, now))) return done();
    steps.push({ op: 'deletePod', pod, why: 'scale-down' });
    if (monotonic) return done();
  }

  // 4. RollingUpdate: the highest ordinal at or above the partition that is not at the update revision.
  if (partition === undefined) return done();
  for (let i = full.length - 1; i >= partition; i--) {
    const pod = full[i]!;
    if (podRevision(pod) !== st.updateRevision && !isTerminating(pod)) {
      steps.push({ op: 'deletePod', pod, why: 'update' });
      status.currentReplicas = Math.max(0, (status.currentReplicas ?? 0) - 1);
      return done();
    }
    if (!isHealthy(pod)) return done();
  }
  return done();
}

/** A new claim carries the owner references its retention policy asks for from the start. */
function withRetentionRefs(set: StatefulSet, pod: Pod, claim: PersistentVolumeClaim): PersistentVolumeClaim {
  const refs = retentionOwnerRefs(set, pod, claim);
  if (refs?.length) claim.metadata = { ...claim.metadata, ownerReferences: refs };
  return claim;
}

/** completeRollingUpdate, and the requeue for pods that become available after minReadySeconds. */
function finish(set: StatefulSet, status: StatefulSetStatus, steps: StatefulSetStep[], full: Pod[], condemned: Pod[], minReady: number, now: number): StatefulSetDecision {
  const want = replicaCount(set);
  if (set.spec?.updateStrategy?.type !== 'OnDelete' && status.updatedReplicas === want && status.readyReplicas === want && status.replicas === want) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
  const out: StatefulSetDecision = { steps, status };
  if (minReady > 0 && [...full, ...condemned].some((p) => isRunningAndReady(p) && !isRunningAndAvailable(p, minReady, now))) out.requeueAfterMs = minReady * 1000;
  return out;
}

/** inconsistentStatus: does the status need writing? */
export function statusChanged(set: StatefulSet, next: StatefulSetStatus): boolean {
  const cur = set.status ?? {};
  const keys = ['observedGeneration', 'replicas', 'readyReplicas', 'availableReplicas', 'currentReplicas', 'updatedReplicas', 'currentRevision', 'updateRevision', 'collisionCount'] as const;
  return keys.some((k) => (cur[k] ?? undefined) !== (next[k] ?? undefined) && !((cur[k] ?? 0) === 0 && (next[k] ?? 0) === 0));
}
