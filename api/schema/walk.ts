/**
 * Reading the TypeBox schemas as plain JSON-schema objects: what shape a node has (object with
 * known fields, map, list, scalar, int-or-string, anything) and how to step into it.
 */
import type { TSchema } from '@sinclair/typebox';
import { DEF, X_INT_OR_STRING, X_PRESERVE_UNKNOWN } from '../types/base.js';

export type SchemaNode = Record<string, unknown>;

export type Shape =
  /** `preserveUnknown`: fields the schema does not name are kept and not reported (a CRD's x-kubernetes-preserve-unknown-fields with properties). */
  | { kind: 'object'; properties: Record<string, SchemaNode>; preserveUnknown?: boolean }
  | { kind: 'map'; values: SchemaNode }
  | { kind: 'array'; items: SchemaNode }
  | { kind: 'string' | 'boolean' }
  /** `format` as the schema carries it: int32 / int64 for integers, float / double for numbers. */
  | { kind: 'integer' | 'number'; format?: string }
  | { kind: 'int-or-string' }
  | { kind: 'quantity' }
  /** Any JSON (preserve-unknown-fields objects, embedded objects, table cells). */
  | { kind: 'any' };

export function node(s: TSchema | SchemaNode): SchemaNode {
  return s as unknown as SchemaNode;
}

export function shapeOf(s: SchemaNode): Shape {
  if (s[X_INT_OR_STRING] === true) return { kind: 'int-or-string' };
  if (s.format === 'quantity' && Array.isArray(s.anyOf)) return { kind: 'quantity' };
  if (s[X_PRESERVE_UNKNOWN] === true) {
    const props = s.properties as Record<string, SchemaNode> | undefined;
    if (s.type === 'object' && props && Object.keys(props).length > 0) return { kind: 'object', properties: props, preserveUnknown: true };
    return { kind: 'any' };
  }
  // JSON schema's `additionalProperties: true` (custom resource schemas): any field is allowed.
  if (s.type === 'object' && s.additionalProperties === true) return { kind: 'any' };
  switch (s.type) {
    case 'object': {
      const pp = s.patternProperties as Record<string, SchemaNode> | undefined;
      if (pp) {
        const values = Object.values(pp)[0];
        return { kind: 'map', values: values ?? {} };
      }
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        return { kind: 'map', values: s.additionalProperties as SchemaNode };
      }
      return { kind: 'object', properties: (s.properties as Record<string, SchemaNode>) ?? {} };
    }
    case 'array':
      return { kind: 'array', items: (s.items as SchemaNode) ?? {} };
    case 'integer':
    case 'number':
      return typeof s.format === 'string' ? { kind: s.type, format: s.format } : { kind: s.type };
    case 'string':
    case 'boolean':
      return { kind: s.type };
    default:
      return { kind: 'any' };
  }
}

/** The upstream definition name a schema node carries, if it is a named definition. */
export function defName(s: SchemaNode): string | undefined {
  const n = s[DEF];
  return typeof n === 'string' ? n : undefined;
}

export { jsonTypeName } from '../values.js';
