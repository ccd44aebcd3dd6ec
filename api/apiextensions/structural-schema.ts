/**
 * Checks of a CRD version's openAPIV3Schema, as upstream's CRD validation runs them
 * (pkg/apis/apiextensions/validation: ValidateCustomResourceDefinitionOpenAPISchema and its
 * specStandardValidatorV3; pkg/apiserver/schema/validation.go: ValidateStructural), with upstream's
 * field paths (`...openAPIV3Schema.properties[spec].type`) and messages, the checks of
 * `x-kubernetes-validations` (CEL rules) included: their fields, then (when the schema is otherwise valid)
 * their compilation (cel-rules.ts).
 * Pure.
 */
import type { StatusCause } from '../errors.js';
import type { JSONSchemaProps } from '../types/apiextensions.js';
import { fieldErr, key } from '../strategies/validation.js';
import { validateValue, pruneObject } from './schema-value.js';
import { isPlainObject, clone } from '../values.js';
import { ruleCompileCauses, ruleFieldCauses } from './cel-rules.js';

/** A JSON object (not narrowing: a schema stays a schema). */
function isObject(v: unknown): boolean {
  return isPlainObject(v);
}

const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

type Level = 'root' | 'item' | 'field';

interface Ctx {
  errs: StatusCause[];
  /** Causes of ValidateStructural (upstream sorts them by their text). */
  structural: StatusCause[];
}

/** Every cause of one version's openAPIV3Schema at `path` (`spec.versions[0].schema.openAPIV3Schema`). */
export function validateOpenAPISchema(schema: JSONSchemaProps, path: string, statusEnabled: boolean): StatusCause[] {
  const ctx: Ctx = { errs: [], structural: [] };
  if (statusEnabled && schema.type !== undefined && schema.type !== 'object') {
    ctx.errs.push(fieldErr.invalid(`${path}.type`, schema.type, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
  }
  if (schema.nullable) ctx.errs.push(fieldErr.forbidden(`${path}.nullable`, 'nullable cannot be true at the root'));
  standard(schema, path, ctx, true, false);
  structuralInvariants(schema, 'root', path, ctx);
  junctionRules(schema, path, ctx);
  ctx.structural.sort((a, b) => (causeText(a) < causeText(b) ? -1 : causeText(a) > causeText(b) ? 1 : 0));
  // CEL rules compile against the schema's types: only where the schema itself is sound (upstream's CELErrors)
  const celCauses = ctx.structural.length === 0 ? ruleCompileCauses(schema, path, ctx.errs) : [];
  return [...ctx.errs, ...ctx.structural, ...(ctx.errs.length + ctx.structural.length === 0 ? defaultsCauses(schema, path) : []), ...celCauses];
}

function causeText(c: StatusCause): string {
  return `${c.field}: ${c.message}`;
}

/** specStandardValidatorV3 and the recursion of ValidateCustomResourceDefinitionOpenAPISchema. */
function standard(s: JSONSchemaProps, path: string, ctx: Ctx, isRoot: boolean, insideMeta: boolean, forbidDefaults?: string): void {
  if (!isObject(s)) return;
  const e = ctx.errs;
  if (s.type !== undefined && s.type !== '' && !OPENAPI_V3_TYPES.includes(s.type)) {
    if (s.type === 'null') e.push(fieldErr.forbidden(`${path}.type`, 'type cannot be set to null, use nullable as an alternative'));
    else e.push(fieldErr.notSupported(`${path}.type`, s.type, OPENAPI_V3_TYPES));
  }
  if (s.id) e.push(fieldErr.forbidden(`${path}.id`, 'id is not supported'));
  if (s.additionalItems !== undefined) e.push(fieldErr.forbidden(`${path}.additionalItems`, 'additionalItems is not supported'));
  if (s.patternProperties && Object.keys(s.patternProperties).length > 0) e.push(fieldErr.forbidden(`${path}.patternProperties`, 'patternProperties is not supported'));
  if (s.definitions && Object.keys(s.definitions).length > 0) e.push(fieldErr.forbidden(`${path}.definitions`, 'definitions is not supported'));
  if (s.dependencies !== undefined) e.push(fieldErr.forbidden(`${path}.dependencies`, 'dependencies is not supported'));
  if (s.$ref !== undefined) e.push(fieldErr.forbidden(`${path}.$ref`, '$ref is not supported'));
  if (Array.isArray(s.items)) e.push(fieldErr.forbidden(`${path}.items`, 'items must be a schema object and not an array'));
  if (insideMeta && s['x-kubernetes-embedded-resource']) e.push(fieldErr.forbidden(`${path}.x-kubernetes-embedded-resource`, 'must not be used inside of resource meta'));
  if (forbidDefaults && s.default !== undefined) e.push(fieldErr.forbidden(`${path}.default`, `must not be set ${forbidDefaults}`));
  if (s.uniqueItems) e.push(fieldErr.forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.additionalProperties !== undefined && s.properties && Object.keys(s.properties).length > 0) {
    if (s.additionalProperties !== true) e.push(fieldErr.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, 'u');
    } catch (err) {
      e.push(fieldErr.invalid(`${path}.pattern`, s.pattern, `must be a valid regular expression, but isn't: ${(err as Error).message}`));
    }
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) e.push(fieldErr.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined) {
    if (s.type !== 'object') e.push(s.type ? fieldErr.invalid(`${path}.type`, s.type, 'must be object if x-kubernetes-map-type is specified') : fieldErr.required(`${path}.type`, 'must be object if x-kubernetes-map-type is specified'));
    if (mapType !== 'atomic' && mapType !== 'granular') e.push(fieldErr.notSupported(`${path}.x-kubernetes-map-type`, mapType, ['atomic', 'granular']));
  }
  const listType = s['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (s.type !== 'array') e.push(s.type ? fieldErr.invalid(`${path}.type`, s.type, 'must be array if x-kubernetes-list-type is specified') : fieldErr.required(`${path}.type`, 'must be array if x-kubernetes-list-type is specified'));
    if (!['atomic', 'set', 'map'].includes(listType)) e.push(fieldErr.notSupported(`${path}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']));
  }
  const mapKeys = s['x-kubernetes-list-map-keys'] ?? [];
  if (mapKeys.length > 0 && listType !== 'map') {
    e.push(listType === undefined ? fieldErr.required(`${path}.x-kubernetes-list-type`, 'must be map if x-kubernetes-list-map-keys is non-empty') : fieldErr.invalid(`${path}.x-kubernetes-list-type`, listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    const items = s.items && !Array.isArray(s.items) ? s.items : undefined;
    if (mapKeys.length === 0) e.push(fieldErr.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
    if (!items) e.push(fieldErr.required(`${path}.items`, 'must have a schema if x-kubernetes-list-type is map'));
    else if (items.type !== 'object') e.push(fieldErr.invalid(`${path}.items.type`, items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    else if (!mapKeys.every((k) => items.properties && k in items.properties)) e.push(fieldErr.invalid(`${path}.x-kubernetes-list-map-keys`, mapKeys, 'entries must all be names of item properties'));
  }
  e.push(...ruleFieldCauses(s, path));
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  for (const [k, ps] of Object.entries(s.properties ?? {})) {
    const meta = (isRoot || embedded) && (k === 'metadata' || k === 'apiVersion' || k === 'kind');
    standard(ps, `${path}.properties${key('', k)}`, ctx, false, insideMeta || meta, isRoot && meta ? `in top-level ${k}` : forbidDefaults);
  }
  if (isPlainObject(s.additionalProperties)) standard(s.additionalProperties as JSONSchemaProps, `${path}.additionalProperties`, ctx, false, insideMeta, insideMeta ? 'inside additionalProperties applying to object metadata' : forbidDefaults);
  if (s.not) standard(s.not, `${path}.not`, ctx, false, insideMeta, forbidDefaults);
  for (const [name, list] of [['allOf', s.allOf], ['oneOf', s.oneOf], ['anyOf', s.anyOf]] as const) {
    (list ?? []).forEach((sub, i) => standard(sub, `${path}.${name}[${i}]`, ctx, false, insideMeta, forbidDefaults));
  }
  if (s.items && !Array.isArray(s.items)) standard(s.items, `${path}.items`, ctx, false, insideMeta, forbidDefaults);
}

/** ValidateStructural's invariants (validateStructuralInvariants). */
function structuralInvariants(s: JSONSchemaProps, lvl: Level, path: string, ctx: Ctx): void {
  if (!isObject(s)) return;
  const e = ctx.structural;
  const items = s.items && !Array.isArray(s.items) ? s.items : undefined;
  if (s.type === 'array' && !items) e.push(fieldErr.required(`${path}.items`, 'must be specified'));
  if (items) structuralInvariants(items, 'item', `${path}.items`, ctx);
  for (const [k, ps] of Object.entries(s.properties ?? {})) structuralInvariants(ps, 'field', `${path}.properties${key('', k)}`, ctx);
  if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
    if (lvl === 'root') e.push(fieldErr.forbidden(`${path}.additionalProperties`, 'must not be used at the root'));
    if (isPlainObject(s.additionalProperties)) structuralInvariants(s.additionalProperties as JSONSchemaProps, 'field', `${path}.additionalProperties`, ctx);
  }
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (intOrString && preserve) e.push(fieldErr.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) e.push(fieldErr.invalid(`${path}.x-kubernetes-embedded-resource`, true, 'must be false if x-kubernetes-int-or-string is true'));
  const type = s.type ?? '';
  if (embedded && type !== 'object') {
    e.push(type === '' ? fieldErr.required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true') : fieldErr.invalid(`${path}.type`, type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (type === '' && !intOrString && !preserve) {
    const detail = lvl === 'root' ? 'must not be empty at the root' : lvl === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    e.push(fieldErr.required(`${path}.type`, detail));
  }
  if (embedded && s.additionalProperties !== undefined) e.push(fieldErr.forbidden(`${path}.additionalProperties`, 'must not be used if x-kubernetes-embedded-resource is set'));
  if (lvl === 'root' && type !== '' && type !== 'object') e.push(fieldErr.invalid(`${path}.type`, type, 'must be object at the root'));
  const checkMetadata = lvl === 'root' || embedded;
  const props = s.properties ?? {};
  if (checkMetadata && props.kind && props.kind.type !== 'string') e.push(fieldErr.invalid(`${path}.properties[kind].type`, props.kind.type ?? '', 'must be string'));
  if (checkMetadata && props.apiVersion && props.apiVersion.type !== 'string') e.push(fieldErr.invalid(`${path}.properties[apiVersion].type`, props.apiVersion.type ?? '', 'must be string'));
  const metadata = props.metadata;
  if (metadata) {
    const mpath = `${path}.properties[metadata]`;
    if (checkMetadata && metadata.type !== 'object') e.push(fieldErr.invalid(`${mpath}.type`, metadata.type ?? '', 'must be object'));
    if (lvl === 'root') {
      const rest: Record<string, unknown> = { ...metadata };
      delete rest.type;
      delete rest.default;
      delete rest.description;
      const mp = Object.keys(metadata.properties ?? {});
      if (mp.every((k) => k === 'name' || k === 'generateName')) delete rest.properties;
      if (Object.keys(rest).length > 0) e.push(fieldErr.forbidden(mpath, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
  }
  if (embedded && !preserve && Object.keys(props).length === 0) {
    e.push(fieldErr.required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
}

/** Inside allOf/anyOf/oneOf/not only value validations may appear (validateNestedValueValidation). */
function junctionRules(s: JSONSchemaProps, path: string, ctx: Ctx): void {
  if (!isObject(s)) return;
  const intOrStringAnyOf = s['x-kubernetes-int-or-string'] === true;
  const visitNested = (n: JSONSchemaProps, p: string): void => {
    if (!isObject(n)) return;
    const e = ctx.structural;
    if (n.type && !(intOrStringAnyOf && (n.type === 'integer' || n.type === 'string'))) e.push(fieldErr.forbidden(`${p}.type`, 'must be empty to be structural'));
    if (n.additionalProperties !== undefined) e.push(fieldErr.forbidden(`${p}.additionalProperties`, 'must be undefined to be structural'));
    if (n.default !== undefined) e.push(fieldErr.forbidden(`${p}.default`, 'must be undefined to be structural'));
    if (n.title) e.push(fieldErr.forbidden(`${p}.title`, 'must be empty to be structural'));
    if (n.description) e.push(fieldErr.forbidden(`${p}.description`, 'must be empty to be structural'));
    if (n.nullable) e.push(fieldErr.forbidden(`${p}.nullable`, 'must be false to be structural'));
    if (n['x-kubernetes-preserve-unknown-fields']) e.push(fieldErr.forbidden(`${p}.x-kubernetes-preserve-unknown-fields`, 'must be false to be structural'));
    if (n['x-kubernetes-embedded-resource']) e.push(fieldErr.forbidden(`${p}.x-kubernetes-embedded-resource`, 'must be false to be structural'));
    if (n['x-kubernetes-int-or-string']) e.push(fieldErr.forbidden(`${p}.x-kubernetes-int-or-string`, 'must be false to be structural'));
    if ((n['x-kubernetes-list-map-keys'] ?? []).length > 0) e.push(fieldErr.forbidden(`${p}.x-kubernetes-list-map-keys`, 'must be empty to be structural'));
    if (n['x-kubernetes-list-type'] !== undefined) e.push(fieldErr.forbidden(`${p}.x-kubernetes-list-type`, 'must be undefined to be structural'));
    if (n['x-kubernetes-map-type'] !== undefined) e.push(fieldErr.forbidden(`${p}.x-kubernetes-map-type`, 'must be undefined to be structural'));
    if (n.properties?.metadata) e.push(fieldErr.forbidden(`${p}.properties[metadata]`, 'must not be specified in a nested context'));
    for (const [k, ps] of Object.entries(n.properties ?? {})) visitNested(ps, `${p}.properties${key('', k)}`);
    if (n.items && !Array.isArray(n.items)) visitNested(n.items, `${p}.items`);
    visitJunctions(n, p);
  };
  const visitJunctions = (n: JSONSchemaProps, p: string): void => {
    (n.allOf ?? []).forEach((x, i) => visitNested(x, `${p}.allOf[${i}]`));
    (n.anyOf ?? []).forEach((x, i) => visitNested(x, `${p}.anyOf[${i}]`));
    (n.oneOf ?? []).forEach((x, i) => visitNested(x, `${p}.oneOf[${i}]`));
    if (n.not) visitNested(n.not, `${p}.not`);
  };
  visitJunctions(s, path);
  for (const [k, ps] of Object.entries(s.properties ?? {})) junctionRules(ps, `${path}.properties${key('', k)}`, ctx);
  if (s.items && !Array.isArray(s.items)) junctionRules(s.items, `${path}.items`, ctx);
  if (isPlainObject(s.additionalProperties)) junctionRules(s.additionalProperties as JSONSchemaProps, `${path}.additionalProperties`, ctx);
}

/** Defaults must validate against their schema and survive pruning (structuraldefaulting.ValidateDefaults). */
function defaultsCauses(s: JSONSchemaProps, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const visit = (n: JSONSchemaProps, p: string, field: string): void => {
    if (!isObject(n)) return;
    if (n.default !== undefined) {
      const value = clone(n.default);
      const causes = validateValue(value, n, field || '<root>');
      for (const c of causes) out.push({ ...c, field: `${p}.default` });
      if (causes.length === 0 && isPlainObject(value)) {
        const pruned = pruneObject({ v: value } as Record<string, unknown>, { type: 'object', properties: { v: n } }).map((x) => x.replace(/^v\.?/, ''));
        if (pruned.length > 0) out.push(fieldErr.invalid(`${p}.default`, n.default, `must not have unknown fields: ${pruned.join(', ')}`));
      }
    }
    for (const [k, ps] of Object.entries(n.properties ?? {})) visit(ps, `${p}.properties${key('', k)}`, field ? `${field}.${k}` : k);
    if (n.items && !Array.isArray(n.items)) visit(n.items, `${p}.items`, `${field}[0]`);
    if (isPlainObject(n.additionalProperties)) visit(n.additionalProperties as JSONSchemaProps, `${p}.additionalProperties`, `${field}[key]`);
  };
  visit(s, path, '');
  return out;
}
