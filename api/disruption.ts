/**
 * PodDisruptionBudget helpers the eviction subresource and the disruption controller share
 * (pkg/apis/policy and pkg/util/pod disruption helpers, upstream's pdbhelper).
 */
import { getCondition, setStatusCondition } from './conditions.js';
import type { Condition, PodDisruptionBudget, Relaxed } from './types/index.js';

/** policyv1.DisruptionAllowedCondition and its reasons. */
export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const SYNC_FAILED_REASON = 'SyncFailed';
export const SUFFICIENT_PODS_REASON = 'SufficientPods';
export const INSUFFICIENT_PODS_REASON = 'InsufficientPods';

type PDB = Relaxed<PodDisruptionBudget>;

/** pdbhelper.UpdateDisruptionAllowedCondition: the status' conditions with DisruptionAllowed set from disruptionsAllowed. */
export function withDisruptionAllowedCondition(status: NonNullable<PDB['status']>, now: string): Relaxed<Condition>[] {
  const allowed = (status.disruptionsAllowed ?? 0) > 0;
  return setStatusCondition(status.conditions ?? [], {
    type: DISRUPTION_ALLOWED_CONDITION,
    status: allowed ? 'True' : 'False',
    reason: allowed ? SUFFICIENT_PODS_REASON : INSUFFICIENT_PODS_REASON,
    message: '',
    observedGeneration: status.observedGeneration ?? 0,
    lastTransitionTime: now,
  });
}

/** pdbhelper.ConditionsAreUpToDate: DisruptionAllowed is there, of this generation, and says what disruptionsAllowed says. */
export function conditionsAreUpToDate(pdb: PDB): boolean {
  const cond = getCondition(pdb.status?.conditions ?? undefined, DISRUPTION_ALLOWED_CONDITION);
  const generation = pdb.metadata?.generation ?? 0;
  if (!cond || (pdb.status?.observedGeneration ?? 0) !== generation || (cond.observedGeneration ?? 0) !== generation) return false;
  if ((pdb.status?.disruptionsAllowed ?? 0) > 0) return cond.status === 'True' && cond.reason === SUFFICIENT_PODS_REASON;
  return cond.status === 'False' && cond.reason === INSUFFICIENT_PODS_REASON;
}
