/**
 * Issue 18, against the real API server over real etcd with each identity's bearer token:
 * the Node authorizer and NodeRestriction for system:node:node01, and the least-privilege roles of
 * the scheduler, the controller manager and the proxy. Then the kubelet's own calls (registration,
 * status, lease, its pods, the secrets and configmaps they use) still work under those rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, startApiServer, type ApiHandle, type HttpResult } from '../../support/apiserver.js';
import { waitFor } from '../../support/net.js';
import { EtcdBackend } from '../../../control-plane/storage/etcd-backend.js';
import { KubeClient } from '../../../api/client/api-client.js';
import { Informer } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { buildKubeconfig } from '../../../api/tls/kubeconfig.js';
import { findResource } from '../../../api/resources.js';
import { NodeHeartbeat, readFacts } from '../../../node-agent/kubelet/node-status.js';

let etcd: EtcdHandle;
let h: ApiHandle;
let backend: EtcdBackend;

const NODE01 = 'nodetoken-node01';
const NODE02 = 'nodetoken-node02';
const SCHED = 'schedtoken';
const KCM = 'kcmtoken';
const PROXY = 'proxytoken';

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd, {
    extraTokens: [
      `${NODE02},system:node:node02,node02,"system:nodes"`,
      `${SCHED},system:kube-scheduler,system:kube-scheduler`,
      `${KCM},system:kube-controller-manager,system:kube-controller-manager`,
      `${PROXY},system:kube-proxy,system:kube-proxy,"system:node-proxier"`,
    ],
  });
  backend = new EtcdBackend({ endpoints: [etcd.endpoint] });
  // What the nodes' pods use, and what they do not.
  for (const name of ['s-env', 's-pull', 's-node02', 's-admin']) expect((await admin('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { k: name } })).status).toBe(201);
  for (const name of ['cm-vol', 'cm-other']) expect((await admin('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } })).status).toBe(201);
  for (const name of ['node01', 'node02']) {
    expect((await admin('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDR: name === 'node01' ? '10.244.1.0/24' : '10.244.2.0/24' } })).status).toBe(201);
  }
  expect((await admin('POST', PODS, pod('p1', 'node01', {
    imagePullSecrets: [{ name: 's-pull' }],
    containers: [{ name: 'c', image: 'busybox', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's-env', key: 'k' } } }, { name: 'B', valueFrom: { secretKeyRef: { name: 's-not-yet', key: 'k' } } }] }],
    volumes: [{ name: 'v', configMap: { name: 'cm-vol' } }],
  }))).status).toBe(201);
  expect((await admin('POST', PODS, pod('p2', 'node02', { containers: [{ name: 'c', image: 'busybox', envFrom: [{ secretRef: { name: 's-node02' } }] }] }))).status).toBe(201);
});
afterAll(async () => {
  await backend?.close();
  await h?.stop();
  await etcd?.stop();
});

const PODS = '/api/v1/namespaces/default/pods';
const SECRETS = '/api/v1/namespaces/default/secrets';
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
const MERGE = 'application/merge-patch+json';

function pod(name: string, nodeName: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'x' } }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}
function admin(method: string, path: string, body?: unknown, contentType?: string): Promise<HttpResult> {
  return api(h, method, path, body, contentType ? { contentType } : {});
}
function as(token: string, method: string, path: string, body?: unknown, contentType?: string): Promise<HttpResult> {
  return api(h, method, path, body, { token, ...(contentType ? { contentType } : {}) });
}
function forbidden(r: HttpResult, message: string): void {
  expect(r.status, r.body).toBe(403);
  expect(r.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message });
}

describe('the Node authorizer (system:node:node01)', () => {
  it('GETs only the secrets its pods use (env, image pull secrets); a used one not created yet is 404', async () => {
    expect((await as(NODE01, 'GET', `${SECRETS}/s-env`)).status).toBe(200);
    expect((await as(NODE01, 'GET', `${SECRETS}/s-pull`)).status).toBe(200);
    expect((await as(NODE01, 'GET', `${SECRETS}/s-not-yet`)).status).toBe(404);
    forbidden(
      await as(NODE01, 'GET', `${SECRETS}/s-admin`),
      'secrets "s-admin" is forbidden: User "system:node:node01" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'node01\' and this object',
    );
    forbidden(
      await as(NODE01, 'GET', `${SECRETS}/s-node02`),
      'secrets "s-node02" is forbidden: User "system:node:node01" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'node01\' and this object',
    );
    expect((await as(NODE02, 'GET', `${SECRETS}/s-node02`)).status).toBe(200);
  });

  it('GETs only the configmaps its pods use', async () => {
    expect((await as(NODE01, 'GET', '/api/v1/namespaces/default/configmaps/cm-vol')).status).toBe(200);
    forbidden(
      await as(NODE01, 'GET', '/api/v1/namespaces/default/configmaps/cm-other'),
      'configmaps "cm-other" is forbidden: User "system:node:node01" cannot get resource "configmaps" in API group "" in the namespace "default": no relationship found between node \'node01\' and this object',
    );
  });

  it('may not LIST or WATCH secrets, in a namespace or all of them', async () => {
    forbidden(await as(NODE01, 'GET', SECRETS), 'secrets is forbidden: User "system:node:node01" cannot list resource "secrets" in API group "" in the namespace "default": No Object name found');
    forbidden(
      await as(NODE01, 'GET', '/api/v1/secrets'),
      'secrets is forbidden: User "system:node:node01" cannot list resource "secrets" in API group "" at the cluster scope: can only read namespaced object of this type',
    );
    forbidden(await as(NODE01, 'GET', `${SECRETS}?watch=1&timeoutSeconds=1`), 'secrets is forbidden: User "system:node:node01" cannot watch resource "secrets" in API group "" in the namespace "default": No Object name found');
    forbidden(await as(NODE01, 'GET', '/api/v1/configmaps?watch=true'), 'configmaps is forbidden: User "system:node:node01" cannot watch resource "configmaps" in API group "" at the cluster scope: can only read namespaced object of this type');
  });

  it('may LIST and WATCH one related secret by fieldSelector metadata.name, and only that one', async () => {
    const l = await as(NODE01, 'GET', `${SECRETS}?fieldSelector=metadata.name%3Ds-env`);
    expect(l.status).toBe(200);
    expect(l.json().items.map((s: any) => s.metadata.name)).toEqual(['s-env']);
    const w = await as(NODE01, 'GET', `${SECRETS}?watch=1&fieldSelector=metadata.name%3Ds-env&timeoutSeconds=1`);
    expect(w.status).toBe(200);
    const events = w.body.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
    expect(events.map((e: any) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED s-env']);
    forbidden(
      await as(NODE01, 'GET', `${SECRETS}?watch=1&fieldSelector=metadata.name%3Ds-admin&timeoutSeconds=1`),
      'secrets "s-admin" is forbidden: User "system:node:node01" cannot watch resource "secrets" in API group "" in the namespace "default": no relationship found between node \'node01\' and this object',
    );
  });

  it('reads only its own pods', async () => {
    forbidden(await as(NODE01, 'GET', '/api/v1/pods'), 'pods is forbidden: User "system:node:node01" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector');
    const mine = await as(NODE01, 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode01');
    expect(mine.status).toBe(200);
    expect(mine.json().items.map((p: any) => p.metadata.name)).toEqual(['p1']);
    expect((await as(NODE01, 'GET', `${PODS}/p1`)).status).toBe(200);
    forbidden(await as(NODE01, 'GET', `${PODS}/p2`), 'pods "p2" is forbidden: User "system:node:node01" cannot get resource "pods" in API group "" in the namespace "default": no relationship found between node \'node01\' and this object');
  });

  it('follows pods as they come and go: a new pod\'s secret becomes readable, a deleted pod\'s is not', async () => {
    expect((await admin('POST', SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's-late' }, stringData: { k: 'v' } })).status).toBe(201);
    expect((await as(NODE01, 'GET', `${SECRETS}/s-late`)).status).toBe(403);
    expect((await admin('POST', PODS, pod('p-late', 'node01', { volumes: [{ name: 'v', secret: { secretName: 's-late' } }] }))).status).toBe(201);
    await waitFor(async () => (await as(NODE01, 'GET', `${SECRETS}/s-late`)).status === 200, 5000, 'the new pod in the graph');
    expect((await admin('DELETE', `${PODS}/p-late?gracePeriodSeconds=0`)).status).toBe(200);
    await waitFor(async () => (await as(NODE01, 'GET', `${SECRETS}/s-late`)).status === 403, 5000, 'the pod gone from the graph');
  });

  it('may not read namespaces, nor exec into its own pod', async () => {
    expect((await as(NODE01, 'GET', '/api/v1/namespaces/default')).status).toBe(403);
    expect((await as(NODE01, 'POST', `${PODS}/p1/exec?command=ls&stdout=true`)).status).toBe(403);
  });
});

describe('NodeRestriction (system:node:node01)', () => {
  it('may not create another Node, with the control-plane role label and a Ready status', async () => {
    const body = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node03', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }] },
    };
    forbidden(await as(NODE01, 'POST', '/api/v1/nodes', body), 'nodes "node03" is forbidden: node "node01" is not allowed to modify node "node03"');
    expect(await backend.get('/registry/minions/node03')).toBeNull();
  });

  it('may not modify or delete another Node', async () => {
    forbidden(await as(NODE01, 'PATCH', '/api/v1/nodes/node02', { metadata: { labels: { x: 'y' } } }, MERGE), 'nodes "node02" is forbidden: node "node01" is not allowed to modify node "node02"');
    forbidden(
      await as(NODE01, 'PATCH', '/api/v1/nodes/node02/status', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, MERGE),
      'nodes "node02" is forbidden: node "node01" is not allowed to modify node "node02"',
    );
    expect((await as(NODE01, 'DELETE', '/api/v1/nodes/node02')).status).toBe(403);
  });

  it('may not give itself node-role.kubernetes.io or node-restriction.kubernetes.io labels', async () => {
    forbidden(
      await as(NODE01, 'PATCH', '/api/v1/nodes/node01', { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } }, MERGE),
      'nodes "node01" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/control-plane',
    );
    forbidden(
      await as(NODE01, 'PATCH', '/api/v1/nodes/node01', { metadata: { labels: { 'node-restriction.kubernetes.io/dedicated': 'db' } } }, MERGE),
      'nodes "node01" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/dedicated',
    );
    const labels = (await admin('GET', '/api/v1/nodes/node01')).json().metadata.labels ?? {};
    expect(Object.keys(labels).filter((k) => k.startsWith('node-r'))).toEqual([]);
    // Labels of its own kind are fine.
    expect((await as(NODE01, 'PATCH', '/api/v1/nodes/node01', { metadata: { labels: { 'example.com/disk': 'ssd', 'kubernetes.io/hostname': 'node01' } } }, MERGE)).status).toBe(200);
  });

  it('may not register itself with a node-role label', async () => {
    expect((await admin('DELETE', '/api/v1/nodes/node01')).status).toBe(200);
    forbidden(
      await as(NODE01, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node01', labels: { 'node-role.kubernetes.io/control-plane': '' } } }),
      'nodes "node01" is forbidden: node "node01" is not allowed to set the following labels: node-role.kubernetes.io/control-plane',
    );
    // With its taints and the kubelet's labels it may (kubeadm's --register-with-taints).
    const ok = await as(NODE01, 'POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node01', labels: { 'kubernetes.io/hostname': 'node01', 'kubernetes.io/os': 'linux' } },
      spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
    });
    expect(ok.status, ok.body).toBe(201);
  });

  it('may not change its own taints', async () => {
    forbidden(await as(NODE01, 'PATCH', '/api/v1/nodes/node01', { spec: { taints: null } }, MERGE), 'nodes "node01" is forbidden: node "node01" is not allowed to modify taints');
    forbidden(
      await as(NODE01, 'PATCH', '/api/v1/nodes/node01', { spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }, { key: 'x', effect: 'NoExecute' }] } }, MERGE),
      'nodes "node01" is forbidden: node "node01" is not allowed to modify taints',
    );
    expect((await admin('GET', '/api/v1/nodes/node01')).json().spec.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
  });

  it('may not change its podCIDR once assigned (podCIDR alone is the podCIDRs change, as upstream)', async () => {
    expect((await as(KCM, 'PATCH', '/api/v1/nodes/node01', { spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } }, MERGE)).status).toBe(200);
    for (const spec of [{ podCIDR: '10.244.9.0/24' }, { podCIDR: '10.244.9.0/24', podCIDRs: ['10.244.9.0/24'] }]) {
      const r = await as(NODE01, 'PATCH', '/api/v1/nodes/node01', { spec }, MERGE);
      expect(r.status, JSON.stringify(spec)).toBe(422);
      expect(r.json().details.causes).toContainEqual(expect.objectContaining({ field: 'spec.podCIDRs', message: 'Forbidden: node updates may not change podCIDR except from "" to valid' }));
    }
    // podCIDRs alone, against the unchanged podCIDR: podCIDR is authoritative (v1 conversion), nothing changes.
    expect((await as(NODE01, 'PATCH', '/api/v1/nodes/node01', { spec: { podCIDRs: ['10.244.9.0/24'] } }, MERGE)).status).toBe(200);
    const n = (await admin('GET', '/api/v1/nodes/node01')).json();
    expect([n.spec.podCIDR, n.spec.podCIDRs]).toEqual(['10.244.1.0/24', ['10.244.1.0/24']]);
  });

  it('creates and renews only its own Lease', async () => {
    const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: name, leaseDurationSeconds: 40 } });
    forbidden(await as(NODE01, 'POST', LEASES, lease('node02')), 'leases.coordination.k8s.io "node02" is forbidden: can only access node lease with the same name as the requesting node');
    expect(await backend.get('/registry/leases/kube-node-lease/node02')).toBeNull();
    forbidden(
      await as(NODE01, 'PUT', `${LEASES}/node02`, lease('node02')),
      'leases.coordination.k8s.io "node02" is forbidden: User "system:node:node01" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node',
    );
    expect((await as(NODE01, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', lease('node01'))).status).toBe(403);
    expect((await as(NODE01, 'POST', LEASES, lease('node01'))).status).toBe(201);
    expect((await as(NODE02, 'POST', LEASES, lease('node02'))).status).toBe(201);
    forbidden(
      await as(NODE01, 'PATCH', `${LEASES}/node02`, { spec: { holderIdentity: 'node01' } }, MERGE),
      'leases.coordination.k8s.io "node02" is forbidden: User "system:node:node01" cannot patch resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node',
    );
    expect((await as(NODE01, 'PATCH', `${LEASES}/node01`, { spec: { renewTime: '2026-01-01T00:00:00.000000Z' } }, MERGE)).status).toBe(200);
  });

  it('updates the status of, deletes and evicts only pods bound to it', async () => {
    forbidden(
      await as(NODE01, 'PATCH', `${PODS}/p2/status`, { status: { phase: 'Failed' } }, MERGE),
      'pods "p2" is forbidden: node "node01" can only update pod status for pods with spec.nodeName set to itself',
    );
    expect((await admin('GET', `${PODS}/p2`)).json().status.phase).toBe('Pending');
    forbidden(await as(NODE01, 'DELETE', `${PODS}/p2`), 'pods "Unknown" is forbidden: node "node01" can only delete pods with spec.nodeName set to itself');
    forbidden(
      await as(NODE01, 'POST', `${PODS}/p2/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p2' } }),
      'pods "p2" is forbidden: node node01 can only evict pods with spec.nodeName set to itself',
    );
    expect((await admin('GET', `${PODS}/p2`)).json().metadata.deletionTimestamp).toBeUndefined();
    forbidden(
      await as(NODE01, 'POST', PODS, pod('rogue', 'node01')),
      'pods "rogue" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node01" can only create mirror pods',
    );
    expect((await as(NODE01, 'PATCH', `${PODS}/p1/status`, { status: { phase: 'Running' } }, MERGE)).status).toBe(200);
  });
});

describe('component identities get their upstream roles', () => {
  it('the scheduler may not read secrets nor exec into pods', async () => {
    forbidden(await as(SCHED, 'GET', `${SECRETS}/s-admin`), 'secrets "s-admin" is forbidden: User "system:kube-scheduler" cannot get resource "secrets" in API group "" in the namespace "default"');
    expect((await as(SCHED, 'GET', '/api/v1/secrets')).status).toBe(403);
    forbidden(await as(SCHED, 'POST', `${PODS}/p1/exec?command=ls&stdout=true`), 'pods "p1" is forbidden: User "system:kube-scheduler" cannot create resource "pods/exec" in API group "" in the namespace "default"');
    expect((await as(SCHED, 'POST', '/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } })).status).toBe(403);
  });

  it('the scheduler does its job: watch, bind, set conditions, events, its lease', async () => {
    for (const p of ['/api/v1/nodes', '/api/v1/pods', '/api/v1/services', '/apis/apps/v1/replicasets']) expect((await as(SCHED, 'GET', p)).status, p).toBe(200);
    expect((await admin('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } })).status).toBe(201);
    const bind = await as(SCHED, 'POST', `${PODS}/pending/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'pending' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node02' } });
    expect(bind.status, bind.body).toBe(201);
    expect((await as(SCHED, 'PATCH', `${PODS}/pending/status`, { status: { conditions: [{ type: 'PodScheduled', status: 'True' }] } }, 'application/strategic-merge-patch+json')).status).toBe(200);
    expect((await as(SCHED, 'POST', '/api/v1/namespaces/default/events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'pending', namespace: 'default' }, reason: 'Scheduled', message: 'm', type: 'Normal' })).status).toBe(201);
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'kube-scheduler' }, spec: { holderIdentity: 'x' } };
    expect((await as(SCHED, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', lease)).status).toBe(201);
    const got = await as(SCHED, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler');
    expect(got.status).toBe(200);
    expect((await as(SCHED, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler', got.json())).status).toBe(200);
    expect((await as(SCHED, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/other')).status).toBe(403);
  });

  it('the controller manager may not exec into pods nor create what no controller creates', async () => {
    forbidden(
      await as(KCM, 'POST', `${PODS}/p1/exec?command=ls&stdout=true`),
      'pods "p1" is forbidden: User "system:kube-controller-manager" cannot create resource "pods/exec" in API group "" in the namespace "default"',
    );
    expect((await as(KCM, 'POST', `${PODS}/p1/portforward`)).status).toBe(403);
    expect((await as(KCM, 'POST', '/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } })).status).toBe(403);
    expect((await as(KCM, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' } })).status).toBe(403);
    // ConfigMaps it may write: the root-ca-cert-publisher's kube-root-ca.crt (upstream's system:controller:root-ca-cert-publisher).
  });

  it('the controller manager does its controllers\' jobs', async () => {
    for (const p of ['/api/v1/pods', '/api/v1/nodes', '/apis/apps/v1/deployments', '/api/v1/secrets', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases']) expect((await as(KCM, 'GET', p)).status, p).toBe(200);
    const made = await as(KCM, 'POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'rs-' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    expect(made.status).toBe(201);
    expect((await as(KCM, 'DELETE', `${PODS}/${made.json().metadata.name}`)).status).toBe(200);
    expect((await as(KCM, 'POST', '/api/v1/namespaces/default/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ep' } })).status).toBe(201);
    expect((await as(KCM, 'PATCH', '/api/v1/nodes/node02', { spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] } }, MERGE)).status).toBe(200);
    expect((await as(KCM, 'POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa1' } })).status).toBe(201);
  });

  it('the proxy reads services, endpointslices and nodes, nothing more', async () => {
    for (const p of ['/api/v1/services', '/apis/discovery.k8s.io/v1/endpointslices', '/api/v1/nodes?fieldSelector=metadata.name%3Dnode01']) expect((await as(PROXY, 'GET', p)).status, p).toBe(200);
    expect((await as(PROXY, 'GET', `${SECRETS}/s-admin`)).status).toBe(403);
    expect((await as(PROXY, 'DELETE', '/api/v1/namespaces/default/services/kubernetes')).status).toBe(403);
  });
});

describe('the kubelet still works under the Node authorizer and NodeRestriction', () => {
  it('registers, posts status, renews its lease, sees its pods and reads what they use', async () => {
    const kubeconfig = join(h.dir, 'node02.conf');
    writeFileSync(kubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: h.url, caPem: h.caPem, user: 'system:node:node02', token: NODE02 }));
    const client = KubeClient.fromKubeconfig(kubeconfig, undefined, { logger: silentLogger });
    const nodes = new Informer<any>({ client, resource: findResource('', 'nodes')!, logger: silentLogger });
    const pods = new Informer<any>({ client, resource: findResource('', 'pods')!, fieldSelector: 'spec.nodeName=node02', logger: silentLogger });
    try {
      // Registration of a Node that exists (the admin made it): adopt it, patch the kubelet's labels, post status.
      const facts = readFacts({ nodeName: 'node02', nodeIP: '192.168.56.22', maxPods: 110, containerRuntimeVersion: 'containerd://1.6.20', port: 10250, labels: {}, taints: [] });
      const hb = new NodeHeartbeat(client, facts, () => ({ runtimeReady: true, networkReady: true }), silentLogger, 40);
      await hb.register();
      await hb.postStatus();
      await hb.renewLease();
      await hb.renewLease();
      const node = (await admin('GET', '/api/v1/nodes/node02')).json();
      expect(node.metadata.labels['kubernetes.io/hostname']).toBe('node02');
      expect(node.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
      // Its informers: every Node (the routes), and its pods.
      nodes.start();
      pods.start();
      expect(await nodes.waitForSync()).toBe(true);
      expect(await pods.waitForSync()).toBe(true);
      expect(nodes.store.list().map((n: any) => n.metadata.name).sort()).toEqual(['node01', 'node02']);
      expect(pods.store.list().map((p: any) => p.metadata.name).sort()).toEqual(['p2', 'pending']);
      // What its pods use, by GET.
      expect((await client.get<any>(findResource('', 'secrets')!, 'default', 's-node02')).metadata.name).toBe('s-node02');
      // Its pod's status, then the final delete with a uid precondition.
      const p2 = pods.store.get('default/p2');
      await client.patch(findResource('', 'pods')!, 'default', 'p2', { status: { phase: 'Running' } }, 'merge', { subresource: 'status' });
      await client.delete(findResource('', 'pods')!, 'default', 'p2', { gracePeriodSeconds: 0, preconditions: { uid: p2.metadata.uid } });
      await waitFor(() => !pods.store.get('default/p2'), 5000, 'p2 gone from the informer');
    } finally {
      await pods.stop();
      await nodes.stop();
      client.close();
    }
  });
});
