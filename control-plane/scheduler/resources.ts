/**
 * Resource arithmetic for scheduling: quantities to integers (milli-CPU, bytes, counts),
 * a pod's effective request (upstream's resourcehelper.PodRequests) and the "non-zero"
 * request scoring uses for pods that ask for nothing (100m CPU, 200Mi memory).
 */
import { scaledValueBig } from '../../api/quantity.js';
import type { SchedContainer, SchedPod, SchedQuantity } from './types.js';
import { aggregateContainerResources, type ResourceArithmetic } from '../../api/quota/pod-resources.js';

export const RESOURCE_CPU = 'cpu';
export const RESOURCE_MEMORY = 'memory';
export const RESOURCE_EPHEMERAL_STORAGE = 'ephemeral-storage';
export const RESOURCE_PODS = 'pods';

/** upstream pkg/scheduler/util: DefaultMilliCPURequest and DefaultMemoryRequest. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** Integer amounts of every resource the scheduler accounts for. */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  /** Extended resources (example.com/foo), hugepages-*, attachable-volumes-*: integer values. */
  scalar: Record<string, number>;
}

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: {} };
}

export function cloneResource(r: Resource): Resource {
  return { ...r, scalar: { ...r.scalar } };
}

/**
 * A quantity scaled by 10^scaleExp and rounded up, as upstream's Quantity.ScaledValue:
 * scaleExp 0 is Value(), -3 is MilliValue(). Exact (api/quantity.ts, BigInt), so "0.1" is 100m, not 101m.
 */
export function scaledQuantity(q: SchedQuantity | undefined | null, scaleExp: number): number {
  if (q === undefined || q === null || q === '') return 0;
  if (typeof q === 'string') {
    const memoKey = scaleExp === 0 ? q : `${q}\u0000${scaleExp}`;
    const hit = memo.get(memoKey);
    if (hit !== undefined) return hit;
    const v = parseScaled(q, scaleExp);
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(memoKey, v);
    return v;
  }
  return parseScaled(q, scaleExp);
}

/** Quantity strings repeat endlessly ("100m", "500Mi"): parse each once. Bounded. */
const memo = new Map<string, number>();
const MEMO_MAX = 4096;

function parseScaled(q: SchedQuantity, scaleExp: number): number {
  return Number(scaledValueBig(q, scaleExp));
}

export const milliValue = (q: SchedQuantity | undefined | null): number => scaledQuantity(q, -3);
export const intValue = (q: SchedQuantity | undefined | null): number => scaledQuantity(q, 0);

/** upstream schedutil.IsScalarResourceName: extended, hugepages-*, attachable-volumes-*, native kubernetes.io/*. */
export function isScalarResourceName(name: string): boolean {
  if (name === RESOURCE_CPU || name === RESOURCE_MEMORY || name === RESOURCE_EPHEMERAL_STORAGE || name === RESOURCE_PODS) return false;
  return name.includes('/') || name.startsWith('hugepages-') || name.startsWith('attachable-volumes-');
}

/** Add a ResourceList (name -> quantity) to a Resource in place. */
export function addResourceList(r: Resource, list: Record<string, SchedQuantity> | null | undefined): void {
  if (!list) return;
  for (const [name, q] of Object.entries(list)) {
    switch (name) {
      case RESOURCE_CPU: r.milliCPU += milliValue(q); break;
      case RESOURCE_MEMORY: r.memory += intValue(q); break;
      case RESOURCE_EPHEMERAL_STORAGE: r.ephemeralStorage += intValue(q); break;
      case RESOURCE_PODS: r.allowedPodNumber += intValue(q); break;
      default:
        if (isScalarResourceName(name)) r.scalar[name] = (r.scalar[name] ?? 0) + intValue(q);
    }
  }
}

export function resourceFromList(list: Record<string, SchedQuantity> | null | undefined): Resource {
  const r = emptyResource();
  addResourceList(r, list);
  return r;
}

export function addResource(into: Resource, r: Resource, sign = 1): void {
  into.milliCPU += sign * r.milliCPU;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  into.allowedPodNumber += sign * r.allowedPodNumber;
  for (const [k, v] of Object.entries(r.scalar)) into.scalar[k] = (into.scalar[k] ?? 0) + sign * v;
}

function maxResource(into: Resource, r: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, r.milliCPU);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  for (const [k, v] of Object.entries(r.scalar)) into.scalar[k] = Math.max(into.scalar[k] ?? 0, v);
}

function containerRequests(c: SchedContainer, nonZero: boolean): Resource {
  const r = resourceFromList(c.resources?.requests);
  if (nonZero) {
    const req = c.resources?.requests ?? {};
    if (!(RESOURCE_CPU in req)) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!(RESOURCE_MEMORY in req)) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/** The scheduler's integer arithmetic for the one pod resource formula (api/quota/pod-resources.ts). */
const RESOURCES: ResourceArithmetic<Resource> = {
  empty: emptyResource,
  add: (a, b) => {
    const out = cloneResource(a);
    addResource(out, b);
    return out;
  },
  max: (a, b) => {
    const out = cloneResource(a);
    maxResource(out, b);
    return out;
  },
};

/**
 * A pod's effective request, as upstream's resourcehelper.PodRequests: the one formula of
 * aggregateContainerResources (app containers + sidecars, or an init container + the sidecars before it,
 * whichever is larger) + spec.overhead.
 * With `nonZero`, a container missing a cpu/memory request counts 100m / 200Mi (scoring only).
 */
export function podRequests(pod: SchedPod, nonZero = false): Resource {
  const reqs = aggregateContainerResources<SchedContainer, Resource>(pod.spec, (c) => containerRequests(c, nonZero), RESOURCES);
  addResourceList(reqs, pod.spec.overhead ?? undefined);
  reqs.allowedPodNumber = 0;
  return reqs;
}
