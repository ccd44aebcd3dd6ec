/**
 * A custom object against its CRD's structural schema (upstream: pkg/apiserver/schema/pruning,
 * pkg/apiserver/schema/defaulting, pkg/apiserver/validation over kube-openapi's validator):
 *   - `pruneObject`: drops fields the schema does not specify (not under x-kubernetes-preserve-unknown-fields;
 *     apiVersion, kind and metadata kept at the root and in embedded resources), returns their paths;
 *   - `defaultObject`: fills `default:` values of missing fields (and of non-nullable nulls), and drops other
 *     non-nullable nulls, as upstream's Default + PruneNonNullableNullsWithoutDefaults;
 *   - `validateObjectValue`: the OpenAPI v3 validations (type, enum, bounds, lengths, pattern, items,
 *     properties counts, multipleOf, required, nullable, allOf/anyOf/oneOf/not) with kube-openapi's
 *     messages, as field causes.
 * Pure: no I/O; the API server calls these through the custom resource's strategy.
 */
import type { StatusCause } from '../errors.js';
import type { JSONSchemaProps } from '../types/apiextensions.js';
import { isPlainObject, clone } from '../values.js';
import { fieldErr } from '../strategies/validation.js';
import { jsonTypeName } from '../values.js';

const META_FIELDS = ['apiVersion', 'kind', 'metadata'];

function join(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return s.items && !Array.isArray(s.items) ? s.items : undefined;
}

function additionalOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return s.additionalProperties && typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
}

// ------------------------------------------------------------------ pruning

/** Remove unspecified fields in place; returns their paths (`spec.foo`, `spec.list[0].bar`). */
export function pruneObject(obj: Record<string, unknown>, schema: JSONSchemaProps): string[] {
  const pruned: string[] = [];
  pruneNode(obj, schema, '', true, pruned);
  return pruned;
}

function pruneNode(v: unknown, s: JSONSchemaProps | undefined, path: string, isResource: boolean, out: string[]): void {
  if (Array.isArray(v)) {
    const items = s ? itemsOf(s) : undefined;
    v.forEach((x, i) => pruneNode(x, items, `${path}[${i}]`, false, out));
    // an unspecified items schema under preserve-unknown-fields keeps items as they are
    return;
  }
  if (!isPlainObject(v)) return;
  if (!s) return; // inside preserved unknown fields: nothing to prune
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const props = s.properties;
  const additional = additionalOf(s);
  const embedded = isResource || s['x-kubernetes-embedded-resource'] === true;
  for (const k of Object.keys(v)) {
    if (embedded && META_FIELDS.includes(k) && !(props && k in props)) {
      if (k === 'metadata' && !isResource) pruneEmbeddedMetadata(v[k], join(path, k), out);
      continue;
    }
    const ps = props && Object.prototype.hasOwnProperty.call(props, k) ? props[k] : additional;
    if (ps) {
      pruneNode(v[k], ps, join(path, k), false, out);
    } else if (s.additionalProperties === true || preserve) {
      continue; // kept as it is
    } else {
      out.push(join(path, k));
      delete v[k];
    }
  }
}

/** ObjectMeta's fields, the only ones an embedded resource's metadata keeps. */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

function pruneEmbeddedMetadata(meta: unknown, path: string, out: string[]): void {
  if (!isPlainObject(meta)) return;
  for (const k of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      out.push(join(path, k));
      delete meta[k];
    }
  }
}

// ------------------------------------------------------------------ defaulting

/** Apply `default:` values in place (and drop non-nullable nulls without a default), top-down as upstream. */
export function defaultObject(obj: unknown, schema: JSONSchemaProps): void {
  defaultNode(obj, schema);
}

function defaultNode(v: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(v)) {
    const items = itemsOf(s);
    if (!items) return;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === null && items.default !== undefined && !items.nullable) v[i] = clone(items.default);
      defaultNode(v[i], items);
    }
    return;
  }
  if (!isPlainObject(v)) return;
  const props = s.properties ?? {};
  for (const [k, ps] of Object.entries(props)) {
    const cur = v[k];
    if (cur === undefined || (cur === null && !ps.nullable)) {
      if (ps.default !== undefined) v[k] = clone(ps.default);
      else if (cur === null) delete v[k];
    }
  }
  const additional = additionalOf(s);
  for (const [k, x] of Object.entries(v)) {
    const ps = Object.prototype.hasOwnProperty.call(props, k) ? props[k] : additional;
    if (!ps) continue;
    if (x === null && !ps.nullable && additional === ps) {
      if (ps.default !== undefined) v[k] = clone(ps.default);
      else delete v[k];
    }
    defaultNode(v[k], ps);
  }
}

// ------------------------------------------------------------------ validation

/** Go's %v of a float64 bound (1, 1.5, 1e+21). */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  return String(n).replace(/e\+?(\d)$/, 'e+0$1').replace(/e\+?/, 'e+');
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    default:
      return true;
  }
}

function typeInvalid(path: string, expected: string, v: unknown): StatusCause {
  const actual = jsonTypeName(v);
  return { reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "${actual}": ${path} in body must be of type ${expected}: "${actual}"` };
}

function deepEqualJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false; // two different scalars
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Upstream's enum cause: `Unsupported value: "c": supported values: "a", "b"` (non-strings as JSON). */
function enumCause(path: string, v: unknown, values: unknown[]): StatusCause {
  const shown = values.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  return fieldErr.notSupported(path, v, shown);
}

/** Check `v` (at `path`) against `s`; the schema's OpenAPI v3 value validations with kube-openapi's wording. */
export function validateValue(v: unknown, s: JSONSchemaProps, path: string, out: StatusCause[] = []): StatusCause[] {
  if (v === null || v === undefined) {
    if (v === null && !s.nullable && s.type && !s['x-kubernetes-preserve-unknown-fields']) out.push(typeInvalid(path, s.type, v));
    return out;
  }
  if (s['x-kubernetes-int-or-string']) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) {
      out.push(typeInvalid(path, 'integer,string', v));
      return out;
    }
  } else if (s.type && !typeMatches(s.type, v)) {
    out.push(typeInvalid(path, s.type, v));
    return out;
  }
  if (s.enum && s.enum.length > 0 && !s.enum.some((e) => deepEqualJson(e, v))) out.push(enumCause(path, v, s.enum));
  if (typeof v === 'number') validateNumber(v, s, path, out);
  if (typeof v === 'string') validateString(v, s, path, out);
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push(fieldErr.tooMany(path, v.length, s.maxItems));
    if (s.minItems !== undefined && v.length < s.minItems) {
      out.push(fieldErr.invalid(path, v.length, `${path} in body should have at least ${s.minItems} items`));
    }
    const items = itemsOf(s);
    if (items) v.forEach((x, i) => validateValue(x, items, `${path}[${i}]`, out));
    validateListType(v, s, path, out);
  }
  if (isPlainObject(v)) validateObject(v, s, path, out);
  validateJunctions(v, s, path, out);
  return out;
}

function validateNumber(v: number, s: JSONSchemaProps, path: string, out: StatusCause[]): void {
  if (s.maximum !== undefined) {
    if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) {
      const how = s.exclusiveMaximum ? 'less than' : 'less than or equal to';
      out.push(fieldErr.invalid(path, v, `${path} in body should be ${how} ${goNumber(s.maximum)}`));
    }
  }
  if (s.minimum !== undefined) {
    if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) {
      const how = s.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
      out.push(fieldErr.invalid(path, v, `${path} in body should be ${how} ${goNumber(s.minimum)}`));
    }
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0) {
    const q = v / s.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) out.push(fieldErr.invalid(path, v, `${path} in body should be a multiple of ${goNumber(s.multipleOf)}`));
  }
}

/** Characters, as go-openapi counts them (utf8.RuneCountInString): code points, fewer than UTF-16 units only with surrogates. */
function runeCount(v: string): number {
  let n = v.length;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < v.length) {
      const d = v.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** A schema's pattern compiled once per schema (not once per value checked); null when it does not compile. */
const patterns = new WeakMap<JSONSchemaProps, RegExp | null>();

function patternOf(s: JSONSchemaProps, pattern: string): RegExp | null {
  let re = patterns.get(s);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = null; // refused when the CRD was written; nothing to check against
    }
    patterns.set(s, re);
  }
  return re;
}

function validateString(v: string, s: JSONSchemaProps, path: string, out: StatusCause[]): void {
  if (s.maxLength !== undefined || s.minLength !== undefined) {
    const len = runeCount(v);
    if (s.maxLength !== undefined && len > s.maxLength) out.push(fieldErr.tooLong(path, s.maxLength));
    if (s.minLength !== undefined && len < s.minLength) out.push(fieldErr.invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`));
  }
  if (s.pattern !== undefined) {
    const re = patternOf(s, s.pattern);
    if (re && !re.test(v)) out.push(fieldErr.invalid(path, v, `${path} in body should match '${s.pattern}'`));
  }
}

function validateObject(v: Record<string, unknown>, s: JSONSchemaProps, path: string, out: StatusCause[]): void {
  const n = Object.keys(v).length;
  if (s.maxProperties !== undefined && n > s.maxProperties) out.push(fieldErr.tooMany(path, n, s.maxProperties));
  if (s.minProperties !== undefined && n < s.minProperties) out.push(fieldErr.invalid(path, n, `${path} in body should have at least ${s.minProperties} properties`));
  for (const k of s.required ?? []) {
    if (v[k] === undefined) out.push(fieldErr.required(join(path, k)));
  }
  const props = s.properties ?? {};
  const additional = additionalOf(s);
  for (const k of Object.keys(v).sort()) {
    const ps = Object.prototype.hasOwnProperty.call(props, k) ? props[k] : additional;
    if (ps) validateValue(v[k], ps, join(path, k), out);
  }
}

/** x-kubernetes-list-type set / map: no duplicate items (keys), as upstream's listtype validation. */
function validateListType(v: unknown[], s: JSONSchemaProps, path: string, out: StatusCause[]): void {
  const t = s['x-kubernetes-list-type'];
  if (t === 'set') {
    const seen = new Set<string>();
    v.forEach((x, i) => {
      const k = JSON.stringify(x);
      if (seen.has(k)) out.push(fieldErr.duplicate(`${path}[${i}]`, x));
      seen.add(k);
    });
  } else if (t === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    v.forEach((x, i) => {
      if (!isPlainObject(x)) return;
      const k = JSON.stringify(keys.map((key) => x[key] ?? null));
      if (seen.has(k)) out.push(fieldErr.duplicate(`${path}[${i}]`, Object.fromEntries(keys.map((key) => [key, x[key]]))));
      seen.add(k);
    });
  }
}

function validateJunctions(v: unknown, s: JSONSchemaProps, path: string, out: StatusCause[]): void {
  for (const sub of s.allOf ?? []) validateValue(v, sub, path, out);
  const label = path || '<root>';
  if (s.anyOf && s.anyOf.length > 0 && !s.anyOf.some((sub) => validateValue(v, sub, path).length === 0)) {
    out.push(fieldErr.invalid(path, v, `"${label}" must validate at least one schema (anyOf)`));
  }
  if (s.oneOf && s.oneOf.length > 0) {
    const ok = s.oneOf.filter((sub) => validateValue(v, sub, path).length === 0).length;
    if (ok !== 1) out.push(fieldErr.invalid(path, v, `"${label}" must validate one and only one schema (oneOf)`));
  }
  if (s.not && validateValue(v, s.not, path).length === 0) out.push(fieldErr.invalid(path, v, `"${label}" must not validate the schema (not)`));
}

/** The root schema without apiVersion, kind and metadata (validated elsewhere), made once per CRD schema. */
const valueRoots = new WeakMap<JSONSchemaProps, JSONSchemaProps>();

function valueRootOf(schema: JSONSchemaProps): JSONSchemaProps {
  let root = valueRoots.get(schema);
  if (root === undefined) {
    root = { ...schema, properties: { ...(schema.properties ?? {}) } };
    delete root.properties!.metadata;
    delete root.properties!.apiVersion;
    delete root.properties!.kind;
    root.required = (schema.required ?? []).filter((r) => !META_FIELDS.includes(r));
    valueRoots.set(schema, root);
  }
  return root;
}

/** Every cause of a custom object against its version's schema (metadata is validated by the strategy). */
export function validateObjectValue(obj: Record<string, unknown>, schema: JSONSchemaProps): StatusCause[] {
  const out: StatusCause[] = [];
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj;
  void _m;
  void _a;
  void _k;
  validateValue(rest, valueRootOf(schema), '', out);
  // The schema may restrict metadata.name and metadata.generateName (and nothing else there).
  const metaSchema = schema.properties?.metadata?.properties;
  const meta = isPlainObject(obj.metadata) ? obj.metadata : {};
  for (const k of ['name', 'generateName']) {
    const ks = metaSchema?.[k];
    if (ks && meta[k] !== undefined) validateValue(meta[k], ks, `metadata.${k}`, out);
  }
  return out;
}
