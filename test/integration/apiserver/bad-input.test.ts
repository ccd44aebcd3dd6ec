/** Bad input gets upstream's status code and a Status naming the problem, and nothing is left in etcd. */
import { describe, expect, it } from 'vitest';
import type { EtcdHandle } from '../../support/etcd.js';
import { useApiServerOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, rawRequest, type ApiHandle } from '../../support/apiserver.js';
import type { EtcdBackend } from '../../../control-plane/storage/etcd-backend.js';

let etcd: EtcdHandle;
let h: ApiHandle;
let backend: EtcdBackend;

useApiServerOverEtcd((s) => ({ etcd, h, backend } = s));

const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

function pod(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, ...extra };
}

async function nothingStored(prefix: string): Promise<void> {
  const l = await backend.list(prefix);
  expect(l.items.map((i) => i.key)).toEqual([]);
}

describe('bad input', () => {
  const cases: { name: string; method?: string; path?: string; body: string | object; contentType?: string; status: number; reason: string; message: RegExp; field?: string }[] = [
    { name: 'malformed JSON', body: '{"apiVersion": "v1", "kind": "Pod", "metadata": {', status: 400, reason: 'BadRequest', message: /json parse error/ },
    { name: 'malformed YAML', body: 'apiVersion: v1\nkind: Pod\nmetadata: [name: x\n', contentType: 'application/yaml', status: 400, reason: 'BadRequest', message: /YAML/ },
    { name: 'an unknown kind', body: { apiVersion: 'v1', kind: 'Podd', metadata: { name: 'x1' } }, status: 400, reason: 'BadRequest', message: /Podd/ },
    { name: 'a wrong apiVersion', body: { ...pod('x2'), apiVersion: 'v2' }, status: 400, reason: 'BadRequest', message: /the API version in the data \(v2\) does not match the expected API version \(v1\)/ },
    // A missing kind is the endpoint's (as upstream's decoder defaults it); a kind of another endpoint is refused.
    { name: 'the kind of another endpoint', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x3' } }, status: 400, reason: 'BadRequest', message: /must be of type Pod/ },
    { name: 'an invalid name', body: pod('Bad_Name'), status: 422, reason: 'Invalid', message: /Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/, field: 'metadata.name' },
    { name: 'missing required fields', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x4' }, spec: { containers: [{ name: 'c' }] } }, status: 422, reason: 'Invalid', message: /spec.containers\[0\].image: Required value/, field: 'spec.containers[0].image' },
    { name: 'an unknown field under strict validation', path: `${DEPLOYS}?fieldValidation=Strict`, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x5' }, spec: { replicasx: 3, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }, status: 400, reason: 'BadRequest', message: /strict decoding error: unknown field "spec.replicasx"/ },
    { name: 'a wrong type', path: DEPLOYS, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x6' }, spec: { replicas: 'three', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }, status: 400, reason: 'BadRequest', message: /spec.replicas/ },
    { name: 'an object over 1.5 MiB', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'big' }, spec: { containers: [{ name: 'c', image: 'busybox', args: ['x'.repeat(1_700_000)] }] } }, status: 413, reason: 'RequestEntityTooLarge', message: /too large/ },
    { name: 'a ConfigMap over 1 MiB', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bigcm' }, data: { a: 'x'.repeat(1_100_000) } }, path: '/api/v1/namespaces/default/configmaps', status: 422, reason: 'Invalid', message: /Too long/ },
    { name: 'a body over 3 MiB', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { a: 'x'.repeat(3_200_000) } }, path: '/api/v1/namespaces/default/configmaps', status: 413, reason: 'RequestEntityTooLarge', message: /Request entity too large: limit is 3145728/ },
    { name: 'a namespace that does not exist', path: '/api/v1/namespaces/nope/pods', body: pod('x7'), status: 404, reason: 'NotFound', message: /namespaces "nope" not found/ },
    { name: 'an unsupported media type', body: 'x', contentType: 'text/plain', status: 415, reason: 'UnsupportedMediaType', message: /unknown format/ },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.reason}`, async () => {
      const r = await api(h, c.method ?? 'POST', c.path ?? PODS, typeof c.body === 'string' ? c.body : JSON.stringify(c.body), { contentType: c.contentType ?? 'application/json' });
      expect(r.status).toBe(c.status);
      const st = r.json();
      expect(st.kind).toBe('Status');
      expect(st.status).toBe('Failure');
      expect(st.reason).toBe(c.reason);
      expect(st.code).toBe(c.status);
      expect(st.message).toMatch(c.message);
      if (c.field) expect(st.details.causes.map((x: { field: string }) => x.field)).toContain(c.field);
    });
  }

  it('left nothing in etcd', async () => {
    await nothingStored('/registry/pods/');
    await nothingStored('/registry/deployments/');
    await nothingStored('/registry/configmaps/default/');
  });

  it('every failing field is reported at once', async () => {
    const r = await api(h, 'POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'multi' }, spec: { restartPolicy: 'Sometimes', containers: [{ name: 'Bad Name' }] } });
    expect(r.status).toBe(422);
    const fields = r.json().details.causes.map((c: { field: string }) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.containers[0].name', 'spec.containers[0].image', 'spec.restartPolicy']));
  });

  it('a stale resourceVersion is 409 Conflict', async () => {
    const created = (await api(h, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cas' }, data: { v: '1' } })).json();
    const first = await api(h, 'PUT', '/api/v1/namespaces/default/configmaps/cas', { ...created, data: { v: '2' } });
    expect(first.status).toBe(200);
    const stale = await api(h, 'PUT', '/api/v1/namespaces/default/configmaps/cas', { ...created, data: { v: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.json().reason).toBe('Conflict');
    expect(stale.json().message).toBe('Operation cannot be fulfilled on configmaps "cas": the object has been modified; please apply your changes to the latest version and try again');
    const now = (await api(h, 'GET', '/api/v1/namespaces/default/configmaps/cas')).json();
    expect(now.data.v).toBe('2');
  });

  it('creating an existing name is 409 AlreadyExists', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dup' } };
    expect((await api(h, 'POST', '/api/v1/namespaces/default/configmaps', body)).status).toBe(201);
    const r = await api(h, 'POST', '/api/v1/namespaces/default/configmaps', body);
    expect(r.status).toBe(409);
    expect(r.json()).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "dup" already exists' });
  });

  it('a wrong token is 401; no token is system:anonymous (--anonymous-auth defaults to true, as upstream), 403 here', async () => {
    const r = await api(h, 'GET', PODS, undefined, { token: 'wrong-token' });
    expect(r.status).toBe(401);
    expect(r.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const anon = await api(h, 'GET', PODS, undefined, { token: '' });
    expect(anon.status).toBe(403);
    expect(anon.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden', message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"' });
    const k = await kubectl(h, ['get', 'pods', '--token', 'wrong-token']);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toMatch(/Unauthorized|must be logged in/);
  });

  it('a user outside system:masters is 403 with the verb and resource named', async () => {
    const r = await api(h, 'GET', PODS, undefined, { token: 'usertoken' });
    expect(r.status).toBe(403);
    expect(r.json().message).toBe('pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"');
  });

  it('a node may write only its own Node', async () => {
    const own = await api(h, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node01' } }, { token: 'nodetoken-node01' });
    expect(own.status).toBe(201);
    expect((await api(h, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node02' } })).status).toBe(201);
    const other = await api(h, 'PATCH', '/api/v1/nodes/node02', { metadata: { labels: { x: 'y' } } }, { token: 'nodetoken-node01', contentType: 'application/merge-patch+json' });
    expect(other.status).toBe(403);
  });

  it('kubectl apply of an unknown field fails with upstream message', async () => {
    const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\ndatax:\n  a: b\n`;
    const r = await kubectl(h, ['apply', '-f', '-'], { input: manifest });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown field "datax"/);
    expect((await api(h, 'GET', '/api/v1/namespaces/default/configmaps/strict')).status).toBe(404);
  });

  it('the server keeps answering after all of it', async () => {
    const r = await rawRequest(h.url, h.caPem, 'GET', '/readyz');
    expect(r.status).toBe(200);
  });
});
