/**
 * The kubernetes plugin as a pure function: (cluster state, plugin config, question) -> records or rcode, following
 * the Kubernetes DNS-Based Service Discovery specification (kubernetes/dns docs/specification.md) the way CoreDNS's
 * plugin/kubernetes answers it (parse.go, kubernetes.go findServices/findPods, reverse.go, handler.go,
 * plugin/backend_lookup.go):
 *
 *   <svc>.<ns>.svc.<zone>                 A/AAAA: ClusterIPs; headless: ready endpoint IPs (none: NXDOMAIN)
 *   <hostname>.<svc>.<ns>.svc.<zone>      A/AAAA: that endpoint (hostname, else the IP with dashes)
 *   _<port>._<proto>.<svc>.<ns>.svc.<zone> SRV 0 <100/n> <port> <target>, targets' A records in Additional
 *   <svc>.<ns>.svc.<zone> (ExternalName)  CNAME <externalName> (the target is chased by the server)
 *   <a-b-c-d>.<ns>.pod.<zone>             A, with `pods insecure` (any IP) or `pods verified` (a pod has it)
 *   <d.c.b.a>.in-addr.arpa                PTR: the Service with that ClusterIP, else each endpoint with that IP
 *   dns-version.<zone>                    TXT "1.1.0" (CoreDNS's schema version), TTL 28800
 *   <zone>                                SOA / NS ns.dns.<zone>
 *
 * NXDOMAIN when the name cannot exist (unknown namespace, service, endpoint; a label that is not svc/pod; too many
 * labels; pods disabled), NODATA (NOERROR, no answer) when the name exists without records of that type (the zone,
 * `svc.<zone>`, `<ns>.svc.<zone>`, AAAA of an IPv4 Service). Both carry the zone's SOA in Authority. With
 * `fallthrough [ZONES]`, an NXDOMAIN in those zones goes to the next plugin instead.
 */
import type { Answer } from 'dns-packet';
import { isIP } from 'node:net';
import type { ClusterState, DnsEndpointAddress, DnsService } from './cluster-state.js';
import type { Fallthrough, KubernetesConfig } from './config.js';
import { addressFromReverse, compressIPv6, inZone, isReverse, labelsBelow, matchZone } from './names.js';
import { NEXT, a, cname, ns as nsRecord, ptr, reply, soa, srv, txt, type DnsQuestion, type PluginResult } from './records.js';

export const DNS_SCHEMA_VERSION = '1.1.0';
const PLUGIN = 'kubernetes';

/** One thing a name stands for (CoreDNS's msg.Service): an IP or a name, a port, and the name it is known by. */
interface Item {
  host: string;
  port: number;
  /** The record's own name (`web.ns.svc.zone.`, `pet-0.web.ns.svc.zone.`): SRV target. */
  owner: string;
}

interface Found {
  items: Item[];
  /** errNoItems / errNsNotExposed / errInvalidRequest: the name does not exist. */
  nameError: boolean;
}

export interface KubernetesContext {
  state: ClusterState;
  config: KubernetesConfig;
  /** The addresses NS records point to (`ns.dns.<zone>`): the kube-dns Service's, else the server's own. */
  nsAddresses: string[];
}

export function fallsThrough(f: Fallthrough, name: string): boolean {
  if (f === undefined) return false;
  return f.length === 0 || f.some((z) => inZone(name, z));
}

const primaryZone = (c: KubernetesConfig) => c.zones.find((z) => !isReverse(z)) ?? c.zones[0]!;

function namespaceExposed(k: KubernetesContext, ns: string): boolean {
  if (k.config.namespaces.length && !k.config.namespaces.includes(ns)) return false;
  return k.state.hasNamespace(ns);
}

function endpointHostname(addr: DnsEndpointAddress, endpointPodNames: boolean): string {
  if (addr.hostname) return addr.hostname;
  if (endpointPodNames && addr.targetName) return addr.targetName;
  return addr.ip.replace(/[.:]/g, '-');
}

const eq = (x: string, y: string) => x.toLowerCase() === y.toLowerCase();

function readyAddresses(svc: DnsService, k: KubernetesContext): { addr: DnsEndpointAddress; ports: { name: string; port: number; protocol: string }[] }[] {
  const out: { addr: DnsEndpointAddress; ports: { name: string; port: number; protocol: string }[] }[] = [];
  for (const sub of k.state.endpointsOf(svc)) {
    // A slice without ports still serves its addresses (CoreDNS adds a sentinel port -1, which SRV skips).
    const ports = sub.ports.length ? sub.ports : [{ name: '', port: -1, protocol: '' }];
    for (const addr of sub.addresses) if (addr.ready || svc.publishNotReady) out.push({ addr, ports });
  }
  return out;
}

/** parseRequest + Records: what `name` in `zone` stands for. */
function records(k: KubernetesContext, name: string, zone: string): Found {
  const segs = labelsBelow(name, zone);
  const none = (nameError: boolean): Found => ({ items: [], nameError });
  if (segs.length === 0 || (segs.length === 1 && (segs[0] === 'svc' || segs[0] === 'pod'))) return none(false);
  const kind = segs[segs.length - 1];
  if (kind !== 'svc' && kind !== 'pod') return none(true);
  if (segs.length > 5) return none(true);
  const namespace = segs[segs.length - 2]!;
  if (isReverse(name)) return none(true);
  if (!namespaceExposed(k, namespace)) return none(true);
  const service = segs.length >= 3 ? segs[segs.length - 3]! : '';
  let endpoint = '';
  let port = '';
  let protocol = '';
  if (segs.length === 4) endpoint = segs[0]!;
  if (segs.length === 5) {
    port = segs[0]!.replace(/^_/, '');
    protocol = segs[1]!.replace(/^_/, '');
  }
  if (service === '') return none(false);
  const zoneSuffix = zone === '.' ? '' : zone;

  if (kind === 'pod') {
    if (k.config.pods === 'disabled') return none(true);
    const ip = (service.split('-').length === 4 && !service.includes('--') ? service.replace(/-/g, '.') : service.replace(/-/g, ':'));
    const owner = `${service}.${namespace}.pod.${zoneSuffix}`;
    if (!isIP(ip)) return none(true);
    const host = ip.includes(':') ? compressIPv6(ip) : ip;
    if (k.config.pods === 'insecure') return { items: [{ host, port: 0, owner }], nameError: false };
    const found = k.state.podNamespacesWithIP(host).includes(namespace);
    return found ? { items: [{ host, port: 0, owner }], nameError: false } : none(true);
  }

  const svc = k.state.service(namespace, service);
  if (!svc) return none(true);
  const svcOwner = `${svc.name}.${svc.namespace}.svc.${zoneSuffix}`.toLowerCase();
  const portMatches = (p: { name: string; protocol: string }) => (port === '' || eq(port, p.name)) && (protocol === '' || eq(protocol, p.protocol));

  if (k.config.ignoreEmptyService && svc.type !== 'ExternalName' && !svc.headless && readyAddresses(svc, k).length === 0) return none(true);

  if (svc.type === 'ExternalName') {
    if (endpoint !== '' || !svc.externalName || isIP(svc.externalName)) return none(true);
    return { items: [{ host: svc.externalName.replace(/\.?$/, '.').toLowerCase(), port: 0, owner: svcOwner }], nameError: false };
  }

  if (svc.headless || endpoint !== '') {
    const items: Item[] = [];
    for (const { addr, ports } of readyAddresses(svc, k)) {
      const host = endpointHostname(addr, k.config.endpointPodNames);
      if (endpoint !== '' && !eq(endpoint, host)) continue;
      for (const p of ports) {
        if (!portMatches(p)) continue;
        items.push({ host: addr.ip, port: p.port, owner: `${host}.${svcOwner}`.toLowerCase() });
      }
    }
    return { items, nameError: items.length === 0 };
  }

  const items: Item[] = [];
  let matched = false;
  for (const p of svc.ports) {
    if (!portMatches(p)) continue;
    matched = true;
    for (const ip of svc.clusterIPs) items.push({ host: ip, port: p.port, owner: svcOwner });
  }
  return { items, nameError: !matched };
}

/** k.Services: the TXT and NS special cases, ns.dns.<zone>, then records(). */
function services(k: KubernetesContext, q: DnsQuestion, zone: string): Found {
  const zoneSuffix = zone === '.' ? '' : zone;
  if (q.type === 'TXT') {
    const segs = labelsBelow(q.name, zone);
    if (segs.length === 1 && segs[0] === 'dns-version') return { items: [{ host: `txt:${DNS_SCHEMA_VERSION}`, port: 0, owner: q.name }], nameError: false };
    return { items: [], nameError: false };
  }
  if (q.name === `ns.dns.${zoneSuffix}`) {
    const want = q.type === 'AAAA' ? 6 : 4;
    return { items: k.nsAddresses.filter((ip) => isIP(ip) === want).map((ip) => ({ host: ip, port: 0, owner: q.name })), nameError: false };
  }
  const f = records(k, q.name, zone);
  // SRV for ExternalName Services is not served.
  if (q.type === 'SRV') return { items: f.items.filter((i) => isIP(i.host) !== 0), nameError: f.nameError };
  return f;
}

/** plugin.A / plugin.AAAA: addresses, CNAMEs of ExternalName Services (in-zone targets followed here). */
function addresses(k: KubernetesContext, q: DnsQuestion, zone: string, depth: number): { records: Answer[]; nameError: boolean; chase?: string } {
  const f = services(k, q, zone);
  const out: Answer[] = [];
  const seen = new Set<string>();
  let chase: string | undefined;
  const want = q.type === 'AAAA' ? 6 : 4;
  for (const it of f.items) {
    const fam = isIP(it.host);
    if (fam === 0) {
      if (it.host === q.name || depth > 7) continue;
      const c = cname(q.name, it.host, k.config.ttl);
      const z = matchZone(k.config.zones, it.host);
      if (z) {
        const next = addresses(k, { name: it.host, type: q.type }, z, depth + 1);
        if (next.records.length) out.push(c, ...next.records);
        chase ??= next.chase;
        continue;
      }
      out.push(c);
      chase ??= it.host;
      continue;
    }
    if (fam !== want || seen.has(it.host)) continue;
    seen.add(it.host);
    out.push(a(q.name, it.host, k.config.ttl));
  }
  return { records: out, nameError: f.nameError, chase };
}

/** PTR: reverse names through the Service and endpoint IP indexes (reverse.go serviceRecordForIP). */
function reverse(k: KubernetesContext, q: DnsQuestion, zone: string): Found {
  const ip = addressFromReverse(q.name);
  if (!ip) {
    const f = records(k, q.name, zone);
    return { items: f.items.filter((i) => isIP(i.host) === 0), nameError: f.nameError };
  }
  const primary = primaryZone(k.config);
  const z = primary === '.' ? '' : primary;
  const exposed = (s: DnsService) => !k.config.namespaces.length || k.config.namespaces.includes(s.namespace.toLowerCase());
  const svc = k.state.servicesWithIP(ip).find(exposed);
  if (svc) return { items: [{ host: `${svc.name}.${svc.namespace}.svc.${z}`.toLowerCase(), port: 0, owner: q.name }], nameError: false };
  const items: Item[] = [];
  for (const s of k.state.endpointServicesWithIP(ip)) {
    if (!exposed(s)) continue;
    for (const sub of k.state.endpointsOf(s)) {
      for (const addr of sub.addresses) {
        if (addr.ip !== ip || !(addr.ready || s.publishNotReady)) continue;
        const host = `${endpointHostname(addr, k.config.endpointPodNames)}.${s.name}.${s.namespace}.svc.${z}`.toLowerCase();
        if (!items.some((i) => i.host === host)) items.push({ host, port: 0, owner: q.name });
      }
    }
  }
  return { items, nameError: items.length === 0 };
}

export interface KubernetesAnswer {
  result: PluginResult;
  /** A CNAME target outside the plugin's zones that the server should resolve and append (ExternalName). */
  chase?: string;
}

/** Answer one question (handler.go ServeDNS). */
export function resolveKubernetes(k: KubernetesContext, q: DnsQuestion): KubernetesAnswer {
  const zone = matchZone(k.config.zones, q.name);
  if (!zone) return { result: NEXT };
  const ttl = k.config.ttl;
  let answers: Answer[] = [];
  let additionals: Answer[] = [];
  let nameError = false;
  let chase: string | undefined;

  switch (q.type) {
    case 'A':
    case 'AAAA': {
      const r = addresses(k, q, zone, 0);
      answers = r.records;
      nameError = r.nameError;
      chase = r.chase;
      break;
    }
    case 'TXT': {
      const f = services(k, q, zone);
      nameError = f.nameError;
      answers = f.items.filter((i) => i.host.startsWith('txt:')).map((i) => txt(q.name, i.host.slice(4), 28800));
      break;
    }
    case 'CNAME': {
      const f = services(k, q, zone);
      nameError = f.nameError;
      const first = f.items[0];
      if (first && isIP(first.host) === 0) answers = [cname(q.name, first.host, ttl)];
      break;
    }
    case 'PTR': {
      const f = reverse(k, q, zone);
      nameError = f.nameError;
      answers = f.items.map((i) => ptr(q.name, i.host, ttl));
      break;
    }
    case 'SRV': {
      const f = services(k, q, zone);
      nameError = f.nameError;
      const items = f.items.filter((i) => i.port !== -1);
      const weight = Math.max(1, Math.floor(100 / Math.max(1, f.items.length)));
      const dup = new Set<string>();
      for (const it of items) {
        if (!dup.has(`${it.owner}|${it.port}`)) {
          dup.add(`${it.owner}|${it.port}`);
          answers.push(srv(q.name, weight, it.port, it.owner, ttl));
        }
        if (!dup.has(`${it.owner}|${it.host}`)) {
          dup.add(`${it.owner}|${it.host}`);
          additionals.push(a(it.owner, it.host, ttl));
        }
      }
      break;
    }
    case 'SOA':
      if (q.name === zone) {
        answers = [soa(zone, ttl, k.state.modified)];
        break;
      }
      nameError = addresses(k, { name: q.name, type: 'A' }, zone, 0).nameError;
      break;
    case 'NS':
      if (q.name === zone) {
        const nsName = `ns.dns.${zone === '.' ? '' : zone}`;
        if (k.nsAddresses.length) answers = [nsRecord(q.name, nsName, ttl)];
        additionals = k.nsAddresses.map((ip) => a(nsName, ip, ttl));
        break;
      }
      nameError = addresses(k, { name: q.name, type: 'A' }, zone, 0).nameError;
      break;
    default:
      // A fake A lookup tells NXDOMAIN from NODATA.
      nameError = addresses(k, { name: q.name, type: 'A' }, zone, 0).nameError;
  }

  if (nameError && answers.length === 0) {
    if (fallsThrough(k.config.fallthrough, q.name)) return { result: NEXT };
    return { result: reply(PLUGIN, 'NXDOMAIN', [], { authorities: [soa(zone, ttl, k.state.modified)] }) };
  }
  if (answers.length === 0) return { result: reply(PLUGIN, 'NOERROR', [], { authorities: [soa(zone, ttl, k.state.modified)] }) };
  return { result: reply(PLUGIN, 'NOERROR', answers, { additionals }), chase };
}
