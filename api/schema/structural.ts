/**
 * Structural checks of an object against its kind's schema: JSON type errors (as field causes with
 * kube-openapi's wording), numbers that do not fit their field's Go type (int32/int64 range, whole
 * numbers, finite floats: upstream's JSON decoder wording, see json-numbers.ts) and unknown fields (as
 * upstream's strict decoding reports them). Missing fields are never an error here: that is validation's job.
 */
import type { StatusCause } from '../errors.js';
import { schemaFor } from '../types/registry.js';
// The served kinds' schemas are registered by their descriptors: load them before any lookup.
import '../kinds/registry.js';
import { node, shapeOf, jsonTypeName, defName, type SchemaNode } from './walk.js';
import { X_UNSTRUCTURED } from '../types/base.js';
import { isPlainObject } from '../values.js';
import {
  cannotUnmarshalNumber, firstNonFiniteNumber, fitsFloat, fitsInt, floatFormatOf, goTypeName, intFormatOf, type GoField,
} from './json-numbers.js';

export interface StructureResult {
  /** Type errors, one per field (reason FieldValueTypeInvalid / FieldValueInvalid). */
  causes: StatusCause[];
  /**
   * Each cause as the decoder's 400 message shows it: `<field>: <message>` for schema type errors,
   * the bare `json: cannot unmarshal ...` text (which names its field itself) for numbers.
   */
  messages: string[];
  /** Paths of unknown fields from the object root: `spec.replicasx`, `spec.containers[0].foo`. */
  unknownFields: string[];
}

/** Upstream's quantity grammar, as its decoder reports it. */
export const QUANTITY_REGEXP = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const QUANTITY_RE = new RegExp(QUANTITY_REGEXP);
const QUANTITY_SUFFIX_RE = /^([+-]?[0-9.]+)(|[eE][-+]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)$/;

/** True when `s` parses as a resource quantity ("100m", "1Gi", "1e3", "0.5"). */
export function isQuantityString(s: string): boolean {
  const t = s.trim();
  if (t !== s || !QUANTITY_RE.test(s)) return false;
  const m = QUANTITY_SUFFIX_RE.exec(s);
  if (!m) return false;
  const num = m[1].replace(/^[+-]/, '');
  return /^([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(num);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

interface Ctx {
  causes: StatusCause[];
  messages: string[];
  unknown: string[];
  prune: boolean;
}

function typeError(ctx: Ctx, path: string, expected: string, v: unknown): void {
  const actual = jsonTypeName(v);
  const message = `Invalid value: "${actual}": ${path} in body must be of type ${expected}: "${actual}"`;
  ctx.causes.push({ reason: 'FieldValueTypeInvalid', message, field: path });
  ctx.messages.push(`${path}: ${message}`);
}

/** A number its Go field cannot hold: the decoder's own message, which names the Go field. */
function numberError(ctx: Ctx, path: string, v: number, goType: string, at: GoField): void {
  const message = cannotUnmarshalNumber(v, goType, at);
  ctx.causes.push({ reason: 'FieldValueTypeInvalid', message, field: path });
  ctx.messages.push(message);
}

/**
 * `path` is the field path of messages and causes (`spec.containers[0].ports[0].containerPort`); `go` is
 * where encoding/json would say it was (struct holding the field, JSON names without list indices).
 */
function walk(ctx: Ctx, s: SchemaNode, v: unknown, path: string, go: GoField): void {
  if (v === null || v === undefined) return; // JSON null is "unset" for every field
  const sh = shapeOf(s);
  switch (sh.kind) {
    case 'any': {
      // Anything goes, but a number JSON cannot carry would be stored as null.
      const bad = firstNonFiniteNumber(v, path);
      if (bad) numberError(ctx, bad.path, bad.value, 'float64', go);
      return;
    }
    case 'string':
      if (typeof v !== 'string') typeError(ctx, path, 'string', v);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') typeError(ctx, path, 'boolean', v);
      return;
    case 'integer': {
      if (typeof v !== 'number') return typeError(ctx, path, 'integer', v);
      const format = intFormatOf(sh.format);
      if (!fitsInt(v, format)) numberError(ctx, path, v, goTypeName(format), go);
      return;
    }
    case 'number': {
      if (typeof v !== 'number') return typeError(ctx, path, 'number', v);
      const format = floatFormatOf(sh.format);
      if (!fitsFloat(v, format)) numberError(ctx, path, v, goTypeName(format), go);
      return;
    }
    case 'int-or-string':
      if (typeof v === 'string') return;
      if (typeof v !== 'number') return typeError(ctx, path, 'integer,string', v);
      // IntOrString.UnmarshalJSON decodes the number on its own into an int32: no field context.
      if (!fitsInt(v, 'int32')) numberError(ctx, path, v, 'int32', {});
      return;
    case 'quantity':
      if (typeof v === 'number' && Number.isFinite(v)) return;
      if (typeof v === 'number') {
        const message = `Invalid value: "${v}": quantities must match the regular expression '${QUANTITY_REGEXP}'`;
        ctx.causes.push({ reason: 'FieldValueInvalid', message, field: path });
        ctx.messages.push(`${path}: ${message}`);
      } else if (typeof v !== 'string') {
        typeError(ctx, path, 'string', v);
      } else if (!isQuantityString(v)) {
        const message = `Invalid value: "${v}": quantities must match the regular expression '${QUANTITY_REGEXP}'`;
        ctx.causes.push({ reason: 'FieldValueInvalid', message, field: path });
        ctx.messages.push(`${path}: ${message}`);
      }
      return;
    case 'array':
      if (!Array.isArray(v)) {
        typeError(ctx, path, 'array', v);
        return;
      }
      // encoding/json keeps the field context for list items (no index in it).
      v.forEach((item, i) => walk(ctx, sh.items, item, `${path}[${i}]`, go));
      return;
    case 'map':
      if (!isPlainObject(v)) {
        typeError(ctx, path, 'object', v);
        return;
      }
      for (const [k, val] of Object.entries(v)) walk(ctx, sh.values, val, join(path, k), go);
      return;
    case 'object': {
      if (!isPlainObject(v)) {
        typeError(ctx, path, 'object', v);
        return;
      }
      const struct = goStructName(s) ?? go.struct;
      for (const k of Object.keys(v)) {
        const ps = Object.prototype.hasOwnProperty.call(sh.properties, k) ? sh.properties[k] : undefined;
        if (!ps) {
          if (sh.preserveUnknown) continue;
          ctx.unknown.push(join(path, k));
          if (ctx.prune) delete v[k];
          continue;
        }
        walk(ctx, ps, v[k], join(path, k), { ...(struct ? { struct } : {}), path: join(go.path ?? '', k) });
      }
      return;
    }
  }
}

/** The Go struct a named definition is: the last segment of `io.k8s.api.apps.v1.DeploymentSpec`. */
function goStructName(s: SchemaNode): string | undefined {
  const d = defName(s);
  return d ? d.slice(d.lastIndexOf('.') + 1) : undefined;
}

/**
 * Check `obj` against the schema of apiVersion/kind. Unknown kinds pass (no schema to check).
 * `opts.strict` is accepted for symmetry with fieldValidation; unknown fields are always listed,
 * the caller decides (Strict: 400 `strict decoding error: ...`; Warn: warnings; Ignore: drop).
 */
export function checkStructure(apiVersion: string, kind: string, obj: unknown, opts: { strict: boolean } = { strict: false }): StructureResult {
  void opts;
  const s = schemaFor(apiVersion, kind);
  const ctx: Ctx = { causes: [], messages: [], unknown: [], prune: false };
  if (s) walk(ctx, node(s), obj, '', {});
  // A kind decoded unstructured (a custom resource): wrong types are its validation's 422, not a decoder error.
  if (s && node(s)[X_UNSTRUCTURED] === true) return { causes: [], messages: [], unknownFields: ctx.unknown };
  return { causes: ctx.causes, messages: ctx.messages, unknownFields: ctx.unknown };
}

/**
 * Drop unknown fields from `obj` in place (fieldValidation=Ignore/Warn behaviour) and return
 * their paths. Type errors are left alone (checkStructure reports them).
 */
export function pruneUnknown(apiVersion: string, kind: string, obj: unknown): string[] {
  const s = schemaFor(apiVersion, kind);
  if (!s) return [];
  const ctx: Ctx = { causes: [], messages: [], unknown: [], prune: true };
  walk(ctx, node(s), obj, '', {});
  return ctx.unknown;
}

/** `unknown field "spec.foo"`: one warning / error detail per unknown field, as upstream words it. */
export function unknownFieldMessage(path: string): string {
  return `unknown field "${path}"`;
}

/** The 400 message upstream answers under fieldValidation=Strict: `strict decoding error: unknown field "a", unknown field "b"`. */
export function strictDecodingMessage(unknownFields: readonly string[]): string {
  return `strict decoding error: ${unknownFields.map(unknownFieldMessage).join(', ')}`;
}
