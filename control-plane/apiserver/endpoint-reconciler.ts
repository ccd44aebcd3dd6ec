/**
 * The endpoints of the `kubernetes` Service: every live API server (upstream's pkg/controlplane/reconcilers).
 *
 * `lease` (the default of --endpoint-reconciler-type): each API server keeps a key `/registry/masterleases/<ip>`
 * with a TTL (15 s), written again every reconcile (10 s); the Endpoints `default/kubernetes` hold the sorted IPs of
 * the keys that are still there, and the EndpointSlice `kubernetes` mirrors them. A server that dies stops renewing
 * and drops out when its key expires; one that shuts down deletes its key and rewrites the endpoints without itself.
 * `master-count`: the Endpoints keep this server and at most --apiserver-count addresses in all. `none`: nothing is
 * written.
 *
 * The decisions are pure functions (planKubernetesEndpoints, masterCountIPs, endpointSliceFor); the classes below
 * only read and write.
 */
import { isIPv6 } from 'node:net';
import type { Backend } from '../storage/backend.js';
import { isStorageError } from '../storage/storage-error.js';
import { KubeError } from '../../api/errors.js';
import type { EndpointPort, EndpointSlice, EndpointSubset, Relaxed } from '../../api/types/index.js';
import { deepEqual } from '../../api/values.js';
import type { Store } from './store.js';

export const ENDPOINT_RECONCILER_TYPES = ['lease', 'master-count', 'none'] as const;
export type EndpointReconcilerType = (typeof ENDPOINT_RECONCILER_TYPES)[number];
/** upstream DefaultEndpointReconcilerInterval and DefaultEndpointReconcilerTTL. */
export const DEFAULT_ENDPOINT_RECONCILER_INTERVAL_MS = 10_000;
export const DEFAULT_ENDPOINT_RECONCILER_TTL_SECONDS = 15;
/** Where the leases live under the storage prefix (upstream's `masterleases` resource prefix). */
export const MASTER_LEASES_PREFIX = '/registry/masterleases/';
export const KUBERNETES_SERVICE_NAME = 'kubernetes';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
export const NO_LEASES_MESSAGE = 'no API server IP addresses were listed in storage, refusing to erase all endpoints for the kubernetes Service';

type Port = Pick<EndpointPort, 'name' | 'port' | 'protocol'>;
type Subset = Relaxed<EndpointSubset>;

/** The Endpoints as the reconciler sees them: its labels and subsets (undefined when there is none). */
export interface EndpointsView {
  labels?: Record<string, string> | undefined;
  subsets?: Subset[] | undefined;
}

export type EndpointsPlan =
  /** Already right: nothing to write (the slice may still need one). */
  | { action: 'none' }
  /** Shutting down and there are no Endpoints: leave it so. */
  | { action: 'skip' }
  /** No lease listed while running: upstream refuses to erase every endpoint. */
  | { action: 'refuse'; message: string }
  | { action: 'create' | 'update'; labels: Record<string, string>; subsets: Subset[] };

/** The ports the kubernetes Service's endpoints carry: `https` on the secure port (upstream's endpointPorts). */
export function kubernetesEndpointPorts(securePort: number): Port[] {
  return [{ name: 'https', port: securePort, protocol: 'TCP' }];
}

/**
 * upstream checkEndpointSubsetFormatWithLease: one subset (format), the addresses are exactly the expected IPs in
 * any order (ips), the ports are exactly `ports` (ports).
 */
function checkFormat(subsets: Subset[] | undefined, ips: string[], ports: Port[]): { format: boolean; ips: boolean; ports: boolean } {
  if (!subsets || subsets.length !== 1) return { format: false, ips: false, ports: false };
  const sub = subsets[0]!;
  const have = (sub.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol }));
  const portsOk = have.length === ports.length && ports.every((p, i) => deepEqual(have[i], { name: p.name, port: p.port, protocol: p.protocol }));
  const addrs = (sub.addresses ?? []).map((a) => a.ip);
  const want = new Set(ips);
  const ipsOk = addrs.length === want.size && new Set(addrs).size === addrs.length && addrs.every((ip) => want.has(ip));
  return { format: true, ips: ipsOk, ports: portsOk };
}

/**
 * upstream LeaseEndpointReconciler.doReconcile, as a decision: given the live lease IPs, the wanted ports and the
 * current Endpoints, what to write. The addresses are the lease IPs sorted (RepackSubsets' order); an empty list is
 * refused unless the server is stopping (then the last server takes itself out and leaves no subset).
 */
export function planKubernetesEndpoints(input: { current: EndpointsView | undefined; leaseIPs: string[]; ports: Port[]; stopping: boolean }): EndpointsPlan {
  const { current, ports, stopping } = input;
  if (!current && stopping) return { action: 'skip' };
  const ips = [...new Set(input.leaseIPs)].sort();
  if (ips.length === 0 && !stopping) return { action: 'refuse', message: NO_LEASES_MESSAGE };
  const labels = { ...(current?.labels ?? {}) };
  const mirrorChanged = labels[SKIP_MIRROR_LABEL] !== 'true';
  labels[SKIP_MIRROR_LABEL] = 'true';
  const ok = checkFormat(current?.subsets, ips, ports);
  if (current && !mirrorChanged && ok.format && ok.ips && ok.ports) return { action: 'none' };
  let subsets: Subset[] = ok.format ? [{ ...current!.subsets![0]! }] : [{ addresses: [], ports: [...ports] }];
  if (!ok.format || !ok.ips) {
    subsets[0]!.addresses = ips.map((ip) => ({ ip }));
    delete subsets[0]!.notReadyAddresses;
    if (ips.length === 0) subsets = [];
  }
  if (subsets.length > 0 && !ok.ports) subsets[0]!.ports = ports.map((p) => ({ ...p }));
  return { action: current ? 'update' : 'create', labels, subsets };
}

/**
 * upstream MasterCountEndpointReconciler's list: the current addresses with this server's added, sorted; when there
 * are more than `count`, the ones after this server (wrapping round) go first.
 */
export function masterCountIPs(current: Subset[] | undefined, own: string, count: number): string[] {
  const ips = [...new Set([...(current?.length === 1 ? (current[0]!.addresses ?? []).map((a) => a.ip) : []), own])].sort();
  while (ips.length > Math.max(count, 1)) ips.splice((ips.indexOf(own) + 1) % ips.length, 1);
  return ips;
}

export type SliceView = Pick<Relaxed<EndpointSlice>, 'addressType' | 'endpoints' | 'ports'>;

/** upstream endpointSliceFromEndpoints: the slice `kubernetes` mirrors the first subset, every address ready. */
export function endpointSliceFor(subsets: Subset[]): SliceView {
  const sub = subsets[0];
  const ips = (sub?.addresses ?? []).map((a) => a.ip);
  return {
    addressType: ips.length > 0 && isIPv6(ips[0]!) ? 'IPv6' : 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: (sub?.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
  };
}

/** The slice needs a write when its endpoints, ports or address type differ from what the Endpoints say. */
export function sliceNeedsWrite(cur: SliceView | undefined, want: SliceView): boolean {
  return !cur || cur.addressType !== want.addressType || !deepEqual(cur.endpoints ?? [], want.endpoints) || !deepEqual(cur.ports ?? [], want.ports);
}

/** upstream's Leases: the set of live API servers. */
export interface MasterLeases {
  /** Add or refresh this server's lease (its TTL starts again). */
  update(ip: string): Promise<void>;
  /** The IPs of every live lease. */
  list(): Promise<string[]>;
  /** Delete this server's lease (none there: nothing to do). */
  remove(ip: string): Promise<void>;
}

/** The lease of one server: an Endpoints object naming its IP (as upstream stores it), kept under a TTL. */
function leaseValue(ip: string, generation: number): Buffer {
  return Buffer.from(JSON.stringify({ kind: 'Endpoints', apiVersion: 'v1', metadata: { name: ip, generation }, subsets: [{ addresses: [{ ip }] }] }));
}

function leaseIP(value: Buffer): string | undefined {
  try {
    const o = JSON.parse(value.toString('utf8')) as { subsets?: { addresses?: { ip?: string }[] }[] };
    const ip = o.subsets?.[0]?.addresses?.[0]?.ip;
    return typeof ip === 'string' && ip !== '' ? ip : undefined;
  } catch {
    return undefined;
  }
}

/** Leases as TTL'd keys of the storage backend (upstream's storageLeases). */
export class StorageMasterLeases implements MasterLeases {
  constructor(
    private readonly backend: Backend,
    private readonly ttlSeconds: number = DEFAULT_ENDPOINT_RECONCILER_TTL_SECONDS,
    private readonly prefix: string = MASTER_LEASES_PREFIX,
  ) {}

  async update(ip: string): Promise<void> {
    const key = this.prefix + ip;
    // upstream GuaranteedUpdate: read, write at that revision, again on a conflict
    for (let attempt = 0; ; attempt++) {
      const cur = await this.backend.get(key);
      try {
        if (!cur) await this.backend.create(key, leaseValue(ip, 1), { ttlSeconds: this.ttlSeconds });
        else {
          const generation = (() => {
            try {
              return Number((JSON.parse(cur.value.toString('utf8')) as { metadata?: { generation?: number } }).metadata?.generation ?? 0) + 1;
            } catch {
              return 1;
            }
          })();
          await this.backend.update(key, leaseValue(ip, generation), cur.modRevision, { ttlSeconds: this.ttlSeconds });
        }
        return;
      } catch (e) {
        const conflict = isStorageError(e, 'ERR_STORAGE_REVISION_MISMATCH') || isStorageError(e, 'ERR_STORAGE_KEY_EXISTS') || isStorageError(e, 'ERR_STORAGE_KEY_NOT_FOUND');
        if (!conflict || attempt >= 4) throw e;
      }
    }
  }

  async list(): Promise<string[]> {
    const res = await this.backend.list(this.prefix);
    return res.items.map((kv) => leaseIP(kv.value)).filter((ip): ip is string => ip !== undefined);
  }

  async remove(ip: string): Promise<void> {
    try {
      await this.backend.delete(this.prefix + ip);
    } catch (e) {
      if (!isStorageError(e, 'ERR_STORAGE_KEY_NOT_FOUND')) throw e;
    }
  }
}

/** The part of the API server the reconciler writes through: its stores (endpoints, endpointslices). */
export interface EndpointsTarget {
  store(group: string, plural: string): Store;
}

/** One server's place in the kubernetes Service's endpoints. */
export interface EndpointReconciler {
  /** Make the endpoints hold this server (and refresh whatever marks it live). */
  reconcile(): Promise<void>;
  /** Shutting down: take this server out; later reconciles do nothing. */
  remove(): Promise<void>;
}

/** --endpoint-reconciler-type=none: the endpoints are left to someone else. */
export class NoneEndpointReconciler implements EndpointReconciler {
  async reconcile(): Promise<void> {}
  async remove(): Promise<void> {}
}

async function ignoreAlreadyExists(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof KubeError && e.reason === 'AlreadyExists')) throw e;
  }
}

/** Write what a plan says to the Endpoints, then make the EndpointSlice mirror the result (upstream's EndpointsAdapter). */
async function applyPlan(api: EndpointsTarget, plan: EndpointsPlan, current: Subset[] | undefined): Promise<void> {
  if (plan.action === 'skip') return;
  if (plan.action === 'refuse') throw new KubeError('InternalError', plan.message);
  const endpoints = api.store('', 'endpoints');
  let subsets = current ?? [];
  if (plan.action === 'create') {
    await ignoreAlreadyExists(() =>
      endpoints.create('default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: KUBERNETES_SERVICE_NAME, labels: plan.labels }, subsets: plan.subsets }, { skipValidation: true }),
    );
    subsets = plan.subsets;
  } else if (plan.action === 'update') {
    await endpoints.systemUpdate('default', KUBERNETES_SERVICE_NAME, (o) => ({ ...o, metadata: { ...o.metadata, labels: plan.labels }, subsets: plan.subsets }));
    subsets = plan.subsets;
  }
  const slices = api.store('discovery.k8s.io', 'endpointslices');
  const want = endpointSliceFor(subsets);
  const cur = (await slices.tryGet('default', KUBERNETES_SERVICE_NAME)) as SliceView | undefined;
  if (!sliceNeedsWrite(cur, want)) return;
  if (!cur) {
    await ignoreAlreadyExists(() =>
      slices.create('default', {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: KUBERNETES_SERVICE_NAME, labels: { 'kubernetes.io/service-name': KUBERNETES_SERVICE_NAME } },
        ...want,
      }, { skipValidation: true }),
    );
  } else {
    await slices.systemUpdate('default', KUBERNETES_SERVICE_NAME, (o) => ({ ...o, ...want }));
  }
}

async function currentEndpoints(api: EndpointsTarget): Promise<EndpointsView | undefined> {
  const cur = await api.store('', 'endpoints').tryGet('default', KUBERNETES_SERVICE_NAME);
  if (!cur) return undefined;
  return { labels: (cur.metadata?.labels ?? {}) as Record<string, string>, subsets: (cur as { subsets?: Subset[] }).subsets ?? [] };
}

/** Runs one operation at a time (upstream's reconcilingLock): a reconcile never interleaves with the removal. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** upstream LeaseEndpointReconciler. */
export class LeaseEndpointReconciler implements EndpointReconciler {
  private stopping = false;
  private readonly serial = new Serial();

  constructor(
    private readonly api: EndpointsTarget,
    private readonly leases: MasterLeases,
    private readonly ip: string,
    private readonly ports: Port[],
  ) {}

  reconcile(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return this.serial.run(async () => {
      if (this.stopping) return;
      // refresh our key whatever happens below, so that some server adds us
      await this.leases.update(this.ip);
      await this.doReconcile();
    });
  }

  remove(): Promise<void> {
    this.stopping = true;
    return this.serial.run(async () => {
      await this.leases.remove(this.ip);
      await this.doReconcile();
    });
  }

  private async doReconcile(): Promise<void> {
    const current = await currentEndpoints(this.api);
    if (!current && this.stopping) return;
    const leaseIPs = await this.leases.list();
    const plan = planKubernetesEndpoints({ current, leaseIPs, ports: this.ports, stopping: this.stopping });
    await applyPlan(this.api, plan, current?.subsets);
  }
}

/** upstream MasterCountEndpointReconciler (--endpoint-reconciler-type=master-count with --apiserver-count). */
export class MasterCountEndpointReconciler implements EndpointReconciler {
  private stopping = false;
  private readonly serial = new Serial();

  constructor(
    private readonly api: EndpointsTarget,
    private readonly ip: string,
    private readonly ports: Port[],
    private readonly count: number,
  ) {}

  reconcile(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return this.serial.run(async () => {
      if (this.stopping) return;
      const current = await currentEndpoints(this.api);
      const ips = masterCountIPs(current?.subsets, this.ip, this.count);
      await applyPlan(this.api, planKubernetesEndpoints({ current, leaseIPs: ips, ports: this.ports, stopping: false }), current?.subsets);
    });
  }

  remove(): Promise<void> {
    this.stopping = true;
    return this.serial.run(async () => {
      const current = await currentEndpoints(this.api);
      if (!current) return;
      const ips = masterCountIPs(current.subsets, this.ip, Number.MAX_SAFE_INTEGER).filter((ip) => ip !== this.ip);
      await applyPlan(this.api, planKubernetesEndpoints({ current, leaseIPs: ips, ports: this.ports, stopping: true }), current.subsets);
    });
  }
}

/** The reconciler --endpoint-reconciler-type names, for this server. */
export function createEndpointReconciler(
  type: EndpointReconcilerType,
  o: { api: EndpointsTarget; backend: Backend; ip: string; securePort: number; ttlSeconds?: number; apiserverCount?: number },
): EndpointReconciler {
  const ports = kubernetesEndpointPorts(o.securePort);
  switch (type) {
    case 'none':
      return new NoneEndpointReconciler();
    case 'master-count':
      return new MasterCountEndpointReconciler(o.api, o.ip, ports, o.apiserverCount ?? 1);
    case 'lease':
      return new LeaseEndpointReconciler(o.api, new StorageMasterLeases(o.backend, o.ttlSeconds ?? DEFAULT_ENDPOINT_RECONCILER_TTL_SECONDS), o.ip, ports);
  }
}
