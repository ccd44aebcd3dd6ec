/**
 * apps/v1 Deployments and ReplicaSets: spec validation (selector, template, strategy), the
 * apps/v1 selector immutability, and status validation (pkg/apis/apps/validation).
 */
import type { StatusCause } from '../errors.js';
import type { ScaleAccess } from '../kinds/descriptor.js';
import { labelSelectorString } from './printers.js';
import type {
  Deployment,
  DeploymentSpec,
  DeploymentStatus,
  DeploymentStrategy,
  LabelSelector,
  PodTemplateSpec,
  Relaxed,
  ReplicaSet,
  ReplicaSetSpec,
  ReplicaSetStatus,
} from '../types/index.js';
import { validatePodSpec } from './pod.js';
import {
  child,
  fieldErr,
  isValidPercent,
  nameIsDNSSubdomain,
  selectorIsEmpty,
  selectorMatches,
  validateAnnotations,
  validateImmutableField,
  validateLabelSelector,
  validateLabels,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.js';

/** ValidatePodTemplateSpecForReplicaSet (field = `spec.template`). */
export function validateTemplateForReplicaSet(
  template: Relaxed<PodTemplateSpec> | undefined,
  selector: Relaxed<LabelSelector> | undefined,
  field: string,
  kind = 'ReplicaSet',
): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!template) return [fieldErr.required(field, '')];
  const labels = template?.metadata?.labels ?? {};
  if (selector && !selectorIsEmpty(selector) && !selectorMatches(selector, labels)) {
    errs.push(fieldErr.invalid(child(field, 'metadata', 'labels'), labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validateLabels(template?.metadata?.labels, child(field, 'labels')));
  errs.push(...validateAnnotations(template?.metadata?.annotations, child(field, 'annotations')));
  errs.push(...validatePodSpec(template?.spec, child(field, 'spec')));
  const restartPolicy = template?.spec?.restartPolicy;
  if (restartPolicy !== 'Always') {
    errs.push(fieldErr.notSupported(child(field, 'spec', 'restartPolicy'), restartPolicy ?? '', ['Always']));
  }
  if (template?.spec?.activeDeadlineSeconds !== undefined && template?.spec?.activeDeadlineSeconds !== null) {
    errs.push(fieldErr.forbidden(child(field, 'spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  // ValidatePodTemplateSpec: a template's pods cannot carry ephemeral containers.
  if (Array.isArray(template?.spec?.ephemeralContainers) && template.spec.ephemeralContainers.length > 0) {
    errs.push(fieldErr.forbidden(child(field, 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

function validateSelectorAndTemplate(spec: Relaxed<DeploymentSpec> | Relaxed<ReplicaSetSpec>, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const sel = spec?.selector;
  if (!sel) errs.push(fieldErr.required(child(field, 'selector'), ''));
  else {
    errs.push(...validateLabelSelector(sel, child(field, 'selector')));
    if (selectorIsEmpty(sel)) errs.push(fieldErr.invalid(child(field, 'selector'), sel, 'empty selector is invalid for deployment'));
  }
  errs.push(...validateTemplateForReplicaSet(spec?.template, sel, child(field, 'template')));
  return errs;
}

function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return Number(v.slice(0, -1));
  return 0;
}

export function validatePositiveIntOrPercent(v: unknown, field: string): StatusCause[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => fieldErr.invalid(field, v, m));
  if (typeof v === 'number') return validateNonnegative(field, v);
  return [];
}

export function validateDeploymentStrategy(strategy: Relaxed<DeploymentStrategy> | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const s: Relaxed<DeploymentStrategy> = strategy ?? {};
  switch (s.type) {
    case 'Recreate':
      if (s.rollingUpdate) errs.push(fieldErr.forbidden(child(field, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
      break;
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      const p = child(field, 'rollingUpdate');
      if (!ru) {
        errs.push(fieldErr.required(p, 'this should be defaulted and never be nil'));
        break;
      }
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, child(p, 'maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, child(p, 'maxSurge')));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(fieldErr.invalid(child(p, 'maxUnavailable'), ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      }
      if (typeof ru.maxUnavailable === 'string' && intOrPercentValue(ru.maxUnavailable) > 100) {
        errs.push(fieldErr.invalid(child(p, 'maxUnavailable'), ru.maxUnavailable, 'must not be greater than 100%'));
      }
      break;
    }
    default:
      errs.push(fieldErr.notSupported(field, s, ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

export function validateDeploymentSpec(spec: Relaxed<DeploymentSpec> | undefined, field = 'spec'): StatusCause[] {
  const s: Relaxed<DeploymentSpec> = spec ?? {};
  const errs = validateNonnegative(child(field, 'replicas'), s.replicas);
  errs.push(...validateSelectorAndTemplate(s, field));
  errs.push(...validateDeploymentStrategy(s.strategy, child(field, 'strategy')));
  errs.push(...validateNonnegative(child(field, 'minReadySeconds'), s.minReadySeconds));
  errs.push(...validateNonnegative(child(field, 'revisionHistoryLimit'), s.revisionHistoryLimit));
  if (typeof s.progressDeadlineSeconds === 'number') {
    errs.push(...validateNonnegative(child(field, 'progressDeadlineSeconds'), s.progressDeadlineSeconds));
    if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) {
      errs.push(fieldErr.invalid(child(field, 'progressDeadlineSeconds'), s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export function validateDeployment(d: Relaxed<Deployment>): StatusCause[] {
  return [...validateObjectMeta(d?.metadata, true, nameIsDNSSubdomain), ...validateDeploymentSpec(d?.spec)];
}

export function validateDeploymentUpdate(d: Relaxed<Deployment>, old: Relaxed<Deployment>): StatusCause[] {
  const errs = validateObjectMetaUpdate(d?.metadata, old?.metadata);
  errs.push(...validateDeploymentSpec(d?.spec));
  errs.push(...validateImmutableField(d?.spec?.selector, old?.spec?.selector, 'spec.selector'));
  return errs;
}

/** The counters of a workload status (a DeploymentStatus has no fullyLabeledReplicas, a ReplicaSetStatus no updated/unavailable/collision counts). */
export type ReplicaCountField =
  | 'replicas'
  | 'fullyLabeledReplicas'
  | 'readyReplicas'
  | 'availableReplicas'
  | 'observedGeneration'
  | 'updatedReplicas'
  | 'unavailableReplicas'
  | 'collisionCount';
export type ReplicaCounts = Partial<Pick<DeploymentStatus & ReplicaSetStatus, ReplicaCountField>>;

export function validateReplicaCounts(status: ReplicaCounts | undefined, field: string, extra: ReplicaCountField[]): StatusCause[] {
  const s = status ?? {};
  const errs: StatusCause[] = [];
  const common: ReplicaCountField[] = ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'];
  for (const f of [...common, ...extra]) {
    errs.push(...validateNonnegative(child(field, f), s[f]));
  }
  const replicas = s.replicas ?? 0;
  // Upstream's order (ValidateReplicaSetStatus / ValidateReplicationControllerStatus): fullyLabeled, ready, available.
  if ((s.fullyLabeledReplicas ?? 0) > replicas) {
    errs.push(fieldErr.invalid(child(field, 'fullyLabeledReplicas'), s.fullyLabeledReplicas, 'cannot be greater than status.replicas'));
  }
  if ((s.readyReplicas ?? 0) > replicas) errs.push(fieldErr.invalid(child(field, 'readyReplicas'), s.readyReplicas, 'cannot be greater than status.replicas'));
  if ((s.availableReplicas ?? 0) > replicas) {
    errs.push(fieldErr.invalid(child(field, 'availableReplicas'), s.availableReplicas, 'cannot be greater than status.replicas'));
  }
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
    errs.push(fieldErr.invalid(child(field, 'availableReplicas'), s.availableReplicas, 'cannot be greater than readyReplicas'));
  }
  return errs;
}

export function validateDeploymentStatusUpdate(d: Relaxed<Deployment>, old: Relaxed<Deployment>): StatusCause[] {
  const errs = validateObjectMetaUpdate(d?.metadata, old?.metadata);
  errs.push(...validateReplicaCounts(d?.status, 'status', ['updatedReplicas', 'unavailableReplicas', 'collisionCount']));
  if ((d?.status?.updatedReplicas ?? 0) > (d?.status?.replicas ?? 0)) {
    errs.push(fieldErr.invalid('status.updatedReplicas', d?.status?.updatedReplicas, 'cannot be greater than status.replicas'));
  }
  return errs;
}

export function validateReplicaSetSpec(spec: Relaxed<ReplicaSetSpec> | undefined, field = 'spec'): StatusCause[] {
  const s: Relaxed<ReplicaSetSpec> = spec ?? {};
  const errs = validateNonnegative(child(field, 'replicas'), s.replicas);
  errs.push(...validateNonnegative(child(field, 'minReadySeconds'), s.minReadySeconds));
  errs.push(...validateSelectorAndTemplate(s, field));
  return errs;
}

export function validateReplicaSet(rs: Relaxed<ReplicaSet>): StatusCause[] {
  return [...validateObjectMeta(rs?.metadata, true, nameIsDNSSubdomain), ...validateReplicaSetSpec(rs?.spec)];
}

export function validateReplicaSetUpdate(rs: Relaxed<ReplicaSet>, old: Relaxed<ReplicaSet>): StatusCause[] {
  const errs = validateObjectMetaUpdate(rs?.metadata, old?.metadata);
  errs.push(...validateReplicaSetSpec(rs?.spec));
  errs.push(...validateImmutableField(rs?.spec?.selector, old?.spec?.selector, 'spec.selector'));
  return errs;
}

export function validateReplicaSetStatusUpdate(rs: Relaxed<ReplicaSet>, old: Relaxed<ReplicaSet>): StatusCause[] {
  const errs = validateObjectMetaUpdate(rs?.metadata, old?.metadata);
  errs.push(...validateReplicaCounts(rs?.status, 'status', []));
  return errs;
}

/**
 * The scale subresource of Deployments and ReplicaSets (upstream's ScaleREST): spec.replicas, status.replicas
 * and the selector in its string form (metav1.LabelSelectorAsSelector(...).String()).
 */
export function replicasScale<T extends Relaxed<Deployment> | Relaxed<ReplicaSet>>(): ScaleAccess<T> {
  return {
    specReplicas: (o) => o.spec?.replicas ?? 0,
    statusReplicas: (o) => o.status?.replicas ?? 0,
    selector: (o) => labelSelectorString(o.spec?.selector) ?? '',
    setSpecReplicas(o, replicas) {
      o.spec = { ...(o.spec ?? {}), replicas };
    },
  };
}
