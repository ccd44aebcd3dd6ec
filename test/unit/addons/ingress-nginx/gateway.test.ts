/**
 * The Gateway API translation (addons/ingress-nginx/gateway.ts) on in-memory snapshots: class acceptance,
 * listeners and their statuses, route attachment (sectionName, port, allowedRoutes, hostname intersection),
 * matches and precedence, weighted backends, ReferenceGrants, filters, route parents[] status.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../api/types/meta.js';
import { createGatewaySource, GATEWAY_CONTROLLER_NAME, intersectHostnames, referenceGranted } from '../../../../addons/ingress-nginx/gateway.js';
import type { ClusterSnapshot, ControllerContext, StatusWrite } from '../../../../addons/ingress-nginx/source.js';
import type { RoutingModel } from '../../../../addons/ingress-nginx/model.js';

const NOW = '2026-12-05T05:00:00Z';
const source = createGatewaySource({ now: () => new Date(NOW) });
const G = 'gateway.networking.k8s.io';

const ctx: ControllerContext = {
  controllerClass: 'k8s.io/ingress-nginx',
  ingressClass: 'nginx',
  watchWithoutClass: false,
  publishAddresses: ['10.0.0.11', '10.0.0.12'],
  httpPort: 80,
  httpsPort: 443,
};

function snapshot(objs: Record<string, KubeObject[]>): ClusterSnapshot {
  return {
    list: (r) => objs[r] ?? [],
    get: (r, ns, name) => (objs[r] ?? []).find((o) => o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns)),
  };
}

const obj = (namespace: string | undefined, name: string, body: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name, ...(namespace ? { namespace } : {}), generation: 1, creationTimestamp: '2026-01-01T00:00:00Z', ...meta },
  ...body,
});

const gatewayClass = (name = 'nginx', controllerName = GATEWAY_CONTROLLER_NAME): KubeObject => obj(undefined, name, { spec: { controllerName } });
const gateway = (listeners: unknown[], ns = 'default', name = 'web', className = 'nginx'): KubeObject => obj(ns, name, { spec: { gatewayClassName: className, listeners } });
const http = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } }, ...extra });
const route = (spec: Record<string, unknown>, ns = 'default', name = 'r', meta: Record<string, unknown> = {}): KubeObject => obj(ns, name, { spec: { parentRefs: [{ name: 'web' }], ...spec } }, meta);
const service = (name: string, ns = 'default', ports: unknown[] = [{ name: 'http', port: 80, targetPort: 8080 }]): KubeObject => obj(ns, name, { spec: { ports } });
const slice = (svc: string, ips: string[], ns = 'default', port = 8080, portName = 'http', ready = true): KubeObject =>
  obj(ns, `${svc}-abc`, { addressType: 'IPv4', ports: [{ name: portName, port }], endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready } })) }, { labels: { 'kubernetes.io/service-name': svc } });
const backend = (name: string, weight?: number, port = 80): Record<string, unknown> => ({ name, port, ...(weight === undefined ? {} : { weight }) });

interface World {
  classes?: KubeObject[];
  gateways?: KubeObject[];
  routes?: KubeObject[];
  services?: KubeObject[];
  slices?: KubeObject[];
  secrets?: KubeObject[];
  grants?: KubeObject[];
  namespaces?: KubeObject[];
}

function run(w: World): { model: RoutingModel; statuses: StatusWrite[] } {
  return source.translate(
    snapshot({
      [`gatewayclasses.${G}`]: w.classes ?? [gatewayClass()],
      [`gateways.${G}`]: w.gateways ?? [gateway([http()])],
      [`httproutes.${G}`]: w.routes ?? [],
      [`referencegrants.${G}`]: w.grants ?? [],
      services: w.services ?? [service('a'), service('b')],
      'endpointslices.discovery.k8s.io': w.slices ?? [slice('a', ['10.1.0.1', '10.1.0.2']), slice('b', ['10.1.1.1'])],
      secrets: w.secrets ?? [],
      namespaces: w.namespaces ?? [],
    }),
    ctx,
  );
}

const statusOf = (r: { statuses: StatusWrite[] }, resource: string, name: string): Record<string, unknown> => {
  const s = r.statuses.find((x) => x.resource === `${resource}.${G}` && x.name === name);
  if (!s) throw new Error(`no status for ${resource} ${name}`);
  return s.status;
};
type Cond = { type: string; status: string; reason: string };
const conds = (c: unknown): string[] => (c as Cond[]).map((x) => `${x.type}=${x.status}/${x.reason}`);
const parentConds = (r: { statuses: StatusWrite[] }, name = 'r'): string[][] => ((statusOf(r, 'httproutes', name)['parents'] as { conditions: Cond[] }[]) ?? []).map((p) => conds(p.conditions));

describe('intersectHostnames (listener hostname × route hostnames)', () => {
  it.each<[string | undefined, string[] | undefined, string[]]>([
    [undefined, undefined, ['']],
    ['a.example.com', undefined, ['a.example.com']],
    [undefined, ['a.example.com', 'b.example.com'], ['a.example.com', 'b.example.com']],
    ['a.example.com', ['a.example.com', 'b.example.com'], ['a.example.com']],
    ['*.example.com', ['a.example.com', 'x.y.example.com', 'example.com', 'other.org'], ['a.example.com', 'x.y.example.com']],
    ['a.example.com', ['*.example.com'], ['a.example.com']],
    ['*.example.com', ['*.a.example.com'], ['*.a.example.com']],
    ['*.a.example.com', ['*.example.com'], ['*.a.example.com']],
    ['a.example.com', ['b.example.com'], []],
  ])('listener %s, route %j -> %j', (l, r, want) => {
    expect(intersectHostnames(l, r)).toEqual(want);
  });
});

describe('referenceGranted', () => {
  const grant = (to: Record<string, unknown>[], fromNs = 'apps'): { metadata: { name: string; namespace: string }; spec: unknown } => ({
    metadata: { name: 'g', namespace: 'backends' },
    spec: { from: [{ group: G, kind: 'HTTPRoute', namespace: fromNs }], to },
  });
  const from = { group: G, kind: 'HTTPRoute', namespace: 'apps' };
  const to = { group: '', kind: 'Service', namespace: 'backends', name: 'svc' };
  it.each<[string, unknown[], boolean]>([
    ['no grant', [], false],
    ['a grant for all Services', [grant([{ group: '', kind: 'Service' }])], true],
    ['a grant for that Service', [grant([{ group: '', kind: 'Service', name: 'svc' }])], true],
    ['a grant for another Service', [grant([{ group: '', kind: 'Service', name: 'other' }])], false],
    ['a grant from another namespace', [grant([{ group: '', kind: 'Service' }], 'elsewhere')], false],
    ['a grant for Secrets', [grant([{ group: '', kind: 'Secret' }])], false],
  ])('%s', (_n, grants, want) => {
    expect(referenceGranted(grants as never, from, to)).toBe(want);
  });
  it('the same namespace needs no grant', () => {
    expect(referenceGranted([], from, { ...to, namespace: 'apps' })).toBe(true);
  });
});

describe('GatewayClass and Gateway status', () => {
  it('a class with our controllerName is Accepted; another controller\'s class and its Gateways are left alone', () => {
    const r = run({ classes: [gatewayClass(), gatewayClass('istio', 'istio.io/gateway-controller')], gateways: [gateway([http()]), gateway([http()], 'default', 'other', 'istio')] });
    expect(conds(statusOf(r, 'gatewayclasses', 'nginx')['conditions'])).toEqual(['Accepted=True/Accepted']);
    expect(r.statuses.map((s) => `${s.resource.split('.')[0]}/${s.name}`).sort()).toEqual(['gatewayclasses/nginx', 'gateways/web']);
  });

  it('a Gateway gets the node addresses, Accepted and Programmed, and per-listener status', () => {
    const r = run({ routes: [route({ rules: [{ backendRefs: [backend('a')] }] })] });
    const s = statusOf(r, 'gateways', 'web');
    expect(s['addresses']).toEqual([{ type: 'IPAddress', value: '10.0.0.11' }, { type: 'IPAddress', value: '10.0.0.12' }]);
    expect(conds(s['conditions'])).toEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    const l = (s['listeners'] as { name: string; attachedRoutes: number; supportedKinds: unknown; conditions: unknown }[])[0]!;
    expect(l.name).toBe('http');
    expect(l.attachedRoutes).toBe(1);
    expect(l.supportedKinds).toEqual([{ group: G, kind: 'HTTPRoute' }]);
    expect(conds(l.conditions)).toEqual(['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'Programmed=True/Programmed', 'ResolvedRefs=True/ResolvedRefs']);
  });

  it('conditions carry observedGeneration and keep lastTransitionTime while unchanged', () => {
    const old = gateway([http()]);
    old.metadata.generation = 4;
    old['status'] = { conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' }, { type: 'Programmed', status: 'False', reason: 'Invalid', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' }] };
    const c = statusOf(run({ gateways: [old] }), 'gateways', 'web')['conditions'] as { type: string; lastTransitionTime: string; observedGeneration: number }[];
    expect(c.map((x) => [x.type, x.lastTransitionTime, x.observedGeneration])).toEqual([['Accepted', '2020-01-01T00:00:00Z', 4], ['Programmed', NOW, 4]]);
  });

  it.each<[string, Record<string, unknown>, KubeObject[], string[]]>([
    ['TCP is not supported', { name: 'tcp', port: 9000, protocol: 'TCP' }, [], ['Accepted=False/UnsupportedProtocol', 'Conflicted=False/NoConflicts', 'Programmed=False/Invalid', 'ResolvedRefs=True/ResolvedRefs']],
    ['HTTPS with a missing Secret', { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'nope' }] } }, [], ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'Programmed=False/Invalid', 'ResolvedRefs=False/InvalidCertificateRef']],
    ['HTTPS with a Secret in another namespace and no grant', { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert', namespace: 'certs' }] } }, [], ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'Programmed=False/Invalid', 'ResolvedRefs=False/RefNotPermitted']],
    ['allowedRoutes kinds other than HTTPRoute', http({ allowedRoutes: { kinds: [{ kind: 'TCPRoute' }] } }), [], ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'Programmed=True/Programmed', 'ResolvedRefs=False/InvalidRouteKinds']],
  ])('listener: %s', (_n, listener, secrets, want) => {
    const s = statusOf(run({ gateways: [gateway([listener])], secrets }), 'gateways', 'web');
    expect(conds((s['listeners'] as { conditions: unknown }[])[0]!.conditions)).toEqual(want);
  });

  it('listeners sharing an nginx port with another protocol are Conflicted (ProtocolConflict), not served; the Gateway says ListenersNotValid', () => {
    const pem = (x: string): string => Buffer.from(x).toString('base64');
    const secret = obj('default', 'cert', { type: 'kubernetes.io/tls', data: { 'tls.crt': pem('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n'), 'tls.key': pem('-----BEGIN PRIVATE KEY-----\ny\n-----END PRIVATE KEY-----\n') } });
    const tls = { certificateRefs: [{ name: 'cert' }] };
    const r = run({
      gateways: [gateway([http(), { name: 'a', port: 8080, protocol: 'HTTP' }, { name: 'b', port: 8080, protocol: 'HTTPS', hostname: 'b.example.com', tls }, { name: 'c', port: 443, protocol: 'HTTP' }, { name: 'd', port: 443, protocol: 'HTTPS', tls }])],
      secrets: [secret],
    });
    const s = statusOf(r, 'gateways', 'web');
    const byName = Object.fromEntries((s['listeners'] as { name: string; conditions: Cond[] }[]).map((l) => [l.name, conds(l.conditions).filter((c) => c.startsWith('Conflicted') || c.startsWith('Programmed')).join(' ')]));
    expect(byName).toEqual({
      http: 'Conflicted=False/NoConflicts Programmed=True/Programmed',
      a: 'Conflicted=True/ProtocolConflict Programmed=False/Invalid',
      b: 'Conflicted=True/ProtocolConflict Programmed=False/Invalid',
      c: 'Conflicted=True/ProtocolConflict Programmed=False/Invalid',
      d: 'Conflicted=False/NoConflicts Programmed=True/Programmed',
    });
    expect(conds(s['conditions'])).toEqual(['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed']);
  });

  it('an HTTPS listener serves the Secret\'s certificate on the https port', () => {
    const pem = (s: string): string => Buffer.from(s).toString('base64');
    const secret = obj('default', 'cert', { type: 'kubernetes.io/tls', data: { 'tls.crt': pem('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n'), 'tls.key': pem('-----BEGIN PRIVATE KEY-----\ny\n-----END PRIVATE KEY-----\n') } });
    const r = run({
      gateways: [gateway([{ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'app.example.com', tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert' }] } }])],
      secrets: [secret],
      routes: [route({ rules: [{ backendRefs: [backend('a')] }] })],
    });
    expect(r.model.servers).toHaveLength(1);
    expect(r.model.servers[0]).toMatchObject({ port: 443, hostname: 'app.example.com', tls: { secret: 'default/cert' } });
    expect(r.model.servers[0]!.tls!.certPem).toContain('BEGIN CERTIFICATE');
  });
});

describe('route attachment', () => {
  const two = gateway([http(), http({ name: 'other', port: 8080, hostname: 'x.example.com' })]);
  it.each<[string, Record<string, unknown>, World, string[][]]>([
    ['a plain parentRef', { parentRefs: [{ name: 'web' }] }, {}, [['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']]],
    ['an unknown sectionName', { parentRefs: [{ name: 'web', sectionName: 'nope' }] }, {}, [['Accepted=False/NoMatchingParent', 'ResolvedRefs=True/ResolvedRefs']]],
    ['a port no listener has', { parentRefs: [{ name: 'web', port: 81 }] }, {}, [['Accepted=False/NoMatchingParent', 'ResolvedRefs=True/ResolvedRefs']]],
    ['a hostname no listener matches', { parentRefs: [{ name: 'web', sectionName: 'other' }], hostnames: ['y.example.com'] }, { gateways: [two] }, [['Accepted=False/NoMatchingListenerHostname', 'ResolvedRefs=True/ResolvedRefs']]],
    ['a parentRef to a Gateway of another class', { parentRefs: [{ name: 'web' }, { name: 'foreign' }] }, { gateways: [gateway([http()]), gateway([http()], 'default', 'foreign', 'istio')] }, [['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']]],
  ])('%s', (_n, spec, w, want) => {
    const r = run({ ...w, routes: [route({ ...spec, rules: [{ backendRefs: [backend('a')] }] })] });
    expect(parentConds(r)).toEqual(want);
  });

  it('allowedRoutes from Same refuses a route of another namespace; All and Selector admit it', () => {
    const other = route({ parentRefs: [{ name: 'web', namespace: 'default' }], rules: [{ backendRefs: [backend('a')] }] }, 'apps');
    const svcs = [service('a', 'apps')];
    const slices = [slice('a', ['10.2.0.1'], 'apps')];
    expect(parentConds(run({ routes: [other], services: svcs, slices }))).toEqual([['Accepted=False/NotAllowedByListeners', 'ResolvedRefs=True/ResolvedRefs']]);
    const all = run({ routes: [other], services: svcs, slices, gateways: [gateway([http({ allowedRoutes: { namespaces: { from: 'All' } } })])] });
    expect(parentConds(all)).toEqual([['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']]);
    expect(all.model.upstreams).toEqual([{ name: 'apps-a-80', endpoints: [{ ip: '10.2.0.1', port: 8080 }] }]);
    const sel = gateway([http({ allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'web' } } } } })]);
    const nsLabelled = [obj(undefined, 'apps', {}, { labels: { team: 'web' } })];
    expect(parentConds(run({ routes: [other], services: svcs, slices, gateways: [sel], namespaces: nsLabelled }))).toEqual([['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']]);
    expect(parentConds(run({ routes: [other], services: svcs, slices, gateways: [sel], namespaces: [obj(undefined, 'apps', {})] }))).toEqual([['Accepted=False/NotAllowedByListeners', 'ResolvedRefs=True/ResolvedRefs']]);
  });

  it('a route gets one server per intersected hostname; another controller\'s parents entries are kept', () => {
    const r0 = route({ hostnames: ['a.example.com', 'b.example.com'], rules: [{ backendRefs: [backend('a')] }] });
    r0['status'] = { parents: [{ parentRef: { name: 'foreign' }, controllerName: 'istio.io/gateway-controller', conditions: [] }] };
    const r = run({ gateways: [gateway([http({ hostname: '*.example.com' })])], routes: [r0] });
    expect(r.model.servers.map((s) => `${s.port} ${s.hostname}`)).toEqual(['80 a.example.com', '80 b.example.com']);
    const parents = statusOf(r, 'httproutes', 'r')['parents'] as { controllerName: string; parentRef: unknown }[];
    expect(parents.map((p) => p.controllerName)).toEqual(['istio.io/gateway-controller', GATEWAY_CONTROLLER_NAME]);
    expect(parents[1]!.parentRef).toEqual({ name: 'web' });
  });
});

describe('rules to routes', () => {
  it('a 80/20 split: weighted backends, upstreams with the ready endpoints (target port through the slice port name)', () => {
    const r = run({ routes: [route({ rules: [{ backendRefs: [backend('a', 80), backend('b', 20)] }] })], slices: [slice('a', ['10.1.0.1', '10.1.0.2']), slice('b', ['10.1.1.1']), slice('b', ['10.1.1.9'], 'default', 8080, 'http', false)] });
    expect(r.model.servers).toHaveLength(1);
    const [rt] = r.model.servers[0]!.routes;
    expect(rt).toMatchObject({ path: '/', pathType: 'Prefix', backends: [{ upstream: 'default-a-80', weight: 80 }, { upstream: 'default-b-80', weight: 20 }] });
    expect(r.model.upstreams).toEqual([
      { name: 'default-a-80', endpoints: [{ ip: '10.1.0.1', port: 8080 }, { ip: '10.1.0.2', port: 8080 }] },
      { name: 'default-b-80', endpoints: [{ ip: '10.1.1.1', port: 8080 }] },
    ]);
  });

  it('a weight 0 backend keeps weight 0 (the renderer sends it nothing) and is still resolved', () => {
    const r = run({ routes: [route({ rules: [{ backendRefs: [backend('a', 1), backend('b', 0)] }] })] });
    expect(r.model.servers[0]!.routes[0]!.backends).toEqual([{ upstream: 'default-a-80', weight: 1 }, { upstream: 'default-b-80', weight: 0 }]);
    expect(parentConds(r)).toEqual([['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']]);
  });

  it.each<[string, Record<string, unknown>, World, string]>([
    ['a missing Service', backend('nope'), {}, 'ResolvedRefs=False/BackendNotFound'],
    ['a Service port that does not exist', backend('a', 1, 81), {}, 'ResolvedRefs=False/BackendNotFound'],
    ['a kind other than Service', { group: 'example.com', kind: 'Bucket', name: 'x' }, {}, 'ResolvedRefs=False/InvalidKind'],
    ['another namespace without a ReferenceGrant', { ...backend('a'), namespace: 'backends' }, {}, 'ResolvedRefs=False/RefNotPermitted'],
    ['another namespace with a ReferenceGrant', { ...backend('a'), namespace: 'backends' }, { grants: [obj('backends', 'g', { spec: { from: [{ group: G, kind: 'HTTPRoute', namespace: 'default' }], to: [{ group: '', kind: 'Service' }] } })], services: [service('a', 'backends')] }, 'ResolvedRefs=True/ResolvedRefs'],
  ])('backendRef: %s', (_n, ref, w, want) => {
    const r = run({ ...w, routes: [route({ rules: [{ backendRefs: [ref] }] })] });
    expect(parentConds(r)[0]![1]).toBe(want);
  });

  it('a refused cross-namespace backend never reaches the Service: its share goes to an upstream without endpoints', () => {
    const r = run({ routes: [route({ rules: [{ backendRefs: [{ ...backend('a'), namespace: 'backends' }, backend('b', 3)] }] })], services: [service('a', 'backends'), service('b')] });
    expect(r.model.servers[0]!.routes[0]!.backends).toEqual([{ upstream: 'invalid-backends-a-80', weight: 1 }, { upstream: 'default-b-80', weight: 3 }]);
    expect(r.model.upstreams.map((u) => [u.name, u.endpoints.length, u.emptyStatus])).toEqual([['default-b-80', 1, undefined], ['invalid-backends-a-80', 0, 500]]);
  });

  it.each([
    ['a missing Service', backend('nope'), 'invalid-default-nope-80'],
    ['a Service port that does not exist', backend('a', 1, 81), 'invalid-default-a-81'],
  ])('%s: its share answers 500 (conformance HTTPRouteInvalidNonExistentBackendRef), the valid one keeps its share', (_n, ref, upstream) => {
    const r = run({ routes: [route({ rules: [{ backendRefs: [ref, backend('b', 3)] }] })], services: [service('a'), service('b')] });
    expect(r.model.servers[0]!.routes[0]!.backends).toEqual([{ upstream, weight: 1 }, { upstream: 'default-b-80', weight: 3 }]);
    expect(r.model.upstreams.find((u) => u.name === upstream)).toEqual({ name: upstream, endpoints: [], emptyStatus: 500 });
  });

  it('every backendRef refused: all weights 0 (the rule answers 500, as the spec says)', () => {
    const r = run({ routes: [route({ rules: [{ backendRefs: [{ ...backend('a'), namespace: 'backends' }] }] })], services: [service('a', 'backends')] });
    expect(r.model.servers[0]!.routes[0]!.backends).toEqual([{ upstream: 'invalid-backends-a-80', weight: 0 }]);
  });

  it('matches: path types, headers, method; precedence Exact, longest prefix, method, most headers, oldest route', () => {
    const r1 = route(
      {
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [backend('a')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'x-canary', value: 'yes', type: 'Exact' }] }], backendRefs: [backend('b')] },
          { matches: [{ path: { type: 'Exact', value: '/login' } }, { path: { type: 'RegularExpression', value: '/v[0-9]+/.*' } }], backendRefs: [backend('a')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/api' }, method: 'POST' }, { path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [backend('b')] },
        ],
      },
      'default',
      'young',
      { creationTimestamp: '2026-06-01T00:00:00Z' },
    );
    const r2 = route({ rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [backend('b')] }] }, 'default', 'old', { creationTimestamp: '2025-01-01T00:00:00Z' });
    const r = run({ routes: [r1, r2] });
    const got = r.model.servers[0]!.routes.map((x) => `${x.precedence} ${x.pathType} ${x.path}${x.method ? ` ${x.method}` : ''}${x.headers ? ` ${x.headers.map((h) => `${h.name}=${h.value}`).join(',')}` : ''} <- ${x.source}`);
    expect(got).toEqual([
      '0 Exact /login <- HTTPRoute default/young rule 2',
      '1 Prefix /api POST <- HTTPRoute default/young rule 3',
      '2 Prefix /api <- HTTPRoute default/young rule 3',
      '3 Prefix / x-canary=yes <- HTTPRoute default/young rule 1',
      '4 Prefix / <- HTTPRoute default/old rule 0',
      '5 Prefix / <- HTTPRoute default/young rule 0',
      '6 RegularExpression /v[0-9]+/.* <- HTTPRoute default/young rule 2',
    ]);
  });

  it('filters: header modifiers, redirects (a well-known port is left out of Location), URL rewrite', () => {
    const r = run({
      routes: [
        route({
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/app' } }],
              filters: [
                { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Env', value: 'lab' }], add: [{ name: 'X-Trace', value: '1' }], remove: ['X-Drop'] } },
                { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'X-Served-By', value: 'kubelab' }] } },
                { type: 'URLRewrite', urlRewrite: { hostname: 'internal', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
              ],
              backendRefs: [backend('a')],
            },
            { matches: [{ path: { type: 'PathPrefix', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }] },
            { matches: [{ path: { type: 'Exact', value: '/moved' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'example.org', path: { type: 'ReplaceFullPath', replaceFullPath: '/here' } } }] },
            { matches: [{ path: { type: 'Exact', value: '/s' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', port: 443 } }] },
            { matches: [{ path: { type: 'Exact', value: '/p' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', port: 8443 } }] },
          ],
        }),
      ],
    });
    const byPath = new Map(r.model.servers[0]!.routes.map((x) => [x.path, x]));
    expect(byPath.get('/app')).toMatchObject({
      requestHeaders: { set: [{ name: 'X-Env', value: 'lab' }], add: [{ name: 'X-Trace', value: '1' }], remove: ['X-Drop'] },
      responseHeaders: { add: [{ name: 'X-Served-By', value: 'kubelab' }] },
      urlRewrite: { hostname: 'internal', replacePrefixMatch: '/' },
    });
    expect(byPath.get('/old')!.redirect).toEqual({ scheme: 'https', replacePrefixMatch: '/new', statusCode: 301 });
    expect(byPath.get('/old')!.backends).toEqual([]);
    expect(byPath.get('/moved')!.redirect).toEqual({ hostname: 'example.org', path: '/here', statusCode: 302 });
    expect(byPath.get('/s')!.redirect).toEqual({ scheme: 'https', statusCode: 302 });
    expect(byPath.get('/p')!.redirect).toEqual({ scheme: 'https', port: 8443, statusCode: 302 });
  });

  it.each<[string, Record<string, unknown>]>([
    ['a RequestMirror filter', { filters: [{ type: 'RequestMirror', requestMirror: { backendRef: backend('b') } }], backendRefs: [backend('a')] }],
    ['a queryParams match', { matches: [{ path: { type: 'PathPrefix', value: '/' }, queryParams: [{ name: 'q', value: '1' }] }], backendRefs: [backend('a')] }],
    ['backendRef filters', { backendRefs: [{ ...backend('a'), filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: '1' }] } }] }] }],
  ])('unsupported: %s makes the route Accepted False UnsupportedValue and serves nothing', (_n, rule) => {
    const r = run({ routes: [route({ rules: [rule] })] });
    expect(parentConds(r)[0]![0]).toBe('Accepted=False/UnsupportedValue');
    expect(r.model.servers).toEqual([]);
    expect((statusOf(r, 'gateways', 'web')['listeners'] as { attachedRoutes: number }[])[0]!.attachedRoutes).toBe(0);
  });

  it('two Gateways on port 80 with different hostnames make two servers; the same hostname merges into one', () => {
    const gA = gateway([http({ hostname: 'a.example.com' })], 'default', 'ga');
    const gB = gateway([http({ hostname: 'a.example.com' })], 'default', 'gb');
    const gC = gateway([http({ hostname: 'c.example.com' })], 'default', 'gc');
    const rt = route({ parentRefs: [{ name: 'ga' }, { name: 'gb' }, { name: 'gc' }], rules: [{ backendRefs: [backend('a')] }] });
    const r = run({ gateways: [gA, gB, gC], routes: [rt] });
    expect(r.model.servers.map((s) => [s.hostname, s.routes.length])).toEqual([['a.example.com', 2], ['c.example.com', 1]]);
    expect(parentConds(r)).toHaveLength(3);
  });

  it('no Gateway API objects: an empty model and no statuses', () => {
    const r = run({ classes: [], gateways: [], routes: [] });
    expect(r).toEqual({ model: { upstreams: [], servers: [] }, statuses: [] });
  });
});
