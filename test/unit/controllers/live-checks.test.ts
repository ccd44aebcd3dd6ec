/**
 * The live checks some controllers make before they write, now done before any write of the plan:
 * the garbage collector's isDangling (an owner the cache says is gone) and pod GC's node check. The
 * caches are filled by hand (informers not started) so that they disagree with the API.
 */
import { setMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { KubeError } from '../../../api/errors.js';
import { InProcessApi } from '../../support/in-process-api.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { DeploymentController } from '../../../control-plane/controllers/deployment/controller.js';
import { computeHash } from '../../../control-plane/controllers/deployment/hash.js';
import { GarbageCollector } from '../../../control-plane/controllers/garbagecollector/controller.js';
import { PodGCController } from '../../../control-plane/controllers/podgc/controller.js';
import { R, newControllerContext, type ControllerContext } from '../../../control-plane/controllers/util/context.js';
import { keyOf } from '../../../control-plane/controllers/util/meta.js';
import type { Deployment, KubeObject, Pod, ReplicaSet } from '../../../control-plane/controllers/util/types.js';

function setUp(): { client: InProcessApi; ctx: ControllerContext } {
  const client = new InProcessApi();
  const ctx = newControllerContext(client, new InformerFactory(client, { logger: silentLogger }), { logger: () => silentLogger });
  return { client, ctx };
}

/** Run one sync of a controller (what a worker does with its key). */
function syncOnce(c: object, key = ''): Promise<void> {
  return (c as { sync(key: string): Promise<void> }).sync(key);
}

function cache<T extends KubeObject>(ctx: ControllerContext, info: typeof R.pods, ...objs: T[]): void {
  const store = ctx.informers.informerFor<T>(info).store;
  for (const o of objs) store.set(keyOf(o), o);
}

describe('garbage collector: owners confirmed gone before any write', () => {
  async function world() {
    const { client, ctx } = setUp();
    const [owner] = await client.seed<ReplicaSet>(R.replicaSets, { metadata: { name: 'web', namespace: 'default' }, spec: {} });
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: owner!.metadata!.uid!, controller: true };
    const [child] = await client.seed<Pod>(R.pods, { metadata: { name: 'child', namespace: 'default', ownerReferences: [ref] }, spec: {} });
    const gc = new GarbageCollector(ctx);
    cache(ctx, R.pods, child!); // the cache has the child but not its owner
    return { client, gc };
  }

  it('keeps a child whose owner the cache lacks but the API has', async () => {
    const { client, gc } = await world();
    await syncOnce(gc);
    expect(client.peek(R.pods, 'default', 'child')).toBeDefined();
    expect(client.actionsFor('get', 'replicasets').map((a) => a.name)).toEqual(['web']);
    expect(client.actionsFor('delete')).toEqual([]);
  });

  it('deletes it once the API confirms the owner is gone', async () => {
    const { client, gc } = await world();
    await client.delete(R.replicaSets, 'default', 'web');
    await syncOnce(gc);
    expect(client.peek(R.pods, 'default', 'child')).toBeUndefined();
    expect(client.actionsFor('delete', 'pods')[0]?.options).toMatchObject({ propagationPolicy: 'Background' });
  });

  it('checks every owner before the first delete (no read in the middle of the plan)', async () => {
    const { client, ctx } = setUp();
    const owners = await client.seed<ReplicaSet>(R.replicaSets, { metadata: { name: 'a', namespace: 'default' }, spec: {} }, { metadata: { name: 'b', namespace: 'default' }, spec: {} });
    const children = await client.seed<Pod>(
      R.pods,
      ...owners.map((o) => ({
        metadata: { name: `child-of-${o.metadata!.name}`, namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.metadata!.name!, uid: o.metadata!.uid! }] },
        spec: {},
      })),
    );
    const gc = new GarbageCollector(ctx);
    cache(ctx, R.pods, ...children);
    for (const o of owners) await client.delete(R.replicaSets, 'default', o.metadata!.name!);
    client.clearActions();
    await syncOnce(gc);
    expect(client.actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'get replicasets a',
      'get replicasets b',
      'delete pods child-of-a',
      'delete pods child-of-b',
    ]);
  });

  it('a failed check fails the pass and deletes nothing', async () => {
    const { client, gc } = await world();
    client.injectError({ verb: 'get', resource: 'replicasets' }, new KubeError('ServiceUnavailable', 'etcd is down'));
    await expect(syncOnce(gc)).rejects.toThrow('etcd is down');
    expect(client.peek(R.pods, 'default', 'child')).toBeDefined();
  });
});

describe('pod GC: nodes confirmed gone before any write', () => {
  async function world() {
    const { client, ctx } = setUp();
    await client.seed(R.nodes, { metadata: { name: 'n1' } });
    const pods = await client.seed<Pod>(
      R.pods,
      { metadata: { name: 'on-n1', namespace: 'default' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } },
      { metadata: { name: 'done-1', namespace: 'default' }, spec: { nodeName: 'n0' }, status: { phase: 'Succeeded' } },
      { metadata: { name: 'done-2', namespace: 'default' }, spec: { nodeName: 'n0' }, status: { phase: 'Succeeded' } },
    );
    cache(ctx, R.pods, ...pods); // the node cache is empty: every node looks gone
    const gc = new PodGCController(ctx, { terminatedPodThreshold: 1, quarantineMs: 0 });
    return { client, gc };
  }

  it('keeps the pods of a node the cache lacks but the API has', async () => {
    const { client, gc } = await world();
    await syncOnce(gc); // the nodes start their quarantine
    await syncOnce(gc);
    expect(client.peek(R.pods, 'default', 'on-n1')).toBeDefined();
    expect(client.actionsFor('get', 'nodes').map((a) => a.name).sort()).toEqual(['n0', 'n1']);
  });

  it('force-deletes them once the API confirms the node is gone', async () => {
    const { client, gc } = await world();
    await client.delete(R.nodes, undefined, 'n1');
    await syncOnce(gc);
    await syncOnce(gc);
    expect(client.peek(R.pods, 'default', 'on-n1')).toBeUndefined();
    expect(client.actionsFor('delete', 'pods').find((a) => a.name === 'on-n1')?.options).toMatchObject({ gracePeriodSeconds: 0 });
  });

  it('checks the nodes before the first write (no read in the middle of the plan)', async () => {
    const { client, gc } = await world();
    await client.delete(R.nodes, undefined, 'n1');
    await syncOnce(gc);
    client.clearActions();
    await syncOnce(gc);
    const firstWrite = client.actions.findIndex((a) => a.verb !== 'get');
    expect(client.actions.slice(0, firstWrite).map((a) => `${a.verb} ${a.resource} ${a.name}`).sort()).toEqual(['get nodes n0', 'get nodes n1']);
    expect(client.actions.slice(firstWrite).some((a) => a.verb === 'get')).toBe(false);
  });

  it('a failed node check still collects terminated pods, keeps the orphans, and fails the pass', async () => {
    const { client, gc } = await world();
    await client.delete(R.nodes, undefined, 'n1');
    await syncOnce(gc);
    client.injectError({ verb: 'get', resource: 'nodes' }, new KubeError('ServiceUnavailable', 'etcd is down'), 10);
    await expect(syncOnce(gc)).rejects.toThrow('etcd is down');
    expect(client.peek(R.pods, 'default', 'on-n1')).toBeDefined();
    // Over the threshold of 1 terminated pod: the first in GC order (same age: by name) goes.
    expect(client.objects<Pod>(R.pods, 'default').map((p) => p.metadata?.name).sort()).toEqual(['done-2', 'on-n1']);
  });
});

describe('deployment: a ReplicaSet name already taken is looked up in the cache', () => {
  it('a foreign ReplicaSet holding the name bumps collisionCount; the next hash gets a new name', async () => {
    const { client, ctx } = setUp();
    await client.create(R.deployments, 'default', {
      metadata: { name: 'nginx', namespace: 'default' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
    });
    const d = client.peek<Deployment>(R.deployments, 'default', 'nginx')!;
    const taken = `nginx-${computeHash(d.spec?.template)}`;
    await client.seed(R.replicaSets, { metadata: { name: taken, namespace: 'default', labels: { app: 'other' } }, spec: { selector: { matchLabels: { app: 'other' } } } });
    const controller = new DeploymentController(ctx);
    const abort = new AbortController();
    setMaxListeners(50, abort.signal);
    ctx.informers.start();
    const running = controller.run(abort.signal);
    try {
      const end = Date.now() + 8000;
      while (!client.objects<ReplicaSet>(R.replicaSets, 'default').some((rs) => rs.metadata?.ownerReferences?.[0]?.uid === d.metadata?.uid)) {
        if (Date.now() > end) throw new Error('no ReplicaSet for the Deployment');
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      abort.abort();
      await running;
      await ctx.informers.stop();
    }
    expect(client.peek<Deployment>(R.deployments, 'default', 'nginx')?.status?.collisionCount).toBe(1);
    const ours = client.objects<ReplicaSet>(R.replicaSets, 'default').find((rs) => rs.metadata?.ownerReferences?.[0]?.uid === d.metadata?.uid)!;
    expect(ours.metadata?.name).toBe(`nginx-${computeHash(d.spec?.template, 1)}`);
    expect(ours.metadata?.name).not.toBe(taken);
    // The name's holder was looked up in the cache, not with a live read.
    expect(client.actionsFor('get', 'replicasets')).toEqual([]);
  });
});
