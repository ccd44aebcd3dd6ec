/**
 * The ingress controller's one routing model: what nginx must serve, whatever API it came from. Ingresses
 * (networking.k8s.io/v1) and Gateway API routes (gateway.networking.k8s.io/v1 HTTPRoutes attached to Gateways)
 * are each translated into a `RoutingModel` by a pure function; one pure renderer turns the merged model into
 * nginx.conf. Nothing here does I/O.
 *
 *   Ingress objects  ──ingressToModel──┐
 *                                      ├─ mergeModels ─ renderNginxConf ─> nginx.conf (+ reload)
 *   Gateways+Routes  ──gatewayToModel──┘
 */

/** One address nginx proxies to: a ready endpoint of a Service port (pod IP and target port). */
export interface Endpoint {
  ip: string;
  port: number;
}

/**
 * A named group of endpoints (one Service port): rendered as an nginx `upstream` block. Names are stable and
 * unique within a model, e.g. `default-web-80` (namespace, service, port), so two sources naming the same
 * Service port share one upstream.
 */
export interface Upstream {
  name: string;
  endpoints: Endpoint[];
  /**
   * What a request sent to it gets while it has no endpoints: 503 (the default, as ingress-nginx) or 500 (a Gateway
   * API backendRef that is invalid: refused, unknown kind, missing Service or port; the spec's 500).
   */
  emptyStatus?: 500 | 503;
}

/** A backend with its share of the traffic (Gateway API weights; an Ingress backend has weight 1). */
export interface WeightedBackend {
  /** An `Upstream.name`; an upstream with no endpoints answers 503, as ingress-nginx does. */
  upstream: string;
  weight: number;
}

/** How a rule's path is matched (Ingress pathType Exact/Prefix/ImplementationSpecific; HTTPRoute path types). */
export type PathMatchType = 'Exact' | 'Prefix' | 'RegularExpression';

export interface HeaderMatch {
  name: string;
  value: string;
  type: 'Exact' | 'RegularExpression';
}

/** Header edits as HTTPRoute's RequestHeaderModifier (and ResponseHeaderModifier) filters. */
export interface HeaderModifier {
  set?: { name: string; value: string }[];
  add?: { name: string; value: string }[];
  remove?: string[];
}

/** HTTPRoute's RequestRedirect filter (and Ingress ssl-redirect); omitted parts keep the request's. */
export interface Redirect {
  scheme?: 'http' | 'https';
  hostname?: string;
  port?: number;
  /** Replace the whole path. */
  path?: string;
  /** Replace the matched prefix (HTTPRoute ReplacePrefixMatch). */
  replacePrefixMatch?: string;
  statusCode: 301 | 302 | 303 | 307 | 308;
}

/**
 * One routing rule inside a virtual server: a path match, optional header/method matches, and what to do
 * (proxy to weighted backends, or redirect). Rules of one server are tried in `precedence` order by the
 * renderer (the source computes precedence: Ingress's longest-path rule, Gateway API's tie-break rules).
 */
export interface Route {
  path: string;
  pathType: PathMatchType;
  /** A RegularExpression path matched case-insensitively (nginx `~*`, as ingress-nginx renders Ingress regexes). */
  caseInsensitive?: boolean;
  headers?: HeaderMatch[];
  method?: string;
  /** Lower sorts first among routes with the same path (more specific matches first). */
  precedence: number;
  backends: WeightedBackend[];
  /** nginx.ingress.kubernetes.io/rewrite-target ($1, $2 capture groups allowed when pathType is RegularExpression). */
  rewriteTarget?: string;
  /** HTTPRoute URLRewrite: replace the matched prefix or the full path. */
  urlRewrite?: { replacePrefixMatch?: string; replaceFullPath?: string; hostname?: string };
  requestHeaders?: HeaderModifier;
  responseHeaders?: HeaderModifier;
  redirect?: Redirect;
  /** Where the route came from, for the generated config's comments and for status: `Ingress default/web`. */
  source: string;
}

/** TLS material for a server, already read from a kubernetes.io/tls Secret (PEM). */
export interface TlsCertificate {
  /** `namespace/name` of the Secret, for comments and file names. */
  secret: string;
  /** Both PEMs empty: the Secret is missing or invalid; nginx serves the controller's self-signed default certificate. */
  certPem: string;
  keyPem: string;
}

/**
 * One virtual server: a listen port and a host name (`*.example.com` wildcards; `''` = any host, nginx's
 * default server on that port). TLS when `tls` is set (nginx terminates; the backend sees plain HTTP).
 */
export interface VirtualServer {
  port: number;
  hostname: string;
  tls?: TlsCertificate;
  routes: Route[];
}

/** Everything nginx serves. */
export interface RoutingModel {
  upstreams: Upstream[];
  servers: VirtualServer[];
  /** Where requests matching no server or no route go (Ingress defaultBackend / the controller's --default-backend); 404 when unset. */
  defaultBackend?: WeightedBackend;
}

export const EMPTY_MODEL: RoutingModel = { upstreams: [], servers: [] };

/**
 * One model out of several sources' models: servers with the same port and hostname are merged (routes
 * concatenated in source order; the first source's TLS certificate wins), upstreams are deduplicated by name (the
 * first one's endpoints win: two sources naming one Service port read the same EndpointSlices), and the first
 * default backend wins.
 */
export function mergeModels(models: readonly RoutingModel[]): RoutingModel {
  const upstreams = new Map<string, Upstream>();
  const servers = new Map<string, VirtualServer>();
  let defaultBackend: WeightedBackend | undefined;
  for (const m of models) {
    for (const u of m.upstreams) if (!upstreams.has(u.name)) upstreams.set(u.name, u);
    for (const s of m.servers) {
      const key = `${s.port}|${s.hostname}`;
      const have = servers.get(key);
      if (!have) servers.set(key, { ...s, routes: [...s.routes] });
      else {
        have.routes.push(...s.routes);
        if (!have.tls && s.tls) have.tls = s.tls;
      }
    }
    defaultBackend ??= m.defaultBackend;
  }
  return { upstreams: [...upstreams.values()], servers: [...servers.values()], ...(defaultBackend ? { defaultBackend } : {}) };
}
