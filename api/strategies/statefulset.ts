/**
 * apps/v1 StatefulSets: v1 defaults (SetDefaults_StatefulSet, the claim templates' PVC defaults), validation
 * (pkg/apis/apps/validation ValidateStatefulSet*, with upstream's messages) and the scale subresource.
 */
import type { StatusCause } from '../errors.js';
import type { ScaleAccess } from '../kinds/descriptor.js';
import type { LabelSelector, PodTemplateSpec, Relaxed, StatefulSet, StatefulSetSpec, StatefulSetStatus, Volume } from '../types/index.js';
import { clone } from '../values.js';
import { defaultPodTemplate } from './defaults.js';
import { labelSelectorString } from './printers.js';
import { validatePodSpec } from './pod.js';
import { defaultPersistentVolumeClaim, validatePersistentVolumeClaimSpec } from './storage.js';
import { validatePositiveIntOrPercent } from './apps.js';
import {
  child,
  fieldErr,
  index,
  isDNS1123Label,
  nameIsDNSSubdomain,
  selectorIsEmpty,
  selectorMatches,
  semanticEqual,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.js';

type STS = Relaxed<StatefulSet>;
const present = <T>(v: T): v is NonNullable<T> => v !== undefined && v !== null;

export const POD_MANAGEMENT_POLICIES = ['OrderedReady', 'Parallel'] as const;
export const RETENTION_POLICY_TYPES = ['Delete', 'Retain'] as const;

/**
 * SetDefaults_StatefulSet (1.32: StatefulSetAutoDeletePVC on, MaxUnavailableStatefulSet off): OrderedReady,
 * RollingUpdate with partition 0, Retain/Retain, 1 replica, 10 revisions; the template's pod defaults and each
 * claim template's PVC defaults (volumeMode Filesystem, phase Pending).
 */
export function defaultStatefulSet(sts: STS): void {
  if (!sts || typeof sts !== 'object') return;
  const spec = (sts.spec ??= {});
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  const us = (spec.updateStrategy ??= {});
  if (!us.type) {
    us.type = 'RollingUpdate';
    us.rollingUpdate ??= {};
  }
  if (us.type === 'RollingUpdate' && present(us.rollingUpdate) && !present(us.rollingUpdate.partition)) us.rollingUpdate.partition = 0;
  const policy = (spec.persistentVolumeClaimRetentionPolicy ??= {});
  if (!policy.whenDeleted) policy.whenDeleted = 'Retain';
  if (!policy.whenScaled) policy.whenScaled = 'Retain';
  if (!present(spec.replicas)) spec.replicas = 1;
  if (!present(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  defaultPodTemplate(spec.template);
  if (Array.isArray(spec.volumeClaimTemplates)) for (const c of spec.volumeClaimTemplates) defaultPersistentVolumeClaim(c);
}

/** ValidatePodTemplateSpecForStatefulSet, and the template's pod spec with the claim templates as its volumes. */
function validateTemplateForStatefulSet(spec: Relaxed<StatefulSetSpec>, selector: Relaxed<LabelSelector> | undefined, field: string): StatusCause[] {
  const template: Relaxed<PodTemplateSpec> | undefined = spec.template;
  if (!template) return [fieldErr.required(field, '')];
  const errs: StatusCause[] = [];
  const labels = template.metadata?.labels ?? {};
  if (selector && !selectorIsEmpty(selector) && !selectorMatches(selector, labels)) {
    errs.push(fieldErr.invalid(child(field, 'metadata', 'labels'), labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validateLabels(template.metadata?.labels, child(field, 'labels')));
  errs.push(...validateAnnotations(template.metadata?.annotations, child(field, 'annotations')));
  // Upstream leaves the pod spec to pod creation ("the union of the given volumes and volumeClaims" is a TODO
  // there); kubelab checks it now, with each claim template standing in for the volume the controller adds, so a
  // bad template is a 422 here rather than a stream of FailedCreate events.
  const podSpec = clone(template.spec ?? {});
  const claims = (spec.volumeClaimTemplates ?? []).map((c) => c?.metadata?.name).filter((n): n is string => typeof n === 'string' && n !== '');
  const volumes: Relaxed<Volume>[] = (Array.isArray(podSpec.volumes) ? podSpec.volumes : []).filter((v) => !claims.includes(v?.name ?? ''));
  for (const name of claims) volumes.push({ name, persistentVolumeClaim: { claimName: name } });
  if (volumes.length) podSpec.volumes = volumes as Volume[];
  errs.push(...validatePodSpec(podSpec, child(field, 'spec')));
  if (Array.isArray(template.spec?.ephemeralContainers) && template.spec.ephemeralContainers.length > 0) {
    errs.push(fieldErr.forbidden(child(field, 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

function validateRetentionPolicyType(v: unknown, field: string): StatusCause[] {
  return (RETENTION_POLICY_TYPES as readonly unknown[]).includes(v) ? [] : [fieldErr.notSupported(field, v ?? '', RETENTION_POLICY_TYPES)];
}

function percentOrInt(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return Number(v.slice(0, -1));
  return -1;
}

/** ValidateStatefulSetSpec. */
export function validateStatefulSetSpec(spec: Relaxed<StatefulSetSpec> | undefined, field = 'spec'): StatusCause[] {
  const s: Relaxed<StatefulSetSpec> = spec ?? {};
  const errs: StatusCause[] = [];
  const pmp = s.podManagementPolicy;
  if (!pmp) errs.push(fieldErr.required(child(field, 'podManagementPolicy'), ''));
  else if (!(POD_MANAGEMENT_POLICIES as readonly string[]).includes(pmp)) {
    errs.push(fieldErr.invalid(child(field, 'podManagementPolicy'), pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = s.updateStrategy ?? {};
  const usField = child(field, 'updateStrategy');
  switch (us.type) {
    case undefined:
    case '':
      errs.push(fieldErr.required(usField, ''));
      break;
    case 'OnDelete':
      if (present(us.rollingUpdate)) errs.push(fieldErr.invalid(child(usField, 'rollingUpdate'), us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate': {
      const ru = us.rollingUpdate;
      if (!present(ru)) break;
      const ruField = child(usField, 'rollingUpdate');
      errs.push(...validateNonnegative(child(ruField, 'partition'), ru.partition));
      if (present(ru.maxUnavailable)) {
        const mu = child(ruField, 'maxUnavailable');
        errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, mu));
        const v = percentOrInt(ru.maxUnavailable);
        if (v === 0) errs.push(fieldErr.invalid(mu, ru.maxUnavailable, 'cannot be 0'));
        if (typeof ru.maxUnavailable === 'string' && v > 100) errs.push(fieldErr.invalid(mu, ru.maxUnavailable, 'must not be greater than 100%'));
      }
      break;
    }
    default:
      errs.push(fieldErr.invalid(usField, us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const policy = s.persistentVolumeClaimRetentionPolicy;
  if (present(policy)) {
    const pf = child(field, 'persistentVolumeClaimRetentionPolicy');
    errs.push(...validateRetentionPolicyType(policy.whenDeleted, child(pf, 'whenDeleted')));
    errs.push(...validateRetentionPolicyType(policy.whenScaled, child(pf, 'whenScaled')));
  }
  errs.push(...validateNonnegative(child(field, 'replicas'), s.replicas));
  errs.push(...validateNonnegative(child(field, 'minReadySeconds'), s.minReadySeconds));
  if (present(s.ordinals)) errs.push(...validateNonnegative(child(field, 'ordinals.start'), s.ordinals.start));
  const sel = s.selector;
  if (!present(sel)) errs.push(fieldErr.required(child(field, 'selector'), ''));
  else {
    errs.push(...validateLabelSelector(sel, child(field, 'selector')));
    if (selectorIsEmpty(sel)) errs.push(fieldErr.invalid(child(field, 'selector'), sel, 'empty selector is invalid for statefulset'));
  }
  errs.push(...validateTemplateForStatefulSet(s, sel ?? undefined, child(field, 'template')));
  const restartPolicy = s.template?.spec?.restartPolicy;
  if (restartPolicy !== 'Always') errs.push(fieldErr.notSupported(child(field, 'template', 'spec', 'restartPolicy'), restartPolicy ?? '', ['Always']));
  if (present(s.template?.spec?.activeDeadlineSeconds)) {
    errs.push(fieldErr.forbidden(child(field, 'template', 'spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  // The claim templates: each names the claims `<name>-<statefulset>-<ordinal>`, so a DNS label, and a valid claim spec.
  const claimNames = new Set<string>();
  (s.volumeClaimTemplates ?? []).forEach((c, i) => {
    const cf = index(child(field, 'volumeClaimTemplates'), i);
    const name = c?.metadata?.name;
    if (!name) errs.push(fieldErr.required(child(cf, 'metadata', 'name'), 'name or generateName is required'));
    else {
      for (const m of isDNS1123Label(name)) errs.push(fieldErr.invalid(child(cf, 'metadata', 'name'), name, m));
      if (claimNames.has(name)) errs.push(fieldErr.duplicate(child(cf, 'metadata', 'name'), name));
      claimNames.add(name);
    }
    errs.push(...validatePersistentVolumeClaimSpec(c?.spec, child(cf, 'spec')));
  });
  return errs;
}

export function validateStatefulSet(sts: STS): StatusCause[] {
  return [...validateObjectMeta(sts?.metadata, true, nameIsDNSSubdomain), ...validateStatefulSetSpec(sts?.spec)];
}

/** The spec fields an update may change (ValidateStatefulSetUpdate); any other change is Forbidden on `spec`. */
const MUTABLE_SPEC_FIELDS = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy'] as const;

export function validateStatefulSetUpdate(sts: STS, old: STS): StatusCause[] {
  const errs = validateObjectMetaUpdate(sts?.metadata, old?.metadata);
  errs.push(...validateStatefulSetSpec(sts?.spec));
  const a: Record<string, unknown> = { ...(sts?.spec ?? {}) };
  const b: Record<string, unknown> = { ...(old?.spec ?? {}) };
  for (const f of MUTABLE_SPEC_FIELDS) {
    delete a[f];
    delete b[f];
  }
  if (!semanticEqual(a, b)) {
    errs.push(
      fieldErr.forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

/** ValidateStatefulSetStatus. */
export function validateStatefulSetStatus(status: Relaxed<StatefulSetStatus> | undefined, field = 'status'): StatusCause[] {
  const s = status ?? {};
  const errs: StatusCause[] = [];
  for (const f of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount'] as const) {
    errs.push(...validateNonnegative(child(field, f), s[f]));
  }
  const replicas = s.replicas ?? 0;
  const msg = 'cannot be greater than status.replicas';
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'] as const) {
    if ((s[f] ?? 0) > replicas) errs.push(fieldErr.invalid(child(field, f), s[f], msg));
  }
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
    errs.push(fieldErr.invalid(child(field, 'availableReplicas'), s.availableReplicas, 'cannot be greater than status.readyReplicas'));
  }
  return errs;
}

export function validateStatefulSetStatusUpdate(sts: STS, old: STS): StatusCause[] {
  const errs = validateObjectMetaUpdate(sts?.metadata, old?.metadata);
  errs.push(...validateStatefulSetStatus(sts?.status));
  const next = sts?.status?.collisionCount;
  const prev = old?.status?.collisionCount;
  if (present(prev) && (!present(next) || next < prev)) errs.push(fieldErr.invalid('status.collisionCount', next ?? 0, 'cannot be decremented'));
  return errs;
}

/** The scale subresource (upstream's statefulset ScaleREST): spec.replicas, status.replicas, the selector string. */
export function statefulSetScale(): ScaleAccess<STS> {
  return {
    specReplicas: (o) => o.spec?.replicas ?? 0,
    statusReplicas: (o) => o.status?.replicas ?? 0,
    selector: (o) => labelSelectorString(o.spec?.selector) ?? '',
    setSpecReplicas(o, replicas) {
      o.spec = { ...(o.spec ?? {}), replicas };
    },
  };
}
