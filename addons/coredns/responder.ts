/**
 * One configuration's query path, without sockets: a packet in, the packet to send back out, counted in the metrics
 * and logged by the `log` plugin as CoreDNS does. Two ways through:
 *
 *   full path:  accept rules (packet.ts) ─▶ dns-packet decode ─▶ route to a block ─▶ plugin chain ─▶ encode
 *   fast path:  wireQuestion (key of the raw bytes) ─▶ an answer the full path made for the same key, still valid
 *               ─▶ copy with the query's ID and question name (wire-cache.ts)
 *
 * The full path keeps its answer when the chain says the same question gets the same answer (Reuse in chain.ts);
 * the answer is valid while the cluster state's generation is the one it was made at and, for a cache plugin hit,
 * while its cache entry holds and has not expired (its TTLs counted down in the copy as the cache plugin does). A reload makes a new Responder: nothing kept survives it.
 * Both paths count the same metrics and write the same log line.
 */
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket } from 'dns-packet';
import { Block, type ChainDeps, type Reuse } from './chain.js';
import type { ServerConfig } from './config.js';
import type { DnsMetrics } from './metrics.js';
import { typeLabel } from './metrics.js';
import { fqdn, matchZone } from './names.js';
import { MIN_UDP_SIZE, buildResponse, checkHeader, ednsReject, optOf, rcodeName, rejectPacket, udpLimit } from './packet.js';
import { reply, type DnsQuestion, type Reply } from './records.js';
import { BoundedMap, setTtls, echoesQuestion, patchAnswer, ttlOffsets, wireName, wireQuestion, type WireQuestion } from './wire-cache.js';

export interface ResponderDeps extends Omit<ChainDeps, 'upstream'> {
  metrics: DnsMetrics;
  /** Answers kept per listener and protocol (default 10,000; 0: none, every query takes the full path). */
  wireCapacity?: number;
}

type Proto = 'udp' | 'tcp';

/** The labels and log fields of an answered query: fixed by its bytes, the listener and the configuration. */
interface Tally {
  server: string;
  zone: string;
  proto: Proto;
  type: string;
  rcode: string;
  plugin: string;
  /** Series keys (FastCounter/FastHistogram), built once. */
  requestKeys: [string, string];
  responseKey: string;
  durationKey: string;
  sizeKey: string;
  /** The `log` plugin's fixed fields, when the block logs. */
  log?: { qtype: string; dnssec: boolean; bufsize: number; rcode: string; flags: string };
}

interface KeptAnswer {
  answer: Buffer;
  generation: number;
  reuse: Reuse;
  /** With reuse.ttlLeft: where the TTLs are in `answer`. */
  ttls?: number[];
  tally: Tally;
}

/** 2 for an IPv6 client, else 1 (coredns_dns_requests_total's `family`). */
const familyOf = (remote: string): 0 | 1 => (remote.includes(':') && !remote.startsWith('::ffff:') ? 1 : 0);

function tally(configPort: number, zone: string, proto: Proto, type: string, rcode: string, plugin: string): Tally {
  const base = `${configPort}|${zone}`;
  return {
    server: `dns://:${configPort}`,
    zone,
    proto,
    type,
    rcode,
    plugin,
    requestKeys: [`${base}|${proto}|1|${type}`, `${base}|${proto}|2|${type}`],
    responseKey: `${base}|${rcode}|${plugin}`,
    durationKey: `${base}|${type}`,
    sizeKey: `${base}|${proto}`,
  };
}

export class Responder {
  readonly blocks: Block[];
  private readonly kept = new Map<number, { udp: BoundedMap<KeptAnswer>; tcp: BoundedMap<KeptAnswer> }>();
  private readonly now: () => number;

  constructor(
    readonly configs: ServerConfig[],
    private readonly o: ResponderDeps,
  ) {
    this.now = o.now ?? Date.now;
    const deps: ChainDeps = { ...o, now: this.now, upstream: (q, depth, port) => this.lookup(q, depth, port) };
    this.blocks = configs.map((c) => new Block(c, deps));
    const cap = o.wireCapacity ?? 10_000;
    if (cap > 0) for (const c of configs) if (!this.kept.has(c.port)) this.kept.set(c.port, { udp: new BoundedMap(cap), tcp: new BoundedMap(cap) });
  }

  /** The block serving `name` on a port: the most specific zone. */
  private route(configPort: number, name: string): { block: Block; zone: string } | undefined {
    let best: { block: Block; zone: string } | undefined;
    for (const b of this.blocks) {
      if (b.config.port !== configPort) continue;
      const z = matchZone(b.config.zones, name);
      if (z && (!best || z.length > best.zone.length)) best = { block: b, zone: z };
    }
    return best;
  }

  /** Resolve again from the top (CoreDNS's pkg/upstream: ExternalName targets), on the blocks of `port`. */
  async lookup(q: DnsQuestion, depth = 0, port = this.configs[0]?.port ?? 53): Promise<Reply> {
    const r = this.route(port, q.name);
    if (!r) return reply('', 'REFUSED', [], { authoritative: false });
    return r.block.resolve(q, r.zone, { depth });
  }

  /** One packet in, the packet to send back (or undefined: drop). Never throws. */
  async handle(buf: Buffer, proto: Proto, configPort: number, remote = '', remotePort = 0): Promise<Buffer | undefined> {
    return this.respond(buf, proto, configPort, remote, remotePort);
  }

  /**
   * As handle, but a kept answer comes back at once (a Buffer, no promise: the socket sends it in the same tick);
   * otherwise a promise of the full path's answer.
   */
  respond(buf: Buffer, proto: Proto, configPort: number, remote = '', remotePort = 0): Buffer | Promise<Buffer | undefined> {
    const t0 = performance.now();
    const kept = this.kept.get(configPort);
    const map = kept && (proto === 'udp' ? kept.udp : kept.tcp);
    let wq: WireQuestion | undefined;
    try {
      wq = wireQuestion(buf);
      const k = map && wq && map.size > 0 ? map.get(wq.key) : undefined;
      if (k && wq) {
        const now = k.reuse.until === Infinity ? 0 : this.now();
        if (k.generation === this.o.state.generation && (k.reuse.until === Infinity || now < k.reuse.until) && (!k.reuse.holds || k.reuse.holds())) {
          const out = patchAnswer(k.answer, buf, wq.nameEnd);
          if (k.reuse.ttlLeft && k.ttls) setTtls(out, k.ttls, k.reuse.ttlLeft(now));
          k.reuse.onHit?.();
          this.account(k.tally, buf, out, remote, remotePort, t0, wq.nameEnd);
          return out;
        }
        map!.delete(wq.key);
      }
    } catch {
      // Never expected; the full path answers (and reports a panic as SERVFAIL) instead.
      wq = undefined;
    }
    return this.full(buf, proto, configPort, remote, remotePort, t0, map, wq);
  }

  /** The full path (decode, chain, encode); keeps the answer when the chain says it may be reused. */
  private async full(buf: Buffer, proto: Proto, configPort: number, remote: string, remotePort: number, t0: number, map: BoundedMap<KeptAnswer> | undefined, wq: WireQuestion | undefined): Promise<Buffer | undefined> {
    try {
      const v = checkHeader(buf);
      if (v.action === 'drop') return undefined;
      if (v.action === 'reject') return rejectPacket(buf, v.rcode);
      let query: DecodedPacket;
      try {
        query = dnsPacket.decode(buf);
      } catch {
        return rejectPacket(buf, 'FORMERR');
      }
      const question = query.questions?.[0];
      if (!question || !servableName(question.name)) return rejectPacket(buf, 'FORMERR');
      const bad = ednsReject(query);
      if (bad) return bad;
      const q: DnsQuestion = { name: fqdn(question.name), type: String(question.type) };
      const limit = proto === 'tcp' ? 65535 : udpLimit(query);
      const dnssec = !!optOf(query)?.flag_do;
      const routed = this.route(configPort, q.name);
      const zone = routed?.zone ?? '.';
      const generation = this.o.state.generation;
      let r: Reply;
      let reuse: Reuse | undefined;
      if (question.class !== 'IN' && question.class !== undefined) r = reply('', 'NOTIMP', [], { authoritative: false });
      else if (!routed) r = reply('', 'REFUSED', [], { authoritative: false });
      else if (q.type === 'AXFR' || q.type === 'IXFR') r = reply('', 'REFUSED', [], { authoritative: false });
      else ({ reply: r, reuse } = await routed.block.answer(q, zone, { dnssec }));
      const out = buildResponse(query, r, limit);
      const t = tally(configPort, routed ? zone : 'dropped', proto, typeLabel(q.type), r.rcode, r.plugin);
      if (routed?.block.config.log) {
        const tc = (out.readUInt16BE(2) & 0x0200) !== 0;
        const flags = ['qr', r.authoritative && 'aa', tc && 'tc', query.flag_rd && 'rd', 'ra'].filter(Boolean).join(',');
        t.log = { qtype: q.type, dnssec, bufsize: optOf(query)?.udpPayloadSize ?? MIN_UDP_SIZE, rcode: rcodeName(out.readUInt16BE(2) & 0xf), flags };
      }
      this.account(t, buf, out, remote, remotePort, t0, undefined, question.name);
      if (map && wq && reuse && generation === this.o.state.generation && echoesQuestion(out, buf, wq.nameEnd)) {
        const ttls = reuse.ttlLeft ? ttlOffsets(out) : undefined;
        if (!reuse.ttlLeft || ttls) map.set(wq.key, { answer: out, generation, reuse, ttls, tally: t });
      }
      return out;
    } catch (e) {
      this.o.metrics.panics.inc();
      this.o.log(`[ERROR] Recovered from panic in server: "dns://:${configPort}" ${(e as Error).message}`);
      try {
        return rejectPacket(buf, 'SERVFAIL');
      } catch {
        return undefined;
      }
    }
  }

  /** The per-query metrics and the `log` line (the name from the packet when not decoded: the fast path). */
  private account(t: Tally, buf: Buffer, out: Buffer, remote: string, remotePort: number, t0: number, nameEnd?: number, name?: string): void {
    const m = this.o.metrics;
    const family = familyOf(remote);
    m.requests.inc(t.requestKeys[family], () => ({ server: t.server, zone: t.zone, view: '', proto: t.proto, family: String(family + 1), type: t.type }));
    m.responses.inc(t.responseKey, () => ({ server: t.server, zone: t.zone, view: '', rcode: t.rcode, plugin: t.plugin }));
    const secs = (performance.now() - t0) / 1000;
    m.duration.observe(t.durationKey, () => ({ server: t.server, zone: t.zone, view: '', type: t.type }), secs);
    m.requestSize.observe(t.sizeKey, () => ({ server: t.server, zone: t.zone, view: '', proto: t.proto }), buf.length);
    m.responseSize.observe(t.sizeKey, () => ({ server: t.server, zone: t.zone, view: '', proto: t.proto }), out.length);
    const l = t.log;
    if (!l) return;
    const qname = name !== undefined ? name.replace(/\.?$/, '.') : wireName(buf, nameEnd!);
    const client = remote.includes(':') ? `[${remote}]` : remote;
    this.o.log(`[INFO] ${client}:${remotePort} - ${buf.readUInt16BE(0)} "${l.qtype} IN ${qname} ${t.proto} ${buf.length} ${l.dnssec} ${l.bufsize}" ${l.rcode} ${l.flags} ${out.length} ${secs.toFixed(9).replace(/0+$/, '')}s`);
  }
}

/**
 * A question name this server can answer and echo back unchanged: printable ASCII labels of at most 63 bytes, 255 in
 * all (dns-packet decodes other bytes as UTF-8, which would not encode back to the same wire name).
 */
export function servableName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length > 253) return false;
  if (name === '' || name === '.') return true;
  if (!/^[\x21-\x7e]+$/.test(name)) return false;
  return name.replace(/\.$/, '').split('.').every((l) => l.length > 0 && l.length <= 63);
}
