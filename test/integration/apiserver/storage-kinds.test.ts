/**
 * core/v1 PersistentVolume, PersistentVolumeClaim and storage.k8s.io/v1 StorageClass, driven by the real kubectl:
 * discovery and short names, upstream's defaults, Table columns, `kubectl explain`, the 422s with upstream's
 * messages (pkg/apis/core/validation, pkg/apis/storage/validation), and the storage admission plugins
 * (DefaultStorageClass, StorageObjectInUseProtection, PersistentVolumeClaimResize).
 */
import { describe, expect, it } from 'vitest';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const pv = (name: string, spec: Record<string, unknown>): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec });
const pvc = (name: string, spec: Record<string, unknown>): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec });
const hostPathSpec = (size: string, extra: Record<string, unknown> = {}) => ({
  capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: '/mnt/data' }, ...extra,
});

async function refused(manifest: string, verb = 'create'): Promise<string> {
  const r = await kubectl(s.h, [verb, '-f', '-'], { input: manifest });
  expect(r.code).toBe(1);
  return r.stderr.trim();
}

describe('storage kinds: discovery, defaults, printing', () => {
  it('kubectl api-resources lists pv, pvc and sc with their short names and scopes', async () => {
    const out = await kubectlOk(s.h, ['api-resources']);
    expect(out).toMatch(/^persistentvolumeclaims\s+pvc\s+v1\s+true\s+PersistentVolumeClaim$/m);
    expect(out).toMatch(/^persistentvolumes\s+pv\s+v1\s+false\s+PersistentVolume$/m);
    expect(out).toMatch(/^storageclasses\s+sc\s+storage\.k8s\.io\/v1\s+false\s+StorageClass$/m);
  });

  it('a hostPath PV gets upstream defaults (Retain, Filesystem, phase Pending) and prints upstream columns', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], pv('task-pv-volume', hostPathSpec('10Gi')));
    const got = JSON.parse(await kubectlOk(s.h, ['get', 'pv', 'task-pv-volume', '-o', 'json']));
    expect(got.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(got.spec.volumeMode).toBe('Filesystem');
    expect(got.spec.hostPath).toEqual({ path: '/mnt/data', type: '' });
    expect(got.status.phase).toBe('Pending');
    expect(typeof got.status.lastPhaseTransitionTime).toBe('string');
    const table = await kubectlOk(s.h, ['get', 'pv']);
    const [head, row] = table.trim().split('\n');
    expect(head!.split(/\s{2,}/)).toEqual(['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE']);
    expect(row).toMatch(/^task-pv-volume\s+10Gi\s+RWO\s+Retain\s+Pending\s+manual\s+<unset>\s+\S+$/);
    expect(await kubectlOk(s.h, ['get', 'pv', '-o', 'wide'])).toMatch(/VOLUMEMODE\n.*\s+Filesystem\n$/);
  });

  it('a claim prints Pending with no volume yet; status is a subresource (a main update keeps it)', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('task-pv-claim', { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '3Gi' } } }));
    const table = await kubectlOk(s.h, ['get', 'pvc', '-n', 'default']);
    const [head, row] = table.trim().split('\n');
    expect(head!.split(/\s{2,}/)).toEqual(['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE']);
    expect(row).toMatch(/^task-pv-claim\s+Pending\s+manual\s+<unset>\s+\S+$/);
    const got = JSON.parse(await kubectlOk(s.h, ['get', 'pvc', 'task-pv-claim', '-o', 'json']));
    expect(got.spec.volumeMode).toBe('Filesystem');
    got.status = { phase: 'Bound' };
    const put = await api(s.h, 'PUT', '/api/v1/namespaces/default/persistentvolumeclaims/task-pv-claim', got);
    expect(put.status).toBe(200);
    expect(put.json().status.phase).toBe('Pending');
  });

  it('StorageClass defaults (Delete, Immediate) and `(default)` after the default class', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify({
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
      metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer',
    }));
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'example.com/fast', allowVolumeExpansion: true }));
    const fast = JSON.parse(await kubectlOk(s.h, ['get', 'sc', 'fast', '-o', 'json']));
    expect([fast.reclaimPolicy, fast.volumeBindingMode]).toEqual(['Delete', 'Immediate']);
    const lines = (await kubectlOk(s.h, ['get', 'sc'])).trim().split('\n');
    expect(lines[0]!.split(/\s{2,}/)).toEqual(['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']);
    expect(lines[1]).toMatch(/^fast\s+example\.com\/fast\s+Delete\s+Immediate\s+true\s+\S+$/);
    expect(lines[2]).toMatch(/^local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+$/);
  });

  it('kubectl explain knows the fields', async () => {
    expect(await kubectlOk(s.h, ['explain', 'pv.spec.persistentVolumeReclaimPolicy'])).toMatch(/persistentVolumeReclaimPolicy defines what happens/);
    expect(await kubectlOk(s.h, ['explain', 'pvc.spec.resources'])).toMatch(/VolumeResourceRequirements/);
    expect(await kubectlOk(s.h, ['explain', 'sc.volumeBindingMode'])).toMatch(/volumeBindingMode indicates how PersistentVolumeClaims/);
  });
});

describe('storage kinds: bad input is a 422 with upstream messages, nothing stored', () => {
  it('a PV with an invalid access mode, no capacity and no source', async () => {
    const err = await refused(pv('bad-pv', { accessModes: ['ReadWriteSometimes'] }));
    expect(err).toContain('spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"');
    expect(err).toContain('spec.capacity: Required value');
    expect(err).toContain('spec: Required value: must specify a volume type');
    expect((await kubectl(s.h, ['get', 'pv', 'bad-pv'])).code).toBe(1);
  });

  it('a PV with a wrong hostPath type, two sources, or RWOP with another mode', async () => {
    const err = await refused(pv('bad-type', hostPathSpec('1Gi', { hostPath: { path: '/mnt/x', type: 'Folder' } })));
    expect(err).toContain('spec.hostPath.type: Unsupported value: "Folder": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"');
    const two = await refused(pv('two', hostPathSpec('1Gi', { nfs: { server: '10.0.0.1', path: '/x' } })));
    expect(two).toContain('spec.nfs: Forbidden: may not specify more than 1 volume type');
    const rwop = await refused(pv('rwop', hostPathSpec('1Gi', { accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'] })));
    expect(rwop).toContain('spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes');
  });

  it('a claim without access modes or a storage request', async () => {
    const err = await refused(pvc('bad-claim', {}));
    expect(err).toContain('spec.accessModes: Required value: at least 1 access mode is required');
    expect(err).toContain('spec.resources[storage]: Required value');
  });

  it('a claim: the spec is immutable but for requests of a bound claim; no shrink to status.capacity', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'expandable' }, provisioner: 'example.com/grow', allowVolumeExpansion: true }));
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('grow', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, storageClassName: 'expandable' }));
    const unbound = await kubectl(s.h, ['patch', 'pvc', 'grow', '-p', '{"spec":{"accessModes":["ReadWriteMany"]}}']);
    expect(unbound.code).toBe(1);
    expect(unbound.stderr).toContain('spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
    const status = await api(s.h, 'PATCH', '/api/v1/namespaces/default/persistentvolumeclaims/grow/status',
      { status: { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'] } }, { contentType: 'application/merge-patch+json' });
    expect(status.status).toBe(200);
    await kubectlOk(s.h, ['patch', 'pvc', 'grow', '-p', '{"spec":{"resources":{"requests":{"storage":"5Gi"}}}}']);
    const shrink = await kubectl(s.h, ['patch', 'pvc', 'grow', '-p', '{"spec":{"resources":{"requests":{"storage":"1Gi"}}}}']);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toContain('spec.resources.requests.storage: Forbidden: field can not be less than status.capacity');
    // Down to above status.capacity is allowed (RecoverVolumeExpansionFailure).
    await kubectlOk(s.h, ['patch', 'pvc', 'grow', '-p', '{"spec":{"resources":{"requests":{"storage":"3Gi"}}}}']);
  });

  it('a StorageClass: provisioner required, bad binding mode; provisioner and parameters immutable', async () => {
    const err = await refused(JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nope' }, provisioner: '', volumeBindingMode: 'Later', reclaimPolicy: 'Recycle' }));
    expect(err).toContain('provisioner: Required value');
    expect(err).toContain('volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"');
    expect(err).toContain('reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"');
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'imm' }, provisioner: 'a.example/one', parameters: { type: 'ssd' } }));
    const upd = await kubectl(s.h, ['patch', 'sc', 'imm', '-p', '{"provisioner":"b.example/two","parameters":{"type":"hdd"}}']);
    expect(upd.code).toBe(1);
    expect(upd.stderr).toContain('parameters: Forbidden: updates to parameters are forbidden.');
    expect(upd.stderr).toContain('provisioner: Forbidden: updates to provisioner are forbidden.');
  });

  it('a PV: the volume source is immutable', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], pv('imm-pv', hostPathSpec('1Gi')));
    const r = await kubectl(s.h, ['patch', 'pv', 'imm-pv', '-p', '{"spec":{"hostPath":{"path":"/elsewhere"}}}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation');
  });
});

describe('storage admission', () => {
  const sc = (name: string, isDefault: boolean, extra: Record<string, unknown> = {}): string => JSON.stringify({
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', provisioner: 'example.com/p',
    metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) }, ...extra,
  });
  const claimIn = (ns: string, name: string, spec: Record<string, unknown> = {}): string => JSON.stringify({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: ns },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  });
  const classOf = async (ns: string, name: string): Promise<unknown> =>
    JSON.parse(await kubectlOk(s.h, ['get', 'pvc', name, '-n', ns, '-o', 'json'])).spec.storageClassName;

  it('DefaultStorageClass: a claim without a class gets the default (the newest of several); "" stays ""', async () => {
    await kubectlOk(s.h, ['create', 'namespace', 'dsc']);
    await kubectlOk(s.h, ['delete', 'sc', 'local-path', '--ignore-not-found']);
    await kubectlOk(s.h, ['create', '-f', '-'], claimIn('dsc', 'before-any-default'));
    expect(await classOf('dsc', 'before-any-default')).toBeUndefined();
    await kubectlOk(s.h, ['create', '-f', '-'], sc('older-default', true));
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has second precision
    await kubectlOk(s.h, ['create', '-f', '-'], sc('newer-default', true));
    await kubectlOk(s.h, ['create', '-f', '-'], claimIn('dsc', 'no-class'));
    expect(await classOf('dsc', 'no-class')).toBe('newer-default');
    await kubectlOk(s.h, ['create', '-f', '-'], claimIn('dsc', 'explicitly-none', { storageClassName: '' }));
    expect(await classOf('dsc', 'explicitly-none')).toBe('');
    await kubectlOk(s.h, ['create', '-f', '-'], claimIn('dsc', 'named', { storageClassName: 'older-default' }));
    expect(await classOf('dsc', 'named')).toBe('older-default');
    await kubectlOk(s.h, ['delete', 'sc', 'older-default', 'newer-default']);
  });

  it('StorageObjectInUseProtection: PVs and claims are created with their protection finalizer', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], pv('protected-pv', hostPathSpec('1Gi')));
    expect(JSON.parse(await kubectlOk(s.h, ['get', 'pv', 'protected-pv', '-o', 'json'])).metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    await kubectlOk(s.h, ['create', '-f', '-'], claimIn('default', 'protected-claim', { storageClassName: 'manual' }));
    expect(JSON.parse(await kubectlOk(s.h, ['get', 'pvc', 'protected-claim', '-o', 'json'])).metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
  });

  it('PersistentVolumeClaimResize: growing a bound claim whose class does not allow expansion is forbidden', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], sc('fixed-size', false));
    await kubectlOk(s.h, ['create', '-f', '-'], claimIn('default', 'fixed', { storageClassName: 'fixed-size' }));
    // An unbound claim's spec is immutable: validation answers before the validating plugin (upstream's order too).
    const unbound = await kubectl(s.h, ['patch', 'pvc', 'fixed', '-p', '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
    expect(unbound.code).toBe(1);
    expect(unbound.stderr).toContain('spec: Forbidden: spec is immutable after creation except resources.requests');
    const bound = await api(s.h, 'PATCH', '/api/v1/namespaces/default/persistentvolumeclaims/fixed/status',
      { status: { phase: 'Bound', capacity: { storage: '1Gi' } } }, { contentType: 'application/merge-patch+json' });
    expect(bound.status).toBe(200);
    const r = await kubectl(s.h, ['patch', 'pvc', 'fixed', '-p', '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('persistentvolumeclaims "fixed" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  });
});
