/**
 * A CRD schema's CEL rules run on a custom object, as upstream's pkg/apiserver/schema/cel/validation.go:
 * every rule of every node, each false rule one cause at the node (or its fieldPath) with the rule's message /
 * messageExpression / reason (`spec: Invalid value: "object": <message>`; the root prints as `<nil>`),
 * evaluation errors as upstream words them (`no such key: x evaluating rule: <rule>`), transition rules only
 * when an old value exists (or with optionalOldSelf), old values correlated through object fields, map keys
 * and map-list keys, and ratcheting: a non-transition rule failing on a value equal to its old value is not
 * an error. Runtime cost limits are not enforced. Pure: no I/O.
 */
import { Optional } from '@marcbachmann/cel-js';
import type { StatusCause } from '../errors.js';
import type { JSONSchemaProps } from '../types/apiextensions.js';
import { fieldErr, semanticEqual } from '../strategies/validation.js';
import { isPlainObject } from '../values.js';
import { compileRules, celWording, type CelErrorLike, type CompiledRule, type ValidationRule } from './cel-rules.js';
import { additionalOf, declOf, escapeFieldName, isSchema, itemsOf, toCelValue, type CelDecl } from './cel-types.js';

interface NodeValidator {
  schema: JSONSchemaProps;
  decl: CelDecl;
  rules: CompiledRule[];
  properties: Map<string, NodeValidator>;
  items?: NodeValidator;
  additional?: NodeValidator;
  allOf: NodeValidator[];
}

function buildValidator(vs: JSONSchemaProps, ns: JSONSchemaProps, decl: CelDecl | undefined): NodeValidator | undefined {
  if (!decl || !isSchema(vs)) return undefined;
  const rules = compileRules(vs['x-kubernetes-validations'] ?? [], decl, ns);
  const vItems = itemsOf(vs);
  const nItems = itemsOf(ns);
  const items = vItems && nItems ? buildValidator(vItems, nItems, decl.kind === 'list' ? decl.elem : undefined) : undefined;
  const vAdd = additionalOf(vs);
  const nAdd = additionalOf(ns);
  const additional = vAdd && nAdd ? buildValidator(vAdd, nAdd, decl.kind === 'map' ? decl.value : undefined) : undefined;
  const properties = new Map<string, NodeValidator>();
  for (const [k, vp] of Object.entries(vs.properties ?? {})) {
    const np = ns.properties?.[k];
    if (!np) continue;
    const escaped = escapeFieldName(k);
    const fieldDecl = escaped ? (decl.kind === 'object' ? decl.fields.get(escaped)?.decl : undefined) : declOf(np, np['x-kubernetes-embedded-resource'] === true);
    const v = buildValidator(vp, np, fieldDecl);
    if (v) properties.set(k, v);
  }
  const allOf = (vs.allOf ?? []).map((a) => buildValidator(a, ns, decl)).filter((v): v is NodeValidator => v !== undefined);
  if (rules.length === 0 && !items && !additional && properties.size === 0 && allOf.length === 0) return undefined;
  return { schema: ns, decl, rules, properties, ...(items ? { items } : {}), ...(additional ? { additional } : {}), allOf };
}

function child(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

function fieldErrorForReason(path: string, type: string, detail: string, reason: string | undefined): StatusCause {
  switch (reason) {
    case 'FieldValueForbidden':
      return fieldErr.forbidden(path, detail);
    case 'FieldValueRequired':
      return fieldErr.required(path, detail);
    case 'FieldValueDuplicate':
      return fieldErr.duplicate(path, type);
    default:
      return fieldErr.invalid(path, type, detail);
  }
}

function ruleErrorString(r: ValidationRule): string {
  return (r.message ?? '').length > 0 ? (r.message ?? '').trim() : (r.rule ?? '').trim();
}

function ruleMessageOrDefault(r: ValidationRule): string {
  return (r.message ?? '').length === 0 ? `failed rule: ${ruleErrorString(r)}` : (r.message ?? '').trim();
}

function errorText(e: unknown): string {
  const x = e as CelErrorLike;
  return celWording(x.summary ?? x.message ?? String(e));
}

/** The old value of a map-list item: the old item with the same key values. */
function oldListItem(item: unknown, old: unknown, keys: readonly string[]): unknown {
  if (!Array.isArray(old) || !isPlainObject(item)) return undefined;
  return old.find((o) => isPlainObject(o) && keys.every((k) => semanticEqual(o[k], item[k])));
}

/** A schema's CEL validator; undefined when the schema has no rules. */
export interface CelValidator {
  /** Causes of every rule on `obj` (and `old` on updates), paths from the object's root. */
  validate(obj: unknown, old?: unknown): StatusCause[];
}

export function celValidator(schema: JSONSchemaProps): CelValidator | undefined {
  if (!hasRules(schema)) return undefined;
  const root = buildValidator(schema, schema, declOf(schema, true));
  if (!root) return undefined;
  return {
    validate(obj, old) {
      const out: StatusCause[] = [];
      validateNode(root, '', obj, old, old !== undefined && semanticEqual(obj, old), out);
      return out;
    },
  };
}

export function hasRules(s: JSONSchemaProps | undefined): boolean {
  if (!s || !isSchema(s)) return false;
  if ((s['x-kubernetes-validations'] ?? []).length > 0) return true;
  const items = itemsOf(s);
  if (items && hasRules(items)) return true;
  const add = additionalOf(s);
  if (add && hasRules(add)) return true;
  if ((s.allOf ?? []).some((a) => hasRules(a))) return true;
  return Object.values(s.properties ?? {}).some((p) => hasRules(p));
}

/**
 * Validate one node. `unchanged` says the value equals its correlated old value (or, where no old value can be
 * correlated, the nearest correlatable parent did): then non-transition rules only warn upstream (ratcheting).
 */
function validateNode(n: NodeValidator, path: string, obj: unknown, old: unknown, unchanged: boolean, out: StatusCause[]): void {
  if (obj === null || obj === undefined) return;
  evaluateRules(n, path, obj, old, unchanged, out);
  for (const a of n.allOf) validateNode(a, path, obj, old, unchanged, out);
  if (Array.isArray(obj) && n.items) {
    const keys = n.schema['x-kubernetes-list-type'] === 'map' ? n.schema['x-kubernetes-list-map-keys'] ?? [] : undefined;
    obj.forEach((item, i) => {
      const oldItem = keys ? oldListItem(item, old, keys) : undefined;
      const eq = keys ? oldItem !== undefined && semanticEqual(item, oldItem) : unchanged;
      validateNode(n.items!, `${path}[${i}]`, item, oldItem, eq, out);
    });
  } else if (isPlainObject(obj)) {
    const oldMap = isPlainObject(old) ? old : undefined;
    if (n.additional) {
      for (const [k, v] of Object.entries(obj)) {
        const ov = oldMap?.[k];
        validateNode(n.additional, `${path}[${k}]`, v, ov, ov !== undefined && semanticEqual(v, ov), out);
      }
    }
    for (const [k, v] of Object.entries(obj)) {
      const sub = n.properties.get(k);
      if (!sub) continue;
      const ov = oldMap?.[k];
      validateNode(sub, child(path, k), v, ov, ov !== undefined && semanticEqual(v, ov), out);
    }
  }
}

function evaluateRules(n: NodeValidator, nodePath: string, obj: unknown, old: unknown, unchanged: boolean, out: StatusCause[]): void {
  if (n.rules.length === 0) return;
  // the root's field path is upstream's nil *field.Path, which prints as <nil>
  const path = nodePath === '' ? '<nil>' : nodePath;
  const type = n.schema.type ?? '';
  let self: unknown;
  let oldSelf: unknown;
  for (const cr of n.rules) {
    if (cr.error) {
      out.push(fieldErr.invalid(path, type, `rule compile error: ${cr.error}`));
      continue;
    }
    if (!cr.program) continue;
    const optionalOld = cr.rule.optionalOldSelf === true;
    if (cr.usesOldSelf && old === undefined && !optionalOld) continue;
    self ??= toCelValue(obj, n.decl);
    if (old !== undefined) oldSelf ??= toCelValue(old, n.decl);
    const ctx: Record<string, unknown> = { self };
    if (optionalOld) ctx.oldSelf = old === undefined ? Optional.none() : Optional.of(oldSelf);
    else if (old !== undefined) ctx.oldSelf = oldSelf;
    let result: unknown;
    try {
      result = cr.program(ctx);
    } catch (e) {
      const text = errorText(e);
      if (text.startsWith('no such overload')) {
        out.push(fieldErr.invalid(path, type, `'${text}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(cr.rule)}`));
      } else {
        out.push(fieldErr.invalid(path, type, `${text} evaluating rule: ${ruleErrorString(cr.rule)}`));
      }
      continue;
    }
    if (result === true) continue;
    const at = cr.fieldPath ? child(nodePath, cr.fieldPath) : path;
    let detail: string | undefined;
    if (cr.messageProgram) {
      try {
        const m = cr.messageProgram({ ...ctx, ...(old !== undefined && !optionalOld ? { oldSelf } : {}) });
        const t = typeof m === 'string' ? m.trim() : '';
        if (t !== '' && t.length <= 5000 && !/\n/.test(t)) detail = t;
      } catch {
        detail = undefined; // upstream logs it and falls back to the rule's message
      }
    }
    if (!cr.usesOldSelf && unchanged) continue; // ratcheting: the value did not change
    out.push(fieldErrorForReason(at, type, detail ?? ruleMessageOrDefault(cr.rule), cr.rule.reason));
  }
}
