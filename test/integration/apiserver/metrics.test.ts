/**
 * The API server's /metrics over a real etcd, read with the real kubectl (`kubectl get --raw /metrics`):
 * upstream's request, etcd, storage and watch metrics with RequestInfo's label values, authorized for
 * system:masters and the system:monitoring group, 403 for a plain user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpsRequest } from 'node:https';
import type { ClientRequest } from 'node:http';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectl, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { waitFor } from '../../support/net.js';

let etcd: EtcdHandle;
let h: ApiHandle;
const MONITORING_TOKEN = 'montoken-metrics';

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd, { extraTokens: [`${MONITORING_TOKEN},prometheus,prometheus,"system:monitoring"`] });
});
afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
});

async function scrape(): Promise<string> {
  const r = await kubectl(h, ['get', '--raw', '/metrics']);
  if (r.code !== 0) throw new Error(`kubectl get --raw /metrics exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The value of the sample whose name and labels are given (labels in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    const close = line.lastIndexOf('}');
    const have = Object.fromEntries([...line.slice(name.length + 1, close).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.keys(labels).length !== Object.keys(have).length - ('le' in have && !('le' in labels) ? 1 : 0)) continue;
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(line.slice(close + 1).trim());
  }
  return undefined;
}

const REQ = { dry_run: '', group: '', version: 'v1', subresource: '', component: 'apiserver' };

/** An open watch: the request and the events read so far. */
function openWatch(path: string): { req: ClientRequest; lines: string[] } {
  const lines: string[] = [];
  const u = new URL(path, h.url);
  const req = httpsRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, ca: h.caPem, headers: { Authorization: `Bearer ${h.adminToken}` } }, (res) => {
    let buf = '';
    res.on('data', (c: Buffer) => {
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  return { req, lines };
}

describe('/metrics', () => {
  it('counts requests by verb, scope and code as upstream labels them; a 403 never reached a handler', async () => {
    expect((await kubectl(h, ['get', 'pods'])).code).toBe(0);
    expect((await kubectl(h, ['get', 'pods', '-A'])).code).toBe(0);
    expect((await kubectl(h, ['create', 'configmap', 'm1', '--from-literal=a=b'])).code).toBe(0);
    expect((await kubectl(h, ['create', 'configmap', 'm2', '--from-literal=a=b', '--dry-run=server'])).code).toBe(0);
    expect((await kubectl(h, ['get', 'configmap', 'm1', '-o', 'yaml'])).code).toBe(0);
    expect((await kubectl(h, ['get', 'configmap', 'absent'])).code).not.toBe(0);
    const apply = await kubectl(h, ['apply', '--server-side', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m3\ndata:\n  a: b\n' });
    expect(apply.code, apply.stderr).toBe(0);
    expect((await api(h, 'GET', '/api/v1/namespaces/default/secrets', undefined, { token: 'usertoken' })).status).toBe(403);

    const text = await scrape();
    expect(text).toContain('# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.');
    expect(text).toContain('# TYPE apiserver_request_total counter');
    expect(sample(text, 'apiserver_request_total', { ...REQ, verb: 'LIST', resource: 'pods', scope: 'namespace', code: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_request_total', { ...REQ, verb: 'LIST', resource: 'pods', scope: 'cluster', code: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_request_total', { ...REQ, verb: 'POST', resource: 'configmaps', scope: 'resource', code: '201' })).toBe(1);
    expect(sample(text, 'apiserver_request_total', { ...REQ, dry_run: 'All', verb: 'POST', resource: 'configmaps', scope: 'resource', code: '201' })).toBe(1);
    expect(sample(text, 'apiserver_request_total', { ...REQ, verb: 'GET', resource: 'configmaps', scope: 'resource', code: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_request_total', { ...REQ, verb: 'GET', resource: 'configmaps', scope: 'resource', code: '404' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_request_total', { ...REQ, verb: 'APPLY', resource: 'configmaps', scope: 'resource', code: '201' })).toBe(1);
    // the user's 403 came from authorization, before any handler: not counted (as upstream)
    expect(text).not.toMatch(/apiserver_request_total\{[^}]*resource="secrets"[^}]*code="403"/);

    expect(text).toContain('# TYPE apiserver_request_duration_seconds histogram');
    // upstream's buckets, cumulative; every request is in +Inf
    const post = { ...REQ, verb: 'POST', resource: 'configmaps', scope: 'resource' };
    let previous = 0;
    for (const le of ['0.005', '0.025', '0.05', '0.1', '0.2', '0.4', '0.6', '0.8', '1', '1.25', '1.5', '2', '3', '4', '5', '6', '8', '10', '15', '20', '30', '45', '60', '+Inf']) {
      const n = sample(text, 'apiserver_request_duration_seconds_bucket', { ...post, le });
      expect(n, `le=${le}`).toBeGreaterThanOrEqual(previous);
      previous = n!;
    }
    expect(previous).toBe(sample(text, 'apiserver_request_duration_seconds_count', post));
    expect(previous).toBe(1);
    expect(text).toMatch(/apiserver_current_inflight_requests\{request_kind="readOnly"\} \d+/);
    expect(text).toMatch(/apiserver_current_inflight_requests\{request_kind="mutating"\} \d+/);
  });

  it('times etcd requests by operation and resource and counts stored objects', async () => {
    const text = await scrape();
    expect(text).toContain('# HELP etcd_request_duration_seconds [ALPHA] Etcd request latency in seconds for each operation and object type.');
    expect(sample(text, 'etcd_request_duration_seconds_count', { operation: 'create', type: 'configmaps' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'etcd_request_duration_seconds_count', { operation: 'list', type: 'pods' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'etcd_request_duration_seconds_count', { operation: 'get', type: 'namespaces' })).toBeGreaterThanOrEqual(1);
    // default, kube-system, kube-public, kube-node-lease
    expect(sample(text, 'apiserver_storage_objects', { resource: 'namespaces' })).toBe(4);
    expect(sample(text, 'apiserver_storage_objects', { resource: 'configmaps' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'apiserver_storage_objects', { resource: 'deployments.apps' })).toBe(0);
    expect(sample(text, 'apiserver_watch_cache_initializations_total', { resource: 'configmaps' })).toBeGreaterThanOrEqual(1);
  });

  it('an open watch is a long-running request; its events are counted by group, version and kind', async () => {
    const w = openWatch('/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0');
    try {
      await waitFor(() => w.lines.length >= 2, 10_000, 'the watch to list the configmaps');
      const labels = { verb: 'WATCH', group: '', version: 'v1', resource: 'configmaps', subresource: '', scope: 'namespace', component: 'apiserver' };
      expect(sample(await scrape(), 'apiserver_longrunning_requests', labels)).toBe(1);
      expect((await kubectl(h, ['create', 'configmap', 'm4', '--from-literal=a=b'])).code).toBe(0);
      await waitFor(() => w.lines.some((l) => l.includes('"m4"')), 10_000, 'the watch event of m4');
      const during = await scrape();
      expect(sample(during, 'apiserver_watch_events_total', { group: '', version: 'v1', kind: 'ConfigMap' })).toBeGreaterThanOrEqual(w.lines.length);
      expect(sample(during, 'apiserver_watch_events_sizes_count', { group: '', version: 'v1', kind: 'ConfigMap' })).toBeGreaterThanOrEqual(w.lines.length);
      w.req.destroy();
      await waitFor(async () => sample(await scrape(), 'apiserver_longrunning_requests', labels) === 0, 10_000, 'the watch to end');
      expect(sample(await scrape(), 'apiserver_request_total', { ...labels, dry_run: '', code: '200' })).toBe(1);
    } finally {
      w.req.destroy();
    }
  });

  it('is for system:masters and the system:monitoring group; a plain user gets 403', async () => {
    const mon = await api(h, 'GET', '/metrics', undefined, { token: MONITORING_TOKEN });
    expect(mon.status).toBe(200);
    expect(mon.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(mon.body).toContain('apiserver_request_total');
    const jane = await api(h, 'GET', '/metrics', undefined, { token: 'usertoken' });
    expect(jane.status).toBe(403);
    expect(jane.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'forbidden: User "jane" cannot get path "/metrics"' });
    // No credential is system:anonymous (--anonymous-auth defaults to true), whom no role lets read /metrics.
    const anonymous = await api(h, 'GET', '/metrics', undefined, { token: '' });
    expect(anonymous.status).toBe(403);
    expect(anonymous.json().message).toBe('forbidden: User "system:anonymous" cannot get path "/metrics"');
    expect((await api(h, 'GET', '/metrics', undefined, { token: 'not-a-token' })).status).toBe(401);
    const k = await kubectl(h, ['get', '--raw', '/metrics', '--token', 'usertoken']);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain('forbidden');
  });
});
