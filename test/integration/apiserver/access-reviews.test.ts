/**
 * The reviews (issue 14) with the real kubectl over a real etcd: `kubectl auth can-i` (SelfSubjectAccessReview, sent
 * as protobuf) for a table of users, groups, verbs, subresources and non-resource URLs, with `--as`/`--as-group`
 * and `-n`; `--list` (SelfSubjectRulesReview); `kubectl auth whoami` (SelfSubjectReview); SubjectAccessReview and
 * LocalSubjectAccessReview for any user (a node included); TokenReview with a --token-auth-file token; upstream's
 * 403 for a user with only a namespaced Role; impersonation without `impersonate`; `kubectl auth reconcile`; and
 * bad input (upstream's 422/400 messages, 405/404 for other verbs and paths).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectl, kubectlOk, startApiServer, type ApiHandle } from '../../support/apiserver.js';

let etcd: EtcdHandle | undefined;
let h: ApiHandle;
const JANE = 'usertoken'; // jane, in group developers (test/support/apiserver.ts)
const NODE = 'nodetoken-node01'; // system:node:node01 in system:nodes

const SETUP = `
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader, namespace: a}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [settings]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: jane-reads, namespace: a}
subjects:
- {kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: secret-reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: devs-view}
subjects:
- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: logs-reader}
subjects:
- {kind: User, name: carol, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: logs-reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: logs-reader}
rules:
- nonResourceURLs: [/logs, /logs/*]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ghost, namespace: x}
subjects:
- {kind: User, name: dave, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: ghost, apiGroup: rbac.authorization.k8s.io}
`;

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd);
  await kubectlOk(h, ['apply', '-f', '-'], SETUP);
  // the view role is aggregated by the controller manager, which does not run here: give it the rules it would have
  await kubectlOk(h, ['patch', 'clusterrole', 'view', '--type=merge', '-p', JSON.stringify({ rules: [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] }] })]);
}, 60_000);
afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
});

/** `kubectl auth can-i ...` -> 'yes' | 'no...' with the exit code kubectl gives (0 yes, 1 no). */
async function canI(args: string[], token?: string): Promise<string> {
  const r = await kubectl(h, [...(token ? ['--token', token] : []), 'auth', 'can-i', ...args]);
  const out = r.stdout.trim();
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(out === 'yes' ? 0 : 1);
  return out;
}

describe('kubectl auth can-i', () => {
  const table: Array<[string, string[], string | undefined, string]> = [
    ['a user with a namespaced Role, in its namespace', ['list', 'secrets', '-n', 'a'], JANE, 'yes'],
    ['... elsewhere', ['list', 'secrets', '-n', 'x'], JANE, 'no'],
    ['... cluster wide', ['list', 'secrets', '-A'], JANE, 'no'],
    ['... a verb the Role lacks', ['delete', 'secrets', '-n', 'a'], JANE, 'no'],
    ['... a subresource it holds', ['get', 'pods', '--subresource=log', '-n', 'a'], JANE, 'yes'],
    ['... the parent of that subresource', ['get', 'pods', '-n', 'a'], JANE, 'no'],
    ['... a named object it may read', ['get', 'configmaps/settings', '-n', 'a'], JANE, 'yes'],
    ['... another name', ['get', 'configmaps/other', '-n', 'a'], JANE, 'no'],
    ['... every object of that kind', ['get', 'configmaps', '-n', 'a'], JANE, 'no'],
    ['anyone authenticated: system:basic-user', ['create', 'selfsubjectaccessreviews.authorization.k8s.io'], JANE, 'yes'],
    ['anyone authenticated: system:discovery', ['get', '/api'], JANE, 'yes'],
    ['a non-resource URL nobody granted', ['get', '/logs'], JANE, 'no'],
    ['system:masters may do anything', ['delete', 'nodes'], undefined, 'yes'],
    ['system:masters: a non-resource URL', ['get', '/logs'], undefined, 'yes'],
    ['--as a user', ['list', 'secrets', '-n', 'a', '--as', 'jane'], undefined, 'yes'],
    ['--as a user, elsewhere', ['list', 'secrets', '-n', 'x', '--as', 'jane'], undefined, 'no'],
    ['--as a user of a group bound cluster wide', ['list', 'pods', '-n', 'x', '--as', 'bob', '--as-group', 'devs'], undefined, 'yes'],
    ['... not what the group role lacks', ['list', 'secrets', '-n', 'x', '--as', 'bob', '--as-group', 'devs'], undefined, 'no'],
    ['... nor without the group', ['list', 'pods', '-n', 'x', '--as', 'bob'], undefined, 'no'],
    ['a ClusterRole of non-resource URLs', ['get', '/logs/kubelet.log', '--as', 'carol'], undefined, 'yes'],
    ['... another verb', ['post', '/logs', '--as', 'carol'], undefined, 'no'],
    ['a node: the Node authorizer', ['get', 'nodes/node01'], NODE, 'yes'],
    ['a node: a secret it is not related to', ['get', 'secrets/s1', '-n', 'a'], NODE, "no - no relationship found between node 'node01' and this object"],
  ];
  it.each(table)('%s', async (_what, args, token, want) => {
    expect(await canI(args, token)).toBe(want);
  });
  it('exits 1 with "no" (the table above checks every exit code)', async () => {
    const r = await kubectl(h, ['--token', JANE, 'auth', 'can-i', 'list', 'secrets', '-n', 'x', '--quiet']);
    expect([r.code, r.stdout]).toEqual([1, '']);
  });

  it('says why when a binding names a missing role', async () => {
    expect(await canI(['list', 'pods', '-n', 'x', '--as', 'dave'])).toBe('no - RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found');
  });

  it('impersonation without the impersonate verb is refused', async () => {
    const r = await kubectl(h, ['--token', JANE, 'auth', 'can-i', 'list', 'pods', '--as', 'bob']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('users "bob" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope');
  });

  it('--list: the rules RBAC gives in the namespace (SelfSubjectRulesReview)', async () => {
    const out = await kubectlOk(h, ['--token', JANE, 'auth', 'can-i', '--list', '-n', 'a']);
    const rows = out.split('\n').map((l) => l.split(/\s{2,}/).map((c) => c.trim()));
    expect(rows[0]).toEqual(['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    expect(rows).toContainEqual(['secrets', '[]', '[]', '[get list]']);
    expect(rows).toContainEqual(['pods/log', '[]', '[]', '[get]']);
    expect(rows).toContainEqual(['configmaps', '[]', '[settings]', '[get]']);
    expect(rows).toContainEqual(['selfsubjectaccessreviews.authorization.k8s.io', '[]', '[]', '[create]']);
    expect(rows).toContainEqual(['', '[/api/*]', '[]', '[get]']);
    const elsewhere = await kubectlOk(h, ['--token', JANE, 'auth', 'can-i', '--list', '-n', 'x']);
    expect(elsewhere).not.toContain('secrets');
  });

  it('--list for a node warns that the list may be incomplete', async () => {
    const r = await kubectl(h, ['--token', NODE, 'auth', 'can-i', '--list']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: the list may be incomplete: node authorizer does not support user rule resolution');
  });

  it('rules review with a binding to a missing role: the evaluation error, complete (kubectl warns only when incomplete)', async () => {
    const r = await api(h, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'x' } }, { headers: { 'Impersonate-User': 'dave' } });
    expect(r.status).toBe(201);
    const st = r.json().status;
    expect(st.incomplete).toBe(false);
    expect(st.evaluationError).toBe('clusterrole.rbac.authorization.k8s.io "ghost" not found');
    // dave (impersonated) is in system:authenticated: basic-user's rules, and discovery's non-resource URLs
    expect(st.resourceRules).toContainEqual({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
    expect(st.nonResourceRules.flatMap((r: { nonResourceURLs: string[] }) => r.nonResourceURLs)).toContain('/api/*');
  });
});

describe('403 with upstream\'s message', () => {
  it('a user with only a namespaced Role elsewhere', async () => {
    const r = await kubectl(h, ['--token', JANE, 'get', 'secrets', '-n', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "x"');
  });
});

describe('kubectl auth whoami (SelfSubjectReview)', () => {
  it('names the user, as themselves or impersonated', async () => {
    const me = JSON.parse(await kubectlOk(h, ['--token', JANE, 'auth', 'whoami', '-o', 'json']));
    expect(me).toMatchObject({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', status: { userInfo: { username: 'jane', uid: 'jane', groups: ['developers', 'system:authenticated'] } } });
    expect(me.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const bob = JSON.parse(await kubectlOk(h, ['auth', 'whoami', '--as', 'bob', '--as-group', 'devs', '-o', 'json']));
    expect(bob.status.userInfo).toEqual({ username: 'bob', groups: ['devs', 'system:authenticated'] });
  });
});

describe('SubjectAccessReview and LocalSubjectAccessReview', () => {
  const sar = (spec: Record<string, unknown>) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });

  it('answers for any user: groups are only those named (no system:authenticated added)', async () => {
    const r = await api(h, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ user: 'jane', resourceAttributes: { verb: 'list', resource: 'secrets', namespace: 'a' } }));
    expect(r.status).toBe(201);
    expect(r.json()).toMatchObject({
      kind: 'SubjectAccessReview',
      status: { allowed: true, reason: 'RBAC: allowed by RoleBinding "jane-reads/a" of Role "secret-reader" to User "jane"' },
    });
    const basic = await api(h, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ user: 'jane', resourceAttributes: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' } }));
    expect(basic.json().status).toEqual({ allowed: false });
    const withGroup = await api(h, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ user: 'jane', groups: ['system:authenticated'], resourceAttributes: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' } }));
    expect(withGroup.json().status.allowed).toBe(true);
  });

  it('a node through the Node authorizer', async () => {
    const r = await api(h, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ user: 'system:node:node01', groups: ['system:nodes'], resourceAttributes: { verb: 'get', resource: 'nodes', name: 'node01' } }));
    expect(r.json().status.allowed).toBe(true);
    const secret = await api(h, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ user: 'system:node:node01', groups: ['system:nodes'], resourceAttributes: { verb: 'get', resource: 'secrets', name: 's', namespace: 'a' } }));
    expect(secret.json().status.allowed).toBe(false);
    expect(secret.json().status.reason).toContain("no relationship found between node 'node01' and this object");
  });

  it('a non-resource path and a protobuf response when asked', async () => {
    const r = await api(h, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ user: 'carol', nonResourceAttributes: { path: '/logs/x', verb: 'get' } }));
    expect(r.json().status).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "logs-reader" of ClusterRole "logs-reader" to User "carol"' });
    const pb = await api(h, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ user: 'carol', nonResourceAttributes: { path: '/logs/x', verb: 'get' } }), { headers: { Accept: 'application/vnd.kubernetes.protobuf' } });
    expect(pb.status).toBe(201);
    expect(pb.headers['content-type']).toBe('application/vnd.kubernetes.protobuf');
  });

  it('LocalSubjectAccessReview: the namespace of the URL', async () => {
    const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'jane', resourceAttributes: { verb: 'get', resource: 'secrets', namespace: 'a' } } };
    const ok = await api(h, 'POST', '/apis/authorization.k8s.io/v1/namespaces/a/localsubjectaccessreviews', body);
    expect(ok.status).toBe(201);
    expect(ok.json().metadata.namespace).toBe('a');
    expect(ok.json().status.allowed).toBe(true);
    const other = await api(h, 'POST', '/apis/authorization.k8s.io/v1/namespaces/x/localsubjectaccessreviews', body);
    expect(other.status).toBe(422);
    expect(other.json().message).toBe('LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "a": must match metadata.namespace');
    const meta = await api(h, 'POST', '/apis/authorization.k8s.io/v1/namespaces/x/localsubjectaccessreviews', { ...body, metadata: { namespace: 'a' } });
    expect(meta.status).toBe(400);
    expect(meta.json().message).toBe('the namespace of the provided object does not match the namespace sent on the request');
  });

  it('needs create on subjectaccessreviews: jane may not ask about others', async () => {
    const r = await api(h, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ user: 'bob', resourceAttributes: { verb: 'get', resource: 'pods' } }), { token: JANE });
    expect(r.status).toBe(403);
    expect(r.json().message).toBe('subjectaccessreviews.authorization.k8s.io is forbidden: User "jane" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope');
  });
});

describe('bad input', () => {
  const post = (path: string, body: unknown) => api(h, 'POST', `/apis/authorization.k8s.io/v1/${path}`, body);
  const cases: Array<[string, string, unknown, number, string]> = [
    ['SAR without attributes', 'subjectaccessreviews', { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { user: 'jane' } }, 422,
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified'],
    ['SAR with both', 'subjectaccessreviews', { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { user: 'jane', resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/logs', verb: 'get' } } }, 422,
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:"/logs", Verb:"get"}: cannot be specified in combination with resourceAttributes'],
    ['SAR without user or groups', 'subjectaccessreviews', { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { resourceAttributes: { verb: 'get' } } }, 422,
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified'],
    ['SAR with a name', 'subjectaccessreviews', { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { name: 'x' }, spec: { user: 'jane', resourceAttributes: { verb: 'get' } } }, 422,
      'SubjectAccessReview.authorization.k8s.io "" is invalid: metadata: Invalid value: v1.ObjectMeta{Name:"x", GenerateName:"", Namespace:"", SelfLink:"", UID:"", ResourceVersion:"", Generation:0, CreationTimestamp:time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC), DeletionTimestamp:<nil>, DeletionGracePeriodSeconds:(*int64)(nil), Labels:map[string]string(nil), Annotations:map[string]string(nil), OwnerReferences:[]v1.OwnerReference(nil), Finalizers:[]string(nil), ManagedFields:[]v1.ManagedFieldsEntry(nil)}: must be empty'],
    ['SSAR without attributes', 'selfsubjectaccessreviews', { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: {} }, 422,
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified'],
    ['SSAR with a field selector and no requirement', 'selfsubjectaccessreviews', { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { resourceAttributes: { verb: 'list', resource: 'pods', fieldSelector: {} } } }, 422,
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.fieldSelector.requirements: Required value: when spec.resourceAttributes.fieldSelector is specified, requirements or rawSelector is required'],
    ['SSRR without a namespace', 'selfsubjectrulesreviews', { kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', spec: {} }, 400, 'no namespace on request'],
    ['a body of another kind', 'selfsubjectaccessreviews', { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: {} }, 400, ''],
    ['a field of the wrong type', 'selfsubjectaccessreviews', { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { resourceAttributes: 'pods' } }, 400, ''],
  ];
  it.each(cases)('%s', async (_what, path, body, status, message) => {
    const r = await post(path, body);
    expect(r.status, r.body).toBe(status);
    if (message) expect(r.json().message).toBe(message);
  });

  it('a review is create-only: other verbs 405, a name 404', async () => {
    expect((await api(h, 'GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).status).toBe(405);
    expect((await api(h, 'DELETE', '/apis/authorization.k8s.io/v1/subjectaccessreviews')).status).toBe(405);
    expect((await api(h, 'GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/x')).status).toBe(404);
    expect((await api(h, 'POST', '/apis/authorization.k8s.io/v1/namespaces/a/subjectaccessreviews', {})).status).toBe(404);
    expect((await api(h, 'POST', '/apis/authorization.k8s.io/v1/localsubjectaccessreviews', {})).status).toBe(404);
  });

  it('discovery lists the reviews with verbs [create] and no storage version', async () => {
    const l = (await api(h, 'GET', '/apis/authorization.k8s.io/v1')).json();
    expect(l.resources).toEqual([
      { name: 'localsubjectaccessreviews', singularName: 'localsubjectaccessreview', namespaced: true, kind: 'LocalSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] },
      { name: 'subjectaccessreviews', singularName: 'subjectaccessreview', namespaced: false, kind: 'SubjectAccessReview', verbs: ['create'] },
    ]);
    const n = (await api(h, 'GET', '/apis/authentication.k8s.io/v1')).json();
    expect(n.resources.map((r: { name: string }) => r.name)).toEqual(['selfsubjectreviews', 'tokenreviews']);
  });
});

describe('kubectl sees the reviews', () => {
  it('api-resources (aggregated discovery) and explain (OpenAPI)', async () => {
    const rows = (await kubectlOk(h, ['api-resources', '--api-group=authorization.k8s.io', '-o', 'wide', '--no-headers'])).trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(rows).toEqual([
      ['localsubjectaccessreviews', 'authorization.k8s.io/v1', 'true', 'LocalSubjectAccessReview', 'create'],
      ['selfsubjectaccessreviews', 'authorization.k8s.io/v1', 'false', 'SelfSubjectAccessReview', 'create'],
      ['selfsubjectrulesreviews', 'authorization.k8s.io/v1', 'false', 'SelfSubjectRulesReview', 'create'],
      ['subjectaccessreviews', 'authorization.k8s.io/v1', 'false', 'SubjectAccessReview', 'create'],
    ]);
    const explain = await kubectlOk(h, ['explain', 'selfsubjectaccessreview.spec.resourceAttributes']);
    expect(explain).toContain('KIND:       SelfSubjectAccessReview');
    expect(explain).toContain('subresource\t<string>');
  });
});

describe('TokenReview', () => {
  const review = (spec: Record<string, unknown>, token?: string) =>
    api(h, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec }, token ? { token } : {});

  it('a token of --token-auth-file: the user it authenticates', async () => {
    const r = await review({ token: JANE });
    expect(r.status).toBe(201);
    expect(r.json().status).toEqual({ authenticated: true, user: { username: 'jane', uid: 'jane', groups: ['developers', 'system:authenticated'] } });
    // kubectl create sends it too
    const out = JSON.parse(await kubectlOk(h, ['create', '-o', 'json', '-f', '-'], JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: NODE } })));
    expect(out.status.user.username).toBe('system:node:node01');
  });

  it('an unknown token, or one asked for another audience: not authenticated', async () => {
    expect((await review({ token: 'nope' })).json().status).toEqual({ user: {}, error: 'invalid bearer token' });
    expect((await review({ token: JANE, audiences: ['vault'] })).json().status).toEqual({ user: {}, error: 'invalid bearer token' });
    // not a bearer token to the header parser: never reviewed as the anonymous user
    expect((await review({ token: ` ${JANE}` })).json().status).toEqual({ user: {}, error: 'invalid bearer token' });
  });

  it('malformed: no token, a namespace, a caller without create tokenreviews', async () => {
    const none = await review({});
    expect(none.status).toBe(400);
    expect(none.json().message).toBe('token is required for TokenReview in authentication');
    expect((await api(h, 'POST', '/apis/authentication.k8s.io/v1/namespaces/a/tokenreviews', { spec: { token: 'x' } })).status).toBe(404);
    const bad = await api(h, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 7 } });
    expect(bad.status).toBe(400);
    const jane = await review({ token: NODE }, JANE);
    expect(jane.status).toBe(403);
  });
});

describe('kubectl auth reconcile', () => {
  const RBAC = `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: x}
rules:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer, namespace: x}
subjects:
- {kind: User, name: erin, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: deployer, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: node-reader}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: node-reader}
subjects:
- {kind: User, name: erin, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: node-reader, apiGroup: rbac.authorization.k8s.io}
`;
  it('creates, then reconciles without change, then adds missing rules and subjects', async () => {
    const first = await kubectlOk(h, ['auth', 'reconcile', '-f', '-'], RBAC);
    expect(first).toContain('role.rbac.authorization.k8s.io/deployer reconciled');
    expect(first).toContain('clusterrolebinding.rbac.authorization.k8s.io/node-reader reconciled');
    expect(await canI(['create', 'deployments.apps', '-n', 'x', '--as', 'erin'])).toBe('yes');
    expect(await canI(['list', 'nodes', '--as', 'erin'])).toBe('yes');
    const again = await kubectlOk(h, ['auth', 'reconcile', '-f', '-'], RBAC);
    expect(again).toContain('role.rbac.authorization.k8s.io/deployer reconciled');
    // a rule removed by hand comes back; a rule added by hand stays (no --remove-extra-permissions)
    await kubectlOk(h, ['patch', 'role', 'deployer', '-n', 'x', '--type=json', '-p', '[{"op":"replace","path":"/rules","value":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}]']);
    expect(await canI(['create', 'deployments.apps', '-n', 'x', '--as', 'erin'])).toBe('no');
    await kubectlOk(h, ['auth', 'reconcile', '-f', '-'], RBAC);
    expect(await canI(['create', 'deployments.apps', '-n', 'x', '--as', 'erin'])).toBe('yes');
    expect(await canI(['get', 'pods', '-n', 'x', '--as', 'erin'])).toBe('yes');
    await kubectlOk(h, ['auth', 'reconcile', '--remove-extra-permissions', '-f', '-'], RBAC);
    expect(await canI(['get', 'pods', '-n', 'x', '--as', 'erin'])).toBe('no');
  });
});
