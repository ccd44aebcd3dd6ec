/**
 * The Ingress translation (networking.k8s.io/v1 Ingresses of our class -> RoutingModel), with ingress-nginx's
 * semantics (kubernetes/ingress-nginx internal/ingress/controller/controller.go createServers/createUpstreams and
 * the nginx template). Pure: a snapshot in, a model and status writes out.
 *
 * - Class: `kubernetes.io/ingress.class` annotation (deprecated, checked first), else spec.ingressClassName naming an
 *   IngressClass whose spec.controller is ours, else (no class) only with --watch-ingress-without-class or when our
 *   IngressClass is annotated `ingressclass.kubernetes.io/is-default-class: "true"`.
 * - Servers: one per rule host (`''` = no host: the default server) on the http port, and on the https port for the
 *   hosts named by spec.tls (a missing/invalid Secret -> the default self-signed certificate).
 * - Paths: Exact -> exact; Prefix and ImplementationSpecific -> prefix on path-element boundaries. When one Ingress
 *   of a host sets `nginx.ingress.kubernetes.io/use-regex` or `rewrite-target`, every path of that host (Exact too)
 *   becomes a case-insensitive regex anchored at the start (ingress-nginx's enforceRegexModifier/buildLocation).
 * - The oldest Ingress wins a path claimed twice (ingress-nginx sorts Ingresses by creationTimestamp).
 * - `ssl-redirect` (default "true"): plain-http requests to a host with TLS get 308 to https.
 * - Backends: the Service port's ready endpoints from its EndpointSlices (target port resolved through the slice's
 *   port of the same name); no Service / no endpoints -> an upstream without endpoints (nginx answers 503).
 */
import type { KubeObject } from '../../api/types/meta.js';
import type { Route, RoutingModel, TlsCertificate, Upstream, VirtualServer, WeightedBackend } from './model.js';
import type { ClusterSnapshot, ControllerContext, ModelSource, StatusWrite } from './source.js';

export const INGRESSES = 'ingresses.networking.k8s.io';
export const INGRESS_CLASSES = 'ingressclasses.networking.k8s.io';
export const SERVICES = 'services';
export const ENDPOINT_SLICES = 'endpointslices.discovery.k8s.io';
export const SECRETS = 'secrets';

export const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const REWRITE_TARGET = 'nginx.ingress.kubernetes.io/rewrite-target';
export const USE_REGEX = 'nginx.ingress.kubernetes.io/use-regex';
export const SSL_REDIRECT = 'nginx.ingress.kubernetes.io/ssl-redirect';
export const FORCE_SSL_REDIRECT = 'nginx.ingress.kubernetes.io/force-ssl-redirect';

// The fields read, as upstream's networking/v1 types (all optional: objects come from the cache as stored).
interface ServiceBackendPort {
  name?: string;
  number?: number;
}
interface IngressBackend {
  service?: { name?: string; port?: ServiceBackendPort };
  resource?: unknown;
}
interface HTTPIngressPath {
  path?: string;
  pathType?: string;
  backend?: IngressBackend;
}
interface IngressRule {
  host?: string;
  http?: { paths?: HTTPIngressPath[] };
}
interface IngressView {
  metadata: { name?: string; namespace?: string; annotations?: Record<string, string>; creationTimestamp?: string };
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: IngressRule[];
  };
  status?: { loadBalancer?: { ingress?: unknown[] } };
}
interface ServiceView {
  metadata: { name?: string; namespace?: string };
  spec?: { type?: string; ports?: { name?: string; port?: number; targetPort?: number | string }[] };
}
interface EndpointSliceView {
  metadata: { labels?: Record<string, string> };
  addressType?: string;
  ports?: { name?: string; port?: number }[];
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean } }[];
}

function view<T>(o: KubeObject): T {
  return o as unknown as T; // Boundary: a cached object read through the fields above, each checked before use.
}

/** Is this Ingress ours (ingress-nginx's class.IsValid with the IngressClass lookups)? */
export function isOurIngress(ing: IngressView, snapshot: ClusterSnapshot, ctx: ControllerContext): boolean {
  const annotated = ing.metadata.annotations?.[CLASS_ANNOTATION];
  if (annotated !== undefined && annotated !== '') return annotated === ctx.ingressClass;
  const className = ing.spec?.ingressClassName;
  if (className) {
    if (className !== ctx.ingressClass) return false;
    const cls = snapshot.get(INGRESS_CLASSES, undefined, className);
    return !!cls && (cls as { spec?: { controller?: string } }).spec?.controller === ctx.controllerClass;
  }
  if (ctx.watchWithoutClass) return true;
  const ours = snapshot.get(INGRESS_CLASSES, undefined, ctx.ingressClass);
  return ours?.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' && (ours as { spec?: { controller?: string } }).spec?.controller === ctx.controllerClass;
}

/** ingress-nginx's upstream name: namespace-service-port (port number, or its name when named). */
export function upstreamName(namespace: string, service: string, port: ServiceBackendPort | undefined): string {
  return `${namespace}-${service}-${port?.number ?? port?.name ?? ''}`;
}

/** The ready endpoints of a Service port (none when the Service, the port or ready endpoints are missing). */
export function serviceEndpoints(snapshot: ClusterSnapshot, namespace: string, service: string, port: ServiceBackendPort | undefined): Upstream['endpoints'] {
  const svcObj = snapshot.get(SERVICES, namespace, service);
  if (!svcObj || !port) return [];
  const svc = view<ServiceView>(svcObj);
  if (svc.spec?.type === 'ExternalName') return [];
  const sp = (svc.spec?.ports ?? []).find((p) => (port.number !== undefined ? p.port === port.number : p.name === port.name));
  if (!sp) return [];
  const out: Upstream['endpoints'] = [];
  const seen = new Set<string>();
  for (const o of snapshot.list(ENDPOINT_SLICES)) {
    if (o.metadata.namespace !== namespace) continue;
    const slice = view<EndpointSliceView>(o);
    if (slice.metadata.labels?.['kubernetes.io/service-name'] !== service) continue;
    if (slice.addressType !== undefined && slice.addressType !== 'IPv4') continue;
    // A slice's ports are named after the Service's ports; a Service with one unnamed port has one unnamed slice port.
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? ''));
    const target = slicePort?.port ?? (typeof sp.targetPort === 'number' ? sp.targetPort : undefined);
    if (target === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses ?? []) {
        const k = `${ip}:${target}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push({ ip, port: target });
      }
    }
  }
  return out.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
}

function truthy(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return v.trim().toLowerCase() === 'true';
}

/** A Prefix path without its trailing slash ("/foo/" matches "/foo" too, as the API documents); "/" stays. */
function trimPrefix(path: string): string {
  const t = path.replace(/\/+$/, '');
  return t === '' ? '/' : t;
}

function creationOrder(a: IngressView, b: IngressView): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function tlsFor(snapshot: ClusterSnapshot, namespace: string, secretName: string | undefined): TlsCertificate {
  const ref = `${namespace}/${secretName ?? ''}`;
  const secret = secretName ? snapshot.get(SECRETS, namespace, secretName) : undefined;
  const data = (secret as { data?: Record<string, string> } | undefined)?.data;
  const crt = data?.['tls.crt'];
  const key = data?.['tls.key'];
  if (typeof crt !== 'string' || typeof key !== 'string') return { secret: ref, certPem: '', keyPem: '' };
  const certPem = Buffer.from(crt, 'base64').toString('utf8');
  const keyPem = Buffer.from(key, 'base64').toString('utf8');
  if (!certPem.includes('-----BEGIN CERTIFICATE-----') || !keyPem.includes('PRIVATE KEY-----')) return { secret: ref, certPem: '', keyPem: '' };
  return { secret: ref, certPem, keyPem };
}

interface HostState {
  hostname: string;
  regex: boolean;
  tls?: TlsCertificate;
  /** Routes in Ingress age order, before the http/https split. */
  routes: (Route & { sslRedirect: boolean })[];
  claimed: Set<string>;
}

/** Translate the snapshot's Ingresses of our class into a model, and ask for their status (the publish addresses). */
export function ingressesToModel(snapshot: ClusterSnapshot, ctx: ControllerContext): { model: RoutingModel; statuses: StatusWrite[] } {
  const ingresses = snapshot.list(INGRESSES).map((o) => view<IngressView>(o)).filter((i) => isOurIngress(i, snapshot, ctx)).sort(creationOrder);
  const upstreams = new Map<string, Upstream>();
  const hosts = new Map<string, HostState>();
  let defaultBackend: WeightedBackend | undefined;

  const backendOf = (namespace: string, b: IngressBackend | undefined): WeightedBackend | undefined => {
    const name = b?.service?.name;
    if (!name) return undefined; // a resource backend: not served by ingress-nginx
    const up = upstreamName(namespace, name, b.service?.port);
    if (!upstreams.has(up)) upstreams.set(up, { name: up, endpoints: serviceEndpoints(snapshot, namespace, name, b.service?.port) });
    return { upstream: up, weight: 1 };
  };
  const hostState = (hostname: string): HostState => {
    let h = hosts.get(hostname);
    if (!h) hosts.set(hostname, (h = { hostname, regex: false, routes: [], claimed: new Set() }));
    return h;
  };

  if (ctx.defaultBackendService) {
    const [ns, name] = ctx.defaultBackendService.includes('/') ? ctx.defaultBackendService.split('/', 2) : ['default', ctx.defaultBackendService];
    const svc = snapshot.get(SERVICES, ns, name);
    const port = view<ServiceView>(svc ?? { metadata: {} }).spec?.ports?.[0]?.port;
    defaultBackend = backendOf(ns, { service: { name, port: port !== undefined ? { number: port } : { number: 80 } } });
  }

  // Regex mode is per host: any Ingress of the host asking for it turns it on for all.
  for (const ing of ingresses) {
    const a = ing.metadata.annotations ?? {};
    const regex = truthy(a[USE_REGEX], false) || (a[REWRITE_TARGET] ?? '') !== '';
    for (const rule of ing.spec?.rules ?? []) if (regex) hostState(rule.host ?? '').regex = true;
  }

  for (const [order, ing] of ingresses.entries()) {
    const ns = ing.metadata.namespace ?? 'default';
    const source = `Ingress ${ns}/${ing.metadata.name ?? ''}`;
    const a = ing.metadata.annotations ?? {};
    const rewriteTarget = a[REWRITE_TARGET] || undefined;
    const sslRedirect = truthy(a[SSL_REDIRECT], true) || truthy(a[FORCE_SSL_REDIRECT], false);
    const ingDefault = backendOf(ns, ing.spec?.defaultBackend);
    if (ingDefault && !defaultBackend) defaultBackend = ingDefault;

    for (const t of ing.spec?.tls ?? []) {
      for (const host of t.hosts?.length ? t.hosts : ['']) {
        const h = hostState(host);
        if (!h.tls || (h.tls.certPem === '' && t.secretName)) {
          const cert = tlsFor(snapshot, ns, t.secretName);
          if (!h.tls || cert.certPem !== '') h.tls = cert;
        }
      }
    }

    const hostsOfIngress = new Set<string>();
    for (const rule of ing.spec?.rules ?? []) {
      const h = hostState(rule.host ?? '');
      hostsOfIngress.add(h.hostname);
      for (const p of rule.http?.paths ?? []) {
        const backend = backendOf(ns, p.backend);
        if (!backend) continue;
        const raw = p.path || '/';
        const exact = p.pathType === 'Exact';
        let route: Route;
        // ingress-nginx's buildLocation: with regex enforced on the host every path, Exact too, is `~* "^<path>"`.
        if (h.regex) route = { path: raw, pathType: 'RegularExpression', caseInsensitive: true, precedence: order, backends: [backend], source };
        else route = { path: exact ? raw : trimPrefix(raw), pathType: exact ? 'Exact' : 'Prefix', precedence: order, backends: [backend], source };
        if (rewriteTarget !== undefined) route.rewriteTarget = rewriteTarget;
        const claim = `${route.pathType} ${route.path}`;
        if (h.claimed.has(claim)) continue; // an older Ingress has it
        h.claimed.add(claim);
        h.routes.push({ ...route, sslRedirect });
      }
    }
    // The Ingress's defaultBackend serves its hosts' requests that match none of their paths.
    if (ingDefault) {
      for (const host of hostsOfIngress) {
        const h = hostState(host);
        const claim = h.regex ? 'RegularExpression /' : 'Prefix /';
        if (h.claimed.has(claim)) continue;
        h.claimed.add(claim);
        h.routes.push({ path: '/', pathType: h.regex ? 'RegularExpression' : 'Prefix', ...(h.regex ? { caseInsensitive: true } : {}), precedence: order, backends: [ingDefault], source, sslRedirect });
      }
    }
  }

  const servers: VirtualServer[] = [];
  for (const h of [...hosts.values()].sort((x, y) => (x.hostname < y.hostname ? -1 : x.hostname > y.hostname ? 1 : 0))) {
    const strip = ({ sslRedirect: _s, ...r }: Route & { sslRedirect: boolean }): Route => r;
    const http = h.routes.map((r): Route => {
      if (!h.tls || !r.sslRedirect) return strip(r);
      const { backends: _b, rewriteTarget: _t, ...rest } = strip(r);
      return { ...rest, backends: [], redirect: { scheme: 'https', statusCode: 308 } };
    });
    if (http.length > 0 || !h.tls) servers.push({ port: ctx.httpPort, hostname: h.hostname, routes: http });
    if (h.tls) servers.push({ port: ctx.httpsPort, hostname: h.hostname, tls: h.tls, routes: h.routes.map(strip) });
  }

  const status = { loadBalancer: { ingress: ctx.publishAddresses.map((ip) => ({ ip })) } };
  const statuses: StatusWrite[] = ingresses.map((i) => ({ resource: INGRESSES, namespace: i.metadata.namespace, name: i.metadata.name ?? '', status }));
  return { model: { upstreams: [...upstreams.values()].sort((x, y) => (x.name < y.name ? -1 : 1)), servers, ...(defaultBackend ? { defaultBackend } : {}) }, statuses };
}

export const ingressSource: ModelSource = {
  name: 'ingress',
  resources: [INGRESSES, INGRESS_CLASSES, SERVICES, ENDPOINT_SLICES, SECRETS],
  translate: ingressesToModel,
};
