/**
 * The controller adapters on the in-process API (the real API server's registry, no network): a Deployment rolls out
 * through the Deployment and ReplicaSet controllers, a Service gets Endpoints and an EndpointSlice,
 * deleting a Deployment lets the garbage collector remove what it owned, a namespace gets its
 * default ServiceAccount, nodes get pod CIDRs.
 */
import { setMaxListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessApi } from '../../support/in-process-api.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { findResource } from '../../../api/resources.js';
import { silentLogger } from '../../../api/client/log.js';
import type { Controller } from '../../../api/client/controller.js';
import { DeploymentController } from '../../../control-plane/controllers/deployment/controller.js';
import { EndpointsController, EndpointSliceController } from '../../../control-plane/controllers/endpoints/controller.js';
import { GarbageCollector } from '../../../control-plane/controllers/garbagecollector/controller.js';
import { NodeLifecycleController, TaintEvictionController } from '../../../control-plane/controllers/nodelifecycle/controller.js';
import { PodGCController } from '../../../control-plane/controllers/podgc/controller.js';
import { NodeIpamController } from '../../../control-plane/controllers/nodeipam/controller.js';
import { ReplicaSetController } from '../../../control-plane/controllers/replicaset/controller.js';
import { ServiceAccountController } from '../../../control-plane/controllers/serviceaccount/controller.js';
import { R, newControllerContext, type ControllerContext } from '../../../control-plane/controllers/util/context.js';
import type { Deployment, Endpoints, EndpointSlice, Node, Pod, ReplicaSet } from '../../../control-plane/controllers/util/types.js';

async function waitFor(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Harness {
  client: InProcessApi;
  ctx: ControllerContext;
  stop: () => Promise<void>;
}

let current: Harness | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

function start(make: (ctx: ControllerContext) => Controller[]): Harness {
  const client = new InProcessApi();
  const informers = new InformerFactory(client, { logger: silentLogger });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  const controllers = make(ctx);
  const abort = new AbortController();
  setMaxListeners(200, abort.signal);
  informers.start();
  const running = Promise.all(controllers.map((c) => c.run(abort.signal)));
  current = {
    client,
    ctx,
    stop: async () => {
      abort.abort();
      await running;
      await informers.stop();
    },
  };
  return current;
}

/** A hollow kubelet: binds nothing, just marks every pod Running and Ready with an IP. */
function markPodsReady(client: InProcessApi): void {
  let ip = 2;
  for (const p of client.objects<Pod>(R.pods)) {
    if (p.status?.phase === 'Running' || p.metadata?.deletionTimestamp) continue;
    void client.updateStatus(R.pods, {
      ...p,
      spec: { ...p.spec, nodeName: 'node01' },
      status: {
        ...p.status,
        phase: 'Running',
        podIP: `10.244.1.${ip++}`,
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(Date.now() - 60_000).toISOString() }],
      },
    });
  }
}

function deployment(image: string, replicas = 3): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image, ports: [{ name: 'http', containerPort: 80 }] }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
  };
}

describe('Deployment + ReplicaSet controllers on the in-process API', () => {
  it('creates the ReplicaSet and pods, becomes Available, rolls out a new image', async () => {
    const h = start((ctx) => [new DeploymentController(ctx), new ReplicaSetController(ctx)]);
    const c = h.client;
    await c.create(R.deployments, 'default', deployment('nginx:1'));
    await waitFor(() => c.objects<Pod>(R.pods, 'default').length === 3, '3 pods');
    const pods = c.objects<Pod>(R.pods, 'default');
    const rs = c.objects<ReplicaSet>(R.replicaSets, 'default');
    expect(rs).toHaveLength(1);
    const hash = rs[0]!.metadata!.labels!['pod-template-hash'];
    expect(rs[0]!.metadata?.name).toBe(`nginx-${hash}`);
    for (const p of pods) {
      expect(p.metadata?.name).toMatch(new RegExp(`^nginx-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: rs[0]!.metadata?.name, controller: true, blockOwnerDeletion: true });
    }
    markPodsReady(c);
    await waitFor(() => {
      const d = c.peek<Deployment>(R.deployments, 'default', 'nginx');
      return d?.status?.availableReplicas === 3 && d.status.conditions?.some((x) => x.type === 'Available' && x.status === 'True') === true;
    }, 'Available');
    const d1 = c.peek<Deployment>(R.deployments, 'default', 'nginx')!;
    expect(d1.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    await waitFor(() => c.peek<Deployment>(R.deployments, 'default', 'nginx')?.status?.conditions?.find((x) => x.type === 'Progressing')?.reason === 'NewReplicaSetAvailable', 'NewReplicaSetAvailable');

    // kubectl set image
    const cur = c.peek<Deployment>(R.deployments, 'default', 'nginx')!;
    cur.spec!.template!.spec!.containers![0]!.image = 'nginx:2';
    await c.update(R.deployments, cur);
    let maxPods = 0;
    await waitFor(() => {
      markPodsReady(c);
      const live = c.objects<Pod>(R.pods, 'default').filter((p) => !p.metadata?.deletionTimestamp);
      maxPods = Math.max(maxPods, live.length);
      const d = c.peek<Deployment>(R.deployments, 'default', 'nginx');
      return d?.status?.updatedReplicas === 3 && d.status.replicas === 3 && d.status.availableReplicas === 3 && live.every((p) => p.spec?.containers?.[0]?.image === 'nginx:2');
    }, 'rollout to nginx:2', 15_000);
    expect(maxPods).toBeLessThanOrEqual(4); // replicas + maxSurge (25% of 3, rounded up = 1)
    const sets = c.objects<ReplicaSet>(R.replicaSets, 'default');
    expect(sets).toHaveLength(2);
    expect(sets.map((s) => [s.spec?.template?.spec?.containers?.[0]?.image, s.spec?.replicas, s.metadata?.annotations?.['deployment.kubernetes.io/revision']]).sort()).toEqual([
      ['nginx:1', 0, '1'],
      ['nginx:2', 3, '2'],
    ]);
  });
});

describe('the shared claim step in both owning controllers on the in-process API', () => {
  it('a ReplicaSet adopts a matching orphan pod and releases one relabelled away', async () => {
    const h = start((ctx) => [new ReplicaSetController(ctx)]);
    const c = h.client;
    await c.seed(R.pods, { metadata: { name: 'orphan', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] }, status: { phase: 'Running' } });
    const [rs] = await c.seed<ReplicaSet>(R.replicaSets, {
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    await waitFor(() => c.objects<Pod>(R.pods, 'default').length === 2, '2 pods');
    await waitFor(() => c.peek<Pod>(R.pods, 'default', 'orphan')?.metadata?.ownerReferences?.[0]?.uid === rs!.metadata?.uid, 'orphan adopted');
    expect(c.peek<Pod>(R.pods, 'default', 'orphan')!.metadata!.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs!.metadata!.uid, controller: true, blockOwnerDeletion: true },
    ]);
    const orphan = c.peek<Pod>(R.pods, 'default', 'orphan')!;
    await c.update(R.pods, { ...orphan, metadata: { ...orphan.metadata, labels: { app: 'debug' } } });
    await waitFor(() => !c.peek<Pod>(R.pods, 'default', 'orphan')?.metadata?.ownerReferences, 'relabelled pod released');
    await waitFor(() => c.objects<Pod>(R.pods, 'default').filter((p) => p.metadata?.labels?.app === 'web').length === 2, 'a replacement');
  });

  it('a Deployment adopts a matching orphan ReplicaSet', async () => {
    const h = start((ctx) => [new DeploymentController(ctx)]);
    const c = h.client;
    const [orphan] = await c.seed<ReplicaSet>(R.replicaSets, {
      metadata: { name: 'nginx-old', namespace: 'default', labels: { app: 'nginx' } },
      spec: { replicas: 0, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:0' }] } } },
    });
    await c.create(R.deployments, 'default', deployment('nginx:1'));
    const d = c.peek<Deployment>(R.deployments, 'default', 'nginx')!;
    await waitFor(() => getOwner(c.peek<ReplicaSet>(R.replicaSets, 'default', 'nginx-old')) === d.metadata?.uid, 'orphan ReplicaSet adopted');
    expect(c.peek<ReplicaSet>(R.replicaSets, 'default', 'nginx-old')!.metadata!.uid).toBe(orphan!.metadata!.uid);
    expect(c.peek<ReplicaSet>(R.replicaSets, 'default', 'nginx-old')!.metadata!.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx', uid: d.metadata!.uid, controller: true, blockOwnerDeletion: true },
    ]);
  });
});

function getOwner(o: { metadata?: { ownerReferences?: { uid: string; controller?: boolean }[] } } | undefined): string | undefined {
  return o?.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
}

describe('Endpoints controllers on the in-process API', () => {
  it('lists ready pod IPs behind a service, with named ports resolved', async () => {
    const h = start((ctx) => [new EndpointsController(ctx), new EndpointSliceController(ctx)]);
    const c = h.client;
    await c.seed(R.pods, {
      metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
      spec: { nodeName: 'node01', containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
      status: { phase: 'Running', podIP: '10.244.1.5', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    await c.create(R.services, 'default', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
    });
    await c.seed(R.services, { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } });
    await waitFor(() => !!c.peek<Endpoints>(R.endpoints, 'default', 'web')?.subsets?.length, 'endpoints');
    expect(c.peek<Endpoints>(R.endpoints, 'default', 'web')!.subsets).toEqual([
      {
        addresses: [{ ip: '10.244.1.5', nodeName: 'node01', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: expect.any(String) } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
    await waitFor(() => c.objects<EndpointSlice>(R.endpointSlices, 'default').length === 1, 'slice');
    const slice = c.objects<EndpointSlice>(R.endpointSlices, 'default')[0]!;
    expect(slice.metadata?.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(slice.endpoints?.[0]?.addresses).toEqual(['10.244.1.5']);
    expect(c.peek(R.endpoints, 'default', 'kubernetes')).toBeUndefined();

    // the pod stops being ready: it moves to notReadyAddresses
    const p = c.peek<Pod>(R.pods, 'default', 'web-1')!;
    await c.updateStatus(R.pods, { ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'False' }] } });
    await waitFor(() => !!c.peek<Endpoints>(R.endpoints, 'default', 'web')?.subsets?.[0]?.notReadyAddresses, 'not ready address');
    await waitFor(() => c.objects<EndpointSlice>(R.endpointSlices, 'default')[0]?.endpoints?.[0]?.conditions?.ready === false, 'slice not ready');
  });
});

describe('garbage collector on the in-process API', () => {
  it('deleting a Deployment removes its ReplicaSets and pods (background)', async () => {
    const h = start((ctx) => [new DeploymentController(ctx), new ReplicaSetController(ctx), new GarbageCollector(ctx)]);
    const c = h.client;
    await c.create(R.deployments, 'default', deployment('nginx:1', 2));
    await waitFor(() => c.objects<Pod>(R.pods, 'default').length === 2, '2 pods');
    // an unrelated pod without owners stays
    await c.seed(R.pods, { metadata: { name: 'standalone', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    await c.delete(R.deployments, 'default', 'nginx');
    await waitFor(() => c.objects(R.replicaSets, 'default').length === 0, 'replicasets gone');
    await waitFor(() => c.objects<Pod>(R.pods, 'default').length === 1, 'pods gone');
    expect(c.objects<Pod>(R.pods, 'default')[0]!.metadata?.name).toBe('standalone');
  });
});

describe('service account and node IPAM controllers on the in-process API', () => {
  it('gives every namespace its default ServiceAccount and every node a /24', async () => {
    const h = start((ctx) => [new ServiceAccountController(ctx), new NodeIpamController(ctx, { clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24 })]);
    const c = h.client;
    await c.seed(R.nodes, { metadata: { name: 'controlplane01' }, spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } });
    await c.create(R.namespaces, undefined, { metadata: { name: 'team' }, status: { phase: 'Active' } });
    await c.create(R.nodes, undefined, { metadata: { name: 'node01' }, spec: {} });
    await c.create(R.nodes, undefined, { metadata: { name: 'node02' }, spec: {} });
    await waitFor(() => !!c.peek(R.serviceAccounts, 'team', 'default'), 'default SA');
    await waitFor(() => c.objects<Node>(R.nodes).every((n) => !!n.spec?.podCIDR), 'pod CIDRs');
    const cidrs = c.objects<Node>(R.nodes).map((n) => [n.metadata?.name, n.spec?.podCIDR, n.spec?.podCIDRs]);
    expect(new Set(cidrs.map((x) => x[1])).size).toBe(3);
    for (const [, cidr, list] of cidrs) {
      expect(cidr).toMatch(/^10\.244\.\d+\.0\/24$/);
      expect(list).toEqual([cidr]);
    }
  });
});

describe('taint eviction on the in-process API', () => {
  it('deletes a pod that does not tolerate the node’s NoExecute taint, keeps one that does', async () => {
    const h = start((ctx) => [new TaintEvictionController(ctx)]);
    const c = h.client;
    await c.seed(R.nodes, { metadata: { name: 'node01' }, spec: {} });
    const mk = (name: string, tolerations: unknown[]) =>
      c.seed(R.pods, { metadata: { name, namespace: 'default' }, spec: { nodeName: 'node01', tolerations, containers: [{ name: 'c', image: 'nginx' }] }, status: { phase: 'Running' } });
    // Every pod tolerates node.kubernetes.io/unreachable and not-ready for 300 s (the API server's
    // DefaultTolerationSeconds): the taint here is one no pod tolerates by default.
    await mk('plain', []);
    await mk('tolerant', [{ key: 'example.com/maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 }]);
    await new Promise((r) => setTimeout(r, 50));
    const node = c.peek<Node>(R.nodes, undefined, 'node01')!;
    await c.update(R.nodes, { ...node, spec: { taints: [{ key: 'example.com/maintenance', effect: 'NoExecute', timeAdded: new Date().toISOString() }] } });
    // A pod bound to a node is deleted gracefully: it terminates until its kubelet confirms.
    await waitFor(() => !!c.peek<Pod>(R.pods, 'default', 'plain')?.metadata?.deletionTimestamp, 'plain pod evicted');
    expect(c.peek<Pod>(R.pods, 'default', 'tolerant')?.metadata?.deletionTimestamp).toBeUndefined();
  });
});

describe('node lifecycle on the in-process API', () => {
  it('a node that stops posting status: Unknown, NodeNotReady, unreachable taints, its pods not Ready', async () => {
    const h = start((ctx) => [new NodeLifecycleController(ctx, { monitorPeriodMs: 20, gracePeriodMs: 100, startupGracePeriodMs: 100 })]);
    const c = h.client;
    const beat = new Date().toISOString();
    await c.seed(R.nodes, {
      metadata: { name: 'node01' },
      spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: beat, lastTransitionTime: beat }] },
    });
    await c.seed(R.pods, {
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'node01', containers: [{ name: 'c', image: 'nginx' }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    await waitFor(() => c.peek<Pod>(R.pods, 'default', 'web')?.status?.conditions?.[0]?.status === 'False', 'pod marked not Ready');
    const n = c.peek<Node>(R.nodes, undefined, 'node01')!;
    expect(n.status?.conditions?.find((x) => x.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect(n.spec?.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'dedicated:NoSchedule',
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);
    await waitFor(() => c.objects<{ reason?: string }>(findResource('', 'events')!).some((e) => e.reason === 'NodeNotReady'), 'NodeNotReady event');
  });
});

describe('pod GC on the in-process API', () => {
  it('force-deletes pods of a node that is gone and terminated pods over the threshold', async () => {
    const h = start((ctx) => [new PodGCController(ctx, { terminatedPodThreshold: 1, periodMs: 30, quarantineMs: 0 })]);
    const c = h.client;
    await c.seed(R.nodes, { metadata: { name: 'node01' } });
    const pod = (name: string, node: string, phase: string, reason?: string) =>
      c.seed(R.pods, { metadata: { name, namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx' }] }, status: { phase, reason } });
    await pod('on-gone-node', 'node09', 'Running');
    await pod('ok', 'node01', 'Running');
    await pod('done', 'node01', 'Succeeded');
    await pod('evicted', 'node01', 'Failed', 'Evicted'); // evicted pods go first
    await waitFor(() => c.objects(R.pods, 'default').length === 2, 'pods collected').catch((e) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify(c.objects<Pod>(R.pods, 'default').map((p) => [p.metadata?.name, p.metadata?.creationTimestamp, p.status?.phase]))}`);
    });
    expect(c.objects<Pod>(R.pods, 'default').map((p) => p.metadata?.name).sort()).toEqual(['done', 'ok']);
    const del = c.actionsFor('delete', 'pods').find((a) => a.name === 'on-gone-node');
    expect(del?.options).toMatchObject({ gracePeriodSeconds: 0 });
  });
});
