/**
 * host-gw routes between nodes: for every other Node, `<its podCIDR> via <its InternalIP>` in this
 * node's network namespace (what Kubernetes the Hard Way does by hand). `diffRoutes` is pure; the
 * RouteManager reads `ip -j route` and applies the difference with `ip route replace / del`.
 */
import { KubeError } from '../../api/errors.js';
import { execFile } from 'node:child_process';

export interface PodRoute {
  cidr: string;
  via: string;
}

export interface NodeLike {
  metadata: { name: string };
  spec?: { podCIDR?: string };
  status?: { addresses?: { type: string; address: string }[] };
}

/** Routes wanted on `self`: one per other node with a podCIDR and an InternalIP (pure). */
export function desiredRoutes(nodes: NodeLike[], self: string): PodRoute[] {
  const out: PodRoute[] = [];
  for (const n of nodes) {
    if (n.metadata.name === self) continue;
    const cidr = n.spec?.podCIDR;
    const via = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (cidr && via) out.push({ cidr, via });
  }
  return out.sort((a, b) => a.cidr.localeCompare(b.cidr));
}

/** Is `cidr` inside `range` (IPv4)? */
export function cidrWithin(cidr: string, range: string): boolean {
  const parse = (c: string) => {
    const [ip, len] = c.split('/');
    const n = ip!.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
    return { n, len: Number(len ?? 32) };
  };
  const a = parse(cidr);
  const r = parse(range);
  if (a.len < r.len) return false;
  const mask = r.len === 0 ? 0 : (~0 << (32 - r.len)) >>> 0;
  return ((a.n & mask) >>> 0) === ((r.n & mask) >>> 0);
}

/**
 * What to change (pure): `replace` for missing or different routes, `remove` for routes inside the
 * cluster CIDR (pod routes this manager owns) that no node wants any more. `current` are the routes
 * with a gateway now in the table.
 */
export function diffRoutes(current: PodRoute[], desired: PodRoute[], clusterCIDR: string, ownCIDR?: string): { replace: PodRoute[]; remove: PodRoute[] } {
  const cur = new Map(current.map((r) => [r.cidr, r.via]));
  const want = new Map(desired.map((r) => [r.cidr, r.via]));
  const replace = desired.filter((r) => cur.get(r.cidr) !== r.via);
  const remove = current.filter((r) => !want.has(r.cidr) && r.cidr !== ownCIDR && cidrWithin(r.cidr, clusterCIDR));
  return { replace, remove };
}

function ip(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { encoding: 'utf8' }, (err, stdout, stderr) => (err ? reject(new KubeError('InternalError', `ip ${args.join(' ')}: ${stderr.trim() || err.message}`, { code: 'ERR_NETWORK' })) : resolve(stdout)));
  });
}

export class RouteManager {
  constructor(private readonly self: string, private readonly clusterCIDR: string) {}

  async current(): Promise<PodRoute[]> {
    const rows = JSON.parse((await ip(['-j', 'route', 'show'])) || '[]') as { dst: string; gateway?: string }[];
    return rows.filter((r) => r.gateway && r.dst !== 'default').map((r) => ({ cidr: r.dst.includes('/') ? r.dst : `${r.dst}/32`, via: r.gateway! }));
  }

  /** Make the table match the nodes; returns what it changed. */
  async sync(nodes: NodeLike[]): Promise<{ replace: PodRoute[]; remove: PodRoute[] }> {
    const own = nodes.find((n) => n.metadata.name === this.self)?.spec?.podCIDR;
    const d = diffRoutes(await this.current(), desiredRoutes(nodes, this.self), this.clusterCIDR, own);
    for (const r of d.replace) await ip(['route', 'replace', r.cidr, 'via', r.via]);
    for (const r of d.remove) await ip(['route', 'del', r.cidr, 'via', r.via]).catch(() => undefined);
    return d;
  }
}
