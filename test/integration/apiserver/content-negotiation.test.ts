/**
 * Content negotiation on every read over a real etcd (issue 11): `Accept: application/yaml` answers YAML,
 * JSON is the default, a Table or PartialObjectMetadata as the Accept clause asks (meta.k8s.io v1 or
 * v1beta1), a Table never in protobuf, and an Accept with no acceptable type is 406 with upstream's Status,
 * before anything is read. The real kubectl still works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectl, startApiServer, type ApiHandle } from '../../support/apiserver.js';

let etcd: EtcdHandle;
let h: ApiHandle;

const NOT_ACCEPTABLE = {
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  reason: 'NotAcceptable',
  code: 406,
  message: 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
};
const POD = '/api/v1/namespaces/default/pods/web';

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', labels: { app: 'web', flag: 'yes' } },
    spec: { containers: [{ name: 'c', image: 'nginx', args: ['a: b', 'on'] }] },
  };
  expect((await api(h, 'POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
});
afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
});

const get = (path: string, accept: string | undefined, headers: Record<string, string> = {}) => api(h, 'GET', path, undefined, { headers: { ...(accept !== undefined ? { Accept: accept } : {}), ...headers } });

describe('Accept on reads', () => {
  it('application/yaml answers YAML, the same object as the JSON answer', async () => {
    const j = await get(POD, undefined);
    expect(j.status).toBe(200);
    expect(j.headers['content-type']).toBe('application/json');
    const y = await get(POD, 'application/yaml');
    expect(y.status).toBe(200);
    expect(y.headers['content-type']).toBe('application/yaml');
    expect(y.body.startsWith('apiVersion: v1\nkind: Pod\nmetadata:\n')).toBe(true);
    // YAML 1.1 readers (Go's) must not see booleans where strings are
    expect(y.body).toContain('flag: "yes"');
    expect(y.body).toContain('- "on"');
    expect(parseYaml(y.body)).toEqual(j.json());
  });

  it('a list in YAML; a Table in YAML; meta.k8s.io/v1beta1 when v=v1beta1 is asked', async () => {
    const list = await get('/api/v1/namespaces/default/pods', 'application/yaml');
    expect(list.headers['content-type']).toBe('application/yaml');
    expect(parseYaml(list.body)).toMatchObject({ kind: 'PodList', apiVersion: 'v1', items: [{ metadata: { name: 'web' } }] });
    const table = await get('/api/v1/namespaces/default/pods', 'application/yaml;as=Table;v=v1;g=meta.k8s.io');
    expect(parseYaml(table.body)).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(parseYaml(table.body).rows[0].cells[0]).toBe('web');
    const beta = await get(POD, 'application/json;as=Table;v=v1beta1;g=meta.k8s.io');
    expect(beta.json()).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1beta1' });
  });

  it('PartialObjectMetadata for an object, PartialObjectMetadataList for a list; the other way round is 406', async () => {
    const one = await get(POD, 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
    expect(one.json()).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'web' } });
    expect(one.json().spec).toBeUndefined();
    const list = await get('/api/v1/namespaces/default/pods', 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json');
    expect(list.json()).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', items: [{ kind: 'PartialObjectMetadata', metadata: { name: 'web' } }] });
    const wrong = await get(POD, 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
    expect(wrong.status).toBe(406);
    expect(wrong.json()).toMatchObject({ reason: 'NotAcceptable', message: 'you requested PartialObjectMetadataList, but the requested object is not a list (*core.Pod)' });
    const wrongList = await get('/apis/apps/v1/deployments', 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
    expect(wrongList.status).toBe(406);
    expect(wrongList.json().message).toBe('you requested PartialObjectMetadata, but the requested object is a list (*apps.DeploymentList)');
  });

  it('text/html is 406 with upstream\'s Status, before the object is read (also for one that does not exist)', async () => {
    for (const path of [POD, '/api/v1/namespaces/default/pods', '/api/v1/namespaces/default/pods/absent', '/api/v1/namespaces/default/pods?watch=true']) {
      const r = await get(path, 'text/html');
      expect(r.status, path).toBe(406);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.json()).toMatchObject(NOT_ACCEPTABLE);
    }
  });

  it('protobuf answers protobuf (test/integration/apiserver/protobuf-responses.test.ts); a Table is never protobuf', async () => {
    const only = await get(POD, 'application/vnd.kubernetes.protobuf');
    expect(only.status).toBe(200);
    expect(only.headers['content-type']).toBe('application/vnd.kubernetes.protobuf');
    const table = await get(POD, 'application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, application/json;q=0.5');
    expect(table.headers['content-type']).toBe('application/json');
    expect(table.json().kind).toBe('Pod');
    const tableOnly = await get(POD, 'application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io');
    expect(tableOnly.status).toBe(406);
  });

  it('a watch needs a streaming type: YAML is 406 listing the stream types; JSON streams', async () => {
    const r = await get('/api/v1/namespaces/default/pods?watch=true', 'application/yaml');
    expect(r.status).toBe(406);
    // the error itself is negotiated without the stream: YAML, as upstream's ErrorNegotiated
    expect(r.headers['content-type']).toBe('application/yaml');
    expect(parseYaml(r.body)).toMatchObject({ reason: 'NotAcceptable', code: 406, message: 'only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch' });
    const w = await get('/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1', 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
    expect(w.status).toBe(200);
    const first = JSON.parse(w.body.split('\n')[0]!);
    expect(first).toMatchObject({ type: 'ADDED', object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'web' } } });
  });

  it('errors follow the Accept header too (YAML Status); curl gets indented JSON', async () => {
    const y = await get('/api/v1/namespaces/default/pods/absent', 'application/yaml');
    expect(y.status).toBe(404);
    expect(y.headers['content-type']).toBe('application/yaml');
    expect(parseYaml(y.body)).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404, message: 'pods "absent" not found' });
    const c = await get(POD, '*/*', { 'User-Agent': 'curl/8.5.0' });
    expect(c.body.startsWith('{\n  "')).toBe(true);
    expect(c.body).toContain('\n    "name": "web",\n');
    expect(c.body.endsWith('}\n')).toBe(true);
    const p = await get(POD, undefined, { 'User-Agent': 'curl/8.5.0' });
    expect(JSON.parse(p.body)).toEqual(JSON.parse(c.body));
    const compact = await get(`${POD}?pretty=false`, undefined, { 'User-Agent': 'curl/8.5.0' });
    expect(compact.body.startsWith('{"')).toBe(true);
    expect(compact.body).not.toContain('\n');
  });

  it('writes answer in the negotiated type too; a write with an unacceptable Accept is refused before it is made', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y1' }, data: { a: 'b' } };
    const r = await api(h, 'POST', '/api/v1/namespaces/default/configmaps', cm, { headers: { Accept: 'application/yaml' } });
    expect(r.status).toBe(201);
    expect(parseYaml(r.body)).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'y1' } });
    const refused = await api(h, 'POST', '/api/v1/namespaces/default/configmaps', { ...cm, metadata: { name: 'y2' } }, { headers: { Accept: 'text/html' } });
    expect(refused.status).toBe(406);
    expect((await get('/api/v1/namespaces/default/configmaps/y2', undefined)).status).toBe(404);
  });

  it('the real kubectl: get (Table), get -o yaml, get -o json, get --raw', async () => {
    const table = await kubectl(h, ['get', 'pods']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nweb\s+/);
    const y = await kubectl(h, ['get', 'pods', 'web', '-o', 'yaml']);
    expect(y.code, y.stderr).toBe(0);
    expect(parseYaml(y.stdout)).toMatchObject({ kind: 'Pod', metadata: { name: 'web', labels: { flag: 'yes' } } });
    const j = await kubectl(h, ['get', 'pods', '-o', 'json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ kind: 'List', items: [{ metadata: { name: 'web' } }] });
    const raw = await kubectl(h, ['get', '--raw', POD]);
    expect(JSON.parse(raw.stdout).metadata.name).toBe('web');
    const missing = await kubectl(h, ['get', 'pod', 'absent']);
    expect(missing.stderr).toContain('pods "absent" not found');
    // a watch of Tables (killed after 3 s: it would run on)
    const watch = await kubectl(h, ['get', 'pods', '-w'], { timeoutMs: 3000 });
    expect(watch.stderr).toBe('');
    expect(watch.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nweb\s+/);
  });
});
