/**
 * Authorization by group, a pure decision (room for full RBAC later):
 * - system:masters may do anything;
 * - the control-plane components (system:kube-scheduler, system:kube-controller-manager, system:kube-proxy)
 *   get roughly their upstream bootstrap roles;
 * - nodes (system:node:<name> in system:nodes) may read what a kubelet reads and write only their own
 *   Node, Lease, the status of pods bound to them, and events (upstream's Node authorizer + NodeRestriction).
 */
import type { UserInfo } from './authn.js';

export interface Attributes {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  isResourceRequest: boolean;
  path: string;
}

export type Decision =
  | { allowed: true }
  | { allowed: false; reason: string }
  /** Allowed if the named pod is bound to this node (checked by the handler, which can read the pod). */
  | { allowed: 'ifPodBoundTo'; node: string };

const READ = new Set(['get', 'list', 'watch']);

const PUBLIC_PATHS = ['/healthz', '/livez', '/readyz', '/version'];

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.some((p) => path === p || path.startsWith(p + '/'));
}

export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes('system:nodes')) return undefined;
  const m = /^system:node:(.+)$/.exec(user.name);
  return m ? m[1] : undefined;
}

export function authorize(user: UserInfo, a: Attributes): Decision {
  if (user.groups.includes('system:masters')) return { allowed: true };
  if (!a.isResourceRequest) {
    // discovery, openapi, version, health: every authenticated user (system:discovery, system:basic-user)
    return { allowed: true };
  }
  if (user.name === 'system:kube-scheduler' || user.name === 'system:kube-controller-manager') return { allowed: true };
  if (user.name === 'system:kube-proxy') {
    if (READ.has(a.verb) && ['services', 'endpoints', 'endpointslices', 'nodes'].includes(a.resource)) return { allowed: true };
    if (a.resource === 'events' && ['create', 'patch', 'update'].includes(a.verb)) return { allowed: true };
    return deny(user, a);
  }
  const node = nodeNameOf(user);
  if (node) return authorizeNode(node, user, a);
  return deny(user, a);
}

function authorizeNode(node: string, user: UserInfo, a: Attributes): Decision {
  const r = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (READ.has(a.verb)) {
    if (['nodes', 'pods', 'services', 'endpoints', 'endpointslices', 'configmaps', 'secrets', 'namespaces', 'leases', 'serviceaccounts'].includes(a.resource) && !a.subresource) {
      return { allowed: true };
    }
    if (r === 'nodes/status' || r === 'pods/status') return { allowed: true };
  }
  if (a.resource === 'nodes') {
    if (a.verb === 'create' && !a.subresource) return { allowed: true };
    if (['update', 'patch'].includes(a.verb) && a.name === node) return { allowed: true };
    return deny(user, a, `node "${node}" can only modify its own Node object`);
  }
  if (a.resource === 'leases' && a.namespace === 'kube-node-lease') {
    if (a.verb === 'create' || a.name === node) return { allowed: true };
    return deny(user, a, `node "${node}" can only access its own lease`);
  }
  if (a.resource === 'pods') {
    if ((r === 'pods/status' && ['update', 'patch'].includes(a.verb)) || (r === 'pods' && a.verb === 'delete')) {
      return { allowed: 'ifPodBoundTo', node };
    }
    if (r === 'pods/eviction' && a.verb === 'create') return { allowed: 'ifPodBoundTo', node };
  }
  if (a.resource === 'events' && ['create', 'patch', 'update'].includes(a.verb)) return { allowed: true };
  return deny(user, a);
}

function deny(user: UserInfo, a: Attributes, why = ''): Decision {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const grp = a.group ? `${res}.${a.group}` : res;
  const scope = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  const nameText = a.name ? ` "${a.name}"` : '';
  return {
    allowed: false,
    reason: `${grp}${nameText} is forbidden: User "${user.name}" cannot ${a.verb} resource "${res}" in API group "${a.group}"${scope}${why ? ': ' + why : ''}`,
  };
}
