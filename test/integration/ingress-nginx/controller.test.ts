/**
 * `kubelab ingress-nginx` (the built CLI) against a real API server over etcd, with real nginx on loopback ports:
 * the add-on manifest applies as written (RBAC, IngressClass nginx default), the controller runs with the
 * credentials of its ServiceAccount, serves an Ingress made by the real `kubectl create ingress`, writes
 * status.loadBalancer once, records `Sync` events, applies an edit within seconds, and answers /healthz.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlOk, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { REPO } from '../../support/host.js';
import { INGRESS_NGINX_TOKEN_LINE, manualEndpointSlice, startIngressController } from '../../support/ingress-controller.js';
import { waitFor } from '../../support/net.js';
import { echoBackend, hostGet, type EchoBackend } from '../../support/nginx.js';
import type { Service } from '../../support/service.js';

const MANIFEST = join(REPO, 'scripts/lab.d/ingress-nginx.yaml');

let etcd: EtcdHandle | undefined;
let h: ApiHandle;
let web: EchoBackend;
let api: EchoBackend;
let ctl: Service | undefined;
let dir = '';
let httpPort = 0;

const k = (args: string[], input?: string) => kubectlOk(h, args, input);

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd, { extraTokens: [INGRESS_NGINX_TOKEN_LINE] });
  web = await echoBackend('web');
  api = await echoBackend('api');
  dir = mkdtempSync(join(tmpdir(), 'kubelab-ingctl-'));
  await k(['apply', '-f', MANIFEST]);
  for (const [name, port] of [['web', web.port], ['api', api.port]] as const) {
    await k(['create', 'service', 'clusterip', name, '--tcp=80:8080']);
    await k(['apply', '-f', '-'], manualEndpointSlice(name, port));
  }
  ({ service: ctl, httpPort } = await startIngressController(h, dir));
}, 120_000);

afterAll(async () => {
  await ctl?.stop('SIGTERM', 10_000);
  await web?.close();
  await api?.close();
  await h?.stop();
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kubelab ingress-nginx on a real API server', () => {
  it('serves an Ingress made by kubectl create ingress (no class: the lab\'s default class nginx)', async () => {
    await k(['create', 'ingress', 'demo', '--rule=demo.example/=web:80', '--rule=demo.example/api*=api:80']);
    expect((await k(['get', 'ingress', 'demo', '-o', 'jsonpath={.spec.ingressClassName}'])).trim()).toBe('nginx');
    await waitFor(async () => (await hostGet(httpPort, 'demo.example', '/')).body.includes('"backend":"web"'), 10_000, 'demo.example/ -> web');
    expect((await hostGet(httpPort, 'demo.example', '/api/x')).body).toContain('"backend":"api"');
    expect((await hostGet(httpPort, 'other.example', '/')).status).toBe(404);
  });

  it('writes status.loadBalancer with the publish address and records Sync events', async () => {
    await waitFor(async () => (await k(['get', 'ingress', 'demo', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}'])).trim() === '10.0.0.11', 10_000, 'status.loadBalancer');
    expect(await k(['get', 'ingress', 'demo'])).toMatch(/demo\s+nginx\s+demo\.example\s+10\.0\.0\.11\s+80\s+/);
    await waitFor(async () => (await k(['get', 'events', '--field-selector=involvedObject.name=demo', '-o', 'jsonpath={.items[*].reason}/{.items[*].message}'])).includes('Sync/Scheduled for sync'), 10_000, 'Sync event');
    expect(ctl?.log()).not.toContain('forbidden');
  });

  it('an edit is applied within seconds', async () => {
    const t0 = Date.now();
    await k(['patch', 'ingress', 'demo', '--type=json', '-p', '[{"op":"replace","path":"/spec/rules/0/http/paths/0/backend/service/name","value":"api"}]']);
    await waitFor(async () => (await hostGet(httpPort, 'demo.example', '/')).body.includes('"backend":"api"'), 5_000, 'edit applied');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('an Ingress of another class is ignored', async () => {
    await k(['create', 'ingress', 'other', '--class=traefik', '--rule=other.example/=web:80']);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await hostGet(httpPort, 'other.example', '/')).status).toBe(404);
    expect((await k(['get', 'ingress', 'other', '-o', 'jsonpath={.status.loadBalancer}'])).trim()).toMatch(/^(\{\})?$/);
  });
});
