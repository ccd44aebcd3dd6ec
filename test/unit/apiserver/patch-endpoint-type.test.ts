/**
 * A patched document is decoded into the endpoint's type, as upstream's patcher does: removing or changing
 * `kind`/`apiVersion` cannot switch the schema check off (a patch that removed /kind used to skip it and store
 * `labels: "x"`, `data: 5` in a ConfigMap).
 */
import { describe, expect, it } from 'vitest';
import { InProcessClient } from '../../../control-plane/apiserver/in-process-client.js';
import { findResource } from '../../../api/resources.js';

const configmaps = findResource('', 'configmaps')!;
const JSON_PATCH = 'json';
type Cm = { kind?: string; apiVersion?: string; data?: Record<string, string>; metadata: { labels?: Record<string, string> } };

async function withConfigMap(): Promise<InProcessClient> {
  const c = new InProcessClient();
  await c.create(configmaps, 'default', { metadata: { name: 'cm' }, data: { a: '1' } });
  return c;
}

describe('a patch is checked against the endpoint type', () => {
  it.each([
    ['kind removed', [{ op: 'remove', path: '/kind' }, { op: 'add', path: '/metadata/labels', value: 'x' }, { op: 'add', path: '/data', value: 5 }]],
    ['apiVersion removed', [{ op: 'remove', path: '/apiVersion' }, { op: 'add', path: '/data', value: 5 }]],
    ['both removed', [{ op: 'remove', path: '/apiVersion' }, { op: 'remove', path: '/kind' }, { op: 'add', path: '/data', value: 5 }]],
  ])('%s: a wrong type is still a 400 and nothing changes', async (_name, ops) => {
    const c = await withConfigMap();
    await expect(c.patch(configmaps, 'default', 'cm', ops, JSON_PATCH)).rejects.toMatchObject({ httpStatus: 400, reason: 'BadRequest' });
    expect((await c.get<Cm>(configmaps, 'default', 'cm')).data).toEqual({ a: '1' });
  });

  it('another kind is refused as upstream decoding refuses it', async () => {
    const c = await withConfigMap();
    await expect(c.patch(configmaps, 'default', 'cm', [{ op: 'replace', path: '/kind', value: 'Secret' }], JSON_PATCH)).rejects.toMatchObject({
      httpStatus: 400,
      message: 'the object provided is unrecognized (must be of type ConfigMap): no kind "Secret" is registered for this endpoint (expected ConfigMap in version "v1")',
    });
    await expect(c.patch(configmaps, 'default', 'cm', [{ op: 'replace', path: '/apiVersion', value: 'v2' }], JSON_PATCH)).rejects.toMatchObject({
      httpStatus: 400,
      message: 'the API version in the data (v2) does not match the expected API version (v1)',
    });
  });

  it('removing kind alone is harmless: the endpoint type is filled in', async () => {
    const c = await withConfigMap();
    const out = await c.patch<Cm>(configmaps, 'default', 'cm', [{ op: 'remove', path: '/kind' }, { op: 'add', path: '/data/b', value: '2' }], JSON_PATCH);
    expect(out).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', data: { a: '1', b: '2' } });
  });
});
