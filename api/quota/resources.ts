/**
 * Resource lists as quota counts them (upstream's k8s.io/apiserver/pkg/quota/v1 helpers and the resource name
 * sets of pkg/apis/core/helper): pure functions over `name -> quantity string` maps. Sums keep upstream's
 * canonical quantity strings (`600Mi`, `1500m`), so messages read as a real cluster's.
 */
import { addQuantities, compare, formatQuantity, parseQuantity, subtractQuantities, tryParseQuantity } from '../quantity.js';

/** A resource list: resource name -> quantity (canonical string). */
export type ResourceList = Record<string, string>;

const q = (v: string | undefined): string => v ?? '0';

/** quota.Add: every key of either list, summed. */
export function addLists(a: ResourceList | undefined, b: ResourceList | undefined): ResourceList {
  const out: ResourceList = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = k in out ? formatQuantity(addQuantities(q(out[k]), v)) : formatQuantity(v);
  return out;
}

/** quota.Subtract: a's keys minus b's (b's keys missing from a are negated). */
export function subtractLists(a: ResourceList | undefined, b: ResourceList | undefined): ResourceList {
  const out: ResourceList = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = formatQuantity(subtractQuantities(q(out[k]), v));
  return out;
}

/** quota.SubtractWithNonNegativeResult: as subtractLists, negatives become 0. */
export function subtractNonNegative(a: ResourceList | undefined, b: ResourceList | undefined): ResourceList {
  const out = subtractLists(a, b);
  for (const [k, v] of Object.entries(out)) if (parseQuantity(v).nanos < 0n) out[k] = '0';
  return out;
}

/** quota.Mask: only the named keys. */
export function maskList(list: ResourceList | undefined, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (list && n in list) out[n] = list[n]!;
  return out;
}

/** quota.RemoveZeros. */
export function removeZeros(list: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list)) if (parseQuantity(v).nanos !== 0n) out[k] = v;
  return out;
}

/** quota.IsNegative: the names whose value is below zero. */
export function negativeNames(list: ResourceList): string[] {
  return Object.entries(list).filter(([, v]) => parseQuantity(v).nanos < 0n).map(([k]) => k);
}

/** quota.Equals: the same keys with equal values. */
export function listsEqual(a: ResourceList | undefined, b: ResourceList | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  if (Object.keys(x).length !== Object.keys(y).length) return false;
  return Object.entries(x).every(([k, v]) => k in y && compare(v, y[k]!) === 0);
}

/** quota.LessThanOrEqual: whether every key of a that b names is within b, and the keys that are not. */
export function lessThanOrEqual(a: ResourceList, b: ResourceList | undefined): { allowed: boolean; exceeded: string[] } {
  const exceeded: string[] = [];
  for (const [k, v] of Object.entries(a)) {
    const limit = b?.[k];
    if (limit !== undefined && compare(v, limit) > 0) exceeded.push(k);
  }
  return { allowed: exceeded.length === 0, exceeded };
}

/** The admission plugin's prettyPrint: `k=v` sorted by name, joined with `,`. */
export function prettyPrint(list: ResourceList): string {
  return Object.keys(list).sort().map((k) => `${k}=${formatQuantity(list[k]!)}`).join(',');
}

/** prettyPrintResourceNames: sorted, joined with `,`. */
export function prettyPrintResourceNames(names: Iterable<string>): string {
  return [...names].sort().join(',');
}

/** A resource list read from an object, keeping only valid quantities, canonicalized. */
export function readList(v: unknown): ResourceList {
  const out: ResourceList = {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    const p = typeof x === 'string' || typeof x === 'number' ? tryParseQuantity(x) : undefined;
    if (p) out[k] = formatQuantity(p);
  }
  return out;
}

// ------------------------------------------------------------------ upstream's resource name sets (pkg/apis/core/helper)

export const STANDARD_QUOTA_RESOURCES: ReadonlySet<string> = new Set([
  'pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'persistentvolumeclaims', 'services', 'replicationcontrollers',
  'resourcequotas', 'secrets', 'configmaps', 'services.nodeports', 'services.loadbalancers',
]);

export const STANDARD_RESOURCES: ReadonlySet<string> = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory',
  'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);

const INTEGER_RESOURCES: ReadonlySet<string> = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'services.nodeports', 'services.loadbalancers', 'secrets',
  'configmaps', 'persistentvolumeclaims',
]);

/** IsNativeResource: no domain, or a kubernetes.io one. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** IsExtendedResourceName: fully qualified outside kubernetes.io, not `requests.`-prefixed. */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return true;
}

export function isHugePagesResource(name: string): boolean {
  return name.startsWith('hugepages-');
}

/** IsQuotaHugePageResourceName: `hugepages-*` or `requests.hugepages-*`. */
export function isQuotaHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
}

export function isStandardQuotaResourceName(name: string): boolean {
  return STANDARD_QUOTA_RESOURCES.has(name) || isQuotaHugePageResourceName(name);
}

export function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.has(name) || isQuotaHugePageResourceName(name);
}

export function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
}

/** IsOvercommitAllowed: native resources other than hugepages. */
export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePagesResource(name);
}

// ------------------------------------------------------------------ quota scopes

export const STANDARD_QUOTA_SCOPES: readonly string[] = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];

const POD_OBJECT_COUNT_RESOURCES: ReadonlySet<string> = new Set(['pods']);
const POD_COMPUTE_RESOURCES: ReadonlySet<string> = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);

/** IsResourceQuotaScopeValidForResource. */
export function isScopeValidForResource(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating':
    case 'NotTerminating':
    case 'NotBestEffort':
    case 'PriorityClass':
    case 'CrossNamespacePodAffinity':
      return POD_OBJECT_COUNT_RESOURCES.has(resource) || POD_COMPUTE_RESOURCES.has(resource);
    case 'BestEffort':
      return POD_OBJECT_COUNT_RESOURCES.has(resource);
    default:
      return true;
  }
}
