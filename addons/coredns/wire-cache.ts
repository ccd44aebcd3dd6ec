/**
 * Answers reused as wire bytes (the fast path of responder.ts). The server's answer to a query is a function of the
 * query's bytes (except its ID and the letter case of its question name), the listener and protocol, the cluster
 * state and the configuration, and, for the cache plugin, the second the TTLs have counted down to. So an answer the
 * plugin chain made once is kept, keyed by the query's bytes after the ID with the question name lower-cased, and
 * sent again with only two patches: the query's ID, and its question name as the client wrote it (DNS 0x20: the
 * answer echoes the question's case). Pure: the key, the patch, and a bounded map; when an entry stays valid is the
 * responder's and the chain's business (Reuse in chain.ts).
 *
 * Only plain queries get a key (QR 0, opcode QUERY, one question, no answer/authority records, at most one additional
 * record, a question name of uncompressed labels of printable ASCII without `.` or `\`); anything else, including
 * every malformed packet, takes the full path (dns-packet's decode and the accept rules) as before.
 */

const HEADER = 12;

export interface WireQuestion {
  /** The query's bytes after the ID, question name lower-cased (latin1: one char per byte). */
  key: string;
  /** Offset just after the question name's root label. */
  nameEnd: number;
}

/** The key of a plain query (see the module comment), or undefined: not for the fast path. */
export function wireQuestion(buf: Buffer): WireQuestion | undefined {
  const n = buf.length;
  // Header: QR 0 and opcode 0 (byte 2, high 5 bits); QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0 or 1.
  if (n < HEADER + 5 || (buf[2]! & 0xf8) !== 0) return undefined;
  if (buf[4] !== 0 || buf[5] !== 1 || buf[6] !== 0 || buf[7] !== 0 || buf[8] !== 0 || buf[9] !== 0 || buf[10] !== 0 || buf[11]! > 1) return undefined;
  let i = HEADER;
  let upper = false;
  for (;;) {
    const len = buf[i]!;
    if (len === 0) break;
    if (len > 63 || i + 1 + len >= n) return undefined;
    for (let j = i + 1; j <= i + len; j++) {
      const c = buf[j]!;
      if (c < 0x21 || c > 0x7e || c === 0x2e || c === 0x5c) return undefined;
      if (c >= 0x41 && c <= 0x5a) upper = true;
    }
    i += len + 1;
  }
  const nameEnd = i + 1;
  // The name is at most 255 bytes on the wire; type and class follow it.
  if (nameEnd - HEADER > 255 || nameEnd + 4 > n) return undefined;
  const key = upper ? buf.toString('latin1', 2, HEADER) + buf.toString('latin1', HEADER, nameEnd).toLowerCase() + buf.toString('latin1', nameEnd, n) : buf.toString('latin1', 2, n);
  return { key, nameEnd };
}

/** The question name of a plain query as text with its trailing dot, as the client wrote it (the `log` line). */
export function wireName(b: Buffer, nameEnd: number): string {
  if (nameEnd === HEADER + 1) return '.';
  let out = '';
  for (let i = HEADER; i < nameEnd - 1; i += b[i]! + 1) out += b.toString('latin1', i + 1, i + 1 + b[i]!) + '.';
  return out;
}

/**
 * `answer` (made for a query with the same key) for `query`: a copy with the query's ID and question name bytes.
 * The answer's question starts at the same offset with the same length (the key holds the name's length).
 */
export function patchAnswer(answer: Uint8Array, query: Uint8Array, nameEnd: number): Buffer {
  const out = Buffer.allocUnsafe(answer.length);
  out.set(answer);
  out[0] = query[0]!;
  out[1] = query[1]!;
  for (let i = HEADER; i < nameEnd; i++) out[i] = query[i]!;
  return out;
}

/**
 * Whether `answer` echoes `query`'s question name byte for byte at the same place (so patchAnswer may copy it over):
 * checked before an answer is kept.
 */
export function echoesQuestion(answer: Uint8Array, query: Uint8Array, nameEnd: number): boolean {
  if (answer.length < nameEnd + 4) return false;
  for (let i = HEADER; i < nameEnd + 4; i++) if (answer[i] !== query[i]) return false;
  return true;
}

/**
 * Offsets of the TTL fields of every record of a message (Answer, Authority, Additional) but OPT, whose TTL field is
 * its extended rcode and flags: where the cache plugin's countdown is written into a kept answer. Undefined for a
 * message that does not parse to its last byte (it is then not kept).
 */
export function ttlOffsets(msg: Buffer): number[] | undefined {
  if (msg.length < HEADER) return undefined;
  let i = HEADER;
  const skipName = (): boolean => {
    for (;;) {
      if (i >= msg.length) return false;
      const l = msg[i]!;
      if (l === 0) {
        i += 1;
        return true;
      }
      if ((l & 0xc0) === 0xc0) {
        i += 2;
        return true;
      }
      if (l & 0xc0) return false;
      i += l + 1;
    }
  };
  for (let q = msg.readUInt16BE(4); q > 0; q--) {
    if (!skipName()) return undefined;
    i += 4;
  }
  const out: number[] = [];
  for (let r = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10); r > 0; r--) {
    if (!skipName() || i + 10 > msg.length) return undefined;
    if (msg.readUInt16BE(i) !== 41) out.push(i + 4);
    i += 10 + msg.readUInt16BE(i + 8);
  }
  return i === msg.length ? out : undefined;
}

/** Set every TTL at `offsets` to `left` seconds (the cache plugin's countdown, as CoreDNS's item.toMsg). */
export function setTtls(msg: Buffer, offsets: readonly number[], left: number): void {
  for (const o of offsets) msg.writeUInt32BE(left, o);
}

/** A Map of at most `capacity` entries; the oldest goes first when full. */
export class BoundedMap<V> {
  private readonly m = new Map<string, V>();
  constructor(readonly capacity: number) {}
  get size(): number {
    return this.m.size;
  }
  get(k: string): V | undefined {
    return this.m.get(k);
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    if (this.m.size >= this.capacity) {
      const oldest = this.m.keys().next();
      if (!oldest.done) this.m.delete(oldest.value);
    }
    this.m.set(k, v);
  }
  delete(k: string): void {
    this.m.delete(k);
  }
}
