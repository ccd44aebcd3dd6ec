/**
 * apiregistration.k8s.io/v1 APIService: upstream's defaults (kube-aggregator pkg/apis/apiregistration/v1/defaults.go),
 * validation (pkg/apis/apiregistration/validation) and the Available condition's helpers (v1/helper); the strategy is
 * upstream's (pkg/registry/apiservice/strategy.go: status cleared on create, kept on update), the printer in printers.ts.
 */
import type { StatusCause } from '../errors.js';
import type { APIService, APIServiceCondition, Relaxed } from '../types/index.js';
import { child, fieldErr, index, isDNS1035Label, isDNS1123Subdomain, isValidPortNum, nameIsPathSegment, validateObjectMeta, validateObjectMetaUpdate } from './validation.js';

export type APIServiceObject = Relaxed<APIService>;

export const APIREGISTRATION_GROUP = 'apiregistration.k8s.io';
export const AVAILABLE = 'Available';
const CONDITION_STATUSES = ['True', 'False', 'Unknown'];

/** SetDefaults_ServiceReference: port 443. */
export function defaultAPIService(s: APIServiceObject): void {
  const svc = s?.spec?.service;
  if (svc && typeof svc === 'object' && (svc.port === undefined || svc.port === null)) svc.port = 443;
}

/** The byte length of a caBundle as JSON carries it (base64). */
function caBundleLength(v: unknown): number {
  return typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
}

/** upstream ValidateAPIService. */
export function validateAPIService(s: APIServiceObject): StatusCause[] {
  const spec = s?.spec ?? {};
  const group = spec.group ?? '';
  const version = spec.version ?? '';
  const requiredName = `${version}.${group}`;
  const errs = validateObjectMeta(s?.metadata, false, (name, prefix) => {
    const minimal = nameIsPathSegment(name, prefix);
    if (minimal.length > 0) return minimal;
    return name !== requiredName ? [`must be \`spec.version+"."+spec.group\`: ${JSON.stringify(requiredName)}`] : [];
  });
  if (group === '' && version !== 'v1') errs.push(fieldErr.required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group !== '') for (const m of isDNS1123Subdomain(group)) errs.push(fieldErr.invalid('spec.group', group, m));
  for (const m of isDNS1035Label(version)) errs.push(fieldErr.invalid('spec.version', version, m));
  const gpm = spec.groupPriorityMinimum ?? 0;
  if (gpm <= 0 || gpm > 20000) errs.push(fieldErr.invalid('spec.groupPriorityMinimum', gpm, 'must be positive and less than 20000'));
  const vp = spec.versionPriority ?? 0;
  if (vp <= 0 || vp > 1000) errs.push(fieldErr.invalid('spec.versionPriority', vp, 'must be positive and less than 1000'));
  const ca = caBundleLength(spec.caBundle);
  const insecure = spec.insecureSkipTLSVerify === true;
  const svc = spec.service;
  if (svc === undefined || svc === null) {
    if (ca !== 0) errs.push(fieldErr.invalid('spec.caBundle', `${ca} bytes`, 'local APIServices may not have a caBundle'));
    if (insecure) errs.push(fieldErr.invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  if (!svc.namespace) errs.push(fieldErr.required('spec.service.namespace'));
  if (!svc.name) errs.push(fieldErr.required('spec.service.name'));
  const port = svc.port ?? 0;
  const portErrs = isValidPortNum(port);
  if (portErrs.length > 0) errs.push(fieldErr.invalid('spec.service.port', port, 'port is not valid: ' + portErrs.join(', ')));
  if (insecure && ca > 0) errs.push(fieldErr.invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}

/** upstream ValidateAPIServiceUpdate: metadata update rules, then the whole object again. */
export function validateAPIServiceUpdate(s: APIServiceObject, old: APIServiceObject): StatusCause[] {
  return [...validateObjectMetaUpdate(s?.metadata, old?.metadata), ...validateAPIService(s)];
}

/** upstream ValidateAPIServiceStatusUpdate: each condition's status is True, False or Unknown. */
export function validateAPIServiceStatusUpdate(s: APIServiceObject, old: APIServiceObject): StatusCause[] {
  const errs = validateObjectMetaUpdate(s?.metadata, old?.metadata);
  (s?.status?.conditions ?? []).forEach((c, i) => {
    if (!CONDITION_STATUSES.includes(c?.status ?? '')) errs.push(fieldErr.notSupported(child(index('status.conditions', i), 'status'), c?.status ?? '', CONDITION_STATUSES));
  });
  return errs;
}

/** The condition of a type (GetAPIServiceConditionByType). */
export function apiServiceCondition(s: APIServiceObject | undefined, type = AVAILABLE): Relaxed<APIServiceCondition> | undefined {
  return (s?.status?.conditions ?? []).find((c) => c?.type === type);
}

/** IsAPIServiceConditionTrue(Available). */
export function isAPIServiceAvailable(s: APIServiceObject | undefined): boolean {
  return apiServiceCondition(s)?.status === 'True';
}

/**
 * SetAPIServiceCondition: the condition replaces the one of its type; lastTransitionTime moves only when the status
 * changes (the old time is kept otherwise). Returns the new conditions, the input untouched.
 */
export function withAPIServiceCondition(
  conditions: readonly Relaxed<APIServiceCondition>[] | undefined,
  next: { type: string; status: string; reason: string; message: string },
  now: string,
): Relaxed<APIServiceCondition>[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c?.type === next.type);
  const old = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = old && old.status === next.status && old.lastTransitionTime ? old.lastTransitionTime : now;
  const cond = { type: next.type, status: next.status, lastTransitionTime, reason: next.reason, message: next.message };
  if (i >= 0) list[i] = cond;
  else list.push(cond);
  return list;
}

/** The printer's AVAILABLE cell: `True`, else `<status> (<reason>)` (the status alone without a reason), `Unknown` without a condition. */
export function apiServiceAvailableCell(s: APIServiceObject): string {
  const c = apiServiceCondition(s);
  if (!c) return 'Unknown';
  if (c.status === 'True') return 'True';
  return c.reason ? `${c.status} (${c.reason})` : String(c.status ?? '');
}

/** The printer's SERVICE cell: `Local`, or `<namespace>/<name>`. */
export function apiServiceServiceCell(s: APIServiceObject): string {
  const svc = s?.spec?.service;
  return svc ? `${svc.namespace ?? ''}/${svc.name ?? ''}` : 'Local';
}
