/**
 * core/v1 LimitRange and ResourceQuota: defaulting (SetDefaults_LimitRangeItem), validation with upstream's messages
 * (pkg/apis/core/validation ValidateLimitRange, ValidateResourceQuota*), preparation (a quota's status is the
 * controller's) and `kubectl get` columns (pkg/printers/internalversion printLimitRange, printResourceQuota).
 */
import type { StatusCause } from '../errors.js';
import type { LimitRange, LimitRangeItem, Relaxed, ResourceQuota, ResourceQuotaSpec, ResourceQuotaStatus } from '../types/index.js';
import { compare, milliValueBig, parseQuantity, tryParseQuantity, valueBig, formatQuantity } from '../quantity.js';
import { canonicalizeResourceList } from './defaults.js';
import { validateContainerResourceName } from './pod.js';
import { child, fieldErr, index, isQualifiedName, key, nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate, validateResourceQuantityValue, FieldImmutableErrorMsg } from './validation.js';
import type { TableColumn } from './table-column.js';
import { translateTimestampSince } from './printers.js';
import {
  isIntegerResourceName, isOvercommitAllowed, isScopeValidForResource, isStandardQuotaResourceName, isStandardResourceName, STANDARD_QUOTA_SCOPES,
} from '../quota/resources.js';

type Item = Relaxed<LimitRangeItem>;
type List = Record<string, string | number>;

const MAX_MILLI_VALUE = 9223372036854775807n / 1000n;

// ------------------------------------------------------------------ LimitRange

/** SetDefaults_LimitRangeItem: a Container item's default limit is its max, its default request the default limit, else the min. */
export function defaultLimitRange(lr: Relaxed<LimitRange>): void {
  for (const item of lr?.spec?.limits ?? []) {
    if (!item || typeof item !== 'object') continue;
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) canonicalizeResourceList(item[f]);
    if (item.type !== 'Container') continue;
    const def: List = (item.default ??= {});
    const defReq: List = (item.defaultRequest ??= {});
    for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in defReq)) defReq[k] = v;
  }
}

const STANDARD_LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);

function validateLimitRangeTypeName(value: string, field: string): StatusCause[] {
  const errs = isQualifiedName(value).map((m) => fieldErr.invalid(field, value, m));
  if (errs.length) return errs;
  if (!value.includes('/') && !STANDARD_LIMIT_TYPES.has(value)) errs.push(fieldErr.invalid(field, value, 'must be a standard limit type or fully qualified'));
  return errs;
}

/** validateResourceName: a qualified name; without a domain, a standard resource. */
function validateResourceName(value: string, field: string): StatusCause[] {
  const errs = isQualifiedName(value).map((m) => fieldErr.invalid(field, value, m));
  if (errs.length) return errs;
  if (!value.includes('/') && !isStandardResourceName(value)) errs.push(fieldErr.invalid(field, value, 'must be a standard resource type or fully qualified'));
  return errs;
}

function validateLimitRangeResourceName(type: string, value: string, field: string): StatusCause[] {
  return type === 'Pod' || type === 'Container' ? validateContainerResourceName(value, field) : validateResourceName(value, field);
}

/** Go's %f. */
function goFloat(n: number): string {
  return n.toFixed(6);
}

/** ValidateLimitRange, in upstream's order of checks (map keys in sorted order where Go's are random). */
export function validateLimitRange(lr: Relaxed<LimitRange>): StatusCause[] {
  const errs = validateObjectMeta(lr?.metadata, true, nameIsDNSSubdomain);
  const seen = new Set<string>();
  const limits: Item[] = lr?.spec?.limits ?? [];
  limits.forEach((limit, i) => {
    const p = index('spec.limits', i);
    const type = String(limit?.type ?? '');
    errs.push(...validateLimitRangeTypeName(type, child(p, 'type')));
    if (seen.has(type)) errs.push(fieldErr.duplicate(child(p, 'type'), type));
    seen.add(type);
    const keys = new Set<string>();
    const collect = (f: 'max' | 'min' | 'default' | 'defaultRequest' | 'maxLimitRequestRatio'): List => {
      const out: List = {};
      for (const [k, v] of Object.entries(limit?.[f] ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        errs.push(...validateLimitRangeResourceName(type, k, key(child(p, f), k)));
        keys.add(k);
        out[k] = String(v);
      }
      return out;
    };
    const max = collect('max');
    const min = collect('min');
    let defaults: List = {};
    let defaultRequests: List = {};
    if (type === 'Pod') {
      if (Object.keys(limit?.default ?? {}).length > 0) errs.push(fieldErr.forbidden(child(p, 'default'), "may not be specified when `type` is 'Pod'"));
      if (Object.keys(limit?.defaultRequest ?? {}).length > 0) errs.push(fieldErr.forbidden(child(p, 'defaultRequest'), "may not be specified when `type` is 'Pod'"));
    } else {
      defaults = collect('default');
      defaultRequests = collect('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim' && !('storage' in (limit?.min ?? {})) && !('storage' in (limit?.max ?? {}))) {
      errs.push(fieldErr.required(child(p, 'limits'), 'either minimum or maximum storage value is required, but neither was provided'));
    }
    const ratios = collect('maxLimitRequestRatio');
    for (const k of [...keys].sort()) {
      const mn = tryParseQuantity(min[k] ?? '');
      const mx = tryParseQuantity(max[k] ?? '');
      const df = tryParseQuantity(defaults[k] ?? '');
      const dr = tryParseQuantity(defaultRequests[k] ?? '');
      const ratio = tryParseQuantity(ratios[k] ?? '');
      const s = formatQuantity;
      if (k in min && k in max && mn && mx && compare(mn, mx) > 0) errs.push(fieldErr.invalid(key(child(p, 'min'), k), s(mn), `min value ${s(mn)} is greater than max value ${s(mx)}`));
      if (k in defaultRequests && k in min && dr && mn && compare(mn, dr) > 0) errs.push(fieldErr.invalid(key(child(p, 'defaultRequest'), k), s(dr), `min value ${s(mn)} is greater than default request value ${s(dr)}`));
      if (k in defaultRequests && k in max && dr && mx && compare(dr, mx) > 0) errs.push(fieldErr.invalid(key(child(p, 'defaultRequest'), k), s(dr), `default request value ${s(dr)} is greater than max value ${s(mx)}`));
      if (k in defaultRequests && k in defaults && dr && df && compare(dr, df) > 0) errs.push(fieldErr.invalid(key(child(p, 'defaultRequest'), k), s(dr), `default request value ${s(dr)} is greater than default limit value ${s(df)}`));
      if (k in defaults && k in min && df && mn && compare(mn, df) > 0) errs.push(fieldErr.invalid(key(child(p, 'default'), k), s(mn), `min value ${s(mn)} is greater than default value ${s(df)}`));
      if (k in defaults && k in max && df && mx && compare(df, mx) > 0) errs.push(fieldErr.invalid(key(child(p, 'default'), k), s(mx), `default value ${s(df)} is greater than max value ${s(mx)}`));
      if (k in ratios && ratio && compare(ratio, '1') < 0) errs.push(fieldErr.invalid(key(child(p, 'maxLimitRequestRatio'), k), s(ratio), `ratio ${s(ratio)} is less than 1`));
      if (k in ratios && k in min && k in max && ratio && mn && mx) {
        let ratioValue = Number(valueBig(ratio));
        let minValue = valueBig(mn);
        let maxValue = valueBig(mx);
        if (valueBig(ratio) < MAX_MILLI_VALUE && minValue < MAX_MILLI_VALUE && maxValue < MAX_MILLI_VALUE) {
          ratioValue = Number(milliValueBig(ratio)) / 1000;
          minValue = milliValueBig(mn);
          maxValue = milliValueBig(mx);
        }
        const limitRatio = Number(maxValue) / Number(minValue);
        if (ratioValue > limitRatio) {
          errs.push(fieldErr.invalid(key(child(p, 'maxLimitRequestRatio'), k), s(ratio), `ratio ${s(ratio)} is greater than max/min = ${goFloat(limitRatio)}`));
        }
      }
      if (!isOvercommitAllowed(k) && k in defaults && k in defaultRequests && df && dr && compare(df, dr) !== 0) {
        errs.push(fieldErr.invalid(key(child(p, 'defaultRequest'), k), s(dr), `default value ${s(df)} must equal to defaultRequest value ${s(dr)} in ${k}`));
      }
    }
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) {
      for (const [k, v] of Object.entries(limit?.[f] ?? {})) errs.push(...validateQuantityShape(key(child(p, f), k), v));
    }
  });
  return errs;
}

/** A value that is not a quantity at all (the decoder's job upstream; here validation's 422). */
function validateQuantityShape(field: string, v: unknown): StatusCause[] {
  return validateResourceQuantityValue(field, v).filter((c) => !c.message?.endsWith('must be greater than or equal to 0'));
}

export function validateLimitRangeUpdate(lr: Relaxed<LimitRange>, old: Relaxed<LimitRange>): StatusCause[] {
  return [...validateObjectMetaUpdate(lr?.metadata, old?.metadata), ...validateLimitRange(lr).filter((c) => !String(c.field ?? '').startsWith('metadata.'))];
}

export const limitRangeColumns: TableColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
  { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
];

/** printLimitRange: name and the creation time in RFC 3339 (UTC). */
export function limitRangeCells(lr: Relaxed<LimitRange>): unknown[] {
  const ts = lr?.metadata?.creationTimestamp;
  return [lr?.metadata?.name ?? '', ts ? new Date(String(ts)).toISOString().replace(/\.\d{3}Z$/, 'Z') : '<unknown>'];
}

// ------------------------------------------------------------------ ResourceQuota

/** Quantities stored canonical, as decoding into resource.Quantity does. */
export function defaultResourceQuota(rq: Relaxed<ResourceQuota>): void {
  canonicalizeResourceList(rq?.spec?.hard);
  canonicalizeResourceList(rq?.status?.hard);
  canonicalizeResourceList(rq?.status?.used);
}

/** PrepareForCreate: the status is the controller's (upstream clears it). */
export function prepareResourceQuotaForCreate(rq: Relaxed<ResourceQuota>): void {
  rq.status = {};
}

/** ValidateResourceQuotaResourceName. */
function validateQuotaResourceName(name: string, field: string): StatusCause[] {
  const errs = validateResourceName(name, field);
  if (!name.includes('/') && !isStandardQuotaResourceName(name)) errs.push(fieldErr.invalid(field, name, 'must be a standard resource for quota'));
  return errs;
}

/** ValidateResourceQuantityValue: not negative; an integer for integer resources. */
function validateQuotaQuantity(name: string, v: unknown, field: string): StatusCause[] {
  const errs = validateResourceQuantityValue(field, v);
  if (errs.length) return errs;
  const qv = parseQuantity(String(v));
  if (isIntegerResourceName(name) && qv.nanos % 1_000_000_000n !== 0n) errs.push(fieldErr.invalid(field, formatQuantity(qv), 'must be an integer'));
  return errs;
}

function validateQuotaList(list: Record<string, unknown> | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  for (const [k, v] of Object.entries(list ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const p = key(field, k);
    errs.push(...validateQuotaResourceName(k, p), ...validateQuotaQuantity(k, v, p));
  }
  return errs;
}

const EXISTS_ONLY_SCOPES = new Set(['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity']);

function conflictingScopes(scopes: Set<string>): boolean {
  return (scopes.has('BestEffort') && scopes.has('NotBestEffort')) || (scopes.has('Terminating') && scopes.has('NotTerminating'));
}

/** ValidateResourceQuotaSpec: hard's names and values, scopes, scopeSelector. */
export function validateResourceQuotaSpec(spec: Relaxed<ResourceQuotaSpec> | undefined, field = 'spec'): StatusCause[] {
  const errs = validateQuotaList(spec?.hard, child(field, 'hard'));
  const hard = Object.keys(spec?.hard ?? {}).sort();
  const scopes = spec?.scopes ?? [];
  if (scopes.length > 0) {
    const p = child(field, 'scopes');
    const set = new Set<string>();
    for (const scope of scopes) {
      if (!STANDARD_QUOTA_SCOPES.includes(scope)) errs.push(fieldErr.invalid(p, scopes, 'unsupported scope'));
      for (const k of hard) if (isStandardQuotaResourceName(k) && !isScopeValidForResource(scope, k)) errs.push(fieldErr.invalid(p, scopes, 'unsupported scope applied to resource'));
      set.add(scope);
    }
    if (conflictingScopes(set)) errs.push(fieldErr.invalid(p, scopes, 'conflicting scopes'));
  }
  const selector = spec?.scopeSelector;
  if (selector) {
    const p = child(field, 'scopeSelector', 'matchExpressions');
    const set = new Set<string>();
    for (const r of selector.matchExpressions ?? []) {
      const req = { scopeName: String(r?.scopeName ?? ''), operator: String(r?.operator ?? ''), values: r?.values ?? [] };
      if (!STANDARD_QUOTA_SCOPES.includes(req.scopeName)) errs.push(fieldErr.invalid(child(p, 'scopeName'), req.scopeName, 'unsupported scope'));
      for (const k of hard) if (isStandardQuotaResourceName(k) && !isScopeValidForResource(req.scopeName, k)) errs.push(fieldErr.invalid(p, selector, 'unsupported scope applied to resource'));
      if (EXISTS_ONLY_SCOPES.has(req.scopeName) && req.operator !== 'Exists') {
        errs.push(fieldErr.invalid(child(p, 'operator'), req.operator, "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"));
      }
      const values = req.values;
      if (req.operator === 'In' || req.operator === 'NotIn') {
        if (values.length === 0) errs.push(fieldErr.required(child(p, 'values'), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
      } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
        if (values.length !== 0) errs.push(fieldErr.invalid(child(p, 'values'), values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
      } else errs.push(fieldErr.invalid(child(p, 'operator'), req.operator, 'not a valid selector operator'));
      set.add(req.scopeName);
    }
    if (conflictingScopes(set)) errs.push(fieldErr.invalid(p, selector, 'conflicting scopes'));
  }
  return errs;
}

function validateResourceQuotaStatus(status: Relaxed<ResourceQuotaStatus> | undefined): StatusCause[] {
  return [...validateQuotaList(status?.hard, 'status.hard'), ...validateQuotaList(status?.used, 'status.used')];
}

export function validateResourceQuota(rq: Relaxed<ResourceQuota>): StatusCause[] {
  return [...validateObjectMeta(rq?.metadata, true, nameIsDNSSubdomain), ...validateResourceQuotaSpec(rq?.spec), ...validateResourceQuotaStatus(rq?.status)];
}

/** ValidateResourceQuotaUpdate: the spec as on create; the scopes never change. */
export function validateResourceQuotaUpdate(rq: Relaxed<ResourceQuota>, old: Relaxed<ResourceQuota>): StatusCause[] {
  const errs = [...validateObjectMetaUpdate(rq?.metadata, old?.metadata), ...validateResourceQuotaSpec(rq?.spec)];
  const a = new Set(rq?.spec?.scopes ?? []);
  const b = new Set(old?.spec?.scopes ?? []);
  if (a.size !== b.size || [...a].some((s) => !b.has(s))) errs.push(fieldErr.invalid('spec.scopes', rq?.spec?.scopes ?? [], FieldImmutableErrorMsg));
  return errs;
}

export function validateResourceQuotaStatusUpdate(rq: Relaxed<ResourceQuota>, old: Relaxed<ResourceQuota>): StatusCause[] {
  return [...validateObjectMetaUpdate(rq?.metadata, old?.metadata), ...validateResourceQuotaStatus(rq?.status)];
}

export const resourceQuotaColumns: TableColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
  { name: 'Age', type: 'string', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
  { name: 'Request', type: 'string', format: '', description: 'Request represents a minimum amount of cpu/memory that a container may consume.', priority: 0 },
  { name: 'Limit', type: 'string', format: '', description: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.', priority: 0 },
];

/** printResourceQuota: `name: used/hard` per status.hard resource, `limits.*` in the Limit column. */
export function resourceQuotaCells(rq: Relaxed<ResourceQuota>, now: Date): unknown[] {
  const hard: Record<string, string | number> = rq?.status?.hard ?? {};
  const used: Record<string, string | number> = rq?.status?.used ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const r of Object.keys(hard).sort()) {
    const pieces = r.split('.');
    const cell = `${r}: ${formatQuantity(used[r] ?? '0')}/${formatQuantity(hard[r]!)}`;
    (pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(cell);
  }
  return [rq?.metadata?.name ?? '', translateTimestampSince(rq?.metadata?.creationTimestamp, now), request.join(', '), limit.join(', ')];
}
