/**
 * rbac.authorization.k8s.io/v1 as API objects (issue 14, step 1), driven by the real kubectl against the API server
 * over a real etcd: `kubectl create role|clusterrole|rolebinding|clusterrolebinding` (protobuf bodies), upstream's
 * Table columns (`-o wide`: USERS GROUPS SERVICEACCOUNTS), `kubectl describe`, defaults (subject and roleRef
 * apiGroup), and upstream's validation messages (pkg/apis/rbac/validation), roleRef immutable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectl, kubectlOk, startApiServer, type ApiHandle } from '../../support/apiserver.js';

let etcd: EtcdHandle | undefined;
let h: ApiHandle;

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd);
  await kubectlOk(h, ['create', 'namespace', 'x']);
});
afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
});

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

describe('RBAC objects', () => {
  it('are served and discovered', async () => {
    const out = await kubectlOk(h, ['api-resources', '--api-group=rbac.authorization.k8s.io', '--no-headers']);
    const rows = out.trim().split('\n').map((l) => l.split(/\s+/).join(' ')).sort();
    expect(rows).toEqual([
      'clusterrolebindings rbac.authorization.k8s.io/v1 false ClusterRoleBinding',
      'clusterroles rbac.authorization.k8s.io/v1 false ClusterRole',
      'rolebindings rbac.authorization.k8s.io/v1 true RoleBinding',
      'roles rbac.authorization.k8s.io/v1 true Role',
    ]);
  });

  it('kubectl create role and get/describe it', async () => {
    expect(await kubectlOk(h, ['create', 'role', 'pod-reader', '-n', 'x', '--verb=get,list,watch', '--resource=pods,pods/log'])).toBe(
      'role.rbac.authorization.k8s.io/pod-reader created\n',
    );
    const role = JSON.parse(await kubectlOk(h, ['get', 'role', 'pod-reader', '-n', 'x', '-o', 'json']));
    expect(role).toMatchObject({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }],
    });
    const table = await kubectlOk(h, ['get', 'roles', '-n', 'x']);
    expect(table).toMatch(/^NAME\s+CREATED AT\n/);
    expect(table).toMatch(/\npod-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    const desc = await kubectlOk(h, ['describe', 'role', 'pod-reader', '-n', 'x']);
    expect(desc).toMatch(/^Name:\s+pod-reader$/m);
    expect(desc).toMatch(/^PolicyRule:$/m);
    expect(desc).toMatch(/^\s+pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    expect(desc).toMatch(/^\s+pods\/log\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
  });

  it('kubectl create clusterrole, with non-resource URLs and with an aggregation rule', async () => {
    await kubectlOk(h, ['create', 'clusterrole', 'healthz-reader', '--verb=get', '--non-resource-url=/healthz,/livez']);
    const cr = JSON.parse(await kubectlOk(h, ['get', 'clusterrole', 'healthz-reader', '-o', 'json']));
    expect(cr.rules).toEqual([{ nonResourceURLs: ['/healthz', '/livez'], verbs: ['get'] }]);
    await kubectlOk(h, ['create', 'clusterrole', 'monitoring', '--aggregation-rule=rbac.example.com/aggregate-to-monitoring=true']);
    const agg = JSON.parse(await kubectlOk(h, ['get', 'clusterrole', 'monitoring', '-o', 'json']));
    expect(agg.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }] });
    expect(await kubectlOk(h, ['get', 'clusterroles', 'healthz-reader'])).toMatch(/^NAME\s+CREATED AT\nhealthz-reader\s+\S+Z\n$/);
  });

  it('kubectl create rolebinding / clusterrolebinding: defaults and the wide columns', async () => {
    expect(
      await kubectlOk(h, ['create', 'rolebinding', 'read-pods', '-n', 'x', '--role=pod-reader', '--user=jane', '--user=joe', '--group=devs', '--serviceaccount=x:robot']),
    ).toBe('rolebinding.rbac.authorization.k8s.io/read-pods created\n');
    const rb = JSON.parse(await kubectlOk(h, ['get', 'rolebinding', 'read-pods', '-n', 'x', '-o', 'json']));
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' });
    expect(rb.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jane' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'joe' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', name: 'robot', namespace: 'x' },
    ]);
    const wide = (await kubectlOk(h, ['get', 'rolebindings', '-n', 'x', '-o', 'wide'])).trim().split('\n');
    expect(wide[0]).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS$/);
    expect(wide[1]).toMatch(/^read-pods\s+Role\/pod-reader\s+\S+\s+jane, joe\s+devs\s+x\/robot$/);

    await kubectlOk(h, ['create', 'clusterrolebinding', 'jane-view', '--clusterrole=view', '--user=jane']);
    const crb = (await kubectlOk(h, ['get', 'clusterrolebinding', 'jane-view'])).trim().split('\n');
    expect(crb[0]).toMatch(/^NAME\s+ROLE\s+AGE$/);
    expect(crb[1]).toMatch(/^jane-view\s+ClusterRole\/view\s+\S+$/);
    const desc = await kubectlOk(h, ['describe', 'rolebinding', 'read-pods', '-n', 'x']);
    expect(desc).toMatch(/^Role:\n\s+Kind:\s+Role\n\s+Name:\s+pod-reader\nSubjects:\n/m);
    expect(desc).toMatch(/^\s+ServiceAccount\s+robot\s+x$/m);
  });

  it('roleRef is immutable: upstream\'s `cannot change roleRef`', async () => {
    const r = await api(h, 'PATCH', `${RBAC}/namespaces/x/rolebindings/read-pods`, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } }, {
      contentType: 'application/merge-patch+json',
    });
    expect(r.status).toBe(422);
    const st = r.json();
    expect(st.message).toBe(
      'RoleBinding.rbac.authorization.k8s.io "read-pods" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef',
    );
    expect(st.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'roleRef', message: expect.stringContaining('cannot change roleRef') }]);
    // subjects may change
    const ok = await api(h, 'PATCH', `${RBAC}/namespaces/x/rolebindings/read-pods`, { subjects: [{ kind: 'User', name: 'amy' }] }, { contentType: 'application/merge-patch+json' });
    expect(ok.status).toBe(200);
    expect(ok.json().subjects).toEqual([{ kind: 'User', name: 'amy', apiGroup: 'rbac.authorization.k8s.io' }]);
  });

  it('bad input is 422 with upstream\'s messages and nothing is stored', async () => {
    const cases: Array<[string, string, unknown, string[]]> = [
      [
        'roles',
        'x',
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'bad' }, rules: [{ nonResourceURLs: ['/healthz'], verbs: [] }, { verbs: ['get'] }] },
        [
          'rules[0].verbs: Required value: verbs must contain at least one value',
          'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
          'rules[1].apiGroups: Required value: resource rules must supply at least one api group',
          'rules[1].resources: Required value: resource rules must supply at least one resource',
        ],
      ],
      [
        'clusterroles',
        '',
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'bad' }, rules: [{ nonResourceURLs: ['/x'], resources: ['pods'], verbs: ['get'] }], aggregationRule: {} },
        [
          'rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs',
          'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
        ],
      ],
      [
        'rolebindings',
        'x',
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'bad' },
          roleRef: { apiGroup: 'example.com', kind: 'Thing', name: '' },
          subjects: [{ kind: 'User', name: 'a', apiGroup: 'x.io' }, { kind: 'Robot', name: 'r' }, { kind: 'ServiceAccount', name: 'Bad_Name', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'Group' }],
        },
        [
          'roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
          'roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"',
          'roleRef.name: Required value',
          'subjects[0].apiGroup: Unsupported value: "x.io": supported values: "rbac.authorization.k8s.io"',
          'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
          'subjects[2].name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
          'subjects[2].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
          'subjects[3].name: Required value',
        ],
      ],
      [
        'clusterrolebindings',
        '',
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'bad' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'robot' }] },
        ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"', 'subjects[0].namespace: Required value'],
      ],
    ];
    for (const [plural, ns, body, messages] of cases) {
      const path = ns ? `${RBAC}/namespaces/${ns}/${plural}` : `${RBAC}/${plural}`;
      const r = await api(h, 'POST', path, body);
      expect(r.status, plural).toBe(422);
      expect(r.json().details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`)).toEqual(messages);
      expect((await api(h, 'GET', `${path}/bad`)).status).toBe(404);
    }
    const slash = await kubectl(h, ['create', 'clusterrole', 'a%b', '--verb=get', '--resource=pods']);
    expect(slash.code).not.toBe(0);
    expect(slash.stderr).toContain(`metadata.name: Invalid value: "a%b": may not contain '%'`);
  });
});
