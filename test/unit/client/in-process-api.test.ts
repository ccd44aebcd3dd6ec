import { describe, expect, it } from 'vitest';
import { InProcessApi } from '../../support/in-process-api.js';
import type { WatchEvent } from '../../../api/client/api-client.js';
import { KubeError, isKubeError } from '../../../api/errors.js';
import { findResource } from '../../../api/resources.js';

/** Objects as these tests read them off the wire: loosely, field by field. */
type Loose = Record<string, any>;

const pods = findResource('', 'pods')!;
const nodes = findResource('', 'nodes')!;
const namespaces = findResource('', 'namespaces')!;
const deployments = findResource('apps', 'deployments')!;

const deployment = (name: string, replicas: number) => ({
  metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

const pod = (name: string, ns = 'default', labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
  ...extra,
});

const tick = () => new Promise((r) => setTimeout(r, 0));

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('InProcessApi', () => {
  it('create sets server fields and rejects duplicates', async () => {
    const c = new InProcessApi();
    const p = await c.create(pods, 'default', pod('a'));
    expect(p.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    // The system namespaces came first, as on a fresh API server: the pod has the newest revision.
    expect(p.metadata.resourceVersion).toBe(await c.resourceVersion());
    expect(p.apiVersion).toBe('v1');
    expect(p.kind).toBe('Pod');
    expect(p.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await expect(c.create(pods, 'default', pod('a'))).rejects.toMatchObject({ reason: 'AlreadyExists', httpStatus: 409 });
    const g = await c.create(pods, 'default', { metadata: { generateName: 'web-' }, spec: pod('x').spec });
    expect(g.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
  });

  it('get of a missing object is a 404 KubeError with the upstream message', async () => {
    const c = new InProcessApi();
    const err = await c.get(pods, 'default', 'nope').catch((e) => e);
    expect(isKubeError(err, 'NotFound')).toBe(true);
    expect(err.message).toBe('pods "nope" not found');
  });

  it('update with a stale resourceVersion conflicts; no-op updates keep the resourceVersion', async () => {
    const c = new InProcessApi();
    const p = await c.create(pods, 'default', pod('a'));
    const p2 = await c.update(pods, { ...p, metadata: { ...p.metadata, labels: { x: '1' } } });
    expect(Number(p2.metadata.resourceVersion)).toBeGreaterThan(Number(p.metadata.resourceVersion));
    await expect(c.update(pods, { ...p, metadata: { ...p.metadata, labels: { x: '2' } } })).rejects.toMatchObject({
      reason: 'Conflict',
    });
    const same = await c.update(pods, p2);
    expect(same.metadata.resourceVersion).toBe(p2.metadata.resourceVersion);
  });

  it('splits spec and status: update ignores status, updateStatus ignores spec; generation follows spec', async () => {
    const c = new InProcessApi();
    const d = await c.create(deployments, 'default', deployment('d', 1));
    expect(d.metadata.generation).toBe(1);
    const u = await c.update(deployments, { ...d, spec: { ...d.spec, replicas: 3 }, status: { replicas: 9 } });
    expect(u.spec.replicas).toBe(3);
    expect(u.status).toEqual({}); // what create left (upstream's PrepareForCreate), not what the update sent
    expect(u.metadata.generation).toBe(2);
    const s = await c.updateStatus(deployments, { ...u, spec: { ...u.spec, replicas: 100 }, status: { replicas: 3 } });
    expect(s.spec.replicas).toBe(3);
    expect(s.status.replicas).toBe(3);
    expect(s.metadata.generation).toBe(2);
  });

  it('patches: merge, json, status subresource', async () => {
    const c = new InProcessApi();
    await c.create(pods, 'default', pod('a', 'default', { app: 'x', tier: 'web' }));
    const m = await c.patch(pods, 'default', 'a', { metadata: { labels: { tier: null, new: 'y' } } }, 'merge');
    expect(m.metadata.labels).toEqual({ app: 'x', new: 'y' });
    const j = await c.patch(pods, 'default', 'a', [{ op: 'replace', path: '/metadata/labels/app', value: 'z' }], 'json');
    expect(j.metadata.labels.app).toBe('z');
    const st = await c.patch(pods, 'default', 'a', { status: { phase: 'Running' } }, 'merge', { subresource: 'status' });
    expect(st.status.phase).toBe('Running');
    const bad = await c.patch(pods, 'default', 'a', [{ op: 'remove', path: '/metadata/nope' }], 'json').catch((e) => e);
    expect(bad).toBeInstanceOf(KubeError);
  });

  it('strategic merge patches merge lists by key (containers by name)', async () => {
    // A pod's containers cannot be added or removed after creation: patch a pod template's.
    const c = new InProcessApi();
    await c.create(deployments, 'default', deployment('d', 1));
    const containers = (o: any) => o.spec.template.spec.containers;
    const tpl = (cs: unknown[]) => ({ spec: { template: { spec: { containers: cs } } } });
    const p1 = await c.patch(deployments, 'default', 'd', tpl([{ name: 'c', image: 'nginx:2' }]), 'strategic');
    expect(containers(p1)).toEqual([expect.objectContaining({ name: 'c', image: 'nginx:2' })]);
    expect(containers(p1)).toHaveLength(1);
    const p2 = await c.patch(deployments, 'default', 'd', tpl([{ name: 'd', image: 'busybox' }]), 'strategic');
    expect(containers(p2).map((x: any) => x.name).sort()).toEqual(['c', 'd']);
    const p3 = await c.patch(deployments, 'default', 'd', tpl([{ name: 'e', image: 'x' }]), 'merge');
    expect(containers(p3).map((x: any) => x.name)).toEqual(['e']); // merge patch replaces lists
  });

  it('rejects a bad label selector as upstream (400)', async () => {
    const c = new InProcessApi();
    await expect(c.list(pods, undefined, { labelSelector: 'a b' })).rejects.toMatchObject({ httpStatus: 400 });
  });

  it('lists with label and field selectors and pages with continue', async () => {
    const c = new InProcessApi();
    await c.create(namespaces, undefined, { metadata: { name: 'other' } });
    for (let i = 0; i < 5; i++) await c.create(pods, 'default', pod(`p${i}`, 'default', { app: i % 2 ? 'odd' : 'even' }));
    await c.create(pods, 'other', pod('q', 'other', { app: 'odd' }));
    expect((await c.list(pods, 'default', { labelSelector: 'app=odd' })).items.map((p) => p.metadata.name)).toEqual(['p1', 'p3']);
    expect((await c.list(pods, undefined, { labelSelector: 'app in (odd)' })).items).toHaveLength(3);
    expect((await c.list(pods, undefined, { fieldSelector: 'metadata.namespace!=default' })).items.map((p) => p.metadata.name)).toEqual(['q']);
    const page1 = await c.list(pods, 'default', { limit: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page1.metadata.continue).toBeTruthy();
    const all = await c.listAll(pods, 'default', { limit: 2 });
    expect(all.items.map((p) => p.metadata.name)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(all.metadata.resourceVersion).toBe(await c.resourceVersion());
  });

  it('bind sets nodeName and PodScheduled, refuses a second bind and a wrong uid', async () => {
    const c = new InProcessApi();
    const p = await c.create(pods, 'default', pod('a'));
    await expect(c.bind('default', 'a', 'node01', 'wrong-uid')).rejects.toMatchObject({ reason: 'Conflict' });
    await c.bind('default', 'a', 'node01', p.metadata.uid);
    const b = await c.get(pods, 'default', 'a');
    expect(b.spec.nodeName).toBe('node01');
    expect(b.status.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));
    await expect(c.bind('default', 'a', 'node02')).rejects.toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods/binding "a": pod a is already assigned to node "node01"',
    });
    expect(c.actionsFor('create', 'pods', 'binding')).toHaveLength(3);
    expect(c.actionsFor('create', 'pods', 'binding')[1]!.object).toMatchObject({
      kind: 'Binding',
      target: { kind: 'Node', name: 'node01' },
    });
  });

  it('evict deletes; injected errors fail the call (e.g. a PDB 429)', async () => {
    const c = new InProcessApi();
    await c.create(pods, 'default', pod('a'));
    c.injectError({ verb: 'create', subresource: 'eviction' }, new KubeError('TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.'));
    await expect(c.evict('default', 'a')).rejects.toMatchObject({ httpStatus: 429 });
    await c.evict('default', 'a');
    expect(c.peek(pods, 'default', 'a')).toBeUndefined();
  });

  it('finalizers hold a delete until removed; preconditions are checked', async () => {
    const c = new InProcessApi();
    const p = await c.create(pods, 'default', { ...pod('a'), metadata: { name: 'a', finalizers: ['x/y'] } });
    await expect(c.delete(pods, 'default', 'a', { preconditions: { uid: 'nope' } })).rejects.toMatchObject({ reason: 'Conflict' });
    const d = (await c.delete(pods, 'default', 'a')) as any;
    expect(d.metadata.deletionTimestamp).toBeTruthy();
    expect(c.peek(pods, 'default', 'a')).toBeDefined();
    const cur = await c.get(pods, 'default', 'a');
    await c.update(pods, { ...cur, metadata: { ...cur.metadata, finalizers: [] } });
    expect(c.peek(pods, 'default', 'a')).toBeUndefined();
    void p;
  });

  it('graceful pod deletion for bound pods', async () => {
    const c = new InProcessApi();
    await c.create(pods, 'default', pod('a'));
    await c.bind('default', 'a', 'n1');
    await c.delete(pods, 'default', 'a');
    const p = c.peek(pods, 'default', 'a');
    expect(p.metadata.deletionGracePeriodSeconds).toBe(30);
    await c.updateStatus(pods, { ...p, status: { ...p.status, phase: 'Running' } });
    expect(c.peek(pods, 'default', 'a')).toBeDefined();
    await c.delete(pods, 'default', 'a', { gracePeriodSeconds: 0 });
    expect(c.peek(pods, 'default', 'a')).toBeUndefined();
  });

  it('scale subresource', async () => {
    const c = new InProcessApi();
    await c.create(deployments, 'default', deployment('d', 2));
    const s = await c.getSubresource(deployments, 'default', 'd', 'scale');
    expect(s).toMatchObject({ kind: 'Scale', spec: { replicas: 2 }, status: { selector: 'app=d' } });
    const s2 = await c.updateSubresource(deployments, 'default', 'd', 'scale', { ...s, spec: { replicas: 5 } });
    expect(s2.spec.replicas).toBe(5);
    expect((await c.get(deployments, 'default', 'd')).spec.replicas).toBe(5);
  });

  it('cluster-scoped resources ignore the namespace', async () => {
    const c = new InProcessApi();
    await c.create(nodes, undefined, { metadata: { name: 'n1' } });
    expect((await c.get(nodes, undefined, 'n1')).metadata.namespace).toBeUndefined();
  });

  describe('watch', () => {
    it('without resourceVersion starts with ADDED for existing objects, then streams changes', async () => {
      const c = new InProcessApi();
      await c.create(pods, 'default', pod('a'));
      const evs: WatchEvent<Loose>[] = [];
      const h = c.watch(pods, 'default', {}, (e) => evs.push(e));
      await c.create(pods, 'default', pod('b'));
      await c.delete(pods, 'default', 'a');
      await tick();
      expect(evs.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:a', 'ADDED:b', 'DELETED:a']);
      h.stop();
      await h.done;
      expect(c.watcherCount()).toBe(0);
    });

    it('replays from a resourceVersion; after compact() it sends a 410 ERROR event', async () => {
      const c = new InProcessApi();
      const a = await c.create(pods, 'default', pod('a'));
      await c.create(pods, 'default', pod('b'));
      const evs: WatchEvent<Loose>[] = [];
      const h = c.watch(pods, undefined, { resourceVersion: a.metadata.resourceVersion }, (e) => evs.push(e));
      await tick();
      expect(evs.map((e) => e.object.metadata.name)).toEqual(['b']);
      h.stop();
      await c.compact();
      const evs2: WatchEvent<Loose>[] = [];
      const h2 = c.watch(pods, undefined, { resourceVersion: a.metadata.resourceVersion }, (e) => evs2.push(e));
      await h2.done;
      expect(evs2).toHaveLength(1);
      expect(evs2[0]!.type).toBe('ERROR');
      expect(evs2[0]!.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    });

    it('selector changes turn into ADDED / DELETED for a filtered watch', async () => {
      const c = new InProcessApi();
      const p = await c.create(pods, 'default', pod('a', 'default', { app: 'x' }));
      const evs: WatchEvent<Loose>[] = [];
      c.watch(pods, undefined, { resourceVersion: p.metadata.resourceVersion, labelSelector: 'app=y' }, (e) => evs.push(e));
      const moved = await c.patch(pods, 'default', 'a', { metadata: { labels: { app: 'y' } } }, 'merge');
      await c.patch(pods, 'default', 'a', { metadata: { labels: { app: 'z' } } }, 'merge');
      await tick();
      expect(evs.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
      expect(evs[1]!.object.metadata.labels.app).toBe('y'); // last state that matched
      expect(Number(evs[1]!.object.metadata.resourceVersion)).toBeGreaterThan(Number(moved.metadata.resourceVersion));
      c.closeWatches();
    });

    it('breakWatches rejects done with ERR_UNAVAILABLE; bookmarks carry the resourceVersion', async () => {
      const c = new InProcessApi();
      const evs: WatchEvent<Loose>[] = [];
      const p = await c.create(pods, 'default', pod('a'));
      const h = c.watch(pods, undefined, { resourceVersion: p.metadata.resourceVersion, allowWatchBookmarks: true }, (e) => evs.push(e));
      await waitFor(() => c.watcherCount(pods) === 1); // the server registered it
      c.sendBookmarks();
      await tick();
      c.breakWatches();
      await expect(h.done).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
      expect(evs).toEqual([{ type: 'BOOKMARK', object: expect.objectContaining({ metadata: { resourceVersion: await c.resourceVersion() } }) }]);
    });
  });
});
