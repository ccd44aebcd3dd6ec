/**
 * The proxy's view of the API objects it reads, and the pure step from (Services, EndpointSlices)
 * to "service ports with their endpoints", as upstream's ServicePortMap / EndpointsMap.
 *
 * The shapes here are views of the shared API types (api/types), so a stored `Service` or
 * `EndpointSlice` is one as it is.
 */
import { createHash } from 'node:crypto';
import type { Endpoint, EndpointSlice, EndpointSlicePort, ObjectMeta, Relaxed, Service, ServicePort } from '../../api/types/index.js';

/** A Service port as the proxy reads it. */
export type ProxyServicePort = Relaxed<ServicePort>;

/** A Service as the proxy reads it (a stored one: metadata is there). */
export type ProxyService = Omit<Relaxed<Service>, 'metadata'> & { metadata: Relaxed<ObjectMeta> };

/** One endpoint of a slice, as the proxy reads it. */
export type ProxyEndpoint = Pick<Relaxed<Endpoint>, 'addresses' | 'conditions' | 'nodeName'>;

/** An EndpointSlice as the proxy reads it (JSON null for an empty list, as upstream may send). */
export type ProxyEndpointSlice = Omit<Relaxed<EndpointSlice>, 'metadata' | 'endpoints' | 'ports'> & {
  metadata: Relaxed<ObjectMeta>;
  endpoints?: ProxyEndpoint[] | null;
  ports?: Relaxed<EndpointSlicePort>[] | null;
};

/** Label on an EndpointSlice naming its Service (discovery.k8s.io/v1 `LabelServiceName`). */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** Annotation carrying the time of the change that produced an Endpoints/EndpointSlice object. */
export const ANNOTATION_LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** Upstream's default ClientIP affinity timeout (3 hours). */
export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** One endpoint of one service port (upstream's BaseEndpointInfo). */
export interface EndpointInfo {
  ip: string;
  port: number;
  /** "ip:port", the key upstream hashes into KUBE-SEP names. */
  endpoint: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
}

/** One port of one Service (upstream's ServicePortInfo), with everything the rules need. */
export interface ServicePortInfo {
  /** "namespace/name" */
  serviceKey: string;
  /** "namespace/name:portName" (or "namespace/name" for an unnamed port), as upstream's ServicePortName.String(). */
  name: string;
  portName: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  nodePort: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  sessionAffinityClientIP: boolean;
  stickySeconds: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
}

export function serviceKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace || 'default'}/${name ?? ''}`;
}

export function servicePortName(svcKey: string, portName: string | undefined): string {
  return portName ? `${svcKey}:${portName}` : svcKey;
}

function isIPv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return !!m && m.slice(1).every((p) => Number(p) <= 255);
}

function normProtocol(p: string | undefined): Protocol | undefined {
  const v = (p ?? 'TCP').toLowerCase();
  return v === 'tcp' || v === 'udp' || v === 'sctp' ? v : undefined;
}

/**
 * Service ports the proxy programs: every port of every Service with an IPv4 cluster IP
 * (headless `None`, empty and ExternalName Services are skipped, as upstream).
 */
export function servicePortsOf(services: readonly ProxyService[]): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (const svc of services) {
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') continue;
    const clusterIP = spec.clusterIP ?? '';
    if (!clusterIP || clusterIP === 'None' || !isIPv4(clusterIP)) continue;
    const key = serviceKey(svc.metadata.namespace, svc.metadata.name);
    const affinity = spec.sessionAffinity === 'ClientIP';
    const sticky = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_TIMEOUT_SECONDS;
    const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
    const lbIPs =
      spec.type === 'LoadBalancer'
        ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(isIPv4)
        : [];
    const nodePortType = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    for (const p of spec.ports ?? []) {
      const protocol = normProtocol(p.protocol);
      if (!protocol || !p.port) continue;
      out.push({
        serviceKey: key,
        name: servicePortName(key, p.name),
        portName: p.name ?? '',
        protocol,
        clusterIP,
        port: p.port,
        nodePort: nodePortType ? (p.nodePort ?? 0) : 0,
        externalIPs,
        loadBalancerIPs: lbIPs,
        sessionAffinityClientIP: affinity,
        stickySeconds: sticky,
        externalPolicyLocal: spec.externalTrafficPolicy === 'Local',
        internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      });
    }
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
  return out;
}

/** Key of the endpoints map: service port name + protocol (a port name may exist for TCP and UDP). */
export function endpointsKey(spn: string, protocol: Protocol): string {
  return `${spn}/${protocol}`;
}

/**
 * Endpoints per service port, from EndpointSlices (upstream's EndpointSliceCache): IPv4 slices only,
 * matched to their Service by the `kubernetes.io/service-name` label and to the service port by the
 * slice port's name and protocol; the slice port number is the resolved targetPort. Duplicates across
 * slices collapse (first wins); endpoints are sorted by "ip:port" as upstream.
 */
export function endpointsOf(slices: readonly ProxyEndpointSlice[]): Map<string, EndpointInfo[]> {
  const byKey = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    if (slice.addressType && slice.addressType !== 'IPv4') continue;
    const svcName = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!svcName) continue;
    const key = serviceKey(slice.metadata.namespace, svcName);
    for (const port of slice.ports ?? []) {
      const protocol = normProtocol(port.protocol);
      if (!protocol || !port.port) continue;
      const k = endpointsKey(servicePortName(key, port.name), protocol);
      let m = byKey.get(k);
      if (!m) byKey.set(k, (m = new Map()));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses?.[0];
        if (!ip || !isIPv4(ip)) continue;
        const endpoint = `${ip}:${port.port}`;
        if (m.has(endpoint)) continue;
        const c = ep.conditions ?? {};
        // Upstream: a nil `ready` means ready; nil `serving` means "same as ready".
        const ready = c.ready ?? true;
        m.set(endpoint, {
          ip,
          port: port.port,
          endpoint,
          ready,
          serving: c.serving ?? ready,
          terminating: c.terminating ?? false,
          nodeName: ep.nodeName,
        });
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [k, m] of byKey) {
    out.set(
      k,
      [...m.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0)),
    );
  }
  return out;
}

/**
 * The endpoints traffic goes to (upstream's CategorizeEndpoints for the Cluster policy): the ready
 * ones; when none is ready and `terminatingFallback` is on, the serving-and-terminating ones
 * (KEP-1669, "ProxyTerminatingEndpoints").
 */
export function usableEndpoints(all: readonly EndpointInfo[], terminatingFallback = true): EndpointInfo[] {
  const ready = all.filter((e) => e.ready);
  if (ready.length > 0 || !terminatingFallback) return ready;
  return all.filter((e) => e.serving && e.terminating);
}

// ---- chain names (upstream's hashing scheme) ----

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (standard alphabet) of a buffer, first `n` characters. */
function base32Prefix(buf: Uint8Array, n: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
      if (out.length >= n) return out;
    }
  }
  return out;
}

/** Memo of hashes: chain names are recomputed on every sync for the same few thousand keys. */
const hashMemo = new Map<string, string>();
const HASH_MEMO_MAX = 500_000;

export function hash16(s: string): string {
  let h = hashMemo.get(s);
  if (h === undefined) {
    h = base32Prefix(createHash('sha256').update(s).digest(), 16);
    if (hashMemo.size >= HASH_MEMO_MAX) hashMemo.clear();
    hashMemo.set(s, h);
  }
  return h;
}

/** The 16-character hash of "servicePortName + protocol" (upstream's portProtoHash). */
export function portProtoHash(spn: string, protocol: Protocol): string {
  return hash16(spn + protocol);
}

export function svcChainName(spn: string, protocol: Protocol): string {
  return 'KUBE-SVC-' + portProtoHash(spn, protocol);
}
export function extChainName(spn: string, protocol: Protocol): string {
  return 'KUBE-EXT-' + portProtoHash(spn, protocol);
}
export function fwChainName(spn: string, protocol: Protocol): string {
  return 'KUBE-FW-' + portProtoHash(spn, protocol);
}
export function svlChainName(spn: string, protocol: Protocol): string {
  return 'KUBE-SVL-' + portProtoHash(spn, protocol);
}
/** KUBE-SEP-<hash of servicePortName + protocol + "ip:port">. */
export function sepChainName(spn: string, protocol: Protocol, endpoint: string): string {
  return 'KUBE-SEP-' + hash16(spn + protocol + endpoint);
}

const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-SEP-', 'KUBE-FW-', 'KUBE-EXT-'];

/** A per-service chain kube-proxy owns (and may delete when stale). */
export function isServiceChainName(chain: string): boolean {
  return SERVICE_CHAIN_PREFIXES.some((p) => chain.startsWith(p));
}

/** Upstream's computeProbability: fmt.Sprintf("%0.10f", 1/n). */
export function computeProbability(n: number): string {
  return (1 / n).toFixed(10);
}
