/**
 * The answer a plugin gives a question, and record constructors (dns-packet's Answer shapes). Pure.
 */
import type { Answer, SoaAnswer } from 'dns-packet';

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

export interface DnsQuestion {
  /** Lower-case FQDN (`web.default.svc.cluster.local.`). */
  name: string;
  /** dns-packet's type name (`A`, `SRV`, `UNKNOWN_65280`). */
  type: string;
}

export interface Reply {
  rcode: Rcode;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** Which plugin wrote it (the `plugin` label of coredns_dns_responses_total). */
  plugin: string;
}

/** A plugin either answers or passes the question on (not its zone, or `fallthrough`). */
export type PluginResult = Reply | { next: true };

export const NEXT: { next: true } = { next: true };

export function isReply(r: PluginResult): r is Reply {
  return !('next' in r);
}

/** dns-packet writes names without the trailing dot. */
export const wire = (name: string) => (name === '.' ? '.' : name.replace(/\.$/, ''));

export function a(name: string, ip: string, ttl: number): Answer {
  return { type: ip.includes(':') ? 'AAAA' : 'A', name: wire(name), ttl, class: 'IN', data: ip };
}
export function cname(name: string, target: string, ttl: number): Answer {
  return { type: 'CNAME', name: wire(name), ttl, class: 'IN', data: wire(target) };
}
export function ptr(name: string, target: string, ttl: number): Answer {
  return { type: 'PTR', name: wire(name), ttl, class: 'IN', data: wire(target) };
}
export function ns(name: string, target: string, ttl: number): Answer {
  return { type: 'NS', name: wire(name), ttl, class: 'IN', data: wire(target) };
}
export function srv(name: string, weight: number, port: number, target: string, ttl: number): Answer {
  return { type: 'SRV', name: wire(name), ttl, class: 'IN', data: { priority: 0, weight, port, target: wire(target) } };
}
export function txt(name: string, text: string, ttl: number): Answer {
  return { type: 'TXT', name: wire(name), ttl, class: 'IN', data: [text] };
}

/** The SOA CoreDNS's backends write (plugin/backend_lookup.go SOA): ns.dns.<zone>, hostmaster.<zone>, 7200/1800/86400. */
export function soa(zone: string, minTtl: number, serial: number): SoaAnswer {
  return {
    type: 'SOA',
    name: wire(zone),
    ttl: Math.min(minTtl, 300),
    class: 'IN',
    data: { mname: wire(`ns.dns.${zone === '.' ? '' : zone}`), rname: wire(`hostmaster.${zone === '.' ? '' : zone}`), serial: serial >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: minTtl },
  };
}

export function reply(plugin: string, rcode: Rcode, answers: Answer[] = [], extra: Partial<Pick<Reply, 'authorities' | 'additionals' | 'authoritative'>> = {}): Reply {
  return { rcode, answers, authorities: extra.authorities ?? [], additionals: extra.additionals ?? [], authoritative: extra.authoritative ?? true, plugin };
}
