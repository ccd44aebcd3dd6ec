/**
 * scheduling.k8s.io/v1 PriorityClass: upstream's defaults (k8s.io/kubernetes pkg/apis/scheduling/v1/defaults.go),
 * strategy (pkg/registry/scheduling/priorityclass), validation (pkg/apis/scheduling/validation)
 * (the printer is in printers.ts),
 * and the two system classes the API server creates at start (pkg/apis/scheduling/v1/helpers.go).
 */
import type { StatusCause } from '../errors.js';
import type { PriorityClass, Relaxed } from '../types/index.js';
import { fieldErr, nameIsDNSSubdomain, validateImmutableField, validateObjectMeta, validateObjectMetaUpdate } from './validation.js';

type PC = Relaxed<PriorityClass>;

/** Names starting with this are the system's (scheduling.SystemPriorityClassPrefix). */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
/** The highest value a user-defined class may have (scheduling.HighestUserDefinablePriority). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** scheduling.SystemCriticalPriority: twice the highest user-definable priority. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
/** What a pod gets when it names no class and no class is the global default (scheduling.DefaultPriorityWhenNoDefaultClassExists). */
export const DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0;

export const PREEMPT_LOWER_PRIORITY = 'PreemptLowerPriority';
export const PREEMPT_NEVER = 'Never';

export interface SystemPriorityClass {
  name: string;
  value: number;
  globalDefault: boolean;
  description: string;
}

/** The built-in classes (upstream's systemPriorityClasses), created by the API server's post-start hook. */
export const SYSTEM_PRIORITY_CLASSES: readonly SystemPriorityClass[] = [
  {
    name: 'system-node-critical',
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    globalDefault: false,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    name: 'system-cluster-critical',
    value: SYSTEM_CRITICAL_PRIORITY,
    globalDefault: false,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

export const isSystemPriorityClassName = (name: string): boolean => SYSTEM_PRIORITY_CLASSES.some((c) => c.name === name);

/** upstream IsKnownSystemPriorityClass: undefined when (name, value, globalDefault) is a system class, else why not. */
export function knownSystemPriorityClassError(name: string, value: unknown, globalDefault: boolean): string | undefined {
  const spc = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!spc) return `${name} is not a known system priority class`;
  if (spc.value !== value) return `value of ${spc.name} PriorityClass must be ${spc.value}`;
  if (spc.globalDefault !== globalDefault) return `globalDefault of ${spc.name} PriorityClass must be ${spc.globalDefault}`;
  return undefined;
}

/** The object the bootstrap hook creates for a system class. */
export function systemPriorityClassObject(c: SystemPriorityClass): PC {
  return { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: c.name }, value: c.value, description: c.description };
}

/** v1 defaults: preemptionPolicy PreemptLowerPriority; a missing value is Go's zero (`value` has no omitempty). */
export function defaultPriorityClass(pc: PC): void {
  if (!pc || typeof pc !== 'object') return;
  if (pc.value === undefined || pc.value === null) pc.value = 0;
  if (!pc.preemptionPolicy) pc.preemptionPolicy = PREEMPT_LOWER_PRIORITY;
}

/** upstream's strategy: generation 1 on create, never moved after. */
export function prepareForCreatePriorityClass(pc: PC): void {
  (pc.metadata ??= {}).generation = 1;
}

/** upstream ValidatePreemptionPolicy (core validation), shared with pods. */
export function validatePreemptionPolicy(policy: unknown, field: string): StatusCause[] {
  if (policy === PREEMPT_LOWER_PRIORITY || policy === PREEMPT_NEVER) return [];
  if (policy === '') return [fieldErr.required(field)];
  return [fieldErr.notSupported(field, policy, [PREEMPT_LOWER_PRIORITY, PREEMPT_NEVER])];
}

/** upstream ValidatePriorityClass. */
export function validatePriorityClass(pc: PC): StatusCause[] {
  const errs = validateObjectMeta(pc?.metadata, false, nameIsDNSSubdomain);
  const name = pc?.metadata?.name ?? '';
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const err = knownSystemPriorityClassError(name, pc?.value, pc?.globalDefault === true);
    if (err) {
      errs.push(fieldErr.forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${err}`));
    }
  } else if (typeof pc?.value === 'number' && pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(fieldErr.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (pc?.preemptionPolicy !== undefined && pc.preemptionPolicy !== null) errs.push(...validatePreemptionPolicy(pc.preemptionPolicy, 'preemptionPolicy'));
  return errs;
}

/** upstream ValidatePriorityClassUpdate: value and preemptionPolicy are immutable. */
export function validatePriorityClassUpdate(pc: PC, old: PC): StatusCause[] {
  const errs = validateObjectMetaUpdate(pc?.metadata, old?.metadata);
  if (pc?.value !== old?.value) errs.push(fieldErr.forbidden('value', 'may not be changed in an update.'));
  errs.push(...validateImmutableField(pc?.preemptionPolicy, old?.preemptionPolicy, 'preemptionPolicy'));
  return errs;
}

/** upstream's DELETE of a PriorityClass (its REST Delete): the system classes stay. */
export function priorityClassDeleteForbidden(name: string): string | undefined {
  return isSystemPriorityClassName(name) ? 'this is a system priority class and cannot be deleted' : undefined;
}
