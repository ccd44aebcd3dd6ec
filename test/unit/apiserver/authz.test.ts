import { describe, expect, it } from 'vitest';
import { authorize, type Attributes } from '../../../control-plane/apiserver/authz.js';
import type { UserInfo } from '../../../control-plane/apiserver/authn.js';

const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const node01: UserInfo = { name: 'system:node:node01', groups: ['system:nodes', 'system:authenticated'] };
const jane: UserInfo = { name: 'jane', groups: ['system:authenticated'] };
const proxy: UserInfo = { name: 'system:kube-proxy', groups: ['system:authenticated'] };

function attrs(verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes {
  return { verb, group: '', resource, subresource: '', namespace: '', name: '', isResourceRequest: true, path: '', ...extra };
}

describe('authorize', () => {
  const cases: [string, UserInfo, Attributes, boolean | 'ifPodBoundTo'][] = [
    ['masters may do anything', admin, attrs('delete', 'nodes', { name: 'x' }), true],
    ['anyone authenticated reads discovery', jane, { ...attrs('get', ''), isResourceRequest: false }, true],
    ['a user without a role may not list pods', jane, attrs('list', 'pods', { namespace: 'default' }), false],
    ['a node updates its own Node', node01, attrs('patch', 'nodes', { name: 'node01', subresource: 'status' }), true],
    ['a node may not update another Node', node01, attrs('patch', 'nodes', { name: 'node02' }), false],
    ['a node renews its own Lease', node01, attrs('update', 'leases', { namespace: 'kube-node-lease', name: 'node01' }), true],
    ['a node may not touch another Lease', node01, attrs('update', 'leases', { namespace: 'kube-node-lease', name: 'node02' }), false],
    ['a node updates pod status only for its pods', node01, attrs('patch', 'pods', { namespace: 'default', name: 'p', subresource: 'status' }), 'ifPodBoundTo'],
    ['a node may not create deployments', node01, { ...attrs('create', 'deployments', { namespace: 'default' }), group: 'apps' }, false],
    ['a node watches pods', node01, attrs('watch', 'pods'), true],
    ['a node posts events', node01, attrs('create', 'events', { namespace: 'default' }), true],
    ['the proxy reads endpointslices', proxy, { ...attrs('watch', 'endpointslices'), group: 'discovery.k8s.io' }, true],
    ['the proxy may not delete services', proxy, attrs('delete', 'services', { namespace: 'default', name: 's' }), false],
  ];
  for (const [name, user, a, want] of cases) {
    it(name, () => {
      expect(authorize(user, a).allowed).toBe(want);
    });
  }
  it('a denial names the user, verb, resource, group and scope', () => {
    const d = authorize(jane, attrs('list', 'pods', { namespace: 'default' }));
    expect(d).toEqual({ allowed: false, reason: 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"' });
  });
});
