/**
 * A stored value that cannot be decrypted (or decoded) is never silently skipped: GET answers 500,
 * LIST fails as a whole naming the key (from etcd and from the watch cache), and watchers end with
 * a 500 ERROR; once the value is gone the resource works again.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../../control-plane/storage/memory-backend.js';
import { Store } from '../../../control-plane/apiserver/store.js';
import { strategyFor } from '../../../api/kinds/registry.js';
import { parseEncryptionConfig } from '../../../control-plane/apiserver/encryption.js';
import { findResource } from '../../../api/resources.js';
import type { KubeError } from '../../../api/errors.js';

const secrets = findResource('', 'secrets')!;
const cfg = (name: string) => `kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aescbc:
          keys:
            - name: ${name}
              secret: ${randomBytes(32).toString('base64')}
      - identity: {}
`;
const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data: { k: 'dg==' } });
const NO_KEY = 'no matching key was found for the provided AES transformer';

async function setup() {
  const backend = new MemoryBackend();
  const store = new Store(secrets, strategyFor(secrets), backend, parseEncryptionConfig(cfg('key1')).get('secrets'));
  for (const n of ['a', 'b', 'c']) await store.create('default', secret(n));
  // A value written with a key the server does not have (a rotated-away key, say).
  const foreign = parseEncryptionConfig(cfg('key2')).get('secrets')!;
  await backend.create('/registry/secrets/default/bad', foreign.toStorage(Buffer.from(JSON.stringify(secret('bad')))));
  return { backend, store };
}

async function failure(p: Promise<unknown>): Promise<KubeError> {
  try {
    await p;
  } catch (e) {
    return e as KubeError;
  }
  throw new Error('expected a failure');
}

describe('unreadable stored values', () => {
  it('GET is a 500 with upstream\'s message', async () => {
    const { store } = await setup();
    const e = await failure(store.get('default', 'bad'));
    expect(e.httpStatus).toBe(500);
    expect(e.toStatus()).toMatchObject({ reason: 'InternalError', code: 500, message: `Internal error occurred: ${NO_KEY}` });
    expect((await store.get('default', 'a')).data).toEqual({ k: 'dg==' });
  });

  it.each([
    ['a consistent list', {}],
    ['a paged list whose page holds it', { limit: 3 }],
    ['a list from the watch cache (resourceVersion=0)', { resourceVersion: '0' }],
  ])('%s fails as a whole, naming the key', async (_n, q) => {
    const { store } = await setup();
    const e = await failure(store.list({ matches: () => true, ...q }));
    expect(e.toStatus()).toMatchObject({
      reason: 'InternalError',
      code: 500,
      message: `Internal error occurred: unable to transform key "/registry/secrets/default/bad": ${NO_KEY}`,
    });
  });

  it('a value that is not JSON fails the list too', async () => {
    const backend = new MemoryBackend();
    const store = new Store(findResource('', 'configmaps')!, strategyFor(findResource('', 'configmaps')!), backend);
    await backend.create('/registry/configmaps/default/x', Buffer.from('garbage'));
    const e = await failure(store.list({ matches: () => true }));
    expect(e.httpStatus).toBe(500);
    expect(e.message).toMatch(/^Internal error occurred: unable to decode key "\/registry\/configmaps\/default\/x": /);
  });

  it.each([
    ['metadata that is not an object', '{"apiVersion":"v1","kind":"ConfigMap","metadata":"x"}', "the stored value's metadata is not an object"],
    ['a kind that is not a string', '{"apiVersion":"v1","kind":7,"metadata":{"name":"x"}}', "the stored value's kind is not a string"],
  ])('a value whose %s is unreadable: GET and LIST are 500s', async (_n, text, why) => {
    const backend = new MemoryBackend();
    const configmaps = findResource('', 'configmaps')!;
    const store = new Store(configmaps, strategyFor(configmaps), backend);
    await backend.create('/registry/configmaps/default/x', Buffer.from(text));
    const e = await failure(store.get('default', 'x'));
    expect(e.toStatus()).toMatchObject({ reason: 'InternalError', code: 500, message: `Internal error occurred: ${why}` });
    const l = await failure(store.list({ matches: () => true }));
    expect(l.toStatus()).toMatchObject({ code: 500, message: `Internal error occurred: unable to decode key "/registry/configmaps/default/x": ${why}` });
  });

  it('a value with null metadata reads as one with empty metadata (Go decodes null as the zero ObjectMeta)', async () => {
    const backend = new MemoryBackend();
    const configmaps = findResource('', 'configmaps')!;
    const store = new Store(configmaps, strategyFor(configmaps), backend);
    const rev = await backend.create('/registry/configmaps/default/x', Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":null,"data":{"a":"b"}}'));
    expect(await store.get('default', 'x')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: String(rev) }, data: { a: 'b' } });
  });

  it('a watcher meeting an unreadable value ends with a 500; the cache fails until the value is gone', async () => {
    const backend = new MemoryBackend();
    const store = new Store(secrets, strategyFor(secrets), backend, parseEncryptionConfig(cfg('key1')).get('secrets'));
    await store.create('default', secret('a'));
    const closed: (KubeError | undefined)[] = [];
    await store.cache.watch(0, { matches: () => true }, { send: () => undefined, close: (err) => closed.push(err) }, { initialEvents: false });
    const foreign = parseEncryptionConfig(cfg('key2')).get('secrets')!;
    await backend.create('/registry/secrets/default/bad', foreign.toStorage(Buffer.from('{}')));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed.map((e) => e?.toStatus())).toMatchObject([{ code: 500, message: `Internal error occurred: unable to transform key "/registry/secrets/default/bad": ${NO_KEY}` }]);
    const e = await failure(store.list({ matches: () => true, resourceVersion: '0' }));
    expect(e.httpStatus).toBe(500);
    await backend.delete('/registry/secrets/default/bad');
    await new Promise((r) => setTimeout(r, 1100));
    const l = await store.list({ matches: () => true, resourceVersion: '0' });
    expect(l.items.map((o) => o.metadata.name)).toEqual(['a']);
  });
});
