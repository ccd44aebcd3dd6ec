/**
 * The disruption controller (pkg/controller/disruption, upstream 1.32): a PodDisruptionBudget's status from its
 * pods and their controllers.
 *
 *   pods the selector picks (null selector: none; {}: every pod of the namespace)
 *     ─► expectedPods + desiredHealthy:
 *          maxUnavailable          expected = Σ scale of the pods' controllers; desired = expected - maxUnavailable (%, up)
 *          minAvailable integer    expected = number of pods;                   desired = minAvailable
 *          minAvailable percent    expected = Σ scale of the pods' controllers; desired = minAvailable (%, up)
 *     ─► disruptedPods: evictions the API server approved, kept while the pod is not yet deleting and younger than
 *        DELETION_TIMEOUT (2 min); the oldest kept one is when to look again
 *     ─► currentHealthy: Ready pods, not deleting, not in disruptedPods
 *     ─► disruptionsAllowed = max(0, currentHealthy - desiredHealthy), 0 while expectedPods is 0
 *     ─► observedGeneration, the DisruptionAllowed condition (SufficientPods / InsufficientPods)
 *   any error (a pod without a known controller where a scale is needed, a bad selector) ─► failSafe:
 *     disruptionsAllowed 0 and DisruptionAllowed=False reason SyncFailed with the error as message.
 *
 * A controller's scale is read from the caches, upstream's finders in their order: a pod's ReplicaSet, or the
 * Deployment that controls it, its ReplicationController, its StatefulSet (spec.replicas, default 1); the uid of
 * each reference must match.
 */
import { KubeError } from '../../../api/errors.js';
import { getControllerOf } from '../../../api/owners.js';
import { getScaledValueFromIntOrPercent } from '../../../api/intstr.js';
import { labelSelectorToSelector } from '../../../api/labels.js';
import { parseTime, rfc3339 } from '../../../api/time.js';
import { conditionsAreUpToDate, DISRUPTION_ALLOWED_CONDITION, SYNC_FAILED_REASON, withDisruptionAllowedCondition } from '../../../api/disruption.js';
import { setStatusCondition } from '../../../api/conditions.js';
import { semanticEqual } from '../../../api/strategies/validation.js';
import type { Relaxed, PodDisruptionBudget, PodDisruptionBudgetStatus } from '../../../api/types/index.js';
import { isPodReady } from '../util/meta.js';
import type { Deployment, Pod, ReplicaSet, ReplicationController, StatefulSet } from '../util/types.js';

export type PDB = Relaxed<PodDisruptionBudget>;
export type PDBStatus = Relaxed<PodDisruptionBudgetStatus>;

/** Upstream's DeletionTimeout: an approved eviction whose pod is not deleting after this is forgotten. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** What the decision reads besides the PDB: the namespace's pods and its controllers, by name. */
export interface DisruptionInputs {
  /** The pods of the PDB's namespace. */
  pods: readonly Pod[];
  replicaSet(name: string): ReplicaSet | undefined;
  deployment(name: string): Deployment | undefined;
  replicationController(name: string): ReplicationController | undefined;
  statefulSet(name: string): StatefulSet | undefined;
  now: number;
}

/** An event the controller records (on the PDB, or on a pod that was not deleted in time). */
export interface DisruptionEvent {
  on: 'pdb' | { pod: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface DisruptionDecision {
  /** The status to write, or undefined when the stored one is up to date. */
  status?: PDBStatus;
  /** Look again after this long (the next approved eviction to expire). */
  recheckAfterMs?: number;
  events: DisruptionEvent[];
  /** Set when the sync failed: the status is the failSafe one. */
  error?: string;
}

/** What makes a sync fail safe (upstream's plain errors from trySync): its message goes into the SyncFailed condition. */
class SyncError extends KubeError {
  constructor(message: string) {
    super('InternalError', message);
  }
}

/** getPodsForPdb: the pods the selector picks (a null selector none, an empty one all). Throws on a bad selector. */
export function podsForPdb(pdb: PDB, pods: readonly Pod[]): Pod[] {
  let sel;
  try {
    sel = labelSelectorToSelector(pdb.spec?.selector ?? null);
  } catch (e) {
    throw new SyncError((e as Error).message);
  }
  return pods.filter((p) => p.metadata?.namespace === pdb.metadata?.namespace && sel.matches(p.metadata?.labels ?? {}));
}

/** One controller's uid and scale, found from a pod's controller reference (undefined: not a kind we know). */
function controllerScale(pod: Pod, inputs: DisruptionInputs): { uid: string; scale: number } | undefined {
  const ref = getControllerOf(pod);
  if (!ref) return undefined;
  // getPodReplicationController, getPodStatefulSet: the pod's own controller.
  if (ref.kind === 'ReplicationController' || ref.kind === 'StatefulSet') {
    const owner = ref.kind === 'StatefulSet' ? inputs.statefulSet(ref.name) : inputs.replicationController(ref.name);
    if (!owner || owner.metadata?.uid !== ref.uid) return undefined;
    return { uid: ref.uid, scale: owner.spec?.replicas ?? 1 };
  }
  if (ref.kind !== 'ReplicaSet') return undefined;
  const rs = inputs.replicaSet(ref.name);
  if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
  const rsRef = getControllerOf(rs);
  // getPodDeployment: the ReplicaSet's Deployment, when one controls it.
  if (rsRef?.kind === 'Deployment') {
    const d = inputs.deployment(rsRef.name);
    if (!d || d.metadata?.uid !== rsRef.uid) return undefined;
    return { uid: rsRef.uid, scale: d.spec?.replicas ?? 1 };
  }
  // getPodReplicaSet: a ReplicaSet that no Deployment controls.
  if (rsRef) return undefined;
  return { uid: ref.uid, scale: rs.spec?.replicas ?? 1 };
}

/** getExpectedScale: Σ of the pods' controllers' scale, each controller once; pods without a controller are listed. */
export function expectedScale(pods: readonly Pod[], inputs: DisruptionInputs): { expectedCount: number; unmanagedPods: string[] } {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = getControllerOf(pod);
    if (!ref) {
      unmanagedPods.push(pod.metadata?.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = controllerScale(pod, inputs);
    if (!found) throw new SyncError(`found no controllers for pod "${pod.metadata?.name ?? ''}"`);
    scales.set(found.uid, found.scale);
  }
  let expectedCount = 0;
  for (const s of scales.values()) expectedCount += s;
  return { expectedCount, unmanagedPods };
}

function scaled(v: number | string, total: number): number {
  try {
    return getScaledValueFromIntOrPercent(v, total, true);
  } catch (e) {
    throw new SyncError((e as Error).message);
  }
}

/** getExpectedPodCount. */
export function expectedPodCount(pdb: PDB, pods: readonly Pod[], inputs: DisruptionInputs): { expectedCount: number; desiredHealthy: number; unmanagedPods: string[] } {
  const { minAvailable, maxUnavailable } = pdb.spec ?? {};
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const { expectedCount, unmanagedPods } = expectedScale(pods, inputs);
    const desiredHealthy = Math.max(0, expectedCount - scaled(maxUnavailable, expectedCount));
    return { expectedCount, desiredHealthy, unmanagedPods };
  }
  if (typeof minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: minAvailable, unmanagedPods: [] };
  if (typeof minAvailable === 'string') {
    const { expectedCount, unmanagedPods } = expectedScale(pods, inputs);
    return { expectedCount, desiredHealthy: scaled(minAvailable, expectedCount), unmanagedPods };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}

/** buildDisruptedPodMap: the approved evictions still pending, the expired ones, and when the next one expires. */
export function buildDisruptedPodMap(pods: readonly Pod[], pdb: PDB, now: number): { disrupted: Record<string, string>; expired: string[]; recheckAt?: number } {
  const disrupted: Record<string, string> = {};
  const expired: string[] = [];
  const recorded = pdb.status?.disruptedPods ?? {};
  let recheckAt: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp) continue;
    if (!Object.prototype.hasOwnProperty.call(recorded, name)) continue;
    const at = recorded[name]!;
    const expectedDeletion = (parseTime(at) ?? 0) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) {
      expired.push(name);
    } else {
      if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
      disrupted[name] = at;
    }
  }
  return { disrupted, expired, ...(recheckAt !== undefined ? { recheckAt } : {}) };
}

/** countHealthyPods: Ready pods that are neither deleting nor about to be (an eviction approved). */
export function countHealthyPods(pods: readonly Pod[], disrupted: Record<string, string>, now: number): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const at = disrupted[pod.metadata?.name ?? ''];
    if (at !== undefined && (parseTime(at) ?? 0) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) n++;
  }
  return n;
}

/** failSafe: no disruption allowed, DisruptionAllowed=False/SyncFailed with the error; the rest of the status stays. */
export function failSafeStatus(pdb: PDB, message: string, now: number): PDBStatus {
  const st: PDBStatus = { ...(pdb.status ?? {}) };
  st.disruptionsAllowed = 0;
  st.conditions = setStatusCondition(st.conditions ?? [], {
    type: DISRUPTION_ALLOWED_CONDITION,
    status: 'False',
    reason: SYNC_FAILED_REASON,
    message,
    observedGeneration: st.observedGeneration ?? 0,
    lastTransitionTime: rfc3339(now),
  });
  return st;
}

/** The whole pass for one PDB (trySync, updatePdbStatus, failSafe). */
export function decideDisruption(pdb: PDB, inputs: DisruptionInputs): DisruptionDecision {
  const events: DisruptionEvent[] = [];
  try {
    const pods = podsForPdb(pdb, inputs.pods);
    if (pods.length === 0) events.push({ on: 'pdb', type: 'Normal', reason: 'NoPods', message: 'No matching pods found' });
    let counts;
    try {
      counts = expectedPodCount(pdb, pods, inputs);
    } catch (e) {
      events.push({ on: 'pdb', type: 'Warning', reason: 'CalculateExpectedPodCountFailed', message: `Failed to calculate the number of expected pods: ${(e as Error).message}` });
      throw e;
    }
    const { expectedCount, desiredHealthy, unmanagedPods } = counts;
    if (unmanagedPods.length > 0) {
      events.push({
        on: 'pdb',
        type: 'Warning',
        reason: 'UnmanagedPods',
        message:
          `Pods selected by this PodDisruptionBudget (selector: ${selectorText(pdb)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. ` +
          'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
      });
    }
    const { disrupted, expired, recheckAt } = buildDisruptedPodMap(pods, pdb, inputs.now);
    for (const pod of expired) {
      events.push({ on: { pod }, type: 'Warning', reason: 'NotDeleted', message: `Pod was expected by PDB ${pdb.metadata?.namespace}/${pdb.metadata?.namespace} to be deleted but it wasn't` });
    }
    const currentHealthy = countHealthyPods(pods, disrupted, inputs.now);
    const status = pdbStatus(pdb, currentHealthy, desiredHealthy, expectedCount, disrupted, inputs.now);
    return { ...(status ? { status } : {}), ...(recheckAt !== undefined ? { recheckAfterMs: Math.max(0, recheckAt - inputs.now) } : {}), events };
  } catch (e) {
    if (!(e instanceof SyncError)) throw e;
    return { status: failSafeStatus(pdb, e.message, inputs.now), events, error: e.message };
  }
}

/** updatePdbStatus: the new status, or undefined when the stored one already says all this. */
export function pdbStatus(pdb: PDB, currentHealthy: number, desiredHealthy: number, expectedCount: number, disrupted: Record<string, string>, now: number): PDBStatus | undefined {
  let disruptionsAllowed = currentHealthy - desiredHealthy;
  if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const st = pdb.status ?? {};
  const generation = pdb.metadata?.generation ?? 0;
  if (
    (st.currentHealthy ?? 0) === currentHealthy &&
    (st.desiredHealthy ?? 0) === desiredHealthy &&
    (st.expectedPods ?? 0) === expectedCount &&
    (st.disruptionsAllowed ?? 0) === disruptionsAllowed &&
    semanticEqual(st.disruptedPods ?? {}, disrupted) &&
    (st.observedGeneration ?? 0) === generation &&
    conditionsAreUpToDate(pdb)
  ) {
    return undefined;
  }
  const next: PDBStatus = {
    observedGeneration: generation,
    ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods: expectedCount,
    ...(st.conditions ? { conditions: st.conditions } : {}),
  };
  next.conditions = withDisruptionAllowedCondition(next, rfc3339(now));
  return next;
}

/** The selector as upstream's %v of a *metav1.LabelSelector prints in the UnmanagedPods event (its string form here). */
function selectorText(pdb: PDB): string {
  const ml = pdb.spec?.selector?.matchLabels ?? {};
  const labels = Object.keys(ml).sort().map((k) => `${k}: ${ml[k]},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{},}`;
}

/** Upstream's stalePodDisruptionTimeout: a DisruptionTarget=True condition on a pod still not deleting after this is reset. */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000;

/**
 * nonTerminatingPodHasStaleDisruptionCondition: whether the pod carries a DisruptionTarget=True condition that may go
 * stale (not deleting, not terminal, not set by the kubelet), and how long until it is (0: reset it now).
 */
export function staleDisruptionCondition(pod: Pod, now: number, timeoutMs = STALE_POD_DISRUPTION_TIMEOUT_MS): { has: boolean; waitMs: number } {
  if (pod.metadata?.deletionTimestamp) return { has: false, waitMs: 0 };
  const cond = (pod.status?.conditions ?? []).find((c) => c.type === 'DisruptionTarget');
  const phase = pod.status?.phase;
  if (!cond || cond.status !== 'True' || cond.reason === 'TerminationByKubelet' || phase === 'Succeeded' || phase === 'Failed') return { has: false, waitMs: 0 };
  const since = parseTime(cond.lastTransitionTime) ?? 0;
  return { has: true, waitMs: Math.max(0, timeoutMs - (now - since)) };
}

/** The status patch (strategic merge, by condition type) that resets a stale DisruptionTarget condition to False. */
export function staleDisruptionReset(pod: Pod, now: number): Record<string, unknown> {
  return {
    metadata: { resourceVersion: pod.metadata?.resourceVersion },
    status: { conditions: [{ type: 'DisruptionTarget', status: 'False', lastTransitionTime: rfc3339(now) }] },
  };
}
