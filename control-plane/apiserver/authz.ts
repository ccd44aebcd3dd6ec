/**
 * Authorization, a pure decision over (user, request attributes, the node graph), as upstream's
 * `--authorization-mode=Node,RBAC` with only the bootstrap policy loaded:
 * 1. the Node authorizer (node-authorizer.ts) for users system:node:<name> in system:nodes;
 * 2. the bootstrap ClusterRoles bound to the user or its groups (bootstrap-policy.ts), evaluated as RBAC
 *    evaluates rules (policy-rules.ts): system:masters is cluster-admin, the scheduler, controller manager
 *    and proxy get their upstream roles, every authenticated user may read discovery, and everyone (the
 *    anonymous user `system:anonymous` in `system:unauthenticated` too) the health endpoints and /version.
 * The first allow wins; a denial carries the reasons the authorizers gave, as upstream's union authorizer.
 */
import { KubeError, qualifiedResource } from '../../api/errors.js';
import { parseFieldSelector, type FieldRequirement } from '../../api/fields.js';
import type { UserInfo } from './authn.js';
import { rulesFor } from './bootstrap-policy.js';
import { authorizeNode, nodeIdentity } from './node-authorizer.js';
import type { NodeGraphView } from './node-graph.js';
import { rulesAllow } from './policy-rules.js';
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
  | { allowed: true }
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

export function authorize(user: UserInfo, a: Attributes, graph: NodeGraphView = EMPTY_GRAPH): Decision {
  const reasons: string[] = [];
  const id = nodeIdentity(user);
  if (id.isNode) {
    const d = authorizeNode(id.name, a, graph);
    if (d.allowed) return d;
    if (d.reason) reasons.push(d.reason);
  }
  if (rulesAllow(a, rulesFor(user))) return { allowed: true };
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
