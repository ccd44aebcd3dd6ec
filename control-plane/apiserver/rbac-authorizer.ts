/**
 * The RBAC authorizer (upstream's plugin/pkg/auth/authorizer/rbac): Roles, ClusterRoles, RoleBindings and
 * ClusterRoleBindings as the API holds them, kept in an index so a request looks at the bindings that name the
 * user, one of its groups or its service account, never at every binding.
 *
 * `RbacIndex` is state (fed from the four watch caches by `feedRbacIndex`, or from objects in a test);
 * `authorizeRbac` is the pure decision over it, with upstream's reasons: allowed `RBAC: allowed by ClusterRoleBinding
 * "x" of ClusterRole "y" to User "jane"`; no opinion otherwise, with `RBAC: clusterrole.rbac.authorization.k8s.io
 * "y" not found` when a binding names a role that does not exist.
 */
import type { ClusterRole, ClusterRoleBinding, KubeObject, PolicyRule as ApiPolicyRule, Relaxed, Role, RoleBinding, Subject } from '../../api/types/index.js';
import type { UserInfo } from './authn.js';
import { ruleAllows, type PolicyRule, type RuleAttributes } from './policy-rules.js';
import type { WatchCache } from './watch-cache.js';

const SA_PREFIX = 'system:serviceaccount:';

interface BindingEntry {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace: string;
  roleKind: string;
  roleName: string;
  subjects: readonly Relaxed<Subject>[];
}

/** The index key of a subject: `User:jane`, `Group:devs`, `ServiceAccount:ns:name` (a RoleBinding's own namespace by default). */
function subjectKey(s: Relaxed<Subject>, bindingNamespace: string): string | undefined {
  switch (s?.kind) {
    case 'User':
      return `User:${s.name ?? ''}`;
    case 'Group':
      return `Group:${s.name ?? ''}`;
    case 'ServiceAccount':
      return `ServiceAccount:${s.namespace || bindingNamespace}:${s.name ?? ''}`;
    default:
      return undefined;
  }
}

/** The keys a user is known by. */
export function userKeys(user: Pick<UserInfo, 'name' | 'groups'>): string[] {
  const keys = [`User:${user.name}`, ...user.groups.map((g) => `Group:${g}`)];
  if (user.name.startsWith(SA_PREFIX)) {
    const [ns, name] = user.name.slice(SA_PREFIX.length).split(':');
    if (ns && name) keys.push(`ServiceAccount:${ns}:${name}`);
  }
  return keys;
}

/** Does `s` name this user (upstream appliesToUser)? */
function appliesToUser(user: Pick<UserInfo, 'name' | 'groups'>, s: Relaxed<Subject>, bindingNamespace: string): boolean {
  const key = subjectKey(s, bindingNamespace);
  return key !== undefined && userKeys(user).includes(key);
}

/** upstream describeSubject. */
function describeSubject(s: Relaxed<Subject>, bindingNamespace: string): string {
  if (s?.kind === 'ServiceAccount') return `ServiceAccount ${JSON.stringify(`${s.name ?? ''}/${s.namespace || bindingNamespace}`)}`;
  return `${s?.kind ?? ''} ${JSON.stringify(s?.name ?? '')}`;
}

/** A binding -> the subject keys it names, and key -> binding names, for one scope (cluster, or one namespace). */
class BindingScope {
  readonly bindings = new Map<string, BindingEntry>();
  private readonly bySubject = new Map<string, Set<string>>();

  set(b: BindingEntry): void {
    this.delete(b.name);
    this.bindings.set(b.name, b);
    for (const s of b.subjects) {
      const key = subjectKey(s, b.namespace);
      if (key === undefined) continue;
      let names = this.bySubject.get(key);
      if (!names) this.bySubject.set(key, (names = new Set()));
      names.add(b.name);
    }
  }

  delete(name: string): void {
    const old = this.bindings.get(name);
    if (!old) return;
    this.bindings.delete(name);
    for (const s of old.subjects) {
      const key = subjectKey(s, old.namespace);
      const names = key === undefined ? undefined : this.bySubject.get(key);
      names?.delete(name);
      if (names?.size === 0) this.bySubject.delete(key!);
    }
  }

  /** The bindings naming any of these keys, in name order (upstream lists them sorted by name). */
  matching(keys: readonly string[]): BindingEntry[] {
    const names = new Set<string>();
    for (const k of keys) for (const n of this.bySubject.get(k) ?? []) names.add(n);
    return [...names].sort().map((n) => this.bindings.get(n)!);
  }

  get size(): number {
    return this.bindings.size;
  }
}

const asRules = (rules: unknown): PolicyRule[] =>
  Array.isArray(rules) ? (rules as Relaxed<ApiPolicyRule>[]).map((r) => ({ ...r, verbs: r?.verbs ?? [] })) : [];

/** Roles, ClusterRoles and the bindings, indexed by subject. */
export class RbacIndex {
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterBindings = new BindingScope();
  private readonly namespaceBindings = new Map<string, BindingScope>();

  /** Build one from objects (a test, or the bootstrap policy before any cache). */
  static from(objects: readonly KubeObject[]): RbacIndex {
    const ix = new RbacIndex();
    for (const o of objects) ix.set(o);
    return ix;
  }

  /** Add or replace an RBAC object (by its kind). */
  set(o: KubeObject): void {
    const name = o.metadata.name ?? '';
    const ns = o.metadata.namespace ?? '';
    switch (o.kind) {
      case 'ClusterRole':
        this.clusterRoles.set(name, asRules((o as Relaxed<ClusterRole>).rules));
        break;
      case 'Role':
        this.roles.set(`${ns}/${name}`, asRules((o as Relaxed<Role>).rules));
        break;
      case 'ClusterRoleBinding':
      case 'RoleBinding': {
        const b = o as Relaxed<RoleBinding> | Relaxed<ClusterRoleBinding>;
        const entry: BindingEntry = {
          kind: o.kind,
          name,
          namespace: ns,
          roleKind: b.roleRef?.kind ?? '',
          roleName: b.roleRef?.name ?? '',
          subjects: b.subjects ?? [],
        };
        this.scope(o.kind, ns, true)!.set(entry);
        break;
      }
    }
  }

  delete(o: KubeObject): void {
    const name = o.metadata.name ?? '';
    const ns = o.metadata.namespace ?? '';
    switch (o.kind) {
      case 'ClusterRole':
        this.clusterRoles.delete(name);
        break;
      case 'Role':
        this.roles.delete(`${ns}/${name}`);
        break;
      case 'ClusterRoleBinding':
      case 'RoleBinding': {
        const scope = this.scope(o.kind, ns, false);
        scope?.delete(name);
        if (o.kind === 'RoleBinding' && scope?.size === 0) this.namespaceBindings.delete(ns);
        break;
      }
    }
  }

  /** Forget every object of one kind (its cache relisted). */
  resetKind(kind: string, objects: readonly KubeObject[]): void {
    if (kind === 'ClusterRole') this.clusterRoles.clear();
    if (kind === 'Role') this.roles.clear();
    if (kind === 'ClusterRoleBinding') for (const n of [...this.clusterBindings.bindings.keys()]) this.clusterBindings.delete(n);
    if (kind === 'RoleBinding') this.namespaceBindings.clear();
    for (const o of objects) this.set(o);
  }

  private scope(kind: string, ns: string, create: boolean): BindingScope | undefined {
    if (kind === 'ClusterRoleBinding') return this.clusterBindings;
    let s = this.namespaceBindings.get(ns);
    if (!s && create) this.namespaceBindings.set(ns, (s = new BindingScope()));
    return s;
  }

  clusterBindingsFor(keys: readonly string[]): BindingEntry[] {
    return this.clusterBindings.matching(keys);
  }

  namespaceBindingsFor(namespace: string, keys: readonly string[]): BindingEntry[] {
    return this.namespaceBindings.get(namespace)?.matching(keys) ?? [];
  }

  /** The rules of a Role (`ns`) or ClusterRole, or undefined when it does not exist. */
  roleObject(kind: string, ns: string, name: string): PolicyRule[] | undefined {
    if (kind === 'ClusterRole') return this.clusterRoles.get(name);
    if (kind === 'Role') return this.roles.get(`${ns}/${name}`);
    return undefined;
  }

  /** The rules of the role a binding names, or undefined when it does not exist. */
  roleRules(b: BindingEntry): PolicyRule[] | undefined {
    if (b.roleKind === 'ClusterRole') return this.clusterRoles.get(b.roleName);
    if (b.roleKind === 'Role' && b.kind === 'RoleBinding') return this.roles.get(`${b.namespace}/${b.roleName}`);
    return undefined;
  }
}

export type RbacDecision = { allowed: true; reason: string } | { allowed: false; reason: string };

/** What a request is checked against: the rule attributes and its namespace. */
export type RbacAttributes = RuleAttributes & { namespace: string };

/**
 * One binding that applies to the user, with the rules of its role (or the error of a missing role), in
 * upstream's visiting order: ClusterRoleBindings, then the RoleBindings of the request's namespace.
 */
export interface VisitedBinding {
  binding: BindingEntry;
  subject: Relaxed<Subject>;
  rules?: PolicyRule[];
  error?: string;
}

/** upstream VisitRulesFor: the bindings that apply to the user where `namespace` is the scope ('' = cluster only). */
export function bindingsFor(index: RbacIndex, user: Pick<UserInfo, 'name' | 'groups'>, namespace: string): VisitedBinding[] {
  const keys = userKeys(user);
  const out: VisitedBinding[] = [];
  const visit = (b: BindingEntry): void => {
    const subject = b.subjects.find((s) => appliesToUser(user, s, b.namespace));
    if (!subject) return;
    const rules = index.roleRules(b);
    if (rules) out.push({ binding: b, subject, rules });
    else out.push({ binding: b, subject, error: roleNotFound(b) });
  };
  for (const b of index.clusterBindingsFor(keys)) visit(b);
  if (namespace) for (const b of index.namespaceBindingsFor(namespace, keys)) visit(b);
  return out;
}

function roleNotFound(b: BindingEntry): string {
  const res = b.roleKind === 'ClusterRole' ? 'clusterrole' : 'role';
  return `${res}.rbac.authorization.k8s.io ${JSON.stringify(b.roleName)} not found`;
}

/** The binding described as upstream's clusterRoleBindingDescriber / roleBindingDescriber. */
export function describeBinding(v: VisitedBinding): string {
  const b = v.binding;
  if (b.kind === 'ClusterRoleBinding') {
    return `ClusterRoleBinding ${JSON.stringify(b.name)} of ${b.roleKind} ${JSON.stringify(b.roleName)} to ${describeSubject(v.subject, '')}`;
  }
  return `RoleBinding ${JSON.stringify(`${b.name}/${b.namespace}`)} of ${b.roleKind} ${JSON.stringify(b.roleName)} to ${describeSubject(v.subject, b.namespace)}`;
}

/** upstream RulesFor: every rule the user holds where `namespace` is the scope, and the bindings' resolution errors. */
export function rulesFor(index: RbacIndex, user: Pick<UserInfo, 'name' | 'groups'>, namespace: string): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errs: string[] = [];
  for (const v of bindingsFor(index, user, namespace)) {
    if (v.rules) rules.push(...v.rules);
    else if (v.error) errs.push(v.error);
  }
  return { rules, errors: errs };
}

/** upstream RBACAuthorizer.Authorize. */
export function authorizeRbac(index: RbacIndex, user: Pick<UserInfo, 'name' | 'groups'>, a: RbacAttributes): RbacDecision {
  const errors: string[] = [];
  for (const v of bindingsFor(index, user, a.namespace)) {
    if (v.error) {
      errors.push(v.error);
      continue;
    }
    if (v.rules!.some((r) => ruleAllows(a, r))) return { allowed: true, reason: `RBAC: allowed by ${describeBinding(v)}` };
  }
  if (errors.length === 0) return { allowed: false, reason: '' };
  return { allowed: false, reason: `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
}

/** Keep `index` told of the four caches (the Node authorizer's graph is fed the same way). Returns the unsubscribe. */
export function feedRbacIndex(index: RbacIndex, caches: Record<'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding', WatchCache>): () => void {
  const stops = Object.entries(caches).map(([kind, cache]) =>
    cache.observe({
      reset: (objects) => index.resetKind(kind, objects.map((o) => o.obj)),
      event: (ev) => (ev.type === 'DELETED' ? index.delete(ev.obj) : index.set(ev.obj)),
    }),
  );
  return () => stops.forEach((s) => s());
}
