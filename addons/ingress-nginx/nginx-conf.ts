/**
 * The one renderer: RoutingModel -> nginx.conf text, pure (no I/O). The controller writes the text and the TLS files
 * `certificateFiles` names, checks it with `nginx -t` and reloads.
 *
 *   upstream <ns>-<svc>-<port> { server ip:port; ... keepalive }     one per Service port (empty: the 503 listener, or the 500 one for an invalid backendRef)
 *   map/split_clients ...                                            header/method selection and weighted backends
 *   server { listen <port> [ssl] [default_server]; server_name <host>; [ssl_certificate <file>]
 *     location = /exact { ... }                                      exact paths first,
 *     location ~* "^/regex" / location /prefix/ { ... }              then regexes and prefixes, longest path first;
 *     location / { default backend or 404 }                          a catch-all when no rule covers "/"
 *   }
 *
 * A Prefix path `/foo` is two locations, `= /foo` and `/foo/` (path-element boundaries, as ingress-nginx renders
 * pathType Prefix); in a server that has any regex route every prefix becomes `~ "^/foo(/|$)"` and regex locations
 * are tried longest first (nginx tries regex locations in file order). Several routes sharing one location (header or
 * method matches, Gateway API) are chosen by a `map` of per-condition bits to a route index (first match in route
 * order wins); weighted backends by `split_clients` on `$request_id`.
 */
import type { HeaderModifier, Redirect, Route, RoutingModel, TlsCertificate, Upstream, VirtualServer, WeightedBackend } from './model.js';

export interface NginxConfOptions {
  /** Where certificateFiles() puts the TLS files. */
  certDir: string;
  /** The self-signed default certificate (one PEM with certificate and key), for servers whose Secret is missing. */
  defaultCertificate: string;
  /**
   * A loopback port answering 503 on 127.0.0.1 (where upstreams without endpoints point: ingress-nginx's default
   * backend answers 503 for them) and 500 on 127.0.0.2 (invalid Gateway API backendRefs, as the spec requires).
   */
  unavailablePort: number;
  /** The ports always listened on (a default server each): http and https. */
  httpPort: number;
  httpsPort: number;
  pidFile: string;
  errorLog: string;
  /** `off` or a file. */
  accessLog: string;
  /** Directory for nginx's temp paths (client bodies, proxy buffers): must be writable by nginx. */
  tempDir: string;
  /** `auto` or a number. */
  workerProcesses?: string;
}

/** A TLS certificate's file: certificate then key in one PEM, as ingress-nginx writes them. */
export function certificateFile(opts: Pick<NginxConfOptions, 'certDir' | 'defaultCertificate'>, tls: TlsCertificate): string {
  if (tls.certPem === '' || tls.keyPem === '') return opts.defaultCertificate;
  return `${opts.certDir}/${tls.secret.replace(/[^A-Za-z0-9._-]/g, '-')}.pem`;
}

/** The files the conf names: path -> content (certificate and key of each Secret-backed server). */
export function certificateFiles(model: RoutingModel, opts: Pick<NginxConfOptions, 'certDir' | 'defaultCertificate'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of model.servers) {
    if (!s.tls || s.tls.certPem === '') continue;
    out.set(certificateFile(opts, s.tls), `${s.tls.certPem.trimEnd()}\n${s.tls.keyPem.trimEnd()}\n`);
  }
  return out;
}

/** A double-quoted nginx string (backslash and quote escaped; nginx keeps other backslashes as written). */
export function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** nginx's variable for a request header: `$http_x_foo`. */
export function headerVar(name: string): string {
  return `$http_${name.toLowerCase().replace(/-/g, '_')}`;
}

interface Block {
  /** Lines at http level before the servers (maps, split_clients). */
  http: string[];
  n: number;
}

const INDENT = '    ';

/**
 * A path as a location argument: bare when it holds only URL path characters nginx reads as one token (as upstream
 * renders them), else quoted, so no path (ImplementationSpecific paths may hold anything) can end the directive.
 */
export function locPath(p: string): string {
  return /^\/[A-Za-z0-9._~!*'()@:+,=&%/-]*$/.test(p) ? p : q(p);
}

/** A header name nginx can name as `$http_*` and in proxy_set_header/add_header (an HTTP token without `$`). */
export function safeHeaderName(name: string): boolean {
  return /^[A-Za-z0-9!#%&'*+.^_`|~-]+$/.test(name);
}

/** A server_name: a DNS name with an optional leading `*.` wildcard. */
export function safeHostname(h: string): boolean {
  return h === '' || /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(h);
}

function locationKeys(r: Route, regexServer: boolean): string[] {
  if (r.pathType === 'Exact') return [`= ${locPath(r.path)}`];
  if (r.pathType === 'RegularExpression') return [`${r.caseInsensitive ? '~*' : '~'} ${q(`^${r.path}`)}`];
  if (regexServer) return r.path === '/' ? [`~ ${q('^/')}`] : [`~ ${q(`^${escapeRegex(r.path)}(/|$)`)}`];
  if (r.path === '/') return ['/'];
  return [`= ${locPath(r.path)}`, locPath(`${r.path}/`)];
}

/** The path a location key matches, for ordering (longest first). */
function keyPath(key: string): string {
  const m = /^(?:=|~\*?) (.*)$/.exec(key);
  return m ? m[1] : key;
}

function keyRank(key: string): number {
  return key.startsWith('= ') ? 0 : 1;
}

/** The loopback address (on `unavailablePort`) of the server answering each status for an upstream without endpoints. */
const UNAVAILABLE_ADDRESS = { 503: '127.0.0.1', 500: '127.0.0.2' } as const;

function upstreamTarget(b: WeightedBackend[], blk: Block): { target?: string; status?: number } {
  const live = b.filter((x) => x.weight > 0);
  if (live.length === 0) return { status: b.length === 0 ? 503 : 500 };
  if (live.length === 1) return { target: live[0].upstream };
  const total = live.reduce((s, x) => s + x.weight, 0);
  const v = `$ing_split_${blk.n++}`;
  const lines = [`split_clients "$request_id" ${v} {`];
  live.forEach((x, i) => {
    if (i === live.length - 1) lines.push(`${INDENT}* ${x.upstream};`);
    else {
      const pct = Math.floor((x.weight / total) * 10000) / 100;
      if (pct > 0) lines.push(`${INDENT}${pct.toFixed(2)}% ${x.upstream};`);
    }
  });
  lines.push('}');
  blk.http.push(...lines);
  return { target: v };
}

function redirectUrl(r: Redirect, route: Route, blk: Block): string {
  const scheme = r.scheme ?? '$scheme';
  const host = r.hostname ?? '$host';
  const port = r.port !== undefined ? `:${r.port}` : '';
  let path = '$request_uri';
  if (r.path !== undefined) path = `${r.path}$is_args$args`;
  else if (r.replacePrefixMatch !== undefined) {
    const v = `$ing_redirect_${blk.n++}`;
    const repl = r.replacePrefixMatch.replace(/\/$/, '');
    blk.http.push(`map $uri ${v} {`, `${INDENT}${q(`~^${escapeRegex(route.path === '/' ? '' : route.path)}(?<ing_rest>/.*)?$`)} ${q(`${repl}$ing_rest`)};`, `${INDENT}default $uri;`, '}');
    path = `${v}$is_args$args`;
  }
  return `${scheme}://${host}${port}${path}`;
}

function rewriteLines(route: Route): string[] {
  if (route.rewriteTarget !== undefined) {
    const re = route.pathType === 'RegularExpression' ? route.path : escapeRegex(route.path);
    return [`rewrite ${q(`${route.caseInsensitive || route.pathType !== 'RegularExpression' ? '(?i)' : ''}${re}`)} ${q(route.rewriteTarget)} break;`];
  }
  const u = route.urlRewrite;
  if (u?.replaceFullPath !== undefined) return [`rewrite ^ ${q(u.replaceFullPath)} break;`];
  if (u?.replacePrefixMatch !== undefined) {
    const p = route.path === '/' ? '' : escapeRegex(route.path);
    const repl = u.replacePrefixMatch;
    if (repl === '/' || repl === '') return [`rewrite ${q(`^${p}/?(.*)$`)} /$1 break;`];
    return [`rewrite ${q(`^${p}(/.*)?$`)} ${q(`${repl.replace(/\/$/, '')}$1`)} break;`];
  }
  return [];
}

const STANDARD_HEADERS: [string, string][] = [
  ['Host', '$host'],
  ['X-Request-ID', '$request_id'],
  ['X-Real-IP', '$remote_addr'],
  ['X-Forwarded-For', '$remote_addr'],
  ['X-Forwarded-Host', '$host'],
  ['X-Forwarded-Port', '$server_port'],
  ['X-Forwarded-Proto', '$scheme'],
  ['X-Forwarded-Scheme', '$scheme'],
  ['X-Scheme', '$scheme'],
  ['X-Original-URI', '$request_uri'],
  ['Connection', '""'],
];

/** The value a request header gets from a modifier (undefined: untouched; '' removes it). */
function headerValue(m: HeaderModifier | undefined, name: string, blk: Block): string | undefined {
  const lc = name.toLowerCase();
  if (m?.remove?.some((h) => h.toLowerCase() === lc)) return '""';
  const set = m?.set?.find((h) => h.name.toLowerCase() === lc);
  if (set) return q(set.value);
  const add = m?.add?.find((h) => h.name.toLowerCase() === lc);
  if (add) {
    const v = `$ing_append_${blk.n++}`;
    blk.http.push(`map ${headerVar(name)} ${v} {`, `${INDENT}"" "";`, `${INDENT}default "${headerVar(name)},";`, '}');
    return q(`\${${v.slice(1)}}${add.value}`);
  }
  return undefined;
}

function touchedHeaders(m: HeaderModifier | undefined): string[] {
  return [...(m?.set ?? []).map((h) => h.name), ...(m?.add ?? []).map((h) => h.name), ...(m?.remove ?? [])].filter(safeHeaderName);
}

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, string>();
  for (const n of names) if (!seen.has(n.toLowerCase())) seen.set(n.toLowerCase(), n);
  return [...seen.values()];
}

/** Host header for a route: urlRewrite.hostname, or a request header modifier of Host. */
function requestHeaderLines(routes: Route[], sel: string | undefined, blk: Block): string[] {
  const names = uniqueNames(['Host', ...routes.flatMap((r) => touchedHeaders(r.requestHeaders))]);
  const lines: string[] = ['proxy_http_version 1.1;'];
  for (const name of names) {
    const std = STANDARD_HEADERS.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1] ?? headerVar(name);
    const per = routes.map((r) => (name.toLowerCase() === 'host' && r.urlRewrite?.hostname !== undefined ? q(r.urlRewrite.hostname) : headerValue(r.requestHeaders, name, blk)));
    if (per.every((v) => v === undefined)) {
      if (STANDARD_HEADERS.some(([n]) => n.toLowerCase() === name.toLowerCase())) continue; // written below
      continue;
    }
    if (sel === undefined) {
      lines.push(`proxy_set_header ${name} ${per[0] ?? std};`);
      continue;
    }
    const v = `$ing_header_${blk.n++}`;
    blk.http.push(`map ${sel} ${v} {`, ...per.flatMap((x, i) => (x === undefined ? [] : [`${INDENT}${i} ${x};`])), `${INDENT}default ${std};`, '}');
    lines.push(`proxy_set_header ${name} ${v};`);
  }
  const written = new Set(lines.map((l) => /^proxy_set_header (\S+)/.exec(l)?.[1]?.toLowerCase()).filter((x): x is string => !!x));
  for (const [n, v] of STANDARD_HEADERS) if (!written.has(n.toLowerCase())) lines.push(`proxy_set_header ${n} ${v};`);
  return lines;
}

function responseHeaderLines(routes: Route[], sel: string | undefined, blk: Block): string[] {
  const lines: string[] = [];
  if (sel === undefined) {
    const m = routes[0].responseHeaders;
    for (const h of (m?.remove ?? []).filter(safeHeaderName)) lines.push(`proxy_hide_header ${h};`);
    for (const h of (m?.set ?? []).filter((x) => safeHeaderName(x.name))) lines.push(`proxy_hide_header ${h.name};`, `add_header ${h.name} ${q(h.value)} always;`);
    for (const h of (m?.add ?? []).filter((x) => safeHeaderName(x.name))) lines.push(`add_header ${h.name} ${q(h.value)} always;`);
    return lines;
  }
  const names = uniqueNames(routes.flatMap((r) => [...(r.responseHeaders?.set ?? []), ...(r.responseHeaders?.add ?? [])].map((h) => h.name)).filter(safeHeaderName));
  for (const name of names) {
    const v = `$ing_resp_header_${blk.n++}`;
    const per = routes.map((r) => [...(r.responseHeaders?.set ?? []), ...(r.responseHeaders?.add ?? [])].find((h) => h.name.toLowerCase() === name.toLowerCase())?.value);
    blk.http.push(`map ${sel} ${v} {`, ...per.flatMap((x, i) => (x === undefined ? [] : [`${INDENT}${i} ${q(x)};`])), `${INDENT}default "";`, '}');
    lines.push(`add_header ${name} ${v} always;`);
  }
  return lines;
}

/** Route order inside a location: Exact routes, then the source's precedence, then model order. */
function byRouteOrder(routes: Route[]): Route[] {
  return routes
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r.pathType === 'Exact' ? 0 : 1) - (b.r.pathType === 'Exact' ? 0 : 1) || a.r.precedence - b.r.precedence || a.i - b.i)
    .map((x) => x.r);
}

function conditional(r: Route): boolean {
  return (r.headers?.length ?? 0) > 0 || r.method !== undefined;
}

/** The selector map: one bit per condition of each route; a route matches when all its bits are 1. */
function selector(routes: Route[], blk: Block): string {
  const bits: string[] = [];
  const patterns: string[] = [];
  for (const r of routes) {
    const start = bits.length;
    for (const h of r.headers ?? []) {
      if (!safeHeaderName(h.name)) {
        bits.push('0'); // a header nginx cannot name never matches
        continue;
      }
      const v = `$ing_cond_${blk.n++}`;
      const re = h.type === 'Exact' ? `^${escapeRegex(h.value)}$` : `^(?:${h.value})$`;
      blk.http.push(`map ${headerVar(h.name)} ${v} {`, `${INDENT}${q(`~${re}`)} 1;`, `${INDENT}default 0;`, '}');
      bits.push(v);
    }
    if (r.method !== undefined) {
      const v = `$ing_cond_${blk.n++}`;
      blk.http.push(`map $request_method ${v} {`, `${INDENT}${q(`~^${escapeRegex(r.method)}$`)} 1;`, `${INDENT}default 0;`, '}');
      bits.push(v);
    }
    patterns.push(`${'.'.repeat(start)}${'1'.repeat(bits.length - start)}`);
  }
  const sel = `$ing_route_${blk.n++}`;
  const key = bits.length === 0 ? '""' : `"${bits.join('')}"`;
  const lines = [`map ${key} ${sel} {`];
  let dflt = 'none';
  routes.forEach((r, i) => {
    if (!conditional(r)) {
      if (dflt === 'none') dflt = String(i);
      return;
    }
    if (dflt === 'none') lines.push(`${INDENT}"~^${patterns[i]}" ${i};`);
  });
  lines.push(`${INDENT}default ${dflt};`, '}');
  blk.http.push(...lines);
  return sel;
}

function locationBody(routes: Route[], upstreams: Map<string, Upstream>, blk: Block): string[] {
  const single = routes.length === 1 && !conditional(routes[0]);
  if (single) {
    const r = routes[0];
    if (r.redirect) return [`return ${r.redirect.statusCode} ${q(redirectUrl(r.redirect, r, blk))};`];
    const t = upstreamTarget(r.backends, blk);
    if (t.status !== undefined) return [`return ${t.status};`];
    return [...requestHeaderLines(routes, undefined, blk), ...responseHeaderLines(routes, undefined, blk), ...rewriteLines(r), `proxy_pass http://${t.target};`];
  }
  const sel = selector(routes, blk);
  const lines: string[] = [...requestHeaderLines(routes, sel, blk), ...responseHeaderLines(routes, sel, blk)];
  const target = `$ing_target_${blk.n++}`;
  lines.push(`set ${target} "";`);
  lines.push(`if (${sel} = none) {`, `${INDENT}return 404;`, '}');
  routes.forEach((r, i) => {
    const inner: string[] = [];
    if (r.redirect) inner.push(`return ${r.redirect.statusCode} ${q(redirectUrl(r.redirect, r, blk))};`);
    else {
      const t = upstreamTarget(r.backends, blk);
      if (t.status !== undefined) inner.push(`return ${t.status};`);
      else inner.push(`set ${target} ${t.target};`, ...rewriteLines(r));
    }
    lines.push(`if (${sel} = ${i}) {`, ...inner.map((l) => INDENT + l), '}');
  });
  lines.push(`proxy_pass http://${target};`);
  return lines;
}

function fallbackBody(model: RoutingModel, upstreams: Map<string, Upstream>, blk: Block): string[] {
  if (!model.defaultBackend) return ['return 404;'];
  const r: Route = { path: '/', pathType: 'Prefix', precedence: 0, backends: [model.defaultBackend], source: 'default backend' };
  return locationBody([r], upstreams, blk);
}

function renderServer(s: VirtualServer, isDefault: boolean, ssl: boolean, model: RoutingModel, upstreams: Map<string, Upstream>, blk: Block, opts: NginxConfOptions): string[] {
  const regexServer = s.routes.some((r) => r.pathType === 'RegularExpression');
  const groups = new Map<string, Route[]>();
  for (const r of s.routes) {
    for (const k of locationKeys(r, regexServer)) {
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
  }
  const keys = [...groups.keys()].sort((a, b) => keyRank(a) - keyRank(b) || keyPath(b).length - keyPath(a).length || (a < b ? -1 : a > b ? 1 : 0));
  const coversRoot = keys.some((k) => k === '/' || keyPath(k) === '"^/"');
  const lines: string[] = ['server {'];
  const sources = [...new Set(s.routes.map((r) => r.source))];
  if (sources.length > 0) lines.push(`${INDENT}# ${sources.join(', ')}`);
  lines.push(`${INDENT}listen ${s.port}${ssl ? ' ssl' : ''}${isDefault ? ' default_server' : ''};`);
  lines.push(`${INDENT}server_name ${s.hostname === '' ? '_' : s.hostname};`);
  if (ssl) {
    const file = s.tls ? certificateFile(opts, s.tls) : opts.defaultCertificate;
    lines.push(`${INDENT}ssl_certificate ${file};`, `${INDENT}ssl_certificate_key ${file};`);
  }
  const loc = (key: string, body: string[]) => [`${INDENT}location ${key} {`, ...body.map((l) => INDENT + INDENT + l), `${INDENT}}`];
  for (const k of keys) lines.push(...loc(k, locationBody(byRouteOrder(groups.get(k) ?? []), upstreams, blk)));
  if (!coversRoot) lines.push(...loc('/', fallbackBody(model, upstreams, blk)));
  lines.push('}');
  return lines;
}

export function renderNginxConf(model: RoutingModel, opts: NginxConfOptions): string {
  const upstreams = new Map(model.upstreams.map((u) => [u.name, u]));
  const blk: Block = { http: [], n: 0 };
  const sslPorts = new Set<number>([opts.httpsPort, ...model.servers.filter((s) => s.tls).map((s) => s.port)]);
  const ports = [...new Set([opts.httpPort, opts.httpsPort, ...model.servers.map((s) => s.port)])].sort((a, b) => a - b);
  const servers = model.servers.filter((s) => safeHostname(s.hostname)).sort((a, b) => a.port - b.port || (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  const serverLines: string[] = [];
  for (const port of ports) {
    const own = servers.filter((s) => s.port === port);
    const hasDefault = own.some((s) => s.hostname === '');
    if (!hasDefault) serverLines.push(...renderServer({ port, hostname: '', routes: [] }, true, sslPorts.has(port), model, upstreams, blk, opts), '');
    for (const s of own) serverLines.push(...renderServer(s, s.hostname === '', sslPorts.has(port), model, upstreams, blk, opts), '');
  }
  const upstreamLines: string[] = [];
  for (const u of [...model.upstreams].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    upstreamLines.push(`upstream ${u.name} {`);
    if (u.endpoints.length === 0) {
      const status = u.emptyStatus ?? 503;
      upstreamLines.push(`${INDENT}# no ready endpoints: ${status}`, `${INDENT}server ${UNAVAILABLE_ADDRESS[status]}:${opts.unavailablePort};`);
    }
    for (const e of u.endpoints) upstreamLines.push(`${INDENT}server ${e.ip.includes(':') ? `[${e.ip}]` : e.ip}:${e.port} max_fails=0;`);
    upstreamLines.push(`${INDENT}keepalive 32;`, '}', '');
  }
  const t = opts.tempDir;
  const out = [
    '# Generated by kubelab ingress-nginx from the cluster\'s Ingresses (and Gateway API routes). Do not edit.',
    `worker_processes ${opts.workerProcesses ?? 'auto'};`,
    `pid ${opts.pidFile};`,
    `error_log ${opts.errorLog} notice;`,
    'events {',
    `${INDENT}worker_connections 16384;`,
    '}',
    'http {',
    ...[
      `access_log ${opts.accessLog};`,
      `client_body_temp_path ${t}/client-body;`,
      `proxy_temp_path ${t}/proxy;`,
      `fastcgi_temp_path ${t}/fastcgi;`,
      `uwsgi_temp_path ${t}/uwsgi;`,
      `scgi_temp_path ${t}/scgi;`,
      'server_tokens off;',
      'server_names_hash_bucket_size 128;',
      'map_hash_bucket_size 128;',
      'proxy_connect_timeout 5s;',
      'proxy_read_timeout 60s;',
      'proxy_send_timeout 60s;',
      'proxy_next_upstream error timeout;',
      'ssl_protocols TLSv1.2 TLSv1.3;',
      '',
      ...([503, 500] as const).flatMap((status) => [
        'server {',
        `${INDENT}# answers ${status} for upstreams without ready endpoints${status === 500 ? ' that are invalid Gateway API backendRefs' : ''}`,
        `${INDENT}listen ${UNAVAILABLE_ADDRESS[status]}:${opts.unavailablePort};`,
        `${INDENT}location / {`,
        `${INDENT}${INDENT}return ${status};`,
        `${INDENT}}`,
        '}',
        '',
      ]),
      ...upstreamLines,
      ...blk.http,
      ...(blk.http.length > 0 ? [''] : []),
      ...serverLines,
    ].map((l) => (l === '' ? '' : INDENT + l)),
    '}',
    '',
  ];
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}
