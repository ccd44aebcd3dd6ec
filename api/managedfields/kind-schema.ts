/**
 * The schema a kind's field sets are computed with: its served schema, with `metadata` read as
 * ObjectMeta even where the schema leaves it open (custom resources), as upstream's type converter
 * does for every kind.
 */
import { schemaFor } from '../types/registry.js';
// The served kinds' schemas are registered by their descriptors: load them before any lookup.
import '../kinds/registry.js';
import { ObjectMetaSchema } from '../types/meta.js';
import { defName, node, shapeOf, type SchemaNode } from '../schema/walk.js';
import type { TypeRef } from './typed.js';

const OBJECT_META = node(ObjectMetaSchema);
const roots = new WeakMap<SchemaNode, SchemaNode>();

/** The root schema of a kind (undefined for an unknown kind: every value deduced). */
export function kindSchema(apiVersion: string, kind: string): TypeRef {
  const s = schemaFor(apiVersion, kind);
  if (!s) return undefined;
  const root = node(s);
  let r = roots.get(root);
  if (!r) {
    const props = root.properties as Record<string, SchemaNode> | undefined;
    const meta = props?.metadata;
    r = meta && meta.properties ? root : { ...root, type: 'object', properties: { ...(props ?? {}), metadata: OBJECT_META } };
    roots.set(root, r);
  }
  return r;
}

/** Struct fields Go always encodes (non-pointer structs), by the names upstream's types give them. */
const ALWAYS_PRESENT_STRUCTS = new Set(['metadata', 'spec', 'status', 'template', 'strategy', 'updateStrategy']);
const zeros = new WeakMap<SchemaNode, Record<string, unknown>>();

/**
 * The empty object a create is compared with, as upstream's `objectCreater.New(kind)` encodes it: a
 * built-in kind's Go zero value has its non-pointer structs (`metadata`, `spec`, `template`,
 * `strategy`, ...) as `{}` and its required lists and maps as `null`, so a create does not own the
 * existence of those (no `.` in their FieldsV1) but owns a new `labels` map. A custom resource's empty
 * object is `{}`.
 */
export function zeroObject(schema: TypeRef): Record<string, unknown> {
  if (!schema || defName(schema) === undefined) return {};
  let z = zeros.get(schema);
  if (!z) {
    z = zeroStruct(schema, 0);
    zeros.set(schema, z);
  }
  return z;
}

function zeroStruct(s: SchemaNode, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sh = shapeOf(s);
  if (sh.kind !== 'object' || depth > 8) return out;
  const required = new Set(Array.isArray(s.required) ? (s.required as unknown[]).filter((x): x is string => typeof x === 'string') : []);
  for (const [name, fs] of Object.entries(sh.properties)) {
    const fsh = shapeOf(fs);
    if (fsh.kind === 'object' && (ALWAYS_PRESENT_STRUCTS.has(name) || required.has(name))) out[name] = zeroStruct(fs, depth + 1);
    else if ((fsh.kind === 'array' || fsh.kind === 'map') && required.has(name)) out[name] = null;
  }
  return out;
}
