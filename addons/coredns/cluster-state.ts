/**
 * What the kubernetes plugin reads: Services, their EndpointSlices, Pods (for `pods verified`) and Namespaces,
 * reduced to the fields DNS needs and indexed by name and by IP (CoreDNS's dnsController indexes: svcIndex,
 * svcIndexReverse, epIndex, epIndexReverse, podIndex). Fed by informer events (the thin adapter in main.ts) or built
 * at once from objects (tests); readers never see API objects.
 */
import type { Namespace, Pod, Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/groups.js';
import type { Relaxed } from '../../api/types/views.js';

export interface DnsPort {
  name: string;
  port: number;
  protocol: string;
}

export interface DnsService {
  namespace: string;
  name: string;
  /** ClusterIP, NodePort, LoadBalancer, ExternalName. */
  type: string;
  /** Empty for a headless Service. */
  clusterIPs: string[];
  headless: boolean;
  externalName?: string;
  ports: DnsPort[];
  publishNotReady: boolean;
}

export interface DnsEndpointAddress {
  ip: string;
  hostname?: string;
  /** targetRef.name when it is a Pod (endpoint_pod_names). */
  targetName?: string;
  ready: boolean;
}

/** One EndpointSlice of a Service (a subset: addresses x ports). */
export interface DnsSubset {
  addresses: DnsEndpointAddress[];
  ports: DnsPort[];
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const key = (ns: string, name: string) => `${ns}/${name}`.toLowerCase();

export function toDnsService(s: Relaxed<Service>): DnsService | undefined {
  const ns = s.metadata?.namespace;
  const name = s.metadata?.name;
  if (!ns || !name) return undefined;
  const spec = s.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  const ips = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip && ip !== 'None');
  return {
    namespace: ns,
    name,
    type,
    clusterIPs: type === 'ExternalName' ? [] : ips,
    headless: type !== 'ExternalName' && (spec.clusterIP === 'None' || ips.length === 0),
    externalName: type === 'ExternalName' ? spec.externalName : undefined,
    ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    publishNotReady: spec.publishNotReadyAddresses === true,
  };
}

/** The Service an EndpointSlice belongs to, and its subset (FQDN slices carry no addresses DNS can serve). */
export function toDnsSubset(s: Relaxed<EndpointSlice>): { service: string; slice: string; subset: DnsSubset } | undefined {
  const ns = s.metadata?.namespace;
  const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
  const name = s.metadata?.name;
  if (!ns || !svc || !name || s.addressType === 'FQDN') return undefined;
  const addresses: DnsEndpointAddress[] = [];
  for (const e of s.endpoints ?? []) {
    // EndpointConditions.ready: nil means ready (as CoreDNS's EndpointSliceToEndpoints reads it).
    const ready = e.conditions?.ready !== false;
    for (const ip of e.addresses ?? []) {
      addresses.push({
        ip,
        hostname: e.hostname || undefined,
        targetName: e.targetRef?.kind === 'Pod' ? e.targetRef.name : undefined,
        ready,
      });
    }
  }
  const ports = (s.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port ?? -1, protocol: p.protocol ?? 'TCP' }));
  return { service: key(ns, svc), slice: key(ns, name), subset: { addresses, ports } };
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}
function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

/**
 * The indexed state. A Service or EndpointSlice change bumps `modified` (the SOA serial: seconds of the last change,
 * as CoreDNS); every change of any kind bumps `generation` (what a reused wire answer was made from, responder.ts).
 */
export class ClusterState {
  private readonly services = new Map<string, DnsService>();
  private readonly servicesByIP = new Map<string, Set<string>>();
  /** service key -> slice key -> subset */
  private readonly slices = new Map<string, Map<string, DnsSubset>>();
  private readonly sliceOwner = new Map<string, string>();
  private readonly endpointsByIP = new Map<string, Set<string>>();
  /** pod IP -> namespaces of the pods with that IP */
  private readonly podsByIP = new Map<string, Map<string, number>>();
  private readonly podIPs = new Map<string, string[]>();
  private readonly namespaces = new Set<string>();
  modified = Math.floor(Date.now() / 1000);
  /** Bumped by every write: answers made at another generation may differ. */
  generation = 0;

  private touch(): void {
    this.modified = Math.floor(Date.now() / 1000);
    this.generation++;
  }

  static from(o: { services?: Relaxed<Service>[]; slices?: Relaxed<EndpointSlice>[]; pods?: Relaxed<Pod>[]; namespaces?: (Relaxed<Namespace> | string)[] }): ClusterState {
    const st = new ClusterState();
    for (const n of o.namespaces ?? []) st.upsertNamespace(typeof n === 'string' ? n : n.metadata?.name ?? '');
    for (const s of o.services ?? []) st.upsertService(s);
    for (const s of o.slices ?? []) st.upsertSlice(s);
    for (const p of o.pods ?? []) st.upsertPod(p);
    return st;
  }

  // ------------------------------------------------------------ writers (informer events)

  upsertService(s: Relaxed<Service>): void {
    const d = toDnsService(s);
    if (!d) return;
    this.deleteService(d.namespace, d.name);
    const k = key(d.namespace, d.name);
    this.services.set(k, d);
    for (const ip of d.clusterIPs) addTo(this.servicesByIP, ip, k);
    this.touch();
  }

  deleteService(namespace: string, name: string): void {
    const k = key(namespace, name);
    const old = this.services.get(k);
    if (!old) return;
    for (const ip of old.clusterIPs) removeFrom(this.servicesByIP, ip, k);
    this.services.delete(k);
    this.touch();
  }

  upsertSlice(s: Relaxed<EndpointSlice>): void {
    const ns = s.metadata?.namespace;
    const name = s.metadata?.name;
    if (ns && name) this.deleteSlice(ns, name);
    const d = toDnsSubset(s);
    if (!d) return;
    let m = this.slices.get(d.service);
    if (!m) this.slices.set(d.service, (m = new Map()));
    m.set(d.slice, d.subset);
    this.sliceOwner.set(d.slice, d.service);
    for (const a of d.subset.addresses) addTo(this.endpointsByIP, a.ip, d.service);
    this.touch();
  }

  deleteSlice(namespace: string, name: string): void {
    const sk = key(namespace, name);
    const svc = this.sliceOwner.get(sk);
    if (!svc) return;
    const m = this.slices.get(svc)!;
    const old = m.get(sk)!;
    m.delete(sk);
    if (m.size === 0) this.slices.delete(svc);
    this.sliceOwner.delete(sk);
    for (const a of old.addresses) {
      if (!this.subsetsOf(svc).some((x) => x.addresses.some((y) => y.ip === a.ip))) removeFrom(this.endpointsByIP, a.ip, svc);
    }
    this.touch();
  }

  upsertPod(p: Relaxed<Pod>): void {
    const ns = p.metadata?.namespace;
    const name = p.metadata?.name;
    if (!ns || !name) return;
    this.generation++;
    this.deletePod(ns, name);
    const ips = (p.status?.podIPs?.map((x) => x.ip) ?? (p.status?.podIP ? [p.status.podIP] : [])).filter(Boolean);
    // Host-network pods share the node's IP: CoreDNS's pod index skips them.
    if (p.spec?.hostNetwork) return;
    const k = key(ns, name);
    this.podIPs.set(k, ips);
    for (const ip of ips) {
      let m = this.podsByIP.get(ip);
      if (!m) this.podsByIP.set(ip, (m = new Map()));
      m.set(ns.toLowerCase(), (m.get(ns.toLowerCase()) ?? 0) + 1);
    }
  }

  deletePod(namespace: string, name: string): void {
    const k = key(namespace, name);
    const ips = this.podIPs.get(k);
    if (!ips) return;
    this.generation++;
    this.podIPs.delete(k);
    const ns = namespace.toLowerCase();
    for (const ip of ips) {
      const m = this.podsByIP.get(ip);
      if (!m) continue;
      const n = (m.get(ns) ?? 1) - 1;
      if (n <= 0) m.delete(ns);
      else m.set(ns, n);
      if (m.size === 0) this.podsByIP.delete(ip);
    }
  }

  upsertNamespace(name: string): void {
    if (!name || this.namespaces.has(name.toLowerCase())) return;
    this.namespaces.add(name.toLowerCase());
    this.generation++;
  }
  deleteNamespace(name: string): void {
    if (this.namespaces.delete(name.toLowerCase())) this.generation++;
  }

  // ------------------------------------------------------------ readers (the resolver)

  hasNamespace(ns: string): boolean {
    return this.namespaces.has(ns.toLowerCase());
  }
  service(namespace: string, name: string): DnsService | undefined {
    return this.services.get(key(namespace, name));
  }
  subsetsOf(serviceKey: string): DnsSubset[] {
    return [...(this.slices.get(serviceKey)?.values() ?? [])];
  }
  endpointsOf(s: DnsService): DnsSubset[] {
    return this.subsetsOf(key(s.namespace, s.name));
  }
  servicesWithIP(ip: string): DnsService[] {
    return [...(this.servicesByIP.get(ip) ?? [])].map((k) => this.services.get(k)!).filter(Boolean);
  }
  /** Services with an endpoint at `ip`. */
  endpointServicesWithIP(ip: string): DnsService[] {
    return [...(this.endpointsByIP.get(ip) ?? [])].map((k) => this.services.get(k)).filter((s): s is DnsService => !!s);
  }
  podNamespacesWithIP(ip: string): string[] {
    return [...(this.podsByIP.get(ip)?.keys() ?? [])];
  }
  /** Service by ClusterIP, for the kube-dns Service's own address (NS glue). */
  serviceCount(): number {
    return this.services.size;
  }
}
