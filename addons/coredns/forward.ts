/**
 * The forward plugin's client side: one query to the configured upstreams (only those the Corefile names), over UDP
 * with a retry over TCP when the answer is truncated, or over TCP with `force_tcp`. The upstreams are tried in the
 * policy's order until one answers; none answering is an error the chain turns into SERVFAIL.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { ForwardConfig } from './config.js';
import type { DnsMetrics } from './metrics.js';
import { inZone } from './names.js';
import { wire, type DnsQuestion, type Rcode, type Reply } from './records.js';

const READ_TIMEOUT_MS = 2000;

function split(hostPort: string): { host: string; port: number } {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(hostPort)!;
  return { host: m[1]!, port: Number(m[2]) };
}

function queryPacket(q: DnsQuestion, id: number, dnssec: boolean): dnsPacket.Packet {
  return {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: wire(q.name), type: q.type as dnsPacket.RecordType, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: dnssec ? dnsPacket.DNSSEC_OK : 0, flag_do: dnssec, options: [] }],
  };
}

export function exchangeUdp(to: string, msg: Buffer, id: number, timeoutMs = READ_TIMEOUT_MS): Promise<Buffer> {
  const { host, port } = split(to);
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => done(new Error(`read udp ${to}: i/o timeout`)), timeoutMs);
    const done = (err?: Error, buf?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(buf!);
    };
    sock.on('error', (e) => done(e));
    sock.on('message', (buf) => {
      if (buf.length >= 2 && buf.readUInt16BE(0) === id) done(undefined, buf);
    });
    sock.send(msg, port, host);
  });
}

export function exchangeTcp(to: string, msg: Buffer, timeoutMs = READ_TIMEOUT_MS): Promise<Buffer> {
  const { host, port } = split(to);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`read tcp ${to}: i/o timeout`)), timeoutMs);
    const finish = (err?: Error, out?: Buffer) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(out!);
    };
    sock.on('error', (e) => finish(e));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      sock.write(Buffer.concat([len, msg]));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(undefined, buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    sock.on('close', () => finish(new Error(`read tcp ${to}: connection closed`)));
  });
}

/** Whether this forward block handles the name (its FROM zone, minus `except`). */
export function forwards(c: ForwardConfig, name: string): boolean {
  return inZone(name, c.from) && !c.except.some((z) => inZone(name, z));
}

export class Forwarder {
  private rr = 0;
  private inflight = 0;

  constructor(
    readonly config: ForwardConfig,
    private readonly metrics?: DnsMetrics,
  ) {}

  private order(): string[] {
    const to = this.config.to;
    if (this.config.policy === 'sequential') return [...to];
    if (this.config.policy === 'round_robin') {
      const start = this.rr++ % to.length;
      return [...to.slice(start), ...to.slice(0, start)];
    }
    const shuffled = [...to];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    return shuffled;
  }

  /** Ask the upstreams; throws when none answers (or max_concurrent is reached: REFUSED as CoreDNS). */
  async resolve(q: DnsQuestion, dnssec = false): Promise<Reply> {
    if (this.config.maxConcurrent && this.inflight >= this.config.maxConcurrent) {
      return { rcode: 'REFUSED', authoritative: false, answers: [], authorities: [], additionals: [], plugin: 'forward' };
    }
    this.inflight++;
    try {
      let last: Error | undefined;
      for (const to of this.order()) {
        const id = Math.floor(Math.random() * 65536);
        const msg = dnsPacket.encode(queryPacket(q, id, dnssec));
        const t0 = performance.now();
        try {
          let buf = this.config.forceTcp ? await exchangeTcp(to, msg) : await exchangeUdp(to, msg, id);
          let res = dnsPacket.decode(buf);
          if (res.flag_tc && !this.config.forceTcp) {
            buf = await exchangeTcp(to, msg);
            res = dnsPacket.decode(buf);
          }
          const rcode = ((res as { rcode?: string }).rcode ?? 'NOERROR') as Rcode;
          this.metrics?.proxyDuration.observe({ proxy_name: 'forward', to, rcode }, (performance.now() - t0) / 1000);
          return {
            rcode,
            authoritative: res.flag_aa,
            answers: res.answers ?? [],
            authorities: res.authorities ?? [],
            additionals: (res.additionals ?? []).filter((r) => r.type !== 'OPT'),
            plugin: 'forward',
          };
        } catch (e) {
          last = e as Error;
        }
      }
      throw last ?? new Error('no upstream');
    } finally {
      this.inflight--;
    }
  }
}

