/**
 * Authorization, a pure decision over (user, request attributes, the node graph, the RBAC index), as upstream's
 * union of authorizers in `--authorization-mode` order (default `Node,RBAC`), after the privileged group:
 * 0. `system:masters` may do anything (upstream's privilegedGroupAuthorizer, always first);
 * 1. `Node`: the Node authorizer (node-authorizer.ts) for users system:node:<name> in system:nodes;
 * 2. `RBAC`: the Roles, ClusterRoles and bindings the API holds (rbac-authorizer.ts, kept from the watch caches;
 *    the bootstrap policy of bootstrap-policy.ts is written there at start by the rbac/bootstrap-roles hook);
 * `AlwaysAllow` and `AlwaysDeny` as upstream's. The first allow wins; a denial carries the reasons the authorizers
 * gave, as upstream's union authorizer.
 */
import { KubeError, qualifiedResource } from '../../api/errors.js';
import { parseFieldSelector, type FieldRequirement } from '../../api/fields.js';
import type { UserInfo } from './authn.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy.js';
import { aggregateAll } from '../../api/rbac/aggregation.js';
import { authorizeNode, nodeIdentity } from './node-authorizer.js';
import type { NodeGraphView } from './node-graph.js';
import { authorizeRbac, rulesFor, RbacIndex } from './rbac-authorizer.js';
import type { PolicyRule } from './policy-rules.js';
import type { RequestInfo } from './request-info.js';

export interface Attributes {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  /** The object's name: from the URL, or for a list/watch from fieldSelector metadata.name=<name>. */
  name: string;
  isResourceRequest: boolean;
  path: string;
  /** The parsed fieldSelector of a list, watch or deletecollection. */
  fieldSelector?: readonly FieldRequirement[];
}

export type Decision =
  /** `reason`: why (RBAC's `RBAC: allowed by ...`), empty when the authorizer gives none. */
  | { allowed: true; reason: string }
  /** `reason`: the whole Forbidden message; `why`: what the authorizers said (may be empty). */
  | { allowed: false; reason: string; why: string };

/**
 * The attributes of a request (upstream's GetAuthorizerAttributes). A list or watch with fieldSelector
 * `metadata.name=<name>` names that object, as upstream's RequestInfo does, so a node may read one object
 * it is related to through a list or a watch.
 */
export function attributesFor(info: RequestInfo, query: URLSearchParams): Attributes {
  const a: Attributes = {
    verb: info.verb,
    group: info.group,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
    isResourceRequest: info.isResourceRequest,
    path: info.path,
  };
  const fs = query.get('fieldSelector');
  if (fs && ['list', 'watch', 'deletecollection'].includes(info.verb)) {
    try {
      const sel = parseFieldSelector(fs);
      a.fieldSelector = sel.requirements;
      const name = sel.requiresExactMatch('metadata.name');
      if (info.verb !== 'deletecollection' && !a.name && name !== undefined && isValidPathSegmentName(name)) a.name = name;
    } catch {
      // a malformed selector is the handler's 400; it narrows nothing here
    }
  }
  return a;
}

/** path.IsValidPathSegmentName: not `.` or `..`, no `/` or `%`. */
function isValidPathSegmentName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

/** A graph with no bound pods: a node is related to nothing. */
export const EMPTY_GRAPH: NodeGraphView = { hasPathFrom: () => false };

/** upstream's authorization modes (`--authorization-mode`); Webhook and ABAC are not served. */
export const AUTHORIZATION_MODES = ['AlwaysAllow', 'AlwaysDeny', 'Node', 'RBAC'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];
export const DEFAULT_AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['Node', 'RBAC'];

/** upstream's BuiltInAuthorizationOptions.Validate: the modes of `--authorization-mode`, or the errors. */
export function parseAuthorizationModes(modes: readonly string[]): { modes: AuthorizationMode[]; errors: string[] } {
  const errors: string[] = [];
  if (modes.length === 0) errors.push('at least one authorization-mode must be passed');
  const seen = new Set<string>();
  for (const m of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) errors.push(`authorization-mode ${JSON.stringify(m)} is not a valid mode`);
    if (seen.has(m)) errors.push(`authorization-mode ${JSON.stringify(m)} has mode specified more than once`);
    seen.add(m);
  }
  return { modes: errors.length ? [] : (modes as AuthorizationMode[]), errors };
}

/** upstream's user.SystemPrivilegedGroup: its members are allowed everything, before any other authorizer. */
export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';

let bootstrapIndex: RbacIndex | undefined;
/** The bootstrap policy alone, as an index (what the API holds after a first start): the default of `authorize`. */
export function bootstrapRbacIndex(): RbacIndex {
  return (bootstrapIndex ??= RbacIndex.from([...aggregateAll(bootstrapClusterRoles()), ...bootstrapClusterRoleBindings()]));
}

export interface AuthorizerContext {
  graph?: NodeGraphView;
  rbac?: RbacIndex;
  modes?: readonly AuthorizationMode[];
}

export function authorize(user: UserInfo, a: Attributes, graph: NodeGraphView = EMPTY_GRAPH, ctx: AuthorizerContext = {}): Decision {
  if (user.groups.includes(SYSTEM_PRIVILEGED_GROUP)) return { allowed: true, reason: '' };
  const reasons: string[] = [];
  for (const mode of ctx.modes ?? DEFAULT_AUTHORIZATION_MODES) {
    switch (mode) {
      case 'AlwaysAllow':
        return { allowed: true, reason: '' };
      case 'AlwaysDeny':
        reasons.push('Everything is forbidden.');
        break;
      case 'Node': {
        const id = nodeIdentity(user);
        if (!id.isNode) break;
        const d = authorizeNode(id.name, a, graph);
        if (d.allowed) return { allowed: true, reason: '' };
        if (d.reason) reasons.push(d.reason);
        break;
      }
      case 'RBAC': {
        const d = authorizeRbac(ctx.rbac ?? bootstrapRbacIndex(), user, a);
        if (d.allowed) return d;
        if (d.reason) reasons.push(d.reason);
        break;
      }
    }
  }
  const why = reasons.join('\n');
  return { allowed: false, why, reason: forbiddenMessage(user, a, why) };
}

/** upstream's Forbidden message: `<resource>[.group] "<name>" is forbidden: User "u" cannot <verb> ...: <why>`. */
export function forbiddenMessage(user: UserInfo, a: Attributes, why: string): string {
  let what: string;
  if (!a.isResourceRequest) {
    what = `User "${user.name}" cannot ${a.verb} path "${a.path}"`;
  } else {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    what = `User "${user.name}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${scope}`;
  }
  if (why) what += `: ${why}`;
  if (!a.isResourceRequest || !a.resource) return `forbidden: ${what}`;
  const gr = qualifiedResource(a.resource, a.group);
  return a.name ? `${gr} "${a.name}" is forbidden: ${what}` : `${gr} is forbidden: ${what}`;
}

/** The 403 to answer with. */
export function forbidden(a: Attributes, d: { reason: string }): KubeError {
  return new KubeError('Forbidden', d.reason, { details: { ...(a.name ? { name: a.name } : {}), group: a.group, kind: a.resource } });
}

/** upstream utilerrors.NewAggregate(...).Error(): one message as is, several (duplicates dropped) as `[a, b]`. */
export function aggregateMessage(messages: readonly string[]): string {
  const seen = [...new Set(messages)];
  if (seen.length <= 1) return seen[0] ?? '';
  return `[${seen.join(', ')}]`;
}

/**
 * A SubjectAccessReview's answer (upstream's union authorizer behind the review REST storages): allowed with the
 * allowing authorizer's reason, or not with the reasons the authorizers gave; no built-in authorizer here denies
 * outright or fails, so `denied` is false and there is no evaluation error.
 */
export function reviewDecision(user: UserInfo, a: Attributes, graph: NodeGraphView = EMPTY_GRAPH, ctx: AuthorizerContext = {}): { allowed: boolean; denied: boolean; reason: string; evaluationError: string } {
  const d = authorize(user, a, graph, ctx);
  return { allowed: d.allowed, denied: false, reason: d.allowed ? d.reason : d.why, evaluationError: '' };
}

/**
 * upstream's union RuleResolver (RulesFor) over the --authorization-mode authorizers, as a SelfSubjectRulesReview
 * asks it: RBAC's rules where `namespace` is the scope (a binding to a missing role is an evaluation error),
 * AlwaysAllow's `*` rules, AlwaysDeny's none; the Node authorizer cannot list a node's rules (incomplete, with its
 * error). The privileged group is no rule resolver: system:masters sees the rules its bindings give it.
 */
export function resolveRules(user: UserInfo, namespace: string, ctx: AuthorizerContext = {}): { rules: PolicyRule[]; incomplete: boolean; evaluationError: string } {
  const rules: PolicyRule[] = [];
  const errs: string[] = [];
  let incomplete = false;
  for (const mode of ctx.modes ?? DEFAULT_AUTHORIZATION_MODES) {
    switch (mode) {
      case 'AlwaysAllow':
        rules.push({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] });
        break;
      case 'AlwaysDeny':
        break;
      case 'Node':
        if (nodeIdentity(user).isNode) {
          incomplete = true;
          errs.push('node authorizer does not support user rule resolution');
        }
        break;
      case 'RBAC': {
        const r = rulesFor(ctx.rbac ?? bootstrapRbacIndex(), user, namespace);
        rules.push(...r.rules);
        errs.push(...r.errors);
        break;
      }
    }
  }
  return { rules, incomplete, evaluationError: aggregateMessage(errs) };
}

