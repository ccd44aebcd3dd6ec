/**
 * The Gateway API translation (gateway.networking.k8s.io v1): a pure `ModelSource` turning GatewayClasses,
 * Gateways, HTTPRoutes and ReferenceGrants (+ Services, EndpointSlices, Secrets, Namespaces) into the routing
 * model, and the statuses the spec asks a controller to write. Semantics from the Gateway API spec
 * (site-src/reference/spec, apis/v1 comments) and its conformance tests:
 *
 *   GatewayClass (spec.controllerName == GATEWAY_CONTROLLER_NAME) ─> Accepted
 *     Gateway (gatewayClassName = an accepted class) ─> listeners (HTTP / HTTPS with certificateRefs)
 *       HTTPRoute parentRefs ─> listeners allowing it (sectionName, port, allowedRoutes namespaces + kinds,
 *                                hostname intersection) ─> one VirtualServer per (listener port, hostname)
 *         rules × matches ─> model Routes (path, headers, method, filters, weighted backendRefs)
 *
 * Route precedence (HTTPRouteRule): Exact path, longest prefix, method match, most header matches, most query
 * matches, then the oldest route, then namespace/name, then rule and match order. Statuses keep a condition's
 * lastTransitionTime while its status does not change.
 */
import { selectorMatches } from '../../api/strategies/validation.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { HeaderMatch, HeaderModifier, PathMatchType, Redirect, Route, RoutingModel, TlsCertificate, Upstream, VirtualServer, WeightedBackend } from './model.js';
import type { ClusterSnapshot, ControllerContext, ModelSource, StatusWrite } from './source.js';
import { ENDPOINT_SLICES, SECRETS, SERVICES, serviceEndpoints, upstreamName } from './ingress.js';
import {
  GATEWAY_GROUP,
  type Condition,
  type Gateway,
  type GatewayClass,
  type HTTPBackendRef,
  type HTTPHeaderFilter,
  type HTTPRoute,
  type HTTPRouteFilter,
  type HTTPRouteMatch,
  type Listener,
  type ListenerStatus,
  type ParentReference,
  type ReferenceGrant,
  type RouteParentStatus,
} from './gateway-api-types.js';

/** The GatewayClass spec.controllerName this controller serves (a domain-prefixed path, as the spec asks). */
export const GATEWAY_CONTROLLER_NAME = 'gateway.kubelab.io/ingress-nginx';

export const GATEWAY_RESOURCES = {
  gatewayClasses: `gatewayclasses.${GATEWAY_GROUP}`,
  gateways: `gateways.${GATEWAY_GROUP}`,
  httpRoutes: `httproutes.${GATEWAY_GROUP}`,
  referenceGrants: `referencegrants.${GATEWAY_GROUP}`,
  services: SERVICES,
  endpointSlices: ENDPOINT_SLICES,
  secrets: SECRETS,
  namespaces: 'namespaces',
} as const;

const HTTP_ROUTE_KIND = { group: GATEWAY_GROUP, kind: 'HTTPRoute' };

// ------------------------------------------------------------------ small helpers

const asType = <T>(o: KubeObject): T => o as unknown as T;
const nsName = (o: { metadata: { namespace?: string; name?: string } }): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/** A condition keeping the old lastTransitionTime when its status is unchanged (metav1 SetStatusCondition). */
function condition(old: readonly Condition[] | undefined, now: string, generation: number | undefined, type: string, status: boolean, reason: string, message: string): Condition {
  const s = status ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const c: Condition = { type, status: s, reason, message, lastTransitionTime: prev && prev.status === s ? prev.lastTransitionTime : now };
  if (generation !== undefined) c.observedGeneration = generation;
  return c;
}

/** Does a hostname (maybe `*.x`) match a concrete or wildcard one? Gateway API wildcards match one or more labels. */
function wildcardCovers(wild: string, host: string): boolean {
  if (!wild.startsWith('*.')) return wild === host;
  const suffix = wild.slice(1); // `.example.com`
  if (host.startsWith('*.')) return host.slice(1).endsWith(suffix) && host.length >= wild.length;
  return host.endsWith(suffix) && host.length > suffix.length;
}

/**
 * The hostnames a route serves on a listener (spec: ListenerHostname × HTTPRoute hostnames): `['']` = any host;
 * `[]` = no intersection (the route does not attach to that listener).
 */
export function intersectHostnames(listenerHostname: string | undefined, routeHostnames: readonly string[] | undefined): string[] {
  const lh = listenerHostname ?? '';
  const rh = routeHostnames ?? [];
  if (rh.length === 0) return [lh];
  if (lh === '') return [...rh];
  const out: string[] = [];
  for (const h of rh) {
    if (h === lh) out.push(h);
    else if (wildcardCovers(lh, h)) out.push(h);
    else if (wildcardCovers(h, lh)) out.push(lh);
  }
  return [...new Set(out)];
}

/** Is a reference from (fromGroup, fromKind, fromNamespace) to (toGroup, toKind, name) in toNamespace granted? */
export function referenceGranted(grants: readonly ReferenceGrant[], from: { group: string; kind: string; namespace: string }, to: { group: string; kind: string; namespace: string; name: string }): boolean {
  if (from.namespace === to.namespace) return true;
  return grants.some(
    (g) =>
      g.metadata.namespace === to.namespace &&
      (g.spec?.from ?? []).some((f) => (f.group ?? '') === from.group && f.kind === from.kind && f.namespace === from.namespace) &&
      (g.spec?.to ?? []).some((t) => (t.group ?? '') === to.group && t.kind === to.kind && (t.name === undefined || t.name === '' || t.name === to.name)),
  );
}

// ------------------------------------------------------------------ listeners

interface ResolvedListener {
  listener: Listener;
  name: string;
  /** Valid and served: HTTP or HTTPS with its certificate resolved. */
  ready: boolean;
  tls?: TlsCertificate;
  /** nginx's listen port for this listener. */
  servePort: number;
  conditions: { accepted: [boolean, string, string]; resolvedRefs: [boolean, string, string]; programmed: [boolean, string, string]; conflicted?: [string, string] };
  supportedKinds: { group: string; kind: string }[];
  attachedRoutes: number;
}

function decodeBase64(v: unknown): string | undefined {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

function resolveListener(l: Listener, gw: Gateway, snapshot: ClusterSnapshot, grants: readonly ReferenceGrant[], ctx: ControllerContext): ResolvedListener {
  const name = l.name ?? '';
  const protocol = l.protocol ?? '';
  const port = l.port ?? 0;
  const servePort = protocol === 'HTTP' && port === 80 ? ctx.httpPort : protocol === 'HTTPS' && port === 443 ? ctx.httpsPort : port;
  const r: ResolvedListener = {
    listener: l,
    name,
    ready: false,
    servePort,
    conditions: { accepted: [true, 'Accepted', 'Listener is accepted'], resolvedRefs: [true, 'ResolvedRefs', 'All references are resolved'], programmed: [true, 'Programmed', 'Listener is programmed'] },
    supportedKinds: [],
    attachedRoutes: 0,
  };
  if (protocol !== 'HTTP' && protocol !== 'HTTPS') {
    r.conditions.accepted = [false, 'UnsupportedProtocol', `Protocol ${protocol} is not supported; supported: HTTP, HTTPS`];
    r.conditions.programmed = [false, 'Invalid', 'Listener is not accepted'];
    return r;
  }
  // allowedRoutes.kinds: HTTPRoute is the only route kind served.
  const kinds = l.allowedRoutes?.kinds;
  if (kinds && kinds.length > 0) {
    r.supportedKinds = kinds.filter((k) => (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && k.kind === 'HTTPRoute').map(() => ({ ...HTTP_ROUTE_KIND }));
    if (r.supportedKinds.length !== kinds.length) r.conditions.resolvedRefs = [false, 'InvalidRouteKinds', 'Only HTTPRoute is supported in allowedRoutes.kinds'];
  } else r.supportedKinds = [{ ...HTTP_ROUTE_KIND }];
  if (protocol === 'HTTPS') {
    if ((l.tls?.mode ?? 'Terminate') !== 'Terminate') {
      r.conditions.accepted = [false, 'UnsupportedValue', 'Only tls.mode Terminate is supported for HTTPS listeners'];
      r.conditions.programmed = [false, 'Invalid', 'Listener is not accepted'];
      return r;
    }
    const ref = l.tls?.certificateRefs?.[0];
    const gwNs = gw.metadata.namespace ?? 'default';
    const refNs = ref?.namespace ?? gwNs;
    let bad: [string, string] | undefined;
    if (!ref || (ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') bad = ['InvalidCertificateRef', 'certificateRefs[0] must name a core Secret'];
    else if (!referenceGranted(grants, { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gwNs }, { group: '', kind: 'Secret', namespace: refNs, name: ref.name ?? '' }))
      bad = ['RefNotPermitted', `Certificate Secret ${refNs}/${ref.name ?? ''} is in another namespace and no ReferenceGrant allows it`];
    else {
      const secret = snapshot.get(GATEWAY_RESOURCES.secrets, refNs, ref.name ?? '');
      const data = secret?.['data'] as Record<string, unknown> | undefined;
      const certPem = decodeBase64(data?.['tls.crt']);
      const keyPem = decodeBase64(data?.['tls.key']);
      if (!secret) bad = ['InvalidCertificateRef', `Secret ${refNs}/${ref.name ?? ''} not found`];
      else if (!certPem || !keyPem || !certPem.includes('BEGIN CERTIFICATE') || !keyPem.includes('PRIVATE KEY')) bad = ['InvalidCertificateRef', `Secret ${refNs}/${ref.name ?? ''} holds no PEM tls.crt and tls.key`];
      else r.tls = { secret: `${refNs}/${ref.name ?? ''}`, certPem, keyPem };
    }
    if (bad) {
      r.conditions.resolvedRefs = [false, bad[0], bad[1]];
      r.conditions.programmed = [false, 'Invalid', 'Listener references are not resolved'];
      return r;
    }
  }
  r.ready = true;
  return r;
}

/**
 * nginx listens on a port either with TLS or without: listeners of all our Gateways that would share an nginx port
 * with the other protocol (HTTP and HTTPS on one port; HTTP on the https port or HTTPS on the http port) are
 * Conflicted (ProtocolConflict) and not served.
 */
function markProtocolConflicts(listeners: ResolvedListener[], ctx: ControllerContext): void {
  const byPort = new Map<number, ResolvedListener[]>();
  for (const l of listeners) {
    if (!l.conditions.accepted[0]) continue;
    byPort.set(l.servePort, [...(byPort.get(l.servePort) ?? []), l]);
  }
  for (const [port, ls] of byPort) {
    const protocols = new Set(ls.map((l) => l.listener.protocol));
    if (port === ctx.httpPort) protocols.add('HTTP');
    if (port === ctx.httpsPort) protocols.add('HTTPS');
    if (protocols.size < 2) continue;
    for (const l of ls) {
      // On nginx's http and https ports the port's own protocol wins; on any other port every listener conflicts.
      const fixed = port === ctx.httpPort ? 'HTTP' : port === ctx.httpsPort ? 'HTTPS' : undefined;
      if (fixed === undefined || l.listener.protocol !== fixed) {
        l.ready = false;
        l.conditions.conflicted = ['ProtocolConflict', `Port ${l.listener.port ?? ''} is served with another protocol`];
        l.conditions.programmed = [false, 'Invalid', 'Listener is conflicted'];
      }
    }
  }
}

/** Does the listener's allowedRoutes.namespaces admit a route in `routeNs`? */
function namespaceAllowed(l: Listener, gwNs: string, routeNs: string, snapshot: ClusterSnapshot): boolean {
  const from = l.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNs === gwNs;
  if (from === 'Selector') {
    const ns = snapshot.get(GATEWAY_RESOURCES.namespaces, undefined, routeNs);
    return ns !== undefined && selectorMatches(l.allowedRoutes?.namespaces?.selector, ns.metadata.labels);
  }
  return false;
}

// ------------------------------------------------------------------ routes

interface PendingRoute {
  route: Route;
  /** Sort key per the spec's precedence (lower first). */
  key: (number | string)[];
  servePort: number;
  hostname: string;
  tls?: TlsCertificate;
}

function headerModifier(f: HTTPHeaderFilter | undefined): HeaderModifier | undefined {
  if (!f) return undefined;
  const m: HeaderModifier = {};
  const pairs = (l: { name?: string; value?: string }[] | undefined): { name: string; value: string }[] => (l ?? []).map((h) => ({ name: h.name ?? '', value: h.value ?? '' }));
  if (f.set?.length) m.set = pairs(f.set);
  if (f.add?.length) m.add = pairs(f.add);
  if (f.remove?.length) m.remove = [...f.remove];
  return m;
}

/** The model's filter fields from a rule's filters; `unsupported` names a filter we cannot serve. */
function applyFilters(filters: readonly HTTPRouteFilter[] | undefined, into: Partial<Route>): string | undefined {
  for (const f of filters ?? []) {
    switch (f.type) {
      case 'RequestHeaderModifier': {
        const m = headerModifier(f.requestHeaderModifier);
        if (m) into.requestHeaders = m;
        break;
      }
      case 'ResponseHeaderModifier': {
        const m = headerModifier(f.responseHeaderModifier);
        if (m) into.responseHeaders = m;
        break;
      }
      case 'RequestRedirect': {
        const rr = f.requestRedirect ?? {};
        const code = rr.statusCode ?? 302;
        const redirect: Redirect = { statusCode: code === 301 || code === 303 || code === 307 || code === 308 ? code : 302 };
        if (rr.scheme === 'http' || rr.scheme === 'https') redirect.scheme = rr.scheme;
        if (rr.hostname) redirect.hostname = rr.hostname;
        // Spec: no port -> the scheme's well-known port (or the listener's, 80/443 here), and a well-known port is
        // not written into Location: only another port is kept.
        if (rr.port !== undefined && !(rr.port === 443 && redirect.scheme === 'https') && !(rr.port === 80 && redirect.scheme === 'http')) redirect.port = rr.port;
        if (rr.path?.type === 'ReplaceFullPath' && rr.path.replaceFullPath !== undefined) redirect.path = rr.path.replaceFullPath;
        if (rr.path?.type === 'ReplacePrefixMatch' && rr.path.replacePrefixMatch !== undefined) redirect.replacePrefixMatch = rr.path.replacePrefixMatch;
        into.redirect = redirect;
        break;
      }
      case 'URLRewrite': {
        const u = f.urlRewrite ?? {};
        const rw: NonNullable<Route['urlRewrite']> = {};
        if (u.hostname) rw.hostname = u.hostname;
        if (u.path?.type === 'ReplaceFullPath' && u.path.replaceFullPath !== undefined) rw.replaceFullPath = u.path.replaceFullPath;
        if (u.path?.type === 'ReplacePrefixMatch' && u.path.replacePrefixMatch !== undefined) rw.replacePrefixMatch = u.path.replacePrefixMatch;
        into.urlRewrite = rw;
        break;
      }
      default:
        return f.type ?? '<none>';
    }
  }
  return undefined;
}

const PATH_TYPES: Record<string, PathMatchType> = { Exact: 'Exact', PathPrefix: 'Prefix', RegularExpression: 'RegularExpression' };

/** The spec's precedence among matches of one (port, hostname), as a sort key: lower sorts first. */
export function matchPrecedenceKey(m: HTTPRouteMatch, route: HTTPRoute, ruleIndex: number, matchIndex: number): (number | string)[] {
  const type = m.path?.type ?? 'PathPrefix';
  const value = m.path?.value ?? '/';
  return [
    type === 'Exact' ? 0 : type === 'PathPrefix' ? 1 : 2,
    type === 'RegularExpression' ? 0 : -value.length,
    m.method ? 0 : 1,
    -(m.headers?.length ?? 0),
    -(m.queryParams?.length ?? 0),
    route.metadata.creationTimestamp ?? '',
    nsName(route),
    ruleIndex,
    matchIndex,
  ];
}

function compareKeys(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return a.length - b.length;
}

interface BackendResolution {
  backends: WeightedBackend[];
  upstreams: Upstream[];
  /** ResolvedRefs False reason and message, when a backendRef is not usable. */
  problem?: [string, string];
}

function resolveBackends(refs: readonly HTTPBackendRef[] | undefined, route: HTTPRoute, snapshot: ClusterSnapshot, grants: readonly ReferenceGrant[]): BackendResolution {
  const routeNs = route.metadata.namespace ?? 'default';
  const out: BackendResolution = { backends: [], upstreams: [] };
  let valid = 0;
  // An invalid backendRef's share of the traffic fails with the spec's 500 (conformance: HTTPRouteInvalid*): it goes
  // to an upstream of its own without endpoints answering 500; when every backendRef is invalid, all weights are 0
  // and the rule answers 500 itself.
  const invalid = (upstream: string, weight: number): void => {
    out.backends.push({ upstream: `invalid-${upstream}`, weight });
    out.upstreams.push({ name: `invalid-${upstream}`, endpoints: [], emptyStatus: 500 });
  };
  for (const ref of refs ?? []) {
    const ns = ref.namespace ?? routeNs;
    const name = ref.name ?? '';
    const port = ref.port ?? 0;
    const weight = ref.weight ?? 1;
    const upstream = upstreamName(ns, name, { number: port });
    if ((ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') {
      out.problem ??= ['InvalidKind', `backendRef ${ref.group ?? ''}/${ref.kind ?? ''} ${name}: only core Services are supported`];
      invalid(upstream, weight);
      continue;
    }
    if (!referenceGranted(grants, { group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace: routeNs }, { group: '', kind: 'Service', namespace: ns, name })) {
      out.problem ??= ['RefNotPermitted', `backendRef Service ${ns}/${name} is in another namespace and no ReferenceGrant allows it`];
      invalid(upstream, weight);
      continue;
    }
    const svc = snapshot.get(GATEWAY_RESOURCES.services, ns, name);
    const missing = !svc
      ? `Service ${ns}/${name} not found`
      : !((svc['spec'] as { ports?: { port?: number }[] } | undefined)?.ports ?? []).some((p) => p.port === port) ? `Service ${ns}/${name} has no port ${port}` : undefined;
    if (missing) {
      out.problem ??= ['BackendNotFound', missing];
      invalid(upstream, weight);
      continue;
    }
    valid++;
    // A weight 0 backend stays in the list: the renderer sends it nothing (all weights 0 = 500, as the spec says).
    out.backends.push({ upstream, weight });
    out.upstreams.push({ name: upstream, endpoints: serviceEndpoints(snapshot, ns, name, { number: port }) });
  }
  if (valid === 0) out.backends = out.backends.map((b) => ({ ...b, weight: 0 }));
  return out;
}

// ------------------------------------------------------------------ the source

export interface GatewaySourceOptions {
  /** The GatewayClass controllerName served (default GATEWAY_CONTROLLER_NAME). */
  controllerName?: string;
  /** Clock for condition lastTransitionTime (tests pass a fixed one). */
  now?: () => Date;
}

export function createGatewaySource(opts: GatewaySourceOptions = {}): ModelSource {
  const controllerName = opts.controllerName ?? GATEWAY_CONTROLLER_NAME;
  const clock = opts.now ?? (() => new Date());
  return {
    name: 'gateway-api',
    resources: Object.values(GATEWAY_RESOURCES),
    translate: (snapshot, ctx) => translateGateways(snapshot, ctx, controllerName, clock().toISOString().replace(/\.\d+Z$/, 'Z')),
  };
}

/** The Gateway API ModelSource with the lab's controllerName. */
export const gatewaySource: ModelSource = createGatewaySource();

export function translateGateways(snapshot: ClusterSnapshot, ctx: ControllerContext, controllerName: string, now: string): { model: RoutingModel; statuses: StatusWrite[] } {
  const statuses: StatusWrite[] = [];
  const grants = snapshot.list(GATEWAY_RESOURCES.referenceGrants).map((o) => asType<ReferenceGrant>(o));

  // GatewayClasses of ours: Accepted.
  const ourClasses = new Set<string>();
  for (const gc of snapshot.list(GATEWAY_RESOURCES.gatewayClasses).map((o) => asType<GatewayClass>(o))) {
    if (gc.spec?.controllerName !== controllerName) continue;
    const name = gc.metadata.name ?? '';
    ourClasses.add(name);
    const conditions = [condition(gc.status?.conditions, now, gc.metadata.generation, 'Accepted', true, 'Accepted', `Handled by ${controllerName}`)];
    statuses.push({ resource: GATEWAY_RESOURCES.gatewayClasses, name, status: { ...gc.status, conditions } });
  }

  // Gateways of our classes and their listeners.
  interface GatewayState {
    gw: Gateway;
    listeners: ResolvedListener[];
  }
  const gateways = new Map<string, GatewayState>();
  for (const gw of snapshot.list(GATEWAY_RESOURCES.gateways).map((o) => asType<Gateway>(o))) {
    if (!ourClasses.has(gw.spec?.gatewayClassName ?? '')) continue;
    const listeners = (gw.spec?.listeners ?? []).map((l) => resolveListener(l, gw, snapshot, grants, ctx));
    gateways.set(nsName(gw), { gw, listeners });
  }
  markProtocolConflicts([...gateways.values()].flatMap((g) => g.listeners), ctx);

  // HTTPRoutes: attach to listeners, make routes, write parents[] status.
  const pending: PendingRoute[] = [];
  const upstreams = new Map<string, Upstream>();
  const routes = snapshot.list(GATEWAY_RESOURCES.httpRoutes).map((o) => asType<HTTPRoute>(o));
  for (const route of routes) {
    const routeNs = route.metadata.namespace ?? 'default';
    const parents: RouteParentStatus[] = [];
    // Rules to model routes, computed once per route (unsupported features make the route not Accepted).
    let unsupported: string | undefined;
    let refsProblem: [string, string] | undefined;
    const ruleRoutes: { route: Omit<Route, 'precedence'>; key: (number | string)[] }[] = [];
    (route.spec?.rules ?? []).forEach((rule, ri) => {
      const base: Partial<Route> = {};
      const bad = applyFilters(rule.filters, base);
      if (bad) unsupported ??= `filter type ${bad} is not supported`;
      for (const br of rule.backendRefs ?? []) if (br.filters?.length) unsupported ??= 'backendRefs[].filters are not supported';
      const res = resolveBackends(rule.backendRefs, route, snapshot, grants);
      if (res.problem) refsProblem ??= res.problem;
      for (const u of res.upstreams) upstreams.set(u.name, u);
      const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{ path: { type: 'PathPrefix', value: '/' } }];
      matches.forEach((m, mi) => {
        if (m.queryParams?.length) unsupported ??= 'queryParams matches are not supported';
        const r: Omit<Route, 'precedence'> = {
          path: m.path?.value ?? '/',
          pathType: PATH_TYPES[m.path?.type ?? 'PathPrefix'] ?? 'Prefix',
          backends: res.backends,
          source: `HTTPRoute ${nsName(route)} rule ${ri}`,
          ...base,
        };
        const headers: HeaderMatch[] = (m.headers ?? []).map((h) => ({ name: h.name ?? '', value: h.value ?? '', type: h.type === 'RegularExpression' ? 'RegularExpression' : 'Exact' }));
        if (headers.length) r.headers = headers;
        if (m.method) r.method = m.method;
        ruleRoutes.push({ route: r, key: matchPrecedenceKey(m, route, ri, mi) });
      });
    });

    for (const pref of route.spec?.parentRefs ?? []) {
      if ((pref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (pref.kind ?? 'Gateway') !== 'Gateway') continue;
      const state = gateways.get(`${pref.namespace ?? routeNs}/${pref.name ?? ''}`);
      if (!state) continue; // not one of ours: another controller's business
      const gwNs = state.gw.metadata.namespace ?? 'default';
      const gen = route.metadata.generation;
      const old = route.status?.parents?.find((p) => p.controllerName === controllerName && sameParentRef(p.parentRef, pref, routeNs));
      let accepted: [boolean, string, string] = [true, 'Accepted', 'Route is accepted'];
      if (unsupported) accepted = [false, 'UnsupportedValue', unsupported];
      else {
        const candidates = state.listeners.filter((l) => (pref.sectionName === undefined || l.name === pref.sectionName) && (pref.port === undefined || l.listener.port === pref.port));
        const allowed = candidates.filter((l) => l.ready && l.supportedKinds.length > 0 && namespaceAllowed(l.listener, gwNs, routeNs, snapshot));
        const attached = allowed.filter((l) => intersectHostnames(l.listener.hostname, route.spec?.hostnames).length > 0);
        if (candidates.length === 0) accepted = [false, 'NoMatchingParent', pref.sectionName !== undefined ? `No listener named ${pref.sectionName}` : `No listener on port ${pref.port ?? ''}`];
        else if (allowed.length === 0) accepted = [false, 'NotAllowedByListeners', 'No listener of the Gateway allows this route (allowedRoutes, protocol or unresolved listener)'];
        else if (attached.length === 0) accepted = [false, 'NoMatchingListenerHostname', 'No hostname of the route matches a listener hostname'];
        for (const l of attached) {
          l.attachedRoutes++;
          for (const hostname of intersectHostnames(l.listener.hostname, route.spec?.hostnames)) {
            for (const rr of ruleRoutes) {
              const p: PendingRoute = { route: { ...rr.route, precedence: 0 }, key: rr.key, servePort: l.servePort, hostname };
              if (l.tls) p.tls = l.tls;
              pending.push(p);
            }
          }
        }
      }
      const resolved: [boolean, string, string] = refsProblem ? [false, refsProblem[0], refsProblem[1]] : [true, 'ResolvedRefs', 'All references are resolved'];
      parents.push({
        parentRef: { ...pref },
        controllerName,
        conditions: [condition(old?.conditions, now, gen, 'Accepted', ...accepted), condition(old?.conditions, now, gen, 'ResolvedRefs', ...resolved)],
      });
    }
    if (parents.length > 0 || route.status?.parents?.some((p) => p.controllerName === controllerName)) {
      const others = (route.status?.parents ?? []).filter((p) => p.controllerName !== controllerName);
      statuses.push({ resource: GATEWAY_RESOURCES.httpRoutes, namespace: routeNs, name: route.metadata.name ?? '', status: { ...route.status, parents: [...others, ...parents] } });
    }
  }

  // Gateway statuses (after routes: attachedRoutes counts).
  for (const { gw, listeners } of gateways.values()) {
    const gen = gw.metadata.generation;
    const oldGw = gw.status?.conditions;
    const anyReady = listeners.some((l) => l.ready);
    const allValid = listeners.every((l) => l.conditions.accepted[0] && l.conditions.resolvedRefs[0] && !l.conditions.conflicted);
    const unsupportedAddress = (gw.spec?.addresses ?? []).length > 0;
    const accepted: [boolean, string, string] = unsupportedAddress
      ? [false, 'UnsupportedAddress', 'spec.addresses is not supported: the Gateway is served on the nodes addresses']
      : allValid
        ? [true, 'Accepted', `Gateway is accepted by ${controllerName}`]
        : [true, 'ListenersNotValid', 'Some listeners are not valid'];
    const programmed: [boolean, string, string] = !unsupportedAddress && anyReady ? [true, 'Programmed', 'Gateway is programmed in nginx'] : [false, 'Invalid', 'No listener is programmed'];
    const listenerStatuses: ListenerStatus[] = listeners.map((l) => {
      const old = gw.status?.listeners?.find((s) => s.name === l.name)?.conditions;
      return {
        name: l.name,
        attachedRoutes: l.attachedRoutes,
        supportedKinds: l.supportedKinds,
        conditions: [
          condition(old, now, gen, 'Accepted', ...l.conditions.accepted),
          l.conditions.conflicted ? condition(old, now, gen, 'Conflicted', true, ...l.conditions.conflicted) : condition(old, now, gen, 'Conflicted', false, 'NoConflicts', 'No conflicts'),
          condition(old, now, gen, 'Programmed', ...l.conditions.programmed),
          condition(old, now, gen, 'ResolvedRefs', ...l.conditions.resolvedRefs),
        ],
      };
    });
    statuses.push({
      resource: GATEWAY_RESOURCES.gateways,
      namespace: gw.metadata.namespace ?? 'default',
      name: gw.metadata.name ?? '',
      status: {
        addresses: ctx.publishAddresses.map((value) => ({ type: 'IPAddress', value })),
        conditions: [condition(oldGw, now, gen, 'Accepted', ...accepted), condition(oldGw, now, gen, 'Programmed', ...programmed)],
        listeners: listenerStatuses,
      },
    });
  }

  return { model: buildModel(pending, [...upstreams.values()]), statuses };
}

function sameParentRef(a: ParentReference, b: ParentReference, routeNs: string): boolean {
  return (
    (a.group ?? GATEWAY_GROUP) === (b.group ?? GATEWAY_GROUP) &&
    (a.kind ?? 'Gateway') === (b.kind ?? 'Gateway') &&
    (a.namespace ?? routeNs) === (b.namespace ?? routeNs) &&
    a.name === b.name &&
    a.sectionName === b.sectionName &&
    a.port === b.port
  );
}

/** Group pending routes into servers by (port, hostname), ordered by the spec's precedence. */
function buildModel(pending: PendingRoute[], upstreams: Upstream[]): RoutingModel {
  const servers = new Map<string, { server: VirtualServer; items: PendingRoute[] }>();
  for (const p of pending) {
    const k = `${p.servePort} ${p.hostname}`;
    let s = servers.get(k);
    if (!s) {
      s = { server: { port: p.servePort, hostname: p.hostname, routes: [] }, items: [] };
      servers.set(k, s);
    }
    if (p.tls && !s.server.tls) s.server.tls = p.tls;
    s.items.push(p);
  }
  const out: VirtualServer[] = [];
  for (const { server, items } of servers.values()) {
    items.sort((a, b) => compareKeys(a.key, b.key));
    server.routes = items.map((p, i) => ({ ...p.route, precedence: i }));
    out.push(server);
  }
  out.sort((a, b) => a.port - b.port || (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  return { upstreams: upstreams.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), servers: out };
}
