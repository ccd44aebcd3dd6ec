/**
 * Issue 3 acceptance: deleting a Deployment removes what it owned (background and foreground
 * propagation), --cascade=orphan leaves the ReplicaSet and pods, deleting a namespace removes
 * everything in it and then the namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../support/apiserver.js';
import { getJson, isReady, listPods, live, ok, startCluster, until, type Cluster } from './setup.js';

let c: Cluster;

beforeAll(async () => {
  c = await startCluster({ nodes: ['node-a', 'node-b', 'node-c'].map((name) => ({ name })) });
});
afterAll(async () => {
  await c?.stop();
});

async function deploy(name: string, ns = 'default', replicas = 3): Promise<void> {
  await ok(c.h, ['create', 'deployment', name, '--image=nginx', `--replicas=${replicas}`, '-n', ns]);
  await until(`${replicas} ready pods of ${name}`, async () => {
    const p = (await listPods(c.h, ns, `app=${name}`)).filter(live);
    return p.length === replicas && p.every(isReady);
  }, 30_000, c);
}

const replicaSets = async (name: string, ns = 'default') =>
  (await getJson(c.h, `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=app%3D${name}`)).items as any[];

describe('garbage collection and namespace deletion', () => {
  it('background (the default): the ReplicaSet and pods go after the Deployment', async () => {
    await deploy('bg');
    expect(await replicaSets('bg')).toHaveLength(1);
    expect(await ok(c.h, ['delete', 'deployment', 'bg'])).toContain('deployment.apps "bg" deleted');
    await until('bg ReplicaSet and pods gone', async () => (await replicaSets('bg')).length === 0 && (await listPods(c.h, 'default', 'app=bg')).length === 0, 30_000, c);
  }, 60_000);

  it('foreground: the Deployment is gone only after its ReplicaSet and pods', async () => {
    await deploy('fg');
    const r = await api(c.h, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/fg', { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
    // The object stays until its finalizers are done; upstream still answers 200 (202 only for orphanDependents=false).
    expect(r.status).toBe(200);
    const d = r.json();
    expect(d.metadata.deletionTimestamp).toBeTruthy();
    expect(d.metadata.finalizers).toContain('foregroundDeletion');
    await until('fg Deployment gone', async () => (await api(c.h, 'GET', '/apis/apps/v1/namespaces/default/deployments/fg')).status === 404, 30_000, c);
    // Owners with blockOwnerDeletion dependents wait: by now nothing it owned is left.
    expect(await replicaSets('fg')).toHaveLength(0);
    expect(await listPods(c.h, 'default', 'app=fg')).toHaveLength(0);

    // The same through kubectl, which waits for the deletion to finish.
    await deploy('fg2');
    await ok(c.h, ['delete', 'deployment', 'fg2', '--cascade=foreground', '--timeout=30s']);
    expect(await replicaSets('fg2')).toHaveLength(0);
    expect(await listPods(c.h, 'default', 'app=fg2')).toHaveLength(0);
  }, 90_000);

  it('--cascade=orphan leaves the ReplicaSet and its pods, no longer owned', async () => {
    await deploy('orph');
    const podsBefore = (await listPods(c.h, 'default', 'app=orph')).map((p) => p.metadata.uid).sort();
    await ok(c.h, ['delete', 'deployment', 'orph', '--cascade=orphan']);
    await until('orph Deployment gone', async () => (await api(c.h, 'GET', '/apis/apps/v1/namespaces/default/deployments/orph')).status === 404, 20_000, c);
    const rs = await until('the ReplicaSet released', async () => {
      const l = await replicaSets('orph');
      return l.length === 1 && !(l[0].metadata.ownerReferences ?? []).length ? l : undefined;
    }, 20_000, c);
    await new Promise((r) => setTimeout(r, 2000)); // the GC had its chance
    expect(await replicaSets('orph')).toHaveLength(1);
    const pods = await listPods(c.h, 'default', 'app=orph');
    expect(pods.map((p) => p.metadata.uid).sort()).toEqual(podsBefore);
    for (const p of pods) {
      expect(p.metadata.deletionTimestamp).toBeUndefined();
      expect(p.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', uid: rs[0].metadata.uid });
    }
    // Clean up: deleting the ReplicaSet now takes the pods.
    await ok(c.h, ['delete', 'rs', rs[0].metadata.name]);
    await until('orph pods gone', async () => (await listPods(c.h, 'default', 'app=orph')).length === 0, 30_000, c);
  }, 90_000);

  it('deleting a namespace removes everything in it, then the namespace', async () => {
    await ok(c.h, ['create', 'namespace', 'team']);
    await until('the default ServiceAccount in team', async () => (await api(c.h, 'GET', '/api/v1/namespaces/team/serviceaccounts/default')).status === 200, 20_000, c);
    await deploy('app', 'team', 4);
    await ok(c.h, ['expose', 'deployment', 'app', '--port=80', '-n', 'team']);
    await ok(c.h, ['create', 'configmap', 'cfg', '--from-literal=a=b', '-n', 'team']);
    await ok(c.h, ['create', 'secret', 'generic', 'sec', '--from-literal=a=b', '-n', 'team']);
    await until('team Endpoints', async () => (await getJson(c.h, '/api/v1/namespaces/team/endpoints/app')).subsets?.[0]?.addresses?.length === 4, 20_000, c);

    const r = await api(c.h, 'DELETE', '/api/v1/namespaces/team');
    expect(r.status).toBe(200);
    expect(r.json().status.phase).toBe('Terminating');
    await until('namespace team gone', async () => (await api(c.h, 'GET', '/api/v1/namespaces/team')).status === 404, 60_000, c);
    for (const path of [
      '/api/v1/namespaces/team/pods',
      '/api/v1/namespaces/team/services',
      '/api/v1/namespaces/team/endpoints',
      '/api/v1/namespaces/team/configmaps',
      '/api/v1/namespaces/team/secrets',
      '/api/v1/namespaces/team/serviceaccounts',
      '/apis/apps/v1/namespaces/team/deployments',
      '/apis/apps/v1/namespaces/team/replicasets',
      '/apis/discovery.k8s.io/v1/namespaces/team/endpointslices',
    ]) {
      expect({ path, items: (await getJson(c.h, path)).items }).toEqual({ path, items: [] });
    }
    const ns = await ok(c.h, ['get', 'ns']);
    expect(ns).not.toMatch(/^team\s/m);
  }, 120_000);
});
