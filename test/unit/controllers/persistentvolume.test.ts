/** The PersistentVolume controller's pure decisions, from tables: matching, claim and volume syncs, reclaim, protection. */
import { describe, expect, it } from 'vitest';
import {
  ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_STORAGE_PROVISIONER, decideClaim, decidePvProtection, decidePvcProtection,
  decideReclaim, decideVolume, findBestMatchForClaim, unbindVolume, volumeFitsNode, type PV, type PVC, type SC,
} from '../../../control-plane/controllers/persistentvolume/decide.js';

const pv = (name: string, size: string, o: { modes?: string[]; cls?: string; labels?: Record<string, string>; phase?: string; claimRef?: PV['spec'] extends infer S ? S extends { claimRef?: infer C } ? C : never : never; mode?: string; affinity?: unknown; policy?: string; ann?: Record<string, string>; hostPath?: string; deleting?: boolean } = {}): PV => ({
  metadata: { name, ...(o.labels ? { labels: o.labels } : {}), ...(o.ann ? { annotations: o.ann } : {}), ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: {
    capacity: { storage: size }, accessModes: o.modes ?? ['ReadWriteOnce'], storageClassName: o.cls ?? 'manual',
    ...(o.hostPath !== undefined ? { hostPath: { path: o.hostPath } } : { hostPath: { path: '/mnt/data' } }),
    ...(o.claimRef ? { claimRef: o.claimRef } : {}), ...(o.mode ? { volumeMode: o.mode } : {}),
    ...(o.affinity ? { nodeAffinity: o.affinity as never } : {}), persistentVolumeReclaimPolicy: o.policy ?? 'Retain',
  },
  status: { phase: o.phase ?? 'Available' },
});
const pvc = (name: string, size: string, o: { modes?: string[]; cls?: string | null; selector?: unknown; volumeName?: string; ann?: Record<string, string>; mode?: string; phase?: string } = {}): PVC => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '7', ...(o.ann ? { annotations: o.ann } : {}) },
  spec: {
    accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: size } },
    ...(o.cls === null ? {} : { storageClassName: o.cls ?? 'manual' }), ...(o.selector ? { selector: o.selector as never } : {}),
    ...(o.volumeName ? { volumeName: o.volumeName } : {}), ...(o.mode ? { volumeMode: o.mode } : {}),
  },
  status: { phase: o.phase ?? 'Pending' },
});

describe('findBestMatchForClaim', () => {
  const cases: { name: string; claim: PVC; volumes: PV[]; want: string | undefined; node?: Record<string, unknown>; delay?: boolean }[] = [
    { name: 'the smallest that fits', claim: pvc('c', '3Gi'), volumes: [pv('a', '20Gi'), pv('b', '10Gi'), pv('tiny', '1Gi')], want: 'b' },
    { name: 'equal size fits', claim: pvc('c', '1Gi'), volumes: [pv('a', '1024Mi')], want: 'a' },
    { name: 'nothing big enough', claim: pvc('c', '1Ti'), volumes: [pv('a', '20Gi')], want: undefined },
    { name: 'class must match', claim: pvc('c', '1Gi', { cls: 'fast' }), volumes: [pv('a', '1Gi'), pv('f', '5Gi', { cls: 'fast' })], want: 'f' },
    { name: '"" class takes only classless volumes', claim: pvc('c', '1Gi', { cls: '' }), volumes: [pv('a', '1Gi'), pv('none', '2Gi', { cls: '' })], want: 'none' },
    { name: 'access modes must be included', claim: pvc('c', '1Gi', { modes: ['ReadWriteMany'] }), volumes: [pv('a', '1Gi'), pv('rwx', '9Gi', { modes: ['ReadWriteOnce', 'ReadWriteMany'] })], want: 'rwx' },
    { name: 'the fewest modes first, even if bigger', claim: pvc('c', '1Gi'), volumes: [pv('many', '1Gi', { modes: ['ReadWriteOnce', 'ReadOnlyMany'] }), pv('one', '5Gi')], want: 'one' },
    { name: 'selector', claim: pvc('c', '1Gi', { selector: { matchLabels: { tier: 'gold' } } }), volumes: [pv('a', '1Gi'), pv('g', '2Gi', { labels: { tier: 'gold' } })], want: 'g' },
    { name: 'volume mode', claim: pvc('c', '1Gi', { mode: 'Block' }), volumes: [pv('fs', '1Gi'), pv('blk', '2Gi', { mode: 'Block' })], want: 'blk' },
    { name: 'not Available', claim: pvc('c', '1Gi'), volumes: [pv('rel', '1Gi', { phase: 'Released' })], want: undefined },
    { name: 'deleting', claim: pvc('c', '1Gi'), volumes: [pv('del', '1Gi', { deleting: true })], want: undefined },
    { name: 'pre-bound to another claim', claim: pvc('c', '1Gi'), volumes: [pv('other', '1Gi', { claimRef: { namespace: 'ns', name: 'x' } })], want: undefined },
    { name: 'pre-bound to this claim wins over a smaller one', claim: pvc('c', '1Gi'), volumes: [pv('small', '1Gi'), pv('mine', '9Gi', { claimRef: { namespace: 'ns', name: 'c' } })], want: 'mine' },
    { name: 'WaitForFirstConsumer: only pre-bound', claim: pvc('c', '1Gi'), volumes: [pv('a', '1Gi')], delay: true, want: undefined },
    {
      name: 'node affinity on the scheduler path', claim: pvc('c', '1Gi'), node: { metadata: { name: 'n2', labels: { 'kubernetes.io/hostname': 'n2' } } },
      volumes: [
        pv('on-n1', '1Gi', { affinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } } }),
        pv('on-n2', '2Gi', { affinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] }] }] } } }),
      ],
      want: 'on-n2',
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(findBestMatchForClaim(c.claim, c.volumes, { ...(c.node ? { node: c.node as never } : {}), ...(c.delay ? { delayBinding: true } : {}) })?.metadata?.name).toBe(c.want));
  }
  it('volumeFitsNode: no affinity fits all; NotIn excludes', () => {
    const node = { metadata: { name: 'n1', labels: { zone: 'a' } } } as never;
    expect(volumeFitsNode(pv('a', '1Gi'), node)).toBe(true);
    expect(volumeFitsNode(pv('b', '1Gi', { affinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }] } } }), node)).toBe(false);
  });
});

describe('decideClaim', () => {
  const classes: Record<string, SC> = {
    ext: { metadata: { name: 'ext' }, provisioner: 'example.com/ext' },
    wffc: { metadata: { name: 'wffc' }, provisioner: 'example.com/ext', volumeBindingMode: 'WaitForFirstConsumer' },
    intree: { metadata: { name: 'intree' }, provisioner: 'kubernetes.io/no-provisioner' },
  };
  const state = (volumes: PV[]) => ({ volumes, volume: (n: string) => volumes.find((v) => v.metadata?.name === n), storageClass: (n: string) => classes[n] });

  it('binds: the volume gets claimRef + bound-by-controller, the claim volumeName + bind-completed, both Bound', () => {
    const plan = decideClaim(pvc('c', '1Gi'), state([pv('v', '2Gi')]));
    expect(plan.volume?.spec?.claimRef).toEqual({ kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'c', uid: 'uid-c', apiVersion: 'v1', resourceVersion: '7' });
    expect(plan.volume?.metadata?.annotations).toEqual({ [ANN_BOUND_BY_CONTROLLER]: 'yes' });
    expect(plan.volumeStatus).toEqual({ phase: 'Bound' });
    expect(plan.claim?.spec?.volumeName).toBe('v');
    expect(plan.claim?.metadata?.annotations).toEqual({ [ANN_BOUND_BY_CONTROLLER]: 'yes', [ANN_BIND_COMPLETED]: 'yes' });
    expect(plan.claimStatus?.phase).toBe('Bound');
  });
  it('a user pre-binding (claimRef without uid) is not marked bound-by-controller on the volume', () => {
    const plan = decideClaim(pvc('c', '1Gi'), state([pv('v', '2Gi', { claimRef: { namespace: 'ns', name: 'c' } })]));
    expect(plan.volume?.spec?.claimRef?.uid).toBe('uid-c');
    expect(plan.volume?.metadata?.annotations).toBeUndefined();
  });
  const events: { name: string; claim: PVC; volumes?: PV[]; reason: string; message: string; claimPatch?: boolean }[] = [
    { name: 'no class, nothing fits', claim: pvc('c', '5Gi', { cls: '' }), reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' },
    { name: 'WaitForFirstConsumer', claim: pvc('c', '5Gi', { cls: 'wffc' }), volumes: [pv('v', '9Gi', { cls: 'wffc' })], reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' },
    { name: 'unknown class', claim: pvc('c', '5Gi', { cls: 'nope' }), reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "nope" not found' },
    { name: 'in-tree provisioner kubelab lacks', claim: pvc('c', '5Gi', { cls: 'intree' }), reason: 'ProvisioningFailed', message: 'no volume plugin matched name: kubernetes.io/no-provisioner' },
    { name: 'external provisioner', claim: pvc('c', '5Gi', { cls: 'ext' }), reason: 'ExternalProvisioning', message: "Waiting for a volume to be created either by the external provisioner 'example.com/ext' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.", claimPatch: true },
    { name: 'WaitForFirstConsumer with a selected node provisions', claim: pvc('c', '5Gi', { cls: 'wffc', ann: { 'volume.kubernetes.io/selected-node': 'n1' } }), reason: 'ExternalProvisioning', message: "Waiting for a volume to be created either by the external provisioner 'example.com/ext' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.", claimPatch: true },
    { name: 'requested volume too small', claim: pvc('c', '5Gi', { volumeName: 'v' }), volumes: [pv('v', '1Gi')], reason: 'VolumeMismatch', message: 'Cannot bind to requested volume "v": requested PV is too small' },
    { name: 'requested volume of another class', claim: pvc('c', '1Gi', { volumeName: 'v' }), volumes: [pv('v', '1Gi', { cls: 'x' })], reason: 'VolumeMismatch', message: 'Cannot bind to requested volume "v": storageClassName does not match' },
    { name: 'bound claim lost its volume', claim: pvc('c', '1Gi', { volumeName: 'gone', ann: { [ANN_BIND_COMPLETED]: 'yes' }, phase: 'Bound' }), reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' },
    { name: 'misbound', claim: pvc('c', '1Gi', { volumeName: 'v', ann: { [ANN_BIND_COMPLETED]: 'yes' }, phase: 'Bound' }), volumes: [pv('v', '1Gi', { claimRef: { namespace: 'ns', name: 'other', uid: 'u2' }, phase: 'Bound' })], reason: 'ClaimMisbound', message: 'Two claims are bound to the same volume, this one is bound incorrectly' },
  ];
  for (const e of events) {
    it(`${e.name}: ${e.reason}`, () => {
      const plan = decideClaim(e.claim, state(e.volumes ?? []));
      expect(plan.events.map((x) => [x.reason, x.message])).toEqual([[e.reason, e.message]]);
      expect(plan.volume).toBeUndefined();
      if (e.claimPatch) expect(plan.claim?.metadata?.annotations?.[ANN_STORAGE_PROVISIONER]).toBe('example.com/ext');
    });
  }
  it('an already-bound claim and volume: nothing to write', () => {
    const v = pv('v', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'uid-c' }, phase: 'Bound', ann: { [ANN_BOUND_BY_CONTROLLER]: 'yes' } });
    const c = pvc('c', '1Gi', { volumeName: 'v', ann: { [ANN_BIND_COMPLETED]: 'yes', [ANN_BOUND_BY_CONTROLLER]: 'yes' }, phase: 'Bound' });
    c.status = { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } };
    expect(decideClaim(c, state([v]))).toEqual({ events: [] });
  });
});

describe('decideVolume and reclaim', () => {
  const bound = (o: Parameters<typeof pv>[2] = {}) => pv('v', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'uid-c' }, phase: 'Bound', ...o });
  const none = { claim: () => undefined };
  const cases: { name: string; volume: PV; claim?: PVC; want: Partial<ReturnType<typeof decideVolume>> }[] = [
    { name: 'unclaimed -> Available', volume: pv('v', '1Gi', { phase: 'Pending' }), want: { volumeStatus: { phase: 'Available' } } },
    { name: 'pre-bound (no uid) -> Available', volume: pv('v', '1Gi', { phase: 'Pending', claimRef: { namespace: 'ns', name: 'c' } }), want: { volumeStatus: { phase: 'Available' } } },
    { name: 'claim gone, Retain -> Released', volume: bound(), want: { volumeStatus: { phase: 'Released' } } },
    { name: 'claim recreated (other uid), Retain -> Released', volume: bound(), claim: { ...pvc('c', '1Gi'), metadata: { name: 'c', namespace: 'ns', uid: 'uid-new' } }, want: { volumeStatus: { phase: 'Released' } } },
    { name: 'claim gone, Delete, hostPath outside /tmp -> Failed', volume: bound({ policy: 'Delete' }), want: { volumeStatus: { phase: 'Failed', message: 'host_path deleter only supports /tmp/.+ but received provided /mnt/data' } } },
    { name: 'claim gone, Delete, hostPath under /tmp -> deleted', volume: bound({ policy: 'Delete', hostPath: '/tmp/vol1' }), want: { deleteVolume: true } },
    { name: 'claim gone, Delete, provisioned externally -> waits', volume: bound({ policy: 'Delete', ann: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }), want: { volumeStatus: { phase: 'Released' } } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = decideVolume(c.volume, c.claim ? { claim: () => c.claim } : none);
      expect(plan).toMatchObject(c.want);
      if (!c.want.deleteVolume) expect(plan.deleteVolume).toBeUndefined();
    });
  }
  it('Failed stays Failed without a second event', () => {
    const failed = bound({ policy: 'Delete', phase: 'Failed' });
    failed.status = { phase: 'Failed', message: 'host_path deleter only supports /tmp/.+ but received provided /mnt/data' };
    expect(decideVolume(failed, none)).toEqual({ events: [] });
  });
  it('reclaim policies', () => {
    expect(decideReclaim(bound({ policy: 'Retain', phase: 'Released' }))).toEqual({ events: [] });
    expect(decideReclaim(bound({ policy: 'Recycle', phase: 'Released' })).volumeStatus).toEqual({ phase: 'Failed', message: 'No recycler plugin found for the volume!' });
    const nfs = bound({ policy: 'Delete', phase: 'Released' });
    delete nfs.spec!.hostPath;
    nfs.spec!.nfs = { server: 's', path: '/x' };
    expect(decideReclaim(nfs).volumeStatus?.message).toBe('error getting deleter volume plugin for volume "v": no deletable volume plugin matched');
  });
  it('bound to a claim bound elsewhere: the controller\'s binding undone, a user\'s keeps the name', () => {
    const other = pvc('c', '1Gi', { volumeName: 'w' });
    const byController = bound({ ann: { [ANN_BOUND_BY_CONTROLLER]: 'yes' } });
    const planA = decideVolume(byController, { claim: () => ({ ...other, metadata: { ...other.metadata, uid: 'uid-c' } }) });
    expect(planA.volume?.spec?.claimRef).toBeUndefined();
    expect(planA.volumeStatus).toEqual({ phase: 'Available' });
    expect(unbindVolume(bound()).volume?.spec?.claimRef).toMatchObject({ name: 'c', uid: '' });
  });
  it('a volume bound to a claim that has not got its volumeName yet: sync that claim', () => {
    expect(decideVolume(bound(), { claim: () => pvc('c', '1Gi') }).syncClaims).toEqual(['ns/c']);
  });
});

describe('protection', () => {
  const deleting = <T extends { metadata?: object }>(o: T, finalizers: string[]): T => ({ ...o, metadata: { ...o.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers } });
  const pod = (claim: string, nodeName?: string) => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { ...(nodeName ? { nodeName } : {}), volumes: [{ name: 'd', persistentVolumeClaim: { claimName: claim } }] } });
  const F = 'kubernetes.io/pvc-protection';
  const cases: { name: string; claim: PVC; pods: ReturnType<typeof pod>[]; want: 'add' | 'remove' | undefined }[] = [
    { name: 'live claim without the finalizer: add', claim: pvc('c', '1Gi'), pods: [], want: 'add' },
    { name: 'live claim with it: nothing', claim: { ...pvc('c', '1Gi'), metadata: { name: 'c', finalizers: [F] } }, pods: [], want: undefined },
    { name: 'deleting, unused: remove', claim: deleting(pvc('c', '1Gi'), [F]), pods: [], want: 'remove' },
    { name: 'deleting, a scheduled pod uses it: keep', claim: deleting(pvc('c', '1Gi'), [F]), pods: [pod('c', 'n1')], want: undefined },
    { name: 'deleting, an unscheduled pod names it: remove', claim: deleting(pvc('c', '1Gi'), [F]), pods: [pod('c')], want: 'remove' },
    { name: 'deleting, pods use other claims: remove', claim: deleting(pvc('c', '1Gi'), [F]), pods: [pod('d', 'n1')], want: 'remove' },
  ];
  for (const c of cases) it(`pvc: ${c.name}`, () => expect(decidePvcProtection(c.claim, c.pods)).toBe(c.want));
  it('pv: add to a live volume; remove only when not Bound', () => {
    const G = 'kubernetes.io/pv-protection';
    expect(decidePvProtection(pv('v', '1Gi'))).toBe('add');
    expect(decidePvProtection(deleting(pv('v', '1Gi', { phase: 'Bound' }), [G]))).toBeUndefined();
    expect(decidePvProtection(deleting(pv('v', '1Gi', { phase: 'Released' }), [G]))).toBe('remove');
  });
});
