/** The Node authorizer's graph, the pod reference visitors, and rule matching (pure). */
import { describe, expect, it } from 'vitest';
import { NodeGraph, feedGraphFromPersistentVolumes, feedGraphFromPods } from '../../../control-plane/apiserver/node-graph.js';
import { podConfigMapNames, podContainerSecretNames, podPVCNames, podSecretNames } from '../../../api/pod-refs.js';
import { ruleAllows, type RuleAttributes } from '../../../control-plane/apiserver/policy-rules.js';
import { WatchCache } from '../../../control-plane/apiserver/watch-cache.js';
import { MemoryBackend } from '../../../control-plane/storage/memory-backend.js';

type Obj = Record<string, any>;

const everything: Obj = {
  metadata: { name: 'p', namespace: 'ns' },
  spec: {
    nodeName: 'n1',
    serviceAccountName: 'sa',
    imagePullSecrets: [{ name: 'pull' }],
    initContainers: [{ name: 'i', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'init-secret', key: 'k' } } }] }],
    containers: [
      {
        name: 'c',
        envFrom: [{ secretRef: { name: 'envfrom-secret' } }, { configMapRef: { name: 'envfrom-cm' } }],
        env: [{ name: 'B', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } }, { name: 'C', value: 'plain' }],
      },
    ],
    ephemeralContainers: [{ name: 'e', env: [{ name: 'D', valueFrom: { secretKeyRef: { name: 'ephemeral-secret', key: 'k' } } }] }],
    volumes: [
      { name: 'sv', secret: { secretName: 'vol-secret' } },
      { name: 'cv', configMap: { name: 'vol-cm' } },
      { name: 'pj', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }, { downwardAPI: {} }] } },
      { name: 'rbd', rbd: { secretRef: { name: 'rbd-secret' } } },
      { name: 'csi', csi: { driver: 'd', nodePublishSecretRef: { name: 'csi-secret' } } },
      { name: 'claim', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'scratch', ephemeral: { volumeClaimTemplate: {} } },
      { name: 'empty', emptyDir: {} },
    ],
  },
};

describe('pod references (pkg/api/pod visitors)', () => {
  it('secrets from image pull secrets, every container, volumes and volume plugins', () => {
    expect([...podSecretNames(everything)].sort()).toEqual(
      ['csi-secret', 'envfrom-secret', 'ephemeral-secret', 'init-secret', 'proj-secret', 'pull', 'rbd-secret', 'vol-secret'].sort(),
    );
  });
  it('the secrets a pod\'s containers read (what the kubelet loads)', () => {
    expect([...podContainerSecretNames(everything)].sort()).toEqual(['envfrom-secret', 'ephemeral-secret', 'init-secret', 'proj-secret', 'vol-secret']);
  });
  it('configmaps from env, envFrom and volumes', () => {
    expect([...podConfigMapNames(everything)].sort()).toEqual(['env-cm', 'envfrom-cm', 'proj-cm', 'vol-cm']);
  });
  it('claims, and the <pod>-<volume> claim of an ephemeral volume', () => {
    expect([...podPVCNames(everything)].sort()).toEqual(['data', 'p-scratch']);
  });
  it('a malformed pod references nothing and does not throw', () => {
    const bad = { metadata: {}, spec: { containers: [null, 3], volumes: 'x', imagePullSecrets: [null] } };
    expect(podSecretNames(bad).size).toBe(0);
    expect(podConfigMapNames({}).size).toBe(0);
  });
});

describe('NodeGraph', () => {
  it('relates a bound pod and everything it references to its node, and only that node', () => {
    const g = new NodeGraph();
    g.setPod(everything);
    for (const s of ['pull', 'vol-secret', 'csi-secret']) expect(g.hasPathFrom('n1', 'secret', 'ns', s)).toBe(true);
    expect(g.hasPathFrom('n1', 'configmap', 'ns', 'env-cm')).toBe(true);
    expect(g.hasPathFrom('n1', 'persistentvolumeclaim', 'ns', 'p-scratch')).toBe(true);
    expect(g.hasPathFrom('n1', 'serviceaccount', 'ns', 'sa')).toBe(true);
    expect(g.hasPathFrom('n1', 'pod', 'ns', 'p')).toBe(true);
    expect(g.hasPathFrom('n2', 'secret', 'ns', 'vol-secret')).toBe(false);
    expect(g.hasPathFrom('n1', 'secret', 'other', 'vol-secret')).toBe(false);
    expect(g.hasPathFrom('n1', 'configmap', 'ns', 'vol-secret')).toBe(false);
  });

  it('an unbound pod relates nothing; binding it relates its references', () => {
    const g = new NodeGraph();
    const pending = { ...everything, spec: { ...everything.spec, nodeName: undefined } };
    g.setPod(pending);
    expect(g.size).toBe(0);
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'vol-secret')).toBe(false);
    g.setPod(everything);
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'vol-secret')).toBe(true);
  });

  it('counts: a secret two pods use stays related until both are gone', () => {
    const g = new NodeGraph();
    const a = { metadata: { name: 'a', namespace: 'ns' }, spec: { nodeName: 'n1', volumes: [{ name: 'v', secret: { secretName: 'shared' } }] } };
    const b = { ...a, metadata: { name: 'b', namespace: 'ns' } };
    g.setPod(a);
    g.setPod(b);
    g.setPod(a); // an update of the same pod does not count twice
    g.deletePod(a);
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'shared')).toBe(true);
    g.deletePod(b);
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'shared')).toBe(false);
  });

  it('an update that drops a reference drops the relation', () => {
    const g = new NodeGraph();
    g.setPod(everything);
    g.setPod({ ...everything, spec: { nodeName: 'n1', containers: [] } });
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'vol-secret')).toBe(false);
    expect(g.hasPathFrom('n1', 'pod', 'ns', 'p')).toBe(true);
  });

  it('a PersistentVolume relates through the claim its claimRef names (upstream pv -> pvc), only while a bound pod uses the claim', () => {
    const g = new NodeGraph();
    const pod = { metadata: { name: 'db', namespace: 'ns' }, spec: { nodeName: 'n1', volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } };
    g.setPV({ metadata: { name: 'pv1' }, spec: { claimRef: { namespace: 'ns', name: 'data', uid: 'u' } } });
    g.setPV({ metadata: { name: 'pv2' }, spec: { claimRef: { namespace: 'other', name: 'data' } } });
    g.setPV({ metadata: { name: 'pv3' }, spec: {} });
    expect(g.hasPathFrom('n1', 'persistentvolume', '', 'pv1')).toBe(false);
    g.setPod(pod);
    expect(['pv1', 'pv2', 'pv3', 'nope'].map((n) => g.hasPathFrom('n1', 'persistentvolume', '', n))).toEqual([true, false, false, false]);
    expect(g.hasPathFrom('n2', 'persistentvolume', '', 'pv1')).toBe(false);
    g.setPV({ metadata: { name: 'pv1' }, spec: {} }); // released: claimRef gone
    expect(g.hasPathFrom('n1', 'persistentvolume', '', 'pv1')).toBe(false);
    g.setPV({ metadata: { name: 'pv1' }, spec: { claimRef: { namespace: 'ns', name: 'data' } } });
    g.deletePV({ metadata: { name: 'pv1' } });
    expect(g.hasPathFrom('n1', 'persistentvolume', '', 'pv1')).toBe(false);
  });

  it('is fed by the persistentvolumes watch cache', async () => {
    const backend = new MemoryBackend();
    await backend.create('/registry/persistentvolumes/pv1', Buffer.from(JSON.stringify({ metadata: { name: 'pv1' }, spec: { claimRef: { namespace: 'ns', name: 'data' } } })));
    const cache = new WatchCache(backend, '/registry/persistentvolumes/', (_k, v) => JSON.parse(v.toString()));
    const g = new NodeGraph();
    feedGraphFromPersistentVolumes(g, cache);
    await cache.ready();
    g.setPod({ metadata: { name: 'db', namespace: 'ns' }, spec: { nodeName: 'n1', volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } });
    expect(g.hasPathFrom('n1', 'persistentvolume', '', 'pv1')).toBe(true);
    const kv = await backend.get('/registry/persistentvolumes/pv1');
    const del = await backend.delete('/registry/persistentvolumes/pv1', kv!.modRevision);
    await cache.waitForRevision(del.revision);
    expect(g.hasPathFrom('n1', 'persistentvolume', '', 'pv1')).toBe(false);
    cache.stop();
  });

  it('a mirror pod relates its node to itself only', () => {
    const g = new NodeGraph();
    g.setPod({ ...everything, metadata: { ...everything.metadata, annotations: { 'kubernetes.io/config.mirror': 'x' } } });
    expect(g.hasPathFrom('n1', 'pod', 'ns', 'p')).toBe(true);
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'vol-secret')).toBe(false);
  });

  it('is fed by the pods watch cache: the initial list, then every change', async () => {
    const backend = new MemoryBackend();
    const put = (p: Obj) => backend.create(`/registry/pods/${p.metadata.namespace}/${p.metadata.name}`, Buffer.from(JSON.stringify(p)));
    await put(everything);
    const cache = new WatchCache(backend, '/registry/pods/', (_k, v) => JSON.parse(v.toString()));
    const g = new NodeGraph();
    feedGraphFromPods(g, cache);
    await cache.ready();
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'pull')).toBe(true);
    const other = { metadata: { name: 'q', namespace: 'ns' }, spec: { nodeName: 'n2', imagePullSecrets: [{ name: 'q-pull' }] } };
    const rev = await put(other);
    await cache.waitForRevision(rev);
    expect(g.hasPathFrom('n2', 'secret', 'ns', 'q-pull')).toBe(true);
    const kv = await backend.get('/registry/pods/ns/p');
    const del = await backend.delete('/registry/pods/ns/p', kv!.modRevision);
    await cache.waitForRevision(del.revision);
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'pull')).toBe(false);
    cache.stop();
  });
});

describe('ruleAllows (rbac.RuleAllows)', () => {
  const a = (o: Partial<RuleAttributes>): RuleAttributes => ({ verb: 'get', isResourceRequest: true, group: '', resource: 'pods', subresource: '', name: '', path: '', ...o });
  const cases: [string, Parameters<typeof ruleAllows>[1], RuleAttributes, boolean][] = [
    ['verb, group and resource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, a({}), true],
    ['another verb', { verbs: ['list'], apiGroups: [''], resources: ['pods'] }, a({}), false],
    ['another group', { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, a({}), false],
    ['a subresource is its own resource', { verbs: ['create'], apiGroups: [''], resources: ['pods'] }, a({ verb: 'create', subresource: 'exec' }), false],
    ['resource/subresource', { verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] }, a({ verb: 'create', subresource: 'exec' }), true],
    ['*/subresource', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, a({ group: 'apps', resource: 'deployments', subresource: 'scale' }), true],
    ['* matches subresources too', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, a({ verb: 'create', subresource: 'exec' }), true],
    ['resourceNames: the named object', { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] }, a({ name: 'p' }), true],
    ['resourceNames: another object', { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] }, a({ name: 'q' }), false],
    ['resourceNames: a list names nothing', { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] }, a({ verb: 'list' }), false],
    ['a resource rule does not match a path', { verbs: ['get'], apiGroups: ['*'], resources: ['*'] }, a({ isResourceRequest: false, path: '/api' }), false],
    ['nonResourceURLs: prefix', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, a({ isResourceRequest: false, path: '/apis/apps/v1' }), true],
    ['nonResourceURLs: exact', { verbs: ['get'], nonResourceURLs: ['/version'] }, a({ isResourceRequest: false, path: '/versions' }), false],
  ];
  for (const [name, rule, attrs, want] of cases) it(name, () => expect(ruleAllows(attrs, rule)).toBe(want));
});
