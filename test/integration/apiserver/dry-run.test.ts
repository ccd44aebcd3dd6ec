/**
 * `dryRun=All` on every verb that writes (create, update, patch, delete, deletecollection, status, scale, binding,
 * eviction, finalize): the request is checked and answered as if it had happened, and nothing reaches etcd: not the
 * object, not its revision, not the ClusterIP/NodePort allocation maps. A dry-run Service shows what upstream's
 * dry-run allocators give (ClusterIP = the range's network address, NodePorts from 32769), without holding them.
 * Driven by the real kubectl (`--dry-run=server`) where it has the verb, by HTTP otherwise.
 */
import { describe, expect, it } from 'vitest';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const NS = '/api/v1/namespaces/default';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const RANGES = ['/registry/ranges/serviceips', '/registry/ranges/servicenodeports'];

/**
 * Keys the API server's own loops re-write on a timer, whatever the requests: the endpoint reconciler's TTL'd
 * master leases and the API server identity Leases. A dry run is judged on every other key.
 */
const PERIODIC = ['/registry/masterleases/', '/registry/leases/kube-system/apiserver-'];

/** Every key under /registry with its modRevision: what must not move during a dry run. */
async function etcdState(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const kv of (await s.backend.list('/registry/')).items) if (!PERIODIC.some((p) => kv.key.startsWith(p))) out.set(kv.key, kv.modRevision);
  return out;
}

/**
 * The state once the API server's start-up writes (bootstrap policy, the kubernetes Service and its endpoints, the
 * APIServices' statuses) have settled: two snapshots 300 ms apart alike. On a loaded CI machine the first test
 * began while they were still landing, and a bootstrap write was taken for a dry run's.
 */
async function settledState(): Promise<Map<string, number>> {
  let prev = await etcdState();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const cur = await etcdState();
    if (JSON.stringify([...cur]) === JSON.stringify([...prev])) return cur;
    prev = cur;
  }
  return prev;
}

async function unchangedBy(run: () => Promise<void>): Promise<void> {
  const before = await settledState();
  await run();
  expect(await etcdState()).toEqual(before);
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(s.h, args, input === undefined ? {} : { input });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

describe('dryRun=All', () => {
  it('create answers the object it would store (uid, no resourceVersion), stores nothing, and 409s on an existing name', async () => {
    await unchangedBy(async () => {
      const r = await api(s.h, 'POST', `${NS}/configmaps?dryRun=All`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' }, data: { a: '1' } });
      expect(r.status).toBe(201);
      expect(r.json().metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.json().metadata.creationTimestamp).toBeTruthy();
      expect(r.json().metadata.resourceVersion).toBeUndefined();
      const out = JSON.parse(await ok(['create', 'configmap', 'dry2', '--from-literal=a=1', '--dry-run=server', '-o', 'json']));
      expect(out.data).toEqual({ a: '1' });
    });
    expect((await api(s.h, 'POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' } })).status).toBe(201);
    await unchangedBy(async () => {
      const again = await api(s.h, 'POST', `${NS}/configmaps?dryRun=All`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' } });
      expect(again.status).toBe(409);
      expect(again.json()).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "kept" already exists' });
    });
  });

  it('a Service gets a ClusterIP and NodePorts as upstream dry-run allocators give them, none of them kept', async () => {
    await unchangedBy(async () => {
      const cip = JSON.parse(await ok(['create', 'service', 'clusterip', 'web', '--tcp=80:8080', '--dry-run=server', '-o', 'json']));
      expect(cip.spec.clusterIP).toBe('10.96.0.0');
      expect(cip.spec.clusterIPs).toEqual(['10.96.0.0']);
      const np = JSON.parse(await ok(['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--tcp=443:8443', '--dry-run=server', '-o', 'json']));
      expect(np.spec.ports.map((p: { nodePort: number }) => p.nodePort)).toEqual([32769, 32770]);
    });
    // A real Service afterwards gets a real address: the dry runs took nothing.
    const real = JSON.parse(await ok(['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '-o', 'json']));
    expect(real.spec.clusterIP).not.toBe('10.96.0.0');
    const held = real.spec.ports[0].nodePort as number;
    expect(held).toBeGreaterThanOrEqual(30000);
    expect(held).toBeLessThanOrEqual(32767);
    await unchangedBy(async () => {
      // A requested NodePort that is held is refused as a real create would refuse it.
      const taken = await api(s.h, 'POST', `${NS}/services?dryRun=All`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np2' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: held }] } });
      expect(taken.status).toBe(422);
      expect(taken.json().message).toContain(`spec.ports[0].nodePort: Invalid value: ${held}: provided port is already allocated`);
      // An update that switches to NodePort shows its port, without keeping it.
      const cur = (await api(s.h, 'GET', `${NS}/services/np`)).json();
      const upd = await api(s.h, 'PUT', `${NS}/services/np?dryRun=All`, { ...cur, spec: { ...cur.spec, ports: [...cur.spec.ports, { name: 'b', port: 81, targetPort: 81 }] } });
      expect(upd.status).toBe(200);
      expect(upd.json().spec.ports[1].nodePort).toBe(32769);
    });
    for (const k of RANGES) expect(await s.backend.get(k)).not.toBeNull();
  });

  it('update, patch, status and scale answer the change and keep the stored object', async () => {
    expect((await api(s.h, 'POST', DEPLOYS, deployment('web'))).status).toBe(201);
    await unchangedBy(async () => {
      const cur = (await api(s.h, 'GET', `${DEPLOYS}/web`)).json();
      const put = await api(s.h, 'PUT', `${DEPLOYS}/web?dryRun=All`, { ...cur, spec: { ...cur.spec, replicas: 4 } });
      expect(put.status).toBe(200);
      expect(put.json()).toMatchObject({ spec: { replicas: 4 }, metadata: { generation: 2 } });
      const patched = JSON.parse(await ok(['patch', 'deployment', 'web', '-p', '{"spec":{"replicas":3}}', '--dry-run=server', '-o', 'json']));
      expect(patched.spec.replicas).toBe(3);
      const status = await api(s.h, 'PUT', `${DEPLOYS}/web/status?dryRun=All`, { ...cur, status: { replicas: 9, observedGeneration: 1 } });
      expect(status.status).toBe(200);
      expect(status.json().status.replicas).toBe(9);
      const statusPatch = await api(s.h, 'PATCH', `${DEPLOYS}/web/status?dryRun=All`, { status: { replicas: 8 } }, { contentType: 'application/merge-patch+json' });
      expect(statusPatch.json().status.replicas).toBe(8);
      const scaled = await ok(['scale', 'deployment', 'web', '--replicas=5', '--dry-run=server']);
      expect(scaled).toContain('deployment.apps/web scaled (server dry run)');
      const scale = await api(s.h, 'PUT', `${DEPLOYS}/web/scale?dryRun=All`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 6 } });
      expect(scale.json().spec.replicas).toBe(6);
      const applied = JSON.parse(await ok(['apply', '--server-side', '--dry-run=server', '-o', 'json', '-f', '-'], JSON.stringify(deployment('applied'))));
      expect(applied.metadata.name).toBe('applied');
    });
    expect((await api(s.h, 'GET', `${DEPLOYS}/web`)).json().spec.replicas).toBe(1);
  });

  it('delete and deletecollection answer what they would delete and keep everything (namespaces too)', async () => {
    for (const n of ['d1', 'd2']) {
      expect((await api(s.h, 'POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, labels: { set: 'd' } } })).status).toBe(201);
    }
    expect((await api(s.h, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dry-ns' } })).status).toBe(201);
    await unchangedBy(async () => {
      expect(await ok(['delete', 'configmap', 'd1', '--dry-run=server'])).toContain('configmap "d1" deleted (server dry run)');
      const coll = await api(s.h, 'DELETE', `${NS}/configmaps?labelSelector=set%3Dd&dryRun=All`);
      expect(coll.status).toBe(200);
      expect(coll.json().items.map((i: { metadata: { name: string } }) => i.metadata.name).sort()).toEqual(['d1', 'd2']);
      const ns = await api(s.h, 'DELETE', '/api/v1/namespaces/dry-ns', { apiVersion: 'v1', kind: 'DeleteOptions', dryRun: ['All'] });
      expect(ns.json().status.phase).toBe('Terminating');
    });
    expect((await api(s.h, 'GET', '/api/v1/namespaces/dry-ns')).json().status.phase).toBe('Active');
  });

  it('binding, eviction and finalize write nothing', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    expect((await api(s.h, 'POST', `${NS}/pods`, pod)).status).toBe(201);
    await unchangedBy(async () => {
      const bind = await api(s.h, 'POST', `${NS}/pods/p/binding?dryRun=All`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } });
      expect(bind.status).toBe(201);
      const evict = await api(s.h, 'POST', `${NS}/pods/p/eviction?dryRun=All`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p' } });
      expect(evict.status).toBe(201);
      const evictBody = await api(s.h, 'POST', `${NS}/pods/p/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p' }, deleteOptions: { dryRun: ['All'] } });
      expect(evictBody.status).toBe(201);
      const mismatch = await api(s.h, 'POST', `${NS}/pods/p/eviction?dryRun=All`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p' }, deleteOptions: { dryRun: ['Some'] } });
      expect(mismatch.status).toBe(400);
      const fin = await api(s.h, 'PUT', '/api/v1/namespaces/dry-ns/finalize?dryRun=All', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dry-ns' }, spec: { finalizers: [] } });
      expect(fin.status).toBe(200);
      expect(fin.json().spec.finalizers ?? []).toEqual([]);
    });
    expect((await api(s.h, 'GET', `${NS}/pods/p`)).json().spec.nodeName).toBeUndefined();
    expect((await api(s.h, 'GET', '/api/v1/namespaces/dry-ns')).json().spec.finalizers).toEqual(['kubernetes']);
  });

  it('a dryRun value other than All is 422 on the verb options, nothing written', async () => {
    await unchangedBy(async () => {
      const c = await api(s.h, 'POST', `${NS}/configmaps?dryRun=foo`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope' } });
      expect(c.status).toBe(422);
      expect(c.json()).toMatchObject({ reason: 'Invalid', message: 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"foo"}: supported values: "All"' });
      const p = await api(s.h, 'PATCH', `${NS}/configmaps/kept?dryRun=All&dryRun=x`, { data: { a: 'b' } }, { contentType: 'application/merge-patch+json' });
      expect(p.json().message).toBe('PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"All", "x"}: supported values: "All"');
      const d = await api(s.h, 'DELETE', `${NS}/configmaps/kept?dryRun=Yes`);
      expect(d.json().message).toBe('DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Yes"}: supported values: "All"');
    });
  });
});
