import { describe, expect, it } from 'vitest';
import { ENDPOINT_SLICES, INGRESSES, INGRESS_CLASSES, SECRETS, SERVICES, ingressSource, isOurIngress } from '../../../../addons/ingress-nginx/ingress.js';
import type { KubeObject } from '../../../../api/types/meta.js';
import { CTX, NGINX_CLASS, backend, ingress, service, slice, snapshotOf } from './fixtures.js';

const WEB = [service('default', 'web', [{ name: 'http', port: 80, targetPort: 'web' }]), slice('default', 'web', [{ name: 'http', port: 8080 }], [{ ip: '10.1.0.5' }, { ip: '10.1.0.6', ready: false }])];
const API = [service('default', 'api', [{ port: 8080, targetPort: 9090 }]), slice('default', 'api', [{ port: 9090 }], [{ ip: '10.1.0.7' }])];

function objects(ings: KubeObject[], extra: Record<string, KubeObject[]> = {}): Record<string, KubeObject[]> {
  return { [INGRESSES]: ings, [INGRESS_CLASSES]: [NGINX_CLASS], [SERVICES]: [WEB[0], API[0]], [ENDPOINT_SLICES]: [WEB[1], API[1]], [SECRETS]: [], ...extra };
}

function translate(ings: KubeObject[], extra: Record<string, KubeObject[]> = {}, ctx = CTX) {
  return ingressSource.translate(snapshotOf(objects(ings, extra)), ctx);
}

const rule = (host: string | undefined, paths: { path: string; pathType: string; svc: string; port: number | string }[]) => ({
  ...(host !== undefined ? { host } : {}),
  http: { paths: paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: backend(p.svc, p.port) })) },
});

describe('ingressSource: which Ingresses are ours', () => {
  const cases: { name: string; spec: Record<string, unknown>; ann?: Record<string, string>; classes?: KubeObject[]; without?: boolean; want: boolean }[] = [
    { name: 'ingressClassName nginx (controller k8s.io/ingress-nginx)', spec: { ingressClassName: 'nginx' }, want: true },
    { name: 'another class', spec: { ingressClassName: 'traefik' }, want: false },
    { name: 'our class name but the IngressClass is another controller\'s', spec: { ingressClassName: 'nginx' }, classes: [{ ...NGINX_CLASS, spec: { controller: 'example.com/other' } }], want: false },
    { name: 'our class name, no IngressClass object', spec: { ingressClassName: 'nginx' }, classes: [], want: false },
    { name: 'deprecated annotation nginx', spec: {}, ann: { 'kubernetes.io/ingress.class': 'nginx' }, want: true },
    { name: 'annotation wins over spec.ingressClassName', spec: { ingressClassName: 'nginx' }, ann: { 'kubernetes.io/ingress.class': 'other' }, want: false },
    { name: 'no class, ours is the default class', spec: {}, want: true },
    { name: 'no class, ours is not default', spec: {}, classes: [{ ...NGINX_CLASS, metadata: { name: 'nginx' } }], want: false },
    { name: 'no class, --watch-ingress-without-class', spec: {}, classes: [], without: true, want: true },
  ];
  it.each(cases)('$name', (c) => {
    const ing = ingress('default', 'x', c.spec, c.ann ?? {});
    const snap = snapshotOf(objects([ing], c.classes ? { [INGRESS_CLASSES]: c.classes } : {}));
    expect(isOurIngress(ing as never, snap, { ...CTX, watchWithoutClass: !!c.without })).toBe(c.want);
  });
});

describe('ingressSource: translation', () => {
  it('two hosts, ready endpoints with the target port resolved through the slice port of the same name', () => {
    const { model, statuses } = translate([
      ingress('default', 'two', { ingressClassName: 'nginx', rules: [rule('a.example', [{ path: '/', pathType: 'Prefix', svc: 'web', port: 80 }]), rule('b.example', [{ path: '/api/', pathType: 'Prefix', svc: 'api', port: 8080 }])] }),
    ]);
    expect(model.upstreams).toEqual([
      { name: 'default-api-8080', endpoints: [{ ip: '10.1.0.7', port: 9090 }] },
      { name: 'default-web-80', endpoints: [{ ip: '10.1.0.5', port: 8080 }] },
    ]);
    expect(model.servers.map((s) => [s.port, s.hostname, s.routes.map((r) => `${r.pathType} ${r.path} -> ${r.backends.map((b) => b.upstream).join()}`)])).toEqual([
      [80, 'a.example', ['Prefix / -> default-web-80']],
      [80, 'b.example', ['Prefix /api -> default-api-8080']],
    ]);
    expect(statuses).toEqual([{ resource: INGRESSES, namespace: 'default', name: 'two', status: { loadBalancer: { ingress: [{ ip: '10.0.0.11' }, { ip: '10.0.0.12' }] } } }]);
  });

  it('a backend port by name, a missing Service and a Service without ready endpoints give upstreams without endpoints', () => {
    const { model } = translate([
      ingress('default', 'x', { ingressClassName: 'nginx', rules: [rule('a', [
        { path: '/named', pathType: 'Prefix', svc: 'web', port: 'http' },
        { path: '/gone', pathType: 'Prefix', svc: 'nope', port: 80 },
        { path: '/wrongport', pathType: 'Prefix', svc: 'web', port: 81 },
      ])] }),
    ]);
    expect(model.upstreams).toEqual([
      { name: 'default-nope-80', endpoints: [] },
      { name: 'default-web-81', endpoints: [] },
      { name: 'default-web-http', endpoints: [{ ip: '10.1.0.5', port: 8080 }] },
    ]);
  });

  it('rewrite-target turns every path of the host (Exact too, as buildLocation) into a case-insensitive regex', () => {
    const { model } = translate([
      ingress('default', 'rw', { ingressClassName: 'nginx', rules: [rule('a', [{ path: '/something(/|$)(.*)', pathType: 'ImplementationSpecific', svc: 'web', port: 80 }])] }, { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' }),
      ingress('default', 'plain', { ingressClassName: 'nginx', rules: [rule('a', [{ path: '/p', pathType: 'Prefix', svc: 'api', port: 8080 }, { path: '/e', pathType: 'Exact', svc: 'api', port: 8080 }])] }),
    ]);
    const routes = model.servers[0].routes;
    expect(routes.map((r) => [r.pathType, r.path, r.caseInsensitive, r.rewriteTarget])).toEqual([
      ['RegularExpression', '/something(/|$)(.*)', true, '/$2'],
      ['RegularExpression', '/p', true, undefined],
      ['RegularExpression', '/e', true, undefined],
    ]);
  });

  it('the oldest Ingress wins a path claimed twice', () => {
    const { model } = translate([
      ingress('default', 'young', { ingressClassName: 'nginx', rules: [rule('a', [{ path: '/', pathType: 'Prefix', svc: 'api', port: 8080 }])] }, {}, '2026-02-01T00:00:00Z'),
      ingress('default', 'old', { ingressClassName: 'nginx', rules: [rule('a', [{ path: '/', pathType: 'Prefix', svc: 'web', port: 80 }])] }, {}, '2026-01-01T00:00:00Z'),
    ]);
    expect(model.servers[0].routes.map((r) => r.source)).toEqual(['Ingress default/old']);
  });

  it('TLS: an https server with the Secret\'s PEMs, http redirects with 308 (ssl-redirect defaults to true)', () => {
    const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const key = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'default', name: 'tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') } };
    const { model } = translate([
      ingress('default', 'secure', { ingressClassName: 'nginx', tls: [{ hosts: ['s.example'], secretName: 'tls' }], rules: [rule('s.example', [{ path: '/', pathType: 'Prefix', svc: 'web', port: 80 }])] }),
    ], { [SECRETS]: [secret] });
    const [http, https] = model.servers;
    expect(http).toMatchObject({ port: 80, hostname: 's.example', routes: [{ path: '/', backends: [], redirect: { scheme: 'https', statusCode: 308 } }] });
    expect(https).toMatchObject({ port: 443, hostname: 's.example', tls: { secret: 'default/tls', certPem: cert, keyPem: key }, routes: [{ path: '/', backends: [{ upstream: 'default-web-80', weight: 1 }] }] });
  });

  it('TLS with ssl-redirect "false" proxies plain http too; a missing Secret falls back to the default certificate', () => {
    const { model } = translate([
      ingress('default', 'secure', { ingressClassName: 'nginx', tls: [{ hosts: ['s.example'], secretName: 'missing' }], rules: [rule('s.example', [{ path: '/', pathType: 'Prefix', svc: 'web', port: 80 }])] }, { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' }),
    ]);
    expect(model.servers[0].routes[0].redirect).toBeUndefined();
    expect(model.servers[0].routes[0].backends).toEqual([{ upstream: 'default-web-80', weight: 1 }]);
    expect(model.servers[1].tls).toEqual({ secret: 'default/missing', certPem: '', keyPem: '' });
  });

  it('spec.defaultBackend: the model\'s default backend and the "/" of the Ingress\'s hosts that have none', () => {
    const { model } = translate([
      ingress('default', 'dflt', { ingressClassName: 'nginx', defaultBackend: backend('api', 8080), rules: [rule('a', [{ path: '/web', pathType: 'Prefix', svc: 'web', port: 80 }])] }),
    ]);
    expect(model.defaultBackend).toEqual({ upstream: 'default-api-8080', weight: 1 });
    expect(model.servers[0].routes.map((r) => `${r.path} ${r.backends[0].upstream}`)).toEqual(['/web default-web-80', '/ default-api-8080']);
  });

  it('--default-backend-service names the default backend', () => {
    const { model } = translate([], {}, { ...CTX, defaultBackendService: 'default/web' });
    expect(model.defaultBackend).toEqual({ upstream: 'default-web-80', weight: 1 });
    expect(model.upstreams).toEqual([{ name: 'default-web-80', endpoints: [{ ip: '10.1.0.5', port: 8080 }] }]);
  });

  it('Ingresses of other classes give nothing and no status', () => {
    expect(translate([ingress('default', 'x', { ingressClassName: 'other', rules: [rule('a', [{ path: '/', pathType: 'Prefix', svc: 'web', port: 80 }])] })])).toEqual({ model: { upstreams: [], servers: [] }, statuses: [] });
  });

  it('a rule without host serves the default server; "/foo/" Prefix is "/foo"', () => {
    const { model } = translate([ingress('default', 'x', { ingressClassName: 'nginx', rules: [rule(undefined, [{ path: '/foo/', pathType: 'Prefix', svc: 'web', port: 80 }])] })]);
    expect(model.servers).toMatchObject([{ port: 80, hostname: '', routes: [{ path: '/foo', pathType: 'Prefix' }] }]);
  });
});
