/** The StatefulSet controller's pure decisions: ordering, scale-down order, partitioned rollout, claims and retention. */
import { describe, expect, it } from 'vitest';
import { decideStatefulSet, type StatefulSetState, type StatefulSetStep } from '../../../control-plane/controllers/statefulset/decide.js';
import {
  claimIsStale,
  claimsFor,
  newStatefulSetPod,
  parentNameAndOrdinal,
  retentionOwnerRefs,
  storageMatches,
} from '../../../control-plane/controllers/statefulset/identity.js';
import { planRevisions, revisionsToDelete, templateOfRevision } from '../../../control-plane/controllers/statefulset/revisions.js';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from '../../../control-plane/controllers/util/types.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const T = (tag: string) => ({ metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: `busybox:${tag}` }] } });

function sts(spec: StatefulSet['spec'] = {}, status: StatefulSet['status'] = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'ns', uid: 'set-uid', generation: 3 },
    spec: {
      replicas: 3,
      serviceName: 'db',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      selector: { matchLabels: { app: 'db' } },
      template: T('new'),
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      ...spec,
    },
    status,
  };
}

type PodState = 'ready' | 'running' | 'pending' | 'failed' | 'terminating';
function pod(set: StatefulSet, ordinal: number, state: PodState = 'ready', rev = 'db-new'): Pod {
  const p = newStatefulSetPod(set, T(rev === 'db-new' ? 'new' : 'old'), ordinal, rev);
  p.metadata!.uid = `pod-${ordinal}`;
  const ready = state === 'ready' || state === 'terminating';
  p.status = {
    phase: state === 'pending' ? 'Pending' : state === 'failed' ? 'Failed' : 'Running',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }],
  };
  if (state === 'terminating') p.metadata!.deletionTimestamp = '2026-01-01T00:09:00Z';
  return p;
}

function claimMap(set: StatefulSet, ordinals: number[]): Map<string, PersistentVolumeClaim> {
  const m = new Map<string, PersistentVolumeClaim>();
  for (const o of ordinals) for (const c of claimsFor(set, o).values()) m.set(c.metadata!.name!, c);
  return m;
}

function decide(set: StatefulSet, pods: Pod[], claims = claimMap(set, pods.map((p) => parentNameAndOrdinal(p.metadata?.name)[1]))) {
  const st: StatefulSetState = {
    set,
    pods,
    claims,
    currentRevision: 'db-old',
    currentTemplate: T('old'),
    updateRevision: 'db-new',
    updateTemplate: T('new'),
    collisionCount: 0,
    now: NOW,
  };
  return decideStatefulSet(st);
}

const show = (steps: StatefulSetStep[]): string[] =>
  steps.map((s) => {
    if (s.op === 'createClaim') return `createClaim ${s.claim.metadata?.name}`;
    if (s.op === 'deletePod') return `deletePod ${s.pod.metadata?.name} (${s.why})`;
    if (s.op === 'updateClaimOwners') return `claimOwners ${s.claim.metadata?.name} [${s.ownerReferences.map((r) => r.kind).join(',')}]`;
    if (s.op === 'fixPodIdentity') return `fixIdentity ${s.pod.metadata?.name}`;
    return `createPod ${s.pod.metadata?.name} ${s.pod.metadata?.labels?.['controller-revision-hash']}`;
  });

describe('the pod a StatefulSet creates', () => {
  it('is <set>-<ordinal> with the identity labels, hostname, subdomain and a volume per claim template', () => {
    const set = sts({ template: { ...T('new'), spec: { ...T('new').spec, volumes: [{ name: 'data', emptyDir: {} }, { name: 'tmp', emptyDir: {} }] } } });
    const p = newStatefulSetPod(set, set.spec!.template, 2, 'db-abc');
    expect(p.metadata).toMatchObject({
      name: 'db-2',
      namespace: 'ns',
      labels: { app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-2', 'apps.kubernetes.io/pod-index': '2', 'controller-revision-hash': 'db-abc' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'set-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect(p.spec).toMatchObject({ hostname: 'db-2', subdomain: 'db' });
    // The claim replaces the template's volume of the same name.
    expect(p.spec?.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-2' } }, { name: 'tmp', emptyDir: {} }]);
    expect(storageMatches(set, p)).toBe(true);
  });

  it('claims are <template>-<set>-<ordinal> with the selector labels added', () => {
    const set = sts({ volumeClaimTemplates: [{ metadata: { name: 'www', labels: { tier: 'disk' } }, spec: { accessModes: ['ReadWriteOnce'] } }] });
    const c = claimsFor(set, 4).get('www')!;
    expect(c.metadata).toEqual({ name: 'www-db-4', namespace: 'ns', labels: { tier: 'disk', app: 'db' } });
    expect(c.spec).toEqual({ accessModes: ['ReadWriteOnce'] });
  });

  it('ordinals: names carry their ordinal, others are not members', () => {
    expect(parentNameAndOrdinal('web-12')).toEqual(['web', 12]);
    expect(parentNameAndOrdinal('my-web-0')).toEqual(['my-web', 0]);
    expect(parentNameAndOrdinal('web')).toEqual(['', -1]);
    expect(parentNameAndOrdinal('web-x')).toEqual(['', -1]);
  });
});

describe('OrderedReady: create in order, each Running and Ready before the next', () => {
  const set = sts();
  const cases: Array<[string, Pod[], string[]]> = [
    ['nothing yet: claim then pod 0 only', [], ['createClaim data-db-0', 'createPod db-0 db-new']],
    ['0 pending: wait', [pod(set, 0, 'pending')], []],
    ['0 running, not ready: wait', [pod(set, 0, 'running')], []],
    ['0 ready: create 1', [pod(set, 0)], ['createClaim data-db-1', 'createPod db-1 db-new']],
    ['0 and 1 ready: create 2', [pod(set, 0), pod(set, 1)], ['createClaim data-db-2', 'createPod db-2 db-new']],
    ['1 terminating: wait before 2', [pod(set, 0), pod(set, 1, 'terminating')], []],
    ['0 failed: delete it (recreated next sync), nothing else', [pod(set, 0, 'failed'), pod(set, 1)], ['deletePod db-0 (finished)']],
    ['all ready: nothing to do', [pod(set, 0), pod(set, 1), pod(set, 2)], []],
  ];
  for (const [name, pods, want] of cases) it(name, () => expect(show(decide(set, pods).steps)).toEqual(want));

  it('a claim that exists is not created again', () => {
    expect(show(decide(set, [], claimMap(set, [0])).steps)).toEqual(['createPod db-0 db-new']);
  });

  it('spec.ordinals.start numbers the pods from there', () => {
    const s = sts({ ordinals: { start: 5 }, replicas: 2 });
    expect(show(decide(s, []).steps)).toEqual(['createClaim data-db-5', 'createPod db-5 db-new']);
    expect(show(decide(s, [pod(s, 5)]).steps)).toEqual(['createClaim data-db-6', 'createPod db-6 db-new']);
  });
});

describe('Parallel: no waiting', () => {
  it('creates every missing pod at once, and deletes every condemned one at once', () => {
    const set = sts({ podManagementPolicy: 'Parallel' });
    expect(show(decide(set, [pod(set, 0, 'pending')]).steps)).toEqual(['createClaim data-db-1', 'createPod db-1 db-new', 'createClaim data-db-2', 'createPod db-2 db-new']);
    const small = sts({ podManagementPolicy: 'Parallel', replicas: 1 });
    expect(show(decide(small, [pod(small, 0), pod(small, 1, 'running'), pod(small, 2)]).steps)).toEqual(['deletePod db-2 (scale-down)', 'deletePod db-1 (scale-down)']);
  });
});

describe('scale down: highest ordinal first, one at a time', () => {
  const set = sts({ replicas: 1 });
  const cases: Array<[string, Pod[], string[]]> = [
    ['3 -> 1 deletes db-2 first', [pod(set, 0), pod(set, 1), pod(set, 2)], ['deletePod db-2 (scale-down)']],
    ['then db-1, once db-2 is gone', [pod(set, 0), pod(set, 1)], ['deletePod db-1 (scale-down)']],
    ['waits while db-2 terminates', [pod(set, 0), pod(set, 1), pod(set, 2, 'terminating')], []],
    ['waits while a replica in range is unhealthy', [pod(set, 0, 'running'), pod(set, 1), pod(set, 2)], []],
    ['an unhealthy condemned pod that is the first unhealthy one goes', [pod(set, 0), pod(set, 1), pod(set, 2, 'running')], ['deletePod db-2 (scale-down)']],
  ];
  for (const [name, pods, want] of cases) it(name, () => expect(show(decide(set, pods).steps)).toEqual(want));
});

describe('RollingUpdate with a partition: reverse ordinal order, one at a time, waits for Ready', () => {
  const old = (set: StatefulSet, o: number, st: PodState = 'ready') => pod(set, o, st, 'db-old');
  const set = sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } });
  const cases: Array<[string, Pod[], string[]]> = [
    ['all old: the highest goes first', [old(set, 0), old(set, 1), old(set, 2)], ['deletePod db-2 (update)']],
    ['db-2 updated and ready: db-1 next', [old(set, 0), old(set, 1), pod(set, 2)], ['deletePod db-1 (update)']],
    ['db-2 updated, not ready: wait', [old(set, 0), old(set, 1), pod(set, 2, 'running')], []],
    ['db-2 and db-1 updated: db-0 is below the partition and stays', [old(set, 0), pod(set, 1), pod(set, 2)], []],
  ];
  for (const [name, pods, want] of cases) it(name, () => expect(show(decide(set, pods).steps)).toEqual(want));

  it('a missing pod below the partition comes back at the current revision, above at the update revision', () => {
    expect(show(decide(set, []).steps)).toEqual(['createClaim data-db-0', 'createPod db-0 db-old']);
    expect(show(decide(set, [old(set, 0)]).steps)).toEqual(['createClaim data-db-1', 'createPod db-1 db-new']);
  });

  it('RollingUpdate without rollingUpdate: a missing pod below status.currentReplicas gets the current revision', () => {
    const bare = sts({ updateStrategy: { type: 'RollingUpdate' } }, { currentReplicas: 2 });
    expect(show(decide(bare, [old(bare, 0), old(bare, 2)]).steps)).toEqual(['createClaim data-db-1', 'createPod db-1 db-old']);
    const none = sts({ updateStrategy: { type: 'RollingUpdate' } }, { currentReplicas: 1 });
    expect(show(decide(none, [old(none, 0), old(none, 2)]).steps)).toEqual(['createClaim data-db-1', 'createPod db-1 db-new']);
  });

  it('OnDelete never deletes for an update; a recreated pod gets the update revision', () => {
    const od = sts({ updateStrategy: { type: 'OnDelete' } });
    expect(decide(od, [old(od, 0), old(od, 1), old(od, 2)]).steps).toEqual([]);
    expect(show(decide(od, [old(od, 1), old(od, 2)]).steps)).toEqual(['createClaim data-db-0', 'createPod db-0 db-new']);
  });

  it('status: counts, revisions, and the rollout completes when every pod is updated and ready', () => {
    const d = decide(set, [old(set, 0), pod(set, 1), pod(set, 2, 'running')]);
    expect(d.status).toMatchObject({ observedGeneration: 3, replicas: 3, readyReplicas: 2, availableReplicas: 2, currentReplicas: 1, updatedReplicas: 2, currentRevision: 'db-old', updateRevision: 'db-new', collisionCount: 0 });
    const all = sts();
    const done = decide(all, [pod(all, 0), pod(all, 1), pod(all, 2)]);
    expect(done.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: 'db-new', updateRevision: 'db-new' });
  });
});

describe('PVC retention (persistentVolumeClaimRetentionPolicy)', () => {
  const claim = (refs: NonNullable<PersistentVolumeClaim['metadata']>['ownerReferences'] = []): PersistentVolumeClaim => ({ metadata: { name: 'data-db-2', ownerReferences: refs } });
  // As upstream 1.32 (metav1.NewControllerRef): controller references.
  const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'set-uid', controller: true, blockOwnerDeletion: true };
  const podRef = { apiVersion: 'v1', kind: 'Pod', name: 'db-2', uid: 'pod-2', controller: true, blockOwnerDeletion: true };
  const cases: Array<[string, string, string, number, unknown[] | undefined]> = [
    ['Retain/Retain: nobody owns it', 'Retain', 'Retain', 1, undefined],
    ['whenDeleted Delete: the set owns it', 'Delete', 'Retain', 3, [setRef]],
    ['whenScaled Delete, pod in range: nobody', 'Retain', 'Delete', 3, undefined],
    ['whenScaled Delete, pod scaled down: the pod owns it', 'Retain', 'Delete', 1, [podRef]],
    ['Delete/Delete, in range: the set', 'Delete', 'Delete', 3, [setRef]],
    ['Delete/Delete, scaled down: the pod instead of the set', 'Delete', 'Delete', 1, [podRef]],
  ];
  for (const [name, whenDeleted, whenScaled, replicas, want] of cases) {
    it(name, () => {
      const set = sts({ replicas, persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
      expect(retentionOwnerRefs(set, pod(set, 2), claim())).toEqual(want);
    });
  }

  it('drops the set reference when the policy goes back to Retain, keeps foreign references', () => {
    const set = sts();
    const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'x' };
    expect(retentionOwnerRefs(set, pod(set, 2), claim([setRef, other]))).toEqual([other]);
    expect(retentionOwnerRefs(set, pod(set, 2), claim([other]))).toBeUndefined();
  });

  it('a reference to an earlier set of the same name (stale) leaves the claim alone; another controller keeps it', () => {
    const set = sts({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    expect(retentionOwnerRefs(set, pod(set, 2), claim([{ ...setRef, uid: 'old-set' }]))).toBeUndefined();
    const other = { apiVersion: 'example.com/v1', kind: 'Keeper', name: 'k', uid: 'k', controller: true };
    expect(retentionOwnerRefs(set, pod(set, 2), claim([other]))).toBeUndefined();
    expect(retentionOwnerRefs(set, pod(set, 2), claim([other, setRef]))).toEqual([other]);
    // A plain (non-controller) reference to the set becomes a controller reference.
    expect(retentionOwnerRefs(set, pod(set, 2), claim([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'set-uid' }]))).toEqual([setRef]);
  });

  it('scale-down with whenScaled Delete: the claim gets the pod reference before the pod is deleted', () => {
    const set = sts({ replicas: 2, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    expect(show(decide(set, [pod(set, 0), pod(set, 1), pod(set, 2)]).steps)).toEqual(['claimOwners data-db-2 [Pod]', 'deletePod db-2 (scale-down)']);
  });

  it('scale-down with Retain leaves the claim alone', () => {
    const set = sts({ replicas: 2 });
    expect(show(decide(set, [pod(set, 0), pod(set, 1), pod(set, 2)]).steps)).toEqual(['deletePod db-2 (scale-down)']);
  });

  it('a new claim with whenDeleted Delete is created owned by the set', () => {
    const set = sts({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    const step = decide(set, []).steps[0]!;
    expect(step.op === 'createClaim' && step.claim.metadata?.ownerReferences).toEqual([setRef]);
  });

  it('a claim still owned by an old pod (whenScaled Delete) or being deleted blocks the new pod', () => {
    const set = sts({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    const fresh = newStatefulSetPod(set, T('new'), 0, 'db-new');
    expect(claimIsStale(set, fresh, { metadata: { name: 'data-db-0', ownerReferences: [{ ...podRef, name: 'db-0', uid: 'gone' }] } })).toBe(true);
    expect(claimIsStale(set, fresh, { metadata: { name: 'data-db-0', ownerReferences: [{ ...podRef, uid: 'gone' }] } })).toBe(false); // another pod's name
    expect(claimIsStale(set, fresh, { metadata: { name: 'data-db-0', deletionTimestamp: '2026-01-01T00:00:00Z' } })).toBe(true);
    expect(claimIsStale(set, fresh, { metadata: { name: 'data-db-0' } })).toBe(false);
    const claims = new Map([['data-db-0', { metadata: { name: 'data-db-0', deletionTimestamp: '2026-01-01T00:00:00Z' } }]]);
    expect(decide(set, [], claims).steps).toEqual([]);
  });
});

describe('revisions', () => {
  const rev = (name: string, revision: number, tag: string): ControllerRevision => ({
    metadata: { name, namespace: 'ns', creationTimestamp: `2026-01-01T00:0${revision}:00Z` },
    revision,
    data: { spec: { template: { ...T(tag), $patch: 'replace' } } },
  });

  it('a new template makes a new revision numbered past the others; the current stays status.currentRevision', () => {
    const set = sts({ template: T('v3') }, { currentRevision: 'db-v2' });
    const p = planRevisions(set, [rev('db-v1', 1, 'v1'), rev('db-v2', 2, 'v2')]);
    expect(p.create).toBe(true);
    expect(p.update.revision).toBe(3);
    expect(p.update.metadata?.name).toMatch(/^db-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(p.update.data).toEqual({ spec: { template: { ...T('v3'), $patch: 'replace' } } });
    expect(p.current.metadata?.name).toBe('db-v2');
    expect(templateOfRevision(p.update)).toEqual(T('v3'));
  });

  it('the newest revision equal to the template is the update revision; an older equal one is renumbered (rollback)', () => {
    const revs = [rev('db-v1', 1, 'v1'), rev('db-v2', 2, 'v2')];
    expect(planRevisions(sts({ template: T('v2') }, { currentRevision: 'db-v2' }), revs)).toMatchObject({ create: false, update: { metadata: { name: 'db-v2' } } });
    const back = planRevisions(sts({ template: T('v1') }, { currentRevision: 'db-v2' }), revs);
    expect(back).toMatchObject({ create: false, renumberTo: 3, update: { metadata: { name: 'db-v1' }, revision: 3 }, current: { metadata: { name: 'db-v2' } } });
  });

  it('without a current revision the update revision is current', () => {
    const p = planRevisions(sts(), []);
    expect(p.current).toBe(p.update);
    expect(p.update.revision).toBe(1);
  });

  it('truncates the oldest non-live revisions beyond revisionHistoryLimit', () => {
    const revs = [1, 2, 3, 4, 5].map((n) => rev(`db-v${n}`, n, `v${n}`));
    const set = sts({ revisionHistoryLimit: 1 });
    expect(revisionsToDelete(set, revs, new Set(['db-v5', 'db-v1'])).map((r) => r.metadata?.name)).toEqual(['db-v2', 'db-v3']);
  });
});
