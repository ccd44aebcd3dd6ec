/**
 * JSON numbers as upstream's decoder (sigs.k8s.io/json, a fork of Go's encoding/json) takes them into Go
 * fields: an int32/int64 field takes only a whole number in its range (`strconv.ParseInt` + `OverflowInt`),
 * a float64 field any finite number; anything else is an `UnmarshalTypeError`:
 *
 *   json: cannot unmarshal number 1e+30 into Go struct field DeploymentSpec.spec.replicas of type int32
 *
 * (Struct = the Go struct holding the field, then the JSON field names from the root without list indices.)
 * Pure functions, no I/O.
 */

/** The Go integer and float types an OpenAPI `format` stands for. */
export type IntFormat = 'int32' | 'int64';
export type FloatFormat = 'float' | 'double';

export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;
export const INT64_MIN = -(2 ** 63);
/** 2^63 - 1 is not a double: every double below 2^63 fits an int64, 2^63 itself does not. */
export const INT64_LIMIT = 2 ** 63;
const FLOAT32_MAX = 3.4028234663852886e38;

/** An integer field's format; upstream's integer fields all carry one, int64 is the safe reading when absent. */
export function intFormatOf(format: unknown): IntFormat {
  return format === 'int32' ? 'int32' : 'int64';
}

export function floatFormatOf(format: unknown): FloatFormat {
  return format === 'float' ? 'float' : 'double';
}

/** The Go type name an error message shows for a format. */
export function goTypeName(format: IntFormat | FloatFormat): string {
  switch (format) {
    case 'int32':
      return 'int32';
    case 'int64':
      return 'int64';
    case 'float':
      return 'float32';
    case 'double':
      return 'float64';
  }
}

/** True when `v` decodes into a Go integer of this format: a whole number within its range. */
export function fitsInt(v: number, format: IntFormat): boolean {
  if (!Number.isInteger(v)) return false;
  return format === 'int32' ? v >= INT32_MIN && v <= INT32_MAX : v >= INT64_MIN && v < INT64_LIMIT;
}

/** True when `v` decodes into a Go float of this format (finite; a float32 within its range). */
export function fitsFloat(v: number, format: FloatFormat): boolean {
  if (!Number.isFinite(v)) return false;
  return format === 'double' || Math.abs(v) <= FLOAT32_MAX;
}

/**
 * A number as the message shows it. Upstream quotes the JSON literal it read; clients such as kubectl write
 * numbers with Go's float formatting, which JavaScript's shortest round-trip formatting matches (1e+30,
 * 2147483648, 1.5, 1e-7). The literal of a number JSON.parse overflowed is gone: it shows as +Inf/-Inf.
 */
export function goNumberText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Where in the Go object a value was being decoded (errorContext of encoding/json). */
export interface GoField {
  /** The Go struct that holds the field (`DeploymentSpec`), when decoding inside one. */
  struct?: string;
  /** JSON field names from the root, without list indices: `spec.template.spec.containers.ports.containerPort`. */
  path?: string;
}

/** encoding/json's UnmarshalTypeError text for a number (`value` is `number <text>`, or a JSON type name). */
export function cannotUnmarshal(value: string, goType: string, at: GoField = {}): string {
  if (at.struct || at.path) return `json: cannot unmarshal ${value} into Go struct field ${at.struct ?? ''}.${at.path ?? ''} of type ${goType}`;
  return `json: cannot unmarshal ${value} into Go value of type ${goType}`;
}

export function cannotUnmarshalNumber(v: number, goType: string, at: GoField = {}): string {
  return cannotUnmarshal(`number ${goNumberText(v)}`, goType, at);
}

/** The first number in a JSON-like value that JSON cannot carry (NaN, ±Infinity), with its path. */
export function firstNonFiniteNumber(v: unknown, path = ''): { path: string; value: number } | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : { path, value: v };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = firstNonFiniteNumber(v[i], `${path}[${i}]`);
      if (r) return r;
    }
    return undefined;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const r = firstNonFiniteNumber(x, path ? `${path}.${k}` : k);
      if (r) return r;
    }
  }
  return undefined;
}
