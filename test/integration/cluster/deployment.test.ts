/**
 * Issue 3 acceptance: a Deployment on 3 hollow nodes through the real kubectl — spreading, rollout
 * status, a rolling update that keeps within maxSurge / maxUnavailable (checked on a pod watch),
 * undo, scale; Endpoints / EndpointSlices of a Service; Node IPAM's pod CIDRs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentDone, getJson, isReady, listPods, live, ok, spread, startCluster, until, watchPods, type Cluster } from './setup.js';

let c: Cluster;
const NODES = ['node-a', 'node-b', 'node-c'];

beforeAll(async () => {
  c = await startCluster({ nodes: NODES.map((name) => ({ name, cpu: '4', memory: '8Gi' })) });
});
afterAll(async () => {
  await c?.stop();
});

describe('a Deployment on hollow nodes', () => {
  it('create deployment: 6 pods spread 2/2/2, Available, rollout status returns 0', async () => {
    await ok(c.h, ['create', 'deployment', 'nginx', '--image=nginx', '--replicas=6']);
    await until('6 ready pods', async () => {
      const pods = (await listPods(c.h, 'default', 'app=nginx')).filter(live);
      return pods.length === 6 && pods.every(isReady);
    }, 40_000, c);
    const out = await ok(c.h, ['rollout', 'status', 'deployment/nginx', '--timeout=60s']);
    expect(out).toContain('deployment "nginx" successfully rolled out');
    const pods = (await listPods(c.h, 'default', 'app=nginx')).filter(live);
    expect(spread(pods)).toEqual({ 'node-a': 2, 'node-b': 2, 'node-c': 2 });
    const d = await until('Available', () => deploymentDone(c.h, 'default', 'nginx'), 20_000, c);
    expect(d.status.readyReplicas).toBe(6);
    expect(d.status.conditions.find((x: any) => x.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    expect((await ok(c.h, ['wait', '--for=condition=Available', 'deployment/nginx', '--timeout=10s'])).trim()).toBe('deployment.apps/nginx condition met');
    // Every pod is owned by the one ReplicaSet, which is owned by the Deployment.
    const rs = (await getJson(c.h, '/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dnginx')).items;
    expect(rs).toHaveLength(1);
    expect(rs[0].metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'nginx', controller: true, uid: d.metadata.uid });
    for (const p of pods) expect(p.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', name: rs[0].metadata.name, controller: true });
  }, 90_000);

  it('Node IPAM: a distinct /24 of 10.244.0.0/16 per node, pod IPs inside it', async () => {
    const nodes = (await getJson(c.h, '/api/v1/nodes')).items;
    const cidrs = nodes.map((n: any) => n.spec.podCIDR);
    for (const n of nodes) {
      expect(n.spec.podCIDR).toMatch(/^10\.244\.\d{1,3}\.0\/24$/);
      expect(n.spec.podCIDRs).toEqual([n.spec.podCIDR]);
    }
    expect(new Set(cidrs).size).toBe(3);
    const byNode = new Map(nodes.map((n: any) => [n.metadata.name, n.spec.podCIDR.replace(/0\/24$/, '')]));
    for (const p of (await listPods(c.h, 'default', 'app=nginx')).filter(live)) {
      expect(p.status.podIP.startsWith(byNode.get(p.spec.nodeName) as string)).toBe(true);
    }
  });

  it('set image: a rolling update within maxSurge 2 / maxUnavailable 1 on the pod watch stream; undo goes back', async () => {
    const w = await watchPods(c, 'default', 'app=nginx');
    try {
      await ok(c.h, ['set', 'image', 'deployment/nginx', 'nginx=nginx:1.23']);
      const out = await ok(c.h, ['rollout', 'status', 'deployment/nginx', '--timeout=90s']);
      expect(out).toContain('successfully rolled out');
      await until('the rollout to finish', () => deploymentDone(c.h, 'default', 'nginx'), 30_000, c);
      await until('6 ready new pods and no old ones on the watch', async () => {
        const all = [...w.pods.values()];
        return all.length === 6 && all.every((p) => isReady(p) && p.spec.containers[0].image === 'nginx:1.23');
      }, 30_000, c);
    } finally {
      w.stop();
    }
    expect(w.events).toBeGreaterThan(12); // 6 created, 6 deleted at least
    // replicas 6, maxSurge 25% -> 2 (rounds up), maxUnavailable 25% -> 1 (rounds down)
    expect(w.maxLive, w.trace.join('\n')).toBeLessThanOrEqual(8);
    expect(w.minReady, w.trace.join('\n') + '\n' + c.logs()).toBeGreaterThanOrEqual(5);
    expect(w.maxLive).toBeGreaterThan(6); // it did surge

    const hist = await ok(c.h, ['rollout', 'history', 'deployment/nginx']);
    expect(hist).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+.*\n2\s+/);

    await ok(c.h, ['rollout', 'undo', 'deployment/nginx']);
    await ok(c.h, ['rollout', 'status', 'deployment/nginx', '--timeout=90s']);
    const d = await until('the undo to finish', () => deploymentDone(c.h, 'default', 'nginx'), 30_000, c);
    expect(d.spec.template.spec.containers[0].image).toBe('nginx');
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    await until('6 live pods, all image nginx', async () => {
      const live6 = (await listPods(c.h, 'default', 'app=nginx')).filter(live);
      return live6.length === 6 && live6.every((p) => isReady(p) && p.spec.containers[0].image === 'nginx');
    }, 30_000, c);
  }, 150_000);

  it('scale up to 9 and down to 2', async () => {
    await ok(c.h, ['scale', 'deployment/nginx', '--replicas=9']);
    await until('9 ready pods', async () => {
      const pods = (await listPods(c.h, 'default', 'app=nginx')).filter(live);
      return pods.length === 9 && pods.every(isReady);
    }, 30_000, c);
    await until('deployment at 9', () => deploymentDone(c.h, 'default', 'nginx'), 20_000, c);
    const pods9 = (await listPods(c.h, 'default', 'app=nginx')).filter(live);
    expect(Object.values(spread(pods9)).sort()).toEqual([3, 3, 3]);

    await ok(c.h, ['scale', 'deployment/nginx', '--replicas=2']);
    await until('2 pods left', async () => (await listPods(c.h, 'default', 'app=nginx')).length === 2, 30_000, c);
    const d = await until('deployment at 2', () => deploymentDone(c.h, 'default', 'nginx'), 20_000, c);
    expect(d.status.replicas).toBe(2);
    expect((await ok(c.h, ['get', 'deployment', 'nginx'])).split('\n')[1]).toMatch(/^nginx\s+2\/2\s+2\s+2\s/);
  }, 90_000);

  it('a Service selecting the Deployment gets ready Endpoints and EndpointSlices with nodeName and targetRef', async () => {
    await ok(c.h, ['scale', 'deployment/nginx', '--replicas=3']);
    await until('3 ready', async () => {
      const pods = (await listPods(c.h, 'default', 'app=nginx')).filter(live);
      return pods.length === 3 && pods.every(isReady);
    }, 30_000, c);
    await ok(c.h, ['expose', 'deployment', 'nginx', '--port=80', '--target-port=8080']);
    const pods = (await listPods(c.h, 'default', 'app=nginx')).filter(live);
    const want = pods.map((p) => ({ ip: p.status.podIP, nodeName: p.spec.nodeName, name: p.metadata.name, uid: p.metadata.uid })).sort((a, b) => a.ip.localeCompare(b.ip));

    const ep = await until('Endpoints with 3 ready addresses', async () => {
      const e = await getJson(c.h, '/api/v1/namespaces/default/endpoints/nginx');
      return e.subsets?.[0]?.addresses?.length === 3 ? e : undefined;
    }, 20_000, c);
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets[0].notReadyAddresses ?? []).toEqual([]);
    expect(ep.subsets[0].ports).toEqual([expect.objectContaining({ port: 8080, protocol: 'TCP' })]);
    const addrs = [...ep.subsets[0].addresses].sort((a: any, b: any) => a.ip.localeCompare(b.ip));
    expect(addrs.map((a: any) => ({ ip: a.ip, nodeName: a.nodeName, name: a.targetRef.name, uid: a.targetRef.uid }))).toEqual(want);
    for (const a of addrs) expect(a.targetRef).toMatchObject({ kind: 'Pod', namespace: 'default' });

    const slice = await until('an EndpointSlice with 3 ready endpoints', async () => {
      const l = await getJson(c.h, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dnginx');
      const s = l.items[0];
      return l.items.length === 1 && s.endpoints?.length === 3 && s.endpoints.every((e: any) => e.conditions?.ready === true) ? s : undefined;
    }, 20_000, c);
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([expect.objectContaining({ port: 8080, protocol: 'TCP' })]);
    const eps = [...slice.endpoints].sort((a: any, b: any) => a.addresses[0].localeCompare(b.addresses[0]));
    expect(eps.map((e: any) => ({ ip: e.addresses[0], nodeName: e.nodeName, name: e.targetRef.name, uid: e.targetRef.uid }))).toEqual(want);

    // Scaling down removes the address.
    await ok(c.h, ['scale', 'deployment/nginx', '--replicas=2']);
    await until('Endpoints with 2 addresses', async () => {
      const e = await getJson(c.h, '/api/v1/namespaces/default/endpoints/nginx');
      return e.subsets?.[0]?.addresses?.length === 2 && !e.subsets[0].notReadyAddresses?.length;
    }, 20_000, c);
    await until('EndpointSlice with 2 endpoints', async () => {
      const l = await getJson(c.h, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dnginx');
      return l.items.length === 1 && l.items[0].endpoints?.length === 2;
    }, 20_000, c);
  }, 90_000);
});
