/** @kubernetes/client-node against kubelab: an informer sees ADDED/MODIFIED/DELETED; KubernetesObjectApi creates, patches, deletes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { waitFor } from '../../support/net.js';

let etcd: EtcdHandle;
let h: ApiHandle;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd);
  kc = new k8s.KubeConfig();
  kc.loadFromFile(h.kubeconfig);
});
afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
});

function pod(name: string): k8s.V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
}

describe('@kubernetes/client-node', () => {
  it('an informer on pods sees ADDED, MODIFIED and DELETED', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default' }));
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`ADDED ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`MODIFIED ${o.metadata?.name} ${o.metadata?.labels?.stage ?? ''}`.trim()));
    informer.on('delete', (o) => seen.push(`DELETED ${o.metadata?.name}`));
    await informer.start();
    try {
      await core.createNamespacedPod({ namespace: 'default', body: pod('p1') });
      await waitFor(() => seen.includes('ADDED p1'), 10_000, 'ADDED');
      await core.patchNamespacedPod(
        { namespace: 'default', name: 'p1', body: { metadata: { labels: { stage: 'two' } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await waitFor(() => seen.includes('MODIFIED p1 two'), 10_000, 'MODIFIED');
      // Not bound to a node, so deletion is immediate.
      await core.deleteNamespacedPod({ namespace: 'default', name: 'p1' });
      await waitFor(() => seen.includes('DELETED p1'), 10_000, 'DELETED');
      expect(informer.list('default').map((p) => p.metadata?.name)).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it('KubernetesObjectApi creates, patches and deletes a Deployment', async () => {
    const client = k8s.KubernetesObjectApi.makeApiClient(kc);
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'obj', namespace: 'default' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'obj' } }, template: { metadata: { labels: { app: 'obj' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    const created = await client.create(dep);
    expect((created.metadata as { uid?: string } | undefined)?.uid).toBeTruthy();
    const patched = (await client.patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'obj', namespace: 'default' }, spec: { replicas: 3 } } as k8s.KubernetesObject,
      undefined,
      undefined,
      undefined,
      undefined,
      k8s.PatchStrategy.MergePatch,
    )) as k8s.V1Deployment;
    expect(patched.spec?.replicas).toBe(3);
    const read = (await client.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'obj', namespace: 'default' } })) as k8s.V1Deployment;
    expect(read.spec?.replicas).toBe(3);
    expect(read.spec?.strategy?.type).toBe('RollingUpdate');
    await client.delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'obj', namespace: 'default' } });
    await expect(client.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'obj', namespace: 'default' } })).rejects.toMatchObject({ code: 404 });
  });
});
