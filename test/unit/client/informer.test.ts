import { afterEach, describe, expect, it } from 'vitest';
import { InProcessApi } from '../../support/in-process-api.js';
import { Informer, InformerFactory, diffForReplace, objectKey, splitKey } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { KubeError } from '../../../api/errors.js';
import { findResource } from '../../../api/resources.js';

const pods = findResource('', 'pods')!;
const nodes = findResource('', 'nodes')!;

const pod = (name: string, ns = 'default', extra: Record<string, any> = {}) => ({
  metadata: { name, namespace: ns, ...(extra.metadata ?? {}) },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...(extra.spec ?? {}) },
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Rec = string[];
function record(inf: Informer<any>): Rec {
  const log: Rec = [];
  inf.on('add', (o) => log.push(`add:${objectKey(o)}`));
  inf.on('update', (o, n) => log.push(`update:${objectKey(n)}${o === n ? ':resync' : ''}`));
  inf.on('delete', (o, info) => log.push(`delete:${objectKey(o)}${info.finalStateUnknown ? ':unknown' : ''}`));
  return log;
}

const running: Informer<any>[] = [];
function informer(client: InProcessApi, extra: Partial<ConstructorParameters<typeof Informer>[0]> = {}) {
  const inf = new Informer<any>({ client, resource: pods, logger: silentLogger, backoffInitialMs: 20, backoffMaxMs: 50, ...extra });
  running.push(inf);
  return inf;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.stop()));
});

describe('keys', () => {
  it('objectKey / splitKey', () => {
    expect(objectKey({ metadata: { name: 'a', namespace: 'ns' } })).toBe('ns/a');
    expect(objectKey({ metadata: { name: 'node01' } })).toBe('node01');
    expect(splitKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitKey('node01')).toEqual({ namespace: undefined, name: 'node01' });
  });
});

describe('diffForReplace', () => {
  const o = (name: string, rv: string) => ({ metadata: { name, namespace: 'd', resourceVersion: rv } });
  it.each([
    { name: 'empty cache: all adds', cached: [], fresh: [o('a', '1')], want: { added: ['a'], updated: [], deleted: [] } },
    { name: 'same rv: nothing', cached: [o('a', '1')], fresh: [o('a', '1')], want: { added: [], updated: [], deleted: [] } },
    { name: 'new rv: update', cached: [o('a', '1')], fresh: [o('a', '2')], want: { added: [], updated: ['a'], deleted: [] } },
    {
      name: 'vanished: delete with last state',
      cached: [o('a', '1'), o('b', '1')],
      fresh: [o('b', '1'), o('c', '3')],
      want: { added: ['c'], updated: [], deleted: ['a'] },
    },
  ])('$name', ({ cached, fresh, want }) => {
    const m = new Map(cached.map((x) => [objectKey(x), x]));
    const d = diffForReplace(m, fresh);
    expect({
      added: d.added.map((x) => x.metadata.name),
      updated: d.updated.map((x) => x.obj.metadata.name),
      deleted: d.deleted.map((x) => x.metadata.name),
    }).toEqual(want);
  });
});

describe('Informer', () => {
  it('lists, syncs, then follows the watch', async () => {
    const c = new InProcessApi();
    await c.seed(pods, pod('a'), pod('b', 'kube-system'));
    const inf = informer(c);
    const log = record(inf);
    expect(inf.hasSynced()).toBe(false);
    inf.start();
    expect(await inf.waitForSync()).toBe(true);
    expect(inf.store.keys().sort()).toEqual(['default/a', 'kube-system/b']);
    expect(inf.store.listByNamespace('kube-system').map((p) => p.metadata.name)).toEqual(['b']);
    expect(inf.store.get('default/a').kind).toBe('Pod');
    await waitFor(() => c.watcherCount(pods) === 1);
    await c.create(pods, 'default', pod('c'));
    await c.patch(pods, 'default', 'a', { metadata: { labels: { x: 'y' } } }, 'merge');
    await c.delete(pods, 'kube-system', 'b');
    await waitFor(() => log.length === 5);
    expect(log.slice(2)).toEqual(['add:default/c', 'update:default/a', 'delete:kube-system/b']);
    expect(inf.store.get('default/a').metadata.labels).toEqual({ x: 'y' });
    expect(inf.store.get('kube-system/b')).toBeUndefined();
    expect(inf.lastSyncResourceVersion()).toBe(await c.resourceVersion());
    // the watch starts from the list's resourceVersion, with bookmarks
    expect(c.actionsFor('watch')[0]!.options).toMatchObject({ allowWatchBookmarks: true });
  });

  it('relists after a 410 and delivers the diff (adds, updates, deletes of vanished objects)', async () => {
    const c = new InProcessApi();
    await c.seed(pods, pod('a'), pod('b'));
    const inf = informer(c);
    const log = record(inf);
    inf.start();
    await inf.waitForSync();
    await waitFor(() => c.watcherCount() === 1);
    log.length = 0;
    // The stream breaks; while the informer backs off, things change and history is compacted.
    c.breakWatches();
    await waitFor(() => c.watcherCount() === 0);
    await c.create(pods, 'default', pod('c'));
    await c.patch(pods, 'default', 'b', { metadata: { labels: { v: '2' } } }, 'merge');
    await c.delete(pods, 'default', 'a');
    await c.compact();
    await waitFor(() => log.length === 3);
    expect(log.sort()).toEqual(['add:default/c', 'delete:default/a:unknown', 'update:default/b']);
    expect(inf.store.keys().sort()).toEqual(['default/b', 'default/c']);
    expect(inf.stats.relistsAfterError).toBeGreaterThanOrEqual(1);
    expect(inf.stats.lists).toBe(2);
  });

  it('relists on an ERROR event', async () => {
    const c = new InProcessApi();
    await c.seed(pods, pod('a'));
    const inf = informer(c);
    inf.start();
    await inf.waitForSync();
    await waitFor(() => c.watcherCount() === 1);
    c.sendWatchError(pods, new KubeError('InternalError', 'boom'));
    await waitFor(() => inf.stats.lists === 2);
    await waitFor(() => c.watcherCount() === 1);
  });

  it('rewatches from the last resourceVersion when the stream ends normally, keeping bookmarks', async () => {
    const c = new InProcessApi();
    await c.seed(pods, pod('a', 'default', { metadata: { labels: { app: 'a' } } }));
    const inf = informer(c, { labelSelector: 'app=a' });
    inf.start();
    await inf.waitForSync();
    await waitFor(() => c.watcherCount() === 1);
    // A pod this informer does not select moves the pods' resourceVersion without an event for it.
    await c.create(pods, 'default', pod('other'));
    const rv = await c.resourceVersion();
    c.sendBookmarks();
    await waitFor(() => inf.lastSyncResourceVersion() === rv);
    await new Promise((r) => setTimeout(r, 1100)); // a stream that lived > 1 s is re-opened at once
    c.closeWatches();
    await waitFor(() => c.actionsFor('watch').length === 2);
    expect(c.actionsFor('watch')[1]!.options).toMatchObject({ resourceVersion: rv });
    expect(inf.stats.lists).toBe(1);
  });

  it('retries a failing list with backoff', async () => {
    const c = new InProcessApi();
    await c.seed(pods, pod('a'));
    c.injectError({ verb: 'list' }, new KubeError('ServiceUnavailable', 'down', { code: 'ERR_UNAVAILABLE' }), 2);
    const inf = informer(c);
    inf.start();
    expect(await inf.waitForSync()).toBe(true);
    expect(c.actionsFor('list')).toHaveLength(3);
  });

  it('resync re-delivers update for every object', async () => {
    const c = new InProcessApi();
    await c.seed(pods, pod('a'), pod('b'));
    const inf = informer(c, { resyncPeriodMs: 30 });
    const log = record(inf);
    inf.start();
    await inf.waitForSync();
    await waitFor(() => log.filter((l) => l.endsWith(':resync')).length >= 2);
    expect(log.filter((l) => l.endsWith(':resync')).sort().slice(0, 2)).toEqual(['update:default/a:resync', 'update:default/b:resync']);
  });

  it('indexers, late add handlers, frozen cache', async () => {
    const c = new InProcessApi();
    // A pod's spec.nodeName cannot change once set: the index is of a label that can.
    const onNode = (node: string) => ({ metadata: { labels: { node } } });
    await c.seed(pods, pod('a', 'default', onNode('n1')), pod('b', 'default', onNode('n2')));
    const inf = informer(c, { freeze: true });
    inf.addIndexer('byNode', (p) => (p.metadata.labels?.node ? [p.metadata.labels.node] : []));
    inf.start();
    await inf.waitForSync();
    expect(inf.byIndex('byNode', 'n1').map((p) => p.metadata.name)).toEqual(['a']);
    await waitFor(() => c.watcherCount() === 1);
    await c.patch(pods, 'default', 'b', onNode('n1'), 'merge');
    await waitFor(() => inf.byIndex('byNode', 'n1').length === 2);
    expect(inf.byIndex('byNode', 'n2')).toEqual([]);
    const late: string[] = [];
    inf.on('add', (p) => late.push(p.metadata.name));
    expect(late.sort()).toEqual(['a', 'b']);
    const cached = inf.store.get('default/a');
    expect(Object.isFrozen(cached.spec)).toBe(true);
    expect(() => {
      cached.metadata.labels = { x: 'y' };
    }).toThrow(TypeError);
  });

  it('filters by label selector and namespace', async () => {
    const c = new InProcessApi();
    await c.seed(pods, pod('a', 'default', { metadata: { labels: { app: 'x' } } }), pod('b'), pod('c', 'other', { metadata: { labels: { app: 'x' } } }));
    const inf = informer(c, { labelSelector: 'app=x', namespace: 'default' });
    inf.start();
    await inf.waitForSync();
    expect(inf.store.keys()).toEqual(['default/a']);
  });

  it('waitForSync resolves false when stopped first', async () => {
    const c = new InProcessApi();
    c.injectError({ verb: 'list' }, new KubeError('Forbidden', 'no'), 100);
    const inf = informer(c);
    inf.start();
    const p = inf.waitForSync();
    await inf.stop();
    expect(await p).toBe(false);
  });

  it('InformerFactory shares one informer per resource and selectors', async () => {
    const c = new InProcessApi();
    const f = new InformerFactory(c, { logger: silentLogger });
    const a = f.informerFor(pods);
    expect(f.informerFor(pods)).toBe(a);
    expect(f.informerFor(pods, { namespace: 'x' })).not.toBe(a);
    f.start();
    expect(await f.waitForSync()).toBe(true);
    const late = f.informerFor(nodes);
    expect(late.isStarted()).toBe(true);
    await f.stop();
  });
});
