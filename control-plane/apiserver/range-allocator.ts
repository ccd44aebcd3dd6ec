/**
 * Allocation of ClusterIPs and NodePorts, as upstream's RangeAllocation: a bitmap stored in etcd
 * (/registry/ranges/serviceips, /registry/ranges/servicenodeports) updated with compare-and-swap,
 * so an address is never handed out twice — not under concurrent creates, not across restarts.
 */
import { randomInt } from 'node:crypto';
import type { Backend } from '../storage/backend.js';
import { isStorageError } from '../storage/storage-error.js';
import { KubeError } from '../../api/errors.js';

export class RangeFullError extends KubeError {
  constructor(what: string) {
    super('InternalError', `range is full: no ${what} available`, { code: 'ERR_INTERNAL' });
  }
}

export class AlreadyAllocatedError extends KubeError {
  constructor(what: string) {
    super('Invalid', `provided ${what} is already allocated`, { code: 'ERR_INVALID' });
  }
}

interface RangeRecord {
  range: string;
  data: string; // base64 bitmap
}

export class RangeAllocator {
  constructor(
    private readonly backend: Backend,
    private readonly key: string,
    /** Number of slots (offsets 0..size-1). */
    readonly size: number,
    private readonly rangeName: string,
    private readonly what: string,
  ) {}

  private async read(): Promise<{ bits: Buffer; rev: number | undefined }> {
    const kv = await this.backend.get(this.key);
    if (!kv) return { bits: Buffer.alloc(Math.ceil(this.size / 8)), rev: undefined };
    const rec = JSON.parse(kv.value.toString('utf8')) as RangeRecord;
    let bits = Buffer.from(rec.data, 'base64');
    if (rec.range !== this.rangeName || bits.length !== Math.ceil(this.size / 8)) {
      // The configured range changed: start a fresh map (the repair pass re-marks what services hold).
      bits = Buffer.alloc(Math.ceil(this.size / 8));
    }
    return { bits, rev: kv.modRevision };
  }

  private async write(bits: Buffer, rev: number | undefined): Promise<boolean> {
    const value = Buffer.from(JSON.stringify({ range: this.rangeName, data: bits.toString('base64') } satisfies RangeRecord));
    try {
      if (rev === undefined) await this.backend.create(this.key, value);
      else await this.backend.update(this.key, value, rev);
      return true;
    } catch (e) {
      if (isStorageError(e, 'ERR_STORAGE_REVISION_MISMATCH') || isStorageError(e, 'ERR_STORAGE_KEY_EXISTS') || isStorageError(e, 'ERR_STORAGE_KEY_NOT_FOUND')) {
        return false;
      }
      throw e;
    }
  }

  private async cas(fn: (bits: Buffer) => number | undefined): Promise<number | undefined> {
    for (let i = 0; i < 100; i++) {
      const { bits, rev } = await this.read();
      const result = fn(bits);
      if (await this.write(bits, rev)) return result;
    }
    throw new KubeError('Conflict', `could not update the ${this.what} allocation: too many concurrent changes`, { httpStatus: 409 });
  }

  async allocate(offset: number): Promise<void> {
    await this.cas((bits) => {
      if (isSet(bits, offset)) throw new AlreadyAllocatedError(this.what);
      set(bits, offset, true);
      return offset;
    });
  }

  /** A free offset (random start, as upstream's random scan), skipping `reserved`. */
  async allocateNext(reserved: (offset: number) => boolean = () => false): Promise<number> {
    const got = await this.cas((bits) => {
      const start = randomInt(this.size);
      for (let i = 0; i < this.size; i++) {
        const o = (start + i) % this.size;
        if (!reserved(o) && !isSet(bits, o)) {
          set(bits, o, true);
          return o;
        }
      }
      throw new RangeFullError(this.what);
    });
    return got!;
  }

  async release(offset: number): Promise<void> {
    if (offset < 0 || offset >= this.size) return;
    await this.cas((bits) => {
      set(bits, offset, false);
      return offset;
    });
  }

  async isAllocated(offset: number): Promise<boolean> {
    const { bits } = await this.read();
    return isSet(bits, offset);
  }

  /** Startup repair: the map becomes exactly what existing objects hold. */
  async repair(inUse: Iterable<number>): Promise<void> {
    const used = [...inUse];
    await this.cas((bits) => {
      bits.fill(0);
      for (const o of used) if (o >= 0 && o < this.size) set(bits, o, true);
      return 0;
    });
  }
}

function isSet(bits: Buffer, o: number): boolean {
  return ((bits[o >> 3] ?? 0) & (1 << (o & 7))) !== 0;
}

function set(bits: Buffer, o: number, v: boolean): void {
  if (v) bits[o >> 3] = (bits[o >> 3] ?? 0) | (1 << (o & 7));
  else bits[o >> 3] = (bits[o >> 3] ?? 0) & ~(1 << (o & 7));
}

/** IPv4 CIDR helpers. */
export interface Cidr {
  base: number; // network address as uint32
  bits: number;
  size: number; // number of addresses
  text: string;
}

export function parseCidr(text: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new KubeError('BadRequest', `invalid CIDR address: ${text}`, { code: 'ERR_CONFIG' });
  const parts = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (parts.some((p) => p > 255) || bits > 32) throw new KubeError('BadRequest', `invalid CIDR address: ${text}`, { code: 'ERR_CONFIG' });
  const ip = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ip & mask) >>> 0, bits, size: 2 ** (32 - bits), text };
}

export function ipToInt(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const p = m.slice(1).map(Number);
  if (p.some((x) => x > 255)) return undefined;
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** ClusterIPs: offsets 0..size-3 map to base+1 .. broadcast-1. */
export class ServiceIPAllocator {
  readonly cidr: Cidr;
  readonly alloc: RangeAllocator;

  constructor(backend: Backend, cidrText: string) {
    this.cidr = parseCidr(cidrText);
    this.alloc = new RangeAllocator(backend, '/registry/ranges/serviceips', Math.max(this.cidr.size - 2, 0), this.cidr.text, 'IP');
  }

  offsetOf(ip: string): number | undefined {
    const n = ipToInt(ip);
    if (n === undefined) return undefined;
    const o = n - this.cidr.base - 1;
    return o >= 0 && o < this.alloc.size ? o : undefined;
  }

  ipOf(offset: number): string {
    return intToIp(this.cidr.base + 1 + offset);
  }

  /** The first address of the range: the `kubernetes` Service's. */
  get firstIP(): string {
    return this.ipOf(0);
  }

  async allocateNext(): Promise<string> {
    // Offset 0 (x.x.0.1) is kept for the kubernetes Service; upstream also keeps .10 for DNS conventionally.
    return this.ipOf(await this.alloc.allocateNext((o) => o === 0 || o === 9));
  }

  /** The network address of the range: what upstream's dry-run allocator hands out (it does not look for a free one). */
  get networkAddress(): string {
    return intToIp(this.cidr.base);
  }

  /** The offset of an address of the range; otherwise upstream's ErrNotInRange. */
  inRangeOffset(ip: string): number {
    const o = this.offsetOf(ip);
    if (o === undefined) {
      throw new KubeError('Invalid', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr.text}`);
    }
    return o;
  }

  async allocate(ip: string): Promise<void> {
    await this.alloc.allocate(this.inRangeOffset(ip));
  }

  async release(ip: string): Promise<void> {
    const o = this.offsetOf(ip);
    if (o !== undefined) await this.alloc.release(o);
  }
}

export class NodePortAllocator {
  readonly alloc: RangeAllocator;

  constructor(
    backend: Backend,
    readonly min: number,
    readonly max: number,
  ) {
    this.alloc = new RangeAllocator(backend, '/registry/ranges/servicenodeports', max - min + 1, `${min}-${max}`, 'port');
  }

  inRange(p: number): boolean {
    return Number.isInteger(p) && p >= this.min && p <= this.max;
  }

  async allocateNext(): Promise<number> {
    return this.min + (await this.alloc.allocateNext());
  }

  async allocate(port: number): Promise<void> {
    if (!this.inRange(port)) {
      throw new KubeError('Invalid', `provided port is not in the valid range. The range of valid ports is ${this.min}-${this.max}`);
    }
    await this.alloc.allocate(port - this.min);
  }

  async release(port: number): Promise<void> {
    if (this.inRange(port)) await this.alloc.release(port - this.min);
  }

  /** Whether the port is held (a port outside the range never is, as upstream's Has). */
  async has(port: number): Promise<boolean> {
    return this.inRange(port) && (await this.alloc.isAllocated(port - this.min));
  }
}

export function parsePortRange(text: string): { min: number; max: number } {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > 65535) {
    throw new KubeError('BadRequest', `invalid port range: ${text}`, { code: 'ERR_CONFIG' });
  }
  return { min: Number(m[1]), max: Number(m[2]) };
}
