/**
 * A CRD with several served versions and conversion None: every served version is discovered and served,
 * the preferred one is upstream's highest-priority version, objects are stored in the storage version and
 * read in whichever version is asked (only apiVersion changes), each version validates with its own schema.
 */
import { describe, expect, it } from 'vitest';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const schema = (maxSize: number) => ({
  openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', maximum: maxSize }, color: { type: 'string', default: 'red' } } } } },
});
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'shapes.geo.example.com' },
  spec: {
    group: 'geo.example.com',
    scope: 'Namespaced',
    names: { plural: 'shapes', kind: 'Shape' },
    versions: [
      { name: 'v1beta1', served: true, storage: true, deprecated: true, schema: schema(10) },
      { name: 'v1', served: true, storage: false, schema: schema(5) },
      { name: 'v1alpha1', served: false, storage: false, schema: schema(1) },
    ],
  },
};
const path = (v: string, name = '') => `/apis/geo.example.com/${v}/namespaces/default/shapes${name ? '/' + name : ''}`;

async function until(f: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('not in time');
}

describe('a CRD with several versions (conversion None)', () => {
  it('serves and discovers every served version, the preferred one first', async () => {
    expect((await api(s.h, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD)).status).toBe(201);
    await until(async () => (await api(s.h, 'GET', path('v1beta1'))).status === 200);
    expect((await api(s.h, 'GET', path('v1'))).status).toBe(200);
    expect((await api(s.h, 'GET', path('v1alpha1'))).status).toBe(404);
    const group = (await api(s.h, 'GET', '/apis/geo.example.com')).json();
    expect(group.versions.map((v: { version: string }) => v.version)).toEqual(['v1', 'v1beta1']);
    expect(group.preferredVersion.version).toBe('v1');
    const res = await kubectl(s.h, ['api-resources', '--api-group', 'geo.example.com', '--no-headers']);
    expect(res.stdout.trim().split(/\s+/)).toEqual(['shapes', 'geo.example.com/v1', 'true', 'Shape']);
  });

  it('stores in the storage version and reads in the version asked for', async () => {
    const created = await api(s.h, 'POST', path('v1'), { apiVersion: 'geo.example.com/v1', kind: 'Shape', metadata: { name: 'sq' }, spec: { size: 4 } });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ apiVersion: 'geo.example.com/v1', spec: { size: 4, color: 'red' } });
    const stored = await s.backend.get('/registry/geo.example.com/shapes/default/sq');
    expect(JSON.parse(Buffer.from(stored!.value).toString()).apiVersion).toBe('geo.example.com/v1beta1');
    const asBeta = await api(s.h, 'GET', path('v1beta1', 'sq'));
    expect(asBeta.json()).toMatchObject({ apiVersion: 'geo.example.com/v1beta1', kind: 'Shape', spec: { size: 4, color: 'red' } });
    // a deprecated version warns on every answer, as upstream's default warning words it
    expect(asBeta.headers.warning).toBe('299 - "geo.example.com/v1beta1 Shape is deprecated; use geo.example.com/v1 Shape"');
    expect((await api(s.h, 'GET', path('v1', 'sq'))).headers.warning).toBeUndefined();
    const list = (await api(s.h, 'GET', path('v1'))).json();
    expect(list).toMatchObject({ apiVersion: 'geo.example.com/v1', kind: 'ShapeList' });
    expect(list.items.map((i: { apiVersion: string }) => i.apiVersion)).toEqual(['geo.example.com/v1']);
    const viaKubectl = await kubectl(s.h, ['get', 'shapes.v1beta1.geo.example.com', 'sq', '-o', 'json']);
    expect(JSON.parse(viaKubectl.stdout).apiVersion).toBe('geo.example.com/v1beta1');
    expect(viaKubectl.stderr).toContain('Warning: geo.example.com/v1beta1 Shape is deprecated; use geo.example.com/v1 Shape');
  });

  it('each version validates with its own schema', async () => {
    const v1 = await api(s.h, 'POST', path('v1'), { apiVersion: 'geo.example.com/v1', kind: 'Shape', metadata: { name: 'big' }, spec: { size: 8 } });
    expect(v1.status).toBe(422);
    expect(v1.json().details.causes[0]).toMatchObject({ field: 'spec.size', message: 'Invalid value: 8: spec.size in body should be less than or equal to 5' });
    const beta = await api(s.h, 'POST', path('v1beta1'), { apiVersion: 'geo.example.com/v1beta1', kind: 'Shape', metadata: { name: 'big' }, spec: { size: 8, junk: 1 } });
    expect(beta.status).toBe(201);
    // the deprecation warning comes first, then the handler's own (the pruned field)
    expect(beta.headers.warning).toBe('299 - "geo.example.com/v1beta1 Shape is deprecated; use geo.example.com/v1 Shape", 299 - "unknown field \\"spec.junk\\""');
    const wrong = await api(s.h, 'POST', path('v1'), { apiVersion: 'geo.example.com/v1beta1', kind: 'Shape', metadata: { name: 'x' }, spec: {} });
    expect(wrong.status).toBe(400);
  });

  it('explain shows the preferred version; deleting the CRD removes every version', async () => {
    const explain = await kubectl(s.h, ['explain', 'shapes']);
    expect(explain.stdout).toContain('VERSION:    v1');
    expect((await api(s.h, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/shapes.geo.example.com')).status).toBeLessThan(300);
    await until(async () => (await api(s.h, 'GET', path('v1'))).status === 404 && (await api(s.h, 'GET', path('v1beta1'))).status === 404);
    expect((await s.backend.list('/registry/geo.example.com/')).items).toEqual([]);
    expect((await api(s.h, 'GET', '/apis/geo.example.com')).status).toBe(404);
  });
});
