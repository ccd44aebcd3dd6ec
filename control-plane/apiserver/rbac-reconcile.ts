/**
 * Reconciliation of the bootstrap RBAC objects with what the API holds (upstream's pkg/registry/rbac/reconciliation,
 * as the rbac/bootstrap-roles hook runs it: union, never removing): missing objects are created; an existing one
 * with `rbac.authorization.kubernetes.io/autoupdate: "false"` is left alone; otherwise the expected labels and
 * annotations are added (existing values win), missing rules (broken down as upstream's Covers reports them) and
 * aggregation selectors are appended, missing subjects are added, and a binding whose roleRef differs is recreated.
 * Pure: (existing, expected) -> what to write.
 */
import type { ClusterRole, ClusterRoleBinding, LabelSelector, PolicyRule as ApiPolicyRule, Relaxed, Subject } from '../../api/types/index.js';
import { semanticEqual } from '../../api/strategies/validation.js';
import { AUTOUPDATE_ANNOTATION } from './bootstrap-policy.js';
import { covers, type PolicyRule } from './policy-rules.js';

export type Reconciled<T> = { op: 'none' } | { op: 'create'; obj: T } | { op: 'update'; obj: T } | { op: 'recreate'; obj: T };

const isProtected = (o: { metadata?: { annotations?: Record<string, string> } } | undefined): boolean => o?.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';

/** upstream merge(expected, existing): existing keys win. */
const merge = (expected: Record<string, string> | undefined, existing: Record<string, string> | undefined): Record<string, string> => ({ ...(expected ?? {}), ...(existing ?? {}) });

const toRules = (rules: readonly Relaxed<ApiPolicyRule>[] | undefined): PolicyRule[] => (rules ?? []).map((r) => ({ ...r, verbs: r?.verbs ?? [] }));

function mergedMeta<T extends { metadata?: Relaxed<ClusterRole>['metadata'] }>(existing: T, expected: T): { obj: T; changed: boolean } {
  const obj = structuredClone(existing);
  const meta = (obj.metadata ??= {});
  meta.labels = merge(expected.metadata?.labels, existing.metadata?.labels);
  meta.annotations = merge(expected.metadata?.annotations, existing.metadata?.annotations);
  const changed = !semanticEqual(meta.labels, existing.metadata?.labels ?? {}) || !semanticEqual(meta.annotations, existing.metadata?.annotations ?? {});
  return { obj, changed };
}

/** computeReconciledRole (union). */
export function reconcileClusterRole(existing: Relaxed<ClusterRole> | undefined, expected: ClusterRole): Reconciled<Relaxed<ClusterRole>> {
  if (!existing) return { op: 'create', obj: structuredClone(expected) };
  if (isProtected(existing)) return { op: 'none' };
  const { obj, changed: metaChanged } = mergedMeta(existing, expected);
  let changed = metaChanged;
  const missing = covers(toRules(existing.rules), toRules(expected.rules)).uncovered;
  if (missing.length > 0) {
    obj.rules = [...(obj.rules ?? []), ...missing.map((r) => ({ ...r, verbs: [...r.verbs] }) as ApiPolicyRule)];
    changed = true;
  }
  const want = expected.aggregationRule?.clusterRoleSelectors ?? [];
  const have: Relaxed<LabelSelector>[] = existing.aggregationRule?.clusterRoleSelectors ?? [];
  const missingSelectors = want.filter((w) => !have.some((h) => semanticEqual(h, w)));
  if (missingSelectors.length > 0) {
    obj.aggregationRule = { clusterRoleSelectors: [...have, ...structuredClone(missingSelectors)] };
    changed = true;
  }
  return changed ? { op: 'update', obj } : { op: 'none' };
}

const sameSubject = (a: Relaxed<Subject>, b: Relaxed<Subject>): boolean =>
  a?.kind === b?.kind && (a?.name ?? '') === (b?.name ?? '') && (a?.namespace ?? '') === (b?.namespace ?? '') && (a?.apiGroup ?? '') === (b?.apiGroup ?? '');

/** computeReconciledRoleBinding (union): a changed roleRef recreates the binding (roleRef is immutable). */
export function reconcileClusterRoleBinding(existing: Relaxed<ClusterRoleBinding> | undefined, expected: ClusterRoleBinding): Reconciled<Relaxed<ClusterRoleBinding>> {
  if (!existing) return { op: 'create', obj: structuredClone(expected) };
  if (isProtected(existing)) return { op: 'none' };
  const { obj, changed: metaChanged } = mergedMeta(existing, expected);
  let changed = metaChanged;
  const missing = (expected.subjects ?? []).filter((w) => !(existing.subjects ?? []).some((h) => sameSubject(h, w)));
  if (missing.length > 0) {
    obj.subjects = [...(obj.subjects ?? []), ...structuredClone(missing)];
    changed = true;
  }
  if (!semanticEqual(existing.roleRef, expected.roleRef)) {
    obj.roleRef = structuredClone(expected.roleRef);
    return { op: 'recreate', obj };
  }
  return changed ? { op: 'update', obj } : { op: 'none' };
}
