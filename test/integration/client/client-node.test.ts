/**
 * @kubernetes/client-node v2 against kubelab (issue 11): the README's two examples run unchanged (as
 * scripts, `kc.loadFromDefault()` reading KUBECONFIG), then the library's watch, an informer on pods
 * (add/update/delete), KubernetesObjectApi create/read/patch/replace/delete on a built-in kind and on a
 * custom resource, and a watch on a custom resource of a CRD created first.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { api, type ApiHandle } from '../../support/apiserver.js';
import { useApiServerOverEtcd } from '../../support/api-fixture.js';
import { waitFor } from '../../support/net.js';
import { REPO } from '../../support/host.js';

let h: ApiHandle;
let kc: k8s.KubeConfig;
useApiServerOverEtcd((s) => {
  h = s.h;
  kc = new k8s.KubeConfig();
  kc.loadFromFile(h.kubeconfig);
});

/** A README example, verbatim, as a CommonJS script with KUBECONFIG set: its exit code and output. */
function runExample(source: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['-e', source], { cwd: REPO, env: { ...process.env, KUBECONFIG: h.kubeconfig, HOME: h.dir } });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => c.kill('SIGKILL'), 30_000);
    c.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, out });
    });
  });
}

// The README of @kubernetes/client-node 2.0, "List all pods" and "Create a new namespace", unchanged.
const LIST_ALL_PODS = `
const k8s = require('@kubernetes/client-node');

const kc = new k8s.KubeConfig();
kc.loadFromDefault();

const k8sApi = kc.makeApiClient(k8s.CoreV1Api);

k8sApi.listNamespacedPod({ namespace: 'default' }).then((res) => {
    console.log(res);
});
`;

const CREATE_NAMESPACE = `
const k8s = require('@kubernetes/client-node');

const kc = new k8s.KubeConfig();
kc.loadFromDefault();

const k8sApi = kc.makeApiClient(k8s.CoreV1Api);

var namespace = {
    metadata: {
        name: 'test',
    },
};

k8sApi.createNamespace({ body: namespace }).then(
    (response) => {
        console.log('Created namespace');
        console.log(response);
        k8sApi.readNamespace({ name: namespace.metadata.name }).then((response) => {
            console.log(response);
            k8sApi.deleteNamespace({ name: namespace.metadata.name });
        });
    },
    (err) => {
        console.log('Error!: ' + err);
    },
);
`;

const pod = (name: string): k8s.V1Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'readme' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

describe("the README's examples, unchanged", () => {
  it('List all pods', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: pod('listed') });
    const r = await runExample(LIST_ALL_PODS);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("kind: 'PodList'");
    // console.log prints the one pod at its depth limit: `items: [ [V1Pod] ]` (or the V1Pod itself).
    expect(r.out).toMatch(/items: \[\s*(\[V1Pod\]|V1Pod \{)/);
  });

  it('Create a new namespace (a body without apiVersion and kind), read it, delete it', async () => {
    const r = await runExample(CREATE_NAMESPACE);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('Created namespace');
    expect(r.out).not.toContain('Error!');
    expect(r.out.match(/name: 'test'/g)?.length).toBeGreaterThanOrEqual(2);
    // deleteNamespace was sent: the namespace is going (or gone).
    await waitFor(async () => {
      const ns = await api(h, 'GET', '/api/v1/namespaces/test');
      return ns.status === 404 || ns.json().status?.phase === 'Terminating';
    }, 10_000, 'namespace test deleted');
  });
});

describe('watch and informer', () => {
  it('Watch (as the library example: allowWatchBookmarks, no resourceVersion): ADDED, MODIFIED and DELETED of configmaps', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    let ended: unknown = 'running';
    const req = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { allowWatchBookmarks: true },
      (type: string, obj: k8s.V1ConfigMap) => {
        if (type !== 'BOOKMARK' && obj.metadata?.name === 'watched') seen.push(`${type} ${obj.metadata?.name} ${obj.data?.k ?? ''}`.trim());
      },
      (err: unknown) => {
        ended = err;
      },
    );
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' }, data: { k: '1' } } });
      await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'watched', body: { metadata: { name: 'watched' }, data: { k: '2' } } });
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'watched' });
      await waitFor(() => seen.length >= 3, 10_000, `three watch events (seen ${JSON.stringify(seen)}, watch ${String(ended)})`);
      expect(seen).toEqual(['ADDED watched 1', 'MODIFIED watched 2', 'DELETED watched 2']);
    } finally {
      req.abort();
    }
    expect(ended).toBe('running');
  });

  it('makeInformer on pods: add, update, delete, and the cache', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=informed' }), 'app=informed');
    const seen: string[] = [];
    informer.on(k8s.ADD, (o: k8s.V1Pod) => seen.push(`add ${o.metadata?.name}`));
    informer.on(k8s.UPDATE, (o: k8s.V1Pod) => seen.push(`update ${o.metadata?.name} ${o.metadata?.annotations?.step ?? ''}`.trim()));
    informer.on(k8s.DELETE, (o: k8s.V1Pod) => seen.push(`delete ${o.metadata?.name}`));
    informer.on(k8s.ERROR, (e: unknown) => seen.push(`error ${String(e)}`));
    // One pod before the informer starts (its add comes from the list), one after (from the watch).
    await core.createNamespacedPod({ namespace: 'default', body: { ...pod('inf'), metadata: { name: 'inf', labels: { app: 'informed' } } } });
    await informer.start();
    try {
      await core.createNamespacedPod({ namespace: 'default', body: { ...pod('inf2'), metadata: { name: 'inf2', labels: { app: 'informed' } } } });
      await waitFor(() => seen.includes('add inf2'), 10_000, `add (seen ${JSON.stringify(seen)})`);
      await waitFor(() => seen.includes('add inf'), 10_000, `add (seen ${JSON.stringify(seen)})`);
      expect(informer.get('inf', 'default')?.metadata?.name).toBe('inf');
      await core.patchNamespacedPod(
        { namespace: 'default', name: 'inf', body: { metadata: { annotations: { step: 'two' } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await waitFor(() => seen.includes('update inf two'), 10_000, 'update');
      await core.deleteNamespacedPod({ namespace: 'default', name: 'inf' });
      await waitFor(() => seen.includes('delete inf'), 10_000, 'delete');
      expect(informer.list('default').map((p) => p.metadata?.name)).toEqual(['inf2']);
      expect(seen.slice(0, 2)).toEqual(['add inf', 'add inf2']);
      expect(seen.filter((s) => s.startsWith('error'))).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string' }, image: { type: 'string' }, replicas: { type: 'integer' } } } } } },
    }],
  },
};

describe('KubernetesObjectApi and custom resources', () => {
  it('create, read, patch, replace, delete a built-in kind generically', async () => {
    const client = k8s.KubernetesObjectApi.makeApiClient(kc);
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generic', namespace: 'default' } };
    const created = await client.create({ ...ref, data: { a: '1' } } as k8s.KubernetesObject);
    expect(created.metadata?.uid).toBeTruthy();
    const patched = (await client.patch({ ...ref, data: { b: '2' } } as k8s.KubernetesObject, undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch)) as k8s.V1ConfigMap;
    expect(patched.data).toEqual({ a: '1', b: '2' });
    const read = (await client.read(ref)) as k8s.V1ConfigMap;
    const replaced = (await client.replace({ ...read, data: { c: '3' } } as k8s.KubernetesObject)) as k8s.V1ConfigMap;
    expect(replaced.data).toEqual({ c: '3' });
    const listed = await client.list('v1', 'ConfigMap', 'default');
    expect(listed.items.map((o) => o.metadata?.name)).toContain('generic');
    await client.delete(ref);
    await expect(client.read(ref)).rejects.toMatchObject({ code: 404 });
  });

  it('a CRD, then KubernetesObjectApi CRUD and a watch on its custom resources', async () => {
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({ body: CRD as k8s.V1CustomResourceDefinition });
    try {
      await waitFor(async () => {
        const crd = await ext.readCustomResourceDefinition({ name: CRD.metadata.name });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
      }, 10_000, 'the CRD Established');
      const seen: string[] = [];
      const watch = new k8s.Watch(kc);
      const req = await watch.watch(
        '/apis/stable.example.com/v1/namespaces/default/crontabs',
        {},
        (type: string, obj: k8s.KubernetesObject & { spec?: { cronSpec?: string } }) => seen.push(`${type} ${obj.metadata?.name} ${obj.spec?.cronSpec ?? ''}`.trim()),
        () => undefined,
      );
      try {
        const client = k8s.KubernetesObjectApi.makeApiClient(kc);
        const ref = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'every-minute', namespace: 'default' } };
        await client.create({ ...ref, spec: { cronSpec: '* * * * */1', image: 'cron' } } as k8s.KubernetesObject);
        const patched = (await client.patch({ ...ref, spec: { cronSpec: '*/5 * * * *' } } as k8s.KubernetesObject, undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch)) as k8s.KubernetesObject & { spec: Record<string, unknown> };
        expect(patched.spec).toEqual({ cronSpec: '*/5 * * * *', image: 'cron' });
        const read = await client.read(ref);
        const replaced = (await client.replace({ ...read, spec: { cronSpec: '0 * * * *', replicas: 2 } } as k8s.KubernetesObject)) as k8s.KubernetesObject & { spec: Record<string, unknown> };
        expect(replaced.spec).toEqual({ cronSpec: '0 * * * *', replicas: 2 });
        await client.delete(ref);
        await waitFor(() => seen.length >= 4, 10_000, 'four watch events on crontabs');
        expect(seen).toEqual(['ADDED every-minute * * * * */1', 'MODIFIED every-minute */5 * * * *', 'MODIFIED every-minute 0 * * * *', 'DELETED every-minute 0 * * * *']);
      } finally {
        req.abort();
      }
    } finally {
      await ext.deleteCustomResourceDefinition({ name: CRD.metadata.name });
    }
  });
});
