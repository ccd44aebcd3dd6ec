/**
 * Aggregated discovery (apidiscovery.k8s.io/v2, issue 11) over a real etcd, driven by the real kubectl 1.32: it asks
 * /api and /apis once each and nothing per group version, and prints what it printed from the legacy documents
 * (seen through a proxy that strips the aggregated Accept clauses, i.e. the server as it answered before).
 * A kind registered at run time appears; a matching If-None-Match is a 304.
 */
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { defineKind } from '../../../api/kinds/descriptor.js';
import { registerKind, unregisterKind } from '../../../api/kinds/registry.js';
import { ConfigMapSchema } from '../../../api/types/core.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, type ApiHandle } from '../../support/apiserver.js';

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';
const KUBECTL_ACCEPT = `${V2},${V2BETA1},application/json`;

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

/**
 * A plain-HTTP front of the API server that asks /api and /apis for the legacy documents only: how kubectl
 * discovered before aggregated discovery (one request per group version).
 */
let legacyFront: Server;
let legacyKubeconfig: string;
let scratch: string;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'kubelab-aggdisc-'));
  const target = new URL(s.h.url);
  legacyFront = createServer((req, res) => {
    // kubectl sends no bearer token over plain HTTP: the front authenticates as admin
    const headers = { ...req.headers, host: target.host, authorization: `Bearer ${s.h.adminToken}` };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/api' || path === '/apis') headers.accept = 'application/json';
    const up = httpsRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers, ca: s.h.caPem }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((ok) => legacyFront.listen(0, '127.0.0.1', ok));
  const port = (legacyFront.address() as AddressInfo).port;
  legacyKubeconfig = join(scratch, 'legacy.conf');
  writeFileSync(
    legacyKubeconfig,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'legacy', cluster: { server: `http://127.0.0.1:${port}` } }],
      contexts: [{ name: 'legacy', context: { cluster: 'legacy', user: 'admin' } }],
      'current-context': 'legacy',
      users: [{ name: 'admin', user: {} }],
    }),
  );
});
afterAll(async () => {
  await new Promise<void>((ok) => (legacyFront ? legacyFront.close(() => ok()) : ok()));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

let cacheDirs = 0;
/** kubectl at -v=6 with a discovery cache of its own (fresh each run); the GET paths it sent, query dropped. */
async function kubectlFresh(h: ApiHandle, args: string[], kubeconfig?: string): Promise<{ stdout: string; gets: string[] }> {
  const cacheDir = join(scratch, `cache-${++cacheDirs}`);
  const r = await kubectl(h, [...(kubeconfig ? ['--kubeconfig', kubeconfig] : []), '--cache-dir', cacheDir, '-v=6', ...args]);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  const gets = [...r.stderr.matchAll(/\bGET https?:\/\/[^/\s]+(\/[^?\s]*)/g)].map((m) => m[1]!);
  return { stdout: r.stdout, gets };
}

/** Discovery requests for one group version: /api/v1, /apis/<group>/<version>. */
const perGroupVersion = (paths: string[]): string[] => paths.filter((p) => /^\/api\/[^/]+$|^\/apis\/[^/]+\/[^/]+$/.test(p));

describe('aggregated discovery over HTTP', () => {
  it('answers /apis in apidiscovery.k8s.io/v2 with its Content-Type, ETag, Vary and Cache-Control', async () => {
    const r = await api(s.h, 'GET', '/apis', undefined, { headers: { Accept: KUBECTL_ACCEPT } });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(V2);
    expect(r.headers.vary).toBe('Accept');
    expect(r.headers['cache-control']).toBe('public');
    expect(r.headers.etag).toMatch(/^"[0-9A-F]{128}"$/);
    const doc = r.json();
    expect(doc).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    const apps = doc.items.find((g: { metadata: { name?: string } }) => g.metadata.name === 'apps');
    expect(apps.versions[0]).toMatchObject({ version: 'v1', freshness: 'Current' });
    const deployments = apps.versions[0].resources.find((x: { resource: string }) => x.resource === 'deployments');
    expect(deployments).toMatchObject({
      resource: 'deployments',
      responseKind: { group: '', version: '', kind: 'Deployment' },
      scope: 'Namespaced',
      singularResource: 'deployment',
      shortNames: ['deploy'],
      categories: ['all'],
    });
    expect(deployments.subresources).toContainEqual({ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] });
  });

  it('answers /api with the core group only, cluster-scoped kinds as Cluster', async () => {
    const r = await api(s.h, 'GET', '/api', undefined, { headers: { Accept: KUBECTL_ACCEPT } });
    expect(r.headers['content-type']).toBe(V2);
    const doc = r.json();
    expect(doc.items).toHaveLength(1);
    expect(doc.items[0].metadata).toEqual({ creationTimestamp: null });
    const nodes = doc.items[0].versions[0].resources.find((x: { resource: string }) => x.resource === 'nodes');
    expect(nodes).toMatchObject({ scope: 'Cluster', singularResource: 'node', shortNames: ['no'] });
  });

  it('answers 304 Not Modified to a matching If-None-Match, the document to another', async () => {
    for (const path of ['/api', '/apis']) {
      const first = await api(s.h, 'GET', path, undefined, { headers: { Accept: V2 } });
      const etag = String(first.headers.etag);
      const again = await api(s.h, 'GET', path, undefined, { headers: { Accept: V2, 'If-None-Match': etag } });
      expect(again.status).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
      expect(again.headers.vary).toBe('Accept');
      const other = await api(s.h, 'GET', path, undefined, { headers: { Accept: V2, 'If-None-Match': '"0123"' } });
      expect(other.status).toBe(200);
      expect(other.body).toBe(first.body);
    }
  });

  it('answers v2beta1 when asked for it alone, YAML when asked, the legacy documents to plain JSON', async () => {
    const beta = await api(s.h, 'GET', '/apis', undefined, { headers: { Accept: V2BETA1 } });
    expect(beta.headers['content-type']).toBe(V2BETA1);
    expect(beta.json().apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
    const yaml = await api(s.h, 'GET', '/apis', undefined, { headers: { Accept: 'application/yaml;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } });
    expect(yaml.headers['content-type']).toBe('application/yaml;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(YAML.parse(yaml.body)).toEqual((await api(s.h, 'GET', '/apis', undefined, { headers: { Accept: V2 } })).json());
    const legacyApis = await api(s.h, 'GET', '/apis', undefined, { headers: { Accept: 'application/json' } });
    expect(legacyApis.headers['content-type']).toBe('application/json');
    expect(legacyApis.json().kind).toBe('APIGroupList');
    expect(legacyApis.headers.etag).toBeUndefined();
    const legacyApi = await api(s.h, 'GET', '/api');
    expect(legacyApi.json()).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
  });
});

describe('kubectl with aggregated discovery', () => {
  it('api-resources: ONE request each for /api and /apis, none per group version, the same output as before', async () => {
    const now = await kubectlFresh(s.h, ['api-resources']);
    expect(now.gets.filter((p) => p === '/api')).toHaveLength(1);
    expect(now.gets.filter((p) => p === '/apis')).toHaveLength(1);
    expect(perGroupVersion(now.gets)).toEqual([]);
    const before = await kubectlFresh(s.h, ['api-resources'], legacyKubeconfig);
    expect(perGroupVersion(before.gets)).toContain('/apis/apps/v1'); // the legacy view really is the old way
    expect(now.stdout).toBe(before.stdout);
    expect(now.stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    // verbs and categories too
    const wide = await kubectlFresh(s.h, ['api-resources', '-o', 'wide']);
    expect(wide.stdout).toBe((await kubectlFresh(s.h, ['api-resources', '-o', 'wide'], legacyKubeconfig)).stdout);
    expect(wide.stdout).toMatch(/^pods\s+po\s+v1\s+true\s+Pod\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$/m);
  });

  it('get pods: discovery in two requests, then the list; the same output as before', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    expect((await api(s.h, 'POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
    const now = await kubectlFresh(s.h, ['get', 'pods', '-n', 'default']);
    expect(now.gets).toEqual(['/api', '/apis', '/api/v1/namespaces/default/pods']);
    const before = await kubectlFresh(s.h, ['get', 'pods', '-n', 'default'], legacyKubeconfig);
    expect(now.stdout.replace(/\s+\S+\s*$/, '')).toBe(before.stdout.replace(/\s+\S+\s*$/, '')); // AGE may tick between the runs
    expect(now.stdout).toMatch(/^p1\s+0\/1\s+Pending\s+0\s+\S+$/m);
  });

  it('a kind registered at run time appears in the document (new ETag) and in kubectl api-resources', async () => {
    const before = await api(s.h, 'GET', '/apis', undefined, { headers: { Accept: V2 } });
    const gizmos = defineKind({ group: 'gizmos.kubelab.io', version: 'v1', kind: 'Gizmo', plural: 'gizmos', namespaced: false, shortNames: ['gz'], schema: ConfigMapSchema });
    registerKind(gizmos);
    try {
      const stale = await api(s.h, 'GET', '/apis', undefined, { headers: { Accept: V2, 'If-None-Match': String(before.headers.etag) } });
      expect(stale.status).toBe(200);
      expect(stale.headers.etag).not.toBe(before.headers.etag);
      const group = stale.json().items.find((g: { metadata: { name?: string } }) => g.metadata.name === 'gizmos.kubelab.io');
      expect(group.versions[0].resources[0]).toMatchObject({ resource: 'gizmos', scope: 'Cluster', responseKind: { kind: 'Gizmo' }, shortNames: ['gz'] });
      const out = await kubectlFresh(s.h, ['api-resources', '--api-group', 'gizmos.kubelab.io', '--no-headers']);
      expect(out.stdout.trim().split(/\s+/)).toEqual(['gizmos', 'gz', 'gizmos.kubelab.io/v1', 'false', 'Gizmo']);
      expect(perGroupVersion(out.gets)).toEqual([]);
    } finally {
      unregisterKind('gizmos.kubelab.io', 'gizmos');
    }
    const after = await api(s.h, 'GET', '/apis', undefined, { headers: { Accept: V2 } });
    expect(after.body).not.toContain('gizmos.kubelab.io');
    expect(after.headers.etag).toBe(before.headers.etag);
  });
});
