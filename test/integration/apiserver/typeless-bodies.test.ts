/**
 * Create and update bodies without apiVersion/kind, as upstream's decoder reads them (gvkWithDefaults): the
 * endpoint's group, version and kind fill what the body leaves out, so `@kubernetes/client-node`'s README example
 * `createNamespace({ body: { metadata: { name } } })` works; a body naming another kind or version is still a 400
 * and nothing is stored.
 */
import { describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

function clients(): { core: k8s.CoreV1Api; apps: k8s.AppsV1Api } {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(s.h.kubeconfig);
  return { core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api) };
}

const CMS = '/api/v1/namespaces/default/configmaps';

describe('bodies without apiVersion and kind', () => {
  it("client-node's README example creates a namespace", async () => {
    const { core } = clients();
    const ns = await core.createNamespace({ body: { metadata: { name: 'readme-example' } } });
    expect(ns.kind).toBe('Namespace');
    expect(ns.apiVersion).toBe('v1');
    expect(ns.status?.phase).toBe('Active');
    const stored = JSON.parse((await s.backend.get('/registry/namespaces/readme-example'))!.value.toString());
    expect(stored).toMatchObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'readme-example' } });
  });

  it('create and replace a ConfigMap and a Deployment with no type in the body', async () => {
    const { core, apps } = clients();
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'typeless' }, data: { a: '1' } } });
    expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
    const replaced = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'typeless', body: { metadata: { name: 'typeless' }, data: { a: '2' } } });
    expect(replaced).toMatchObject({ kind: 'ConfigMap', data: { a: '2' } });

    const template = { metadata: { labels: { app: 't' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const d = await apps.createNamespacedDeployment({ namespace: 'default', body: { metadata: { name: 'typeless' }, spec: { selector: { matchLabels: { app: 't' } }, template } } });
    expect(d).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
    // The status subresource too; and an apiVersion naming only the endpoint's group gets its version.
    const st = await api(s.h, 'PUT', '/apis/apps/v1/namespaces/default/deployments/typeless/status', { apiVersion: 'apps/', metadata: { name: 'typeless' }, spec: d.spec, status: { replicas: 0, observedGeneration: 1 } });
    expect(st.status).toBe(200);
    expect(st.json()).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', status: { observedGeneration: 1 } });
  });

  it('a body naming another kind or version is refused and nothing is stored', async () => {
    const other = await api(s.h, 'POST', CMS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'not-a-cm' } });
    expect(other.status).toBe(400);
    expect(other.json().message).toContain('must be of type ConfigMap');
    const version = await api(s.h, 'POST', CMS, { apiVersion: 'apps/v1', metadata: { name: 'not-a-cm' } });
    expect(version.status).toBe(400);
    expect(version.json().message).toBe('the API version in the data (apps/v1) does not match the expected API version (v1)');
    const kindOnly = await api(s.h, 'POST', CMS, { kind: 'Secret', metadata: { name: 'not-a-cm' } });
    expect(kindOnly.status).toBe(400);
    expect(await s.backend.get('/registry/configmaps/default/not-a-cm')).toBeNull();
  });
});
