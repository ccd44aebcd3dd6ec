/**
 * ClusterRole aggregation (upstream's pkg/controller/clusterroleaggregation), as one pure function: the rules an
 * aggregated ClusterRole should hold are those of every other ClusterRole its aggregationRule's selectors match,
 * in the order of the roles' names, each rule once.
 */
import type { ClusterRole, PolicyRule, Relaxed } from '../types/index.js';
import { selectorMatches, semanticEqual } from '../strategies/validation.js';

/** The rules `role` aggregates from `all` (undefined: the role is not aggregated). */
export function aggregatedRules(role: Relaxed<ClusterRole>, all: readonly Relaxed<ClusterRole>[]): Relaxed<PolicyRule>[] | undefined {
  const selectors = role?.aggregationRule?.clusterRoleSelectors;
  if (!role?.aggregationRule) return undefined;
  const name = role.metadata?.name;
  const sources = all
    .filter((r) => r?.metadata?.name !== name && (selectors ?? []).some((s) => selectorMatches(s, r?.metadata?.labels ?? {})))
    .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  const out: Relaxed<PolicyRule>[] = [];
  for (const src of sources) for (const r of src.rules ?? []) if (!out.some((have) => semanticEqual(have, r))) out.push(r);
  return out;
}

/** Apply aggregation to every aggregated role of a set, until nothing changes (admin aggregates edit, which aggregates view). */
export function aggregateAll<T extends Relaxed<ClusterRole>>(roles: T[]): T[] {
  for (let pass = 0; pass < 10; pass++) {
    let changed = false;
    for (const r of roles) {
      const want = aggregatedRules(r, roles);
      if (want && !semanticEqual(want, r.rules ?? [])) {
        r.rules = want;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return roles;
}
