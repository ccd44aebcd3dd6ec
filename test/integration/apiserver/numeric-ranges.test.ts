/**
 * Numbers that do not fit their field (issue 18, "range checks that leave objects stuck"): int32/int64 fields
 * are decoded as upstream's JSON decoder does (400 `json: cannot unmarshal number ...`), integer query
 * parameters as upstream's strconv.ParseInt (400), and an object stored with an absurd grace period can still be
 * deleted. Each case failed before the fix (500, or accepted and stored).
 */
import { describe, expect, it } from 'vitest';
import type { EtcdHandle } from '../../support/etcd.js';
import { useApiServerOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, type ApiHandle, type HttpResult } from '../../support/apiserver.js';
import type { EtcdBackend } from '../../../control-plane/storage/etcd-backend.js';

let etcd: EtcdHandle;
let h: ApiHandle;
let backend: EtcdBackend;

useApiServerOverEtcd((s) => ({ etcd, h, backend } = s));

const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

function pod(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

function deployment(name: string, replicas: unknown): string {
  // Raw text: the number is sent as written (JSON.stringify would print 2**63 as 9223372036854776000).
  return `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${name}"},"spec":{"replicas":${String(replicas)},` +
    `"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`;
}

function expectBadRequest(r: HttpResult, message: string | RegExp): void {
  expect(r.status, r.body).toBe(400);
  const st = r.json();
  expect(st).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
  if (typeof message === 'string') expect(st.message).toBe(message);
  else expect(st.message).toMatch(message);
}

async function stored(key: string): Promise<{ value: string; rev: number } | undefined> {
  const kv = await backend.get(key);
  return kv ? { value: kv.value.toString('utf8'), rev: kv.modRevision } : undefined;
}

describe('int32/int64 fields are decoded as upstream', () => {
  it('terminationGracePeriodSeconds 1e30 is a 400 naming the Go field, and nothing is stored', async () => {
    const r = await api(h, 'POST', PODS, JSON.stringify(pod('grace-huge', { terminationGracePeriodSeconds: 1e30 })));
    expectBadRequest(r, 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number 1e+30 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64');
    expect(r.json().details.causes).toEqual([
      { reason: 'FieldValueTypeInvalid', field: 'spec.terminationGracePeriodSeconds', message: 'json: cannot unmarshal number 1e+30 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64' },
    ]);
    expect(await stored('/registry/pods/default/grace-huge')).toBeUndefined();
  });

  it.each([
    ['1e30', 'number 1e+30'],
    ['2147483648', 'number 2147483648'],
    ['-2147483649', 'number -2147483649'],
    ['1.5', 'number 1.5'],
    ['9223372036854775808', 'number 9223372036854776000'],
  ])('Deployment replicas %s is a 400 (int32)', async (text, shown) => {
    const r = await api(h, 'POST', DEPLOYS, deployment('d-' + text.replace(/[^0-9a-z]/g, 'x').slice(0, 20), text));
    expectBadRequest(r, `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal ${shown} into Go struct field DeploymentSpec.spec.replicas of type int32`);
    expect((await backend.list('/registry/deployments/')).items).toEqual([]);
  });

  it('int32 bounds themselves are accepted; a list index does not appear in the Go field path', async () => {
    expect((await api(h, 'POST', DEPLOYS, deployment('max', 2147483647))).status).toBe(201);
    const r = await api(h, 'POST', PODS, JSON.stringify({ ...pod('port'), spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80.5 }] }] } }));
    expectBadRequest(r, /json: cannot unmarshal number 80\.5 into Go struct field ContainerPort\.spec\.containers\.ports\.containerPort of type int32$/);
    expect(r.json().details.causes[0].field).toBe('spec.containers[0].ports[0].containerPort');
    expect((await api(h, 'DELETE', `${DEPLOYS}/max`)).status).toBe(200);
  });

  it('an IntOrString number must be an int32', async () => {
    const r = await api(h, 'POST', PODS, JSON.stringify({ ...pod('ios'), spec: { containers: [{ name: 'c', image: 'i', readinessProbe: { tcpSocket: { port: 4294967296 } } }] } }));
    expectBadRequest(r, /json: cannot unmarshal number 4294967296 into Go value of type int32$/);
  });

  it('a YAML .inf or .nan is a 400, never stored as null', async () => {
    const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nan\nspec:\n  terminationGracePeriodSeconds: .nan\n  containers:\n  - name: c\n    image: i\n';
    expectBadRequest(await api(h, 'POST', PODS, yaml, { contentType: 'application/yaml' }), /json: cannot unmarshal number NaN into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64$/);
    expectBadRequest(await api(h, 'POST', PODS, yaml.replace('.nan', '-.inf'), { contentType: 'application/yaml' }), /number -Inf into Go struct field/);
    const inAnnotation = yaml.replace('  terminationGracePeriodSeconds: .nan\n', '').replace('  name: nan\n', '  name: nan\n  annotations: {a: .inf}\n');
    expectBadRequest(await api(h, 'POST', PODS, inAnnotation, { contentType: 'application/yaml' }), /metadata\.annotations\.a in body must be of type string/);
    expect(await stored('/registry/pods/default/nan')).toBeUndefined();
  });

  it('an update and every patch type are checked the same way, and leave the object unchanged', async () => {
    expect((await api(h, 'POST', DEPLOYS, deployment('upd', 1))).status).toBe(201);
    const before = await stored('/registry/deployments/default/upd');
    const cur = (await api(h, 'GET', `${DEPLOYS}/upd`)).json();
    const put = await api(h, 'PUT', `${DEPLOYS}/upd`, JSON.stringify({ ...cur, spec: { ...cur.spec, replicas: 2 ** 31 } }));
    expectBadRequest(put, /of type int32$/);
    for (const ct of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
      expectBadRequest(await api(h, 'PATCH', `${DEPLOYS}/upd`, '{"spec":{"replicas":1e30}}', { contentType: ct }), /number 1e\+30 .* of type int32$/);
    }
    expectBadRequest(await api(h, 'PATCH', `${DEPLOYS}/upd`, '[{"op":"replace","path":"/spec/replicas","value":2.5}]', { contentType: 'application/json-patch+json' }), /number 2\.5 /);
    expect(await stored('/registry/deployments/default/upd')).toEqual(before);
  });

  it('the scale subresource rejects replicas 2^31 and 1e30 (PUT and PATCH)', async () => {
    const before = await stored('/registry/deployments/default/upd');
    const scale = (await api(h, 'GET', `${DEPLOYS}/upd/scale`)).json();
    const put = await api(h, 'PUT', `${DEPLOYS}/upd/scale`, JSON.stringify({ ...scale, spec: { replicas: 2 ** 31 } }));
    expectBadRequest(put, 'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal number 2147483648 into Go struct field ScaleSpec.spec.replicas of type int32');
    const patch = await api(h, 'PATCH', `${DEPLOYS}/upd/scale`, '{"spec":{"replicas":1e30}}', { contentType: 'application/merge-patch+json' });
    expectBadRequest(patch, /number 1e\+30 into Go struct field ScaleSpec\.spec\.replicas of type int32$/);
    expect(await stored('/registry/deployments/default/upd')).toEqual(before);
    const ok = await api(h, 'PATCH', `${DEPLOYS}/upd/scale`, '{"spec":{"replicas":3}}', { contentType: 'application/merge-patch+json' });
    expect(ok.status).toBe(200);
    expect((await api(h, 'GET', `${DEPLOYS}/upd`)).json().spec.replicas).toBe(3);
  });

  it('kubectl shows the decoder error for replicas: 1e30', async () => {
    const manifest = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kc\nspec:\n  replicas: 1e30\n  selector:\n    matchLabels: {a: b}\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n      containers:\n      - {name: c, image: i}\n';
    const r = await kubectl(h, ['apply', '-f', '-'], { input: manifest });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (BadRequest)');
    expect(r.stderr).toContain('json: cannot unmarshal number 1e+30 into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect((await api(h, 'GET', `${DEPLOYS}/kc`)).status).toBe(404);
  });
});

describe('namespaces/finalize decodes its body', () => {
  it('"finalizers": "notalist" is a 400 and the namespace is unchanged', async () => {
    expect((await api(h, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fin' } })).status).toBe(201);
    const before = await stored('/registry/namespaces/fin');
    const r = await api(h, 'PUT', '/api/v1/namespaces/fin/finalize', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fin' }, spec: { finalizers: 'notalist' } });
    expectBadRequest(r, /spec\.finalizers/);
    expect(await stored('/registry/namespaces/fin')).toEqual(before);
  });

  it('a finalizer that is not a qualified name is 422, as upstream validates finalize', async () => {
    const r = await api(h, 'PUT', '/api/v1/namespaces/fin/finalize', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fin' }, spec: { finalizers: ['not a name'] } });
    expect(r.status, r.body).toBe(422);
    expect(r.json().details.causes[0].field).toBe('spec.finalizers');
    const ok = await api(h, 'PUT', '/api/v1/namespaces/fin/finalize', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fin' }, spec: { finalizers: [] } });
    expect(ok.status, ok.body).toBe(200);
    expect(ok.json().spec.finalizers ?? []).toEqual([]);
  });
});

describe('integer query parameters are parsed as upstream (strconv.ParseInt)', () => {
  it.each([
    ['1e30', 'strconv.ParseInt: parsing "1e30": invalid syntax'],
    ['1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['99999999999999999999', 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
    ['', 'strconv.ParseInt: parsing "": invalid syntax'],
  ])('DELETE ?gracePeriodSeconds=%s is a 400 and deletes nothing', async (value, message) => {
    await api(h, 'POST', PODS, pod('qp'));
    const r = await api(h, 'DELETE', `${PODS}/qp?gracePeriodSeconds=${encodeURIComponent(value)}`);
    expectBadRequest(r, message);
    expect((await api(h, 'GET', `${PODS}/qp`)).status).toBe(200);
  });

  it('a huge but valid gracePeriodSeconds deletes without a 500', async () => {
    await api(h, 'POST', PODS, pod('qp2', { nodeName: 'node01' }));
    const r = await api(h, 'DELETE', `${PODS}/qp2?gracePeriodSeconds=9223372036854775807`);
    expect([200, 202], r.body).toContain(r.status); // graceful: the pod stays until its kubelet is done
    // Cut at the last instant RFC 3339 can write, not an Invalid Date.
    expect(r.json().metadata.deletionTimestamp).toMatch(/^9999-12-31T23:59:\d\dZ$/);
    expect((await api(h, 'DELETE', `${PODS}/qp2?gracePeriodSeconds=0`)).status).toBe(200);
    expect((await api(h, 'GET', `${PODS}/qp2`)).status).toBe(404);
  });

  it('a DeleteOptions body with gracePeriodSeconds 1e30 is a 400', async () => {
    const r = await api(h, 'DELETE', `${PODS}/qp`, '{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":1e30}');
    expectBadRequest(r, /json: cannot unmarshal number 1e\+30 into Go struct field DeleteOptions\.gracePeriodSeconds of type int64/);
    expect((await api(h, 'GET', `${PODS}/qp`)).status).toBe(200);
  });

  it.each([
    [`${PODS}?limit=abc`, 'strconv.ParseInt: parsing "abc": invalid syntax'],
    [`${PODS}?timeoutSeconds=1e3`, 'strconv.ParseInt: parsing "1e3": invalid syntax'],
    [`${PODS}?watch=1&timeoutSeconds=x`, 'strconv.ParseInt: parsing "x": invalid syntax'],
  ])('GET %s is a 400', async (path, message) => {
    expectBadRequest(await api(h, 'GET', path), message);
  });

  it('pods/log options are decoded and validated before any kubelet is asked', async () => {
    await api(h, 'POST', PODS, pod('logs'));
    expectBadRequest(await api(h, 'GET', `${PODS}/logs/log?tailLines=1e3`), 'strconv.ParseInt: parsing "1e3": invalid syntax');
    const r = await api(h, 'GET', `${PODS}/logs/log?limitBytes=0`);
    expect(r.status, r.body).toBe(422);
    expect(r.json().message).toBe('PodLogOptions "logs" is invalid: limitBytes: Invalid value: 0: must be greater than 0');
  });

  it('a timeoutSeconds beyond what a timer holds does not end the watch at once', async () => {
    const started = Date.now();
    const watch = api(h, 'GET', `${PODS}?watch=1&timeoutSeconds=100000000`).catch(() => 'closed' as const);
    const r = await Promise.race([watch, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 1500))]);
    // Still streaming after 1.5 s (before, Node clamped the overflowing timer to 1 ms and the watch ended at once).
    expect(r === 'open' ? 'open' : `ended after ${Date.now() - started} ms: ${typeof r === 'string' ? r : r.status}`).toBe('open');
  });
});

describe('an object stored with an absurd value can still be deleted', () => {
  it('a bound pod with terminationGracePeriodSeconds 1e30 in etcd: DELETE answers 200 with a valid deletionTimestamp', async () => {
    const raw = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'stuck', namespace: 'default', uid: '0b0c1d2e-0000-4000-8000-000000000001', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { nodeName: 'node01', terminationGracePeriodSeconds: 1e30, containers: [{ name: 'c', image: 'busybox' }] },
      status: { phase: 'Running' },
    };
    await backend.create('/registry/pods/default/stuck', Buffer.from(JSON.stringify(raw)));
    const r = await api(h, 'DELETE', `${PODS}/stuck`);
    expect([200, 202], r.body).toContain(r.status);
    const out = r.json();
    expect(out.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number.isSafeInteger(out.metadata.deletionGracePeriodSeconds)).toBe(true);
    // The stored object stays readable and a forced delete removes it.
    expect((await api(h, 'GET', `${PODS}/stuck`)).status).toBe(200);
    expect((await api(h, 'DELETE', `${PODS}/stuck?gracePeriodSeconds=0`)).status).toBe(200);
    expect(await stored('/registry/pods/default/stuck')).toBeUndefined();
  });
});
