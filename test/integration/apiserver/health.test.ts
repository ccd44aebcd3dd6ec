/**
 * The health endpoints as upstream's: `/livez`, `/readyz`, `/healthz` answer `ok`, with `?verbose` one line per
 * check in upstream's order and names and `<endpoint> check passed`; `/readyz/etcd` runs one check; when etcd is
 * down each is a 500 with `[-]etcd failed: reason withheld` (the reason only on the single check's path).
 * Anyone may read them (system:public-info-viewer), kubectl's `get --raw` too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectl, rawRequest, startApiServer, type ApiHandle } from '../../support/apiserver.js';

let etcd: EtcdHandle | undefined;
let h: ApiHandle;
let etcdStopped = false;

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd);
});
afterAll(async () => {
  await h?.stop();
  if (!etcdStopped) await etcd?.stop();
});

const HOOKS = [
  '[+]poststarthook/start-system-namespaces-controller ok',
  '[+]poststarthook/start-cluster-authentication-info-controller ok',
  '[+]poststarthook/start-service-ip-repair-controllers ok',
  '[+]poststarthook/rbac/bootstrap-roles ok',
  '[+]poststarthook/scheduling/bootstrap-system-priority-classes ok',
  '[+]poststarthook/bootstrap-controller ok',
  '[+]poststarthook/apiservice-status-local-available-controller ok',
  '[+]poststarthook/apiservice-status-remote-available-controller ok',
  '[+]poststarthook/kube-apiserver-autoregistration ok',
];

describe('health endpoints', () => {
  it('/livez?verbose, /healthz?verbose and /readyz?verbose list every check (kubectl get --raw)', async () => {
    const livez = await kubectl(h, ['get', '--raw', '/livez?verbose']);
    expect(livez.code).toBe(0);
    expect(livez.stdout).toBe(['[+]ping ok', '[+]log ok', '[+]etcd ok', ...HOOKS, 'livez check passed', ''].join('\n'));
    const healthz = await api(h, 'GET', '/healthz?verbose');
    expect(healthz.body).toBe(['[+]ping ok', '[+]log ok', '[+]etcd ok', ...HOOKS, 'healthz check passed', ''].join('\n'));
    const readyz = await api(h, 'GET', '/readyz?verbose&exclude=log');
    expect(readyz.status).toBe(200);
    expect(readyz.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(readyz.body).toBe(['[+]ping ok', '[+]log excluded: ok', '[+]etcd ok', '[+]etcd-readiness ok', '[+]informer-sync ok', ...HOOKS, '[+]shutdown ok', 'readyz check passed', ''].join('\n'));
    expect((await api(h, 'GET', '/readyz')).body).toBe('ok');
  });

  it('single checks: /readyz/etcd, /livez/ping, /healthz/poststarthook/rbac/bootstrap-roles; an unknown one is 404', async () => {
    for (const p of ['/readyz/etcd', '/livez/ping', '/healthz/poststarthook/rbac/bootstrap-roles', '/readyz/shutdown']) {
      const r = await api(h, 'GET', p);
      expect([p, r.status, r.body]).toEqual([p, 200, 'ok']);
    }
    expect((await api(h, 'GET', '/livez/shutdown')).status).toBe(404);
  });

  it('anonymous requests may read them, as upstream (system:public-info-viewer)', async () => {
    const r = await rawRequest(h.url, h.caPem, 'GET', '/readyz?verbose');
    expect(r.status).toBe(200);
    expect(r.body).toContain('readyz check passed');
    expect((await rawRequest(h.url, h.caPem, 'GET', '/version')).status).toBe(200);
  });

  it('etcd down: every endpoint is a 500 with [-]etcd failed: reason withheld; the single check says why', async () => {
    await etcd!.stop();
    etcdStopped = true;
    const livez = await api(h, 'GET', '/livez?verbose');
    expect(livez.status).toBe(500);
    expect(livez.body).toBe(['[+]ping ok', '[+]log ok', '[-]etcd failed: reason withheld', ...HOOKS, 'livez check failed', ''].join('\n'));
    const readyz = await api(h, 'GET', '/readyz');
    expect(readyz.status).toBe(500);
    expect(readyz.body).toContain('[-]etcd failed: reason withheld\n[-]etcd-readiness failed: reason withheld\n');
    expect(readyz.body.endsWith('readyz check failed\n')).toBe(true);
    const single = await api(h, 'GET', '/readyz/etcd');
    expect(single.status).toBe(500);
    expect(single.body).toMatch(/^internal server error: .+\n$/);
    expect((await api(h, 'GET', '/readyz/ping')).body).toBe('ok');
  }, 30_000);
});
