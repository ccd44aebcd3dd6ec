/**
 * Status conditions (Pod, Node, Deployment, ReplicaSet, Namespace ... all share the shape): find one,
 * and set one with upstream's lastTransitionTime rule, which moves only when the status changes.
 *
 *  - setCondition: deploymentutil.SetDeploymentCondition / SetReplicaSetCondition: no change when
 *    status and reason are the same; the new condition goes last.
 *  - updateCondition: podutil.UpdatePodCondition (and the namespace deleter's updateConditions with
 *    keepTransitionTime false): no change when status, reason and message are the same; the
 *    condition is replaced where it stands.
 */
import type { PodCondition } from './types/index.js';

/** The fields every condition kind has (a Pick of one of them: they agree on these). */
export type ConditionView = Pick<PodCondition, 'type' | 'status' | 'reason' | 'message' | 'lastTransitionTime'>;

export function getCondition<C extends { type: string }>(conds: readonly C[] | undefined | null, type: string): C | undefined {
  return conds?.find((c) => c.type === type);
}

/**
 * The lastTransitionTime of a condition about to get `status`: the previous one's while the status
 * stays the same (when it has one), else `now`.
 */
export function transitionTime<T extends string | null | undefined>(prev: ConditionView | undefined, status: string, now: T): string | T {
  return prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
}

/** A copy of `cond` whose lastTransitionTime follows transitionTime (no key added when there is none). */
function withTransitionTime<C extends ConditionView>(cond: C, prev: ConditionView | undefined): C {
  const t = transitionTime(prev, cond.status, cond.lastTransitionTime);
  return t === cond.lastTransitionTime ? { ...cond } : { ...cond, lastTransitionTime: t };
}

/**
 * SetDeploymentCondition: unchanged (the same array) when status and reason are the same; keeps the
 * previous lastTransitionTime when only the reason changes. Otherwise a new array with the condition last.
 */
export function setCondition<C extends ConditionView>(conds: C[] | undefined, cond: C): C[] {
  const list = conds ?? [];
  const cur = getCondition(list, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return list;
  return [...list.filter((c) => c.type !== cond.type), withTransitionTime(cond, cur)];
}

/**
 * UpdatePodCondition: null when the condition is there with the same status, reason and message;
 * otherwise a new array with it replaced in place (or added last). `cond.lastTransitionTime` is the
 * time of a transition; with keepTransitionTime (the default) the previous one stays while the status does.
 */
export function updateCondition<C extends ConditionView>(
  conds: readonly C[] | undefined,
  cond: C,
  opts: { keepTransitionTime?: boolean } = {},
): C[] | null {
  const list = conds ?? [];
  const i = list.findIndex((c) => c.type === cond.type);
  const old = i >= 0 ? list[i] : undefined;
  if (old && old.status === cond.status && old.reason === cond.reason && old.message === cond.message) return null;
  const next = opts.keepTransitionTime === false ? cond : withTransitionTime(cond, old);
  const out = [...list];
  if (i >= 0) out[i] = next;
  else out.push(next);
  return out;
}

export function removeCondition<C extends { type: string }>(conds: C[] | undefined, type: string): C[] {
  return (conds ?? []).filter((c) => c.type !== type);
}

/** The metav1.Condition fields apimeta.SetStatusCondition reads. */
export interface MetaConditionView extends ConditionView {
  observedGeneration?: number | null;
}

/**
 * apimeta.SetStatusCondition (metav1.Condition lists): the condition of that type is replaced where it stands
 * (added last when missing); its lastTransitionTime stays while the status does.
 */
export function setStatusCondition<C extends MetaConditionView>(conds: readonly C[] | undefined | null, cond: C): C[] {
  const list = [...(conds ?? [])];
  const i = list.findIndex((c) => c.type === cond.type);
  if (i < 0) return [...list, cond];
  list[i] = withTransitionTime(cond, list[i]);
  return list;
}
