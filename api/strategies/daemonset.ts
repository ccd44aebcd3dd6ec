/**
 * apps/v1 DaemonSet: upstream's pkg/apis/apps/validation (ValidateDaemonSet, ValidateDaemonSetUpdate,
 * ValidateDaemonSetStatusUpdate) and pkg/registry/apps/daemonset's strategy (generation, the template generation).
 *
 * The template generation: upstream's internal `spec.templateGeneration`, which apps/v1 carries in the annotation
 * `deprecated.daemonset.template.generation`; 1 on create, one more each time the template changes. The controller
 * puts it on pods as the `pod-template-generation` label. *kubelab differs*: the annotation is always the server's
 * (a client's value is ignored), so an update that drops it is never refused as "must not be decremented".
 */
import type { StatusCause } from '../errors.js';
import type { DaemonSet, DaemonSetSpec, DaemonSetStatus, DaemonSetUpdateStrategy, Relaxed } from '../types/index.js';
import { validatePositiveIntOrPercent } from './apps.js';
import { validatePodSpec } from './pod.js';
import { labelSelectorToSelector } from '../labels.js';
import {
  child,
  fieldErr,
  nameIsDNSSubdomain,
  semanticEqual,
  validateAnnotations,
  validateImmutableField,
  validateLabelSelector,
  validateLabels,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.js';

/** appsv1.DeprecatedTemplateGeneration. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** The template generation of a DaemonSet (its annotation), 0 when absent or not a number. */
export function templateGeneration(ds: Relaxed<DaemonSet> | undefined): number {
  const v = Number(ds?.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isInteger(v) && v > 0 ? v : 0;
}

function setTemplateGeneration(ds: Relaxed<DaemonSet>, gen: number): void {
  const meta = (ds.metadata ??= {});
  meta.annotations = { ...(meta.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(gen) };
}

/** PrepareForCreate: status cleared (the four counters Go always writes), generation 1, template generation 1. */
export function prepareDaemonSetForCreate(ds: Relaxed<DaemonSet>): void {
  ds.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  (ds.metadata ??= {}).generation = 1;
  setTemplateGeneration(ds, Math.max(1, templateGeneration(ds)));
}

/** PrepareForUpdate: the old status; a new template moves the template generation and the generation, another spec change the generation. */
export function prepareDaemonSetForUpdate(ds: Relaxed<DaemonSet>, old: Relaxed<DaemonSet>): void {
  if (old?.status === undefined) delete ds.status;
  else ds.status = structuredClone(old.status);
  const meta = (ds.metadata ??= {});
  const oldGen = old?.metadata?.generation ?? 1;
  const oldTemplateGen = Math.max(1, templateGeneration(old));
  if (!semanticEqual(ds.spec?.template, old?.spec?.template)) {
    setTemplateGeneration(ds, oldTemplateGen + 1);
    meta.generation = oldGen + 1;
    return;
  }
  setTemplateGeneration(ds, oldTemplateGen);
  meta.generation = semanticEqual(ds.spec, old?.spec) ? oldGen : oldGen + 1;
}

function intOrPercent(v: unknown): { value: number; percent: boolean } {
  if (typeof v === 'number') return { value: v, percent: false };
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return { value: Number(v.slice(0, -1)), percent: true };
  return { value: 0, percent: false };
}

/** ValidateDaemonSetUpdateStrategy + ValidateRollingUpdateDaemonSet. */
export function validateDaemonSetUpdateStrategy(strategy: Relaxed<DaemonSetUpdateStrategy> | undefined, field: string): StatusCause[] {
  const s: Relaxed<DaemonSetUpdateStrategy> = strategy ?? {};
  const errs: StatusCause[] = [];
  switch (s.type) {
    case 'OnDelete':
      return errs;
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      const p = child(field, 'rollingUpdate');
      if (!ru) return [fieldErr.required(p, '')];
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, child(p, 'maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, child(p, 'maxSurge')));
      for (const f of ['maxUnavailable', 'maxSurge'] as const) {
        const v = intOrPercent(ru[f]);
        if (v.percent && v.value > 100) errs.push(fieldErr.invalid(child(p, f), ru[f], 'must not be greater than 100%'));
      }
      const hasUnavailable = intOrPercent(ru.maxUnavailable).value !== 0;
      const hasSurge = intOrPercent(ru.maxSurge).value !== 0;
      if (hasUnavailable && hasSurge) errs.push(fieldErr.invalid(child(p, 'maxSurge'), ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      if (!hasUnavailable && !hasSurge) errs.push(fieldErr.required(child(p, 'maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
      return errs;
    }
    default:
      return [fieldErr.notSupported(field, s, ['RollingUpdate', 'OnDelete'])];
  }
}

/** ValidateDaemonSetSpec. */
export function validateDaemonSetSpec(spec: Relaxed<DaemonSetSpec> | undefined, field = 'spec'): StatusCause[] {
  const s: Relaxed<DaemonSetSpec> = spec ?? {};
  const errs = validateLabelSelector(s.selector, child(field, 'selector'));
  const labels = s.template?.metadata?.labels ?? {};
  let matches = false;
  try {
    // LabelSelectorAsSelector: a nil selector selects nothing, an empty one everything.
    matches = labelSelectorToSelector(s.selector).matches(labels);
  } catch {
    matches = true; // a selector that does not parse is reported by validateLabelSelector alone
  }
  if (!matches) errs.push(fieldErr.invalid(child(field, 'template', 'metadata', 'labels'), labels, '`selector` does not match template `labels`'));
  if (s.selector && (s.selector.matchLabels ? Object.keys(s.selector.matchLabels).length : 0) + (s.selector.matchExpressions?.length ?? 0) === 0) {
    errs.push(fieldErr.invalid(child(field, 'selector'), s.selector, 'empty selector is invalid for daemonset'));
  }
  const t = child(field, 'template');
  if (!s.template) errs.push(fieldErr.required(t, ''));
  errs.push(...validateLabels(s.template?.metadata?.labels, child(t, 'labels')));
  errs.push(...validateAnnotations(s.template?.metadata?.annotations, child(t, 'annotations')));
  errs.push(...validatePodSpec(s.template?.spec, child(t, 'spec')));
  if (Array.isArray(s.template?.spec?.ephemeralContainers) && s.template.spec.ephemeralContainers.length > 0) {
    errs.push(fieldErr.forbidden(child(t, 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  const restartPolicy = s.template?.spec?.restartPolicy;
  if (restartPolicy !== 'Always') errs.push(fieldErr.notSupported(child(t, 'spec', 'restartPolicy'), restartPolicy ?? '', ['Always']));
  const ads = s.template?.spec?.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) errs.push(fieldErr.invalid(child(t, 'spec', 'activeDeadlineSeconds'), ads, 'activeDeadlineSeconds in DaemonSet is not Supported'));
  errs.push(...validateNonnegative(child(field, 'minReadySeconds'), s.minReadySeconds));
  errs.push(...validateDaemonSetUpdateStrategy(s.updateStrategy, child(field, 'updateStrategy')));
  errs.push(...validateNonnegative(child(field, 'revisionHistoryLimit'), s.revisionHistoryLimit));
  return errs;
}

export function validateDaemonSet(ds: Relaxed<DaemonSet>): StatusCause[] {
  return [...validateObjectMeta(ds?.metadata, true, nameIsDNSSubdomain), ...validateDaemonSetSpec(ds?.spec)];
}

export function validateDaemonSetUpdate(ds: Relaxed<DaemonSet>, old: Relaxed<DaemonSet>): StatusCause[] {
  const errs = validateObjectMetaUpdate(ds?.metadata, old?.metadata);
  errs.push(...validateImmutableField(ds?.spec?.selector, old?.spec?.selector, 'spec.selector'));
  errs.push(...validateDaemonSetSpec(ds?.spec));
  return errs;
}

const STATUS_COUNTERS = [
  'currentNumberScheduled',
  'numberMisscheduled',
  'desiredNumberScheduled',
  'numberReady',
  'observedGeneration',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
  'collisionCount',
] as const satisfies readonly (keyof DaemonSetStatus)[];

/** ValidateDaemonSetStatusUpdate: counters not negative, collisionCount never decremented. */
export function validateDaemonSetStatusUpdate(ds: Relaxed<DaemonSet>, old: Relaxed<DaemonSet>): StatusCause[] {
  const errs = validateObjectMetaUpdate(ds?.metadata, old?.metadata);
  for (const f of STATUS_COUNTERS) errs.push(...validateNonnegative(child('status', f), ds?.status?.[f]));
  const cc = ds?.status?.collisionCount;
  const oldCc = old?.status?.collisionCount;
  if (typeof oldCc === 'number' && (typeof cc !== 'number' || cc < oldCc)) {
    errs.push(fieldErr.invalid('status.collisionCount', cc ?? 0, 'cannot be decremented'));
  }
  return errs;
}
