/**
 * pods/proxy and services/proxy, the decisions (pure): which address a request goes to, and the URL it is
 * sent to. As upstream's pod ResourceLocation (pkg/registry/core/pod/strategy.go), the service REST's
 * ResourceLocation (pkg/registry/core/service/storage) and apimachinery's UpgradeAwareHandler:
 *
 * - the name in the URL is `name`, `name:port` or `scheme:name:port` (utilnet.SplitSchemeNamePort; scheme
 *   http or https); anything else is 400 `invalid pod request "x"` / `invalid service request "x"`;
 * - a pod: the port given, else the first declared container port, else none (the scheme's default); its
 *   first pod IP must be a global unicast address (not unspecified, loopback, link-local, multicast or the
 *   broadcast address), else 400 `address not allowed` (a pod without an IP too);
 * - a service: a numeric port is the service port of that number (503 `no service port 81 found for service
 *   "x"`), named by its name; the Endpoints of the same name (404 when missing) give a ready address of a
 *   subset that has the port of that name, tried from a random subset and address on; an address counts only
 *   if it is the IP of the pod its targetRef names in the same namespace (upstream's isValidAddress), and,
 *   here also, a global unicast address; none is 503 `no endpoints available for service "x"`.
 */
import { BlockList, isIP } from 'node:net';
import { errors, KubeError } from '../../api/errors.js';
import type { Endpoints, Pod, Relaxed, Service } from '../../api/types/index.js';

/** Where a proxied request goes: scheme, host (an IP), and port ('' = the scheme's default). */
export interface ProxyLocation {
  scheme: 'http' | 'https';
  host: string;
  port: string;
}

export interface ProxyId {
  scheme: '' | 'http' | 'https';
  name: string;
  port: string;
}

/** upstream's utilnet.SplitSchemeNamePort: `name`, `name:port`, `scheme:name:port`; undefined when invalid. */
export function splitSchemeNamePort(id: string): ProxyId | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = [parts[0]!, parts[1]!];
  else if (parts.length === 3) [scheme, name, port] = [parts[0]!, parts[1]!, parts[2]!];
  else return undefined;
  if (name.length === 0 || (scheme !== '' && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme: scheme as ProxyId['scheme'], name, port };
}

/** The id of a pods/proxy or services/proxy request, or upstream's 400. */
export function parseProxyId(kind: 'pod' | 'service', id: string): ProxyId {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw errors.badRequest(`invalid ${kind} request ${JSON.stringify(id)}`);
  return parsed;
}

const NOT_GLOBAL_UNICAST = new BlockList();
NOT_GLOBAL_UNICAST.addSubnet('0.0.0.0', 32, 'ipv4'); // unspecified
NOT_GLOBAL_UNICAST.addSubnet('127.0.0.0', 8, 'ipv4'); // loopback
NOT_GLOBAL_UNICAST.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local unicast
NOT_GLOBAL_UNICAST.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
NOT_GLOBAL_UNICAST.addSubnet('255.255.255.255', 32, 'ipv4'); // limited broadcast
NOT_GLOBAL_UNICAST.addSubnet('::', 128, 'ipv6');
NOT_GLOBAL_UNICAST.addSubnet('::1', 128, 'ipv6');
NOT_GLOBAL_UNICAST.addSubnet('fe80::', 10, 'ipv6');
NOT_GLOBAL_UNICAST.addSubnet('ff00::', 8, 'ipv6');

/**
 * Go's net.IP.IsGlobalUnicast for a textual address (false when it does not parse): not unspecified,
 * loopback, link-local unicast, multicast or 255.255.255.255. Private ranges (10/8, 192.168/16) are global
 * unicast, as in Go. An IPv4-mapped IPv6 address is judged as its IPv4 address.
 */
export function isGlobalUnicast(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const addr = mapped ? mapped[1]! : ip;
  const family = isIP(addr);
  if (family === 0) return false;
  return !NOT_GLOBAL_UNICAST.check(addr, family === 4 ? 'ipv4' : 'ipv6');
}

/** A pod's primary IP (status.podIPs[0], else status.podIP), or ''. */
export function podIP(pod: Relaxed<Pod>): string {
  return pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '';
}

/** Where pods/proxy of `id` goes, for the pod it names. */
export function podProxyLocation(id: ProxyId, pod: Relaxed<Pod>): ProxyLocation {
  let port = id.port;
  if (port === '') {
    for (const c of pod.spec?.containers ?? []) {
      const first = c.ports?.[0];
      if (first) {
        port = String(first.containerPort);
        break;
      }
    }
  }
  const ip = podIP(pod);
  if (!isGlobalUnicast(ip)) throw errors.badRequest('address not allowed');
  return { scheme: id.scheme || 'http', host: ip, port };
}

/**
 * The name of the service port `id.port` means: a number is looked up among the service's ports (503 when
 * none has it); a name (or '') is taken as is. `service` is read only for a number, as upstream.
 */
export function servicePortName(id: ProxyId, service: Relaxed<Service> | undefined): string {
  if (!/^[+-]?\d+$/.test(id.port)) return id.port;
  const n = Number(id.port);
  const found = (service?.spec?.ports ?? []).find((p) => p.port === n);
  if (!found) throw new KubeError('ServiceUnavailable', `no service port ${n} found for service ${JSON.stringify(id.name)}`);
  return found.name ?? '';
}

/**
 * Where services/proxy goes: a ready endpoint address serving the port named `portName`, starting from a
 * random subset and address (`random` in [0, 1)). `podOf` reads a pod of the service's namespace.
 */
export function serviceProxyLocation(
  id: ProxyId,
  portName: string,
  endpoints: Relaxed<Endpoints>,
  namespace: string,
  podOf: (name: string) => Relaxed<Pod> | undefined,
  random: () => number = Math.random,
): ProxyLocation {
  const subsets = endpoints.subsets ?? [];
  const unavailable = () => new KubeError('ServiceUnavailable', `no endpoints available for service ${JSON.stringify(id.name)}`);
  if (subsets.length === 0) throw unavailable();
  const ssSeed = Math.floor(random() * subsets.length);
  for (let i = 0; i < subsets.length; i++) {
    const ss = subsets[(ssSeed + i) % subsets.length]!;
    const addresses = ss.addresses ?? [];
    if (addresses.length === 0) continue;
    for (const p of ss.ports ?? []) {
      if ((p.name ?? '') !== portName) continue;
      const addrSeed = Math.floor(random() * addresses.length);
      for (let t = 0; t < addresses.length; t++) {
        const addr = addresses[(addrSeed + t) % addresses.length]!;
        if (!validEndpointAddress(addr, namespace, podOf)) continue;
        return { scheme: id.scheme || 'http', host: addr.ip, port: String(p.port) };
      }
    }
  }
  throw unavailable();
}

/**
 * upstream's isValidAddress: the address names a pod of the namespace (targetRef) whose IPs include it;
 * kubelab also refuses an address that is not global unicast (an Endpoints written by hand that points
 * at 127.0.0.1 must not make the API server a proxy to its own host).
 */
function validEndpointAddress(
  addr: { ip: string; targetRef?: { kind?: string; namespace?: string; name?: string } },
  namespace: string,
  podOf: (name: string) => Relaxed<Pod> | undefined,
): boolean {
  if (!isGlobalUnicast(addr.ip)) return false;
  const ref = addr.targetRef;
  if (!ref || ref.namespace !== namespace || !ref.name) return false;
  const pod = podOf(ref.name);
  if (!pod) return false;
  const ips = (pod.status?.podIPs ?? []).map((x) => x.ip);
  return ips.includes(addr.ip);
}

/** The request's path after `.../proxy` (raw, still percent-encoded): '' for none, '/' for `.../proxy/`. */
export function proxiedPath(rawPath: string, prefixSegments: number): { prefix: string; rest: string } {
  const segs = rawPath.split('/');
  // segs[0] is '' (the path starts with '/'); the prefix is /<seg1>/.../<segN>.
  const prefix = segs.slice(0, prefixSegments + 1).join('/');
  const rest = rawPath.slice(prefix.length);
  return { prefix, rest };
}

/** The URL the proxied request is sent to: the location, the path after `/proxy`, the query as sent. */
export function targetUrl(loc: ProxyLocation, rest: string, rawQuery: string): { host: string; port: number; path: string } {
  const port = loc.port === '' ? (loc.scheme === 'https' ? 443 : 80) : Number(loc.port);
  const path = rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`;
  return { host: loc.host, port, path: path + (rawQuery ? `?${rawQuery}` : '') };
}

/**
 * Why a port cannot be dialled (a name such as a pod's `name:http`, or a number out of range), in Go's
 * dialer's words, or undefined. kubelab does not look service names up in /etc/services as Go does.
 */
export function invalidPortMessage(loc: ProxyLocation): string | undefined {
  if (loc.port === '') return undefined;
  if (!/^\d+$/.test(loc.port)) return `dial tcp: address tcp/${loc.port}: unknown port`;
  if (Number(loc.port) > 65535) return `dial tcp: address ${loc.port}: invalid port`;
  return undefined;
}

/** The backend's host as dialled (`10.244.1.5:8080`; no port when none was named), as upstream's location URL. */
export function hostPort(loc: ProxyLocation): string {
  const h = loc.host.includes(':') ? `[${loc.host}]` : loc.host;
  return loc.port ? `${h}:${loc.port}` : h;
}

/** A failed dial in Go's words, as upstream's proxy transport wraps it: `error trying to reach service: dial tcp ...`. */
export function dialErrorMessage(e: { code?: string; message?: string }, loc: ProxyLocation): string {
  const port = loc.port || (loc.scheme === 'https' ? '443' : '80');
  const where = `dial tcp ${hostPort({ ...loc, port })}`;
  const why: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused',
    EHOSTUNREACH: 'connect: no route to host',
    ENETUNREACH: 'connect: network is unreachable',
    ETIMEDOUT: 'i/o timeout',
    ECONNRESET: 'read: connection reset by peer',
  };
  const reason = e.code && why[e.code] ? `${where}: ${why[e.code]}` : (e.message ?? String(e));
  return `error trying to reach service: ${reason}`;
}

/** The HTTP methods upstream's pods/proxy and services/proxy take (ProxyREST.ConnectMethods). */
export const PROXY_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** Hop-by-hop headers (RFC 7230 6.1) a proxy never forwards, and the CORS headers upstream strips from answers. */
export const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];
export const CORS_HEADERS = ['access-control-allow-credentials', 'access-control-allow-headers', 'access-control-allow-methods', 'access-control-allow-origin'];
