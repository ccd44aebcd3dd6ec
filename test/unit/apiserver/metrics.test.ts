/**
 * The API server's metrics (metrics.ts): the label values upstream's endpoints/metrics computes for a
 * request (table tests over RequestInfo), the in-flight watermark, the etcd timing of a store's backend,
 * the text /metrics exports, and who may read /metrics (system:masters, system:monitoring; not a user).
 */
import { describe, expect, it } from 'vitest';
import {
  ApiServerMetrics,
  InflightWatermark,
  dryRunLabel,
  instrumentBackend,
  nonResourceRequestLabels,
  requestKind,
  resourceRequestLabels,
} from '../../../control-plane/apiserver/metrics.js';
import { parseRequestInfo } from '../../../control-plane/apiserver/request-info.js';
import { attributesFor, authorize, forbidden } from '../../../control-plane/apiserver/authz.js';
import type { UserInfo } from '../../../control-plane/apiserver/authn.js';
import { MemoryBackend } from '../../../control-plane/storage/memory-backend.js';

function labels(method: string, target: string, namespaced: boolean, contentType?: string) {
  const u = new URL(target, 'https://x');
  const info = parseRequestInfo(method, u.pathname, u.searchParams);
  return resourceRequestLabels({ method, rawQuery: u.search.slice(1), contentType, info }, namespaced);
}

describe('resource request labels (verb, scope, dry_run from RequestInfo, as upstream 1.32)', () => {
  const cases: [string, string, boolean, string | undefined, Partial<ReturnType<typeof labels>>][] = [
    ['GET', '/api/v1/namespaces/default/pods', true, undefined, { verb: 'LIST', scope: 'namespace', group: '', version: 'v1', resource: 'pods', subresource: '', component: 'apiserver', dry_run: '' }],
    ['GET', '/api/v1/pods', true, undefined, { verb: 'LIST', scope: 'cluster' }],
    ['GET', '/api/v1/namespaces/default/pods/p1', true, undefined, { verb: 'GET', scope: 'resource' }],
    ['HEAD', '/api/v1/namespaces/default/pods/p1', true, undefined, { verb: 'GET', scope: 'resource' }],
    ['GET', '/api/v1/namespaces/default/pods?watch=true', true, undefined, { verb: 'WATCH', scope: 'namespace' }],
    ['GET', '/api/v1/pods?watch=1&resourceVersion=5', true, undefined, { verb: 'WATCH', scope: 'cluster' }],
    ['GET', '/api/v1/namespaces/default/pods?watch=false', true, undefined, { verb: 'LIST' }],
    ['POST', '/api/v1/namespaces/default/pods', true, 'application/json', { verb: 'POST', scope: 'resource' }],
    ['POST', '/api/v1/nodes', false, 'application/json', { verb: 'POST', scope: 'resource' }],
    ['PUT', '/apis/apps/v1/namespaces/ns/deployments/web', true, 'application/json', { verb: 'PUT', scope: 'resource', group: 'apps' }],
    ['PATCH', '/apis/apps/v1/namespaces/ns/deployments/web', true, 'application/strategic-merge-patch+json', { verb: 'PATCH' }],
    ['PATCH', '/apis/apps/v1/namespaces/ns/deployments/web?fieldManager=kubectl', true, 'application/apply-patch+yaml', { verb: 'APPLY' }],
    ['PATCH', '/apis/apps/v1/namespaces/ns/deployments/web/scale', true, 'application/merge-patch+json', { verb: 'PATCH', subresource: 'scale', scope: 'resource' }],
    ['DELETE', '/api/v1/namespaces/default/pods/p1', true, undefined, { verb: 'DELETE', scope: 'resource' }],
    ['DELETE', '/api/v1/namespaces/default/pods', true, undefined, { verb: 'DELETE', scope: 'namespace' }],
    ['GET', '/api/v1/namespaces/default/pods/p1/log', true, undefined, { verb: 'CONNECT', subresource: 'log' }],
    ['POST', '/api/v1/namespaces/default/pods/p1/exec?command=ls', true, undefined, { verb: 'CONNECT', subresource: 'exec' }],
    ['GET', '/api/v1/nodes/n1/proxy/metrics', false, undefined, { verb: 'CONNECT', scope: 'resource', subresource: 'proxy' }],
    ['POST', '/api/v1/namespaces/default/pods/p1/eviction', true, 'application/json', { verb: 'POST', subresource: 'eviction' }],
    ['GET', '/api/v1/namespaces', false, undefined, { verb: 'LIST', scope: 'cluster', resource: 'namespaces' }],
    ['GET', '/api/v1/namespaces/kube-system', false, undefined, { verb: 'GET', scope: 'resource', resource: 'namespaces' }],
    ['GET', '/api/v1/nodes', false, undefined, { verb: 'LIST', scope: 'cluster' }],
    ['POST', '/api/v1/namespaces/default/configmaps?dryRun=All', true, 'application/json', { dry_run: 'All' }],
    ['POST', '/api/v1/namespaces/default/configmaps?dryRun=All&dryRun=All', true, 'application/json', { dry_run: 'All' }],
    ['POST', '/api/v1/namespaces/default/configmaps?dryRun=Some', true, 'application/json', { dry_run: 'invalid' }],
    ['OPTIONS', '/api/v1/namespaces/default/pods', true, undefined, { verb: 'other' }],
  ];
  for (const [method, target, namespaced, ct, want] of cases) {
    it(`${method} ${target}${ct ? ' (' + ct + ')' : ''}`, () => {
      expect(labels(method, target, namespaced, ct)).toMatchObject(want);
    });
  }

  it('dry_run: no dryRun parameter at all is the empty label, a lookalike key too', () => {
    expect(dryRunLabel('')).toBe('');
    expect(dryRunLabel('xdryRun=1')).toBe('');
    expect(dryRunLabel('dryRun=')).toBe('invalid');
  });
});

describe('non-resource request labels (only what upstream instruments)', () => {
  it.each([
    ['GET', '/healthz', { verb: 'GET', subresource: '/healthz', component: '', scope: '', resource: '' }],
    ['GET', '/readyz', { subresource: '/readyz', component: '' }],
    ['GET', '/apis', { subresource: '/apis', component: 'apiserver' }],
    ['GET', '/openapi/v3/apis/apps/v1', { subresource: 'openapi/v3', component: '' }],
  ])('%s %s', (method, path, want) => {
    expect(nonResourceRequestLabels(method, path)).toMatchObject(want);
  });
  it.each([['GET', '/metrics'], ['GET', '/version'], ['GET', '/api/v1'], ['GET', '/healthz/etcd'], ['POST', '/healthz']])('%s %s is not counted', (method, path) => {
    expect(nonResourceRequestLabels(method, path)).toBeUndefined();
  });
});

describe('apiserver_current_inflight_requests', () => {
  it('request kinds: get, list and watch are readOnly, everything else mutating', () => {
    expect(requestKind(parseRequestInfo('GET', '/api/v1/pods', new URLSearchParams()))).toBe('readOnly');
    expect(requestKind(parseRequestInfo('GET', '/metrics', new URLSearchParams()))).toBe('readOnly');
    expect(requestKind(parseRequestInfo('POST', '/api/v1/namespaces/a/pods', new URLSearchParams()))).toBe('mutating');
    expect(requestKind(parseRequestInfo('DELETE', '/api/v1/namespaces/a/pods', new URLSearchParams()))).toBe('mutating');
  });

  it('reports the highest count of the last period, then starts from what is still in flight', () => {
    const w = new InflightWatermark();
    const a = w.begin('readOnly');
    const b = w.begin('readOnly');
    const c = w.begin('mutating');
    b();
    b(); // ending twice counts once
    expect(w.rotate()).toEqual({ readOnly: 2, mutating: 1 });
    c();
    expect(w.rotate()).toEqual({ readOnly: 1, mutating: 1 });
    a();
    expect(w.rotate()).toEqual({ readOnly: 1, mutating: 0 });
    expect(w.rotate()).toEqual({ readOnly: 0, mutating: 0 });
  });
});

describe('ApiServerMetrics text', () => {
  it('exports the request counter, the duration histogram with upstream buckets and help texts', async () => {
    const m = new ApiServerMetrics();
    const l = labels('GET', '/api/v1/namespaces/default/pods', true);
    const track = { route: l };
    m.finish(track, 200, 0.003);
    m.finish({ route: l }, 200, 0.7);
    m.finish({}, 404, 0.1); // never reached a handler: not counted
    const text = await m.text();
    expect(text).toContain('# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.');
    expect(text).toContain('apiserver_request_total{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="200"} 2');
    expect(text).not.toContain('code="404"');
    expect(text).toContain('# TYPE apiserver_request_duration_seconds histogram');
    expect(text).toContain('apiserver_request_duration_seconds_bucket{le="0.005",verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver"} 1');
    expect(text).toContain('apiserver_request_duration_seconds_bucket{le="0.8",verb="LIST"');
    expect(text).toMatch(/apiserver_request_duration_seconds_bucket\{le="60",verb="LIST"[^}]*\} 2/);
    expect(text).toContain('apiserver_current_inflight_requests{request_kind="readOnly"} 0');
    expect(text).toContain('apiserver_current_inflight_requests{request_kind="mutating"} 0');
  });

  it('counts a long-running request while it lasts', async () => {
    const m = new ApiServerMetrics();
    const track = {};
    m.startLongRunning(track, labels('GET', '/api/v1/pods?watch=1', true));
    expect(await m.text()).toContain('apiserver_longrunning_requests{verb="WATCH",group="",version="v1",resource="pods",subresource="",scope="cluster",component="apiserver"} 1');
    m.finish(track, 200, 12);
    const text = await m.text();
    expect(text).toContain('apiserver_longrunning_requests{verb="WATCH",group="",version="v1",resource="pods",subresource="",scope="cluster",component="apiserver"} 0');
    expect(text).toContain('apiserver_request_total{verb="WATCH",dry_run="",group="",version="v1",resource="pods",subresource="",scope="cluster",component="apiserver",code="200"} 1');
  });

  it('apiserver_storage_objects reads the counts at each scrape; an unreadable resource is -1', async () => {
    const m = new ApiServerMetrics();
    let pods = 3;
    let widgets = true;
    m.countObjectsWith(() => [
      { resource: 'pods', count: pods },
      { resource: 'deployments.apps', count: undefined },
      ...(widgets ? [{ resource: 'widgets.example.com', count: 1 }] : []),
    ]);
    expect(await m.text()).toContain('apiserver_storage_objects{resource="pods"} 3');
    expect(await m.text()).toContain('apiserver_storage_objects{resource="widgets.example.com"} 1');
    pods = 4;
    widgets = false;
    const text = await m.text();
    expect(text).toContain('apiserver_storage_objects{resource="pods"} 4');
    expect(text).toContain('apiserver_storage_objects{resource="deployments.apps"} -1');
    // a kind no longer served is no longer reported
    expect(text).not.toContain('widgets.example.com');
  });

  it('watch events by group, version and kind, with their sizes', async () => {
    const m = new ApiServerMetrics();
    m.watchEvent('apps', 'v1', 'Deployment', 1500);
    const text = await m.text();
    expect(text).toContain('apiserver_watch_events_total{group="apps",version="v1",kind="Deployment"} 1');
    expect(text).toContain('apiserver_watch_events_sizes_bucket{le="1024",group="apps",version="v1",kind="Deployment"} 0');
    expect(text).toContain('apiserver_watch_events_sizes_bucket{le="2048",group="apps",version="v1",kind="Deployment"} 1');
  });
});

describe('instrumentBackend: etcd_request_duration_seconds{operation,type}', () => {
  it('times each request with upstream operation names; a failed one also counts as an error', async () => {
    const m = new ApiServerMetrics();
    const be = instrumentBackend(new MemoryBackend(), 'configmaps', m);
    const rev = await be.create('/registry/configmaps/a/x', Buffer.from('{}'));
    await be.get('/registry/configmaps/a/x');
    await be.list('/registry/configmaps/');
    await be.update('/registry/configmaps/a/x', Buffer.from('{"a":1}'), rev);
    await expect(be.create('/registry/configmaps/a/x', Buffer.from('{}'))).rejects.toThrow();
    await be.delete('/registry/configmaps/a/x');
    await be.count('/registry/configmaps/');
    const text = await m.text();
    for (const op of ['get', 'list', 'update', 'delete']) {
      expect(text).toContain(`etcd_request_duration_seconds_count{operation="${op}",type="configmaps"} 1`);
    }
    expect(text).toContain('etcd_request_duration_seconds_count{operation="create",type="configmaps"} 2');
    expect(text).toContain('etcd_requests_total{operation="create",type="configmaps"} 2');
    expect(text).toContain('etcd_request_errors_total{operation="create",type="configmaps"} 1');
    expect(text).toContain('etcd_request_duration_seconds_count{operation="listWithCount",type="/registry/configmaps/"} 1');
    expect(text).toContain('# HELP etcd_request_duration_seconds [ALPHA] Etcd request latency in seconds for each operation and object type.');
  });
});

describe('who may read /metrics (nonResourceURL authorization)', () => {
  const get = (user: UserInfo) => {
    const a = attributesFor(parseRequestInfo('GET', '/metrics', new URLSearchParams()), new URLSearchParams());
    return { a, d: authorize(user, a) };
  };
  it('system:masters and the system:monitoring group may', () => {
    expect(get({ name: 'admin', groups: ['system:masters', 'system:authenticated'] }).d.allowed).toBe(true);
    expect(get({ name: 'prometheus', groups: ['system:monitoring', 'system:authenticated'] }).d.allowed).toBe(true);
  });
  it("a plain user may not: upstream's Forbidden message for a path", () => {
    const { a, d } = get({ name: 'jane', groups: ['system:authenticated'] });
    expect(d.allowed).toBe(false);
    if (d.allowed) return;
    const st = forbidden(a, d).toStatus();
    expect(st.code).toBe(403);
    expect(st.message).toBe('forbidden: User "jane" cannot get path "/metrics"');
  });
});
