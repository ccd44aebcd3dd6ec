/**
 * The OpenAPI documents after a CRD goes: the `<Kind>List` definition made while the kind was served goes
 * with it (it answered 500 `Cannot read properties of undefined` on /openapi/v2 once any CRD had been
 * deleted, so kubectl's client-side validation of a `kind: List` file failed), and a CRD made again with
 * another schema lists its new schema.
 */
import { describe, expect, it } from 'vitest';
import { api, kubectlOk, type ApiHandle } from '../../support/apiserver.js';
import { useApiServerOverEtcd } from '../../support/api-fixture.js';
import { waitFor } from '../../support/net.js';

let h: ApiHandle;
useApiServerOverEtcd((s) => {
  h = s.h;
});

const crd = (field: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.docs.example.com' },
  spec: {
    group: 'docs.example.com', scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { [field]: { type: 'string' } } } } } } }],
  },
});

async function v2(): Promise<Record<string, any>> {
  const r = await api(h, 'GET', '/openapi/v2');
  expect(r.status, r.body.slice(0, 300)).toBe(200);
  return r.json().definitions;
}

const served = async (yes: boolean) =>
  waitFor(async () => ((await api(h, 'GET', '/apis/docs.example.com/v1')).status === 200) === yes, 10_000, `gadgets ${yes ? '' : 'no longer '}served`);

describe('OpenAPI v2 across a CRD deleted and made again', () => {
  it('the list definition goes with the kind, and comes back with the new schema', async () => {
    await kubectlOk(h, ['apply', '-f', '-'], JSON.stringify(crd('color')));
    await served(true);
    const first = await v2();
    expect(Object.keys(first).filter((k) => k.includes('com.example.docs'))).toEqual(['com.example.docs.v1.Gadget', 'com.example.docs.v1.GadgetList']);
    expect((await api(h, 'GET', '/openapi/v2', undefined, { headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } })).status).toBe(200);

    await kubectlOk(h, ['delete', 'crd', 'gadgets.docs.example.com']);
    await served(false);
    const gone = await v2();
    expect(Object.keys(gone).filter((k) => k.includes('com.example.docs'))).toEqual([]);
    expect((await api(h, 'GET', '/openapi/v2', undefined, { headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } })).status).toBe(200);

    await kubectlOk(h, ['apply', '-f', '-'], JSON.stringify(crd('size')));
    await served(true);
    const again = await v2();
    expect(Object.keys(again['com.example.docs.v1.Gadget'].properties.spec.properties)).toEqual(['size']);
    expect(again['com.example.docs.v1.GadgetList'].properties.items.items.$ref).toBe('#/definitions/com.example.docs.v1.Gadget');
    await kubectlOk(h, ['delete', 'crd', 'gadgets.docs.example.com']);
  });
});
