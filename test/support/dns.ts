/**
 * DNS test helpers: queries over UDP and TCP with dns-packet, and a tiny upstream server on loopback (the only
 * upstream a test's `forward` may point at).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, RecordType } from 'dns-packet';

let nextId = 1;

export function queryPacket(name: string, type: string, opts: { id?: number; udpSize?: number; rd?: boolean } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? (nextId = (nextId + 1) & 0xffff),
    flags: opts.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as RecordType, class: 'IN' }],
    ...(opts.udpSize ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: opts.udpSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] } : {}),
  });
}

/** Send raw bytes over UDP and wait for one datagram back (undefined on timeout). */
export function udpRaw(port: number, msg: Buffer, timeoutMs = 2000, host = '127.0.0.1'): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.send(msg, port, host);
  });
}

export async function udpQuery(port: number, name: string, type: string, opts: { udpSize?: number } = {}): Promise<DecodedPacket & { rcode?: string }> {
  const out = await udpRaw(port, queryPacket(name, type, opts));
  if (!out) throw new Error(`no UDP answer for ${type} ${name}`);
  return dnsPacket.decode(out);
}

/** Several queries over ONE TCP connection (length-prefixed), answers in the order they come back. */
export function tcpQueries(port: number, msgs: Buffer[], timeoutMs = 3000): Promise<(DecodedPacket & { rcode?: string })[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const out: DecodedPacket[] = [];
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`TCP: ${out.length}/${msgs.length} answers`));
    }, timeoutMs);
    s.on('connect', () => {
      for (const m of msgs) {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(m.length);
        s.write(Buffer.concat([len, m]));
      }
    });
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length === msgs.length) {
        clearTimeout(t);
        s.end();
        resolve(out);
      }
    });
    s.on('error', reject);
  });
}

/** An upstream on 127.0.0.1 that answers A for the names it is given, NXDOMAIN otherwise, and counts questions. */
export async function startUpstream(records: Record<string, string>): Promise<{ port: number; asked: string[]; close(): Promise<void> }> {
  const s = dgram.createSocket('udp4');
  const asked: string[] = [];
  s.on('message', (m, r) => {
    let q: DecodedPacket;
    try {
      q = dnsPacket.decode(m);
    } catch {
      return;
    }
    const qq = q.questions?.[0];
    if (!qq) return;
    asked.push(`${qq.type} ${qq.name}`);
    const ip = records[qq.name.toLowerCase()];
    const answers = ip && qq.type === 'A' ? [{ type: 'A' as const, name: qq.name, ttl: 60, class: 'IN' as const, data: ip }] : [];
    s.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | (ip ? 0 : 3), questions: q.questions, answers }), r.port, r.address);
  });
  await new Promise<void>((res) => s.bind(0, '127.0.0.1', () => res()));
  return { port: s.address().port, asked, close: () => new Promise<void>((res) => s.close(() => res())) };
}
