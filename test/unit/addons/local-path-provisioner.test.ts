import { describe, expect, it } from 'vitest';
import {
  decideClaim, decideResize, decideVolume, defaultConfig, parseNodePathMap, volumeNode, volumePathFor,
} from '../../../addons/local-path-provisioner/decide.js';
import { parseProvisionerFlags } from '../../../addons/local-path-provisioner/main.js';
import type { PV, PVC, SC } from '../../../control-plane/controllers/persistentvolume/decide.js';

const cfg = defaultConfig();
const classes: Record<string, SC> = {
  'local-path': { metadata: { name: 'local-path' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete' },
  keep: { metadata: { name: 'keep' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Retain' },
  other: { metadata: { name: 'other' }, provisioner: 'example.com/nfs', volumeBindingMode: 'Immediate' },
  immediate: { metadata: { name: 'immediate' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'Immediate' },
};

function claim(o: { cls?: string; node?: string; provisioner?: string | null; volumeName?: string; deleting?: boolean } = {}): PVC {
  const ann: Record<string, string> = {};
  if (o.provisioner !== null) ann['volume.kubernetes.io/storage-provisioner'] = o.provisioner ?? 'rancher.io/local-path';
  if (o.node) ann['volume.kubernetes.io/selected-node'] = o.node;
  return {
    metadata: { name: 'data', namespace: 'web', uid: 'u1', resourceVersion: '7', annotations: ann, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { storageClassName: o.cls ?? 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
  };
}

const state = (volumes: PV[] = []) => ({ storageClass: (n: string) => classes[n], volume: (n: string) => volumes.find((v) => v.metadata?.name === n) });

describe('decideClaim', () => {
  const cases: { name: string; pvc: PVC; volumes?: PV[]; action: string; why?: string }[] = [
    { name: 'bound: nothing', pvc: claim({ volumeName: 'x', node: 'w1' }), action: 'none', why: 'bound' },
    { name: 'being deleted: nothing', pvc: claim({ node: 'w1', deleting: true }), action: 'none', why: 'being deleted' },
    { name: 'another provisioner: nothing', pvc: claim({ cls: 'other', provisioner: 'example.com/nfs', node: 'w1' }), action: 'none', why: 'not ours' },
    { name: 'no provisioner annotation yet: nothing', pvc: claim({ provisioner: null, node: 'w1' }), action: 'none', why: 'not ours' },
    { name: 'no selected node: wait', pvc: claim(), action: 'wait', why: 'waiting for a selected node' },
    { name: 'Immediate class without a node: configuration error', pvc: claim({ cls: 'immediate' }), action: 'wait', why: 'configuration error, no node was specified' },
    { name: 'already provisioned: nothing', pvc: claim({ node: 'w1' }), volumes: [{ metadata: { name: 'pvc-u1' } }], action: 'none', why: 'provisioned' },
    { name: 'selected node: provision', pvc: claim({ node: 'w1' }), action: 'provision' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideClaim(c.pvc, cfg, state(c.volumes));
      expect(d.action).toBe(c.action);
      if (c.why) expect(d).toMatchObject({ why: c.why });
    });
  }

  it('the PV: rancher folder, DirectoryOrCreate, node affinity, the class reclaim policy, claimRef', () => {
    const d = decideClaim(claim({ node: 'w1', cls: 'keep' }), cfg, state());
    expect(d.action).toBe('provision');
    if (d.action !== 'provision') return;
    expect(d.volume).toEqual({
      apiVersion: 'v1', kind: 'PersistentVolume',
      metadata: { name: 'pvc-u1', annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path', 'local.path.provisioner/selected-node': 'w1' } },
      spec: {
        capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'keep', volumeMode: 'Filesystem',
        hostPath: { path: '/opt/local-path-provisioner/pvc-u1_web_data', type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['w1'] }] }] } },
        claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'web', name: 'data', uid: 'u1', resourceVersion: '7' },
      },
    });
    expect(volumeNode(d.volume)).toBe('w1');
  });
});

describe('decideVolume', () => {
  const provisioned = (o: { phase?: string; policy?: string; path?: string; ours?: boolean } = {}): PV => {
    const d = decideClaim(claim({ node: 'w1' }), cfg, state());
    if (d.action !== 'provision') throw new Error('expected a volume');
    const v = structuredClone(d.volume);
    v.status = { phase: o.phase ?? 'Released' };
    if (o.policy) v.spec!.persistentVolumeReclaimPolicy = o.policy;
    if (o.path) v.spec!.hostPath = { path: o.path };
    if (o.ours === false) v.metadata!.annotations = {};
    return v;
  };
  it('Bound, Retain, or not ours: nothing', () => {
    expect(decideVolume(provisioned({ phase: 'Bound' }), cfg, undefined).action).toBe('none');
    expect(decideVolume(provisioned({ policy: 'Retain' }), cfg, undefined).action).toBe('none');
    expect(decideVolume(provisioned({ ours: false }), cfg, undefined).action).toBe('none');
  });
  it('Released + Delete: a helper pod on the node removes the folder', () => {
    const d = decideVolume(provisioned(), cfg, undefined);
    expect(d.action).toBe('createHelper');
    if (d.action !== 'createHelper') return;
    expect(d.pod.metadata).toMatchObject({ name: 'helper-pod-delete-pvc-u1', namespace: 'local-path-storage' });
    expect(d.pod.spec).toMatchObject({
      nodeName: 'w1', restartPolicy: 'Never',
      containers: [{ image: 'busybox', command: ['rm', '-rf', '/opt/local-path-provisioner/pvc-u1_web_data'], volumeMounts: [{ name: 'data', mountPath: '/opt/local-path-provisioner' }] }],
      volumes: [{ name: 'data', hostPath: { path: '/opt/local-path-provisioner', type: 'DirectoryOrCreate' } }],
    });
  });
  it('waits for the helper, deletes once it Succeeded, retries when it Failed', () => {
    expect(decideVolume(provisioned(), cfg, { status: { phase: 'Running' } }).action).toBe('waitHelper');
    expect(decideVolume(provisioned(), cfg, { status: { phase: 'Succeeded' } }).action).toBe('delete');
    expect(decideVolume(provisioned(), cfg, { status: { phase: 'Failed' } })).toMatchObject({ action: 'retryHelper', message: 'failed to delete volume pvc-u1: helper pod failed' });
  });
  it('a path outside the base folder is never removed from the node: only the object is deleted', () => {
    for (const path of ['/etc', '/opt/local-path-provisioner', '/opt/local-path-provisioner/../../etc', '/opt/local-path-provisioner-x/y']) {
      expect(decideVolume(provisioned({ path }), cfg, undefined).action).toBe('delete');
    }
  });
  it('volumePathFor joins pv, namespace and claim with underscores', () => {
    expect(volumePathFor(cfg, 'pvc-1', claim())).toBe('/opt/local-path-provisioner/pvc-1_web_data');
  });
});

describe('parseProvisionerFlags', () => {
  it('defaults as rancher', () => {
    expect(parseProvisionerFlags([]).cfg).toMatchObject({ name: 'rancher.io/local-path', basePath: '/opt/local-path-provisioner', helperImage: 'busybox' });
  });
  it('refuses a relative or climbing base path and stray arguments', () => {
    expect(() => parseProvisionerFlags(['--base-path', 'data'])).toThrow(/--base-path must be an absolute path/);
    expect(() => parseProvisionerFlags(['--base-path', '/opt/../etc'])).toThrow(/--base-path must be an absolute path/);
    expect(() => parseProvisionerFlags(['start'])).toThrow(/unexpected arguments: start/);
  });
});

describe('node path map (rancher config.json)', () => {
  const json = JSON.stringify({ nodePathMap: [
    { node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: ['/opt/local-path-provisioner'] },
    { node: 'node01', paths: ['/lab/hosts/node01/opt/local-path-provisioner/', '/data2'] },
  ] });
  const mapped = { ...defaultConfig(), ...parseNodePathMap(json) };

  it('a listed node gets its own (first) folder, others the default one', () => {
    expect(parseNodePathMap(json)).toEqual({ basePath: '/opt/local-path-provisioner', nodePaths: { node01: '/lab/hosts/node01/opt/local-path-provisioner' } });
    const on1 = decideClaim(claim({ node: 'node01' }), mapped, state());
    const on2 = decideClaim(claim({ node: 'node02' }), mapped, state());
    expect(on1).toMatchObject({ action: 'provision', volume: { spec: { hostPath: { path: '/lab/hosts/node01/opt/local-path-provisioner/pvc-u1_web_data' } } } });
    expect(on2).toMatchObject({ action: 'provision', volume: { spec: { hostPath: { path: '/opt/local-path-provisioner/pvc-u1_web_data' } } } });
  });

  it('the helper pod mounts the node\'s folder; a path outside it is not removed', () => {
    const d = decideClaim(claim({ node: 'node01' }), mapped, state());
    if (d.action !== 'provision') throw new Error('expected a volume');
    const v = { ...d.volume, status: { phase: 'Released' } };
    const h = decideVolume(v, mapped, undefined);
    expect(h).toMatchObject({ action: 'createHelper', pod: { spec: {
      nodeName: 'node01',
      containers: [{ command: ['rm', '-rf', '/lab/hosts/node01/opt/local-path-provisioner/pvc-u1_web_data'], volumeMounts: [{ mountPath: '/lab/hosts/node01/opt/local-path-provisioner' }] }],
      volumes: [{ hostPath: { path: '/lab/hosts/node01/opt/local-path-provisioner' } }],
    } } });
    // node01's volume path under the DEFAULT folder (another node's): object only
    const stray = structuredClone(v);
    stray.spec!.hostPath = { path: '/opt/local-path-provisioner/pvc-u1_web_data' };
    expect(decideVolume(stray, mapped, undefined).action).toBe('delete');
  });

  it('no default and the node not listed: ProvisioningFailed with rancher\'s message', () => {
    const only = { ...defaultConfig(), ...parseNodePathMap(JSON.stringify({ nodePathMap: [{ node: 'node01', paths: ['/x'] }] })) };
    expect(decideClaim(claim({ node: 'node02' }), only, state())).toEqual({
      action: 'fail', message: 'config doesn\'t contain node node02, and no DEFAULT_PATH_FOR_NON_LISTED_NODES available',
    });
  });

  const bad: [string, unknown, RegExp][] = [
    ['not JSON', '{', /unable to parse config/],
    ['no list', {}, /nodePathMap must be a list/],
    ['duplicate node', { nodePathMap: [{ node: 'a', paths: ['/x'] }, { node: 'a', paths: ['/y'] }] }, /duplicate node a/],
    ['relative path', { nodePathMap: [{ node: 'a', paths: ['x'] }] }, /path must start with \/ for path x on node a/],
    ['root', { nodePathMap: [{ node: 'a', paths: ['/'] }] }, /cannot use root \('\/'\) as path on node a/],
    ['climbing', { nodePathMap: [{ node: 'a', paths: ['/x/../etc'] }] }, /must not contain/],
    ['duplicate path', { nodePathMap: [{ node: 'a', paths: ['/x', '/x/'] }] }, /duplicate path \/x\/ on node a/],
    ['no paths', { nodePathMap: [{ node: 'a', paths: [] }] }, /no paths for node a/],
  ];
  for (const [name, input, want] of bad) {
    it(`refuses a config with ${name}`, () => {
      expect(() => parseNodePathMap(typeof input === 'string' ? input : JSON.stringify(input))).toThrow(want);
    });
  }

  it('--config reads the file; its errors name the flag', () => {
    const files: Record<string, string> = { '/etc/config/config.json': json };
    const read = (f: string) => { const t = files[f]; if (t === undefined) throw new Error('ENOENT: no such file'); return t; };
    expect(parseProvisionerFlags(['--config', '/etc/config/config.json'], read).cfg).toMatchObject({ basePath: '/opt/local-path-provisioner', nodePaths: { node01: '/lab/hosts/node01/opt/local-path-provisioner' } });
    expect(() => parseProvisionerFlags(['--config', '/nope'], read)).toThrow('--config /nope: ENOENT: no such file');
    files['/bad'] = '{"nodePathMap": [{"node": "a", "paths": ["x"]}]}';
    expect(() => parseProvisionerFlags(['--config', '/bad'], read)).toThrow('--config /bad: path must start with / for path x on node a');
  });
});

describe('decideResize (the external-resizer steps, no node expansion)', () => {
  const growable: Record<string, SC> = { ...classes, grow: { metadata: { name: 'grow' }, provisioner: 'rancher.io/local-path', allowVolumeExpansion: true } };
  const sc = (n: string) => growable[n];
  const bound = (o: { cls?: string; want?: string; status?: string; phase?: string; deleting?: boolean } = {}): PVC => {
    const c = claim({ cls: o.cls ?? 'grow', node: 'w1', volumeName: 'pvc-u1', deleting: o.deleting });
    c.spec!.resources = { requests: { storage: o.want ?? '2Gi' } };
    c.status = { phase: o.phase ?? 'Bound', capacity: { storage: o.status ?? '1Gi' } };
    return c;
  };
  const volume = (cap: string, ours = true): PV => ({
    metadata: { name: 'pvc-u1', annotations: ours ? { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } : {} },
    spec: { capacity: { storage: cap }, claimRef: { namespace: 'web', name: 'data' } },
  });
  const cases: [string, PVC, PV | undefined, unknown][] = [
    ['request above the volume: expand it', bound(), volume('1Gi'), { action: 'expandVolume', size: '2Gi' }],
    ['volume grown, status behind: finish', bound(), volume('2Gi'), { action: 'finish', size: '2Gi' }],
    ['all equal: nothing', bound({ want: '2Gi', status: '2Gi' }), volume('2Gi'), { action: 'none' }],
    ['request lowered above capacity (recovery): nothing', bound({ want: '1500Mi', status: '2Gi' }), volume('2Gi'), { action: 'none' }],
    ['class without allowVolumeExpansion: nothing', bound({ cls: 'local-path' }), volume('1Gi'), { action: 'none' }],
    ['not our volume: nothing', bound(), volume('1Gi', false), { action: 'none' }],
    ['not Bound: nothing', bound({ phase: 'Pending' }), volume('1Gi'), { action: 'none' }],
    ['being deleted: nothing', bound({ deleting: true }), volume('1Gi'), { action: 'none' }],
    ['no volume: nothing', bound(), undefined, { action: 'none' }],
  ];
  for (const [name, pvc, pv, want] of cases) it(name, () => expect(decideResize(pvc, pv, cfg, sc)).toEqual(want));
});
