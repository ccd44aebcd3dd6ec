/**
 * Validation for Namespaces, Nodes, ConfigMaps, Secrets, ServiceAccounts, Events (both APIs) and
 * Leases (pkg/apis/core/validation, pkg/apis/coordination/validation).
 */
import type { StatusCause } from '../errors.js';
import type {
  ConfigMap,
  Event,
  EventsV1Event,
  Lease,
  LeaseSpec,
  Namespace,
  Node,
  NodeAddress,
  NodeSpec,
  Relaxed,
  Secret,
  ServiceAccount,
  Taint,
} from '../types/index.js';
import { validateTaintEffect } from './pod.js';
import { eventView, type EitherEvent } from './printers.js';
import {
  child,
  fieldErr,
  index,
  isConfigMapKey,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  key,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  semanticEqual,
  validateCIDR,
  validateImmutableField,
  validateKubeFinalizerNames,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateResourceQuantityValue,
} from './validation.js';

export const MAX_SECRET_SIZE = 1024 * 1024;
export const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

// ---------------------------------------------------------------------------------------------
// Namespaces
// ---------------------------------------------------------------------------------------------

export function validateNamespace(ns: Relaxed<Namespace>): StatusCause[] {
  const errs = validateObjectMeta(ns?.metadata, false, nameIsDNSLabel);
  for (const f of ns?.spec?.finalizers ?? []) {
    for (const m of isQualifiedName(String(f))) errs.push(fieldErr.invalid('spec.finalizers', f, m));
    errs.push(...validateKubeFinalizerNames([f], 'spec.finalizers'));
  }
  return errs;
}

export function validateNamespaceUpdate(ns: Relaxed<Namespace>, old: Relaxed<Namespace>): StatusCause[] {
  return validateObjectMetaUpdate(ns?.metadata, old?.metadata);
}

export function validateNamespaceStatusUpdate(ns: Relaxed<Namespace>, old: Relaxed<Namespace>): StatusCause[] {
  const errs = validateObjectMetaUpdate(ns?.metadata, old?.metadata);
  const phase = ns?.status?.phase;
  if (!ns?.metadata?.deletionTimestamp) {
    if (phase !== 'Active') errs.push(fieldErr.invalid('status.Phase', phase ?? '', "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(fieldErr.invalid('status.Phase', phase ?? '', "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}

/** The `finalize` subresource: only spec.finalizers may change. */
export function validateNamespaceFinalizeUpdate(ns: Relaxed<Namespace>, old: Relaxed<Namespace>): StatusCause[] {
  const errs = validateObjectMetaUpdate(ns?.metadata, old?.metadata);
  for (const f of ns?.spec?.finalizers ?? []) {
    for (const m of isQualifiedName(String(f))) errs.push(fieldErr.invalid('spec.finalizers', f, m));
    errs.push(...validateKubeFinalizerNames([f], 'spec.finalizers'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------

export function validateNodeTaints(taints: Relaxed<Taint>[] | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const seen = new Set<string>();
  (taints ?? []).forEach((t, i) => {
    const p = index(field, i);
    for (const m of isQualifiedName(String(t?.key ?? ''))) errs.push(fieldErr.invalid(child(p, 'key'), t?.key ?? '', m));
    const vErrs = isValidLabelValue(String(t?.value ?? ''));
    if (vErrs.length) errs.push(fieldErr.invalid(child(p, 'value'), t?.value ?? '', vErrs.join(';')));
    errs.push(...validateTaintEffect(t?.effect, false, child(p, 'effect')));
    const k = `${t?.effect}\u0000${t?.key}`;
    if (seen.has(k)) {
      const d = fieldErr.duplicate(p, t);
      d.message += ': taints must be unique by key and effect pair';
      errs.push(d);
      return;
    }
    seen.add(k);
  });
  return errs;
}

function validateNodeResources(node: Relaxed<Node>): StatusCause[] {
  const errs: StatusCause[] = [];
  for (const part of ['capacity', 'allocatable'] as const) {
    for (const [k, v] of Object.entries(node?.status?.[part] ?? {})) {
      for (const m of isQualifiedName(k)) errs.push(fieldErr.invalid(key(`status.${part}`, k), k, m));
      errs.push(...validateResourceQuantityValue(key(`status.${part}`, k), v));
    }
  }
  return errs;
}

function validatePodCIDRs(node: Relaxed<Node>): StatusCause[] {
  const errs: StatusCause[] = [];
  const cidrs: string[] = node?.spec?.podCIDRs ?? [];
  cidrs.forEach((c, i) => errs.push(...validateCIDR(index('spec.podCIDRs', i), String(c))));
  if (cidrs.length > 1) {
    const fams = cidrs.map((c) => (String(c).includes(':') ? 6 : 4));
    if (cidrs.length > 2 || fams[0] === fams[1]) {
      errs.push(fieldErr.invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
    }
  }
  if (node?.spec?.podCIDR && cidrs.length && cidrs[0] !== node.spec.podCIDR) {
    errs.push(fieldErr.invalid('spec.podCIDRs', cidrs, 'must contain spec.podCIDR as its first element'));
  }
  return errs;
}

export function validateNode(node: Relaxed<Node>): StatusCause[] {
  const errs = validateObjectMeta(node?.metadata, false, nameIsDNSSubdomain);
  const taints = node?.spec?.taints ?? [];
  if (taints.length) errs.push(...validateNodeTaints(taints, 'metadata.taints'));
  errs.push(...validateNodeResources(node));
  errs.push(...validatePodCIDRs(node));
  return errs;
}

export function validateNodeUpdate(node: Relaxed<Node>, old: Relaxed<Node>): StatusCause[] {
  const errs = validateObjectMetaUpdate(node?.metadata, old?.metadata);
  errs.push(...validateNodeResources(node));
  const seen = new Set<string>();
  (node?.status?.addresses ?? []).forEach((a: Relaxed<NodeAddress>, i: number) => {
    const k = `${a?.type}\u0000${a?.address}`;
    if (seen.has(k)) errs.push(fieldErr.duplicate(index('status.addresses', i), a));
    seen.add(k);
  });
  const oldCIDRs: string[] = old?.spec?.podCIDRs ?? [];
  const newCIDRs: string[] = node?.spec?.podCIDRs ?? [];
  if (oldCIDRs.length > 0) {
    if (oldCIDRs.length !== newCIDRs.length || oldCIDRs.some((c, i) => c !== newCIDRs[i])) {
      errs.push(fieldErr.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
    }
  } else errs.push(...validatePodCIDRs(node));
  if (old?.spec?.providerID && old.spec.providerID !== node?.spec?.providerID) {
    errs.push(fieldErr.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  // Any other spec field is protected.
  const allowed = ['taints', 'unschedulable', 'podCIDR', 'podCIDRs', 'providerID'];
  const strip = (s: Relaxed<NodeSpec> | undefined) => Object.fromEntries(Object.entries(s ?? {}).filter(([k]) => !allowed.includes(k)));
  if (!semanticEqual(strip(node?.spec), strip(old?.spec))) {
    errs.push(
      fieldErr.forbidden('', 'node updates may only change labels, taints, or capacity (or configSource, if the DynamicKubeletConfig feature gate is enabled)'),
    );
  }
  errs.push(...validateNodeTaints(node?.spec?.taints, 'metadata.taints'));
  return errs;
}

export function validateNodeStatusUpdate(node: Relaxed<Node>, old: Relaxed<Node>): StatusCause[] {
  return validateNodeUpdate(node, old);
}


// ---------------------------------------------------------------------------------------------
// ConfigMaps and Secrets
// ---------------------------------------------------------------------------------------------

function b64Len(v: unknown): number {
  if (typeof v !== 'string') return 0;
  return Buffer.from(v, 'base64').length;
}

export function validateConfigMap(cm: Relaxed<ConfigMap>): StatusCause[] {
  const errs = validateObjectMeta(cm?.metadata, true, nameIsDNSSubdomain);
  let total = 0;
  const data: Record<string, unknown> = cm?.data ?? {};
  const bin: Record<string, unknown> = cm?.binaryData ?? {};
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(fieldErr.invalid(key('data', k), k, m));
    if (k in bin) errs.push(fieldErr.invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(String(v ?? ''));
  }
  for (const [k, v] of Object.entries(bin)) {
    for (const m of isConfigMapKey(k)) errs.push(fieldErr.invalid(key('binaryData', k), k, m));
    total += b64Len(v);
  }
  if (total > MAX_SECRET_SIZE) errs.push(fieldErr.tooLong('', MAX_SECRET_SIZE));
  return errs;
}

/** The data fields of an object with an `immutable` switch (a ConfigMap or a Secret) are frozen once it is set. */
function validateImmutableData<T extends { immutable?: boolean }>(obj: T, old: T, fields: readonly (keyof T & string)[]): StatusCause[] {
  const errs: StatusCause[] = [];
  if (old?.immutable === true) {
    if (obj?.immutable !== true) errs.push(fieldErr.forbidden('immutable', IMMUTABLE_WHEN_SET));
    for (const f of fields) if (!semanticEqual(obj?.[f], old?.[f])) errs.push(fieldErr.forbidden(f, IMMUTABLE_WHEN_SET));
  }
  return errs;
}

export function validateConfigMapUpdate(cm: Relaxed<ConfigMap>, old: Relaxed<ConfigMap>): StatusCause[] {
  const errs = validateObjectMetaUpdate(cm?.metadata, old?.metadata);
  errs.push(...validateImmutableData(cm, old, ['data', 'binaryData']));
  errs.push(...validateConfigMap(cm).filter((c) => !String(c.field ?? '').startsWith('metadata.')));
  return errs;
}

export function validateSecret(s: Relaxed<Secret>): StatusCause[] {
  const errs = validateObjectMeta(s?.metadata, true, nameIsDNSSubdomain);
  const data: Record<string, unknown> = s?.data ?? {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(fieldErr.invalid(key('data', k), k, m));
    total += b64Len(v);
  }
  if (total > MAX_SECRET_SIZE) errs.push(fieldErr.tooLong('data', MAX_SECRET_SIZE));
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  const jsonOK = (k: string): string | undefined => {
    try {
      const v = JSON.parse(Buffer.from(String(data[k] ?? ''), 'base64').toString('utf8'));
      return v && typeof v === 'object' && !Array.isArray(v) ? undefined : 'json: cannot unmarshal into Go value of type map[string]interface {}';
    } catch (e) {
      return (e as Error).message;
    }
  };
  switch (s?.type) {
    case 'kubernetes.io/service-account-token':
      if (!s?.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(fieldErr.required(key('metadata.annotations', 'kubernetes.io/service-account.name'), ''));
      }
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const k = s.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(k)) {
        errs.push(fieldErr.required(key('data', k), ''));
        break;
      }
      const bad = jsonOK(k);
      if (bad) errs.push(fieldErr.invalid(key('data', k), '<secret contents redacted>', bad));
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(fieldErr.required(key('data', 'username'), ''));
        errs.push(fieldErr.required(key('data', 'password'), ''));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (b64Len(data['ssh-privatekey']) === 0) errs.push(fieldErr.required(key('data', 'ssh-privatekey'), ''));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(fieldErr.required(key('data', 'tls.crt'), ''));
      if (!has('tls.key')) errs.push(fieldErr.required(key('data', 'tls.key'), ''));
      break;
  }
  return errs;
}

export function validateSecretUpdate(s: Relaxed<Secret>, old: Relaxed<Secret>): StatusCause[] {
  const errs = validateObjectMetaUpdate(s?.metadata, old?.metadata);
  errs.push(...validateImmutableField(s?.type, old?.type, 'type'));
  errs.push(...validateImmutableData(s, old, ['data']));
  errs.push(...validateSecret(s).filter((c) => !String(c.field ?? '').startsWith('metadata.') || c.field!.startsWith('metadata.annotations[')));
  return errs;
}

/** v1 conversion: `stringData` is merged into `data` (base64) and dropped. */
export function mergeStringData(s: Relaxed<Secret>): void {
  if (!s?.stringData || typeof s.stringData !== 'object') return;
  const data = (s.data ??= {});
  for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(String(v ?? ''), 'utf8').toString('base64');
  delete s.stringData;
}

// ---------------------------------------------------------------------------------------------
// ServiceAccounts
// ---------------------------------------------------------------------------------------------

export function validateServiceAccount(sa: Relaxed<ServiceAccount>): StatusCause[] {
  return validateObjectMeta(sa?.metadata, true, nameIsDNSSubdomain);
}

export function validateServiceAccountUpdate(sa: Relaxed<ServiceAccount>, old: Relaxed<ServiceAccount>): StatusCause[] {
  return validateObjectMetaUpdate(sa?.metadata, old?.metadata);
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

function legacyValidateEvent(ev: EitherEvent, coreV1: boolean): StatusCause[] {
  const errs: StatusCause[] = [];
  const v = eventView(ev);
  const ns = ev?.metadata?.namespace ?? '';
  const involvedNs = v.involvedObject?.namespace ?? '';
  const rcField = coreV1 ? 'reportingComponent' : 'reportingController';
  if (!v.eventTime) {
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') errs.push(fieldErr.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    } else if (ns !== involvedNs) errs.push(fieldErr.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') {
      errs.push(fieldErr.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
    if (!v.reportingController) errs.push(fieldErr.required(rcField, ''));
    for (const m of isQualifiedName(v.reportingController)) errs.push(fieldErr.invalid(rcField, v.reportingController, m));
    if (!v.reportingInstance) errs.push(fieldErr.required('reportingInstance', ''));
    if (v.reportingInstance.length > REPORTING_INSTANCE_LIMIT) {
      errs.push(fieldErr.invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
    }
    const action = String(ev?.action ?? '');
    if (!action) errs.push(fieldErr.required('action', ''));
    if (action.length > ACTION_LIMIT) errs.push(fieldErr.invalid('action', '', `can have at most ${ACTION_LIMIT} characters`));
    if (!v.reason) errs.push(fieldErr.required('reason', ''));
    if (v.reason.length > REASON_LIMIT) errs.push(fieldErr.invalid('reason', '', `can have at most ${REASON_LIMIT} characters`));
    if (v.message.length > NOTE_LIMIT) errs.push(fieldErr.invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(fieldErr.invalid('namespace', ns, m));
  return errs;
}

/** core/v1 events: only the legacy checks (upstream keeps them lenient for old clients). */
export function validateCoreEvent(ev: Relaxed<Event>): StatusCause[] {
  return legacyValidateEvent(ev, true);
}
export function validateCoreEventUpdate(ev: Relaxed<Event>, _old: Relaxed<Event>): StatusCause[] {
  return legacyValidateEvent(ev, true);
}

function validateV1EventSeries(ev: Relaxed<EventsV1Event>): StatusCause[] {
  const s = ev?.series;
  if (!s) return [];
  const errs: StatusCause[] = [];
  if ((s.count ?? 0) < 2) errs.push(fieldErr.invalid('series.count', '', 'should be at least 2'));
  if (!s.lastObservedTime) errs.push(fieldErr.required('series.lastObservedTime', ''));
  return errs;
}

/** events.k8s.io/v1: strict validation. */
export function validateEventsV1(ev: Relaxed<EventsV1Event>): StatusCause[] {
  const errs = legacyValidateEvent(ev, false);
  errs.push(...validateObjectMeta(ev?.metadata, true, nameIsDNSSubdomain));
  errs.push(...validateV1EventSeries(ev));
  if (!ev?.eventTime) errs.push(fieldErr.required('eventTime', ''));
  if (ev?.type !== 'Normal' && ev?.type !== 'Warning') errs.push(fieldErr.invalid('type', '', `has invalid value: ${ev?.type ?? ''}`));
  if (ev?.deprecatedFirstTimestamp) errs.push(fieldErr.invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (ev?.deprecatedLastTimestamp) errs.push(fieldErr.invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (ev?.deprecatedCount) errs.push(fieldErr.invalid('deprecatedCount', '', 'needs to be unset'));
  if (ev?.deprecatedSource?.component || ev?.deprecatedSource?.host) errs.push(fieldErr.invalid('deprecatedSource', '', 'needs to be unset'));
  return errs;
}

export function validateEventsV1Update(ev: Relaxed<EventsV1Event>, old: Relaxed<EventsV1Event>): StatusCause[] {
  const errs = legacyValidateEvent(ev, false);
  errs.push(...validateObjectMetaUpdate(ev?.metadata, old?.metadata));
  if (!semanticEqual(ev?.series, old?.series)) errs.push(...validateV1EventSeries(ev));
  const pairs: [keyof Relaxed<EventsV1Event>, string][] = [
    ['regarding', 'involvedObject'],
    ['reason', 'reason'],
    ['note', 'message'],
    ['deprecatedSource', 'source'],
    ['eventTime', 'eventTime'],
    ['action', 'action'],
    ['related', 'related'],
    ['reportingController', 'reportingController'],
    ['type', 'type'],
  ];
  for (const [f, path] of pairs) errs.push(...validateImmutableField(ev?.[f], old?.[f], path));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Leases
// ---------------------------------------------------------------------------------------------

export function validateLease(l: Relaxed<Lease>): StatusCause[] {
  const errs = validateObjectMeta(l?.metadata, true, nameIsDNSSubdomain);
  errs.push(...validateLeaseSpec(l?.spec));
  return errs;
}

function validateLeaseSpec(spec: Relaxed<LeaseSpec> | undefined): StatusCause[] {
  const errs: StatusCause[] = [];
  if (spec?.leaseDurationSeconds !== undefined && spec?.leaseDurationSeconds !== null && spec.leaseDurationSeconds <= 0) {
    errs.push(fieldErr.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (spec?.leaseTransitions !== undefined && spec?.leaseTransitions !== null && spec.leaseTransitions < 0) {
    errs.push(fieldErr.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  if (spec?.strategy && !['OldestEmulationVersion'].includes(spec.strategy)) {
    errs.push(fieldErr.notSupported('spec.strategy', spec.strategy, ['OldestEmulationVersion']));
  }
  if (spec?.preferredHolder && !spec?.strategy) {
    errs.push(fieldErr.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

export function validateLeaseUpdate(l: Relaxed<Lease>, old: Relaxed<Lease>): StatusCause[] {
  return [...validateObjectMetaUpdate(l?.metadata, old?.metadata), ...validateLeaseSpec(l?.spec)];
}
