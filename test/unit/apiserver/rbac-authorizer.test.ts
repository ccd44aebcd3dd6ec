/**
 * The RBAC authorizer's index and decision (rbac-authorizer.ts), upstream's Covers (policy-rules.ts) and the
 * bootstrap reconciliation (rbac-reconcile.ts), as table tests over objects: no server.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../api/types/index.js';
import { authorizeRbac, RbacIndex, userKeys, type RbacAttributes } from '../../../control-plane/apiserver/rbac-authorizer.js';
import { covers, type PolicyRule } from '../../../control-plane/apiserver/policy-rules.js';
import { reconcileClusterRole, reconcileClusterRoleBinding } from '../../../control-plane/apiserver/rbac-reconcile.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../../../control-plane/apiserver/bootstrap-policy.js';
import { aggregateAll } from '../../../api/rbac/aggregation.js';

const G = 'rbac.authorization.k8s.io';
const obj = (kind: string, name: string, rest: Record<string, unknown>, namespace?: string): KubeObject =>
  ({ apiVersion: `${G}/v1`, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest }) as KubeObject;
const user = (name: string, groups: string[] = ['system:authenticated']) => ({ name, groups });
const res = (verb: string, resource: string, namespace = '', extra: Partial<RbacAttributes> = {}): RbacAttributes => ({
  verb, resource, namespace, group: '', subresource: '', name: '', isResourceRequest: true, path: '', ...extra,
});

const index = RbacIndex.from([
  obj('ClusterRole', 'pod-reader', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] }),
  obj('ClusterRole', 'health', { rules: [{ nonResourceURLs: ['/healthz/*'], verbs: ['get'] }] }),
  obj('Role', 'secret-reader', { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['s1'] }] }, 'x'),
  obj('ClusterRoleBinding', 'devs-read-pods', { roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'pod-reader' }, subjects: [{ kind: 'Group', apiGroup: G, name: 'devs' }] }),
  obj('ClusterRoleBinding', 'ops-health', { roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'health' }, subjects: [{ kind: 'User', apiGroup: G, name: 'ops' }] }),
  obj('RoleBinding', 'jane-secret', { roleRef: { apiGroup: G, kind: 'Role', name: 'secret-reader' }, subjects: [{ kind: 'User', apiGroup: G, name: 'jane' }] }, 'x'),
  obj('RoleBinding', 'robot-pods', { roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'robot' }] }, 'x'),
  obj('RoleBinding', 'ghost', { roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'ghost' }, subjects: [{ kind: 'User', apiGroup: G, name: 'amy' }] }, 'x'),
  // a Role named by a ClusterRoleBinding never applies
  obj('ClusterRoleBinding', 'bad-kind', { roleRef: { apiGroup: G, kind: 'Role', name: 'secret-reader' }, subjects: [{ kind: 'User', apiGroup: G, name: 'eve' }] }),
]);

describe('authorizeRbac', () => {
  const cases: [string, { name: string; groups: string[] }, RbacAttributes, boolean, string][] = [
    ['a group binding', user('joe', ['devs']), res('list', 'pods', 'y'), true, 'RBAC: allowed by ClusterRoleBinding "devs-read-pods" of ClusterRole "pod-reader" to Group "devs"'],
    ['a verb the role lacks', user('joe', ['devs']), res('delete', 'pods', 'y'), false, ''],
    ['a namespaced Role in its namespace, named object', user('jane'), res('get', 'secrets', 'x', { name: 's1' }), true, 'RBAC: allowed by RoleBinding "jane-secret/x" of Role "secret-reader" to User "jane"'],
    ['the Role names one object only', user('jane'), res('get', 'secrets', 'x', { name: 's2' }), false, ''],
    ['a Role does not reach another namespace', user('jane'), res('get', 'secrets', 'y', { name: 's1' }), false, ''],
    ['a Role does not reach the cluster scope', user('jane'), res('get', 'secrets', '', { name: 's1' }), false, ''],
    ['a service account subject defaults to the binding\'s namespace', user('system:serviceaccount:x:robot', ['system:serviceaccounts']), res('get', 'pods', 'x'), true, 'RBAC: allowed by RoleBinding "robot-pods/x" of ClusterRole "pod-reader" to ServiceAccount "robot/x"'],
    ['a same-named service account of another namespace', user('system:serviceaccount:y:robot'), res('get', 'pods', 'x'), false, ''],
    ['a non-resource URL prefix', user('ops'), { ...res('get', ''), isResourceRequest: false, path: '/healthz/etcd' }, true, 'RBAC: allowed by ClusterRoleBinding "ops-health" of ClusterRole "health" to User "ops"'],
    ['a binding to a missing role is the reason', user('amy'), res('get', 'pods', 'x'), false, 'RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found'],
    ['a ClusterRoleBinding naming a Role grants nothing', user('eve'), res('get', 'secrets', 'x', { name: 's1' }), false, 'RBAC: role.rbac.authorization.k8s.io "secret-reader" not found'],
    ['nobody', user('nobody'), res('get', 'pods', 'x'), false, ''],
  ];
  for (const [what, u, a, allowed, reason] of cases) {
    it(what, () => expect(authorizeRbac(index, u, a)).toEqual({ allowed, reason }));
  }

  it('follows changes: a deleted binding or role stops granting, a replaced binding is re-indexed', () => {
    const ix = RbacIndex.from([
      obj('ClusterRole', 'r', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }),
      obj('RoleBinding', 'b', { roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'r' }, subjects: [{ kind: 'User', apiGroup: G, name: 'a' }] }, 'x'),
    ]);
    expect(authorizeRbac(ix, user('a'), res('get', 'pods', 'x')).allowed).toBe(true);
    ix.set(obj('RoleBinding', 'b', { roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'r' }, subjects: [{ kind: 'User', apiGroup: G, name: 'b' }] }, 'x'));
    expect(authorizeRbac(ix, user('a'), res('get', 'pods', 'x')).allowed).toBe(false);
    expect(authorizeRbac(ix, user('b'), res('get', 'pods', 'x')).allowed).toBe(true);
    ix.delete(obj('ClusterRole', 'r', {}));
    expect(authorizeRbac(ix, user('b'), res('get', 'pods', 'x')).reason).toBe('RBAC: clusterrole.rbac.authorization.k8s.io "r" not found');
  });

  it('looks only at the bindings naming the user: 1,000 other bindings do not slow a decision down', () => {
    const objects: KubeObject[] = [];
    for (let i = 0; i < 1000; i++) {
      objects.push(obj('Role', `r${i}`, { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }, 'x'));
      objects.push(obj('RoleBinding', `b${i}`, { roleRef: { apiGroup: G, kind: 'Role', name: `r${i}` }, subjects: [{ kind: 'User', apiGroup: G, name: `u${i}` }] }, 'x'));
    }
    const ix = RbacIndex.from(objects);
    expect(authorizeRbac(ix, user('u999'), res('get', 'pods', 'x')).reason).toBe('RBAC: allowed by RoleBinding "b999/x" of Role "r999" to User "u999"');
    // The index hands a decision only the bindings whose subjects name the user or its groups, never the 1,000: the
    // cost of a decision does not grow with other users' bindings (no timing here: speed is bench/'s business).
    expect(ix.namespaceBindingsFor('x', userKeys(user('u999'))).map((b) => b.name)).toEqual(['b999']);
    expect(ix.namespaceBindingsFor('x', userKeys(user('nobody')))).toEqual([]);
    expect(ix.clusterBindingsFor(userKeys(user('nobody')))).toEqual([]);
    expect(authorizeRbac(ix, user('nobody'), res('get', 'pods', 'x')).allowed).toBe(false);
  });
});

describe('covers (upstream validation.Covers)', () => {
  const r = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({ verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) });
  const cases: [string, PolicyRule[], PolicyRule[], boolean, PolicyRule[]?][] = [
    ['exact', [r(['get'], [''], ['pods'])], [r(['get'], [''], ['pods'])], true],
    ['star verb', [r(['*'], [''], ['pods'])], [r(['get', 'delete'], [''], ['pods'])], true],
    ['star group and resource', [r(['get'], ['*'], ['*'])], [r(['get'], ['apps'], ['deployments', 'deployments/scale'])], true],
    ['*/subresource', [r(['get'], [''], ['*/status'])], [r(['get'], [''], ['pods/status'])], true],
    ['a missing verb, broken down', [r(['get'], [''], ['pods'])], [r(['get', 'list'], [''], ['pods'])], false, [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]],
    ['named owner does not cover all names', [r(['get'], [''], ['secrets'], ['a'])], [r(['get'], [''], ['secrets'])], false, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]],
    ['unnamed owner covers names', [r(['get'], [''], ['secrets'])], [r(['get'], [''], ['secrets'], ['a', 'b'])], true],
    ['URL prefix', [{ verbs: ['get'], nonResourceURLs: ['/healthz/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/healthz/etcd'] }], true],
    ['URL not covered', [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }], false, [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }]],
  ];
  for (const [what, owner, servant, ok, uncovered] of cases) {
    it(what, () => {
      const got = covers(owner, servant);
      expect(got.covered).toBe(ok);
      if (uncovered) expect(got.uncovered).toEqual(uncovered);
    });
  }
});

describe('bootstrap reconciliation (union)', () => {
  const expectedView = bootstrapClusterRoles().find((r) => r.metadata.name === 'system:aggregate-to-view')!;
  it('creates a missing role', () => expect(reconcileClusterRole(undefined, expectedView).op).toBe('create'));
  it('leaves an up-to-date role alone', () => expect(reconcileClusterRole(structuredClone(expectedView), expectedView)).toEqual({ op: 'none' }));
  it('keeps a user\'s additions and labels, restores a removed rule', () => {
    const existing = structuredClone(expectedView);
    existing.metadata.labels = { ...existing.metadata.labels, mine: 'yes' };
    existing.rules = [...existing.rules!.slice(1), { apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }];
    const r = reconcileClusterRole(existing, expectedView);
    expect(r.op).toBe('update');
    if (r.op !== 'update') return;
    expect(r.obj.metadata?.labels?.mine).toBe('yes');
    expect(r.obj.rules).toContainEqual({ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] });
    expect(covers((r.obj.rules ?? []).map((x) => ({ ...x, verbs: x.verbs ?? [] })), expectedView.rules!).covered).toBe(true);
  });
  it('does not touch a role annotated autoupdate=false', () => {
    const existing = structuredClone(expectedView);
    existing.metadata.annotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'false' };
    existing.rules = [];
    expect(reconcileClusterRole(existing, expectedView)).toEqual({ op: 'none' });
  });
  it('adds missing subjects to a binding, recreates one whose roleRef changed', () => {
    const expected = bootstrapClusterRoleBindings().find((b) => b.metadata.name === 'system:public-info-viewer')!;
    const existing = structuredClone(expected);
    existing.subjects = [existing.subjects![0]!, { kind: 'User', apiGroup: G, name: 'extra' }];
    const r = reconcileClusterRoleBinding(existing, expected);
    expect(r.op).toBe('update');
    if (r.op === 'update') expect(r.obj.subjects?.map((s) => s.name)).toEqual(['system:authenticated', 'extra', 'system:unauthenticated']);
    const moved = structuredClone(expected);
    moved.roleRef = { apiGroup: G, kind: 'ClusterRole', name: 'view' };
    expect(reconcileClusterRoleBinding(moved, expected).op).toBe('recreate');
  });
  it('aggregation: admin holds edit\'s and view\'s rules, view none of edit\'s', () => {
    const roles = aggregateAll(bootstrapClusterRoles());
    const by = (n: string) => roles.find((r) => r.metadata.name === n)!.rules!;
    const view = by('view');
    expect(view).toEqual(by('system:aggregate-to-view'));
    expect(covers(by('admin').map((x) => ({ ...x, verbs: x.verbs })), [...by('edit'), ...view]).covered).toBe(true);
    expect(covers(view.map((x) => ({ ...x, verbs: x.verbs })), by('system:aggregate-to-edit')).covered).toBe(false);
  });
});

describe('--authorization-mode', () => {
  it('parses upstream\'s modes and refuses others with upstream\'s messages', async () => {
    const { parseAuthorizationModes } = await import('../../../control-plane/apiserver/authz.js');
    expect(parseAuthorizationModes(['Node', 'RBAC'])).toEqual({ modes: ['Node', 'RBAC'], errors: [] });
    expect(parseAuthorizationModes(['ABAC', 'RBAC', 'RBAC']).errors).toEqual([
      'authorization-mode "ABAC" is not a valid mode',
      'authorization-mode "RBAC" has mode specified more than once',
    ]);
    expect(parseAuthorizationModes([]).errors).toEqual(['at least one authorization-mode must be passed']);
  });

  it('AlwaysDeny denies with its reason, AlwaysAllow allows, system:masters is allowed whatever the modes', async () => {
    const { authorize } = await import('../../../control-plane/apiserver/authz.js');
    const a = { ...res('get', 'pods', 'x'), subresource: '' };
    const deny = authorize(user('jane'), a, undefined, { modes: ['AlwaysDeny'] });
    expect(deny).toMatchObject({ allowed: false, why: 'Everything is forbidden.' });
    expect(authorize(user('jane'), a, undefined, { modes: ['AlwaysAllow'] }).allowed).toBe(true);
    expect(authorize(user('root', ['system:masters']), a, undefined, { modes: ['AlwaysDeny'] }).allowed).toBe(true);
    expect(authorize(user('jane'), a, undefined, { modes: ['RBAC'], rbac: new RbacIndex() }).allowed).toBe(false);
  });
});
