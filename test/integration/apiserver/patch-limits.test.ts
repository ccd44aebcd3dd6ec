/**
 * Regression tests for issue 18's patch and bad-input items, against a real API server over a real etcd:
 * a JSON patch that copies the object into itself, too many operations, 10,000-level bodies in every
 * patch type and in create, a malformed percent-escape, a bogus $setElementOrder, a list at a future
 * resourceVersion, duplicate keys under each fieldValidation, and patches naming another object.
 * Each rejected write leaves the object in etcd byte for byte as it was.
 */
import { describe, expect, it } from 'vitest';
import type { EtcdHandle } from '../../support/etcd.js';
import { useApiServerOverEtcd } from '../../support/api-fixture.js';
import { api, rawRequest, type ApiHandle } from '../../support/apiserver.js';
import type { EtcdBackend } from '../../../control-plane/storage/etcd-backend.js';

let etcd: EtcdHandle;
let h: ApiHandle;
let backend: EtcdBackend;

useApiServerOverEtcd((s) => ({ etcd, h, backend } = s));

const CMS = '/api/v1/namespaces/default/configmaps';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const JSON_PATCH = 'application/json-patch+json';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

function deployment(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }, { name: 'd', image: 'busybox' }] } },
      ...extra,
    },
  };
}

async function createCm(name: string): Promise<void> {
  const r = await api(h, 'POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'x'.repeat(1000), b: 'y' } });
  expect(r.status, r.body).toBe(201);
}

/** The raw etcd value and revision of an object, to prove a rejected write changed nothing. */
async function stored(key: string): Promise<{ value: string; rev: number } | null> {
  const kv = await backend.get(key);
  return kv ? { value: kv.value.toString('base64'), rev: kv.modRevision } : null;
}

function deepJson(levels: number): string {
  return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

function expectStatus(r: { status: number; body: string }, code: number, reason: string): any {
  expect(r.status, r.body.slice(0, 500)).toBe(code);
  const st = JSON.parse(r.body);
  expect(st).toMatchObject({ kind: 'Status', status: 'Failure', code, reason });
  return st;
}

describe('JSON patch resource limits (CVE-2019-1002100)', () => {
  it('a 31-operation patch that copies the object into itself is refused (422) in well under a second; the server lives', async () => {
    await createCm('bomb');
    const before = await stored('/registry/configmaps/default/bomb');
    const ops = [{ op: 'add', path: '/data/c', value: 'z' }];
    for (let i = 0; i < 30; i++) ops.push({ op: 'copy', from: '/data', path: `/data/k${i}` } as never);
    const t0 = Date.now();
    const r = await api(h, 'PATCH', `${CMS}/bomb`, JSON.stringify(ops), { contentType: JSON_PATCH });
    expect(Date.now() - t0).toBeLessThan(5000);
    const st = expectStatus(r, 422, 'Invalid');
    expect(st.message).toBe('the server rejected our request due to an error in our request');
    expect(await stored('/registry/configmaps/default/bomb')).toEqual(before);
    expect((await rawRequest(h.url, h.caPem, 'GET', '/readyz')).status).toBe(200);
  });

  it('copies up to the limit still apply', async () => {
    await createCm('copies');
    const r = await api(h, 'PATCH', `${CMS}/copies`, JSON.stringify([{ op: 'copy', from: '/data/a', path: '/data/c' }]), { contentType: JSON_PATCH });
    expect(r.status, r.body).toBe(200);
    expect(r.json().data.c).toBe('x'.repeat(1000));
  });

  it('more than 10000 operations is 413 with upstream message', async () => {
    await createCm('ops');
    const before = await stored('/registry/configmaps/default/ops');
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/data/b', value: 'y' }));
    const st = expectStatus(await api(h, 'PATCH', `${CMS}/ops`, JSON.stringify(ops), { contentType: JSON_PATCH }), 413, 'RequestEntityTooLarge');
    expect(st.message).toBe('The allowed maximum operations in a JSON patch is 10000, got 10001');
    expect(await stored('/registry/configmaps/default/ops')).toEqual(before);
  });
});

describe('10,000-level bodies are a 4xx, never a 500 "Maximum call stack size exceeded"', () => {
  const deep = deepJson(10_000);
  const cases: { name: string; contentType: string; body: string }[] = [
    { name: 'JSON patch value', contentType: JSON_PATCH, body: `[{"op":"add","path":"/data/deep","value":${deep}}]` },
    { name: 'merge patch', contentType: MERGE, body: `{"metadata":{"managedFields":[{"manager":"x","fieldsV1":${deep}}]}}` },
    { name: 'strategic merge patch', contentType: SMP, body: `{"metadata":{"managedFields":[{"manager":"x","fieldsV1":${deep}}]}}` },
    { name: 'apply (JSON in YAML)', contentType: APPLY, body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deeppatch","annotations":${deep}}}` },
    { name: 'apply (YAML flow)', contentType: APPLY, body: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deeppatch\n  labels: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n` },
  ];
  it.each(cases)('$name: 400, nothing written', async ({ contentType, body }) => {
    if (!(await stored('/registry/configmaps/default/deeppatch'))) await createCm('deeppatch');
    const before = await stored('/registry/configmaps/default/deeppatch');
    // apply needs a fieldManager (else upstream's 422 comes before the body is decoded)
    const r = await api(h, 'PATCH', `${CMS}/deeppatch${contentType === APPLY ? '?fieldManager=t' : ''}`, body, { contentType });
    const st = expectStatus(r, 400, 'BadRequest');
    expect(st.message).toMatch(/exceeded max depth/);
    expect(await stored('/registry/configmaps/default/deeppatch')).toEqual(before);
  });

  it('create with a 10,000-level managedFields entry: 400, nothing stored', async () => {
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deepcreate","managedFields":[{"manager":"x","fieldsV1":${deep}}]}}`;
    const st = expectStatus(await api(h, 'POST', CMS, body), 400, 'BadRequest');
    expect(st.message).toBe(`json parse error: invalid character '{' exceeded max depth`);
    expect(await stored('/registry/configmaps/default/deepcreate')).toBeNull();
  });

  it('a YAML alias that contains itself: 400, not a 500', async () => {
    const body = 'apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: cyclic\n  managedFields:\n  - manager: x\n    fieldsV1: *m\n';
    expectStatus(await api(h, 'POST', CMS, body, { contentType: 'application/yaml' }), 400, 'BadRequest');
    expect(await stored('/registry/configmaps/default/cyclic')).toBeNull();
  });

  it('JSON patch moves that stack subtrees past the depth limit: 422, nothing written', async () => {
    // Four 200-level subtrees, each within the limit, moved one under another: 800 levels.
    const sub = (k: string): string => `{"op":"add","path":"/metadata/managedFields/-","value":{"manager":"${k}","fieldsV1":${'{"a":'.repeat(200)}{}${'}'.repeat(200)}}}`;
    await createCm('stack');
    const setup = `[{"op":"add","path":"/metadata/managedFields","value":[]},${sub('m0')},${sub('m1')},${sub('m2')},${sub('m3')}]`;
    const ok = await api(h, 'PATCH', `${CMS}/stack`, setup, { contentType: JSON_PATCH });
    expect(ok.status, ok.body.slice(0, 300)).toBe(200);
    const before = await stored('/registry/configmaps/default/stack');
    const deepPath = (i: number): string => `/metadata/managedFields/${i}/fieldsV1` + '/a'.repeat(200);
    const moves = [
      { op: 'move', from: '/metadata/managedFields/3/fieldsV1', path: `${deepPath(2)}/x` },
      { op: 'move', from: '/metadata/managedFields/2/fieldsV1', path: `${deepPath(1)}/x` },
      { op: 'move', from: '/metadata/managedFields/1/fieldsV1', path: `${deepPath(0)}/x` },
    ];
    const st = expectStatus(await api(h, 'PATCH', `${CMS}/stack`, JSON.stringify(moves), { contentType: JSON_PATCH }), 422, 'Invalid');
    expect(st.message).toBe('the server rejected our request due to an error in our request');
    expect(await stored('/registry/configmaps/default/stack')).toEqual(before);
  });
});

describe('bad input that answered 500', () => {
  it('a malformed percent-escape in the path: Go net/http\'s plain 400', async () => {
    for (const path of ['/api/v1/namespaces/%zz/pods', '/api/v1/namespaces/default/pods/%', '/apis/apps/v1/namespaces/x%g1/deployments']) {
      const r = await api(h, 'GET', path);
      expect(r.status, path).toBe(400);
      expect(r.body).toBe('400 Bad Request');
    }
  });

  it('a percent-escape that is not UTF-8 is an ordinary 404, not a 500', async () => {
    const r = await api(h, 'GET', '/api/v1/namespaces/default/pods/%ff');
    expectStatus(r, 404, 'NotFound');
  });

  it('a bogus $setElementOrder: 400 with the strategicpatch message, object unchanged', async () => {
    expect((await api(h, 'POST', DEPLOYS, deployment('order'))).status).toBe(201);
    const before = await stored('/registry/deployments/default/order');
    const bogus = [
      { spec: { template: { spec: { '$setElementOrder/containers': 'c' } } } },
      { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'd' }], containers: [{ name: 'd', image: '1' }, { name: 'c', image: '2' }] } } } },
      { spec: { template: { spec: { '$setElementOrder/containers': [{ image: 'no-merge-key' }], containers: [{ name: 'c', image: '2' }] } } } },
    ];
    for (const patch of bogus) {
      const r = await api(h, 'PATCH', `${DEPLOYS}/order`, patch, { contentType: SMP });
      expectStatus(r, 400, 'BadRequest');
    }
    expect(await stored('/registry/deployments/default/order')).toEqual(before);
  });

  it('an Exact list at a future resourceVersion: 504 Too large resource version at once', async () => {
    const t0 = Date.now();
    const r = await api(h, 'GET', `${CMS}?resourceVersion=999999999&resourceVersionMatch=Exact`);
    expect(Date.now() - t0).toBeLessThan(2000);
    const st = expectStatus(r, 504, 'Timeout');
    expect(st.message).toMatch(/^Timeout: Too large resource version: 999999999, current: \d+$/);
    expect(st.details.causes).toEqual([{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }]);
  });

  it('a NotOlderThan list at a future resourceVersion waits 3 s (the cacher) and answers 504 with retryAfterSeconds 1', async () => {
    const t0 = Date.now();
    const r = await api(h, 'GET', `${CMS}?resourceVersion=999999999`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2900);
    const st = expectStatus(r, 504, 'Timeout');
    expect(st.details).toMatchObject({ retryAfterSeconds: 1, causes: [{ reason: 'ResourceVersionTooLarge' }] });
  });

  it('a resourceVersion that is not a number: 400', async () => {
    expectStatus(await api(h, 'GET', `${CMS}?resourceVersion=abc`), 400, 'BadRequest');
  });
});

describe('duplicate JSON keys (strict decoding)', () => {
  const dupBody = (name: string): string =>
    `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${name}","name":"${name}"},"spec":{"replicas":1,"paused":true,"paused":false,` +
    `"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"c","image":"a","image":"b"}]}}}}`;

  it('Strict: 400 naming every duplicate, nothing stored', async () => {
    const st = expectStatus(await api(h, 'POST', `${DEPLOYS}?fieldValidation=Strict`, dupBody('dupstrict')), 400, 'BadRequest');
    expect(st.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: duplicate field "metadata.name", duplicate field "spec.paused", duplicate field "spec.template.spec.containers[0].image"',
    );
    expect(await stored('/registry/deployments/default/dupstrict')).toBeNull();
  });

  it('Warn (the default): created, the last value wins, one Warning each', async () => {
    const r = await api(h, 'POST', DEPLOYS, dupBody('dupwarn'));
    expect(r.status, r.body).toBe(201);
    expect(r.json().spec.paused).toBe(false);
    expect(r.json().spec.template.spec.containers[0].image).toBe('b');
    expect(r.headers.warning).toBe(
      '299 - "duplicate field \\"metadata.name\\"", 299 - "duplicate field \\"spec.paused\\"", 299 - "duplicate field \\"spec.template.spec.containers[0].image\\""',
    );
  });

  it('Ignore: created, no warning', async () => {
    const r = await api(h, 'POST', `${DEPLOYS}?fieldValidation=Ignore`, dupBody('dupignore'));
    expect(r.status, r.body).toBe(201);
    expect(r.headers.warning).toBeUndefined();
  });

  it('duplicates and unknown fields come in document order; an unknown duplicate once, as unknown', async () => {
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"order2","name":"order2","foo":1},"datax":{},"datax":{},"data":{"k":"1","k":"2"}}`;
    const st = expectStatus(await api(h, 'POST', `${CMS}?fieldValidation=Strict`, body), 400, 'BadRequest');
    expect(st.message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.name", unknown field "metadata.foo", unknown field "datax", duplicate field "data.k"',
    );
  });

  it('merge patch under Strict: 422 as upstream\'s patcher, object unchanged', async () => {
    await createCm('duppatch');
    const before = await stored('/registry/configmaps/default/duppatch');
    const r = await api(h, 'PATCH', `${CMS}/duppatch?fieldValidation=Strict`, '{"data":{"b":"1","b":"2"}}', { contentType: MERGE });
    const st = expectStatus(r, 422, 'Invalid');
    expect(st.message).toMatch(/^ "" is invalid: patch: Invalid value: ".*": strict decoding error: duplicate field "data.b"$/s);
    expect(await stored('/registry/configmaps/default/duppatch')).toEqual(before);
  });

  it('JSON patch under Warn: applied with the op-level warnings', async () => {
    const r = await api(h, 'PATCH', `${CMS}/duppatch`, '[{"op":"add","path":"/data/c","value":"1","foo":"bar"},{"op":"add","path":"/data/x","path":"/data/d","value":"2"}]', { contentType: JSON_PATCH });
    expect(r.status, r.body).toBe(200);
    expect(r.json().data).toMatchObject({ c: '1', d: '2' });
    expect(r.headers.warning).toBe('299 - "json patch unknown field \\"[0].foo\\"", 299 - "json patch duplicate field \\"[1].path\\""');
  });

  it('apply under Strict: 400 with the YAML decoder\'s line', async () => {
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dupapply"},"data":{"a":"1","a":"2"}}';
    const st = expectStatus(await api(h, 'PATCH', `${CMS}/dupapply?fieldValidation=Strict&fieldManager=t`, body, { contentType: APPLY }), 400, 'BadRequest');
    expect(st.message).toBe('error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 1: key "a" already set in map');
    expect(await stored('/registry/configmaps/default/dupapply')).toBeNull();
  });
});

describe('a patch cannot write another object', () => {
  it('apply naming another object or namespace: 400 with upstream message, nothing created', async () => {
    const other = await api(h, 'PATCH', `${CMS}/applied?fieldManager=t`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'someone-else' } }, { contentType: APPLY });
    expect(expectStatus(other, 400, 'BadRequest').message).toBe('the name of the object (someone-else) does not match the name on the URL (applied)');
    const ns = await api(h, 'PATCH', `${CMS}/applied?fieldManager=t`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: 'kube-system' } }, { contentType: APPLY });
    expect(expectStatus(ns, 400, 'BadRequest').message).toBe('the namespace of the object (kube-system) does not match the namespace on the URL (default)');
    expect(await stored('/registry/configmaps/default/applied')).toBeNull();
    expect(await stored('/registry/configmaps/default/someone-else')).toBeNull();
    expect(await stored('/registry/configmaps/kube-system/applied')).toBeNull();
  });

  it('apply on an existing object naming another: 400, unchanged; a matching apply works', async () => {
    await createCm('applied2');
    const before = await stored('/registry/configmaps/default/applied2');
    // data.b belongs to the creator: without force the conflict (409) comes first, as upstream's applyPatcher
    const conflict = await api(h, 'PATCH', `${CMS}/applied2?fieldManager=t`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { b: 'z' } }, { contentType: APPLY });
    expectStatus(conflict, 409, 'Conflict');
    const r = await api(h, 'PATCH', `${CMS}/applied2?fieldManager=t&force=true`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { b: 'z' } }, { contentType: APPLY });
    expectStatus(r, 400, 'BadRequest');
    expect(await stored('/registry/configmaps/default/applied2')).toEqual(before);
    const ok = await api(h, 'PATCH', `${CMS}/applied2?fieldManager=t&force=true`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied2', namespace: 'default' }, data: { b: 'z' } }, { contentType: APPLY });
    expect(ok.status, ok.body).toBe(200);
    expect(ok.json().data.b).toBe('z');
  });

  it('a merge patch renaming the object: 400, unchanged', async () => {
    const before = await stored('/registry/configmaps/default/applied2');
    const r = await api(h, 'PATCH', `${CMS}/applied2`, { metadata: { name: 'renamed' } }, { contentType: MERGE });
    expect(expectStatus(r, 400, 'BadRequest').message).toBe('the name of the object (renamed) does not match the name on the URL (applied2)');
    expect(await stored('/registry/configmaps/default/applied2')).toEqual(before);
  });
});

it('the server kept answering through all of it', async () => {
  expect((await rawRequest(h.url, h.caPem, 'GET', '/readyz')).status).toBe(200);
  expect((await api(h, 'GET', CMS)).status).toBe(200);
});
