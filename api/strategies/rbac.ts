/**
 * rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding: upstream's v1 defaults
 * (pkg/apis/rbac/v1/defaults.go) and validation (pkg/apis/rbac/validation/validation.go). The printers are in
 * printers.ts.
 */
import type { StatusCause } from '../errors.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Relaxed, Role, RoleBinding, RoleRef, Subject } from '../types/index.js';
import {
  child,
  fieldErr,
  index,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'] as const;

type AnyBinding = Relaxed<RoleBinding> | Relaxed<ClusterRoleBinding>;

/** SetDefaults_Subject: User and Group subjects are in the RBAC group, ServiceAccounts in the core group. */
export function defaultSubject(s: Relaxed<Subject>): void {
  if (!s || typeof s !== 'object' || s.apiGroup) return;
  if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
}

/** SetDefaults_RoleBinding / _ClusterRoleBinding: an empty roleRef.apiGroup is the RBAC group; each subject defaulted. */
export function defaultBinding(b: AnyBinding): void {
  if (!b || typeof b !== 'object') return;
  if (b.roleRef && typeof b.roleRef === 'object' && !b.roleRef.apiGroup) b.roleRef.apiGroup = RBAC_GROUP;
  if (Array.isArray(b.subjects)) for (const s of b.subjects) defaultSubject(s);
}

/** Go's `%#v` of a []string, as field errors print a slice value. */
function goStringSlice(v: readonly unknown[]): string {
  return `[]string{${v.map((x) => JSON.stringify(String(x))).join(', ')}}`;
}

/** Go's `%#v` of an rbac.RoleRef, as `cannot change roleRef` prints it. */
export function goRoleRef(r: Relaxed<RoleRef> | undefined): string {
  return `rbac.RoleRef{APIGroup:${JSON.stringify(r?.apiGroup ?? '')}, Kind:${JSON.stringify(r?.kind ?? '')}, Name:${JSON.stringify(r?.name ?? '')}}`;
}

const nonEmpty = (v: unknown): v is unknown[] => Array.isArray(v) && v.length > 0;

/** ValidatePolicyRule. */
export function validatePolicyRule(rule: Relaxed<PolicyRule> | undefined, isNamespaced: boolean, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!nonEmpty(rule?.verbs)) errs.push(fieldErr.required(child(field, 'verbs'), 'verbs must contain at least one value'));
  if (nonEmpty(rule?.nonResourceURLs)) {
    const urls = goStringSlice(rule.nonResourceURLs);
    if (isNamespaced) errs.push(invalidPreformatted(child(field, 'nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (nonEmpty(rule?.apiGroups) || nonEmpty(rule?.resources) || nonEmpty(rule?.resourceNames)) {
      errs.push(invalidPreformatted(child(field, 'nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (!nonEmpty(rule?.apiGroups)) errs.push(fieldErr.required(child(field, 'apiGroups'), 'resource rules must supply at least one api group'));
  if (!nonEmpty(rule?.resources)) errs.push(fieldErr.required(child(field, 'resources'), 'resource rules must supply at least one resource'));
  return errs;
}

/** field.Invalid with a value Go prints with `%#v` (a slice, a struct). */
function invalidPreformatted(field: string, goValue: string, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue}: ${detail}` };
}

function validateRules(rules: unknown, isNamespaced: boolean): StatusCause[] {
  if (!Array.isArray(rules)) return [];
  return rules.flatMap((r: Relaxed<PolicyRule>, i) => validatePolicyRule(r, isNamespaced, index('rules', i)));
}

/** ValidateRole: names are path segments (ValidateRBACName). */
export function validateRole(role: Relaxed<Role>): StatusCause[] {
  return [...validateObjectMeta(role?.metadata, true, nameIsPathSegment), ...validateRules(role?.rules, true)];
}

export function validateRoleUpdate(role: Relaxed<Role>, old: Relaxed<Role>): StatusCause[] {
  return [...validateRole(role), ...validateObjectMetaUpdate(role?.metadata, old?.metadata)];
}

/** ValidateClusterRole: rules (non-resource URLs allowed) and, when set, a non-empty aggregationRule of valid selectors. */
export function validateClusterRole(role: Relaxed<ClusterRole>): StatusCause[] {
  const errs = [...validateObjectMeta(role?.metadata, false, nameIsPathSegment), ...validateRules(role?.rules, false)];
  const agg = role?.aggregationRule;
  if (agg !== undefined && agg !== null) {
    const selectors = agg.clusterRoleSelectors ?? [];
    if (selectors.length === 0) {
      errs.push(fieldErr.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    }
    selectors.forEach((sel, i) => errs.push(...validateLabelSelector(sel, index('aggregationRule.clusterRoleSelectors', i))));
  }
  return errs;
}

export function validateClusterRoleUpdate(role: Relaxed<ClusterRole>, old: Relaxed<ClusterRole>): StatusCause[] {
  return [...validateClusterRole(role), ...validateObjectMetaUpdate(role?.metadata, old?.metadata)];
}

/** ValidateRoleBindingSubject. */
export function validateSubject(s: Relaxed<Subject> | undefined, isNamespaced: boolean, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const name = s?.name ?? '';
  const apiGroup = s?.apiGroup ?? '';
  if (!name) errs.push(fieldErr.required(child(field, 'name')));
  switch (s?.kind) {
    case 'ServiceAccount':
      if (name) for (const msg of nameIsDNSSubdomain(name, false)) errs.push(fieldErr.invalid(child(field, 'name'), name, msg));
      if (apiGroup) errs.push(fieldErr.notSupported(child(field, 'apiGroup'), apiGroup, ['']));
      if (!isNamespaced && !s?.namespace) errs.push(fieldErr.required(child(field, 'namespace')));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported(child(field, 'apiGroup'), apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldErr.notSupported(child(field, 'kind'), s?.kind ?? '', SUBJECT_KINDS));
  }
  return errs;
}

function validateBinding(b: AnyBinding, isNamespaced: boolean, roleKinds: readonly string[]): StatusCause[] {
  const errs = validateObjectMeta(b?.metadata, isNamespaced, nameIsPathSegment);
  const ref = b?.roleRef;
  if ((ref?.apiGroup ?? '') !== RBAC_GROUP) errs.push(fieldErr.notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [RBAC_GROUP]));
  if (!roleKinds.includes(ref?.kind ?? '')) errs.push(fieldErr.notSupported('roleRef.kind', ref?.kind ?? '', roleKinds));
  const roleName = ref?.name ?? '';
  if (!roleName) errs.push(fieldErr.required('roleRef.name'));
  else for (const msg of nameIsPathSegment(roleName, false)) errs.push(fieldErr.invalid('roleRef.name', roleName, msg));
  (b?.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s, isNamespaced, index('subjects', i))));
  return errs;
}

function roleRefChanged(a: Relaxed<RoleRef> | undefined, b: Relaxed<RoleRef> | undefined): boolean {
  return (a?.apiGroup ?? '') !== (b?.apiGroup ?? '') || (a?.kind ?? '') !== (b?.kind ?? '') || (a?.name ?? '') !== (b?.name ?? '');
}

function validateBindingUpdate(b: AnyBinding, old: AnyBinding, validate: (b: AnyBinding) => StatusCause[]): StatusCause[] {
  const errs = [...validate(b), ...validateObjectMetaUpdate(b?.metadata, old?.metadata)];
  if (roleRefChanged(b?.roleRef, old?.roleRef)) errs.push(invalidPreformatted('roleRef', goRoleRef(b?.roleRef), 'cannot change roleRef'));
  return errs;
}

/** ValidateRoleBinding: a Role or a ClusterRole, subjects as namespaced. */
export const validateRoleBinding = (b: Relaxed<RoleBinding>): StatusCause[] => validateBinding(b, true, ['Role', 'ClusterRole']);
/** ValidateClusterRoleBinding: only a ClusterRole; a ServiceAccount subject needs its namespace. */
export const validateClusterRoleBinding = (b: Relaxed<ClusterRoleBinding>): StatusCause[] => validateBinding(b, false, ['ClusterRole']);

/** ValidateRoleBindingUpdate: roleRef is immutable. */
export const validateRoleBindingUpdate = (b: Relaxed<RoleBinding>, old: Relaxed<RoleBinding>): StatusCause[] =>
  validateBindingUpdate(b, old, validateRoleBinding);
export const validateClusterRoleBindingUpdate = (b: Relaxed<ClusterRoleBinding>, old: Relaxed<ClusterRoleBinding>): StatusCause[] =>
  validateBindingUpdate(b, old, validateClusterRoleBinding);

/** rbac.SubjectsStrings: users, groups, service accounts (`namespace/name`) and anything else, in order. */
export function subjectsStrings(subjects: readonly Relaxed<Subject>[] | undefined): { users: string[]; groups: string[]; serviceAccounts: string[]; others: string[] } {
  const out = { users: [] as string[], groups: [] as string[], serviceAccounts: [] as string[], others: [] as string[] };
  for (const s of subjects ?? []) {
    switch (s?.kind) {
      case 'ServiceAccount':
        out.serviceAccounts.push(`${s.namespace ?? ''}/${s.name ?? ''}`);
        break;
      case 'User':
        out.users.push(s.name ?? '');
        break;
      case 'Group':
        out.groups.push(s.name ?? '');
        break;
      default:
        out.others.push(s?.name ?? '');
    }
  }
  return out;
}
