/**
 * The renderer against real nginx on loopback: Ingress objects -> ingressSource -> renderNginxConf -> nginx, with
 * node echo backends (no cluster). Checks what a client sees: host routing, Prefix element boundaries, Exact,
 * rewrite-target capture groups, TLS with the Secret's certificate, ssl-redirect, 503 without endpoints, the
 * default backend, header matches and weighted splits, a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingressSource } from '../../../addons/ingress-nginx/ingress.js';
import { mergeModels, type RoutingModel } from '../../../addons/ingress-nginx/model.js';
import { certificateFiles, renderNginxConf, type NginxConfOptions } from '../../../addons/ingress-nginx/nginx-conf.js';
import type { ClusterSnapshot, ControllerContext } from '../../../addons/ingress-nginx/source.js';
import { createCA, createCertificate } from '../../../api/tls/certs.js';
import type { KubeObject } from '../../../api/types/meta.js';
import { freePort } from '../../support/net.js';
import { echoBackend, hostGet, hostGetTls, nginxDir, startNginx, type EchoBackend, type HostReply, type RunningNginx } from '../../support/nginx.js';

const backendOf = (r: HostReply) => (JSON.parse(r.body) as { backend: string }).backend;
const urlOf = (r: HostReply) => (JSON.parse(r.body) as { url: string }).url;

describe('ingress-nginx renderer on real nginx', () => {
  let web: EchoBackend;
  let api: EchoBackend;
  let nginx: RunningNginx;
  let opts: NginxConfOptions;
  let objects: Record<string, KubeObject[]>;
  let ctx: ControllerContext;
  const ca = createCA('ingress test CA');
  const serving = createCertificate({ ca, commonName: 'secure.example', dnsNames: ['secure.example'], serverAuth: true });
  const snapshot: ClusterSnapshot = {
    list: (r) => objects[r] ?? [],
    get: (r, ns, name) => (objects[r] ?? []).find((o) => o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns)),
  };
  const svc = (name: string, port: number): KubeObject[] => [
    { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name }, spec: { ports: [{ name: 'http', port: 80, targetPort: 'web' }] } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'default', name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } }, addressType: 'IPv4', ports: [{ name: 'http', port }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] },
  ];
  const be = (name: string) => ({ service: { name, port: { number: 80 } } });
  const ing = (name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { namespace: 'default', name, annotations, creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { ingressClassName: 'nginx', ...spec } });
  const render = (extra: RoutingModel[] = []) => {
    const m = mergeModels([ingressSource.translate(snapshot, ctx).model, ...extra]);
    return { conf: renderNginxConf(m, opts), files: certificateFiles(m, opts) };
  };

  beforeAll(async () => {
    web = await echoBackend('web');
    api = await echoBackend('api');
    const dir = nginxDir();
    const [httpPort, httpsPort, unavailablePort] = [await freePort(), await freePort(), await freePort()];
    opts = { certDir: `${dir}/ssl`, defaultCertificate: `${dir}/ssl/default.pem`, unavailablePort, httpPort, httpsPort, pidFile: `${dir}/nginx.pid`, errorLog: 'stderr', accessLog: 'off', tempDir: `${dir}/tmp`, workerProcesses: '1' };
    ctx = { controllerClass: 'k8s.io/ingress-nginx', ingressClass: 'nginx', watchWithoutClass: false, publishAddresses: [], httpPort, httpsPort };
    const dflt = createCA('Kubernetes Ingress Controller Fake Certificate');
    objects = {
      'ingressclasses.networking.k8s.io': [{ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }],
      services: [...svc('web', web.port), ...svc('api', api.port)].filter((o) => o.kind === 'Service'),
      'endpointslices.discovery.k8s.io': [...svc('web', web.port), ...svc('api', api.port)].filter((o) => o.kind !== 'Service'),
      secrets: [{ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'default', name: 'secure-tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(serving.certPem).toString('base64'), 'tls.key': Buffer.from(serving.keyPem).toString('base64') } }],
      'ingresses.networking.k8s.io': [
        ing('hosts', { rules: [
          { host: 'web.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('web') }, { path: '/api', pathType: 'Prefix', backend: be('api') }, { path: '/exact', pathType: 'Exact', backend: be('api') }, { path: '/gone', pathType: 'Prefix', backend: be('missing') }] } },
          { host: 'api.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('api') }] } },
        ] }),
        ing('rewrite', { rules: [{ host: 'rw.example', http: { paths: [{ path: '/something(/|$)(.*)', pathType: 'ImplementationSpecific', backend: be('web') }] } }] }, { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' }),
        ing('secure', { tls: [{ hosts: ['secure.example'], secretName: 'secure-tls' }, { hosts: ['nosecret.example'], secretName: 'nope' }], rules: [{ host: 'secure.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('web') }] } }, { host: 'nosecret.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('web') }] } }] }),
        ing('fallback', { defaultBackend: be('api') }),
      ],
    };
    const { conf, files } = render();
    files.set(opts.defaultCertificate, `${dflt.certPem}${dflt.keyPem}`);
    nginx = await startNginx(dir, conf, httpPort, files);
  });
  afterAll(async () => {
    await nginx?.stop();
    await web?.close();
    await api?.close();
  });

  it('routes by Host header', async () => {
    expect(backendOf(await hostGet(ctx.httpPort, 'web.example', '/'))).toBe('web');
    expect(backendOf(await hostGet(ctx.httpPort, 'api.example', '/'))).toBe('api');
  });

  it('Prefix on path-element boundaries, Exact only exact, the request path passed as is', async () => {
    expect(backendOf(await hostGet(ctx.httpPort, 'web.example', '/api'))).toBe('api');
    const r = await hostGet(ctx.httpPort, 'web.example', '/api/v1?x=1');
    expect([backendOf(r), urlOf(r)]).toEqual(['api', '/api/v1?x=1']);
    expect(backendOf(await hostGet(ctx.httpPort, 'web.example', '/apix'))).toBe('web');
    expect(backendOf(await hostGet(ctx.httpPort, 'web.example', '/exact'))).toBe('api');
    expect(backendOf(await hostGet(ctx.httpPort, 'web.example', '/exact/more'))).toBe('web');
  });

  it('proxy headers as ingress-nginx sets them', async () => {
    const h = (JSON.parse((await hostGet(ctx.httpPort, 'web.example', '/')).body) as { headers: Record<string, string> }).headers;
    expect(h.host).toBe('web.example');
    expect(h['x-forwarded-host']).toBe('web.example');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-real-ip']).toBe('127.0.0.1');
    expect(h['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(h['x-original-uri']).toBe('/');
  });

  it('rewrite-target /$2 with /something(/|$)(.*)', async () => {
    expect(urlOf(await hostGet(ctx.httpPort, 'rw.example', '/something/new/path'))).toBe('/new/path');
    expect(urlOf(await hostGet(ctx.httpPort, 'rw.example', '/something'))).toBe('/');
    expect(urlOf(await hostGet(ctx.httpPort, 'rw.example', '/SOMETHING/x'))).toBe('/x');
  });

  it('a Service without endpoints (or missing) answers 503', async () => {
    expect((await hostGet(ctx.httpPort, 'web.example', '/gone')).status).toBe(503);
  });

  it('an unknown host goes to the defaultBackend of an Ingress', async () => {
    expect(backendOf(await hostGet(ctx.httpPort, 'other.example', '/anything'))).toBe('api');
  });

  it('TLS: the Secret\'s certificate for its host; plain http gets 308 to https', async () => {
    const r = await hostGetTls(ctx.httpsPort, 'secure.example', '/x', ca.certPem);
    expect([r.status, r.subject, backendOf(r)]).toEqual([200, 'secure.example', 'web']);
    expect(((JSON.parse(r.body) as { headers: Record<string, string> }).headers)['x-forwarded-proto']).toBe('https');
    const plain = await hostGet(ctx.httpPort, 'secure.example', '/x?y=1');
    expect([plain.status, plain.headers.location]).toEqual([308, 'https://secure.example/x?y=1']);
  });

  it('TLS with a missing Secret serves the default (fake) certificate', async () => {
    await expect(hostGetTls(ctx.httpsPort, 'nosecret.example', '/', ca.certPem)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('header matches and weighted backends (the Gateway API shapes of the model)', async () => {
    const extra: RoutingModel = {
      upstreams: [],
      servers: [{ port: ctx.httpPort, hostname: 'split.example', routes: [
        { path: '/', pathType: 'Prefix', precedence: 0, source: 'HTTPRoute default/canary', headers: [{ name: 'X-Env', value: 'canary', type: 'Exact' }], backends: [{ upstream: 'default-api-80', weight: 1 }], requestHeaders: { set: [{ name: 'X-Canary', value: 'yes' }] } },
        { path: '/', pathType: 'Prefix', precedence: 1, source: 'HTTPRoute default/split', backends: [{ upstream: 'default-web-80', weight: 80 }, { upstream: 'default-api-80', weight: 20 }] },
      ] }],
    };
    const { conf } = render([extra]);
    await nginx.reload(conf);
    const canary = await hostGet(ctx.httpPort, 'split.example', '/', { 'X-Env': 'canary' });
    expect(backendOf(canary)).toBe('api');
    expect((JSON.parse(canary.body) as { headers: Record<string, string> }).headers['x-canary']).toBe('yes');
    let webCount = 0;
    for (let i = 0; i < 200; i++) if (backendOf(await hostGet(ctx.httpPort, 'split.example', '/')) === 'web') webCount++;
    expect(webCount).toBeGreaterThan(140);
    expect(webCount).toBeLessThan(180);
  });
});
