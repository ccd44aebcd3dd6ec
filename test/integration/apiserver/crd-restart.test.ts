/**
 * A CustomResourceDefinition survives an API server restart: the kinds of stored CRDs are served again
 * before the server says it is ready, with their objects, and a stopped server no longer serves them.
 */
import { describe, expect, it } from 'vitest';
import { findResource } from '../../../api/kinds/registry.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.restart.example.com' },
  spec: {
    group: 'restart.example.com',
    scope: 'Cluster',
    names: { plural: 'gadgets', kind: 'Gadget', shortNames: ['gd'] },
    versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', default: 2 } } } } } } }],
  },
};

async function until(f: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in 5 s');
}

describe('CRDs across a restart', () => {
  it('are served again, with their objects, as soon as the restarted server is ready', async () => {
    expect((await api(s.h, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD)).status).toBe(201);
    await until(async () => (await api(s.h, 'GET', '/apis/restart.example.com/v1alpha1/gadgets')).status === 200);
    const created = await api(s.h, 'POST', '/apis/restart.example.com/v1alpha1/gadgets', { apiVersion: 'restart.example.com/v1alpha1', kind: 'Gadget', metadata: { name: 'g1' }, spec: {} });
    expect(created.status).toBe(201);
    expect(created.json().spec).toEqual({ size: 2 });

    await s.h.server!.stop();
    expect(findResource('restart.example.com', 'gadgets')).toBeUndefined();
    await s.h.restart();
    // no waiting: start() returned once the stored CRDs' kinds were served
    const got = await api(s.h, 'GET', '/apis/restart.example.com/v1alpha1/gadgets/g1');
    expect(got.status).toBe(200);
    expect(got.json().spec).toEqual({ size: 2 });
    const out = await kubectl(s.h, ['get', 'gd', '--no-headers']);
    expect(out.stdout).toMatch(/^g1\s+\d+s/);
    const crd = (await api(s.h, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.restart.example.com')).json();
    expect(crd.status.conditions.find((c: { type: string }) => c.type === 'Established')).toMatchObject({ status: 'True' });
  });
});
