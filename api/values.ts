/**
 * Plain JSON-like values (API objects as decoded JSON): one object test, one safe key assignment, one
 * equality, one copy, one stable text, shared by the API server, the controllers, the patch code and the
 * in-process test client.
 *
 * Keys whose value is `undefined` do not exist on the wire, so they are ignored by all three.
 */

/** A JSON object: not null, not an array. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Assign a key that comes from user input (a patch, a decoded body): `__proto__` becomes a plain own
 * property, as JSON.parse makes it, never the object's prototype.
 */
export function setOwnProperty(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** Structural equality; `{a: undefined}` equals `{}` (neither serialises the key). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let n = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    n++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) n--;
  return n === 0;
}

/** A deep copy (undefined stays undefined). */
export function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

/** JSON with sorted keys: a stable text of a plain value (for hashing). */
export function stableStringify(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(',')}}`;
}

/** A JSON value as `JSON.parse` makes it (a document from the wire, before any schema says more). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * The value at `path` below `v`, for reading a document no schema has checked: undefined as soon as a
 * step is not an object, so a malformed document reads as one without the field.
 */
export function valueAt(v: unknown, ...path: readonly string[]): unknown {
  let cur = v;
  for (const k of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The objects of a list value (a malformed document's other elements, or a value that is no list, give none). */
export function objectsOf(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

/** JSON type name of a value as kube-openapi reports it ("integer" for whole numbers). */
export function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'number';
    case 'object':
      return 'object';
    default:
      return typeof v;
  }
}
