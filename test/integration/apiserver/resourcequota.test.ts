/**
 * v1 ResourceQuota, the ResourceQuota admission plugin and the resourcequota controller, driven by the real kubectl
 * against a real API server over etcd, with the walkthroughs of upstream's docs
 * (tasks/administer-cluster/manage-resources/quota-memory-cpu-namespace, quota-pod-namespace, quota-api-object;
 * concepts/policy/resource-quotas#storage-resource-quota) and their exact messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMaxListeners } from 'node:events';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, kubectlOk } from '../../support/apiserver.js';
import { KubeClient } from '../../../api/client/api-client.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { newControllerContext } from '../../../control-plane/controllers/util/context.js';
import { buildControllers, parseFlags } from '../../../control-plane/controllers/main.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const stop = new AbortController();
setMaxListeners(100, stop.signal);
let running: Promise<unknown> | undefined;
let informers: InformerFactory | undefined;

function startController(): void {
  const client = KubeClient.fromKubeconfig(s.h.kubeconfig, undefined, { logger: silentLogger });
  informers = new InformerFactory(client, { logger: silentLogger });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  // The quota controller, and the ReplicaSet and Deployment controllers for the docs' Deployment walkthrough.
  const controllers = buildControllers(ctx, parseFlags(['--controllers=resourcequota,replicaset,deployment', '--concurrent-resource-quota-syncs=2']));
  informers.start();
  running = Promise.all(controllers.map((c) => c.run(stop.signal)));
}

afterAll(async () => {
  stop.abort();
  await running;
  await informers?.stop();
});

type Res = Record<string, Record<string, string>>;
const pod = (name: string, ns: string, resources?: Res, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns },
  spec: { containers: [{ name: `${name}-ctr`, image: 'nginx', ...(resources ? { resources } : {}) }], ...spec },
});

async function used(ns: string, name: string): Promise<Record<string, string> | undefined> {
  return (await api(s.h, 'GET', `/api/v1/namespaces/${ns}/resourcequotas/${name}`)).json().status?.used;
}

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function refused(args: string[], manifest: unknown): Promise<string> {
  const r = await kubectl(s.h, args, { input: JSON.stringify(manifest) });
  expect(r.code).toBe(1);
  return r.stderr.trim();
}

describe('before the controller has computed a status', () => {
  it('a quota with status.hard but no used refuses with "status unknown"', async () => {
    await kubectlOk(s.h, ['create', 'namespace', 'unknown-status']);
    await kubectlOk(s.h, ['create', 'quota', 'q', '--hard=pods=1', '-n', 'unknown-status']);
    const q = (await api(s.h, 'GET', '/api/v1/namespaces/unknown-status/resourcequotas/q')).json();
    expect(q.status).toEqual({});
    q.status = { hard: { pods: '1' } };
    expect((await api(s.h, 'PUT', '/api/v1/namespaces/unknown-status/resourcequotas/q/status', q)).status).toBe(200);
    expect(await refused(['create', '-f', '-'], pod('p', 'unknown-status')))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "p" is forbidden: status unknown for quota: q, resources: pods');
  });
});

describe('with the resourcequota controller', () => {
  beforeAll(() => startController());

  it('computes status.hard and used; the "status unknown" quota heals', async () => {
    const u = await until(() => used('unknown-status', 'q'), (v) => v?.pods === '0');
    expect(u).toEqual({ pods: '0' });
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify(pod('p', 'unknown-status')));
  });

  it('quota-memory-cpu-namespace: usage charged, the second pod refused with the exact message', async () => {
    const ns = 'quota-mem-cpu-example';
    await kubectlOk(s.h, ['create', 'namespace', ns]);
    await kubectlOk(s.h, ['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'mem-cpu-demo' },
      spec: { hard: { 'requests.cpu': '1', 'requests.memory': '1Gi', 'limits.cpu': '2', 'limits.memory': '2Gi' } },
    }));
    await until(() => used(ns, 'mem-cpu-demo'), (v) => v !== undefined);
    await kubectlOk(s.h, ['apply', '-n', ns, '-f', '-'], JSON.stringify(pod('quota-mem-cpu-demo', ns, { limits: { memory: '800Mi', cpu: '800m' }, requests: { memory: '600Mi', cpu: '400m' } })));
    const q = JSON.parse(await kubectlOk(s.h, ['get', 'resourcequota', 'mem-cpu-demo', '-n', ns, '-o', 'json']));
    expect(q.status).toEqual({
      hard: { 'limits.cpu': '2', 'limits.memory': '2Gi', 'requests.cpu': '1', 'requests.memory': '1Gi' },
      used: { 'limits.cpu': '800m', 'limits.memory': '800Mi', 'requests.cpu': '400m', 'requests.memory': '600Mi' },
    });
    expect(await refused(['apply', '-n', ns, '-f', '-'], pod('quota-mem-cpu-demo-2', ns, { limits: { memory: '1Gi', cpu: '800m' }, requests: { memory: '700Mi', cpu: '400m' } })))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, limited: requests.memory=1Gi');
    expect(await refused(['create', '-f', '-'], pod('no-limits', ns)))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "no-limits" is forbidden: failed quota: mem-cpu-demo: must specify limits.cpu for: no-limits-ctr; must specify limits.memory for: no-limits-ctr; must specify requests.cpu for: no-limits-ctr; must specify requests.memory for: no-limits-ctr');
    const described = await kubectlOk(s.h, ['describe', 'quota', 'mem-cpu-demo', '-n', ns]);
    expect(described).toMatch(/Name:\s+mem-cpu-demo\nNamespace:\s+quota-mem-cpu-example\nResource\s+Used\s+Hard\n-+\s+-+\s+-+\nlimits\.cpu\s+800m\s+2\nlimits\.memory\s+800Mi\s+2Gi\nrequests\.cpu\s+400m\s+1\nrequests\.memory\s+600Mi\s+1Gi\n/);
    expect(await kubectlOk(s.h, ['get', 'quota', '-n', ns])).toMatch(/^NAME\s+AGE\s+REQUEST\s+LIMIT\nmem-cpu-demo\s+\S+\s+requests\.cpu: 400m\/1, requests\.memory: 600Mi\/1Gi\s+limits\.cpu: 800m\/2, limits\.memory: 800Mi\/2Gi\n$/);
  });

  it('quota-pod-namespace: the third pod is refused; deleting one frees its place; an ended pod frees compute', async () => {
    const ns = 'quota-pod-example';
    await kubectlOk(s.h, ['create', 'namespace', ns]);
    await kubectlOk(s.h, ['create', 'quota', 'pod-demo', '--hard=pods=2,count/pods=3', '-n', ns]);
    await until(() => used(ns, 'pod-demo'), (v) => v !== undefined);
    for (const n of ['a', 'b']) await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify(pod(n, ns)));
    expect(await refused(['create', '-f', '-'], pod('c', ns)))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "c" is forbidden: exceeded quota: pod-demo, requested: pods=1, used: pods=2, limited: pods=2');
    await kubectlOk(s.h, ['delete', 'pod', 'a', '-n', ns, '--grace-period=0', '--force']);
    expect(await until(() => used(ns, 'pod-demo'), (v) => v?.pods === '1')).toEqual({ pods: '1', 'count/pods': '1' });
    // b ends (Succeeded): "pods" counts only pods that have not ended, count/pods every stored pod.
    const b = (await api(s.h, 'GET', `/api/v1/namespaces/${ns}/pods/b`)).json();
    b.status = { ...b.status, phase: 'Succeeded' };
    expect((await api(s.h, 'PUT', `/api/v1/namespaces/${ns}/pods/b/status`, b)).status).toBe(200);
    expect(await until(() => used(ns, 'pod-demo'), (v) => v?.pods === '0')).toEqual({ pods: '0', 'count/pods': '1' });
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify(pod('c', ns)));
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify(pod('d', ns)));
    expect(await refused(['create', '-f', '-'], pod('e', ns)))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "e" is forbidden: exceeded quota: pod-demo, requested: count/pods=1,pods=1, used: count/pods=3,pods=2, limited: count/pods=3,pods=2');
  });

  it('quota-pod-namespace with its Deployment: 2 of 3 replicas, the ReplicaFailure condition carries the quota message', async () => {
    const ns = 'quota-pod-deploy';
    await kubectlOk(s.h, ['create', 'namespace', ns]);
    await kubectlOk(s.h, ['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pod-demo' }, spec: { hard: { pods: '2' } } }));
    await until(() => used(ns, 'pod-demo'), (v) => v !== undefined);
    await kubectlOk(s.h, ['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'pods-quota-demo' },
      spec: { selector: { matchLabels: { purpose: 'quota-demo' } }, replicas: 3, template: { metadata: { labels: { purpose: 'quota-demo' } }, spec: { containers: [{ name: 'pods-quota-demo', image: 'nginx' }] } } },
    }));
    const failure = async () => {
      const d = JSON.parse(await kubectlOk(s.h, ['get', 'deployment', 'pods-quota-demo', '-n', ns, '-o', 'json']));
      return (d.status?.conditions ?? []).find((c: { type: string }) => c.type === 'ReplicaFailure') as { status: string; reason: string; message: string } | undefined;
    };
    const c = await until(failure, (v) => v !== undefined, 20_000);
    expect(c).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(c?.message).toMatch(/^pods "pods-quota-demo-[0-9a-z]+-[0-9a-z]*" is forbidden: exceeded quota: pod-demo, requested: pods=1, used: pods=2, limited: pods=2$/);
    expect((await api(s.h, 'GET', `/api/v1/namespaces/${ns}/pods`)).json().items).toHaveLength(2);
    expect(await used(ns, 'pod-demo')).toEqual({ pods: '2' });
  });

  it('concurrent creates never admit past hard (compare-and-swap on the quota status)', async () => {
    const ns = 'quota-race';
    await kubectlOk(s.h, ['create', 'namespace', ns]);
    await kubectlOk(s.h, ['create', 'quota', 'three', '--hard=configmaps=3', '-n', ns]);
    await until(() => used(ns, 'three'), (v) => v !== undefined);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      api(s.h, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` } })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status !== 201).map((r) => r.status)).toEqual(Array(9).fill(403));
    expect((await api(s.h, 'GET', `/api/v1/namespaces/${ns}/configmaps`)).json().items).toHaveLength(3);
    expect(await until(() => used(ns, 'three'), (v) => v?.configmaps === '3')).toEqual({ configmaps: '3' });
  });

  it('a dry run is checked but charges nothing', async () => {
    const ns = 'quota-dry';
    await kubectlOk(s.h, ['create', 'namespace', ns]);
    await kubectlOk(s.h, ['create', 'quota', 'one', '--hard=pods=1', '-n', ns]);
    await until(() => used(ns, 'one'), (v) => v !== undefined);
    for (let i = 0; i < 3; i++) await kubectlOk(s.h, ['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod('p', ns)));
    expect(await used(ns, 'one')).toEqual({ pods: '0' });
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify(pod('p', ns)));
    expect(await used(ns, 'one')).toEqual({ pods: '1' });
    expect(await refused(['create', '--dry-run=server', '-f', '-'], pod('q', ns)))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "q" is forbidden: exceeded quota: one, requested: pods=1, used: pods=1, limited: pods=1');
  });

  it('quota-api-object (services part): services.nodeports and services.loadbalancers', async () => {
    const ns = 'quota-object-example';
    await kubectlOk(s.h, ['create', 'namespace', ns]);
    await kubectlOk(s.h, ['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'object-quota-demo' },
      spec: { hard: { 'services.loadbalancers': '2', 'services.nodeports': '0' } },
    }));
    await until(() => used(ns, 'object-quota-demo'), (v) => v !== undefined);
    await kubectlOk(s.h, ['create', 'service', 'clusterip', 'plain', '--tcp=80:80', '-n', ns]);
    expect(await refused(['create', '-n', ns, '-f', '-'], { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }))
      .toBe('Error from server (Forbidden): error when creating "STDIN": services "np" is forbidden: exceeded quota: object-quota-demo, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0');
    // Turning the ClusterIP service into a NodePort one is an UPDATE charged by its delta.
    const r = await kubectl(s.h, ['patch', 'service', 'plain', '-n', ns, '-p', '{"spec":{"type":"NodePort"}}']);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): services "plain" is forbidden: exceeded quota: object-quota-demo, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0');
  });

  it('quota-api-object (claims part) and storage quota: requests.storage, persistentvolumeclaims, per storage class', async () => {
    const ns = 'quota-storage';
    const claim = (name: string, storage: string, cls?: string) => ({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: ns },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, ...(cls ? { storageClassName: cls } : {}) },
    });
    await kubectlOk(s.h, ['create', 'namespace', ns]);
    await kubectlOk(s.h, ['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'storage' },
      spec: { hard: {
        persistentvolumeclaims: '2', 'requests.storage': '3Gi',
        'gold.storageclass.storage.k8s.io/requests.storage': '1Gi', 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      } },
    }));
    await until(() => used(ns, 'storage'), (v) => v !== undefined);
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify(claim('plain', '1Gi')));
    expect(await refused(['create', '-f', '-'], claim('big-gold', '2Gi', 'gold')))
      .toBe('Error from server (Forbidden): error when creating "STDIN": persistentvolumeclaims "big-gold" is forbidden: exceeded quota: storage, requested: gold.storageclass.storage.k8s.io/requests.storage=2Gi, used: gold.storageclass.storage.k8s.io/requests.storage=0, limited: gold.storageclass.storage.k8s.io/requests.storage=1Gi');
    expect(await refused(['create', '-f', '-'], claim('huge', '3Gi')))
      .toBe('Error from server (Forbidden): error when creating "STDIN": persistentvolumeclaims "huge" is forbidden: exceeded quota: storage, requested: requests.storage=3Gi, used: requests.storage=1Gi, limited: requests.storage=3Gi');
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify(claim('gold', '1Gi', 'gold')));
    expect(await refused(['create', '-f', '-'], claim('third', '1Mi')))
      .toBe('Error from server (Forbidden): error when creating "STDIN": persistentvolumeclaims "third" is forbidden: exceeded quota: storage, requested: persistentvolumeclaims=1, used: persistentvolumeclaims=2, limited: persistentvolumeclaims=2');
    // Nothing half made: the refused claims do not exist.
    expect((await kubectlOk(s.h, ['get', 'pvc', '-n', ns, '-o', 'name'])).trim().split('\n').sort()).toEqual(['persistentvolumeclaim/gold', 'persistentvolumeclaim/plain']);
    // The controller recomputes the same usage from the claims.
    const want = {
      persistentvolumeclaims: '2', 'requests.storage': '2Gi',
      'gold.storageclass.storage.k8s.io/requests.storage': '1Gi', 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
    };
    expect(await until(() => used(ns, 'storage'), (v) => JSON.stringify(v) === JSON.stringify({ ...v, ...want }))).toEqual(want);
    expect(await kubectlOk(s.h, ['describe', 'quota', 'storage', '-n', ns])).toMatch(/gold\.storageclass\.storage\.k8s\.io\/persistentvolumeclaims\s+1\s+1\ngold\.storageclass\.storage\.k8s\.io\/requests\.storage\s+1Gi\s+1Gi\npersistentvolumeclaims\s+2\s+2\nrequests\.storage\s+2Gi\s+3Gi\n/);
  });

  it('scopes (BestEffort) and generic object counts (count/deployments.apps)', async () => {
    const ns = 'quota-scopes';
    await kubectlOk(s.h, ['create', 'namespace', ns]);
    await kubectlOk(s.h, ['create', 'quota', 'best-effort', '--hard=pods=1', '--scopes=BestEffort', '-n', ns]);
    await kubectlOk(s.h, ['create', 'quota', 'deploys', '--hard=count/deployments.apps=1', '-n', ns]);
    await until(() => used(ns, 'deploys'), (v) => v !== undefined);
    await until(() => used(ns, 'best-effort'), (v) => v !== undefined);
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify(pod('be', ns)));
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify(pod('burstable', ns, { requests: { cpu: '100m' } })));
    expect(await refused(['create', '-f', '-'], pod('be2', ns)))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "be2" is forbidden: exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1');
    await kubectlOk(s.h, ['create', 'deployment', 'one', '--image=nginx', '-n', ns]);
    const r = await kubectl(s.h, ['create', 'deployment', 'two', '--image=nginx', '-n', ns]);
    expect(r.stderr.trim()).toBe('error: failed to create deployment: deployments.apps "two" is forbidden: exceeded quota: deploys, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
    await kubectlOk(s.h, ['delete', 'deployment', 'one', '-n', ns]);
    expect(await until(() => used(ns, 'deploys'), (v) => v?.['count/deployments.apps'] === '0')).toEqual({ 'count/deployments.apps': '0' });
  });
});

describe('custom resources are counted too', () => {
  it('count/<plural>.<group> of a CRD: the controller finds the kind from its CRD, admission refuses past hard', async () => {
    const ns = 'quota-crd';
    await kubectlOk(s.h, ['create', 'namespace', ns]);
    // The quota first: the CRD becoming Established resyncs it.
    await kubectlOk(s.h, ['create', 'quota', 'tasks', '--hard=count/tasks.work.example.com=1', '-n', ns]);
    await kubectlOk(s.h, ['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'tasks.work.example.com' },
      spec: { group: 'work.example.com', scope: 'Namespaced', names: { plural: 'tasks', kind: 'Task' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } } }] },
    }));
    expect(await until(() => used(ns, 'tasks'), (v) => v?.['count/tasks.work.example.com'] === '0')).toEqual({ 'count/tasks.work.example.com': '0' });
    const task = (name: string) => ({ apiVersion: 'work.example.com/v1', kind: 'Task', metadata: { name, namespace: ns }, spec: {} });
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify(task('t1')));
    expect(await refused(['create', '-f', '-'], task('t2')))
      .toBe('Error from server (Forbidden): error when creating "STDIN": tasks.work.example.com "t2" is forbidden: exceeded quota: tasks, requested: count/tasks.work.example.com=1, used: count/tasks.work.example.com=1, limited: count/tasks.work.example.com=1');
    await kubectlOk(s.h, ['delete', 'tasks.work.example.com', 't1', '-n', ns]);
    expect(await until(() => used(ns, 'tasks'), (v) => v?.['count/tasks.work.example.com'] === '0')).toEqual({ 'count/tasks.work.example.com': '0' });
  });
});

describe('ResourceQuota validation', () => {
  it('422 with upstream\'s messages, nothing stored', async () => {
    const r = await api(s.h, 'POST', '/api/v1/namespaces/default/resourcequotas', {
      apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'bad' },
      spec: { hard: { pods: '1.5', foo: '1', cpu: '-1' }, scopes: ['BestEffort', 'NotBestEffort'] },
    });
    expect(r.status).toBe(422);
    const causes = r.json().details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    expect(causes).toEqual(expect.arrayContaining([
      'spec.hard[pods]: Invalid value: "1500m": must be an integer',
      'spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota',
      'spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: unsupported scope applied to resource',
      'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes',
    ]));
    expect((await api(s.h, 'GET', '/api/v1/namespaces/default/resourcequotas/bad')).status).toBe(404);
  });
});
