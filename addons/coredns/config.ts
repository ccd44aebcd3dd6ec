/**
 * From parsed server blocks to the typed configuration of each plugin, as each CoreDNS plugin's setup() reads its
 * directive: argument counts, properties, defaults. Pure; an unknown directive or property, a wrong argument count
 * or a bad value is a CorefileError naming the line (CoreDNS's wording: `Unknown directive 'x'`,
 * `Wrong argument count or unexpected line ending after 'ttl'`, `unknown property 'x'`).
 */
import { isIP } from 'node:net';
import { CorefileError, parseCorefile, type Directive, type ServerBlock } from './corefile.js';
import { fqdn } from './names.js';

export type PodMode = 'disabled' | 'insecure' | 'verified';

/** `fallthrough [ZONES...]`: undefined = off; [] = every name. */
export type Fallthrough = string[] | undefined;

export interface KubernetesConfig {
  zones: string[];
  pods: PodMode;
  ttl: number;
  fallthrough: Fallthrough;
  /** `namespaces NS...`: only these are exposed (empty: all). */
  namespaces: string[];
  endpointPodNames: boolean;
  ignoreEmptyService: boolean;
  line: number;
}

export interface HostsConfig {
  /** The hosts file read at load (CoreDNS default /etc/hosts; only read if it exists). */
  file: string;
  zones: string[];
  /** Inline entries: `IP NAME...` lines of the block. */
  inline: { ip: string; names: string[] }[];
  ttl: number;
  noReverse: boolean;
  fallthrough: Fallthrough;
}

export type RewriteMatch = 'exact' | 'prefix' | 'suffix' | 'substring' | 'regex';
export interface RewriteRule {
  /** `stop` (default): the first matching rule is the last applied; `continue`: later rules apply too. */
  mode: 'stop' | 'continue';
  match: RewriteMatch;
  from: string;
  to: string;
  /** `answer name FROM TO` (regex rules): how answer names are written back. */
  answer?: { from: string; to: string };
  line: number;
}

export interface CacheConfig {
  successCap: number;
  denialCap: number;
  successCapacity: number;
  denialCapacity: number;
  minTtl: number;
  zones: string[];
}

export interface ForwardConfig {
  from: string;
  /** `host:port` upstreams (a resolv.conf given as TO is read for its nameservers). */
  to: string[];
  except: string[];
  forceTcp: boolean;
  maxConcurrent: number;
  policy: 'random' | 'round_robin' | 'sequential';
  expireMs: number;
}

export interface ServerConfig {
  /** Zones this block serves, as lower-case FQDNs (`.`, `cluster.local.`). */
  zones: string[];
  port: number;
  line: number;
  errors: boolean;
  log: boolean;
  health?: { address: string; lameduckMs: number };
  ready?: { address: string };
  prometheus?: { address: string };
  kubernetes?: KubernetesConfig;
  hosts?: HostsConfig;
  rewrite: RewriteRule[];
  cache?: CacheConfig;
  forward?: ForwardConfig;
  loop: boolean;
  reload?: { intervalMs: number; jitterMs: number };
  loadbalance: boolean;
  /** The plugins of the block, in Corefile order (for coredns_plugin_enabled). */
  plugins: string[];
}

export interface ConfigOptions {
  file?: string;
  /** Port of keys without one (CoreDNS's -dns.port, default 53). */
  defaultPort?: number;
  /** Reads a file named by the Corefile (hosts, resolv.conf); undefined when it does not exist. */
  readFile?: (path: string) => string | undefined;
}

/** The directives this server knows, in CoreDNS's plugin.cfg order (which is also the order a query passes them). */
export const KNOWN_PLUGINS = ['reload', 'ready', 'health', 'prometheus', 'errors', 'log', 'loadbalance', 'cache', 'rewrite', 'hosts', 'kubernetes', 'loop', 'forward'] as const;

function durationMs(text: string, file: string, line: number, plugin: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!m) throw new CorefileError(file, line, `time: invalid duration "${text}"`, plugin);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
}

function int(text: string | undefined, file: string, line: number, plugin: string, min = 0, max = 2 ** 31 - 1): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new CorefileError(file, line, `strconv.Atoi: parsing ${JSON.stringify(text ?? '')}: invalid syntax`, plugin);
  const n = Number(text);
  if (n < min || n > max) throw new CorefileError(file, line, `value ${n} out of range [${min}, ${max}]`, plugin);
  return n;
}

const argErr = (file: string, d: Directive, plugin: string) =>
  new CorefileError(file, d.line, `Wrong argument count or unexpected line ending after '${d.args[d.args.length - 1] ?? d.name}'`, plugin);
const propErr = (file: string, d: Directive, plugin: string) => new CorefileError(file, d.line, `unknown property '${d.name}'`, plugin);

/** A server block key: `[dns://]ZONE[:PORT]`. */
export function parseKey(key: string, file: string, line: number, defaultPort: number): { zone: string; port: number } {
  let k = key;
  const scheme = /^([a-z]+):\/\//.exec(k);
  if (scheme) {
    if (scheme[1] !== 'dns') throw new CorefileError(file, line, `unsupported scheme "${scheme[1]}://" (only dns:// is served)`);
    k = k.slice(scheme[0].length);
  }
  let port = defaultPort;
  const m = /^(.*?):(\d+)$/.exec(k);
  if (m) {
    k = m[1]!;
    port = Number(m[2]);
    if (port > 65535) throw new CorefileError(file, line, `invalid port "${m[2]}"`);
  }
  if (k === '') k = '.';
  if (/[\s{}"]/.test(k)) throw new CorefileError(file, line, `invalid zone "${key}"`);
  return { zone: reverseZoneOf(k) ?? fqdn(k), port };
}

/** A CIDR written as a zone (`10.0.0.0/8`) becomes its in-addr.arpa zone, on whole octets as CoreDNS does. */
function reverseZoneOf(k: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(8|16|24|32)$/.exec(k);
  if (!m) return undefined;
  const octets = [m[1], m[2], m[3], m[4]].slice(0, Number(m[5]) / 8);
  return `${octets.reverse().join('.')}.in-addr.arpa.`;
}

function zonesFrom(args: string[], fallback: string[], file: string, line: number): string[] {
  if (args.length === 0) return fallback;
  return args.map((a) => parseKey(a, file, line, 0).zone);
}

function fallthroughOf(d: Directive, file: string): string[] {
  return d.args.map((a) => parseKey(a, file, d.line, 0).zone);
}

function parseKubernetes(d: Directive, blockZones: string[], file: string): KubernetesConfig {
  const P = 'kubernetes';
  const c: KubernetesConfig = {
    zones: zonesFrom(d.args, blockZones, file, d.line),
    pods: 'disabled',
    ttl: 5,
    fallthrough: undefined,
    namespaces: [],
    endpointPodNames: false,
    ignoreEmptyService: false,
    line: d.line,
  };
  for (const p of d.block ?? []) {
    switch (p.name) {
      case 'pods':
        if (p.args.length !== 1) throw argErr(file, p, P);
        if (p.args[0] !== 'disabled' && p.args[0] !== 'insecure' && p.args[0] !== 'verified') {
          throw new CorefileError(file, p.line, `wrong value for pods: ${p.args[0]},  must be one of: disabled, verified, insecure`, P);
        }
        c.pods = p.args[0];
        break;
      case 'ttl':
        if (p.args.length !== 1) throw argErr(file, p, P);
        c.ttl = int(p.args[0], file, p.line, P);
        if (c.ttl > 3600) throw new CorefileError(file, p.line, `ttl must be in range [0, 3600]: ${c.ttl}`, P);
        break;
      case 'fallthrough':
        c.fallthrough = fallthroughOf(p, file);
        break;
      case 'namespaces':
        if (p.args.length === 0) throw argErr(file, p, P);
        c.namespaces = p.args.map((n) => n.toLowerCase());
        break;
      case 'endpoint_pod_names':
        if (p.args.length) throw argErr(file, p, P);
        c.endpointPodNames = true;
        break;
      case 'ignore':
        if (p.args.length !== 1 || p.args[0] !== 'empty_service') throw new CorefileError(file, p.line, `unable to parse ignore value: '${p.args.join(' ')}'`, P);
        c.ignoreEmptyService = true;
        break;
      // Accepted for compatibility with Corefiles written for a real cluster; the server always uses its --kubeconfig (or its in-cluster config).
      case 'endpoint':
      case 'kubeconfig':
      case 'tls':
      case 'noendpoints':
        break;
      default:
        throw propErr(file, p, P);
    }
  }
  return c;
}

function parseHosts(d: Directive, blockZones: string[], file: string): HostsConfig {
  const P = 'hosts';
  const [path, ...zoneArgs] = d.args;
  const c: HostsConfig = { file: path ?? '/etc/hosts', zones: zonesFrom(zoneArgs, blockZones, file, d.line), inline: [], ttl: 3600, noReverse: false, fallthrough: undefined };
  for (const p of d.block ?? []) {
    if (isIP(p.name)) {
      if (p.args.length === 0) throw argErr(file, p, P);
      c.inline.push({ ip: p.name, names: p.args.map((n) => fqdn(n)) });
      continue;
    }
    switch (p.name) {
      case 'ttl':
        if (p.args.length !== 1) throw argErr(file, p, P);
        c.ttl = int(p.args[0], file, p.line, P, 1, 65535);
        break;
      case 'no_reverse':
        c.noReverse = true;
        break;
      case 'reload':
        if (p.args.length !== 1) throw argErr(file, p, P);
        durationMs(p.args[0]!, file, p.line, P);
        break;
      case 'fallthrough':
        c.fallthrough = fallthroughOf(p, file);
        break;
      default:
        throw propErr(file, p, P);
    }
  }
  return c;
}

function parseRewrite(d: Directive, file: string): RewriteRule {
  const P = 'rewrite';
  const a = [...d.args];
  let mode: 'stop' | 'continue' = 'stop';
  if (a[0] === 'stop' || a[0] === 'continue') mode = a.shift() as 'stop' | 'continue';
  const field = a.shift();
  if (field !== 'name') {
    throw new CorefileError(file, d.line, `invalid type "${field ?? ''}": only the name field is supported here (rewrite [continue|stop] name [exact|prefix|suffix|substring|regex] FROM TO)`, P);
  }
  let match: RewriteMatch = 'exact';
  if (a[0] === 'exact' || a[0] === 'prefix' || a[0] === 'suffix' || a[0] === 'substring' || a[0] === 'regex') match = a.shift() as RewriteMatch;
  const [from, to, ...rest] = a;
  if (from === undefined || to === undefined) throw argErr(file, d, P);
  const rule: RewriteRule = { mode, match, from: from.toLowerCase(), to: to.toLowerCase(), line: d.line };
  if (match === 'regex') {
    try {
      new RegExp(from);
    } catch (e) {
      throw new CorefileError(file, d.line, `invalid regex pattern in a name rule: ${from}: ${(e as Error).message}`, P);
    }
    rule.from = from;
    rule.to = to;
  }
  if (rest.length) {
    if (rest[0] === 'answer' && rest[1] === 'auto' && rest.length === 2) return rule;
    if (rest[0] === 'answer' && rest[1] === 'name' && rest.length === 4) {
      try {
        new RegExp(rest[2]!);
      } catch (e) {
        throw new CorefileError(file, d.line, `invalid regex pattern in an answer rule: ${rest[2]}: ${(e as Error).message}`, P);
      }
      rule.answer = { from: rest[2]!, to: rest[3]! };
      return rule;
    }
    throw argErr(file, d, P);
  }
  if (rule.match === 'exact' || rule.match === 'suffix' || rule.match === 'prefix' || rule.match === 'substring') {
    if (match === 'exact') {
      rule.from = fqdn(rule.from);
      rule.to = fqdn(rule.to);
    }
  }
  return rule;
}

function parseCache(d: Directive, blockZones: string[], file: string): CacheConfig {
  const P = 'cache';
  const c: CacheConfig = { successCap: 3600, denialCap: 1800, successCapacity: 9984, denialCapacity: 9984, minTtl: 5, zones: blockZones };
  const a = [...d.args];
  if (a[0] !== undefined && /^\d+$/.test(a[0])) {
    const ttl = int(a.shift(), file, d.line, P);
    if (ttl === 0) throw new CorefileError(file, d.line, 'cache TTL can not be zero', P);
    c.successCap = ttl;
    c.denialCap = ttl;
  }
  if (a.length) c.zones = zonesFrom(a, blockZones, file, d.line);
  for (const p of d.block ?? []) {
    switch (p.name) {
      case 'success':
      case 'denial': {
        if (p.args.length < 1 || p.args.length > 3) throw argErr(file, p, P);
        const cap = int(p.args[0], file, p.line, P);
        if (p.name === 'success') c.successCapacity = cap;
        else c.denialCapacity = cap;
        if (p.args[1] !== undefined) {
          const ttl = int(p.args[1], file, p.line, P);
          if (p.name === 'success') c.successCap = ttl;
          else c.denialCap = ttl;
        }
        if (p.args[2] !== undefined) c.minTtl = int(p.args[2], file, p.line, P);
        break;
      }
      // Accepted (their behaviour is not implemented: entries simply expire).
      case 'prefetch':
      case 'serve_stale':
      case 'servfail':
      case 'disable':
      case 'keepttl':
        break;
      default:
        throw propErr(file, p, P);
    }
  }
  return c;
}

/** Nameservers of a resolv.conf. */
export function resolvConfNameservers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && isIP(m[1]!)) out.push(m[1]!);
  }
  return out;
}

function hostPort(addr: string, file: string, line: number): string {
  let a = addr.replace(/^dns:\/\//, '');
  if (isIP(a) === 4) return `${a}:53`;
  if (isIP(a) === 6) return `[${a}]:53`;
  const m = /^(\[[0-9a-fA-F:.]+\]|[\d.]+):(\d+)$/.exec(a);
  if (m && Number(m[2]) <= 65535 && isIP(m[1]!.replace(/^\[|\]$/g, ''))) return a;
  if (/^tls:\/\//.test(addr)) throw new CorefileError(file, line, `tls:// upstreams are not supported: ${addr}`, 'forward');
  throw new CorefileError(file, line, `not an IP address or file: "${addr}"`, 'forward');
}

function parseForward(d: Directive, file: string, readFile: (p: string) => string | undefined): ForwardConfig {
  const P = 'forward';
  const [from, ...tos] = d.args;
  if (from === undefined || tos.length === 0) throw argErr(file, d, P);
  const to: string[] = [];
  for (const t of tos) {
    if (t.startsWith('/')) {
      const text = readFile(t);
      if (text === undefined) throw new CorefileError(file, d.line, `open ${t}: no such file or directory`, P);
      for (const ns of resolvConfNameservers(text)) to.push(hostPort(ns, file, d.line));
    } else to.push(hostPort(t, file, d.line));
  }
  if (to.length === 0) throw new CorefileError(file, d.line, 'no nameservers found', P);
  if (to.length > 15) throw new CorefileError(file, d.line, 'more than 15 TOs configured: ' + to.length, P);
  const c: ForwardConfig = { from: parseKey(from, file, d.line, 0).zone, to, except: [], forceTcp: false, maxConcurrent: 0, policy: 'random', expireMs: 10_000 };
  for (const p of d.block ?? []) {
    switch (p.name) {
      case 'except':
        if (!p.args.length) throw argErr(file, p, P);
        c.except = p.args.map((z) => fqdn(z));
        break;
      case 'force_tcp':
        c.forceTcp = true;
        break;
      case 'prefer_udp':
        break;
      case 'max_concurrent':
        if (p.args.length !== 1) throw argErr(file, p, P);
        c.maxConcurrent = int(p.args[0], file, p.line, P);
        break;
      case 'policy':
        if (p.args[0] !== 'random' && p.args[0] !== 'round_robin' && p.args[0] !== 'sequential') throw new CorefileError(file, p.line, `unknown policy '${p.args[0] ?? ''}'`, P);
        c.policy = p.args[0];
        break;
      case 'expire':
        if (p.args.length !== 1) throw argErr(file, p, P);
        c.expireMs = durationMs(p.args[0]!, file, p.line, P);
        break;
      case 'max_fails':
      case 'health_check':
      case 'tls_servername':
        if (!p.args.length) throw argErr(file, p, P);
        break;
      default:
        throw propErr(file, p, P);
    }
  }
  return c;
}

function address(d: Directive, def: string, file: string, plugin: string): string {
  if (d.args.length > 1) throw argErr(file, d, plugin);
  const a = d.args[0] ?? def;
  if (!/^(\[[0-9a-fA-F:.]*\]|[a-zA-Z0-9.-]*):\d+$/.test(a)) throw new CorefileError(file, d.line, `invalid address "${a}"`, plugin);
  return a;
}

function noArgsNoBlock(d: Directive, file: string, plugin: string, maxArgs = 0): void {
  if (d.args.length > maxArgs) throw argErr(file, d, plugin);
}

/** Configure one server block. */
export function serverConfig(b: ServerBlock, o: Required<Omit<ConfigOptions, 'file'>> & { file: string }): ServerConfig[] {
  const { file } = o;
  const keys = b.keys.map((k) => parseKey(k, file, b.line, o.defaultPort));
  const ports = [...new Set(keys.map((k) => k.port))];
  const zones = [...new Set(keys.map((k) => k.zone))];
  const c: ServerConfig = { zones, port: ports[0]!, line: b.line, errors: false, log: false, rewrite: [], loop: false, loadbalance: false, plugins: [] };
  const seen = new Set<string>();
  for (const d of b.directives) {
    const once = () => {
      if (seen.has(d.name) && d.name !== 'rewrite') throw new CorefileError(file, d.line, `plugin ${d.name} is specified more than once`, d.name);
      seen.add(d.name);
    };
    switch (d.name) {
      case 'errors':
        once();
        noArgsNoBlock(d, file, 'errors', 1);
        c.errors = true;
        break;
      case 'log':
        once();
        c.log = true;
        break;
      case 'health': {
        once();
        let lameduckMs = 0;
        for (const p of d.block ?? []) {
          if (p.name !== 'lameduck') throw propErr(file, p, 'health');
          if (p.args.length !== 1) throw argErr(file, p, 'health');
          lameduckMs = durationMs(p.args[0]!, file, p.line, 'health');
        }
        c.health = { address: address(d, ':8080', file, 'health'), lameduckMs };
        break;
      }
      case 'ready':
        once();
        c.ready = { address: address(d, ':8181', file, 'ready') };
        break;
      case 'prometheus':
        once();
        c.prometheus = { address: address(d, 'localhost:9153', file, 'prometheus') };
        break;
      case 'kubernetes':
        once();
        c.kubernetes = parseKubernetes(d, zones, file);
        break;
      case 'hosts':
        once();
        c.hosts = parseHosts(d, zones, file);
        break;
      case 'rewrite':
        c.rewrite.push(parseRewrite(d, file));
        break;
      case 'cache':
        once();
        c.cache = parseCache(d, zones, file);
        break;
      case 'forward':
        once();
        c.forward = parseForward(d, file, o.readFile);
        break;
      case 'loop':
        once();
        noArgsNoBlock(d, file, 'loop');
        c.loop = true;
        break;
      case 'reload': {
        once();
        if (d.args.length > 2) throw argErr(file, d, 'reload');
        const intervalMs = d.args[0] ? durationMs(d.args[0], file, d.line, 'reload') : 30_000;
        const jitterMs = d.args[1] ? durationMs(d.args[1], file, d.line, 'reload') : 15_000;
        if (intervalMs < 2000) throw new CorefileError(file, d.line, 'interval value must be greater or equal to 2s', 'reload');
        c.reload = { intervalMs, jitterMs };
        break;
      }
      case 'loadbalance':
        once();
        if (d.args.length > 1 || (d.args[0] !== undefined && d.args[0] !== 'round_robin')) throw new CorefileError(file, d.line, `unknown policy: ${d.args[0]}`, 'loadbalance');
        c.loadbalance = true;
        break;
      default:
        throw new CorefileError(file, d.line, `Unknown directive '${d.name}'`);
    }
    c.plugins.push(d.name);
  }
  // A block written with several ports serves each one (CoreDNS makes one server per address).
  return ports.map((port) => ({ ...c, zones: [...new Set(keys.filter((k) => k.port === port).map((k) => k.zone))], port }));
}

/** Parse and configure a whole Corefile. Two blocks may not serve the same zone on the same port. */
export function loadCorefile(text: string, opts: ConfigOptions = {}): ServerConfig[] {
  const file = opts.file ?? 'Corefile';
  const o = { file, defaultPort: opts.defaultPort ?? 53, readFile: opts.readFile ?? (() => undefined) };
  const servers = parseCorefile(text, file).flatMap((b) => serverConfig(b, o));
  const seen = new Set<string>();
  for (const s of servers) {
    for (const z of s.zones) {
      const k = `${z}:${s.port}`;
      if (seen.has(k)) throw new CorefileError(file, s.line, `cannot serve dns://${z}:${s.port} - it is already defined`);
      seen.add(k);
    }
  }
  return servers;
}
