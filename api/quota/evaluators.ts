/**
 * Quota evaluators (upstream's pkg/quota/v1/evaluator/core and k8s.io/apiserver/pkg/quota/v1/generic): for each
 * resource kind, which quota resource names it is counted under, its usage, the scopes it matches and the
 * constraints it must meet. Pure: the ResourceQuota admission plugin (the charge) and the resourcequota
 * controller (status.used) both read these.
 *
 * - pods: `pods` (only while not terminal), `count/pods` (always), cpu/memory (= requests), requests.*, limits.*,
 *   ephemeral-storage, hugepages and extended `requests.<name>`; scopes Terminating, NotTerminating, BestEffort,
 *   NotBestEffort, PriorityClass, CrossNamespacePodAffinity; compute resources need an explicit request/limit on
 *   every container when quota'd (`must specify limits.cpu for: a,b`).
 * - services: `services`, `count/services`, `services.nodeports` (NodePort and LoadBalancer ports),
 *   `services.loadbalancers`; on CREATE and UPDATE.
 * - persistentvolumeclaims: `persistentvolumeclaims`, `count/persistentvolumeclaims`, `requests.storage` (the request
 *   rounded up to whole bytes, or status.allocatedResources when larger), and per class
 *   `<class>.storageclass.storage.k8s.io/persistentvolumeclaims` and `.../requests.storage`; on CREATE and UPDATE (a
 *   resize is charged its growth).
 * - every other kind: object count `count/<resource>[.<group>]`, plus the legacy name of configmaps, secrets,
 *   resourcequotas, replicationcontrollers and persistentvolumeclaims; a quota with scopes never matches them.
 */
import type { Pod, Relaxed, Service } from '../types/index.js';
import { isPodPhaseTerminal } from '../pods.js';
import { podQOSClass } from '../strategies/pod.js';
import { selectorMatches } from '../strategies/validation.js';
import { podLimits, podRequests } from './pod-resources.js';
import { addLists, isExtendedResourceName, readList, type ResourceList } from './resources.js';
import { persistentVolumeClaimClass } from '../strategies/storage.js';
import { compare, formatQuantity, parseQuantity, unitQuantity, valueBig } from '../quantity.js';

export interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values?: string[];
}

export interface QuotaEvaluator {
  group: string;
  resource: string;
  /** Which operations change usage (upstream's Handles). */
  handles(operation: 'CREATE' | 'UPDATE' | 'DELETE'): boolean;
  /** The names among `names` this kind is counted under (MatchingResources). */
  matchingResources(names: readonly string[]): string[];
  usage(obj: unknown, now: Date): ResourceList;
  matchesScope(scope: ScopeRequirement, obj: unknown): boolean;
  /** The constraints message for the resources a matching quota restricts, or undefined (Constraints). */
  constraints(required: readonly string[], obj: unknown): string | undefined;
}

/** A quota's scopes as selector requirements (getScopeSelectorsFromQuota). */
export function quotaScopes(spec: { scopes?: string[]; scopeSelector?: { matchExpressions?: Partial<ScopeRequirement>[] } } | undefined): ScopeRequirement[] {
  const out: ScopeRequirement[] = (spec?.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists' }));
  for (const r of spec?.scopeSelector?.matchExpressions ?? []) out.push({ scopeName: String(r.scopeName ?? ''), operator: String(r.operator ?? ''), values: r.values ?? [] });
  return out;
}

/** generic.Matches: the quota names one of the kind's resources in status.hard, and every scope matches. */
export function quotaMatches(e: QuotaEvaluator, hard: ResourceList, scopes: readonly ScopeRequirement[], obj: unknown): boolean {
  if (e.matchingResources(Object.keys(hard)).length === 0) return false;
  return scopes.every((s) => e.matchesScope(s, obj));
}

// ------------------------------------------------------------------ pods

const POD_RESOURCES = new Set([
  'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods',
]);
const POD_VALIDATION_SET = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** podComputeUsageHelper: a requests/limits pair as quota names it. */
export function podComputeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: '1' };
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (r in requests) {
      out[r] = requests[r]!;
      out[`requests.${r}`] = requests[r]!;
    }
    if (r in limits) out[`limits.${r}`] = limits[r]!;
  }
  for (const [r, v] of Object.entries(requests)) {
    if (r.startsWith('hugepages-')) {
      out[r] = v;
      out[`requests.${r}`] = v;
    }
    if (isExtendedResourceName(r)) out[`requests.${r}`] = v;
  }
  return out;
}

const asPod = (o: unknown): Relaxed<Pod> => (o && typeof o === 'object' ? (o as Relaxed<Pod>) : {}) as Relaxed<Pod>;

/** QuotaV1Pod: a terminal pod, or one stuck past its deletion grace period, is no longer charged compute. */
export function podChargesCompute(pod: Relaxed<Pod>, now: Date): boolean {
  if (isPodPhaseTerminal(pod.status?.phase)) return false;
  const ts = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (ts && typeof grace === 'number' && now.getTime() > Date.parse(String(ts)) + grace * 1000) return false;
  return true;
}

/** PodUsageFunc. */
export function podUsage(pod: Relaxed<Pod>, now: Date): ResourceList {
  const counted: ResourceList = { 'count/pods': '1' };
  if (!podChargesCompute(pod, now)) return counted;
  return addLists(counted, podComputeUsage(podRequests(pod.spec), podLimits(pod.spec)));
}

function isTerminating(pod: Relaxed<Pod>): boolean {
  const s = pod.spec?.activeDeadlineSeconds;
  return typeof s === 'number' && s >= 0;
}

function usesCrossNamespacePodAffinity(pod: Relaxed<Pod>): boolean {
  const a = pod.spec?.affinity;
  const terms = [
    ...(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w?.podAffinityTerm),
    ...(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w?.podAffinityTerm),
  ];
  return terms.some((t) => t && ((t.namespaces?.length ?? 0) > 0 || t.namespaceSelector !== undefined));
}

/** podMatchesScopeFunc. */
export function podMatchesScope(scope: ScopeRequirement, obj: unknown): boolean {
  const pod = asPod(obj);
  switch (scope.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return podQOSClass(pod.spec) === 'BestEffort';
    case 'NotBestEffort':
      return podQOSClass(pod.spec) !== 'BestEffort';
    case 'PriorityClass': {
      const pc = pod.spec?.priorityClassName ?? '';
      if (scope.operator === 'Exists') return pc.length !== 0;
      // ScopedResourceSelectorRequirementsAsSelector: a label selector over {PriorityClass: <name>}.
      return selectorMatches({ matchExpressions: [{ key: 'PriorityClass', operator: scope.operator, values: scope.values ?? [] }] }, { PriorityClass: pc });
    }
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
    default:
      return false;
  }
}

/** Constraints: every container must name each quota'd compute resource (`must specify cpu for: a,b`). */
export function podConstraints(required: readonly string[], obj: unknown): string | undefined {
  const pod = asPod(obj);
  const need = required.filter((r) => POD_VALIDATION_SET.has(r));
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const has = podComputeUsage(readAll(c?.resources?.requests), readAll(c?.resources?.limits));
    for (const r of need) if (!(r in has)) (missing.get(r) ?? missing.set(r, new Set()).get(r)!).add(String(c?.name ?? ''));
  }
  if (missing.size === 0) return undefined;
  return [...missing.keys()].sort().map((r) => `must specify ${r} for: ${[...missing.get(r)!].sort().join(',')}`).join('; ');
}

function readAll(v: Record<string, string | number> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, x] of Object.entries(v ?? {})) out[k] = String(x);
  return out;
}

export const podEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'pods',
  handles: (op) => op === 'CREATE',
  matchingResources: (names) => names.filter((n) => POD_RESOURCES.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || (n.startsWith('requests.') && isExtendedResourceName(n.slice('requests.'.length)))),
  usage: (obj, now) => podUsage(asPod(obj), now),
  matchesScope: podMatchesScope,
  constraints: podConstraints,
};

// ------------------------------------------------------------------ services

const SERVICE_RESOURCES = new Set(['count/services', 'services', 'services.loadbalancers', 'services.nodeports']);

/** The service evaluator's Usage. */
export function serviceUsage(svc: Relaxed<Service>): ResourceList {
  const out: ResourceList = { 'count/services': '1', services: '1' };
  const ports = svc.spec?.ports ?? [];
  switch (svc.spec?.type) {
    case 'NodePort':
      out['services.nodeports'] = String(ports.length);
      break;
    case 'LoadBalancer':
      out['services.nodeports'] = String(svc.spec?.allocateLoadBalancerNodePorts === false ? ports.filter((p) => (p?.nodePort ?? 0) !== 0).length : ports.length);
      out['services.loadbalancers'] = '1';
      break;
  }
  return out;
}

export const serviceEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'services',
  handles: (op) => op === 'CREATE' || op === 'UPDATE',
  matchingResources: (names) => names.filter((n) => SERVICE_RESOURCES.has(n)),
  usage: (obj) => serviceUsage((obj ?? {}) as Relaxed<Service>),
  matchesScope: () => false,
  constraints: () => undefined,
};

// ------------------------------------------------------------------ persistent volume claims

/** V1ResourceByStorageClass: `<class>.storageclass.storage.k8s.io/<resource>`. */
export const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];
const PVC_COUNT = 'count/persistentvolumeclaims';

/** A whole number of bytes (upstream rounds storage requests up: quota values must be integers, issue 94313). */
function roundUpBytes(q: string): string {
  const p = parseQuantity(q);
  return p.nanos % 1_000_000_000n === 0n ? formatQuantity(p) : formatQuantity(unitQuantity(valueBig(p), p.format));
}

interface ClaimView { metadata?: { annotations?: Record<string, string> }; spec?: { storageClassName?: string; resources?: { requests?: unknown } }; status?: { allocatedResources?: unknown } }

/** pvcEvaluator.getStorageUsage: the storage request, or status.allocatedResources when larger (RecoverVolumeExpansionFailure). */
export function claimStorageUsage(pvc: ClaimView): string | undefined {
  const req = readList(pvc.spec?.resources?.requests).storage;
  if (req === undefined) return undefined;
  const allocated = readList(pvc.status?.allocatedResources).storage;
  return roundUpBytes(allocated !== undefined && compare(allocated, req) > 0 ? allocated : req);
}

/** pvcEvaluator.Usage. */
export function claimUsage(obj: unknown): ResourceList {
  const pvc = (obj && typeof obj === 'object' ? obj : {}) as ClaimView;
  const out: ResourceList = { persistentvolumeclaims: '1', [PVC_COUNT]: '1' };
  const cls = persistentVolumeClaimClass(pvc as Parameters<typeof persistentVolumeClaimClass>[0]);
  if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = '1';
  const storage = claimStorageUsage(pvc);
  if (storage !== undefined) {
    out['requests.storage'] = storage;
    if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`] = storage;
  }
  return out;
}

/** pvcEvaluator.MatchingResources: the count, the pvc resources, and either of them by storage class. */
export function isClaimResource(n: string): boolean {
  return n === PVC_COUNT || PVC_RESOURCES.includes(n) || PVC_RESOURCES.some((r) => n.endsWith(`${STORAGE_CLASS_SUFFIX}${r}`));
}

export const claimEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'persistentvolumeclaims',
  handles: (op) => op === 'CREATE' || op === 'UPDATE',
  matchingResources: (names) => names.filter(isClaimResource),
  usage: (obj) => claimUsage(obj),
  matchesScope: () => false,
  constraints: () => undefined,
};

// ------------------------------------------------------------------ object count

/** The legacy quota names of core kinds counted by object count (configmaps, secrets, ...). */
const LEGACY_COUNT_NAMES: Record<string, string> = {
  configmaps: 'configmaps',
  secrets: 'secrets',
  resourcequotas: 'resourcequotas',
  replicationcontrollers: 'replicationcontrollers',
  persistentvolumeclaims: 'persistentvolumeclaims',
};

/** `count/<resource>` for the core group, `count/<resource>.<group>` for the others (ObjectCountQuotaResourceNameFor). */
export function objectCountName(group: string, resource: string): string {
  return group === '' ? `count/${resource}` : `count/${resource}.${group}`;
}

/** generic.NewObjectCountEvaluator: one of each object, under count/<r> (and its legacy name). */
export function objectCountEvaluator(group: string, resource: string): QuotaEvaluator {
  const names = [objectCountName(group, resource), ...(group === '' && LEGACY_COUNT_NAMES[resource] ? [LEGACY_COUNT_NAMES[resource]] : [])];
  const usage: ResourceList = Object.fromEntries(names.map((n) => [n, '1']));
  return {
    group,
    resource,
    handles: (op) => op === 'CREATE',
    matchingResources: (hard) => hard.filter((n) => names.includes(n)),
    usage: () => ({ ...usage }),
    matchesScope: () => false,
    constraints: () => undefined,
  };
}

/** The evaluator of a resource: pods and services have their own, every other kind counts objects. */
export function evaluatorFor(group: string, resource: string): QuotaEvaluator {
  if (group === '' && resource === 'pods') return podEvaluator;
  if (group === '' && resource === 'services') return serviceEvaluator;
  if (group === '' && resource === 'persistentvolumeclaims') return claimEvaluator;
  return objectCountEvaluator(group, resource);
}

/** A quota resource name as the kind it counts (`count/deployments.apps` -> apps/deployments), for the controller. */
export function countedKindOf(name: string): { group: string; resource: string } | undefined {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
  }
  if (name in LEGACY_COUNT_NAMES) return { group: '', resource: name };
  if (podEvaluator.matchingResources([name]).length) return { group: '', resource: 'pods' };
  if (SERVICE_RESOURCES.has(name)) return { group: '', resource: 'services' };
  if (isClaimResource(name)) return { group: '', resource: 'persistentvolumeclaims' };
  return undefined;
}

/**
 * quota.CalculateUsage over one kind's objects (generic.CalculateUsageStats): the usage of the objects matching every
 * scope, each tracked resource starting at 0, masked to the resources the kind is counted under.
 */
export function kindUsage(e: QuotaEvaluator, hard: readonly string[], scopes: readonly ScopeRequirement[], objects: readonly unknown[], now: Date): ResourceList {
  const tracked = e.matchingResources(hard);
  if (tracked.length === 0) return {};
  let used: ResourceList = Object.fromEntries(tracked.map((n) => [n, '0']));
  for (const o of objects) if (scopes.every((s) => e.matchesScope(s, o))) used = addLists(used, e.usage(o, now));
  const out: ResourceList = {};
  for (const n of tracked) out[n] = used[n]!;
  return out;
}
