/**
 * Structural checks of an object against its kind's schema: JSON type errors (as field causes with
 * kube-openapi's wording) and unknown fields (as upstream's strict decoding reports them). Missing
 * fields are never an error here: that is validation's job.
 */
import type { StatusCause } from '../errors.js';
import { schemaFor } from '../types/registry.js';
import { node, shapeOf, jsonTypeName, isPlainObject, type SchemaNode } from './walk.js';

export interface StructureResult {
  /** Type errors, one per field (reason FieldValueTypeInvalid / FieldValueInvalid). */
  causes: StatusCause[];
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
  unknown: string[];
  prune: boolean;
}

function typeError(ctx: Ctx, path: string, expected: string, v: unknown): void {
  const actual = jsonTypeName(v);
  ctx.causes.push({
    reason: 'FieldValueTypeInvalid',
    message: `Invalid value: "${actual}": ${path} in body must be of type ${expected}: "${actual}"`,
    field: path,
  });
}

function walk(ctx: Ctx, s: SchemaNode, v: unknown, path: string): void {
  if (v === null || v === undefined) return; // JSON null is "unset" for every field
  const sh = shapeOf(s);
  switch (sh.kind) {
    case 'any':
      return;
    case 'string':
      if (typeof v !== 'string') typeError(ctx, path, 'string', v);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') typeError(ctx, path, 'boolean', v);
      return;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) typeError(ctx, path, 'integer', v);
      return;
    case 'number':
      if (typeof v !== 'number') typeError(ctx, path, 'number', v);
      return;
    case 'int-or-string':
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) typeError(ctx, path, 'integer,string', v);
      return;
    case 'quantity':
      if (typeof v === 'number') return;
      if (typeof v !== 'string') {
        typeError(ctx, path, 'string', v);
      } else if (!isQuantityString(v)) {
        ctx.causes.push({
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${v}": quantities must match the regular expression '${QUANTITY_REGEXP}'`,
          field: path,
        });
      }
      return;
    case 'array':
      if (!Array.isArray(v)) {
        typeError(ctx, path, 'array', v);
        return;
      }
      v.forEach((item, i) => walk(ctx, sh.items, item, `${path}[${i}]`));
      return;
    case 'map':
      if (!isPlainObject(v)) {
        typeError(ctx, path, 'object', v);
        return;
      }
      for (const [k, val] of Object.entries(v)) walk(ctx, sh.values, val, join(path, k));
      return;
    case 'object': {
      if (!isPlainObject(v)) {
        typeError(ctx, path, 'object', v);
        return;
      }
      for (const k of Object.keys(v)) {
        const ps = Object.prototype.hasOwnProperty.call(sh.properties, k) ? sh.properties[k] : undefined;
        if (!ps) {
          ctx.unknown.push(join(path, k));
          if (ctx.prune) delete v[k];
          continue;
        }
        walk(ctx, ps, v[k], join(path, k));
      }
      return;
    }
  }
}

/**
 * Check `obj` against the schema of apiVersion/kind. Unknown kinds pass (no schema to check).
 * `opts.strict` is accepted for symmetry with fieldValidation; unknown fields are always listed,
 * the caller decides (Strict: 400 `strict decoding error: ...`; Warn: warnings; Ignore: drop).
 */
export function checkStructure(apiVersion: string, kind: string, obj: unknown, opts: { strict: boolean } = { strict: false }): StructureResult {
  void opts;
  const s = schemaFor(apiVersion, kind);
  const ctx: Ctx = { causes: [], unknown: [], prune: false };
  if (s) walk(ctx, node(s), obj, '');
  return { causes: ctx.causes, unknownFields: ctx.unknown };
}

/**
 * Drop unknown fields from `obj` in place (fieldValidation=Ignore/Warn behaviour) and return
 * their paths. Type errors are left alone (checkStructure reports them).
 */
export function pruneUnknown(apiVersion: string, kind: string, obj: unknown): string[] {
  const s = schemaFor(apiVersion, kind);
  if (!s) return [];
  const ctx: Ctx = { causes: [], unknown: [], prune: true };
  walk(ctx, node(s), obj, '');
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
