/**
 * The RBAC authorizer over the API's objects (issue 14, step 2), with the real kubectl against the API server over
 * a real etcd: the bootstrap ClusterRoles/ClusterRoleBindings written by rbac/bootstrap-roles with upstream's rules
 * and autoupdate annotation, admin/edit/view filled by the ClusterRole aggregation controller (run here in
 * process, as system:kube-controller-manager), a user with only a namespaced Role gets upstream's 403 elsewhere,
 * binding `view` to a user grants it, a binding to a missing role is named in the 403, and reconciliation at a
 * restart keeps a user's additions and restores a removed rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../api/client/api-client.js';
import { silentLogger } from '../../../api/client/log.js';
import { runControllers } from '../../../control-plane/controllers/main.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectl, kubectlOk, startApiServer, type ApiHandle } from '../../support/apiserver.js';

const KCM_TOKEN = 'kcmtoken-rbac';
let etcd: EtcdHandle | undefined;
let h: ApiHandle;
const ac = new AbortController();
let running: Promise<void> | undefined;

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd, { extraTokens: [`${KCM_TOKEN},system:kube-controller-manager,kcm`, 'bobtoken,bob,bob'] });
  const client = new KubeClient({ server: h.url, caData: h.caPem, token: KCM_TOKEN, logger: silentLogger });
  running = runControllers(client, { controllers: ['clusterrole-aggregation-controller'], minResyncPeriodMs: 300_000 } as never, ac.signal);
  await kubectlOk(h, ['create', 'namespace', 'x']);
  await kubectlOk(h, ['create', 'namespace', 'y']);
});
afterAll(async () => {
  ac.abort();
  await running?.catch(() => undefined);
  await h?.stop();
  await etcd?.stop();
});

const as = (token: string, args: string[]) => kubectl(h, ['--token', token, ...args]);

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const hasRule = (rules: Array<{ verbs: string[]; apiGroups?: string[]; resources?: string[] }>, verb: string, group: string, resource: string): boolean =>
  rules.some((r) => r.verbs.includes(verb) && (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resource));

describe('bootstrap policy as objects', () => {
  it('kubectl get clusterroles shows upstream\'s roles, annotated and labelled as upstream', async () => {
    const names = (await kubectlOk(h, ['get', 'clusterroles', '-o', 'name'])).trim().split('\n');
    for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:monitoring', 'system:kube-scheduler', 'system:controller:clusterrole-aggregation-controller', 'system:aggregate-to-view']) {
      expect(names).toContain(`clusterrole.rbac.authorization.k8s.io/${n}`);
    }
    const ca = JSON.parse(await kubectlOk(h, ['get', 'clusterrole', 'cluster-admin', '-o', 'json']));
    expect(ca.metadata.annotations).toEqual({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
    expect(ca.metadata.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
    expect(ca.rules).toEqual([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }]);
    const crb = JSON.parse(await kubectlOk(h, ['get', 'clusterrolebinding', 'cluster-admin', '-o', 'json']));
    expect(crb.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]);
    const readyz = await api(h, 'GET', '/readyz?verbose');
    expect(readyz.body).toContain('[+]poststarthook/rbac/bootstrap-roles ok\n');
  });

  it('view, edit and admin are aggregated by the controller with upstream\'s rules', async () => {
    const rulesOf = async (n: string) => JSON.parse(await kubectlOk(h, ['get', 'clusterrole', n, '-o', 'json'])).rules ?? [];
    const view = await until('view aggregated', async () => {
      const r = await rulesOf('view');
      return r.length > 0 && r;
    });
    expect(hasRule(view, 'list', '', 'pods')).toBe(true);
    expect(hasRule(view, 'get', 'apps', 'deployments')).toBe(true);
    expect(hasRule(view, 'get', '', 'secrets')).toBe(false);
    const edit = await until('edit aggregated', async () => {
      const r = await rulesOf('edit');
      return hasRule(r, 'list', '', 'pods') && r;
    });
    expect(hasRule(edit, 'create', '', 'secrets')).toBe(true);
    expect(hasRule(edit, 'create', 'rbac.authorization.k8s.io', 'roles')).toBe(false);
    const admin = await until('admin aggregated', async () => {
      const r = await rulesOf('admin');
      return hasRule(r, 'create', '', 'secrets') && r;
    });
    expect(hasRule(admin, 'create', 'rbac.authorization.k8s.io', 'rolebindings')).toBe(true);
    expect(hasRule(admin, 'list', '', 'pods')).toBe(true);
  });
});

describe('RBAC decisions', () => {
  it('a user with only a namespaced Role may do that there, and gets upstream\'s 403 elsewhere', async () => {
    await kubectlOk(h, ['create', 'role', 'secret-reader', '-n', 'x', '--verb=get,list', '--resource=secrets']);
    await kubectlOk(h, ['create', 'rolebinding', 'jane-secrets', '-n', 'x', '--role=secret-reader', '--user=jane']);
    const ok = await until('jane may list secrets in x', async () => {
      const r = await as('usertoken', ['get', 'secrets', '-n', 'x']);
      return r.code === 0 && r;
    });
    expect(ok.stderr).toBe('No resources found in x namespace.\n');
    const other = await as('usertoken', ['get', 'secrets', '-n', 'y']);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('Error from server (Forbidden): secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "y"');
    const pods = await as('usertoken', ['get', 'pods', '-n', 'x']);
    expect(pods.stderr).toContain('pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "x"');
    const del = await as('usertoken', ['delete', 'secret', 'nope', '-n', 'x']);
    expect(del.stderr).toContain('secrets "nope" is forbidden: User "jane" cannot delete resource "secrets" in API group "" in the namespace "x"');
  });

  it('binding the view ClusterRole to a user grants it cluster-wide; a binding to a missing role is named in the 403', async () => {
    expect((await as('bobtoken', ['get', 'pods', '-A'])).code).not.toBe(0);
    await kubectlOk(h, ['create', 'clusterrolebinding', 'bob-view', '--clusterrole=view', '--user=bob']);
    await until('bob may list pods everywhere', async () => (await as('bobtoken', ['get', 'pods', '-A'])).code === 0);
    const create = await as('bobtoken', ['create', 'configmap', 'c', '-n', 'x']);
    expect(create.stderr).toContain('configmaps is forbidden: User "bob" cannot create resource "configmaps" in API group "" in the namespace "x"');

    await kubectlOk(h, ['create', 'rolebinding', 'bob-ghost', '-n', 'x', '--clusterrole=ghost', '--user=bob']);
    const ghost = await until('the missing role named', async () => {
      const r = await as('bobtoken', ['create', 'configmap', 'c', '-n', 'x']);
      return r.stderr.includes('ghost') && r;
    });
    expect(ghost.stderr).toContain(
      'configmaps is forbidden: User "bob" cannot create resource "configmaps" in API group "" in the namespace "x": RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found',
    );
  });

  it('removing a binding takes the access away', async () => {
    await kubectlOk(h, ['delete', 'rolebinding', 'jane-secrets', '-n', 'x']);
    await until('jane refused again', async () => (await as('usertoken', ['get', 'secrets', '-n', 'x'])).code !== 0);
  });
});

describe('privilege escalation prevention', () => {
  const roleYaml = (name: string, resource: string) =>
    JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: 'x' }, rules: [{ apiGroups: [''], resources: [resource], verbs: ['get', 'list'] }] });

  it('a namespace admin may grant what it holds, and is refused what it does not, with upstream\'s message', async () => {
    await kubectlOk(h, ['create', 'rolebinding', 'jane-admin', '-n', 'x', '--clusterrole=admin', '--user=jane']);
    await until('jane is admin in x', async () => (await as('usertoken', ['get', 'pods', '-n', 'x'])).code === 0);
    expect((await kubectl(h, ['--token', 'usertoken', 'apply', '-f', '-'], { input: roleYaml('pod-lister', 'pods') })).code).toBe(0);
    const refused = await kubectl(h, ['--token', 'usertoken', 'create', '-f', '-'], { input: roleYaml('node-lister', 'nodes') });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'Error from server (Forbidden): error when creating "STDIN": roles.rbac.authorization.k8s.io "node-lister" is forbidden: user "jane" (groups=["developers" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}',
    );
    expect((await api(h, 'GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/x/roles/node-lister')).status).toBe(404);
    // binding a role it holds is fine; binding cluster-admin is not
    expect((await as('usertoken', ['create', 'rolebinding', 'joe-view', '-n', 'x', '--clusterrole=view', '--user=joe'])).code).toBe(0);
    const bind = await as('usertoken', ['create', 'rolebinding', 'joe-root', '-n', 'x', '--clusterrole=cluster-admin', '--user=joe']);
    expect(bind.stderr).toContain('rolebindings.rbac.authorization.k8s.io "joe-root" is forbidden: user "jane" (groups=["developers" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');
    const ghost = await as('usertoken', ['create', 'rolebinding', 'joe-ghost', '-n', 'x', '--clusterrole=nope', '--user=joe']);
    expect(ghost.stderr).toContain('rolebindings.rbac.authorization.k8s.io "joe-ghost" is forbidden: clusterrole.rbac.authorization.k8s.io "nope" not found');
  });

  it('`escalate` and `bind` lift the checks', async () => {
    await kubectlOk(h, ['create', 'role', 'escalator', '-n', 'x', '--verb=escalate', '--resource=roles']);
    await kubectlOk(h, ['create', 'rolebinding', 'jane-escalate', '-n', 'x', '--role=escalator', '--user=jane']);
    await until('jane may escalate', async () => (await kubectl(h, ['--token', 'usertoken', 'create', '-f', '-'], { input: roleYaml('node-lister', 'nodes') })).code === 0);
    await kubectlOk(h, ['create', 'clusterrole', 'binder', '--verb=bind', '--resource=clusterroles', '--resource-name=cluster-admin']);
    await kubectlOk(h, ['create', 'rolebinding', 'jane-bind', '-n', 'x', '--clusterrole=binder', '--user=jane']);
    await until('jane may bind cluster-admin in x', async () => (await as('usertoken', ['create', 'rolebinding', 'joe-root', '-n', 'x', '--clusterrole=cluster-admin', '--user=joe'])).code === 0);
  });

  it('a ClusterRole with an aggregationRule needs cluster-admin', async () => {
    await kubectlOk(h, ['create', 'clusterrole', 'cr-writer', '--verb=create', '--resource=clusterroles.rbac.authorization.k8s.io']);
    await kubectlOk(h, ['create', 'clusterrolebinding', 'jane-cr-writer', '--clusterrole=cr-writer', '--user=jane']);
    const r = await until('the aggregationRule refused', async () => {
      const out = await as('usertoken', ['create', 'clusterrole', 'agg', '--aggregation-rule=a=b']);
      return out.stderr.includes('aggregationRule') && out;
    });
    expect(r.stderr).toContain('clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule');
  });
});

describe('impersonation', () => {
  it('kubectl --as answers as the impersonated user (regression: the headers were ignored and the admin answered)', async () => {
    expect((await kubectlOk(h, ['auth', 'whoami', '--as=carol', '-o', 'jsonpath={.status.userInfo.username}']))).toBe('carol');
    const groups = JSON.parse(await kubectlOk(h, ['auth', 'whoami', '--as=carol', '--as-group=devs', '-o', 'json'])).status.userInfo.groups;
    expect(groups).toEqual(['devs', 'system:authenticated']);
    const asCarol = await kubectl(h, ['get', 'pods', '-n', 'x', '--as=carol']);
    expect(asCarol.code).not.toBe(0);
    expect(asCarol.stderr).toContain('pods is forbidden: User "carol" cannot list resource "pods" in API group "" in the namespace "x"');
    expect((await kubectl(h, ['get', 'pods', '-n', 'x', '--as=bob'])).code).toBe(0); // bob has view (above)
  });

  it('impersonation needs the impersonate verb: upstream\'s 403 without it, working with it', async () => {
    const denied = await as('usertoken', ['get', 'pods', '-n', 'x', '--as=bob']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('users "bob" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope');
    const self = await api(h, 'GET', '/api/v1/namespaces', undefined, { token: 'usertoken', headers: { 'Impersonate-User': 'jane', 'Impersonate-Group': 'system:masters' } });
    expect(self.status).toBe(403);
    expect(self.json().message).toBe('users "jane" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope');
    await kubectlOk(h, ['create', 'clusterrole', 'impersonate-bob', '--verb=impersonate', '--resource=users', '--resource-name=bob']);
    await kubectlOk(h, ['create', 'clusterrolebinding', 'jane-impersonate-bob', '--clusterrole=impersonate-bob', '--user=jane']);
    const ok = await until('jane may act as bob', async () => {
      const r = await as('usertoken', ['auth', 'whoami', '--as=bob', '-o', 'jsonpath={.status.userInfo.username}']);
      return r.code === 0 && r;
    });
    expect(ok.stdout).toBe('bob');
    // as bob, jane sees what bob may see, and not more
    expect((await as('usertoken', ['get', 'pods', '-A', '--as=bob'])).code).toBe(0);
    const noGroup = await as('usertoken', ['get', 'pods', '--as=bob', '--as-group=system:masters']);
    expect(noGroup.stderr).toContain('groups "system:masters" is forbidden: User "jane" cannot impersonate resource "groups" in API group "" at the cluster scope');
  });

  it('a group without a user is a 400', async () => {
    const r = await api(h, 'GET', '/api/v1/namespaces', undefined, { headers: { 'Impersonate-Group': 'devs' } });
    expect(r.status).toBe(400);
    expect(r.json().message).toBe('requested [{Group devs}] without impersonating a user');
  });
});
