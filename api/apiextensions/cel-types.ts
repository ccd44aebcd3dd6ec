/**
 * The CEL types and values of a CRD schema's nodes, as upstream's SchemaDeclType and UnstructuredToVal
 * (k8s.io/apiserver/pkg/cel/common/schemas.go, values.go): `declOf` gives the type of `self` at a node
 * (objects with their escaped property names, the root and embedded resources also apiVersion, kind and
 * metadata.name/generateName; maps for additionalProperties; lists; int-or-string as dyn; string formats
 * duration / date(-time) / byte as durations / timestamps / bytes; fields of unknown type, such as untyped
 * preserve-unknown-fields, left out), `declare` declares it in a cel-js environment, `toCelValue` turns a
 * JSON value into the CEL value of that type (integers as bigint, objects as instances of their type).
 * Pure: no I/O.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { JSONSchemaProps } from '../types/apiextensions.js';
import { isPlainObject } from '../values.js';

const DURATION = 'google.protobuf.Duration';
const TIMESTAMP = 'google.protobuf.Timestamp';

export type CelDecl =
  | { kind: 'prim'; type: 'int' | 'double' | 'string' | 'bool' | 'dyn' | 'bytes' | typeof DURATION | typeof TIMESTAMP }
  | { kind: 'list'; elem: CelDecl }
  | { kind: 'map'; value: CelDecl }
  | { kind: 'object'; fields: Map<string, { name: string; decl: CelDecl }> };

const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** A property name as CEL sees it (upstream's cel.Escape), or undefined when it cannot be escaped. */
export function escapeFieldName(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name)) return undefined;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  let ok = true;
  const out = name.replace(/__|[^a-zA-Z0-9_]/g, (m) => {
    switch (m) {
      case '__':
        return '__underscores__';
      case '.':
        return '__dot__';
      case '-':
        return '__dash__';
      case '/':
        return '__slash__';
      default:
        ok = false;
        return '';
    }
  });
  return ok ? out : undefined;
}

export function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return s.items && !Array.isArray(s.items) ? s.items : undefined;
}

export function additionalOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return isPlainObject(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
}

/** A schema object (not narrowing: a schema stays a schema). */
export function isSchema(s: unknown): boolean {
  return isPlainObject(s);
}

const STRING: JSONSchemaProps = { type: 'string' };

/** apiVersion, kind and metadata.name/generateName, always visible at a resource's root (WithTypeAndObjectMeta). */
function withTypeAndObjectMeta(s: JSONSchemaProps): JSONSchemaProps {
  return {
    ...s,
    properties: {
      ...(s.properties ?? {}),
      apiVersion: STRING,
      kind: STRING,
      metadata: { type: 'object', properties: { name: STRING, generateName: STRING } },
    },
  };
}

/** The CEL type of a schema node (upstream's SchemaDeclType), undefined when rules cannot see it. */
export function declOf(s: JSONSchemaProps, isResourceRoot: boolean): CelDecl | undefined {
  if (s['x-kubernetes-int-or-string']) return { kind: 'prim', type: 'dyn' };
  const node = isResourceRoot ? withTypeAndObjectMeta(s) : s;
  switch (node.type) {
    case 'array': {
      const items = itemsOf(node);
      const elem = items ? declOf(items, items['x-kubernetes-embedded-resource'] === true) : undefined;
      return elem ? { kind: 'list', elem } : undefined;
    }
    case 'object': {
      const additional = additionalOf(node);
      if (additional) {
        const value = declOf(additional, additional['x-kubernetes-embedded-resource'] === true);
        return value ? { kind: 'map', value } : undefined;
      }
      const fields = new Map<string, { name: string; decl: CelDecl }>();
      for (const [name, prop] of Object.entries(node.properties ?? {})) {
        const decl = declOf(prop, prop['x-kubernetes-embedded-resource'] === true);
        const escaped = escapeFieldName(name);
        if (decl && escaped) fields.set(escaped, { name, decl });
      }
      return { kind: 'object', fields };
    }
    case 'string':
      // formats CEL has types for (upstream: byte, duration, date, date-time)
      if (node.format === 'duration') return { kind: 'prim', type: DURATION };
      if (node.format === 'date' || node.format === 'date-time') return { kind: 'prim', type: TIMESTAMP };
      if (node.format === 'byte') return { kind: 'prim', type: 'bytes' };
      return { kind: 'prim', type: 'string' };
    case 'boolean':
      return { kind: 'prim', type: 'bool' };
    case 'number':
      return { kind: 'prim', type: 'double' };
    case 'integer':
      return { kind: 'prim', type: 'int' };
    default:
      return undefined;
  }
}

/** The JS class of an object type's CEL values (one per declared object node; instances hold escaped fields). */
type CelObjectClass = new (fields: Record<string, unknown>) => object;
const objectClasses = new WeakMap<CelDecl, CelObjectClass>();

function classOf(decl: CelDecl): CelObjectClass {
  let c = objectClasses.get(decl);
  if (!c) {
    c = class CelObject {
      constructor(fields: Record<string, unknown>) {
        Object.assign(this, fields);
      }
    };
    objectClasses.set(decl, c);
  }
  return c;
}

/** Structural equality of CEL values (objects by their fields), for `==` on object types. */
function celValueEqual(a: unknown, b: unknown): boolean {
  const text = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
  return text(a) === text(b);
}

/** Declare the object types of `decl` in `env`; returns its CEL type name (`list<k8s_object_1>`, `int`, ...). */
export function declare(decl: CelDecl, env: Environment, counter: { n: number }): string {
  switch (decl.kind) {
    case 'prim':
      return decl.type;
    case 'list':
      return `list<${declare(decl.elem, env, counter)}>`;
    case 'map':
      return `map<string, ${declare(decl.value, env, counter)}>`;
    case 'object': {
      const fields: Record<string, string> = {};
      for (const [escaped, f] of decl.fields) fields[escaped] = declare(f.decl, env, counter);
      const name = `k8s_object_${counter.n++}`;
      env.registerType(name, { ctor: classOf(decl), fields });
      env.registerOperator(`${name} == ${name}`, celValueEqual);
      return name;
    }
  }
}

let durationProgram: ((ctx: Record<string, unknown>) => unknown) | undefined;

/** A Go duration string (`1h30m`) as a CEL duration; the string itself when it does not parse. */
function parseDuration(s: string): unknown {
  if (!durationProgram) {
    const env = new Environment();
    env.registerVariable('s', 'string');
    durationProgram = env.parse('duration(s)') as unknown as (ctx: Record<string, unknown>) => unknown;
  }
  try {
    return durationProgram({ s });
  } catch {
    return s;
  }
}

/** A JSON value as the CEL value of its type: integers as bigint, objects as instances keyed by escaped names. */
export function toCelValue(v: unknown, decl: CelDecl): unknown {
  if (v === null || v === undefined) return v;
  switch (decl.kind) {
    case 'prim':
      if ((decl.type === 'int' || decl.type === 'dyn') && typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
      if (typeof v === 'string') {
        if (decl.type === DURATION) return parseDuration(v);
        if (decl.type === TIMESTAMP) {
          const d = new Date(v);
          return Number.isNaN(d.getTime()) ? v : d;
        }
        if (decl.type === 'bytes') return new Uint8Array(Buffer.from(v, 'base64'));
      }
      return v;
    case 'list':
      return Array.isArray(v) ? v.map((x) => toCelValue(x, decl.elem)) : v;
    case 'map': {
      if (!isPlainObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = toCelValue(x, decl.value);
      return out;
    }
    case 'object': {
      if (!isPlainObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [escaped, f] of decl.fields) {
        const x = v[f.name];
        if (x !== null && x !== undefined) out[escaped] = toCelValue(x, f.decl);
      }
      return new (classOf(decl))(out);
    }
  }
}
