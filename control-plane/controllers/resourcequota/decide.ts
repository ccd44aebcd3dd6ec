/**
 * The resourcequota controller's decision (upstream's pkg/controller/resourcequota syncResourceQuota and
 * quota.CalculateUsage): a quota's status is `hard` = spec.hard and `used` = the usage of the namespace's objects
 * of every kind the hard resources count (each kind's evaluator, api/quota/evaluators.ts, over the objects that
 * match the quota's scopes), masked to the hard resources; a resource no served kind counts keeps its previous
 * used value. Dirty when status.hard differs from spec.hard, is missing, or used changed.
 */
import { countedKindOf, evaluatorFor, kindUsage, quotaScopes } from '../../../api/quota/evaluators.js';
import { addLists, listsEqual, maskList, readList, type ResourceList } from '../../../api/quota/resources.js';
import type { ResourceQuota } from '../util/types.js';
import { compare } from '../../../api/quantity.js';

export interface QuotaStatusPlan {
  hard: ResourceList;
  used: ResourceList;
  /** Whether the status must be written. */
  dirty: boolean;
}

/** The kinds (group/resource) a quota's hard resources count, each once, in order. */
export function countedKinds(hard: readonly string[]): { group: string; resource: string }[] {
  const seen = new Map<string, { group: string; resource: string }>();
  for (const n of hard) {
    const k = countedKindOf(n);
    if (k && !seen.has(`${k.group}/${k.resource}`)) seen.set(`${k.group}/${k.resource}`, k);
  }
  return [...seen.values()];
}

/**
 * The quota's new status. `objectsOf(group, resource)` answers the namespace's objects of a kind, or undefined
 * when the kind is not served (its resources are then left as they were).
 */
export function decideQuotaStatus(quota: ResourceQuota, objectsOf: (group: string, resource: string) => readonly unknown[] | undefined, now: Date): QuotaStatusPlan {
  const hard = readList(quota.spec?.hard);
  const names = Object.keys(hard);
  const scopes = quotaScopes(quota.spec);
  const statusHard = quota.status?.hard;
  const statusUsed = quota.status?.used;
  let newUsage: ResourceList = {};
  for (const k of countedKinds(names)) {
    const objects = objectsOf(k.group, k.resource);
    if (objects === undefined) continue;
    newUsage = addLists(newUsage, kindUsage(evaluatorFor(k.group, k.resource), names, scopes, objects, now));
  }
  const used = maskList({ ...readList(statusUsed), ...newUsage }, names);
  const dirty = !listsEqual(hard, readList(statusHard)) || statusHard === undefined || statusUsed === undefined || !listsEqual(used, readList(statusUsed));
  return { hard, used, dirty };
}

/** Whether the plan gives back usage (a used value below the quota's current one): the adapter confirms those from storage. */
export function lowersUsage(quota: ResourceQuota, plan: QuotaStatusPlan): boolean {
  const before = readList(quota.status?.used);
  return Object.entries(plan.used).some(([k, v]) => k in before && compare(v, before[k]!) < 0);
}
