/**
 * Anonymous requests as upstream (--anonymous-auth, default true): a request without credentials is the user
 * system:anonymous in system:unauthenticated, authorized like any other user by the bootstrap policy: the health
 * endpoints and /version (system:public-info-viewer) are open, discovery and everything else is upstream's 403
 * naming User "system:anonymous"; a presented but invalid credential stays 401; with --anonymous-auth=false a
 * request without credentials is 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { rawRequest, startApiServer, type ApiHandle } from '../../support/apiserver.js';

let etcd: EtcdHandle | undefined;
let h: ApiHandle | undefined;
let closed: ApiHandle | undefined;

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd);
  closed = await startApiServer(etcd, { anonymousAuth: false });
});
afterAll(async () => {
  await closed?.stop();
  await h?.stop();
  await etcd?.stop();
});

const anonymous = (s: ApiHandle, method: string, path: string, headers: Record<string, string> = {}) => rawRequest(s.url, s.caPem, method, path, undefined, headers);

/** client-node configured with the cluster and no credentials at all. */
function anonymousClient(s: ApiHandle): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: s.url, caData: Buffer.from(s.caPem).toString('base64') }],
    users: [{ name: 'anon' }],
    contexts: [{ name: 'anon', cluster: 'c', user: 'anon' }],
    currentContext: 'anon',
  });
  return kc.makeApiClient(k8s.CoreV1Api);
}

describe('--anonymous-auth (default true)', () => {
  it('the health endpoints and /version are open to system:anonymous', async () => {
    for (const p of ['/healthz', '/livez', '/readyz', '/version', '/version/', '/readyz?verbose']) {
      const r = await anonymous(h!, 'GET', p);
      expect([p, r.status]).toEqual([p, 200]);
    }
  });

  it('discovery and resources are 403 with upstream message naming User "system:anonymous"', async () => {
    const apiRoot = await anonymous(h!, 'GET', '/api');
    expect(apiRoot.status).toBe(403);
    expect(apiRoot.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403, message: 'forbidden: User "system:anonymous" cannot get path "/api"' });
    const pods = await anonymous(h!, 'GET', '/api/v1/namespaces/default/pods');
    expect(pods.status).toBe(403);
    expect(pods.json().message).toBe('pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"');
    const ssr = await rawRequest(h!.url, h!.caPem, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
    expect(ssr.status).toBe(403);
    expect(ssr.json().message).toBe('selfsubjectreviews.authentication.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope');
    // A HEAD is verb "head": not in system:public-info-viewer.
    expect((await anonymous(h!, 'HEAD', '/healthz')).status).toBe(403);
  });

  it('@kubernetes/client-node without credentials gets the same 403', async () => {
    const core = anonymousClient(h!);
    const err: unknown = await core.listNamespacedConfigMap({ namespace: 'default' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(k8s.ApiException);
    const e = err as k8s.ApiException<string>;
    expect(e.code).toBe(403);
    expect(JSON.parse(e.body).message).toBe('configmaps is forbidden: User "system:anonymous" cannot list resource "configmaps" in API group "" in the namespace "default"');
  });

  it('a presented but invalid credential is 401, not anonymous', async () => {
    for (const p of ['/healthz', '/api/v1/namespaces']) {
      const r = await anonymous(h!, 'GET', p, { Authorization: 'Bearer not-a-token' });
      expect([p, r.status]).toEqual([p, 401]);
      expect(r.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
    }
  });

  it('an authenticated user still reads discovery and is refused what its roles do not grant', async () => {
    expect((await anonymous(h!, 'GET', '/api', { Authorization: 'Bearer usertoken' })).status).toBe(200);
    const r = await anonymous(h!, 'GET', '/metrics-of-nothing', { Authorization: 'Bearer usertoken' });
    expect(r.status).toBe(403);
    expect(r.json().message).toBe('forbidden: User "jane" cannot get path "/metrics-of-nothing"');
    expect((await anonymous(h!, 'GET', '/metrics-of-nothing', { Authorization: `Bearer ${h!.adminToken}` })).status).toBe(404);
  });
});

describe('--anonymous-auth=false', () => {
  it('a request without credentials is 401, the health endpoints included', async () => {
    for (const p of ['/healthz', '/readyz', '/version', '/api/v1/namespaces']) {
      const r = await anonymous(closed!, 'GET', p);
      expect([p, r.status]).toEqual([p, 401]);
    }
    expect((await rawRequest(closed!.url, closed!.caPem, 'GET', '/readyz', undefined, { Authorization: `Bearer ${closed!.adminToken}` })).status).toBe(200);
  });
});
