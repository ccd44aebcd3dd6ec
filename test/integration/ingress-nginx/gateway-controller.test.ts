/**
 * The Gateway API through `kubelab ingress-nginx` (the built CLI) against a real API server over etcd, with real
 * nginx on loopback ports: the lab's Gateway API CRDs and GatewayClass nginx apply as scripts/lab.d/addons applies
 * them, the controller runs with its ServiceAccount's RBAC (the add-on manifest), accepts the class, programs a
 * Gateway (kubectl get gateway: PROGRAMMED True, the publish address), attaches an HTTPRoute (status.parents
 * Accepted and ResolvedRefs, attachedRoutes 1) and serves it: a weighted split and a header match; an edit of
 * the route is applied within seconds; a backendRef to another namespace is RefNotPermitted until a ReferenceGrant.
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
const CRDS = join(REPO, 'scripts/lab.d/gateway-api-crds.yaml');
const CLASS = join(REPO, 'scripts/lab.d/gateway-class.yaml');

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
  dir = mkdtempSync(join(tmpdir(), 'kubelab-gwctl-'));
  await k(['apply', '-f', CRDS]);
  await k(['wait', '--for=condition=Established', '--timeout=30s', ...['gatewayclasses', 'gateways', 'httproutes', 'referencegrants'].map((n) => `crd/${n}.gateway.networking.k8s.io`)]);
  await k(['apply', '-f', CLASS]);
  await k(['apply', '-f', MANIFEST]);
  await k(['create', 'namespace', 'backends']);
  for (const [name, port] of [['web', web.port], ['api', api.port]] as const) {
    await k(['create', 'service', 'clusterip', name, '--tcp=80:8080']);
    await k(['apply', '-f', '-'], manualEndpointSlice(name, port));
  }
  await k(['-n', 'backends', 'create', 'service', 'clusterip', 'far', '--tcp=80:8080']);
  await k(['apply', '-f', '-'], manualEndpointSlice('far', api.port, 'backends'));
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

const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: default}
spec:
  gatewayClassName: nginx
  listeners: [{name: http, port: 80, protocol: HTTP}]
`;
const route = (rules: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: default}
spec:
  parentRefs: [{name: web}]
  hostnames: [shop.example]
  rules:
${rules}`;
const SPLIT = `  - backendRefs: [{name: web, port: 80, weight: 3}, {name: api, port: 80, weight: 1}]
  - matches: [{headers: [{name: x-canary, value: "yes"}]}]
    backendRefs: [{name: api, port: 80}]
`;
const backendOf = (body: string): string => (JSON.parse(body) as { backend: string }).backend;
const jp = async (args: string[]): Promise<string> => (await k(args)).trim();

describe('kubelab ingress-nginx serving the Gateway API on a real API server', () => {
  it('accepts the GatewayClass nginx', async () => {
    await waitFor(async () => (await jp(['get', 'gatewayclass', 'nginx', '-o', 'jsonpath={.status.conditions[?(@.type=="Accepted")].status}'])) === 'True', 10_000, 'class Accepted');
    expect(await k(['get', 'gatewayclass', 'nginx'])).toMatch(/^nginx\s+gateway\.kubelab\.io\/ingress-nginx\s+True\s+/m);
  });

  it('programs a Gateway and attaches an HTTPRoute: statuses written with the ServiceAccount\'s RBAC', async () => {
    await k(['apply', '-f', '-'], GATEWAY + '---\n' + route(SPLIT));
    await waitFor(async () => (await jp(['get', 'gateway', 'web', '-o', 'jsonpath={.status.conditions[?(@.type=="Programmed")].status}'])) === 'True', 10_000, 'Gateway Programmed');
    expect((await k(['get', 'gateway', 'web'])).split('\n')[1]).toMatch(/^web\s+nginx\s+10\.0\.0\.11\s+True\s+/);
    await waitFor(async () => (await jp(['get', 'httproute', 'shop', '-o', 'jsonpath={.status.parents[0].conditions[*].status}'])) === 'True True', 10_000, 'route Accepted, ResolvedRefs');
    expect(await jp(['get', 'httproute', 'shop', '-o', 'jsonpath={.status.parents[0].controllerName}'])).toBe('gateway.kubelab.io/ingress-nginx');
    expect(await jp(['get', 'gateway', 'web', '-o', 'jsonpath={.status.listeners[0].attachedRoutes}'])).toBe('1');
    expect(ctl?.log()).not.toContain('forbidden');
  });

  it('serves the route: a 3:1 split and a header match', async () => {
    await waitFor(async () => (await hostGet(httpPort, 'shop.example', '/')).status === 200, 10_000, 'route served');
    const seen: Record<string, number> = { web: 0, api: 0 };
    for (let i = 0; i < 100; i++) seen[backendOf((await hostGet(httpPort, 'shop.example', '/')).body)]!++;
    expect(seen.web! + seen.api!).toBe(100);
    expect(seen.web!).toBeGreaterThanOrEqual(60);
    expect(seen.web!).toBeLessThanOrEqual(90);
    const canary = (await hostGet(httpPort, 'shop.example', '/', { 'x-canary': 'yes' })).body;
    expect(backendOf(canary)).toBe('api');
  });

  it('an edit of the route is applied within seconds', async () => {
    const t0 = Date.now();
    await k(['apply', '-f', '-'], route('  - backendRefs: [{name: api, port: 80}]\n'));
    await waitFor(async () => {
      for (let i = 0; i < 5; i++) if (backendOf((await hostGet(httpPort, 'shop.example', '/')).body) !== 'api') return false;
      return true;
    }, 5_000, 'edit applied');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('a backendRef to another namespace is RefNotPermitted until a ReferenceGrant allows it', async () => {
    await k(['apply', '-f', '-'], route('  - backendRefs: [{name: far, namespace: backends, port: 80}]\n'));
    await waitFor(async () => (await jp(['get', 'httproute', 'shop', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].reason}'])) === 'RefNotPermitted', 10_000, 'RefNotPermitted');
    await waitFor(async () => (await hostGet(httpPort, 'shop.example', '/')).status === 500, 5_000, 'the refused backend answers 500 (nginx reloaded)');
    await k(['apply', '-f', '-'], `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-default, namespace: backends}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
  to: [{group: '', kind: Service}]
`);
    await waitFor(async () => (await jp(['get', 'httproute', 'shop', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}'])) === 'True', 10_000, 'ResolvedRefs after the grant');
    await waitFor(async () => (await hostGet(httpPort, 'shop.example', '/')).status === 200, 5_000, 'served after the grant');
    expect(backendOf((await hostGet(httpPort, 'shop.example', '/')).body)).toBe('api');
  });
});
