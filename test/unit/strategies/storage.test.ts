/** PersistentVolume, PersistentVolumeClaim and StorageClass defaults, validation and printing (pure), with upstream's messages. */
import { describe, expect, it } from 'vitest';
import {
  accessModesAsString, defaultPersistentVolume, defaultStorageClass, validatePersistentVolume, validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate, validateStorageClass, validateStorageClassUpdate,
} from '../../../api/strategies/storage.js';
import { persistentVolumeCells, persistentVolumeClaimCells, storageClassCells } from '../../../api/strategies/printers.js';

type Obj = Record<string, any>;
const msgs = (causes: { field?: string; message?: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);
const pv = (spec: Obj): Obj => ({ metadata: { name: 'v' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/d' }, ...spec } });
const pvc = (spec: Obj, status?: Obj): Obj => ({ metadata: { name: 'c', namespace: 'ns', resourceVersion: '1' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec }, ...(status ? { status } : {}) });

describe('PersistentVolume validation', () => {
  const cases: { name: string; spec: Obj; want: string[] }[] = [
    { name: 'valid', spec: {}, want: [] },
    { name: 'no modes', spec: { accessModes: [] }, want: ['spec.accessModes: Required value'] },
    { name: 'bad mode', spec: { accessModes: ['RWO'] }, want: ['spec.accessModes: Unsupported value: "RWO": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"'] },
    { name: 'no capacity', spec: { capacity: undefined }, want: ['spec.capacity: Required value'] },
    { name: 'capacity other than storage', spec: { capacity: { storage: '1Gi', cpu: '1' } }, want: ['spec.capacity: Unsupported value: {"storage":"1Gi","cpu":"1"}: supported values: "storage"'] },
    { name: 'no source', spec: { hostPath: undefined }, want: ['spec: Required value: must specify a volume type'] },
    { name: 'hostPath type', spec: { hostPath: { path: '/d', type: 'Dir' } }, want: ['spec.hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"'] },
    { name: 'hostPath ..', spec: { hostPath: { path: '/a/../b' } }, want: ['spec.hostPath.path: Invalid value: "/a/../b": must not contain \'..\''] },
    { name: 'local needs node affinity', spec: { hostPath: undefined, local: { path: '/mnt/disk' } }, want: ['spec.nodeAffinity: Required value: Local volume requires node affinity'] },
    { name: 'reclaim policy', spec: { persistentVolumeReclaimPolicy: 'Keep' }, want: ['spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"'] },
    { name: 'class name', spec: { storageClassName: 'Bad_Name' }, want: ['spec.storageClassName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')'] },
  ];
  for (const c of cases) it(c.name, () => expect(msgs(validatePersistentVolume(pv(c.spec) as never))).toEqual(c.want));
  it('defaults: Retain, Filesystem, hostPath type "", phase Pending', () => {
    const v = pv({});
    defaultPersistentVolume(v as never);
    expect([v.spec.persistentVolumeReclaimPolicy, v.spec.volumeMode, v.spec.hostPath.type, v.status.phase]).toEqual(['Retain', 'Filesystem', '', 'Pending']);
  });
});

describe('PersistentVolumeClaim validation', () => {
  const cases: { name: string; spec: Obj; want: string[] }[] = [
    { name: 'valid', spec: {}, want: [] },
    { name: 'no modes', spec: { accessModes: undefined }, want: ['spec.accessModes: Required value: at least 1 access mode is required'] },
    { name: 'no storage', spec: { resources: {} }, want: ['spec.resources[storage]: Required value'] },
    { name: 'zero storage', spec: { resources: { requests: { storage: '0' } } }, want: ['spec.resources[storage]: Invalid value: "0": must be greater than zero'] },
    { name: 'RWOP with another', spec: { accessModes: ['ReadWriteOncePod', 'ReadOnlyMany'] }, want: ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes'] },
    { name: 'volumeMode', spec: { volumeMode: 'Raw' }, want: ['spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"'] },
  ];
  for (const c of cases) it(c.name, () => expect(msgs(validatePersistentVolumeClaim(pvc(c.spec) as never))).toEqual(c.want));

  const updates: { name: string; old: Obj; new: Obj; want: string[] }[] = [
    { name: 'volumeName set once', old: pvc({}), new: pvc({ volumeName: 'v' }), want: [] },
    { name: 'class set while unset', old: pvc({}), new: pvc({ storageClassName: 'std' }), want: [] },
    { name: 'bound: grow', old: pvc({}, { phase: 'Bound', capacity: { storage: '1Gi' } }), new: pvc({ resources: { requests: { storage: '2Gi' } } }, { phase: 'Bound' }), want: [] },
    { name: 'bound: shrink to status.capacity', old: pvc({ resources: { requests: { storage: '2Gi' } } }, { phase: 'Bound', capacity: { storage: '1Gi' } }), new: pvc({ resources: { requests: { storage: '1Gi' } } }, { phase: 'Bound' }), want: ['spec.resources.requests.storage: Forbidden: field can not be less than status.capacity'] },
    { name: 'bound: shrink above status.capacity', old: pvc({ resources: { requests: { storage: '3Gi' } } }, { phase: 'Bound', capacity: { storage: '1Gi' } }), new: pvc({ resources: { requests: { storage: '2Gi' } } }, { phase: 'Bound' }), want: [] },
  ];
  for (const u of updates) it(`update: ${u.name}`, () => expect(msgs(validatePersistentVolumeClaimUpdate(u.new as never, u.old as never))).toEqual(u.want));
  it('update: another spec change is forbidden, naming the change', () => {
    const m = msgs(validatePersistentVolumeClaimUpdate(pvc({ accessModes: ['ReadWriteMany'] }) as never, pvc({}) as never));
    expect(m).toHaveLength(1);
    expect(m[0]).toMatch(/^spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n {2}accessModes/);
  });
});

describe('StorageClass', () => {
  it('defaults and validation', () => {
    const sc: Obj = { metadata: { name: 's', resourceVersion: '1' }, provisioner: 'example.com/x' };
    defaultStorageClass(sc as never);
    expect([sc.reclaimPolicy, sc.volumeBindingMode]).toEqual(['Delete', 'Immediate']);
    expect(validateStorageClass(sc as never)).toEqual([]);
    expect(msgs(validateStorageClass({ ...sc, provisioner: 'Not A Name', parameters: { '': 'x' } } as never))).toEqual([
      'provisioner: Invalid value: "Not A Name": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
      'parameters: Invalid value: "": field can not be empty.',
    ]);
    expect(msgs(validateStorageClassUpdate({ ...sc, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' } as never, sc as never))).toEqual([
      'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
  });
});

describe('printers', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  it('access modes in upstream order', () => expect(accessModesAsString(['ReadWriteOncePod', 'ReadWriteMany', 'ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteOnce'])).toBe('RWO,ROX,RWX,RWOP'));
  it('a PV row; Terminating while deleting', () => {
    const v = { metadata: { name: 'v', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { capacity: { storage: '1024Mi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'ns', name: 'c' }, storageClassName: 'manual', volumeMode: 'Filesystem' }, status: { phase: 'Bound' } };
    expect(persistentVolumeCells(v as never, now)).toEqual(['v', '1Gi', 'RWO', 'Retain', 'Bound', 'ns/c', 'manual', '<unset>', '', '10m', 'Filesystem']);
    expect(persistentVolumeCells({ ...v, metadata: { ...v.metadata, deletionTimestamp: 'x' } } as never, now)[4]).toBe('Terminating');
  });
  it('a claim row shows capacity and modes only once bound', () => {
    const c = { metadata: { name: 'c', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { storageClassName: 'manual' }, status: { phase: 'Pending', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } };
    expect(persistentVolumeClaimCells(c as never, now)).toEqual(['c', 'Pending', '', '', '', 'manual', '<unset>', '10m', '<unset>']);
    expect(persistentVolumeClaimCells({ ...c, spec: { ...c.spec, volumeName: 'v' } } as never, now).slice(2, 5)).toEqual(['v', '1Gi', 'RWO']);
  });
  it('a class row: (default), Delete and Immediate when unset', () => {
    const sc = { metadata: { name: 's', creationTimestamp: '2026-01-01T00:00:00Z', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'p' };
    expect(storageClassCells(sc as never, now)).toEqual(['s (default)', 'p', 'Delete', 'Immediate', false, '10m']);
  });
});
