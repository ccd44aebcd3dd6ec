/**
 * autoscaling HorizontalPodAutoscaler: upstream's defaults (pkg/apis/autoscaling/v2/defaults.go), validation
 * (pkg/apis/autoscaling/validation) and strategy (pkg/registry/autoscaling/horizontalpodautoscaler). Validation runs
 * on the autoscaling/v2 shape, as upstream's runs on the internal one: an autoscaling/v1 object is converted first
 * (api/autoscaling/conversion.ts), so its errors name the v2 fields too, as upstream's do.
 */
import type { StatusCause } from '../errors.js';
import type {
  HorizontalPodAutoscaler,
  HPAScalingRules,
  MetricSpec,
  MetricTarget,
  Relaxed,
} from '../types/index.js';
import { tryParseQuantity } from '../quantity.js';
import { keepOldStatus, bumpGenerationOnSpecChange, keepAllButStatus } from './strategy.js';
import { validateContainerResourceName } from './pod.js';
import {
  child,
  fieldErr,
  index,
  isDNS1123Label,
  nameIsDNSSubdomain,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.js';

type HPA = Relaxed<HorizontalPodAutoscaler>;
type Rules = Relaxed<HPAScalingRules>;

/** MaxPeriodSeconds and MaxStabilizationWindowSeconds of upstream's validation. */
export const MAX_PERIOD_SECONDS = 1800;
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
/** autoscaling.DefaultCPUUtilization: the metric of an HPA that names none. */
export const DEFAULT_CPU_UTILIZATION = 80;

/** GenerateHPAScaleUpRules: the scale-up rules with upstream's defaults filled in. */
export function scaleUpRulesWithDefaults(r: Rules | undefined | null): Rules {
  const out: Rules = { ...(r ?? {}) };
  out.stabilizationWindowSeconds ??= 0;
  out.selectPolicy ??= 'Max';
  // only unset policies take the defaults: an empty list stays empty (and fails validation), as copyHPAScalingRules
  if (!out.policies) {
    out.policies = [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ];
  }
  return out;
}

/** GenerateHPAScaleDownRules: stabilizationWindowSeconds stays unset (the controller's --horizontal-pod-autoscaler-downscale-stabilization). */
export function scaleDownRulesWithDefaults(r: Rules | undefined | null): Rules {
  const out: Rules = { ...(r ?? {}) };
  out.selectPolicy ??= 'Max';
  if (!out.policies) out.policies = [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  return out;
}

/** SetDefaults_HorizontalPodAutoscaler (v2): minReplicas 1, an 80% CPU metric when none, the behavior's rules when it is set. */
export function defaultHorizontalPodAutoscaler(hpa: HPA): void {
  const spec = (hpa.spec ??= {} as NonNullable<HPA['spec']>);
  spec.minReplicas ??= 1;
  if (!spec.metrics?.length) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = scaleUpRulesWithDefaults(spec.behavior.scaleUp);
    spec.behavior.scaleDown = scaleDownRulesWithDefaults(spec.behavior.scaleDown);
  }
}

/** pathvalidation.IsValidPathSegmentName. */
function pathSegmentErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const c of ['/', '%']) if (name.includes(c)) errs.push(`may not contain '${c}'`);
  return errs;
}

/** ValidateCrossVersionObjectReference. */
export function validateCrossVersionObjectReference(ref: { kind?: unknown; name?: unknown } | undefined | null, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  for (const k of ['kind', 'name'] as const) {
    const v = typeof ref?.[k] === 'string' ? (ref[k] as string) : '';
    if (!v) errs.push(fieldErr.required(child(field, k)));
    else for (const m of pathSegmentErrors(v)) errs.push(fieldErr.invalid(child(field, k), v, m));
  }
  return errs;
}

const has = (v: unknown): boolean => v !== undefined && v !== null;

/** A Quantity's sign (resource.Quantity.Sign), undefined when it does not parse (the decoder refuses those). */
function sign(q: unknown): number | undefined {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  const p = tryParseQuantity(q);
  if (!p) return undefined;
  return p.nanos === 0n ? 0 : p.nanos < 0n ? -1 : 1;
}

/** validateMetricTarget. */
function validateMetricTarget(t: Relaxed<MetricTarget> | undefined | null, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const type = String(t?.type ?? '');
  if (!type) errs.push(fieldErr.required(child(field, 'type'), 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(type)) errs.push(fieldErr.invalid(child(field, 'type'), type, 'must be either Utilization, Value, or AverageValue'));
  if (has(t?.value) && sign(t?.value) !== 1 && sign(t?.value) !== undefined) errs.push(fieldErr.invalid(child(field, 'value'), t?.value, 'must be positive'));
  if (has(t?.averageValue) && sign(t?.averageValue) !== 1 && sign(t?.averageValue) !== undefined) errs.push(fieldErr.invalid(child(field, 'averageValue'), t?.averageValue, 'must be positive'));
  if (typeof t?.averageUtilization === 'number' && t.averageUtilization < 1) errs.push(fieldErr.invalid(child(field, 'averageUtilization'), t.averageUtilization, 'must be greater than 0'));
  return errs;
}

/** validateMetricIdentifier. */
function validateMetricIdentifier(id: { name?: unknown } | undefined | null, field: string): StatusCause[] {
  const name = typeof id?.name === 'string' ? id.name : '';
  if (!name) return [fieldErr.required(child(field, 'name'), 'must specify a metric name')];
  return pathSegmentErrors(name).map((m) => fieldErr.invalid(child(field, 'name'), name, m));
}

function validateResourceTargetChoice(t: Relaxed<MetricTarget> | undefined | null, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!has(t?.averageUtilization) && !has(t?.averageValue)) errs.push(fieldErr.required(child(field, 'target', 'averageUtilization'), 'must set either a target raw value or a target utilization'));
  if (has(t?.averageUtilization) && has(t?.averageValue)) errs.push(fieldErr.forbidden(child(field, 'target', 'averageValue'), 'may not set both a target raw value and a target utilization'));
  return errs;
}

const SOURCE_FIELDS = ['object', 'external', 'pods', 'resource', 'containerResource'] as const;
const SOURCE_OF_TYPE: Record<string, (typeof SOURCE_FIELDS)[number]> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};
export const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

/** validateMetricSpec: the type, exactly its source, each source's own rules (the first source present only, as upstream). */
function validateMetricSpec(m: Relaxed<MetricSpec>, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const type = String(m.type ?? '');
  if (!type) errs.push(fieldErr.required(child(field, 'type'), 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(type)) errs.push(fieldErr.notSupported(child(field, 'type'), type, METRIC_SOURCE_TYPES));
  const present = SOURCE_FIELDS.filter((f) => has(m[f]));
  const first = present[0];
  if (first === 'object' && m.object) {
    const p = child(field, 'object');
    errs.push(...validateCrossVersionObjectReference(m.object.describedObject, child(p, 'describedObject')));
    errs.push(...validateMetricIdentifier(m.object.metric, child(p, 'metric')), ...validateMetricTarget(m.object.target, child(p, 'target')));
    if (!has(m.object.target?.value) && !has(m.object.target?.averageValue)) errs.push(fieldErr.required(child(p, 'target', 'averageValue'), 'must set either a target value or averageValue'));
  } else if (first === 'external' && m.external) {
    const p = child(field, 'external');
    const t = m.external.target;
    errs.push(...validateMetricIdentifier(m.external.metric, child(p, 'metric')), ...validateMetricTarget(t, child(p, 'target')));
    if (!has(t?.value) && !has(t?.averageValue)) errs.push(fieldErr.required(child(p, 'target', 'averageValue'), 'must set either a target value for metric or a per-pod target'));
    if (has(t?.value) && has(t?.averageValue)) errs.push(fieldErr.forbidden(child(p, 'target', 'value'), 'may not set both a target value for metric and a per-pod target'));
  } else if (first === 'pods' && m.pods) {
    const p = child(field, 'pods');
    errs.push(...validateMetricIdentifier(m.pods.metric, child(p, 'metric')), ...validateMetricTarget(m.pods.target, child(p, 'target')));
    if (!has(m.pods.target?.averageValue)) errs.push(fieldErr.required(child(p, 'target', 'averageValue'), 'must specify a positive target averageValue'));
  } else if (first === 'resource' && m.resource) {
    const p = child(field, 'resource');
    if (!m.resource.name) errs.push(fieldErr.required(child(p, 'name'), 'must specify a resource name'));
    errs.push(...validateMetricTarget(m.resource.target, child(p, 'target')), ...validateResourceTargetChoice(m.resource.target, p));
  } else if (first === 'containerResource' && m.containerResource) {
    const p = child(field, 'containerResource');
    const c = m.containerResource;
    if (!c.name) errs.push(fieldErr.required(child(p, 'name'), 'must specify a resource name'));
    else errs.push(...validateContainerResourceName(c.name, child(p, 'name')));
    if (!c.container) errs.push(fieldErr.required(child(p, 'container'), 'must specify a container'));
    else errs.push(...isDNS1123Label(c.container).map((msg) => fieldErr.invalid(child(p, 'container'), c.container, msg)));
    errs.push(...validateMetricTarget(c.target, child(p, 'target')), ...validateResourceTargetChoice(c.target, p));
  }
  const expected = SOURCE_OF_TYPE[type];
  if (expected && !has(m[expected])) errs.push(fieldErr.required(child(field, expected), 'must populate information for the given metric source'));
  if (!expected && type) errs.push(fieldErr.notSupported(child(field, 'type'), type, METRIC_SOURCE_TYPES));
  if (present.length !== 1) {
    for (const f of present) if (f !== expected) errs.push(fieldErr.forbidden(child(field, f), 'must populate the given metric source only'));
  }
  return errs;
}

/** validateScalingRules. */
function validateScalingRules(r: Rules | undefined | null, field: string): StatusCause[] {
  if (!r) return [];
  const errs: StatusCause[] = [];
  const w = r.stabilizationWindowSeconds;
  if (typeof w === 'number' && w < 0) errs.push(fieldErr.invalid(child(field, 'stabilizationWindowSeconds'), w, 'must be greater than or equal to zero'));
  if (typeof w === 'number' && w > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(fieldErr.invalid(child(field, 'stabilizationWindowSeconds'), w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  if (has(r.selectPolicy) && !['Disabled', 'Max', 'Min'].includes(String(r.selectPolicy))) {
    errs.push(fieldErr.notSupported(child(field, 'selectPolicy'), r.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  const pp = child(field, 'policies');
  if (!r.policies?.length) errs.push(fieldErr.required(pp, 'must specify at least one Policy'));
  (r.policies ?? []).forEach((p, i) => {
    const f = index(pp, i);
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.push(fieldErr.notSupported(child(f, 'type'), p.type ?? '', ['Percent', 'Pods']));
    const value = p.value ?? 0;
    const period = p.periodSeconds ?? 0;
    if (value <= 0) errs.push(fieldErr.invalid(child(f, 'value'), value, 'must be greater than zero'));
    if (period <= 0) errs.push(fieldErr.invalid(child(f, 'periodSeconds'), period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS) errs.push(fieldErr.invalid(child(f, 'periodSeconds'), period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}

/** validateHorizontalPodAutoscalerSpec (minReplicas' lower bound is 1: HPAScaleToZero is an alpha gate, off). */
export function validateHorizontalPodAutoscalerSpec(spec: HPA['spec'], minReplicasLowerBound = 1, field = 'spec'): StatusCause[] {
  const s = spec ?? ({} as NonNullable<HPA['spec']>);
  const errs: StatusCause[] = [];
  const min = s.minReplicas;
  const max = s.maxReplicas ?? 0;
  if (typeof min === 'number' && min < minReplicasLowerBound) errs.push(fieldErr.invalid(child(field, 'minReplicas'), min, `must be greater than or equal to ${minReplicasLowerBound}`));
  if (max < 1) errs.push(fieldErr.invalid(child(field, 'maxReplicas'), max, 'must be greater than 0'));
  if (typeof min === 'number' && max < min) errs.push(fieldErr.invalid(child(field, 'maxReplicas'), max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateCrossVersionObjectReference(s.scaleTargetRef, child(field, 'scaleTargetRef')));
  const mp = child(field, 'metrics');
  let objectOrExternal = false;
  (s.metrics ?? []).forEach((m, i) => {
    errs.push(...validateMetricSpec(m, index(mp, i)));
    if (m.type === 'Object' || m.type === 'External') objectOrExternal = true;
  });
  if (min === 0 && !objectOrExternal) errs.push(fieldErr.forbidden(mp, 'must specify at least one Object or External metric to support scaling to zero replicas'));
  if (s.behavior) {
    errs.push(...validateScalingRules(s.behavior.scaleUp, child(field, 'behavior', 'scaleUp')));
    errs.push(...validateScalingRules(s.behavior.scaleDown, child(field, 'behavior', 'scaleDown')));
  }
  return errs;
}

/** ValidateHorizontalPodAutoscaler: the name is a DNS subdomain (ValidateReplicationControllerName). */
export function validateHorizontalPodAutoscaler(hpa: HPA): StatusCause[] {
  return [...validateObjectMeta(hpa.metadata, true, nameIsDNSSubdomain), ...validateHorizontalPodAutoscalerSpec(hpa.spec)];
}

/** ValidateHorizontalPodAutoscalerUpdate: an HPA that already has minReplicas 0 may keep it. */
export function validateHorizontalPodAutoscalerUpdate(hpa: HPA, old: HPA): StatusCause[] {
  const lower = old.spec?.minReplicas === 0 ? 0 : 1;
  return [...validateObjectMetaUpdate(hpa.metadata, old.metadata), ...validateHorizontalPodAutoscalerSpec(hpa.spec, lower)];
}

/** ValidateHorizontalPodAutoscalerStatusUpdate. */
export function validateHorizontalPodAutoscalerStatusUpdate(hpa: HPA, old: HPA): StatusCause[] {
  return [
    ...validateObjectMetaUpdate(hpa.metadata, old.metadata),
    ...validateNonnegative('status.currentReplicas', hpa.status?.currentReplicas),
    ...validateNonnegative('status.desiredReplicas', hpa.status?.desiredReplicas),
  ];
}

/** PrepareForCreate: the status is cleared (Go's zero status: desiredReplicas has no omitempty), generation 1. */
export function prepareHorizontalPodAutoscalerForCreate(hpa: HPA): void {
  hpa.status = { desiredReplicas: 0 };
  (hpa.metadata ??= {}).generation = 1;
}

/** PrepareForUpdate: the status stays; the generation moves when the spec changed. */
export function prepareHorizontalPodAutoscalerForUpdate(hpa: HPA, old: HPA): void {
  keepOldStatus(hpa, old);
  bumpGenerationOnSpecChange(hpa, old);
}

/** The status strategy: everything but the status stays. */
export function prepareHorizontalPodAutoscalerForStatusUpdate(hpa: HPA, old: HPA): void {
  keepAllButStatus(hpa, old);
}
