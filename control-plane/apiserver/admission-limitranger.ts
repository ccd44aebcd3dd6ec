/**
 * The LimitRanger admission plugin (upstream plugin/pkg/admission/limitranger), for pods (PersistentVolumeClaims,
 * the other kind upstream's plugin handles, are not served yet). On a pod's CREATE (not its updates, not its
 * subresources, as upstream's SupportsAttributes):
 * - mutating: each LimitRange of the namespace gives its Container items' `default` (limits) and `defaultRequest`
 *   (requests) to every container and init container that lacks them, and the pod is annotated
 *   `kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory request for container app; ...`;
 * - validating: each LimitRange's `Container` items check every container's requests and limits against min, max
 *   and maxLimitRequestRatio, its `Pod` items the pod's total (resourcehelper.PodRequests/PodLimits), with upstream's
 *   messages (`minimum cpu usage per Container is 100m, but request is 50m`); the errors aggregate as
 *   utilerrors.NewAggregate (one message, or `[a, b]`) into a 403 `pods "x" is forbidden: ...`.
 * The decisions are the exported pure functions; the plugin reads the LimitRanges from the watch cache.
 */
import type { KubeError } from '../../api/errors.js';
import type { Container, LimitRange, LimitRangeItem, Pod, Relaxed } from '../../api/types/index.js';
import { formatQuantity, milliValueBig, parseQuantity, valueBig, type Quantity } from '../../api/quantity.js';
import { podLimits, podRequests } from '../../api/quota/pod-resources.js';
import { readList, type ResourceList } from '../../api/quota/resources.js';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin, type AdmissionState } from './admission.js';
import type { ApiObject } from './object-meta.js';

export const LIMIT_RANGER = 'LimitRanger';
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

const asPod = (o: ApiObject | undefined): Relaxed<Pod> => (o ?? {}) as Relaxed<Pod>;
const asLimitRange = (o: ApiObject): Relaxed<LimitRange> => o as Relaxed<LimitRange>;

const sortedKeys = (l: ResourceList): string[] => Object.keys(l).sort();

// ------------------------------------------------------------------ defaults (mutating)

/** defaultContainerResourceRequirements: the Container items' defaultRequest and default. */
export function defaultContainerRequirements(lr: Relaxed<LimitRange>): { requests: ResourceList; limits: ResourceList } {
  const requests: ResourceList = {};
  const limits: ResourceList = {};
  for (const item of lr.spec?.limits ?? []) {
    if (item?.type !== 'Container') continue;
    Object.assign(requests, readList(item.defaultRequest));
    Object.assign(limits, readList(item.default));
  }
  return { requests, limits };
}

function mergeContainer(c: Relaxed<Container>, defaults: { requests: ResourceList; limits: ResourceList }, prefix: string, notes: string[]): void {
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  const resources = (c.resources ??= {});
  for (const k of sortedKeys(defaults.limits)) {
    if (resources.limits && k in resources.limits) continue;
    (resources.limits ??= {})[k] = defaults.limits[k]!;
    setLimits.push(k);
  }
  for (const k of sortedKeys(defaults.requests)) {
    if (resources.requests && k in resources.requests) continue;
    (resources.requests ??= {})[k] = defaults.requests[k]!;
    setRequests.push(k);
  }
  if (setRequests.length) notes.push(`${setRequests.join(', ')} request for ${prefix} ${c.name}`);
  if (setLimits.length) notes.push(`${setLimits.join(', ')} limit for ${prefix} ${c.name}`);
}

/** PodMutateLimitFunc: one LimitRange's container defaults merged into the pod (in place), with the annotation. */
export function mergePodDefaults(pod: Relaxed<Pod>, lr: Relaxed<LimitRange>): void {
  const defaults = defaultContainerRequirements(lr);
  const notes: string[] = [];
  for (const c of pod.spec?.containers ?? []) if (c) mergeContainer(c, defaults, 'container', notes);
  for (const c of pod.spec?.initContainers ?? []) if (c) mergeContainer(c, defaults, 'init container', notes);
  if (notes.length === 0) return;
  const meta = (pod.metadata ??= {});
  (meta.annotations ??= {})[LIMIT_RANGER_ANNOTATION] = `LimitRanger plugin set: ${notes.join('; ')}`;
}

// ------------------------------------------------------------------ constraints (validating)

const MAX_MILLI_VALUE = 9223372036854775807n / 1000n;

/** requestLimitEnforcedValues: milli-values when none would overflow, else whole units. */
function enforcedValues(req: Quantity | undefined, lim: Quantity | undefined, enforced: Quantity): [bigint, bigint, bigint] {
  const zero = parseQuantity('0');
  const r = req ?? zero;
  const l = lim ?? zero;
  const units: [bigint, bigint, bigint] = [valueBig(r), valueBig(l), valueBig(enforced)];
  if (units.every((v) => v <= MAX_MILLI_VALUE)) return [milliValueBig(r), milliValueBig(l), milliValueBig(enforced)];
  return units;
}

const get = (l: ResourceList, k: string): Quantity | undefined => (k in l ? parseQuantity(l[k]!) : undefined);

export function minConstraint(type: string, name: string, enforced: string, request: ResourceList, limit: ResourceList): string | undefined {
  const e = parseQuantity(enforced);
  const req = get(request, name);
  const lim = get(limit, name);
  const [r, l, v] = enforcedValues(req, lim, e);
  const es = formatQuantity(e);
  if (!req) return `minimum ${name} usage per ${type} is ${es}.  No request is specified`;
  if (r < v) return `minimum ${name} usage per ${type} is ${es}, but request is ${formatQuantity(req)}`;
  if (lim && l < v) return `minimum ${name} usage per ${type} is ${es}, but limit is ${formatQuantity(lim)}`;
  return undefined;
}

export function maxConstraint(type: string, name: string, enforced: string, request: ResourceList, limit: ResourceList): string | undefined {
  const e = parseQuantity(enforced);
  const req = get(request, name);
  const lim = get(limit, name);
  const [r, l, v] = enforcedValues(req, lim, e);
  const es = formatQuantity(e);
  if (!lim) return `maximum ${name} usage per ${type} is ${es}.  No limit is specified`;
  if (l > v) return `maximum ${name} usage per ${type} is ${es}, but limit is ${formatQuantity(lim)}`;
  if (req && r > v) return `maximum ${name} usage per ${type} is ${es}, but request is ${formatQuantity(req)}`;
  return undefined;
}

export function limitRequestRatioConstraint(type: string, name: string, enforced: string, request: ResourceList, limit: ResourceList): string | undefined {
  const e = parseQuantity(enforced);
  const req = get(request, name);
  const lim = get(limit, name);
  const [r, l] = enforcedValues(req, lim, e);
  const es = formatQuantity(e);
  if (!req || r === 0n) return `${name} max limit to request ratio per ${type} is ${es}, but no request is specified or request is 0`;
  if (!lim || l === 0n) return `${name} max limit to request ratio per ${type} is ${es}, but no limit is specified or limit is 0`;
  const displayRatio = Number(l) / Number(r);
  let observed = displayRatio;
  let max = Number(valueBig(e));
  if (valueBig(e) <= MAX_MILLI_VALUE) {
    observed = observed * 1000;
    max = Number(milliValueBig(e));
  }
  if (observed > max) return `${name} max limit to request ratio per ${type} is ${es}, but provided ratio is ${displayRatio.toFixed(6)}`;
  return undefined;
}

function checkItem(item: Relaxed<LimitRangeItem>, type: string, request: ResourceList, limit: ResourceList, errs: string[]): void {
  const min = readList(item.min);
  const max = readList(item.max);
  const ratio = readList(item.maxLimitRequestRatio);
  for (const k of sortedKeys(min)) {
    const m = minConstraint(type, k, min[k]!, request, limit);
    if (m) errs.push(m);
  }
  for (const k of sortedKeys(max)) {
    const m = maxConstraint(type, k, max[k]!, request, limit);
    if (m) errs.push(m);
  }
  for (const k of sortedKeys(ratio)) {
    const m = limitRequestRatioConstraint(type, k, ratio[k]!, request, limit);
    if (m) errs.push(m);
  }
}

/** PodValidateLimitFunc: every violation of one LimitRange by the pod, in upstream's order (resource names sorted). */
export function podLimitViolations(lr: Relaxed<LimitRange>, pod: Relaxed<Pod>): string[] {
  const errs: string[] = [];
  for (const item of lr.spec?.limits ?? []) {
    if (item?.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        checkItem(item, 'Container', readList(c?.resources?.requests), readList(c?.resources?.limits), errs);
      }
    }
    if (item?.type === 'Pod') checkItem(item, 'Pod', podRequests(pod.spec), podLimits(pod.spec), errs);
  }
  return errs;
}

/** utilerrors.NewAggregate(errs).Error(): one message as is; several de-duplicated in `[a, b]`. */
export function aggregateMessage(errs: readonly string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

// ------------------------------------------------------------------ the plugin

/** SupportsAttributes: pods, CREATE, no subresource (updates cannot change containers' resources). */
function handles(a: AdmissionAttributes): boolean {
  return a.group === '' && a.resource === 'pods' && a.subresource === '' && a.operation === 'CREATE' && a.namespace !== '';
}

function limitRangesOf(a: AdmissionAttributes, state: AdmissionState): Relaxed<LimitRange>[] {
  return state.list('', 'limitranges', a.namespace).map(asLimitRange);
}

export const limitRanger = {
  name: LIMIT_RANGER,
  operations: ['CREATE'],
  admit(a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
    if (!handles(a) || !a.object) return undefined;
    for (const lr of limitRangesOf(a, state)) mergePodDefaults(asPod(a.object), lr);
    return undefined;
  },
  validate(a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
    if (!handles(a) || !a.object) return undefined;
    for (const lr of limitRangesOf(a, state)) {
      const errs = podLimitViolations(lr, asPod(a.object));
      if (errs.length) return admissionForbidden(a, aggregateMessage(errs));
    }
    return undefined;
  },
} satisfies AdmissionPlugin;
