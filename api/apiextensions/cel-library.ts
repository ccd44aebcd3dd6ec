/**
 * The CEL environment CRD validation rules compile in: standard CEL (macros `has`, `all`, `exists`,
 * `exists_one`, `map`, `filter`; `size`, `matches`, `startsWith`, `contains`, `duration`, `timestamp`, ...
 * as @marcbachmann/cel-js ships them), optional types (`self.?x.orValue(...)`), plus the pieces of
 * Kubernetes' own libraries (k8s.io/apiserver/pkg/cel/library) and cel-go's strings extension that the
 * evaluator lacks:
 *   - strings ext: `charAt`, `replace` (2 and 3 arguments), `reverse` (lowerAscii, upperAscii, trim, split,
 *     substring, indexOf, lastIndexOf, join come with the evaluator);
 *   - regex: `find`, `findAll` (+ limit);
 *   - lists: `isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`;
 *   - URLs: `url`, `isURL`, and getScheme / getHost / getHostname / getPort / getEscapedPath / getQuery;
 *   - IPs and CIDRs: `ip`, `isIP`, `cidr`, `isCIDR`, family / isUnspecified / isLoopback / isGlobalUnicast /
 *     isLinkLocalUnicast / isLinkLocalMulticast, containsIP / containsCIDR / prefixLength / masked, `string()`.
 * Not provided: quantity, format, the authorizer library (not offered to CRD rules upstream either).
 * Pure (no I/O); the environment is built once and cloned per schema node.
 */
import { Environment } from '@marcbachmann/cel-js';
import { isIPv4, isIPv6 } from 'node:net';
import { KubeError } from '../errors.js';

/** An evaluation failure inside a library function, worded as cel-go's (a rule's evaluation error). */
class CelLibraryError extends KubeError {
  constructor(message: string) {
    super('Invalid', message);
  }
}

type Comparable = bigint | number | string | boolean;

function compare(a: Comparable, b: Comparable): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  throw new CelLibraryError('no such overload');
}

function celEquals(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' || typeof a === 'number') return (typeof b === 'bigint' || typeof b === 'number') && Number(a) === Number(b);
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) === JSON.stringify(b, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** RE2's leading inline flags (`(?i)`, `(?s)`, `(?m)`) as JavaScript RegExp flags. */
export function re2ToRegExp(pattern: string, global = false): RegExp {
  let flags = global ? 'g' : '';
  let src = pattern;
  const m = /^(\^?)\(\?([ims]+)\)/.exec(src);
  if (m) {
    flags += m[2];
    src = m[1] + src.slice(m[0].length);
  }
  try {
    return new RegExp(src, flags);
  } catch {
    throw new CelLibraryError(`error parsing regexp: invalid syntax: \`${pattern}\``);
  }
}

// ------------------------------------------------------------------ URLs (library/urls.go)

/** kubernetes.URL: a parsed request URI (Go's url.ParseRequestURI). */
export class KubeURL {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly hostname: string,
    readonly port: string,
    readonly escapedPath: string,
    readonly rawQuery: string,
    readonly raw: string,
  ) {}
}

function parseRequestURI(s: string): KubeURL | undefined {
  if (s === '' || /\s/.test(s)) return undefined;
  if (s.startsWith('/')) {
    try {
      const u = new URL(s, 'http://placeholder.invalid');
      return new KubeURL('', '', '', '', u.pathname, u.search.replace(/^\?/, ''), s);
    } catch {
      return undefined;
    }
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
  if (!scheme) return undefined;
  try {
    const u = new URL(s);
    const authority = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(s)?.[1] ?? '';
    const hostPort = authority.replace(/^[^@]*@/, '');
    const v6 = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostPort);
    const hostname = v6 ? v6[1]! : hostPort.replace(/:\d*$/, '');
    const port = v6 ? v6[2] ?? '' : /:(\d*)$/.exec(hostPort)?.[1] ?? '';
    const afterAuthority = s.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/, '');
    const path = afterAuthority.startsWith('/') ? u.pathname : '';
    return new KubeURL(scheme[1]!, hostPort, hostname, port, path, u.search.replace(/^\?/, ''), s);
  } catch {
    return undefined;
  }
}

function queryMap(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(raw)) (out[k] ??= []).push(v);
  return out;
}

// ------------------------------------------------------------------ IPs and CIDRs (library/ip.go, cidr.go)

/** net.IP: an address as its family and 128/32-bit value. */
export class KubeIP {
  constructor(readonly family: 4 | 6, readonly value: bigint, readonly text: string) {}
}

/** net.CIDR: an address and a prefix length. */
export class KubeCIDR {
  constructor(readonly ip: KubeIP, readonly prefix: number, readonly text: string) {}
}

function ipv4Value(s: string): bigint {
  return s.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function ipv6Value(s: string): bigint {
  let text = s;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4Value(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Parse an IP as netip.ParseAddr does for Kubernetes: no zones, no IPv4-mapped IPv6, no leading zeros. */
function parseIP(s: string): KubeIP | undefined {
  if (isIPv4(s) && !/(^|\.)0\d/.test(s)) return new KubeIP(4, ipv4Value(s), s);
  if (isIPv6(s) && !s.includes('%')) {
    if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(s)) return undefined;
    return new KubeIP(6, ipv6Value(s), s);
  }
  return undefined;
}

function parseCIDR(s: string): KubeCIDR | undefined {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > (ip.family === 4 ? 32 : 128)) return undefined;
  return new KubeCIDR(ip, prefix, s);
}

function maskOf(c: KubeCIDR): bigint {
  const width = c.ip.family === 4 ? 32n : 128n;
  const all = (1n << width) - 1n;
  return all ^ ((1n << (width - BigInt(c.prefix))) - 1n);
}

function ipText(family: 4 | 6, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 0xffn)).join('.');
  const groups = [...Array(8).keys()].map((i) => ((v >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  // the longest run of zero groups (2 or more) becomes ::
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function cidrContains(c: KubeCIDR, ip: KubeIP): boolean {
  if (c.ip.family !== ip.family) return false;
  const m = maskOf(c);
  return (c.ip.value & m) === (ip.value & m);
}

function requireIP(s: string): KubeIP {
  const ip = parseIP(s);
  if (!ip) throw new CelLibraryError(`IP Address ${JSON.stringify(s)} parse error during conversion from string: ParseAddr(${JSON.stringify(s)}): unable to parse IP`);
  return ip;
}

function requireCIDR(s: string): KubeCIDR {
  const c = parseCIDR(s);
  if (!c) throw new CelLibraryError(`network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(s)}): bad prefix`);
  return c;
}

// ------------------------------------------------------------------ the environment

let base: Environment | undefined;

/**
 * The shared base environment (library functions and types; no variables). Frozen after its first clone:
 * each schema node clones it and declares its own types, `self` and `oldSelf`.
 */
export function baseEnvironment(): Environment {
  if (base) return base;
  const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: true });
  // strings extension
  env.registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
    const n = Number(i);
    if (n < 0 || n > s.length) throw new CelLibraryError(`index out of range: ${n}`);
    return s.charAt(n);
  });
  env.registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b));
  env.registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
    let limit = Number(n);
    if (limit < 0) return s.split(a).join(b);
    let out = '';
    let rest = s;
    while (limit-- > 0) {
      const at = rest.indexOf(a);
      if (at < 0) break;
      out += rest.slice(0, at) + b;
      rest = rest.slice(at + a.length);
    }
    return out + rest;
  });
  env.registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''));
  // regex library (and matches, which compiles rules call as re2Matches: RE2 flags understood)
  const cache = new Map<string, RegExp>();
  env.registerFunction('string.re2Matches(string): bool', (s: string, re: string) => {
    let r = cache.get(re);
    if (!r) {
      r = re2ToRegExp(re);
      if (cache.size > 1000) cache.clear();
      cache.set(re, r);
    }
    return r.test(s);
  });
  env.registerFunction('string.find(string): string', (s: string, re: string) => re2ToRegExp(re).exec(s)?.[0] ?? '');
  env.registerFunction('string.findAll(string): list<string>', (s: string, re: string) => [...s.matchAll(re2ToRegExp(re, true))].map((m) => m[0]));
  env.registerFunction('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) => {
    const all = [...s.matchAll(re2ToRegExp(re, true))].map((m) => m[0]);
    return Number(n) < 0 ? all : all.slice(0, Number(n));
  });
  // lists library
  env.registerFunction('list<A>.isSorted(): bool', (l: Comparable[]) => l.every((x, i) => i === 0 || compare(l[i - 1]!, x) <= 0));
  env.registerFunction('list<int>.sum(): int', (l: bigint[]) => l.reduce((a, b) => a + b, 0n));
  env.registerFunction('list<double>.sum(): double', (l: number[]) => l.reduce((a, b) => a + b, 0));
  const extreme = (sign: number) => (l: Comparable[]): Comparable => {
    if (l.length === 0) throw new CelLibraryError(`${sign < 0 ? 'min' : 'max'}(list) argument must not be empty`);
    return l.reduce((a, b) => (compare(b, a) * sign > 0 ? b : a));
  };
  env.registerFunction('list<A>.min(): A', extreme(-1));
  env.registerFunction('list<A>.max(): A', extreme(1));
  env.registerFunction('list<A>.indexOf(A): int', (l: unknown[], x: unknown) => BigInt(l.findIndex((y) => celEquals(y, x))));
  env.registerFunction('list<A>.lastIndexOf(A): int', (l: unknown[], x: unknown) => {
    for (let i = l.length - 1; i >= 0; i--) if (celEquals(l[i], x)) return BigInt(i);
    return -1n;
  });
  // URLs
  env.registerType('kubernetes.URL', KubeURL);
  env.registerFunction('isURL(string): bool', (s: string) => parseRequestURI(s) !== undefined);
  env.registerFunction('url(string): kubernetes.URL', (s: string) => {
    const u = parseRequestURI(s);
    if (!u) throw new CelLibraryError(`URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URI for request`);
    return u;
  });
  env.registerFunction('kubernetes.URL.getScheme(): string', (u: KubeURL) => u.scheme);
  env.registerFunction('kubernetes.URL.getHost(): string', (u: KubeURL) => u.host);
  env.registerFunction('kubernetes.URL.getHostname(): string', (u: KubeURL) => u.hostname);
  env.registerFunction('kubernetes.URL.getPort(): string', (u: KubeURL) => u.port);
  env.registerFunction('kubernetes.URL.getEscapedPath(): string', (u: KubeURL) => u.escapedPath);
  env.registerFunction('kubernetes.URL.getQuery(): map<string, list<string>>', (u: KubeURL) => queryMap(u.rawQuery));
  // IPs and CIDRs
  env.registerType('net.IP', KubeIP);
  env.registerType('net.CIDR', KubeCIDR);
  env.registerFunction('isIP(string): bool', (s: string) => parseIP(s) !== undefined);
  env.registerFunction('ip(string): net.IP', requireIP);
  env.registerFunction('net.IP.family(): int', (ip: KubeIP) => BigInt(ip.family));
  env.registerFunction('net.IP.isUnspecified(): bool', (ip: KubeIP) => ip.value === 0n);
  env.registerFunction('net.IP.isLoopback(): bool', (ip: KubeIP) => (ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n));
  env.registerFunction('net.IP.isLinkLocalUnicast(): bool', (ip: KubeIP) => (ip.family === 4 ? ip.value >> 16n === 0xa9fen : ip.value >> 118n === 0x3fan));
  env.registerFunction('net.IP.isLinkLocalMulticast(): bool', (ip: KubeIP) => (ip.family === 4 ? ip.value >> 8n === 0xe00000n : ip.value >> 112n === 0xff02n));
  env.registerFunction('net.IP.isGlobalUnicast(): bool', (ip: KubeIP) => {
    if (ip.family === 4) {
      const first = ip.value >> 24n;
      return ip.value !== 0n && first !== 127n && first < 224n && ip.value >> 16n !== 0xa9fen && ip.value !== 0xffffffffn;
    }
    return ip.value !== 0n && ip.value !== 1n && ip.value >> 120n !== 0xffn && ip.value >> 118n !== 0x3fan;
  });
  env.registerFunction('string(net.IP): string', (ip: KubeIP) => ipText(ip.family, ip.value));
  env.registerFunction('isCIDR(string): bool', (s: string) => parseCIDR(s) !== undefined);
  env.registerFunction('cidr(string): net.CIDR', requireCIDR);
  env.registerFunction('net.CIDR.containsIP(string): bool', (c: KubeCIDR, s: string) => cidrContains(c, requireIP(s)));
  env.registerFunction('net.CIDR.containsIP(net.IP): bool', (c: KubeCIDR, ip: KubeIP) => cidrContains(c, ip));
  env.registerFunction('net.CIDR.containsCIDR(string): bool', (c: KubeCIDR, s: string) => {
    const o = requireCIDR(s);
    return o.prefix >= c.prefix && cidrContains(c, o.ip);
  });
  env.registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', (c: KubeCIDR, o: KubeCIDR) => o.prefix >= c.prefix && cidrContains(c, o.ip));
  env.registerFunction('net.CIDR.ip(): net.IP', (c: KubeCIDR) => c.ip);
  env.registerFunction('net.CIDR.prefixLength(): int', (c: KubeCIDR) => BigInt(c.prefix));
  env.registerFunction('net.CIDR.masked(): net.CIDR', (c: KubeCIDR) => {
    const v = c.ip.value & maskOf(c);
    const text = ipText(c.ip.family, v);
    return new KubeCIDR(new KubeIP(c.ip.family, v, text), c.prefix, `${text}/${c.prefix}`);
  });
  env.registerFunction('string(net.CIDR): string', (c: KubeCIDR) => `${ipText(c.ip.family, c.ip.value)}/${c.prefix}`);
  base = env;
  return env;
}
