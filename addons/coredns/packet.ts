/**
 * Wire-level decisions (pure): which packets get an answer and with which rcode before any plugin runs (miekg/dns's
 * DefaultMsgAcceptFunc, which CoreDNS serves with), and the response message, truncated to the client's UDP size
 * (512 bytes, or its EDNS0 buffer size) with the TC bit as CoreDNS's Scrub does. Encoding and decoding are dns-packet's.
 */
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer } from 'dns-packet';
import type { Rcode, Reply } from './records.js';

export const RCODES: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const HEADER = 12;
export const MIN_UDP_SIZE = 512;
export const MAX_UDP_SIZE = 4096;

export type HeaderVerdict = { action: 'drop' } | { action: 'reject'; rcode: Rcode } | { action: 'accept' };

/** DefaultMsgAcceptFunc: responses and runts are dropped; bad opcodes NOTIMP; bad section counts FORMERR. */
export function checkHeader(buf: Buffer): HeaderVerdict {
  if (buf.length < HEADER) return { action: 'drop' };
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return { action: 'drop' };
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return { action: 'reject', rcode: 'NOTIMP' };
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  if (qd !== 1 || an > 1 || ns > 1 || ar > 2) return { action: 'reject', rcode: 'FORMERR' };
  return { action: 'accept' };
}

/** A header-only answer to a packet that could not be served (SetRcodeFormatError and friends). */
export function rejectPacket(buf: Buffer, rcode: Rcode): Buffer {
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  const opcode = (flags >> 11) & 0xf;
  const rd = flags & 0x0100;
  return dnsPacket.encode({ type: 'response', id, flags: (opcode << 11) | rd | RCODES[rcode], questions: [] });
}

export function optOf(p: DecodedPacket): OptAnswer | undefined {
  return (p.additionals ?? []).find((r): r is OptAnswer => r.type === 'OPT');
}

/** The largest UDP answer the client takes: its EDNS0 buffer size (512..4096), else 512. */
export function udpLimit(p: DecodedPacket): number {
  const opt = optOf(p);
  if (!opt) return MIN_UDP_SIZE;
  return Math.min(MAX_UDP_SIZE, Math.max(MIN_UDP_SIZE, opt.udpPayloadSize || MIN_UDP_SIZE));
}

export function flagsOf(query: DecodedPacket, r: { rcode: Rcode; authoritative: boolean }, tc = false): number {
  const raw = query.flags ?? 0;
  const opcode = (raw >> 11) & 0xf;
  return (
    (opcode << 11) |
    (r.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
    (tc ? dnsPacket.TRUNCATED_RESPONSE : 0) |
    (raw & dnsPacket.RECURSION_DESIRED) |
    dnsPacket.RECURSION_AVAILABLE |
    (raw & dnsPacket.CHECKING_DISABLED) |
    RCODES[r.rcode]
  );
}

/**
 * The response to `query`. Over UDP it is cut to `limit` bytes: Additional records go first, then Authority, then
 * Answer records from the end, and TC is set when an Answer record had to go (the client retries over TCP).
 */
export function buildResponse(query: DecodedPacket, r: Reply, limit: number): Buffer {
  const opt = optOf(query);
  const replyOpt: Answer[] = opt ? [{ type: 'OPT', name: '.', udpPayloadSize: Math.max(MIN_UDP_SIZE, Math.min(opt.udpPayloadSize || MIN_UDP_SIZE, MAX_UDP_SIZE)), extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [];
  const packet = (answers: Answer[], authorities: Answer[], additionals: Answer[], tc: boolean): dnsPacket.Packet => ({
    type: 'response',
    id: query.id ?? 0,
    flags: flagsOf(query, r, tc),
    questions: query.questions ?? [],
    answers,
    authorities,
    additionals: [...additionals, ...replyOpt],
  });
  const full = dnsPacket.encode(packet(r.answers, r.authorities, r.additionals, false));
  if (full.length <= limit) return full;
  const noExtra = packet(r.answers, r.authorities, [], false);
  if (dnsPacket.encodingLength(noExtra) <= limit) return dnsPacket.encode(noExtra);
  const noAuth = packet(r.answers, [], [], false);
  if (dnsPacket.encodingLength(noAuth) <= limit) return dnsPacket.encode(noAuth);
  let n = r.answers.length;
  let p = packet(r.answers.slice(0, n), [], [], true);
  while (n > 0 && dnsPacket.encodingLength(p) > limit) {
    n--;
    p = packet(r.answers.slice(0, n), [], [], true);
  }
  return dnsPacket.encode(p);
}

/**
 * EDNS0 checks before any plugin (CoreDNS's edns.Version, RFC 6891): more than one OPT record is FORMERR; an EDNS
 * version other than 0 gets BADVERS (extended rcode 16: 1 in the OPT's upper bits, 0 in the header) and our version 0.
 */
export function ednsReject(query: DecodedPacket): Buffer | undefined {
  const opts = (query.additionals ?? []).filter((r) => r.type === 'OPT');
  const base = { type: 'response' as const, id: query.id ?? 0, questions: query.questions ?? [] };
  const raw = query.flags ?? 0;
  const hdr = (rcode: number) => (((raw >> 11) & 0xf) << 11) | (raw & dnsPacket.RECURSION_DESIRED) | rcode;
  if (opts.length > 1) return dnsPacket.encode({ ...base, flags: hdr(RCODES.FORMERR) });
  const opt = opts[0] as OptAnswer | undefined;
  if (opt && opt.ednsVersion !== 0) {
    return dnsPacket.encode({ ...base, flags: hdr(0), additionals: [{ type: 'OPT', name: '.', udpPayloadSize: MIN_UDP_SIZE, extendedRcode: 1, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] });
  }
  return undefined;
}

const RCODE_NAMES = Object.keys(RCODES) as Rcode[];
/** Rcode name of a number (the log and metrics labels). */
export const rcodeName = (n: number): string => RCODE_NAMES[n] ?? String(n);
