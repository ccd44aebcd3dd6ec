/** The storage admission plugins (pure): DefaultStorageClass, StorageObjectInUseProtection, PersistentVolumeClaimResize. */
import { describe, expect, it } from 'vitest';
import type { AdmissionAttributes, AdmissionState, Operation } from '../../../control-plane/apiserver/admission.js';
import {
  claimHasClass, defaultStorageClass, defaultStorageClassOf, persistentVolumeClaimResize, resizeAllowed, storageObjectInUseProtection,
} from '../../../control-plane/apiserver/admission-storage.js';
import type { UserInfo } from '../../../control-plane/apiserver/authn.js';

type Obj = Record<string, any>;
const admin: UserInfo = { name: 'admin', groups: ['system:masters'] };
const DEFAULT = { 'storageclass.kubernetes.io/is-default-class': 'true' };
const sc = (name: string, created: string, o: Obj = {}): Obj => ({ metadata: { name, creationTimestamp: created, ...(o.meta ?? {}) }, provisioner: 'p', ...(o.body ?? {}) });

function stateOf(classes: Obj[]): AdmissionState {
  return {
    node: () => undefined,
    pod: () => undefined,
    get: (g, r, _ns, name) => (g === 'storage.k8s.io' && r === 'storageclasses' ? classes.find((c) => c.metadata.name === name) : undefined),
    list: (g, r) => (g === 'storage.k8s.io' && r === 'storageclasses' ? classes : []),
    read: async () => undefined,
    updateStatus: async (_g, _r, obj) => obj,
  };
}

const attrs = (resource: string, operation: Operation, object: Obj, oldObject?: Obj, subresource = ''): AdmissionAttributes => ({
  operation, group: '', resource, subresource, namespace: resource === 'persistentvolumes' ? '' : 'default',
  name: object.metadata?.name ?? '', object, ...(oldObject ? { oldObject } : {}), user: admin, dryRun: false,
});

describe('defaultStorageClassOf (util.GetDefaultClass)', () => {
  const cases: { name: string; classes: Obj[]; want: string | undefined }[] = [
    { name: 'no classes', classes: [], want: undefined },
    { name: 'no default', classes: [sc('a', '2026-01-01T00:00:00Z')], want: undefined },
    { name: 'one default', classes: [sc('a', '2026-01-01T00:00:00Z'), sc('b', '2026-01-01T00:00:00Z', { meta: { annotations: DEFAULT } })], want: 'b' },
    { name: 'the beta annotation counts', classes: [sc('beta', '2026-01-01T00:00:00Z', { meta: { annotations: { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } } })], want: 'beta' },
    { name: '"false" is not default', classes: [sc('f', '2026-01-01T00:00:00Z', { meta: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } } })], want: undefined },
    { name: 'several: the newest', classes: [sc('old', '2026-01-01T00:00:00Z', { meta: { annotations: DEFAULT } }), sc('new', '2026-02-01T00:00:00Z', { meta: { annotations: DEFAULT } })], want: 'new' },
    { name: 'same time: the first name', classes: [sc('z', '2026-01-01T00:00:00Z', { meta: { annotations: DEFAULT } }), sc('m', '2026-01-01T00:00:00Z', { meta: { annotations: DEFAULT } })], want: 'm' },
  ];
  for (const c of cases) it(c.name, () => expect(defaultStorageClassOf(c.classes)?.metadata?.name).toBe(c.want));
});

describe('DefaultStorageClass', () => {
  const classes = [sc('std', '2026-01-01T00:00:00Z', { meta: { annotations: DEFAULT } })];
  const claim = (spec: Obj, annotations?: Obj): Obj => ({ metadata: { name: 'c', ...(annotations ? { annotations } : {}) }, spec });
  it('a claim with no class gets the default', () => {
    const c = claim({});
    expect(defaultStorageClass.admit!(attrs('persistentvolumeclaims', 'CREATE', c), stateOf(classes))).toBeUndefined();
    expect(c.spec.storageClassName).toBe('std');
  });
  it('"" and a named class are kept; so is a claim with the beta annotation', () => {
    for (const c of [claim({ storageClassName: '' }), claim({ storageClassName: 'other' })]) {
      const before = c.spec.storageClassName;
      defaultStorageClass.admit!(attrs('persistentvolumeclaims', 'CREATE', c), stateOf(classes));
      expect(c.spec.storageClassName).toBe(before);
    }
    const beta = claim({}, { 'volume.beta.kubernetes.io/storage-class': 'x' });
    expect(claimHasClass(beta)).toBe(true);
    defaultStorageClass.admit!(attrs('persistentvolumeclaims', 'CREATE', beta), stateOf(classes));
    expect(beta.spec.storageClassName).toBeUndefined();
  });
  it('no default class: unchanged; other resources and subresources: not its business', () => {
    const c = claim({});
    defaultStorageClass.admit!(attrs('persistentvolumeclaims', 'CREATE', c), stateOf([]));
    expect(c.spec.storageClassName).toBeUndefined();
    const st = claim({});
    defaultStorageClass.admit!(attrs('persistentvolumeclaims', 'CREATE', st, undefined, 'status'), stateOf(classes));
    expect(st.spec.storageClassName).toBeUndefined();
    expect(defaultStorageClass.operations).toEqual(['CREATE']);
  });
});

describe('StorageObjectInUseProtection', () => {
  const cases: { resource: string; finalizers?: string[]; want: string[] | undefined }[] = [
    { resource: 'persistentvolumes', want: ['kubernetes.io/pv-protection'] },
    { resource: 'persistentvolumeclaims', want: ['kubernetes.io/pvc-protection'] },
    { resource: 'persistentvolumeclaims', finalizers: ['example.com/keep'], want: ['example.com/keep', 'kubernetes.io/pvc-protection'] },
    { resource: 'persistentvolumeclaims', finalizers: ['kubernetes.io/pvc-protection'], want: ['kubernetes.io/pvc-protection'] },
    { resource: 'configmaps', want: undefined },
  ];
  for (const c of cases) {
    it(`${c.resource} with ${JSON.stringify(c.finalizers ?? [])}`, () => {
      const o: Obj = { metadata: { name: 'x', ...(c.finalizers ? { finalizers: c.finalizers } : {}) } };
      storageObjectInUseProtection.admit!(attrs(c.resource, 'CREATE', o), stateOf([]));
      expect(o.metadata.finalizers).toEqual(c.want);
    });
  }
});

describe('PersistentVolumeClaimResize', () => {
  const classes = [sc('grows', '2026-01-01T00:00:00Z', { body: { allowVolumeExpansion: true } }), sc('fixed', '2026-01-01T00:00:00Z')];
  const claim = (cls: string | undefined, size: string, phase = 'Bound'): Obj => ({
    metadata: { name: 'c' }, spec: { ...(cls !== undefined ? { storageClassName: cls } : {}), resources: { requests: { storage: size } } }, status: { phase },
  });
  const cases: { name: string; old: Obj; new: Obj; forbidden?: string }[] = [
    { name: 'grow in an expandable class', old: claim('grows', '1Gi'), new: claim('grows', '2Gi') },
    { name: 'same size in a fixed class', old: claim('fixed', '1Gi'), new: claim('fixed', '1Gi') },
    { name: 'shrink is validation\'s business', old: claim('fixed', '2Gi'), new: claim('fixed', '1Gi') },
    { name: 'grow in a fixed class', old: claim('fixed', '1Gi'), new: claim('fixed', '2Gi'), forbidden: 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize' },
    { name: 'grow with no class', old: claim(undefined, '1Gi'), new: claim(undefined, '2Gi'), forbidden: 'only dynamically provisioned pvc can be resized' },
    { name: 'grow in an unknown class', old: claim('gone', '1Gi'), new: claim('gone', '2Gi'), forbidden: 'only dynamically provisioned pvc can be resized' },
    { name: 'grow an unbound claim', old: claim('grows', '1Gi', 'Pending'), new: claim('grows', '2Gi', 'Pending'), forbidden: 'Only bound persistent volume claims can be expanded' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const err = await persistentVolumeClaimResize.validate!(attrs('persistentvolumeclaims', 'UPDATE', c.new, c.old), stateOf(classes));
      if (c.forbidden) {
        expect(err?.httpStatus).toBe(403);
        expect(err?.message).toContain(`persistentvolumeclaims "c" is forbidden: ${c.forbidden}`);
      } else expect(err).toBeUndefined();
    });
  }
  it('resizeAllowed wants the same class before and after', () => {
    const lookup = (n: string) => classes.find((x) => x.metadata.name === n);
    expect(resizeAllowed(claim('grows', '2Gi'), claim('fixed', '1Gi'), lookup)).toBe(false);
    expect(resizeAllowed(claim('grows', '2Gi'), claim('grows', '1Gi'), lookup)).toBe(true);
  });
});
