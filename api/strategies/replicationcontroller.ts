/**
 * core/v1 ReplicationController: upstream's SetDefaults_ReplicationController (pkg/apis/core/v1/defaults.go),
 * ValidateReplicationController / ...Update / ...StatusUpdate (pkg/apis/core/validation) and its scale
 * subresource (pkg/registry/core/replicationcontroller/storage ScaleREST). The template checks are the
 * ReplicaSet's (ValidatePodTemplateSpecForRC differs only in its selector being a map).
 */
import type { StatusCause } from '../errors.js';
import type { ScaleAccess } from '../kinds/descriptor.js';
import type { Relaxed, ReplicationController, ReplicationControllerSpec } from '../types/index.js';
import { validateReplicaCounts, validateTemplateForReplicaSet } from './apps.js';
import { defaultPodTemplate } from './defaults.js';
import { child, fieldErr, nameIsDNSSubdomain, validateNonnegative, validateObjectMeta, validateObjectMetaUpdate } from './validation.js';

/** A map selector in its string form (labels.Set(selector).AsSelector().String(): sorted `k=v`, comma-joined). */
export function mapSelectorString(selector: Record<string, string> | undefined | null): string {
  return Object.keys(selector ?? {})
    .sort()
    .map((k) => `${k}=${selector![k]}`)
    .join(',');
}

const isEmptyMap = (m: Record<string, string> | undefined | null): boolean => !m || Object.keys(m).length === 0;

/** SetDefaults_ReplicationController: selector and labels from the template's labels, replicas 1. */
export function defaultReplicationController(rc: Relaxed<ReplicationController>): void {
  if (!rc.spec || typeof rc.spec !== 'object') rc.spec = {};
  const spec = rc.spec;
  const labels = spec.template?.metadata?.labels;
  if (labels && typeof labels === 'object') {
    if (isEmptyMap(spec.selector)) spec.selector = { ...labels };
    if (!rc.metadata || typeof rc.metadata !== 'object') rc.metadata = {};
    if (isEmptyMap(rc.metadata.labels)) rc.metadata.labels = { ...labels };
  }
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  defaultPodTemplate(spec.template);
}

/** ValidateReplicationControllerSpec: minReadySeconds, a non-empty selector, replicas, the template (ValidatePodTemplateSpecForRC). */
export function validateReplicationControllerSpec(spec: Relaxed<ReplicationControllerSpec> | undefined, field = 'spec'): StatusCause[] {
  const s: Relaxed<ReplicationControllerSpec> = spec ?? {};
  const errs = validateNonnegative(child(field, 'minReadySeconds'), s.minReadySeconds);
  if (isEmptyMap(s.selector)) errs.push(fieldErr.required(child(field, 'selector'), ''));
  errs.push(...validateNonnegative(child(field, 'replicas'), s.replicas));
  const selector = isEmptyMap(s.selector) ? undefined : { matchLabels: s.selector };
  errs.push(...validateTemplateForReplicaSet(s.template, selector, child(field, 'template'), 'ReplicationController'));
  return errs;
}

export function validateReplicationController(rc: Relaxed<ReplicationController>): StatusCause[] {
  return [...validateObjectMeta(rc?.metadata, true, nameIsDNSSubdomain), ...validateReplicationControllerSpec(rc?.spec)];
}

/** ValidateReplicationControllerUpdate: unlike a ReplicaSet's, an RC's selector may change. */
export function validateReplicationControllerUpdate(rc: Relaxed<ReplicationController>, old: Relaxed<ReplicationController>): StatusCause[] {
  return [...validateObjectMetaUpdate(rc?.metadata, old?.metadata), ...validateReplicationControllerSpec(rc?.spec)];
}

/** ValidateReplicationControllerStatusUpdate (ValidateReplicationControllerStatus). */
export function validateReplicationControllerStatusUpdate(rc: Relaxed<ReplicationController>, old: Relaxed<ReplicationController>): StatusCause[] {
  const errs = validateObjectMetaUpdate(rc?.metadata, old?.metadata);
  errs.push(...validateReplicaCounts(rc?.status, 'status', []));
  return errs;
}

/** The scale subresource: autoscaling/v1 Scale with the map selector as a string. */
export function replicationControllerScale(): ScaleAccess<Relaxed<ReplicationController>> {
  return {
    specReplicas: (o) => o.spec?.replicas ?? 0,
    statusReplicas: (o) => o.status?.replicas ?? 0,
    selector: (o) => mapSelectorString(o.spec?.selector),
    setSpecReplicas(o, replicas) {
      o.spec = { ...(o.spec ?? {}), replicas };
    },
  };
}
