/**
 * Node IPAM's range allocator (pkg/controller/nodeipam/ipam: cidrset + range_allocator), IPv4:
 * the cluster CIDR cut into node subnets of --node-cidr-mask-size; a subnet is handed out once,
 * the map is rebuilt from every node's spec.podCIDR at start, and freed when a node goes.
 */

import { KubeError } from '../../../api/errors.js';
import type { Node } from '../util/types.js';

const invalidCIDR = (message: string): KubeError => new KubeError('BadRequest', message, { code: 'ERR_INVALID_CIDR' });

export function parseIPv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw invalidCIDR(`invalid IPv4 address "${ip}"`);
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw invalidCIDR(`invalid IPv4 address "${ip}"`);
    v = v * 256 + Number(p);
  }
  return v >>> 0;
}

export function formatIPv4(v: number): string {
  return [24, 16, 8, 0].map((s) => (v >>> s) & 255).join('.');
}

export function parseCIDR(cidr: string): { base: number; bits: number } {
  const [ip, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!ip || !Number.isInteger(bits) || bits < 0 || bits > 32) throw invalidCIDR(`invalid CIDR address: ${cidr}`);
  const addr = parseIPv4(ip);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (addr & mask) >>> 0, bits };
}

/** Upstream's ErrCIDRRangeNoCIDRsRemaining (an internal error there too). */
export class CIDRSetFullError extends KubeError {
  constructor() {
    super('InternalError', 'CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range', { code: 'ERR_CIDR_RANGE_FULL' });
    this.name = 'CIDRSetFullError';
  }
}

/** cidrset.CidrSet: a bitmap over the node subnets of the cluster CIDR. */
export class CidrSet {
  readonly base: number;
  readonly clusterBits: number;
  readonly count: number;
  private readonly used: Uint8Array;
  private next = 0;
  private allocated = 0;

  constructor(
    clusterCIDR: string,
    readonly subnetBits: number,
  ) {
    const c = parseCIDR(clusterCIDR);
    if (subnetBits < c.bits) throw new KubeError('BadRequest', `--node-cidr-mask-size ${subnetBits} is smaller than the cluster CIDR's /${c.bits}`, { code: 'ERR_CONFIG' });
    if (subnetBits - c.bits > 16) throw new KubeError('BadRequest', 'the cluster CIDR holds too many node subnets (more than 65536)', { code: 'ERR_CONFIG' });
    this.base = c.base;
    this.clusterBits = c.bits;
    this.count = 2 ** (subnetBits - c.bits);
    this.used = new Uint8Array(this.count);
  }

  private cidrAt(i: number): string {
    return `${formatIPv4((this.base + i * 2 ** (32 - this.subnetBits)) >>> 0)}/${this.subnetBits}`;
  }

  /** The index of a node subnet, or throws when it is not one of this set. */
  indexOf(cidr: string): number {
    const c = parseCIDR(cidr);
    if (c.bits !== this.subnetBits) throw invalidCIDR(`CIDR ${cidr} has a different mask than /${this.subnetBits}`);
    const size = 2 ** (32 - this.subnetBits);
    const off = c.base - this.base;
    if (off < 0 || off >= this.count * size) throw invalidCIDR(`CIDR ${cidr} is out of the cluster CIDR's range`);
    return off / size;
  }

  /** AllocateNext: the next free subnet after the last one given (round robin). */
  allocateNext(): string {
    if (this.allocated >= this.count) throw new CIDRSetFullError();
    for (let k = 0; k < this.count; k++) {
      const i = (this.next + k) % this.count;
      if (!this.used[i]) {
        this.used[i] = 1;
        this.allocated++;
        this.next = (i + 1) % this.count;
        return this.cidrAt(i);
      }
    }
    throw new CIDRSetFullError();
  }

  /** Occupy: mark a subnet already in use (rebuilding from existing nodes). */
  occupy(cidr: string): void {
    const i = this.indexOf(cidr);
    if (!this.used[i]) {
      this.used[i] = 1;
      this.allocated++;
    }
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (this.used[i]) {
      this.used[i] = 0;
      this.allocated--;
    }
  }

  isUsed(cidr: string): boolean {
    return !!this.used[this.indexOf(cidr)];
  }

  get free(): number {
    return this.count - this.allocated;
  }
}

export interface IpamAction {
  node: string;
  /** The subnet to write into spec.podCIDR / spec.podCIDRs. */
  podCIDR?: string;
  /** Set when no subnet is left (CIDRNotAvailable). */
  error?: string;
}

/**
 * The allocator's decision over the current nodes: rebuild the occupied map from every node that has a
 * podCIDR (nodes that claim a subnet another node holds, or one outside the range, are reported),
 * release subnets of nodes that are gone, and give the next free subnet to each node without one.
 * Mutates `set` (the allocator's memory) and returns the writes to make.
 */
export function decideNodeCIDRs(
  set: CidrSet,
  nodes: Node[],
  known: Map<string, string>,
): { actions: IpamAction[]; conflicts: string[] } {
  const actions: IpamAction[] = [];
  const conflicts: string[] = [];
  const present = new Set(nodes.map((n) => n.metadata?.name ?? ''));
  // Nodes that went away: free their subnets.
  for (const [name, cidr] of [...known]) {
    if (present.has(name)) continue;
    try {
      set.release(cidr);
    } catch {
      /* not ours */
    }
    known.delete(name);
  }
  // Nodes that already have a subnet: occupy it.
  const holders = new Map<string, string>();
  for (const [name, cidr] of known) holders.set(cidr, name);
  for (const n of nodes) {
    const name = n.metadata?.name ?? '';
    const cidr = n.spec?.podCIDRs?.[0] ?? n.spec?.podCIDR;
    if (!cidr) continue;
    const holder = holders.get(cidr);
    if (holder && holder !== name) {
      conflicts.push(`node ${name} claims ${cidr}, already given to ${holder}`);
      continue;
    }
    try {
      set.occupy(cidr);
      holders.set(cidr, name);
      known.set(name, cidr);
    } catch (e) {
      conflicts.push(`node ${name}: ${(e as Error).message}`);
      known.set(name, cidr);
    }
  }
  // Nodes without one: allocate, in name order for determinism.
  for (const n of [...nodes].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))) {
    const name = n.metadata?.name ?? '';
    if (n.spec?.podCIDR || n.spec?.podCIDRs?.length || n.metadata?.deletionTimestamp) continue;
    const had = known.get(name);
    if (had) {
      actions.push({ node: name, podCIDR: had }); // allocated earlier, the write has not shown yet
      continue;
    }
    try {
      const cidr = set.allocateNext();
      known.set(name, cidr);
      actions.push({ node: name, podCIDR: cidr });
    } catch (e) {
      actions.push({ node: name, error: (e as Error).message });
    }
  }
  return { actions, conflicts };
}
