import { describe, expect, it } from 'vitest';
import { applyStrategicMergePatch, goFormat, noPatchMeta, type PatchMetaLookup } from '../../../api/patch/strategic-merge-patch.js';
import { KubeError } from '../../../api/errors.js';
import { LIVE_V1, PATCH_V2_BODY, PATCH_V3_BODY } from './fixtures/kubectl-apply.js';

type Obj = Record<string, any>;

/** The patch metadata of the fields these tests touch (from upstream's Go struct tags). */
const POD_SPEC: Record<string, { patchStrategy?: string; patchMergeKey?: string }> = {
  containers: { patchStrategy: 'merge', patchMergeKey: 'name' },
  initContainers: { patchStrategy: 'merge', patchMergeKey: 'name' },
  'containers.ports': { patchStrategy: 'merge', patchMergeKey: 'containerPort' },
  'containers.env': { patchStrategy: 'merge', patchMergeKey: 'name' },
  'containers.volumeMounts': { patchStrategy: 'merge', patchMergeKey: 'mountPath' },
  'containers.args': {},
  'containers.command': {},
  volumes: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' },
  imagePullSecrets: { patchStrategy: 'merge', patchMergeKey: 'name' },
  tolerations: {},
  hostAliases: { patchStrategy: 'merge', patchMergeKey: 'ip' },
};
const TABLE: Record<string, { patchStrategy?: string; patchMergeKey?: string }> = {
  'metadata.finalizers': { patchStrategy: 'merge' },
  'metadata.ownerReferences': { patchStrategy: 'merge', patchMergeKey: 'uid' },
  'spec.strategy': { patchStrategy: 'retainKeys' },
  'spec.replacedMap': { patchStrategy: 'replace' },
  'spec.badStrategy': { patchStrategy: 'merge,replace' },
};
for (const [k, v] of Object.entries(POD_SPEC)) {
  TABLE[`spec.${k}`] = v; // Pod
  TABLE[`spec.template.spec.${k}`] = v; // Deployment, ReplicaSet, ...
}
const meta: PatchMetaLookup = (path) => TABLE[path.join('.')];

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.freeze(o);
    for (const v of Object.values(o as Obj)) deepFreeze(v);
  }
  return o;
}

/** Apply with frozen inputs: the function must never mutate them. */
function smp(doc: unknown, patch: unknown, lookup: PatchMetaLookup = meta): Obj {
  return applyStrategicMergePatch(deepFreeze(structuredClone(doc)), deepFreeze(structuredClone(patch)), lookup) as Obj;
}

function smpError(doc: unknown, patch: unknown): KubeError {
  try {
    smp(doc, patch);
  } catch (e) {
    expect(e).toBeInstanceOf(KubeError);
    return e as KubeError;
  }
  throw new Error('expected an error');
}

const pod = (containers: Obj[], extra: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers, ...extra },
});

describe('strategic merge patch: kubectl apply (bodies captured from kubectl v1.32)', () => {
  it('second apply adds a container port and an env var, keeping live defaults', () => {
    const patch = JSON.parse(PATCH_V2_BODY);
    // the shape kubectl sends: only the new port, plus the order directives
    expect(patch.spec.template.spec).toEqual({
      '$setElementOrder/containers': [{ name: 'nginx' }],
      containers: [
        {
          '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 443 }],
          env: [{ name: 'MODE', value: 'production' }],
          name: 'nginx',
          ports: [{ containerPort: 443 }],
        },
      ],
    });

    const out = smp(LIVE_V1, patch);
    const c = out.spec.template.spec.containers;
    expect(c).toHaveLength(1);
    expect(c[0]).toEqual({
      name: 'nginx',
      image: 'nginx:1.25',
      ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }],
      env: [{ name: 'MODE', value: 'production' }],
      imagePullPolicy: 'IfNotPresent',
      resources: {},
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    });
    // no directive leaks into the stored object
    expect(JSON.stringify(out)).not.toContain('$setElementOrder');
    // the annotation is the new manifest
    const applied = JSON.parse(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    expect(applied.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80 }, { containerPort: 443 }]);
    expect(out.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
    // everything else untouched
    expect(out.spec.strategy).toEqual((LIVE_V1 as Obj).spec.strategy);
    expect(out.spec.template.spec.dnsPolicy).toBe('ClusterFirst');
    expect(out.status).toEqual((LIVE_V1 as Obj).status);
  });

  it('third apply: label removed, sidecar first, port 80 deleted and 8080 first, env removed', () => {
    const v2 = smp(LIVE_V1, JSON.parse(PATCH_V2_BODY));
    const patch = JSON.parse(PATCH_V3_BODY);
    expect(patch.metadata.labels).toBeNull();
    expect(patch.spec.template.spec.containers[1].ports).toEqual([{ containerPort: 8080 }, { $patch: 'delete', containerPort: 80 }]);

    const out = smp(v2, patch);
    expect(out.metadata.labels).toBeUndefined();
    const cs = out.spec.template.spec.containers;
    expect(cs.map((c: Obj) => c.name)).toEqual(['sidecar', 'nginx']);
    expect(cs[0]).toEqual({ name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'] });
    expect(cs[1].image).toBe('nginx:1.27');
    expect(cs[1].ports).toEqual([{ containerPort: 8080 }, { containerPort: 443 }]);
    expect(cs[1]).not.toHaveProperty('env');
    expect(cs[1].imagePullPolicy).toBe('IfNotPresent');
  });
});

describe('strategic merge patch: kubectl patch examples from the Kubernetes docs', () => {
  const deployment = (): Obj => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'patch-demo' },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [{ name: 'patch-demo-ctr', image: 'nginx', imagePullPolicy: 'Always' }],
          tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
        },
      },
    },
  });

  it('adding a container merges the list by name (the new one comes first, as the docs show)', () => {
    const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } } } });
    expect(out.spec.template.spec.containers).toEqual([
      { name: 'patch-demo-ctr-2', image: 'redis' },
      { name: 'patch-demo-ctr', image: 'nginx', imagePullPolicy: 'Always' },
    ]);
  });

  it('adding a toleration replaces the list (no patch strategy)', () => {
    const out = smp(deployment(), { spec: { template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } } } });
    expect(out.spec.template.spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }]);
    expect(out.spec.template.spec.containers).toHaveLength(1);
  });

  it('changes a container image by name (kubectl patch --help)', () => {
    const p = pod([
      { name: 'kubernetes-serve-hostname', image: 'old', ports: [{ containerPort: 9376 }] },
      { name: 'other', image: 'x' },
    ]);
    const out = smp(p, { spec: { containers: [{ name: 'kubernetes-serve-hostname', image: 'new image' }] } });
    expect(out.spec.containers).toEqual([
      { name: 'kubernetes-serve-hostname', image: 'new image', ports: [{ containerPort: 9376 }] },
      { name: 'other', image: 'x' },
    ]);
  });

  it('marks a node unschedulable (kubectl patch --help)', () => {
    const out = smp({ kind: 'Node', spec: { podCIDR: '10.244.1.0/24' } }, { spec: { unschedulable: true } });
    expect(out.spec).toEqual({ podCIDR: '10.244.1.0/24', unschedulable: true });
  });

  it('$retainKeys: switching the strategy to Recreate drops rollingUpdate', () => {
    const out = smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('without $retainKeys the old rollingUpdate stays (the documented pitfall)', () => {
    const out = smp(deployment(), { spec: { strategy: { type: 'Recreate' } } });
    expect(out.spec.strategy).toEqual({ type: 'Recreate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  });
});

describe('strategic merge patch: maps and nulls', () => {
  const cases: { name: string; doc: Obj; patch: Obj; want: Obj }[] = [
    { name: 'adds a field', doc: { a: 1 }, patch: { b: 2 }, want: { a: 1, b: 2 } },
    { name: 'replaces a scalar', doc: { a: 1 }, patch: { a: 'x' }, want: { a: 'x' } },
    { name: 'null deletes a field', doc: { a: 1, b: 2 }, patch: { a: null }, want: { b: 2 } },
    { name: 'null for a missing field is ignored', doc: { a: 1 }, patch: { z: null }, want: { a: 1 } },
    { name: 'merges nested maps', doc: { m: { a: 1, b: 2 } }, patch: { m: { b: 3, c: 4 } }, want: { m: { a: 1, b: 3, c: 4 } } },
    { name: 'deletes a nested key', doc: { metadata: { labels: { a: '1', b: '2' } } }, patch: { metadata: { labels: { a: null } } }, want: { metadata: { labels: { b: '2' } } } },
    { name: 'nulls inside new content are dropped', doc: {}, patch: { m: { a: 1, b: null, n: { c: null, d: 2 } } }, want: { m: { a: 1, n: { d: 2 } } } },
    { name: 'a map replaces a scalar', doc: { a: 'x' }, patch: { a: { b: 1 } }, want: { a: { b: 1 } } },
    { name: 'a scalar replaces a map', doc: { a: { b: 1 } }, patch: { a: 'x' }, want: { a: 'x' } },
    { name: 'a list replaces a map', doc: { a: { b: 1 } }, patch: { a: [1] }, want: { a: [1] } },
    { name: 'a value replaces null', doc: { a: null }, patch: { a: { b: 1 } }, want: { a: { b: 1 } } },
    { name: '$patch: replace on a map replaces it', doc: { metadata: { labels: { a: '1', b: '2' } } }, patch: { metadata: { labels: { $patch: 'replace', c: '3' } } }, want: { metadata: { labels: { c: '3' } } } },
    { name: '$patch: delete on an existing map empties it', doc: { spec: { m: { a: 1 } } }, patch: { spec: { m: { $patch: 'delete' } } }, want: { spec: { m: {} } } },
    { name: '$patch: delete on a missing map adds nothing', doc: { spec: {} }, patch: { spec: { m: { $patch: 'delete', a: 1 } } }, want: { spec: {} } },
    { name: 'top-level $patch: delete empties the object', doc: { a: 1 }, patch: { $patch: 'delete' }, want: {} },
    { name: 'top-level $patch: replace replaces the object', doc: { a: 1, b: 2 }, patch: { $patch: 'replace', c: 3 }, want: { c: 3 } },
    { name: 'patchStrategy replace on a map replaces it', doc: { spec: { replacedMap: { a: 1 } } }, patch: { spec: { replacedMap: { b: 2 } } }, want: { spec: { replacedMap: { b: 2 } } } },
    { name: 'empty patch', doc: { a: { b: [1] } }, patch: {}, want: { a: { b: [1] } } },
  ];
  it.each(cases)('$name', ({ doc, patch, want }) => {
    expect(smp(doc, patch)).toEqual(want);
  });

  it('null patch body is a no-op (Go decodes null into an empty map)', () => {
    expect(applyStrategicMergePatch({ a: 1 }, null, meta)).toEqual({ a: 1 });
  });

  it('returns a new object and leaves its inputs alone', () => {
    const doc = { spec: { containers: [{ name: 'a', image: 'x' }] } };
    const patch = { spec: { containers: [{ name: 'a', image: 'y' }, { name: 'b', image: 'z' }] } };
    const docCopy = structuredClone(doc);
    const patchCopy = structuredClone(patch);
    const out = applyStrategicMergePatch(doc, patch, meta);
    expect(doc).toEqual(docCopy);
    expect(patch).toEqual(patchCopy);
    (out as Obj).spec.containers[0].image = 'changed';
    expect(doc.spec.containers[0]!.image).toBe('x');
  });
});

describe('strategic merge patch: lists', () => {
  const cases: { name: string; doc: Obj; patch: Obj; want: Obj }[] = [
    {
      name: 'a list without strategy is replaced whole',
      doc: pod([{ name: 'a', args: ['x', 'y'] }]),
      patch: { spec: { containers: [{ name: 'a', args: ['z'] }] } },
      want: pod([{ name: 'a', args: ['z'] }]),
    },
    {
      name: 'merge by key updates in place and keeps other items',
      doc: pod([{ name: 'a', image: '1' }, { name: 'b', image: '2' }]),
      patch: { spec: { containers: [{ name: 'b', image: '3' }] } },
      want: pod([{ name: 'a', image: '1' }, { name: 'b', image: '3' }]),
    },
    {
      name: 'a nested merge list (env) merges inside a merged item',
      doc: pod([{ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }]),
      patch: { spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '3' }] }] } },
      want: pod([{ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '3' }] }]),
    },
    {
      name: 'null inside a merged item deletes the field',
      doc: pod([{ name: 'a', image: '1', command: ['sh'] }]),
      patch: { spec: { containers: [{ name: 'a', command: null }] } },
      want: pod([{ name: 'a', image: '1' }]),
    },
    {
      name: '$patch: delete removes the item with that key',
      doc: pod([{ name: 'a' }, { name: 'b' }, { name: 'c' }]),
      patch: { spec: { containers: [{ name: 'b', $patch: 'delete' }] } },
      want: pod([{ name: 'a' }, { name: 'c' }]),
    },
    {
      name: '$patch: delete of an absent key is a no-op',
      doc: pod([{ name: 'a' }]),
      patch: { spec: { containers: [{ name: 'zz', $patch: 'delete' }] } },
      want: pod([{ name: 'a' }]),
    },
    {
      name: '$patch: replace as a list item replaces the list with the other items',
      doc: pod([{ name: 'a', image: '1' }, { name: 'b' }]),
      patch: { spec: { containers: [{ name: 'c', image: '9' }, { $patch: 'replace' }] } },
      want: pod([{ name: 'c', image: '9' }]),
    },
    {
      name: '$patch: replace alone empties the list',
      doc: pod([{ name: 'a' }]),
      patch: { spec: { containers: [{ $patch: 'replace' }] } },
      want: pod([]),
    },
    {
      name: 'a primitive merge list is merged as a set (new values first)',
      doc: { metadata: { finalizers: ['a', 'b'] } },
      patch: { metadata: { finalizers: ['c', 'a'] } },
      want: { metadata: { finalizers: ['c', 'a', 'b'] } },
    },
    {
      name: '$deleteFromPrimitiveList removes values from a merged primitive list',
      doc: { metadata: { finalizers: ['a', 'b', 'c'] } },
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'zz'] } },
      want: { metadata: { finalizers: ['a', 'c'] } },
    },
    {
      name: '$deleteFromPrimitiveList wins over an addition of the same value',
      doc: { metadata: { finalizers: ['a'] } },
      patch: { metadata: { finalizers: ['b'], '$deleteFromPrimitiveList/finalizers': ['a'] } },
      want: { metadata: { finalizers: ['b'] } },
    },
    {
      name: '$deleteFromPrimitiveList on a missing list is a no-op',
      doc: { metadata: {} },
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      want: { metadata: {} },
    },
    {
      name: '$setElementOrder reorders a merged list',
      doc: pod([{ name: 'a', image: '1' }, { name: 'b', image: '2' }]),
      patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } },
      want: pod([{ name: 'b', image: '2' }, { name: 'a', image: '1' }]),
    },
    {
      name: '$setElementOrder places new items where kubectl lists them',
      doc: pod([{ name: 'a' }, { name: 'c' }]),
      patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }, { name: 'c' }], containers: [{ name: 'b', image: 'new' }] } },
      want: pod([{ name: 'a' }, { name: 'b', image: 'new' }, { name: 'c' }]),
    },
    {
      // upstream's mergeSortedSlice: a server-only item goes before the first patch item the live
      // list has after it
      name: 'items the server has but the order list omits keep their place relative to the live list',
      doc: pod([{ name: 'a' }, { name: 'server-only' }, { name: 'b' }]),
      patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'b', image: 'x' }] } },
      want: pod([{ name: 'server-only' }, { name: 'b', image: 'x' }, { name: 'a' }]),
    },
    {
      name: '$setElementOrder on a primitive list',
      doc: { metadata: { finalizers: ['a', 'b'] } },
      patch: { metadata: { '$setElementOrder/finalizers': ['b', 'c', 'a'], finalizers: ['c'] } },
      want: { metadata: { finalizers: ['b', 'c', 'a'] } },
    },
    {
      name: '$setElementOrder for a list the object lacks adds the patch list',
      doc: pod([{ name: 'a' }]),
      patch: { spec: { '$setElementOrder/initContainers': [{ name: 'i' }], initContainers: [{ name: 'i', image: 'busybox' }] } },
      want: pod([{ name: 'a' }], { initContainers: [{ name: 'i', image: 'busybox' }] }),
    },
    {
      name: 'a new merge-list field is taken from the patch without its directives',
      doc: pod([{ name: 'a' }]),
      patch: { spec: { imagePullSecrets: [{ name: 'x' }, { name: 'gone', $patch: 'delete' }] } },
      want: pod([{ name: 'a' }], { imagePullSecrets: [{ name: 'x' }] }),
    },
    {
      name: 'merging into an empty list',
      doc: pod([]),
      patch: { spec: { containers: [{ name: 'a' }] } },
      want: pod([{ name: 'a' }]),
    },
    {
      name: 'ports merge by containerPort, in the patch order when the patch lists them all',
      doc: pod([{ name: 'a', ports: [{ containerPort: 80, name: 'http' }] }]),
      patch: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'web' }, { containerPort: 81 }] }] } },
      want: pod([{ name: 'a', ports: [{ containerPort: 80, name: 'web' }, { containerPort: 81 }] }]),
    },
    {
      name: 'volumes (merge,retainKeys): kubectl switching a volume source',
      doc: pod([{ name: 'a' }], { volumes: [{ name: 'data', emptyDir: {} }, { name: 'other', emptyDir: {} }] }),
      patch: { spec: { volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' }, emptyDir: null }] } },
      want: pod([{ name: 'a' }], { volumes: [{ name: 'data', configMap: { name: 'cm' } }, { name: 'other', emptyDir: {} }] }),
    },
  ];
  it.each(cases)('$name', ({ doc, patch, want }) => {
    expect(smp(doc, patch)).toEqual(want);
  });

  it('without metadata every list is replaced and maps merge', () => {
    const out = smp(pod([{ name: 'a', image: '1' }]), { spec: { containers: [{ name: 'b' }] }, metadata: { labels: { x: 'y' } } }, noPatchMeta);
    expect(out.spec.containers).toEqual([{ name: 'b' }]);
    expect(out.metadata).toEqual({ name: 'p', namespace: 'default', labels: { x: 'y' } });
  });

  it('asks for metadata by field path with list indices removed', () => {
    const asked: string[] = [];
    const spy: PatchMetaLookup = (p) => {
      asked.push(p.join('.'));
      return meta(p);
    };
    smp(
      { spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 1 }] }] } } } },
      { spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 2 }] }] } } } },
      spy,
    );
    expect(asked).toEqual(
      expect.arrayContaining(['spec', 'spec.template', 'spec.template.spec', 'spec.template.spec.containers', 'spec.template.spec.containers.ports']),
    );
  });
});

describe('strategic merge patch: errors with upstream messages and status codes', () => {
  const cases: { name: string; doc: Obj; patch: unknown; code: number; reason: string; message: string | RegExp }[] = [
    {
      name: 'item without the merge key: 400 (upstream leaks a 500)',
      doc: pod([{ name: 'a' }]),
      patch: { spec: { containers: [{ image: 'x' }] } },
      code: 400,
      reason: 'BadRequest',
      message: 'map: map[image:x] does not contain declared merge key: name',
    },
    {
      name: 'delete directive without the merge key',
      doc: pod([{ name: 'a' }]),
      patch: { spec: { containers: [{ $patch: 'delete' }] } },
      code: 400,
      reason: 'BadRequest',
      message: 'map: map[$patch:delete] does not contain declared merge key: name',
    },
    {
      name: '$patch: merge in a list',
      doc: pod([{ name: 'a' }]),
      patch: { spec: { containers: [{ name: 'a', $patch: 'merge' }] } },
      code: 400,
      reason: 'BadRequest',
      message: 'merging lists cannot yet be specified in the patch',
    },
    {
      name: 'unknown $patch in a map',
      doc: { spec: { m: { a: 1 } } },
      patch: { spec: { m: { $patch: 'merge', b: 2 } } },
      code: 400,
      reason: 'BadRequest',
      message: 'unknown patch type: merge in map: map[$patch:merge b:2]',
    },
    {
      name: 'lists of lists: 422 with the generic message',
      doc: { metadata: { finalizers: [['a']] } },
      patch: { metadata: { finalizers: [['b']] } },
      code: 422,
      reason: 'Invalid',
      message: 'the server rejected our request due to an error in our request',
    },
    {
      name: 'mixed element types',
      doc: { metadata: { finalizers: ['a'] } },
      patch: { metadata: { finalizers: [1] } },
      code: 400,
      reason: 'BadRequest',
      message: 'list element types are not identical: [[a] [1]]',
    },
    {
      name: 'a field outside $retainKeys: 400',
      doc: { spec: { strategy: { type: 'RollingUpdate' } } },
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } },
      code: 400,
      reason: 'BadRequest',
      message: 'invalid patch format of retainKeys',
    },
    {
      name: '$retainKeys that is not a list: 400',
      doc: { spec: { strategy: {} } },
      patch: { spec: { strategy: { $retainKeys: 'type' } } },
      code: 400,
      reason: 'BadRequest',
      message: 'invalid patch format of retainKeys',
    },
    {
      name: 'malformed $setElementOrder key: 400',
      doc: pod([{ name: 'a' }]),
      patch: { spec: { $setElementOrderContainers: [] } },
      code: 400,
      reason: 'BadRequest',
      message: 'invalid patch format of setElementOrder list',
    },
    {
      name: 'malformed $deleteFromPrimitiveList key: 400',
      doc: { metadata: { finalizers: ['a'] } },
      patch: { metadata: { $deleteFromPrimitiveListfinalizers: ['a'] } },
      code: 400,
      reason: 'BadRequest',
      message: 'invalid patch format of primitive list',
    },
    {
      name: 'a bogus $setElementOrder (not a list): 400, not upstream\'s 500',
      doc: pod([{ name: 'a' }]),
      patch: { spec: { '$setElementOrder/containers': 'a' } },
      code: 400,
      reason: 'BadRequest',
      message: 'expected a []interface {}, but received a string',
    },
    {
      name: 'a bogus $setElementOrder (patch list out of its order): 400, not upstream\'s 500',
      doc: pod([{ name: 'a' }, { name: 'b' }]),
      patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'b', image: '1' }, { name: 'a', image: '2' }] } },
      code: 400,
      reason: 'BadRequest',
      message: /^The order in patch list:\n\[map\[image:1 name:b\] map\[image:2 name:a\]\]\n doesn't match \$setElementOrder list:\n/,
    },
    {
      name: 'a merge list of maps without a merge key in the metadata',
      doc: { spec: { badList: [{ a: 1 }] } },
      patch: { spec: { badList: [{ a: 2 }] } },
      code: 200,
      reason: '',
      message: '',
    },
    {
      name: 'two strategies without retainKeys',
      doc: { spec: { badStrategy: [1] } },
      patch: { spec: { badStrategy: [2] } },
      code: 500,
      reason: 'InternalError',
      message: 'Internal error occurred: unexpected patch strategy: [merge replace]',
    },
    {
      name: 'a patch body that is a list: 400',
      doc: { a: 1 },
      patch: [1],
      code: 400,
      reason: 'BadRequest',
      message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    },
    {
      name: 'a patch body that is a string: 400',
      doc: { a: 1 },
      patch: 'x',
      code: 400,
      reason: 'BadRequest',
      message: 'json: cannot unmarshal string into Go value of type map[string]interface {}',
    },
  ];
  it.each(cases.filter((c) => c.code !== 200))('$name', ({ doc, patch, code, reason, message }) => {
    const e = smpError(doc, patch);
    expect(e.httpStatus).toBe(code);
    expect(e.reason).toBe(reason);
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
    expect(e.toStatus().code).toBe(code);
  });

  it('a list of maps with no metadata is replaced, not merged (no error)', () => {
    expect(smp({ spec: { badList: [{ a: 1 }] } }, { spec: { badList: [{ a: 2 }] } })).toEqual({ spec: { badList: [{ a: 2 }] } });
  });

  it('merge strategy on a list of maps without a merge key fails as upstream', () => {
    const lookup: PatchMetaLookup = (p) => (p.join('.') === 'items' ? { patchStrategy: 'merge' } : undefined);
    expect(() => applyStrategicMergePatch({ items: [{ a: 1 }] }, { items: [{ a: 2 }] }, lookup)).toThrow(
      'cannot merge lists without merge key for struct',
    );
  });

  it('the 422 keeps the strategicpatch message as its cause', () => {
    const e = smpError({ metadata: { finalizers: [['a']] } }, { metadata: { finalizers: [['b']] } });
    expect((e.cause as Error).message).toBe('lists of lists are not supported');
  });
});

describe('goFormat (Go %v of decoded JSON, used in messages)', () => {
  it.each([
    [{ b: 1, a: 'x' }, 'map[a:x b:1]'],
    [[1, 'a', null], '[1 a <nil>]'],
    [{ m: { z: [true] } }, 'map[m:map[z:[true]]]'],
    ['s', 's'],
  ])('%j -> %s', (v, want) => {
    expect(goFormat(v)).toBe(want);
  });
});

describe('strategic merge patch: hostile keys', () => {
  it('a "__proto__" key stays data and never becomes the prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "m": {"__proto__": {"x": 1}}}');
    const out = applyStrategicMergePatch({ m: { a: 1 } }, patch, meta) as Obj;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(out.m)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(JSON.stringify(out)).toBe('{"m":{"a":1,"__proto__":{"x":1}},"__proto__":{"polluted":true}}');
    expect(({} as Obj).polluted).toBeUndefined();
  });
});
