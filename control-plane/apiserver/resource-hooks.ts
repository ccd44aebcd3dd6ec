/**
 * Resource-specific behaviour around the generic store that needs I/O (what a kind's descriptor, pure,
 * cannot hold): Service address allocation, namespace lifecycle (admission and two-phase deletion).
 * STORE_EXTENSIONS says which kind each extends; the API server reads the table, never a kind's name.
 */
import { errors, KubeError, type StatusCause } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/index.js';
import type { Store, StoreHooks } from './store.js';
import { AlreadyAllocatedError, type NodePortAllocator, type ServiceIPAllocator } from './range-allocator.js';
import { nowRfc3339, type ApiObject } from './object-meta.js';
import { asKind, type KindView } from './object-views.js';
import { validateNamespaceFinalizeUpdate } from '../../api/strategies/core.js';

type ServiceView = KindView<'Service'>;

function invalidService(name: string, causes: StatusCause[]): KubeError {
  return errors.invalid('Service', '', name, causes);
}

function wantsNodePorts(svc: ServiceView): boolean {
  return svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
}

function wantsClusterIP(svc: ServiceView): boolean {
  return svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
}

/** The nodePorts a Service's ports hold. */
export function nodePortsOf(svc: ServiceView | undefined): number[] {
  return (svc?.spec?.ports ?? []).map((p) => p.nodePort).filter((p): p is number => typeof p === 'number');
}

/** The ClusterIPs a Service holds ('None' for a headless one). */
export function clusterIPsOf(svc: ServiceView): string[] {
  return (svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])).filter((ip) => ip !== '');
}

/** What one allocation needs of the ClusterIP and NodePort ranges. */
interface AllocationOps {
  allocateIP(ip: string): Promise<void>;
  allocateNextIP(): Promise<string>;
  allocatePort(port: number): Promise<void>;
  allocateNextPort(): Promise<number>;
}

function realOps(ips: ServiceIPAllocator, ports: NodePortAllocator): AllocationOps {
  return {
    allocateIP: (ip) => ips.allocate(ip),
    allocateNextIP: () => ips.allocateNext(),
    allocatePort: (p) => ports.allocate(p),
    allocateNextPort: () => ports.allocateNext(),
  };
}

/**
 * One dry run's allocations, as upstream's dry-run allocators (ipallocator's dryRunRange, portallocator's
 * PortAllocationOperation with dryRun): nothing is kept. A requested ClusterIP is only checked to be in the range;
 * any other is the range's network address (10.96.0.0). A requested NodePort must not be held already (nor twice
 * in the request); any other is one above the highest this operation gave, starting at 32769.
 */
export function dryRunOps(ips: ServiceIPAllocator, ports: NodePortAllocator): AllocationOps {
  const given: number[] = [];
  return {
    allocateIP: async (ip) => void ips.inRangeOffset(ip),
    allocateNextIP: async () => ips.networkAddress,
    async allocatePort(p) {
      if (given.includes(p) || (await ports.has(p))) throw new AlreadyAllocatedError('port');
      given.push(p);
    },
    async allocateNextPort() {
      const p = (given.length === 0 ? 32768 : Math.max(...given)) + 1;
      given.push(p);
      return p;
    },
  };
}

export function serviceHooks(ips: ServiceIPAllocator, ports: NodePortAllocator): StoreHooks {
  async function allocate(svc: ServiceView, old: ServiceView | undefined, taken: { ips: string[]; ports: number[] }, ops: AllocationOps): Promise<void> {
    const name = svc.metadata?.name ?? '';
    svc.spec ??= {};
    // ClusterIP (immutable after create; validation of updates keeps it).
    if (!old && wantsClusterIP(svc)) {
      const requested = svc.spec.clusterIP || svc.spec.clusterIPs?.[0];
      if (requested) {
        try {
          await ops.allocateIP(requested);
          taken.ips.push(requested);
        } catch (e) {
          const why = e instanceof AlreadyAllocatedError ? 'provided IP is already allocated' : (e as Error).message;
          throw invalidService(name, [
            { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: []string{"${requested}"}: failed to allocate IP ${requested}: ${why}` },
          ]);
        }
        svc.spec.clusterIP = requested;
      } else {
        const ip = await ops.allocateNextIP();
        taken.ips.push(ip);
        svc.spec.clusterIP = ip;
      }
      svc.spec.clusterIPs = [svc.spec.clusterIP];
    } else if (!old && svc.spec.clusterIP === 'None') {
      svc.spec.clusterIPs = ['None'];
    }
    // NodePorts.
    const oldPorts = new Set<number>(nodePortsOf(old));
    if (wantsNodePorts(svc)) {
      const used = new Set<number>();
      for (const [i, p] of (svc.spec.ports ?? []).entries()) {
        if (typeof p.nodePort === 'number' && p.nodePort !== 0) {
          if (oldPorts.has(p.nodePort) || used.has(p.nodePort)) {
            used.add(p.nodePort);
            continue;
          }
          try {
            await ops.allocatePort(p.nodePort);
            taken.ports.push(p.nodePort);
            used.add(p.nodePort);
          } catch (e) {
            const why = e instanceof AlreadyAllocatedError ? 'provided port is already allocated' : (e as Error).message;
            throw invalidService(name, [{ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: ${why}` }]);
          }
        } else {
          // Reuse the old port of the same service port when there was one (kubectl apply omits nodePort).
          const prev = (old?.spec?.ports ?? []).find((op) => op.port === p.port && (op.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
          if (prev?.nodePort && !used.has(prev.nodePort)) {
            p.nodePort = prev.nodePort;
          } else {
            p.nodePort = await ops.allocateNextPort();
            taken.ports.push(p.nodePort);
          }
          used.add(p.nodePort);
        }
      }
    } else {
      for (const p of svc.spec.ports ?? []) delete p.nodePort;
    }
  }

  const pending = new WeakMap<ApiObject, { ips: string[]; ports: number[] }>();

  async function releaseTaken(svc: ApiObject): Promise<void> {
    const t = pending.get(svc);
    if (!t) return;
    for (const ip of t.ips) await ips.release(ip);
    for (const p of t.ports) await ports.release(p);
    pending.delete(svc);
  }

  /** Allocate for a create (no `old`) or an update; when it fails, give back what this attempt took. A dry run keeps nothing. */
  async function allocateOrRelease(svc: ServiceView, old: ServiceView | undefined, dryRun = false): Promise<void> {
    const taken = { ips: [] as string[], ports: [] as number[] };
    if (dryRun) return allocate(svc, old, taken, dryRunOps(ips, ports));
    pending.set(svc, taken);
    try {
      await allocate(svc, old, taken, realOps(ips, ports));
    } catch (e) {
      await releaseTaken(svc);
      throw e;
    }
  }

  return {
    beforeCreate: (obj, opts) => allocateOrRelease(asKind(obj, 'Service'), undefined, opts?.dryRun),
    createFailed: releaseTaken,
    // A switch to or from ExternalName/headless is not supported here: clusterIP is immutable.
    beforeUpdate: (obj, old, opts) => allocateOrRelease(asKind(obj, 'Service'), asKind(old, 'Service'), opts?.dryRun),
    async updateFailed(svc) {
      await releaseTaken(svc);
    },
    async updateCommitted(obj, old) {
      pending.delete(obj);
      const now = new Set<number>(nodePortsOf(asKind(obj, 'Service')));
      for (const p of nodePortsOf(asKind(old, 'Service'))) {
        if (!now.has(p)) await ports.release(p);
      }
    },
    async afterDelete(obj) {
      const svc = asKind(obj, 'Service');
      for (const ip of clusterIPsOf(svc)) if (ip !== 'None') await ips.release(ip);
      for (const p of nodePortsOf(svc)) await ports.release(p);
    },
  };
}

/** Admission for namespaced creates: the namespace must exist and not be terminating (NamespaceLifecycle). */
export function namespaceAdmission(namespaces: Store, resource: string): (obj: KubeObject) => Promise<void> {
  return async (obj) => {
    const ns = obj.metadata?.namespace;
    if (!ns) return;
    // The namespaces watch cache answers without an etcd round trip; a miss is re-checked in etcd
    // (the cache may lag a namespace created a moment ago).
    const stored = namespaces.cache.peek(`/registry/namespaces/${ns}`) ?? (await namespaces.tryGet(undefined, ns));
    if (!stored) throw errors.notFound('namespaces', '', ns);
    const nsObj = asKind(stored, 'Namespace');
    if (nsObj.metadata?.deletionTimestamp || nsObj.status?.phase === 'Terminating') {
      if (resource === 'events') return; // upstream lets events in so deletion can be reported
      throw new KubeError('Forbidden', `${resource} "${obj.metadata?.name ?? ''}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, {
        details: { name: obj.metadata?.name, kind: resource, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }] },
      });
    }
  };
}

const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Namespace deletion is two-phase: Terminating until the namespace controller empties it and finalizes. */
export function namespaceHooks(store: () => Store): StoreHooks {
  return {
    async customDelete(obj, opts) {
      const ns = asKind(obj, 'Namespace');
      const name = ns.metadata.name ?? '';
      if (IMMORTAL_NAMESPACES.has(name)) {
        throw new KubeError('Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
          details: { name, kind: 'namespaces' },
        });
      }
      const specFinalizers = ns.spec?.finalizers ?? [];
      const metaFinalizers = ns.metadata.finalizers ?? [];
      if (specFinalizers.length === 0 && metaFinalizers.length === 0) return undefined; // plain delete
      if (ns.metadata.deletionTimestamp) return ns;
      return store().systemUpdate(
        undefined,
        name,
        (stored) => {
          const cur = asKind(stored, 'Namespace');
          cur.metadata.deletionTimestamp = nowRfc3339();
          cur.metadata.deletionGracePeriodSeconds = 0;
          cur.status = { ...(cur.status ?? {}), phase: 'Terminating' };
          return cur;
        },
        { dryRun: opts?.dryRun === true },
      );
    },
  };
}

/**
 * PUT namespaces/{name}/finalize: the namespace's spec.finalizers become `finalizers`; a terminating
 * namespace left with no finalizer of either kind is removed. Returns the namespace as written.
 * `admit` (admission) sees the update first; the result is validated as upstream's finalize strategy.
 */
export async function finalizeNamespace(
  namespaces: Store,
  name: string,
  finalizers: string[],
  admit: (next: KubeObject, cur: KubeObject) => Promise<void> = async () => {},
  opts: { dryRun?: boolean } = {},
): Promise<KubeObject> {
  const stored = await namespaces.systemUpdate(
    undefined,
    name,
    async (stored) => {
      const cur = asKind(stored, 'Namespace');
      const next = { ...cur, spec: { ...(cur.spec ?? {}), finalizers } };
      await admit(next, cur);
      const causes = validateNamespaceFinalizeUpdate(next, cur);
      if (causes.length > 0) throw errors.invalid('Namespace', '', name, causes);
      return next;
    },
    { dryRun: opts.dryRun === true },
  );
  const out = asKind(stored, 'Namespace');
  if (opts.dryRun) return out;
  if (out.metadata.deletionTimestamp && !(out.spec?.finalizers?.length ?? 0) && !(out.metadata.finalizers?.length ?? 0)) {
    await namespaces.forceRemove(undefined, name, out.metadata.resourceVersion);
  }
  return out;
}

/** What a store extension may use of the API server. */
export interface StoreExtensionContext {
  readonly serviceIPs: ServiceIPAllocator;
  readonly nodePorts: NodePortAllocator;
  store(group: string, plural: string): Store;
}

/** The I/O extensions of a kind's store, by `group/plural` (upstream's per-resource REST storage). */
export const STORE_EXTENSIONS: Readonly<Record<string, (ctx: StoreExtensionContext) => StoreHooks>> = {
  '/namespaces': (ctx) => namespaceHooks(() => ctx.store('', 'namespaces')),
  '/services': (ctx) => serviceHooks(ctx.serviceIPs, ctx.nodePorts),
};
