/**
 * Lists served from what the watch cache already holds (issue 11's list cost): the cache keeps its keys in
 * order, a consistent list asks the backend for keys and revisions only and takes the cache's copy of each
 * version (reading values only for versions the cache has not seen yet), and a list body joined from each
 * object's JSON text is byte for byte JSON.stringify of the list, in every negotiated format.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../../control-plane/storage/memory-backend.js';
import type { BackendWatchEvent, ListOptions, WatchHandlers } from '../../../control-plane/storage/backend.js';
import { WatchCache, serializedJson } from '../../../control-plane/apiserver/watch-cache.js';
import { Store } from '../../../control-plane/apiserver/store.js';
import { listBody } from '../../../control-plane/apiserver/list-body.js';
import { encodeBody, PreEncodedJson } from '../../../control-plane/apiserver/http-util.js';
import { negotiateOutput, resourceRestrictions, SUPPORTED_MEDIA_TYPES } from '../../../control-plane/apiserver/negotiation.js';
import { strategyFor } from '../../../api/kinds/registry.js';
import { findResource } from '../../../api/resources.js';
import type { KubeObject } from '../../../api/types/index.js';

const tick = () => new Promise((r) => setTimeout(r, 10));
const decode = (_k: string, v: Buffer, rev: number) => {
  const o = JSON.parse(v.toString());
  return { ...o, metadata: { ...o.metadata, resourceVersion: String(rev) } };
};
const value = (ns: string, name: string) => Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } }));
const names = (objs: { obj: KubeObject }[]) => objs.map((o) => `${o.obj.metadata.namespace}/${o.obj.metadata.name}`);

describe('watch cache order and versions', () => {
  it('lists in key order, per namespace, as objects come and go (no namespace is a prefix of another)', async () => {
    const b = new MemoryBackend();
    const cache = new WatchCache(b, '/registry/x/', decode);
    await b.create('/registry/x/ns/b', value('ns', 'b'));
    await b.create('/registry/x/ns2/a', value('ns2', 'a'));
    await cache.ready();
    expect(names(cache.list())).toEqual(['ns/b', 'ns2/a']);
    await b.create('/registry/x/ns/a', value('ns', 'a'));
    await b.create('/registry/x/ns/c', value('ns', 'c'));
    await b.create('/registry/x/a/z', value('a', 'z'));
    await tick();
    expect(names(cache.list())).toEqual(['a/z', 'ns/a', 'ns/b', 'ns/c', 'ns2/a']);
    expect(names(cache.list('ns'))).toEqual(['ns/a', 'ns/b', 'ns/c']);
    await b.delete('/registry/x/ns/b');
    const r = (await b.get('/registry/x/ns/c'))!.modRevision;
    await b.update('/registry/x/ns/c', value('ns', 'c'), r); // a change keeps its place
    await tick();
    expect(names(cache.list())).toEqual(['a/z', 'ns/a', 'ns/c', 'ns2/a']);
    expect(names(cache.list('ns2'))).toEqual(['ns2/a']);
    expect(names(cache.list('none'))).toEqual([]);
  });

  it('version(key, modRevision) is the cached object only for the revision it holds', async () => {
    const b = new MemoryBackend();
    const cache = new WatchCache(b, '/registry/x/', decode);
    const r1 = await b.create('/registry/x/ns/a', value('ns', 'a'));
    await cache.ready();
    const held = cache.peek('/registry/x/ns/a');
    expect(cache.version('/registry/x/ns/a', r1)).toBe(held);
    expect(cache.version('/registry/x/ns/a', r1 + 1)).toBeUndefined();
    expect(cache.version('/registry/x/ns/none', r1)).toBeUndefined();
  });

  it('serializedJson is JSON.stringify, made once per object: a new version is a new object with its own text', async () => {
    const b = new MemoryBackend();
    const cache = new WatchCache(b, '/registry/x/', decode);
    const r1 = await b.create('/registry/x/ns/a', value('ns', 'a'));
    await cache.ready();
    const first = cache.peek('/registry/x/ns/a')!;
    const text = serializedJson(first);
    expect(text).toBe(JSON.stringify(first));
    expect(serializedJson(first)).toBe(text);
    await b.update('/registry/x/ns/a', Buffer.from(JSON.stringify({ metadata: { name: 'a', namespace: 'ns', labels: { v: '2' } } })), r1);
    await tick();
    const second = cache.peek('/registry/x/ns/a')!;
    expect(second).not.toBe(first);
    expect(JSON.parse(serializedJson(second)).metadata.labels).toEqual({ v: '2' });
  });
});

const cmInfo = findResource('', 'configmaps')!;

/**
 * A memory backend that records the options of every list (to see keys-only reads) and can hold its watch
 * events back (a watch cache that has not seen the latest writes yet, as a busy etcd watch).
 */
class RecordingBackend extends MemoryBackend {
  lists: ListOptions[] = [];
  private held: (() => void)[] | undefined;
  override list(prefix: string, opts: ListOptions = {}) {
    this.lists.push(opts);
    return super.list(prefix, opts);
  }
  override watch(prefix: string, fromRevision: number, handlers: WatchHandlers) {
    return super.watch(prefix, fromRevision, {
      onEvents: (evs: BackendWatchEvent[]) => (this.held ? this.held.push(() => handlers.onEvents(evs)) : handlers.onEvents(evs)),
      onError: (e) => handlers.onError(e),
    });
  }
  holdWatch(): void {
    this.held ??= [];
  }
  releaseWatch(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const deliver of held) deliver();
  }
  /** Every value under the prefix decoded by `decode`, without being recorded. */
  async values<T>(prefix: string, decode: (key: string, value: Buffer, rev: number) => T): Promise<T[]> {
    return (await super.list(prefix)).items.map((kv) => decode(kv.key, kv.value, kv.modRevision));
  }
}

function cm(name: string, labels: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { k: `v-${name}` } };
}

describe('consistent lists through the watch cache', () => {
  let backend: RecordingBackend;
  let store: Store;
  beforeEach(async () => {
    backend = new RecordingBackend();
    store = new Store(cmInfo, strategyFor(cmInfo), backend);
    await store.cache.ready();
  });

  /** The same list decoded from the backend's values, as the store read it before (every value parsed). */
  const decodedFromValues = (): Promise<KubeObject[]> => backend.values('/registry/configmaps/default/', (k, v, rev) => store.decode(k, v, rev));

  it('a caught-up cache: etcd sends keys only and the items are the cache’s own objects', async () => {
    for (let i = 0; i < 5; i++) await store.create('default', cm(`c${i}`));
    await tick();
    backend.lists = [];
    const res = await store.list({ namespace: 'default', matches: () => true });
    expect(backend.lists).toEqual([{ keysOnly: true }]);
    expect(res.items.map((o) => o.metadata.name)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    for (const o of res.items) expect(o).toBe(store.cache.peek(store.key('default', o.metadata.name!)));
    expect(res.items).toEqual(await decodedFromValues());
    expect(res.resourceVersion).toBe(String(await backend.currentRevision()));
  });

  it('versions the cache has not seen yet are read at the list’s revision: a few one by one, many as the page again', async () => {
    for (let i = 0; i < 3; i++) await store.create('default', cm(`a${i}`));
    await tick();
    // written just now: the cache's watch has not delivered them when the list runs
    backend.holdWatch();
    const fresh = await store.create('default', cm('a1-new'));
    const updated = await store.guaranteedUpdate('default', 'a0', (cur) => ({ ...cur, data: { k: 'changed' } }));
    backend.lists = [];
    const few = await store.list({ namespace: 'default', matches: () => true });
    expect(few.items.map((o) => [o.metadata.name, o.metadata.resourceVersion])).toEqual([
      ['a0', updated.metadata.resourceVersion],
      ['a1', expect.any(String)],
      ['a1-new', fresh.metadata.resourceVersion],
      ['a2', expect.any(String)],
    ]);
    expect(backend.lists).toEqual([{ keysOnly: true }, { revision: Number(few.resourceVersion), limit: 1 }, { revision: Number(few.resourceVersion), limit: 1 }]);
    expect(few.items).toEqual(await decodedFromValues());

    for (let i = 0; i < 40; i++) await store.create('default', cm(`m${String(i).padStart(2, '0')}`));
    backend.lists = [];
    const many = await store.list({ namespace: 'default', matches: () => true });
    expect(many.items).toHaveLength(44);
    expect(backend.lists).toEqual([{ keysOnly: true }, { revision: Number(many.resourceVersion) }]);
    expect(many.items).toEqual(await decodedFromValues());
    backend.releaseWatch();
    await tick();
    backend.lists = [];
    expect(await store.list({ namespace: 'default', matches: () => true })).toEqual(many);
    expect(backend.lists).toEqual([{ keysOnly: true }]);
  });

  it('selectors and limit/continue paging give what they gave with values, while the cache lags or not', async () => {
    backend.holdWatch();
    for (let i = 0; i < 7; i++) await store.create('default', cm(`d${i}`, { parity: i % 2 === 0 ? 'even' : 'odd' }));
    for (const lag of [true, false]) {
      if (!lag) backend.releaseWatch();
      const seen: (string | undefined)[] = [];
      let token: string | undefined;
      do {
        const page = await store.list({ namespace: 'default', matches: (o) => o.metadata.labels?.parity === 'even', limit: 2, ...(token ? { continueToken: token } : {}) });
        seen.push(...page.items.map((o) => o.metadata.name));
        token = page.continueToken;
      } while (token);
      expect(seen).toEqual(['d0', 'd2', 'd4', 'd6']);
    }
  });

  it('an unreadable value still fails the whole list (never a silent gap)', async () => {
    await store.create('default', cm('ok'));
    await backend.create('/registry/configmaps/default/zz', Buffer.from('not json'));
    await expect(store.list({ namespace: 'default', matches: () => true })).rejects.toMatchObject({ httpStatus: 500 });
  });
});

describe('list bodies joined from each object’s text', () => {
  const items = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '7', labels: { 'é': 'ü', q: '"\\\n' } }, data: { x: '\u2028 \u0000 😀' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', resourceVersion: '9' }, data: {}, n: [1, 2.5, -0, null, true] },
  ] as unknown as KubeObject[];
  const cases: [string, KubeObject[], { resourceVersion: string; continue?: string }][] = [
    ['two items', items, { resourceVersion: '12' }],
    ['no items', [], { resourceVersion: '3' }],
    ['a continue token', items.slice(0, 1), { resourceVersion: '12', continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ==' }],
  ];
  for (const [name, list, meta] of cases) {
    it(`is JSON.stringify of the list, byte for byte: ${name}`, () => {
      const body = listBody('ConfigMapList', 'v1', meta, list);
      const json = body.json();
      expect(Buffer.isBuffer(json) ? json.toString('utf8') : json).toBe(JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: meta, items: list }));
      expect(Buffer.byteLength(json)).toBe(Buffer.byteLength(JSON.stringify(body.value)));
      expect(body.value).toEqual({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: meta, items: list });
    });
  }

  it('compact JSON writes the joined text; YAML, protobuf and pretty JSON encode the list object as before', () => {
    const r = resourceRestrictions(SUPPORTED_MEDIA_TYPES);
    const out = (accept: string, pretty = false) => ({ negotiated: negotiateOutput(accept, r), pretty });
    const plain = { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '12' }, items };
    const body = new PreEncodedJson(plain, () => 'JOINED');
    expect(encodeBody(body, out('application/json'))).toEqual({ contentType: 'application/json', text: 'JOINED' });
    expect(encodeBody(body, undefined).text).toBe('JOINED');
    for (const [accept, pretty] of [['application/json', true], ['application/yaml', false], ['application/vnd.kubernetes.protobuf', false]] as const) {
      expect(encodeBody(body, out(accept, pretty))).toEqual(encodeBody(plain, out(accept, pretty)));
    }
  });
});
