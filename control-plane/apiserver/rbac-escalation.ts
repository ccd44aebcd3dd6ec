/**
 * RBAC's privilege-escalation prevention (upstream's pkg/registry/rbac/{role,clusterrole,rolebinding,
 * clusterrolebinding}/policybased and pkg/registry/rbac/validation ConfirmNoEscalation), for the kinds whose
 * descriptor sets `rbacEscalationCheck`:
 * - `rules` (Role, ClusterRole): a create or update is refused unless the writer is in system:masters, is allowed
 *   `escalate` on the role, or already holds every rule it writes (in the role's namespace; a ClusterRole: cluster
 *   wide). An aggregationRule needs full authority (`* * *`): `must have cluster-admin privileges to use the
 *   aggregationRule`.
 * - `roleRef` (RoleBinding, ClusterRoleBinding): refused unless system:masters, allowed `bind` on the role, or
 *   holding every rule of the role it binds (a missing role: its not-found message).
 * An update that changes only ownerReferences and finalizers (the garbage collector's) is not checked.
 * `checkEscalation` is the pure decision; `rbacEscalation` the admission step running it before validation.
 */
import { errors, type KubeError } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type { ClusterRole, PolicyRule as ApiPolicyRule, Relaxed, RoleBinding } from '../../api/types/index.js';
import { semanticEqual } from '../../api/strategies/validation.js';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.js';
import type { UserInfo } from './authn.js';
import { SYSTEM_PRIVILEGED_GROUP, type Attributes, type Decision } from './authz.js';
import { covers, type PolicyRule } from './policy-rules.js';
import { rulesFor, type RbacIndex } from './rbac-authorizer.js';

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

const goQuoted = (v: readonly string[] | undefined): string => `[${(v ?? []).map((x) => JSON.stringify(x)).join(' ')}]`;

/** upstream rbacv1helpers.CompactString. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoted(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoted(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoted(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoted(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${goQuoted(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** upstream CompactRules: rules of one group, one resource and at most one name are merged, their verbs joined. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, { verbs: string[]; apiGroups: string[]; resources: string[]; resourceNames?: string[] }>();
  for (const r of rules) {
    const isSimple = (r.resourceNames ?? []).length <= 1 && (r.nonResourceURLs ?? []).length === 0 && r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], r.resourceNames?.[0] ?? null]);
    const have = simple.get(key);
    if (have) have.verbs.push(...r.verbs);
    else simple.set(key, { verbs: [...r.verbs], apiGroups: [...r.apiGroups!], resources: [...r.resources!], ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}) });
  }
  return [...out, ...simple.values()];
}

/** upstream ConfirmNoEscalation: undefined when `owner` covers `rules`, else the message. */
export function confirmNoEscalation(user: UserInfo, owner: readonly PolicyRule[], rules: readonly PolicyRule[], resolutionErrors: readonly string[] = []): string | undefined {
  const { covered, uncovered } = covers(owner, rules);
  if (covered) return undefined;
  const missing = [...new Set(compactRules(uncovered).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.join('\n')}`;
  if (resolutionErrors.length) msg += `; resolution errors: [${resolutionErrors.join(' ')}]`;
  return msg;
}


const toRules = (rules: unknown): PolicyRule[] =>
  Array.isArray(rules) ? (rules as Relaxed<ApiPolicyRule>[]).map((r) => ({ ...r, verbs: r?.verbs ?? [] })) : [];

/** upstream IsOnlyMutatingGCFields: the objects differ only in ownerReferences and finalizers. */
function onlyGCFields(obj: unknown, old: unknown): boolean {
  if (!old || !obj) return false;
  const strip = (o: unknown) => {
    const c = structuredClone(o) as { metadata?: Record<string, unknown> };
    if (c.metadata) {
      delete c.metadata.ownerReferences;
      delete c.metadata.finalizers;
      delete c.metadata.resourceVersion;
      delete c.metadata.managedFields;
    }
    return c;
  };
  return semanticEqual(strip(obj), strip(old));
}

export interface EscalationContext {
  index: RbacIndex;
  authorize(user: UserInfo, a: Attributes): Decision;
}

const requestAttrs = (verb: string, group: string, resource: string, namespace: string, name: string): Attributes => ({
  verb, group, resource, subresource: '', namespace, name, isResourceRequest: true, path: '',
});

/** The decision for one write of an RBAC object: undefined (allowed) or the 403. */
export function checkEscalation(check: 'rules' | 'roleRef', a: AdmissionAttributes, ctx: EscalationContext): KubeError | undefined {
  const user = a.user;
  if (user.groups.includes(SYSTEM_PRIVILEGED_GROUP)) return undefined;
  if (a.operation === 'UPDATE' && onlyGCFields(a.object, a.oldObject)) return undefined;
  const forbid = (why: string) => errors.forbiddenObject(a.resource, a.group, a.name, why);
  if (check === 'rules') {
    if (ctx.authorize(user, requestAttrs('escalate', a.group, a.resource, a.namespace, a.name)).allowed) return undefined;
    const held = rulesFor(ctx.index, user, a.namespace);
    const role = a.object as Relaxed<ClusterRole> | undefined;
    const msg = confirmNoEscalation(user, held.rules, toRules(role?.rules), held.errors);
    if (msg) return forbid(msg);
    if (role?.aggregationRule && covers(held.rules, FULL_AUTHORITY).covered === false) {
      return forbid('must have cluster-admin privileges to use the aggregationRule');
    }
    return undefined;
  }
  const ref = (a.object as Relaxed<RoleBinding> | undefined)?.roleRef;
  const roleResource = ref?.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
  if (ctx.authorize(user, requestAttrs('bind', ref?.apiGroup ?? '', roleResource, a.namespace, ref?.name ?? '')).allowed) return undefined;
  // upstream GetRoleReferenceRules
  const roleNs = ref?.kind === 'ClusterRole' ? undefined : a.namespace;
  const roleObj = ctx.index.roleObject(ref?.kind ?? '', roleNs ?? '', ref?.name ?? '');
  if (!roleObj) return forbid(`${ref?.kind === 'ClusterRole' ? 'clusterrole' : 'role'}.rbac.authorization.k8s.io ${JSON.stringify(ref?.name ?? '')} not found`);
  const held = rulesFor(ctx.index, user, a.namespace);
  const msg = confirmNoEscalation(user, held.rules, roleObj, held.errors);
  return msg ? forbid(msg) : undefined;
}

/** The admission step (mutating phase: before the kind's validation, as upstream's storage checks before it creates). */
export function rbacEscalation(ctx: EscalationContext): AdmissionPlugin {
  return {
    name: 'RBACEscalation',
    operations: ['CREATE', 'UPDATE'],
    admit(a) {
      if (a.subresource) return undefined;
      const check = findResource(a.group, a.resource)?.definition.rbacEscalationCheck;
      return check ? checkEscalation(check, a, ctx) : undefined;
    },
  };
}
