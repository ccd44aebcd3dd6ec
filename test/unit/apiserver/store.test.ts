/** The generic store's object semantics over the memory backend: no I/O beyond memory. */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../../control-plane/storage/memory-backend.js';
import { Store } from '../../../control-plane/apiserver/store.js';
import { strategyFor } from '../../../api/kinds/registry.js';
import { findResource } from '../../../api/resources.js';
import { podGracePeriod } from '../../../api/kinds/core/pod.js';
import { asKind } from '../../../control-plane/apiserver/object-views.js';
import type { KubeObject } from '../../../api/types/index.js';

const deployInfo = findResource('apps', 'deployments')!;
const podInfo = findResource('', 'pods')!;

/** A stored object of the deployments store, read as a Deployment. */
const view = (o: KubeObject) => asKind(o, 'Deployment');

function deploy(name: string, replicas = 1): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

describe('Store', () => {
  let backend: MemoryBackend;
  let store: Store;
  beforeEach(async () => {
    backend = new MemoryBackend();
    store = new Store(deployInfo, strategyFor(deployInfo), backend);
    await store.cache.ready();
  });

  it('create fills uid, creationTimestamp, generation 1 and resourceVersion = revision; defaults apply', async () => {
    const d = view(await store.create('default', deploy('a')));
    expect(d.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.metadata.generation).toBe(1);
    expect(d.metadata.resourceVersion).toBe(String(await backend.currentRevision()));
    expect(d.spec?.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    const kv = await backend.get('/registry/deployments/default/a');
    expect(JSON.parse(kv!.value.toString()).metadata.resourceVersion).toBeUndefined();
  });

  it('generation bumps on spec changes only; status updates keep the spec and the main resource keeps status', async () => {
    const d = await store.create('default', deploy('a'));
    const s = view(await store.guaranteedUpdate('default', 'a', (cur) => ({ ...cur, status: { replicas: 3 } }), { subresource: 'status' }));
    expect(s.metadata.generation).toBe(1);
    expect(s.status?.replicas).toBe(3);
    const u = view(await store.update('default', 'a', { ...d, metadata: { ...d.metadata, resourceVersion: s.metadata.resourceVersion, labels: { x: 'y' } }, status: { replicas: 99 } }));
    expect(u.metadata.generation).toBe(1);
    expect(u.status?.replicas).toBe(3);
    const u2 = await store.update('default', 'a', { ...u, spec: { ...u.spec, replicas: 5 } });
    expect(u2.metadata.generation).toBe(2);
  });

  it('a stale resourceVersion is a conflict even when the cache is behind, and a fresh one wins', async () => {
    const d = view(await store.create('default', deploy('a')));
    const first = view(await store.update('default', 'a', { ...d, spec: { ...d.spec, replicas: 2 } }));
    await expect(store.update('default', 'a', { ...d, spec: { ...d.spec, replicas: 3 } })).rejects.toMatchObject({ reason: 'Conflict' });
    const second = view(await store.update('default', 'a', { ...first, spec: { ...first.spec, replicas: 4 } }));
    expect(second.spec?.replicas).toBe(4);
  });

  it('a no-op update writes nothing', async () => {
    const d = await store.create('default', deploy('a'));
    const before = await backend.currentRevision();
    const same = await store.update('default', 'a', d);
    expect(same.metadata.resourceVersion).toBe(d.metadata.resourceVersion);
    expect(await backend.currentRevision()).toBe(before);
  });

  it('foreground and orphan deletion add finalizers; removing the last one deletes', async () => {
    await store.create('default', deploy('fg'));
    const r = await store.delete('default', 'fg', { propagationPolicy: 'Foreground' });
    expect(r.deleted).toBe(false);
    expect(r.obj.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(r.obj.metadata.deletionTimestamp).toBeTruthy();
    await store.guaranteedUpdate('default', 'fg', (cur) => ({ ...cur, metadata: { ...cur.metadata, finalizers: [] } }));
    await expect(store.get('default', 'fg')).rejects.toMatchObject({ reason: 'NotFound' });
    await store.create('default', deploy('or'));
    expect((await store.delete('default', 'or', { propagationPolicy: 'Orphan' })).obj.metadata.finalizers).toEqual(['orphan']);
  });

  it('delete preconditions are checked', async () => {
    await store.create('default', deploy('p'));
    await expect(store.delete('default', 'p', { preconditions: { uid: 'other' } })).rejects.toMatchObject({ reason: 'Conflict' });
    await expect(store.delete('default', 'p', { preconditions: { resourceVersion: '1' } })).rejects.toMatchObject({ reason: 'Conflict' });
    expect((await store.delete('default', 'p')).deleted).toBe(true);
  });

  it('generateName gets a random suffix', async () => {
    const d = await store.create('default', { ...deploy(''), metadata: { generateName: 'web-' } });
    expect(d.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('invalid objects are 422 with every cause and nothing is stored', async () => {
    const bad = deploy('Bad_Name', -1);
    await expect(store.create('default', bad)).rejects.toMatchObject({ reason: 'Invalid', httpStatus: 422 });
    expect((await backend.list('/registry/deployments/')).items).toEqual([]);
  });

  it('paging with limit and continue walks every object once', async () => {
    for (let i = 0; i < 7; i++) await store.create('default', deploy(`d${i}`));
    const seen: (string | undefined)[] = [];
    let token: string | undefined;
    do {
      const page = await store.list({ namespace: 'default', matches: () => true, limit: 3, ...(token ? { continueToken: token } : {}) });
      seen.push(...page.items.map((o) => o.metadata.name));
      token = page.continueToken;
    } while (token);
    expect(seen).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6']);
  });
});

describe('pod graceful deletion', () => {
  const cases: [string, Record<string, any>, number | undefined, number | undefined][] = [
    ['unscheduled pods go at once', { spec: {} }, undefined, 0],
    ['terminated pods go at once', { spec: { nodeName: 'n' }, status: { phase: 'Succeeded' } }, undefined, 0],
    ['bound pods wait terminationGracePeriodSeconds', { spec: { nodeName: 'n', terminationGracePeriodSeconds: 30 } }, undefined, 30],
    ['the request may shorten the grace period', { spec: { nodeName: 'n', terminationGracePeriodSeconds: 30 } }, 0, 0],
    ['the request may lengthen it too', { spec: { nodeName: 'n', terminationGracePeriodSeconds: 30 } }, 600, 600],
    ['a negative request counts as 1 s (upstream delete path)', { spec: { nodeName: 'n', terminationGracePeriodSeconds: 30 } }, -5, 1],
    ['a negative terminationGracePeriodSeconds counts as 1 s', { spec: { nodeName: 'n', terminationGracePeriodSeconds: -1 } }, undefined, 1],
    ['no terminationGracePeriodSeconds (a legacy object) waits 30 s', { spec: { nodeName: 'n' } }, undefined, 30],
    ['an absurd stored value is passed on (gracefulDeletion bounds it)', { spec: { nodeName: 'n', terminationGracePeriodSeconds: 1e30 } }, undefined, 1e30],
  ];
  for (const [name, pod, requested, want] of cases) {
    it(name, () => expect(podGracePeriod(pod, requested)).toBe(want));
  }

  it('a bound pod stored with an absurd grace period is marked within RFC 3339 and stays deletable', async () => {
    const backend = new MemoryBackend();
    const pods = new Store(podInfo, strategyFor(podInfo), backend, undefined, { gracePeriod: podGracePeriod });
    const raw = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { nodeName: 'n1', terminationGracePeriodSeconds: 1e30, containers: [] } };
    await backend.create('/registry/pods/default/p', Buffer.from(JSON.stringify(raw)));
    const r = await pods.delete('default', 'p');
    expect(r.deleted).toBe(false);
    expect(r.obj.metadata.deletionTimestamp).toMatch(/^9999-12-31T23:59:\d\dZ$/);
    expect(Number.isSafeInteger(r.obj.metadata.deletionGracePeriodSeconds)).toBe(true);
    expect((await pods.delete('default', 'p', { gracePeriodSeconds: 0 })).deleted).toBe(true);
  });

  it('a bound pod is marked with deletionTimestamp, then removed by a grace-0 delete', async () => {
    const backend = new MemoryBackend();
    const pods = new Store(podInfo, strategyFor(podInfo), backend, undefined, { gracePeriod: podGracePeriod });
    await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
    const r = await pods.delete('default', 'p');
    expect(r.deleted).toBe(false);
    expect(r.obj.metadata.deletionGracePeriodSeconds).toBe(30);
    const r2 = await pods.delete('default', 'p', { gracePeriodSeconds: 0 });
    expect(r2.deleted).toBe(true);
  });
});

describe('events.k8s.io/v1 over core Events', async () => {
  const { coreEventToV1, v1EventToCore } = await import('../../../api/kinds/events/conversion.js');
  it('round-trips the renamed fields', () => {
    const core = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p' }, message: 'hi', reason: 'Started', type: 'Normal', count: 3, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:01:00Z', source: { component: 'kubelet', host: 'n1' } };
    const v1 = coreEventToV1(core);
    expect(v1).toMatchObject({ apiVersion: 'events.k8s.io/v1', regarding: { kind: 'Pod', name: 'p' }, note: 'hi', deprecatedCount: 3, deprecatedSource: { component: 'kubelet', host: 'n1' }, reportingController: 'kubelet' });
    expect(v1EventToCore(v1)).toMatchObject({ apiVersion: 'v1', involvedObject: { kind: 'Pod', name: 'p' }, message: 'hi', count: 3, source: { component: 'kubelet', host: 'n1' } });
  });
});
