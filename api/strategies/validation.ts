/**
 * Shared validators with upstream's messages (k8s.io/apimachinery util/validation, api/validation,
 * meta/v1/validation, and pkg/apis/core/validation). Field errors are built as `StatusCause`s whose
 * `message` is upstream's `field.Error.ErrorBody()` (e.g. `Invalid value: "Foo": ...`), `field` the
 * path (`spec.containers[0].image`) and `reason` the CauseType (`FieldValueInvalid`, ...).
 */
import type { StatusCause } from '../errors.js';
import { isPlainObject } from '../values.js';
import type { LabelSelector, ObjectMeta } from '../types/meta.js';
import type { Relaxed } from '../types/views.js';
import { dns1123SubdomainErrors, labelKeyErrors, labelValueErrors, maxLenError, regexError } from '../labels.js';
import {
  approximateFloat,
  canonicalQuantity as sharedCanonicalQuantity,
  compare,
  ERR_FORMAT_WRONG,
  quantityError,
  tryParseQuantity,
} from '../quantity.js';

// ---------------------------------------------------------------------------------------------
// Field paths and field errors (k8s.io/apimachinery/pkg/util/validation/field)
// ---------------------------------------------------------------------------------------------

/** `child('spec', 'containers')` -> `spec.containers`; `index(p, 0)` -> `p[0]`; `key(p, 'a')` -> `p[a]`. */
export function child(base: string, ...names: string[]): string {
  let p = base;
  for (const n of names) p = p ? `${p}.${n}` : n;
  return p;
}
export function index(base: string, i: number): string {
  return `${base}[${i}]`;
}
export function key(base: string, k: string): string {
  return `${base}[${k}]`;
}

/** Go's `%q` of a string (close enough: JSON escaping). */
export function quote(s: string): string {
  return JSON.stringify(s);
}

function formatBadValue(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'null';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export const fieldErr = {
  required(field: string, detail = ''): StatusCause {
    return { reason: 'FieldValueRequired', field, message: 'Required value' + (detail ? `: ${detail}` : '') };
  },
  invalid(field: string, value: unknown, detail: string): StatusCause {
    return {
      reason: 'FieldValueInvalid',
      field,
      message: `Invalid value: ${formatBadValue(value)}` + (detail ? `: ${detail}` : ''),
    };
  },
  notSupported(field: string, value: unknown, valid: readonly string[]): StatusCause {
    const detail = valid.length ? 'supported values: ' + valid.map((v) => quote(v)).join(', ') : '';
    return {
      reason: 'FieldValueNotSupported',
      field,
      message: `Unsupported value: ${formatBadValue(value)}` + (detail ? `: ${detail}` : ''),
    };
  },
  duplicate(field: string, value: unknown): StatusCause {
    return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatBadValue(value)}` };
  },
  forbidden(field: string, detail: string): StatusCause {
    return { reason: 'FieldValueForbidden', field, message: 'Forbidden' + (detail ? `: ${detail}` : '') };
  },
  tooLong(field: string, maxLength: number): StatusCause {
    const unit = maxLength === 1 ? 'byte' : 'bytes';
    return { reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${maxLength} ${unit}` };
  },
  tooLongCharacters(field: string, maxLength: number): StatusCause {
    const unit = maxLength === 1 ? 'character' : 'characters';
    return { reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${maxLength} ${unit}` };
  },
  tooMany(field: string, actual: number, max: number): StatusCause {
    return {
      reason: 'FieldValueTooMany',
      field,
      message: `Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}`,
    };
  },
  notFound(field: string, value: unknown): StatusCause {
    return { reason: 'FieldValueNotFound', field, message: `Not found: ${formatBadValue(value)}` };
  },
};

// ---------------------------------------------------------------------------------------------
// String-shape validators (k8s.io/apimachinery/pkg/util/validation): each returns messages.
// ---------------------------------------------------------------------------------------------

// maxLenError and regexError are api/labels.ts's (one formatting of upstream's messages).
export { maxLenError, regexError };
export function emptyError(): string {
  return 'must be non-empty';
}
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const DNS1123LabelMaxLength = 63;
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);

const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
export const DNS1123SubdomainMaxLength = 253;
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);

const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const dns1035LabelErrMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const dns1035LabelRe = new RegExp(`^${dns1035LabelFmt}$`);

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123LabelMaxLength) errs.push(maxLenError(DNS1123LabelMaxLength));
  if (!dns1123LabelRe.test(value)) {
    if (dns1123SubdomainRe.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'));
  }
  return errs;
}

/** validation.IsDNS1123Subdomain: api/labels.ts's. */
export const isDNS1123Subdomain = dns1123SubdomainErrors;

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123LabelMaxLength) errs.push(maxLenError(DNS1123LabelMaxLength));
  if (!dns1035LabelRe.test(value)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, 'my-name', 'abc-123'));
  return errs;
}

/** A label key / annotation key / finalizer (validation.IsQualifiedName): api/labels.ts's. */
export const isQualifiedName = labelKeyErrors;

/** validation.IsValidLabelValue: api/labels.ts's. */
export const isValidLabelValue = labelValueErrors;

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

export function isInRange(value: number, min: number, max: number): string[] {
  return value >= min && value <= max ? [] : [inclusiveRangeError(min, max)];
}

/** IANA_SVC_NAME: a port name (container ports, service targetPort names). */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

function hasChDirPrefix(value: string): string[] {
  if (value === '.') return ["must not be '.'"];
  if (value === '..') return ["must not be '..'"];
  if (value.startsWith('..')) return ["must not start with '..'"];
  return [];
}

const envVarNameFmt = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const envVarNameFmtErrMsg =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";

/** The strict (pre-1.32) environment variable name rule. */
export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!new RegExp(`^${envVarNameFmt}$`).test(value)) {
    errs.push(regexError(envVarNameFmtErrMsg, envVarNameFmt, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1'));
  }
  errs.push(...hasChDirPrefix(value));
  return errs;
}

/** RelaxedEnvironmentVariableValidation (on by default since 1.32): printable ASCII but '='. */
export function isRelaxedEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push('environment variable name ' + emptyError());
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c > 0x7e || c < 0x20 || ch === '=') {
      errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
      break;
    }
  }
  return errs;
}

const configMapKeyFmt = '[-._a-zA-Z0-9]+';
const configMapKeyErrMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123SubdomainMaxLength) errs.push(maxLenError(DNS1123SubdomainMaxLength));
  if (!new RegExp(`^${configMapKeyFmt}$`).test(value)) {
    errs.push(regexError(configMapKeyErrMsg, configMapKeyFmt, 'key.name', 'KEY_NAME', 'key-name'));
  }
  errs.push(...hasChDirPrefix(value));
  return errs;
}

const percentFmt = '[0-9]+%';
export function isValidPercent(value: string): string[] {
  return new RegExp(`^${percentFmt}$`).test(value)
    ? []
    : [regexError("a valid percent string must be a numeric string followed by an ending '%'", percentFmt, '1%', '93%')];
}

// ---------------------------------------------------------------------------------------------
// IPs and CIDRs
// ---------------------------------------------------------------------------------------------

export function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function isIPv6(s: string): boolean {
  if (!s.includes(':')) return false;
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const dbl = s.split('::');
  if (dbl.length > 2) return false;
  const groups = (part: string): string[] | undefined => {
    if (part === '') return [];
    const gs = part.split(':');
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i]!;
      if (i === gs.length - 1 && g.includes('.')) {
        if (!parseIPv4(g)) return undefined;
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    }
    return gs;
  };
  const count = (gs: string[]): number => gs.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  if (dbl.length === 2) {
    const a = groups(dbl[0]!);
    const b = groups(dbl[1]!);
    if (!a || !b) return false;
    return count(a) + count(b) <= 7;
  }
  const a = groups(s);
  return !!a && count(a) === 8;
}

export function ipFamilyOf(s: string): 'IPv4' | 'IPv6' | undefined {
  if (parseIPv4(s)) return 'IPv4';
  if (isIPv6(s)) return 'IPv6';
  return undefined;
}

/** IP address check with upstream's messages (leading zeros and IPv4-mapped IPv6 rejected). */
export function validateIP(field: string, value: string): StatusCause[] {
  const fam = ipFamilyOf(value);
  if (!fam) {
    return [fieldErr.invalid(field, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
  }
  if (fam === 'IPv4' && value.split('.').some((p) => p.length > 1 && p.startsWith('0'))) {
    return [fieldErr.invalid(field, value, 'must not have leading 0s')];
  }
  if (fam === 'IPv6' && /^::ffff:[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/i.test(value)) {
    return [fieldErr.invalid(field, value, 'must not be an IPv4-mapped IPv6 address')];
  }
  return [];
}

export function validateCIDR(field: string, value: string): StatusCause[] {
  const bad = [fieldErr.invalid(field, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
  const slash = value.indexOf('/');
  if (slash < 0) return bad;
  const ip = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  const fam = ipFamilyOf(ip);
  if (!fam || !/^[0-9]{1,3}$/.test(bits)) return bad;
  const n = Number(bits);
  if (n > (fam === 'IPv4' ? 32 : 128)) return bad;
  if (fam === 'IPv4') {
    const o = parseIPv4(ip)!;
    const v = ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
    const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
    if (((v & ~mask) >>> 0) !== 0) return [fieldErr.invalid(field, value, 'must not have bits set beyond the prefix length')];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Resource quantities (k8s.io/apimachinery/pkg/api/resource)
// ---------------------------------------------------------------------------------------------

export const QUANTITY_REGEX_MESSAGE = ERR_FORMAT_WRONG;

function asQuantityInput(q: unknown): string | number | undefined {
  return typeof q === 'string' || typeof q === 'number' ? q : undefined;
}

/** The value of a quantity as a float, or undefined if it is not a valid quantity (api/quantity.ts). */
export function parseQuantity(q: unknown): number | undefined {
  const input = asQuantityInput(q);
  const parsed = input === undefined ? undefined : tryParseQuantity(input);
  return parsed ? approximateFloat(parsed) : undefined;
}

/** Exact comparison of two quantities (undefined if either is invalid). */
export function compareQuantities(a: unknown, b: unknown): -1 | 0 | 1 | undefined {
  const x = asQuantityInput(a);
  const y = asQuantityInput(b);
  if (x === undefined || y === undefined) return undefined;
  const qa = tryParseQuantity(x);
  const qb = tryParseQuantity(y);
  return qa && qb ? compare(qa, qb) : undefined;
}

/**
 * resource.Quantity's canonical string (`0.5` -> `500m`, `1000m` -> `1`, `1024Mi` -> `1Gi`), via
 * api/quantity.ts; undefined if not a quantity.
 */
export function canonicalQuantity(q: unknown): string | undefined {
  const input = asQuantityInput(q);
  if (input === undefined) return undefined;
  try {
    return sharedCanonicalQuantity(input);
  } catch {
    return undefined;
  }
}

export function validateResourceQuantityValue(field: string, value: unknown): StatusCause[] {
  const input = asQuantityInput(value);
  const why = input === undefined ? ERR_FORMAT_WRONG : quantityError(input);
  if (why !== undefined) return [fieldErr.invalid(field, value, why)];
  const n = parseQuantity(value)!;
  if (n < 0) return [fieldErr.invalid(field, value, 'must be greater than or equal to 0')];
  return [];
}

// ---------------------------------------------------------------------------------------------
// Metadata (k8s.io/apimachinery/pkg/api/validation/objectmeta.go)
// ---------------------------------------------------------------------------------------------

export const FieldImmutableErrorMsg = 'field is immutable';
export const TotalAnnotationSizeLimitB = 256 * 1024;
export const IsNegativeErrorMsg = 'must be greater than or equal to 0';

/** A name validator: (name, prefix) -> messages. `prefix` is true for generateName. */
export type NameValidator = (name: string, prefix: boolean) => string[];

function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? name.slice(0, name.length - 2) + 'a' : name;
}
export const nameIsDNSSubdomain: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);

/** Path-segment names (leases, events, ... ValidatePathSegmentName). */
export const nameIsPathSegment: NameValidator = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
};

export function validateLabels(labels: unknown, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!labels || typeof labels !== 'object') return errs;
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const m of isQualifiedName(k)) errs.push(fieldErr.invalid(field, k, m));
    for (const m of isValidLabelValue(String(v ?? ''))) errs.push(fieldErr.invalid(field, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!annotations || typeof annotations !== 'object') return errs;
  let total = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fieldErr.invalid(field, k, m));
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v ?? ''));
  }
  if (total > TotalAnnotationSizeLimitB) errs.push(fieldErr.tooLong(field, TotalAnnotationSizeLimitB));
  return errs;
}

export function validateOwnerReferences(refs: unknown, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!Array.isArray(refs)) return errs;
  let firstController = '';
  const list: readonly unknown[] = refs;
  list.forEach((ref, i) => {
    const p = index(field, i);
    const r = isPlainObject(ref) ? ref : {};
    const apiVersion = String(r.apiVersion ?? '');
    if (!apiVersion) errs.push(fieldErr.required(child(p, 'apiVersion'), 'must not be empty'));
    else if (apiVersion.split('/').length > 2 || apiVersion.endsWith('/')) {
      errs.push(fieldErr.invalid(child(p, 'apiVersion'), apiVersion, 'must be <group>/<version> or <version>'));
    }
    if (!r.kind) errs.push(fieldErr.required(child(p, 'kind'), 'must not be empty'));
    if (!r.name) errs.push(fieldErr.required(child(p, 'name'), 'must not be empty'));
    if (!r.uid) errs.push(fieldErr.required(child(p, 'uid'), 'must not be empty'));
    if (apiVersion === 'v1' && r.kind === 'Event') {
      errs.push(fieldErr.invalid(p, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (r.controller === true) {
      const cur = `${String(r.kind)}/${String(r.name)}`;
      if (firstController) {
        errs.push(
          fieldErr.invalid(
            field,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`,
          ),
        );
      } else firstController = cur;
    }
  });
  return errs;
}

export function validateFinalizers(finalizers: unknown, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!Array.isArray(finalizers)) return errs;
  for (const f of finalizers) for (const m of isQualifiedName(String(f))) errs.push(fieldErr.invalid(field, f, m));
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(fieldErr.invalid(field, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

export function validateNonnegative(field: string, value: unknown): StatusCause[] {
  return typeof value === 'number' && value < 0 ? [fieldErr.invalid(field, value, IsNegativeErrorMsg)] : [];
}

/**
 * Object metadata as validation meets it: the schema's fields, except that an owner reference may still
 * lack the fields validation requires of it (the structural check never rejects a missing field), so
 * `ownerReferences` is read as it comes (validateOwnerReferences narrows it).
 */
export type MetaInput = Relaxed<Omit<ObjectMeta, 'ownerReferences'>> & { ownerReferences?: unknown };

/** ValidateObjectMeta: name / generateName, namespace (required iff namespaced), labels, annotations, owners, finalizers. */
export function validateObjectMeta(
  meta: MetaInput | undefined,
  namespaced: boolean,
  nameFn: NameValidator,
  field = 'metadata',
): StatusCause[] {
  const errs: StatusCause[] = [];
  const m: MetaInput = meta ?? {};
  if (m.generateName) {
    for (const msg of nameFn(String(m.generateName), true)) errs.push(fieldErr.invalid(child(field, 'generateName'), m.generateName, msg));
  }
  if (!m.name) errs.push(fieldErr.required(child(field, 'name'), 'name or generateName is required'));
  else for (const msg of nameFn(String(m.name), false)) errs.push(fieldErr.invalid(child(field, 'name'), m.name, msg));
  errs.push(...validateMetaCommon(m, namespaced, field));
  errs.push(...validateKubeFinalizerNames(m.finalizers, child(field, 'finalizers')));
  return errs;
}

export const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];

/** Core's extra rule: a finalizer without '/' must be a standard one. */
export function validateKubeFinalizerNames(finalizers: unknown, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!Array.isArray(finalizers)) return errs;
  for (const f of finalizers) {
    const s = String(f);
    if (!s.includes('/') && !STANDARD_FINALIZERS.includes(s)) {
      errs.push(fieldErr.invalid(field, s, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

function validateMetaCommon(m: MetaInput, namespaced: boolean, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (namespaced) {
    if (!m.namespace) errs.push(fieldErr.required(child(field, 'namespace'), ''));
    else for (const msg of nameIsDNSLabel(String(m.namespace), false)) errs.push(fieldErr.invalid(child(field, 'namespace'), m.namespace, msg));
  } else if (m.namespace) {
    errs.push(fieldErr.forbidden(child(field, 'namespace'), 'not allowed on this type'));
  }
  errs.push(...validateNonnegative(child(field, 'generation'), m.generation));
  errs.push(...validateLabels(m.labels, child(field, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(field, 'annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, child(field, 'ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, child(field, 'finalizers')));
  return errs;
}

/** ValidateObjectMetaUpdate: immutable identity fields, resourceVersion present, generation monotonic, ... */
export function validateObjectMetaUpdate(newMeta: MetaInput | undefined, oldMeta: MetaInput | undefined, field = 'metadata'): StatusCause[] {
  const errs: StatusCause[] = [];
  const n: MetaInput = newMeta ?? {};
  const o: MetaInput = oldMeta ?? {};
  if (o.deletionTimestamp) {
    const oldF = new Set<string>(o.finalizers ?? []);
    const extra = [...new Set<string>(n.finalizers ?? [])].filter((f) => !oldF.has(f)).sort();
    if (extra.length) {
      errs.push(
        fieldErr.forbidden(
          child(field, 'finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map(quote).join(', ')}}`,
        ),
      );
    }
  }
  if (!n.resourceVersion) errs.push(fieldErr.invalid(child(field, 'resourceVersion'), n.resourceVersion ?? '', 'must be specified for an update'));
  errs.push(...validateNonnegative(child(field, 'generation'), n.generation));
  if ((n.generation ?? 0) < (o.generation ?? 0)) errs.push(fieldErr.invalid(child(field, 'generation'), n.generation ?? 0, 'must not be decremented'));
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    errs.push(...validateImmutableField(n[f], o[f], child(field, f)));
  }
  errs.push(...validateLabels(n.labels, child(field, 'labels')));
  errs.push(...validateAnnotations(n.annotations, child(field, 'annotations')));
  errs.push(...validateOwnerReferences(n.ownerReferences, child(field, 'ownerReferences')));
  errs.push(...validateKubeFinalizerNames(n.finalizers, child(field, 'finalizers')));
  return errs;
}

export function validateImmutableField(newVal: unknown, oldVal: unknown, field: string): StatusCause[] {
  return semanticEqual(newVal, oldVal) ? [] : [fieldErr.invalid(field, newVal ?? '', FieldImmutableErrorMsg)];
}

// ---------------------------------------------------------------------------------------------
// Label selectors (meta/v1/validation)
// ---------------------------------------------------------------------------------------------

export function validateLabelSelector(sel: Relaxed<LabelSelector> | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!sel) return errs;
  (sel.matchExpressions ?? []).forEach((r, i) => errs.push(...validateLabelSelectorRequirement(r, index(child(field, 'matchExpressions'), i))));
  errs.push(...validateLabels(sel.matchLabels, child(field, 'matchLabels')));
  return errs;
}

/**
 * upstream ValidateLabelSelectorRequirement: the operator's values, the key, the values. `allowUnknownOperator`
 * (a *SubjectAccessReview's selectors, from a newer client) lets an operator this server does not know pass.
 */
export function validateLabelSelectorRequirement(r: { key?: unknown; operator?: unknown; values?: unknown } | undefined, p: string, opts: { allowUnknownOperator?: boolean } = {}): StatusCause[] {
  const errs: StatusCause[] = [];
  const values: unknown[] = Array.isArray(r?.values) ? r.values : [];
  switch (r?.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(fieldErr.required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(fieldErr.forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      if (!opts.allowUnknownOperator) errs.push(fieldErr.invalid(child(p, 'operator'), r?.operator ?? '', 'not a valid selector operator'));
  }
  for (const m of isQualifiedName(String(r?.key ?? ''))) errs.push(fieldErr.invalid(child(p, 'key'), r?.key ?? '', m));
  values.forEach((v, j) => {
    for (const m of isValidLabelValue(String(v))) errs.push(fieldErr.invalid(index(child(p, 'values'), j), v, m));
  });
  return errs;
}

/** upstream ValidateFieldSelectorRequirement (a *SubjectAccessReview's: unknown operators allowed). */
export function validateFieldSelectorRequirement(r: { key?: unknown; operator?: unknown; values?: unknown } | undefined, p: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const values: unknown[] = Array.isArray(r?.values) ? r.values : [];
  if (!r?.key) errs.push(fieldErr.required(child(p, 'key'), 'must be specified'));
  if ((r?.operator === 'In' || r?.operator === 'NotIn') && values.length === 0) {
    errs.push(fieldErr.required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
  }
  if ((r?.operator === 'Exists' || r?.operator === 'DoesNotExist') && values.length > 0) {
    errs.push(fieldErr.forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  }
  return errs;
}

/** Does a LabelSelector (matchLabels + matchExpressions) select these labels? Empty selector selects all. */
export function selectorMatches(sel: Relaxed<LabelSelector> | undefined, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const r of sel?.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const vals: string[] = r.values ?? [];
    switch (r.operator) {
      case 'In':
        if (!has || !vals.includes(l[r.key]!)) return false;
        break;
      case 'NotIn':
        if (has && vals.includes(l[r.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export function selectorIsEmpty(sel: Relaxed<LabelSelector> | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

// ---------------------------------------------------------------------------------------------
// Semantic equality (apimachinery's Semantic.DeepEqual: nil == empty; absent == zero value here)
// ---------------------------------------------------------------------------------------------

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as object).every(isEmptyValue);
  return false;
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmptyValue(a) && isEmptyValue(b)) return true;
  if (typeof a !== typeof b) {
    // quantities written as numbers vs strings
    if ((typeof a === 'number' && typeof b === 'string') || (typeof a === 'string' && typeof b === 'number')) {
      return String(a) === String(b);
    }
    return false;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}

/** Paths whose values differ between two JSON values (for readable "forbidden update" diffs). */
export function diffPaths(a: unknown, b: unknown, base = ''): string[] {
  if (semanticEqual(a, b)) return [];
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    const as: readonly unknown[] = a;
    const bs: readonly unknown[] = b;
    return as.flatMap((x, i) => diffPaths(x, bs[i], `${base}[${i}]`));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffPaths(a[k], b[k], base ? `${base}.${k}` : k));
  }
  return [base];
}

