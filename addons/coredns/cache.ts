/**
 * The cache plugin (CoreDNS plugin/cache): positive answers are kept for their smallest TTL and negative ones
 * (NXDOMAIN, NODATA) for their SOA's, each between the minimum TTL (5 s) and the cap (`cache [TTL]`, default 3600 s
 * success, 1800 s denial); a hit answers with every TTL set to the seconds the entry has left (CoreDNS's item.toMsg). SERVFAIL and
 * truncated answers are not kept. Capacity-bounded (oldest entry first out).
 */
import type { Answer } from 'dns-packet';
import type { CacheConfig } from './config.js';
import { matchZone } from './names.js';
import type { DnsQuestion, Reply } from './records.js';

interface Entry {
  reply: Reply;
  storedAt: number;
  ttl: number;
  kind: 'success' | 'denial';
}

export class DnsCache {
  private readonly success = new Map<string, Entry>();
  private readonly denial = new Map<string, Entry>();

  constructor(
    readonly config: CacheConfig,
    private readonly now: () => number = () => Date.now(),
  ) {}

  private static key(q: DnsQuestion, dnssec: boolean): string {
    return `${q.name}|${q.type}|${dnssec ? 1 : 0}`;
  }

  covers(q: DnsQuestion): boolean {
    return matchZone(this.config.zones, q.name) !== undefined;
  }

  get size(): { success: number; denial: number } {
    return { success: this.success.size, denial: this.denial.size };
  }

  /**
   * A cached reply with decreased TTLs, or undefined (and the expired entry is dropped). For answers kept as bytes
   * (responder.ts): `expires` is when the entry expires, `holds()` whether it is still the one kept (not evicted or
   * replaced), and `left(now)` the seconds left at `now`: every record's TTL, as here.
   */
  get(q: DnsQuestion, dnssec = false): { reply: Reply; kind: 'success' | 'denial'; expires: number; holds: () => boolean; left: (now: number) => number } | undefined {
    const k = DnsCache.key(q, dnssec);
    const e = this.success.get(k) ?? this.denial.get(k);
    if (!e) return undefined;
    const age = Math.floor((this.now() - e.storedAt) / 1000);
    if (age >= e.ttl) {
      this.success.delete(k);
      this.denial.delete(k);
      return undefined;
    }
    const left = e.ttl - age;
    // As CoreDNS's item.toMsg: every record (but OPT) carries the seconds the entry has left.
    const dec = (rs: Answer[]) => rs.map((r) => (r.type === 'OPT' ? r : { ...r, ttl: left }) as Answer);
    const m = e.kind === 'success' ? this.success : this.denial;
    return {
      reply: { ...e.reply, answers: dec(e.reply.answers), authorities: dec(e.reply.authorities), additionals: dec(e.reply.additionals) },
      kind: e.kind,
      expires: e.storedAt + e.ttl * 1000,
      holds: () => m.get(k) === e,
      left: (now: number) => e.ttl - Math.floor((now - e.storedAt) / 1000),
    };
  }

  /** Keep a reply if it may be cached. */
  put(q: DnsQuestion, r: Reply, dnssec = false): void {
    let kind: 'success' | 'denial';
    let ttl: number;
    const ttls = (rs: Answer[]) => rs.filter((x) => x.type !== 'OPT').map((x) => (x as { ttl?: number }).ttl ?? 0);
    if (r.rcode === 'NOERROR' && r.answers.length) {
      kind = 'success';
      ttl = Math.min(...ttls(r.answers), ...ttls(r.authorities));
      ttl = Math.min(Math.max(ttl, this.config.minTtl), this.config.successCap);
    } else if (r.rcode === 'NXDOMAIN' || (r.rcode === 'NOERROR' && r.answers.length === 0)) {
      kind = 'denial';
      const soa = r.authorities.find((x) => x.type === 'SOA');
      if (!soa) return;
      const min = (soa as { data: { minimum?: number } }).data.minimum ?? 0;
      ttl = Math.min((soa as { ttl?: number }).ttl ?? 0, min);
      ttl = Math.min(Math.max(ttl, this.config.minTtl), this.config.denialCap);
    } else return;
    if (ttl <= 0) return;
    const m = kind === 'success' ? this.success : this.denial;
    const cap = kind === 'success' ? this.config.successCapacity : this.config.denialCapacity;
    const k = DnsCache.key(q, dnssec);
    m.delete(k);
    if (m.size >= cap) {
      const oldest = m.keys().next();
      if (!oldest.done) m.delete(oldest.value);
    }
    m.set(k, { reply: r, storedAt: this.now(), ttl, kind });
  }
}
