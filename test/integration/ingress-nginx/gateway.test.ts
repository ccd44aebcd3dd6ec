/**
 * The Gateway API translation through the renderer on real nginx on loopback: GatewayClass + Gateway + HTTPRoutes
 * -> gatewaySource -> mergeModels (with the Ingress source) -> renderNginxConf -> nginx, with node echo backends
 * (no cluster). What a client sees: an 80/20 split over 200 requests, header and method matches, request and
 * response header modifiers, redirects (prefix replaced; scheme change without a port), URLRewrite, Exact and
 * RegularExpression paths, weight 0, a refused cross-namespace backend (500), a missing Service's share of a split (500), TLS on an HTTPS listener.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewaySource, GATEWAY_CONTROLLER_NAME } from '../../../addons/ingress-nginx/gateway.js';
import { ingressSource } from '../../../addons/ingress-nginx/ingress.js';
import { mergeModels } from '../../../addons/ingress-nginx/model.js';
import { certificateFiles, renderNginxConf, type NginxConfOptions } from '../../../addons/ingress-nginx/nginx-conf.js';
import type { ClusterSnapshot, ControllerContext } from '../../../addons/ingress-nginx/source.js';
import { createCA, createCertificate } from '../../../api/tls/certs.js';
import type { KubeObject } from '../../../api/types/meta.js';
import { freePort } from '../../support/net.js';
import { echoBackend, hostGet, hostGetTls, nginxDir, startNginx, type EchoBackend, type HostReply, type RunningNginx } from '../../support/nginx.js';

interface Echo {
  backend: string;
  url: string;
  headers: Record<string, string>;
}
const echo = (r: HostReply): Echo => JSON.parse(r.body) as Echo;

const G = 'gateway.networking.k8s.io';

describe('Gateway API routes on real nginx', () => {
  let blue: EchoBackend;
  let green: EchoBackend;
  let nginx: RunningNginx;
  let ctx: ControllerContext;
  const ca = createCA('gateway test CA');
  const serving = createCertificate({ ca, commonName: 'shop.example', dnsNames: ['shop.example'], serverAuth: true });
  let objects: Record<string, KubeObject[]> = {};
  const snapshot: ClusterSnapshot = {
    list: (r) => objects[r] ?? [],
    get: (r, ns, name) => (objects[r] ?? []).find((o) => o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns)),
  };
  const svc = (name: string, port: number, ns = 'default'): KubeObject[] => [
    { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { ports: [{ name: 'http', port: 80, targetPort: 'web' }] } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: ns, name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } }, addressType: 'IPv4', ports: [{ name: 'http', port }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] },
  ];
  const ref = (name: string, weight?: number, namespace?: string) => ({ name, port: 80, ...(weight === undefined ? {} : { weight }), ...(namespace ? { namespace } : {}) });
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({ namespace: 'default', name, generation: 1, creationTimestamp: '2026-01-01T00:00:00Z', ...extra });

  beforeAll(async () => {
    blue = await echoBackend('blue');
    green = await echoBackend('green');
    const dir = nginxDir();
    const [httpPort, httpsPort, unavailablePort] = [await freePort(), await freePort(), await freePort()];
    const opts: NginxConfOptions = { certDir: `${dir}/ssl`, defaultCertificate: `${dir}/ssl/default.pem`, unavailablePort, httpPort, httpsPort, pidFile: `${dir}/nginx.pid`, errorLog: 'stderr', accessLog: 'off', tempDir: `${dir}/tmp`, workerProcesses: '1' };
    ctx = { controllerClass: 'k8s.io/ingress-nginx', ingressClass: 'nginx', watchWithoutClass: false, publishAddresses: ['192.168.56.21'], httpPort, httpsPort };
    const kinds = [...svc('blue', blue.port), ...svc('green', green.port), ...svc('elsewhere', blue.port, 'other')];
    objects = {
      [`gatewayclasses.${G}`]: [{ metadata: { name: 'nginx', generation: 1 }, spec: { controllerName: GATEWAY_CONTROLLER_NAME } }],
      [`gateways.${G}`]: [
        {
          metadata: meta('web'),
          spec: {
            gatewayClassName: 'nginx',
            listeners: [
              { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
              { name: 'https', port: 443, protocol: 'HTTPS', hostname: 'shop.example', tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', group: '', name: 'shop-tls' }] }, allowedRoutes: { namespaces: { from: 'Same' } } },
            ],
          },
        },
      ],
      [`httproutes.${G}`]: [
        {
          metadata: meta('shop'),
          spec: {
            parentRefs: [{ name: 'web' }],
            hostnames: ['shop.example'],
            rules: [
              { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [ref('blue', 80), ref('green', 20)] },
              {
                matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'x-canary', value: 'yes' }] }],
                filters: [
                  { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-env', value: 'lab' }], add: [{ name: 'x-trace', value: '1' }], remove: ['x-drop'] } },
                  { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-served-by', value: 'kubelab' }] } },
                ],
                backendRefs: [ref('green')],
              },
              { matches: [{ path: { type: 'PathPrefix', value: '/api' }, method: 'POST' }], backendRefs: [ref('green')] },
              { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [ref('blue')] },
              { matches: [{ path: { type: 'Exact', value: '/exact' } }], backendRefs: [ref('green')] },
              { matches: [{ path: { type: 'RegularExpression', value: '/items/[0-9]+' } }], backendRefs: [ref('green')] },
              { matches: [{ path: { type: 'PathPrefix', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' }, statusCode: 301 } }] },
              { matches: [{ path: { type: 'Exact', value: '/secure' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 302 } }] },
              { matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } }], backendRefs: [ref('blue')] },
              { matches: [{ path: { type: 'PathPrefix', value: '/zero' } }], backendRefs: [ref('blue', 0), ref('green', 1)] },
              { matches: [{ path: { type: 'PathPrefix', value: '/denied' } }], backendRefs: [ref('elsewhere', 1, 'other')] },
              { matches: [{ path: { type: 'PathPrefix', value: '/half' } }], backendRefs: [ref('missing', 1), ref('green', 1)] },
            ],
          },
        },
      ],
      [`referencegrants.${G}`]: [],
      services: kinds.filter((o) => o.kind === 'Service'),
      'endpointslices.discovery.k8s.io': kinds.filter((o) => o.kind !== 'Service'),
      secrets: [{ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'default', name: 'shop-tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(serving.certPem).toString('base64'), 'tls.key': Buffer.from(serving.keyPem).toString('base64') } }],
      namespaces: [],
    };
    const m = mergeModels([ingressSource.translate(snapshot, ctx).model, createGatewaySource().translate(snapshot, ctx).model]);
    const files = certificateFiles(m, opts);
    const dflt = createCA('Kubernetes Ingress Controller Fake Certificate');
    files.set(opts.defaultCertificate, `${dflt.certPem}${dflt.keyPem}`);
    nginx = await startNginx(dir, renderNginxConf(m, opts), httpPort, files);
  });
  afterAll(async () => {
    await nginx?.stop();
    await blue?.close();
    await green?.close();
  });

  it('the statuses: route Accepted with ResolvedRefs False RefNotPermitted (the refused backend), Gateway Programmed, 2 listeners attached', () => {
    const { statuses } = createGatewaySource().translate(snapshot, ctx);
    const route = statuses.find((s) => s.resource === `httproutes.${G}`)!.status as { parents: { conditions: { type: string; status: string; reason: string }[] }[] };
    expect(route.parents[0]!.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=False/RefNotPermitted']);
    const gw = statuses.find((s) => s.resource === `gateways.${G}`)!.status as { listeners: { name: string; attachedRoutes: number }[]; addresses: unknown };
    expect(gw.listeners.map((l) => [l.name, l.attachedRoutes])).toEqual([['http', 1], ['https', 1]]);
    expect(gw.addresses).toEqual([{ type: 'IPAddress', value: '192.168.56.21' }]);
  });

  it('an 80/20 split over 200 requests lands within 10 points', async () => {
    const seen = { blue: 0, green: 0 } as Record<string, number>;
    for (let i = 0; i < 200; i++) seen[echo(await hostGet(ctx.httpPort, 'shop.example', '/'))['backend']]!++;
    expect(seen.blue! + seen.green!).toBe(200);
    expect(seen.blue! / 200).toBeGreaterThanOrEqual(0.7);
    expect(seen.blue! / 200).toBeLessThanOrEqual(0.9);
  });

  it('a header match goes to green with the request headers modified; the response header is set', async () => {
    const r = await hostGet(ctx.httpPort, 'shop.example', '/page', { 'x-canary': 'yes', 'x-drop': 'bye', 'x-env': 'prod' });
    const e = echo(r);
    expect(e.backend).toBe('green');
    expect(e.headers['x-env']).toBe('lab');
    expect(e.headers['x-trace']).toBe('1');
    expect(e.headers['x-drop']).toBeUndefined();
    expect(r.headers['x-served-by']).toBe('kubelab');
    const plain = await hostGet(ctx.httpPort, 'shop.example', '/page', { 'x-canary': 'no' });
    expect(plain.headers['x-served-by']).toBeUndefined();
  });

  it('method and path matches: POST /api to green, GET /api to blue, Exact and RegularExpression', async () => {
    expect(echo(await hostGet(ctx.httpPort, 'shop.example', '/api/x', {}, 'POST')).backend).toBe('green');
    expect(echo(await hostGet(ctx.httpPort, 'shop.example', '/api/x')).backend).toBe('blue');
    expect(echo(await hostGet(ctx.httpPort, 'shop.example', '/exact')).backend).toBe('green');
    expect(echo(await hostGet(ctx.httpPort, 'shop.example', '/items/42')).backend).toBe('green');
  });

  it('redirects: the matched prefix replaced (301); a scheme change without a port', async () => {
    const r = await hostGet(ctx.httpPort, 'shop.example', '/old/page?x=1');
    expect([r.status, r.headers.location]).toEqual([301, 'http://shop.example/new/page?x=1']);
    const s = await hostGet(ctx.httpPort, 'shop.example', '/secure');
    expect([s.status, s.headers.location]).toEqual([302, 'https://shop.example/secure']);
  });

  it('URLRewrite replaces the matched prefix before proxying', async () => {
    expect(echo(await hostGet(ctx.httpPort, 'shop.example', '/v1/users?id=3')).url).toBe('/v2/users?id=3');
  });

  it('weight 0 gets nothing; a backend refused for want of a ReferenceGrant answers 500', async () => {
    for (let i = 0; i < 10; i++) expect(echo(await hostGet(ctx.httpPort, 'shop.example', '/zero')).backend).toBe('green');
    expect((await hostGet(ctx.httpPort, 'shop.example', '/denied')).status).toBe(500);
  });

  it("a missing Service's share of a split answers 500 (not 503); the valid backend keeps its share", async () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const r = await hostGet(ctx.httpPort, 'shop.example', '/half');
      const k = r.status === 200 ? echo(r).backend : String(r.status);
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['500', 'green']);
  });

  it('the HTTPS listener terminates TLS with the certificateRefs Secret', async () => {
    const r = await hostGetTls(ctx.httpsPort, 'shop.example', '/exact', ca.certPem);
    expect(r.subject).toBe('shop.example');
    expect(echo(r).backend).toBe('green');
  });
});
