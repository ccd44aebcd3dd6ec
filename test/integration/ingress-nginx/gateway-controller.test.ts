/**
 * The Gateway API through `kubelab ingress-nginx` (the built CLI) against a real API server over etcd, with real
 * nginx on loopback ports: the lab's Gateway API CRDs and GatewayClass nginx apply as scripts/lab.d/addons applies
 * them, the controller runs with its ServiceAccount's RBAC (the add-on manifest), accepts the class, programs a
 * Gateway (kubectl get gateway: PROGRAMMED True, the publish address), attaches an HTTPRoute (status.parents
 * Accepted and ResolvedRefs, attachedRoutes 1) and serves it: a weighted split and a header match; an edit of
 * the route is applied within seconds; a backendRef to another namespace is RefNotPermitted until a ReferenceGrant.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKubeconfig } from '../../../api/tls/kubeconfig.js';
import { kubectlOk, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { REPO } from '../../support/host.js';
import { freePort, waitFor } from '../../support/net.js';
import { echoBackend, NGINX, type EchoBackend } from '../../support/nginx.js';
import { startService, type Service } from '../../support/service.js';

const MANIFEST = join(REPO, 'scripts/lab.d/ingress-nginx.yaml');
const CRDS = join(REPO, 'scripts/lab.d/gateway-api-crds.yaml');
const CLASS = join(REPO, 'scripts/lab.d/gateway-class.yaml');
const CLI = process.env.KUBELAB_CLI ?? join(REPO, 'dist/cli/main.js');
const TOKEN = 'ingress-nginx-sa-token';

function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let etcd: EtcdHandle | undefined;
let h: ApiHandle;
let web: EchoBackend;
let api: EchoBackend;
let ctl: Service | undefined;
let dir = '';
let httpPort = 0;
let healthzPort = 0;

const k = (args: string[], input?: string) => kubectlOk(h, args, input);

function endpointsOf(name: string, port: number, namespace = 'default'): string {
  return JSON.stringify({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: `${name}-manual`, namespace, labels: { 'kubernetes.io/service-name': name } },
    ports: [{ name: '80-8080', port, protocol: 'TCP' }], // the port name kubectl create service gives
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  });
}

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd, { extraTokens: [`${TOKEN},system:serviceaccount:ingress-nginx:ingress-nginx,ingress-nginx-sa,"system:serviceaccounts,system:serviceaccounts:ingress-nginx"`] });
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
    await k(['apply', '-f', '-'], endpointsOf(name, port));
  }
  await k(['-n', 'backends', 'create', 'service', 'clusterip', 'far', '--tcp=80:8080']);
  await k(['apply', '-f', '-'], endpointsOf('far', api.port, 'backends'));
  const kubeconfig = join(dir, 'sa.conf');
  writeFileSync(kubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: h.url, caPem: h.caPem, user: 'ingress-nginx', token: TOKEN }));
  httpPort = await freePort();
  healthzPort = await freePort();
  const [httpsPort, defaultServerPort] = [await freePort(), await freePort()];
  ctl = await startService({
    name: 'ingress-nginx', command: process.execPath,
    args: [CLI, 'ingress-nginx', `--kubeconfig=${kubeconfig}`, `--http-port=${httpPort}`, `--https-port=${httpsPort}`, `--healthz-port=${healthzPort}`, `--default-server-port=${defaultServerPort}`, `--config-dir=${join(dir, 'nginx')}`, '--publish-status-address=10.0.0.11', `--nginx-binary=${NGINX}`],
    env: { ...process.env, POD_NAMESPACE: 'ingress-nginx', KUBELAB_LOG_LEVEL: 'info' },
    ready: async () => (await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port: healthzPort, path: '/healthz' }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', () => resolve(0));
      req.end();
    })) === 200,
    timeoutMs: 30_000,
  });
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
    await waitFor(async () => (await get(httpPort, 'shop.example', '/')).status === 200, 10_000, 'route served');
    const seen: Record<string, number> = { web: 0, api: 0 };
    for (let i = 0; i < 100; i++) seen[backendOf((await get(httpPort, 'shop.example', '/')).body)]!++;
    expect(seen.web! + seen.api!).toBe(100);
    expect(seen.web!).toBeGreaterThanOrEqual(60);
    expect(seen.web!).toBeLessThanOrEqual(90);
    const canary = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: httpPort, path: '/', headers: { host: 'shop.example', 'x-canary': 'yes' }, agent: false }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    expect(backendOf(canary)).toBe('api');
  });

  it('an edit of the route is applied within seconds', async () => {
    const t0 = Date.now();
    await k(['apply', '-f', '-'], route('  - backendRefs: [{name: api, port: 80}]\n'));
    await waitFor(async () => {
      for (let i = 0; i < 5; i++) if (backendOf((await get(httpPort, 'shop.example', '/')).body) !== 'api') return false;
      return true;
    }, 5_000, 'edit applied');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('a backendRef to another namespace is RefNotPermitted until a ReferenceGrant allows it', async () => {
    await k(['apply', '-f', '-'], route('  - backendRefs: [{name: far, namespace: backends, port: 80}]\n'));
    await waitFor(async () => (await jp(['get', 'httproute', 'shop', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].reason}'])) === 'RefNotPermitted', 10_000, 'RefNotPermitted');
    await waitFor(async () => (await get(httpPort, 'shop.example', '/')).status === 500, 5_000, 'the refused backend answers 500 (nginx reloaded)');
    await k(['apply', '-f', '-'], `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-default, namespace: backends}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
  to: [{group: '', kind: Service}]
`);
    await waitFor(async () => (await jp(['get', 'httproute', 'shop', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}'])) === 'True', 10_000, 'ResolvedRefs after the grant');
    await waitFor(async () => (await get(httpPort, 'shop.example', '/')).status === 200, 5_000, 'served after the grant');
    expect(backendOf((await get(httpPort, 'shop.example', '/')).body)).toBe('api');
  });
});
