import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../../control-plane/storage/memory-backend.js';
import { WatchCache, type CacheEvent } from '../../../control-plane/apiserver/watch-cache.js';

const decode = (_k: string, v: Buffer, rev: number) => ({ ...JSON.parse(v.toString()), metadata: { ...JSON.parse(v.toString()).metadata, resourceVersion: String(rev) } });
const obj = (name: string, labels: Record<string, string> = {}) => Buffer.from(JSON.stringify({ metadata: { name, namespace: 'ns', labels } }));
const tick = () => new Promise((r) => setTimeout(r, 10));

function collector() {
  const events: { type: string; name: string | undefined; rev: number }[] = [];
  return {
    events,
    watcher: {
      send: (type: string, ev: CacheEvent | { rev: number }) => events.push({ type, name: (ev as CacheEvent).obj?.metadata?.name, rev: ev.rev }),
      close: () => undefined,
    },
  };
}

describe('watch cache', () => {
  it('one backend watch fans out to many watchers', async () => {
    const b = new MemoryBackend();
    let watches = 0;
    const orig = b.watch.bind(b);
    b.watch = (...args) => {
      watches++;
      return orig(...args);
    };
    const cache = new WatchCache(b, '/registry/x/', decode);
    const cs = Array.from({ length: 100 }, collector);
    for (const c of cs) await cache.watch(0, { matches: () => true }, c.watcher, { initialEvents: false });
    await b.create('/registry/x/ns/a', obj('a'));
    await tick();
    expect(watches).toBe(1);
    expect(cs.every((c) => c.events.length === 1 && c.events[0]!.type === 'ADDED')).toBe(true);
  });

  it('a watch from a resourceVersion replays the window; older than the window is 410', async () => {
    const b = new MemoryBackend();
    const cache = new WatchCache(b, '/registry/x/', decode, 2);
    await cache.ready();
    const r1 = await b.create('/registry/x/ns/a', obj('a'));
    await b.create('/registry/x/ns/b', obj('b'));
    await b.create('/registry/x/ns/c', obj('c'));
    await tick();
    const c = collector();
    await cache.watch(r1 + 1, { matches: () => true }, c.watcher, { initialEvents: false });
    expect(c.events.map((e) => e.name)).toEqual(['c']);
    await expect(cache.watch(r1 - 1, { matches: () => true }, collector().watcher, { initialEvents: false })).rejects.toMatchObject({
      httpStatus: 410,
      reason: 'Expired',
      message: `too old resource version: ${r1 - 1} (${r1})`, // upstream's (oldest - 1)
    });
  });

  it('a watch from the list’s revision is served while no event has left the window, however late the first came', async () => {
    const b = new MemoryBackend();
    const cache = new WatchCache(b, '/registry/x/', decode);
    await cache.ready();
    const listed = await b.currentRevision();
    await b.create('/registry/other/ns/o', obj('o')); // another resource moves the revision
    await b.create('/registry/x/ns/a', obj('a'));
    await tick();
    const c = collector();
    await cache.watch(listed, { matches: () => true }, c.watcher, { initialEvents: false });
    expect(c.events.map((e) => e.name)).toEqual(['a']);
  });

  it('objects entering a selector are ADDED and leaving it are DELETED', async () => {
    const b = new MemoryBackend();
    const cache = new WatchCache(b, '/registry/x/', decode);
    const c = collector();
    await cache.watch(0, { matches: (o) => o.metadata.labels?.app === 'web' }, c.watcher, { initialEvents: false });
    const r = await b.create('/registry/x/ns/a', obj('a'));
    const r2 = await b.update('/registry/x/ns/a', obj('a', { app: 'web' }), r);
    const r3 = await b.update('/registry/x/ns/a', obj('a', { app: 'web', v: '2' }), r2);
    await b.update('/registry/x/ns/a', obj('a', { app: 'db' }), r3);
    await tick();
    expect(c.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('an object leaving a selector is DELETED as it last matched, at the revision of the change (as upstream)', async () => {
    const b = new MemoryBackend();
    const cache = new WatchCache(b, '/registry/x/', decode);
    const sent: CacheEvent[] = [];
    await cache.watch(0, { matches: (o) => o.metadata.labels?.app === 'web' }, { send: (_t, ev) => void sent.push(ev as CacheEvent), close: () => undefined }, { initialEvents: false });
    const r = await b.create('/registry/x/ns/a', obj('a', { app: 'web', v: '1' }));
    const left = await b.update('/registry/x/ns/a', obj('a', { app: 'db' }), r);
    await tick();
    expect(sent.map((e) => e.obj.metadata)).toEqual([
      { name: 'a', namespace: 'ns', labels: { app: 'web', v: '1' }, resourceVersion: String(r) },
      { name: 'a', namespace: 'ns', labels: { app: 'web', v: '1' }, resourceVersion: String(left) },
    ]);
    // The cache itself keeps the object as it is now.
    expect(cache.peek('/registry/x/ns/a')!.metadata.labels).toEqual({ app: 'db' });
  });

  it('compact forgets the window: a watch from before is 410, one from now is served', async () => {
    const b = new MemoryBackend();
    const cache = new WatchCache(b, '/registry/x/', decode);
    await cache.ready();
    const r1 = await b.create('/registry/x/ns/a', obj('a'));
    const r2 = await b.create('/registry/x/ns/b', obj('b'));
    await tick();
    cache.compact(r2);
    await expect(cache.watch(r1, { matches: () => true }, collector().watcher, { initialEvents: false })).rejects.toMatchObject({ httpStatus: 410 });
    const c = collector();
    await cache.watch(r2, { matches: () => true }, c.watcher, { initialEvents: false });
    await b.create('/registry/x/ns/c', obj('c'));
    await tick();
    expect(c.events.map((e) => e.name)).toEqual(['c']);
  });

  it('initial events list the current state first', async () => {
    const b = new MemoryBackend();
    await b.create('/registry/x/ns/a', obj('a'));
    await b.create('/registry/x/other/b', obj('b'));
    const cache = new WatchCache(b, '/registry/x/', decode);
    const c = collector();
    await cache.watch(0, { namespace: 'ns', matches: () => true }, c.watcher, { initialEvents: true });
    expect(c.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED a']);
  });
});
