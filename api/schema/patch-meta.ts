/**
 * Strategic-merge-patch metadata from the schemas: for a field path (list indices removed), the
 * patch strategy, merge key and list type upstream's Go struct tags declare.
 */
import { schemaFor } from '../types/registry.js';
// The served kinds' schemas are registered by their descriptors: load them before any lookup.
import '../kinds/registry.js';
import { X_LIST_TYPE, X_PATCH_MERGE_KEY, X_PATCH_STRATEGY, X_MAP_TYPE } from '../types/base.js';
import { node, shapeOf, type SchemaNode } from './walk.js';

export interface PatchMeta {
  /** e.g. "merge", "merge,retainKeys", "retainKeys". */
  patchStrategy?: string;
  patchMergeKey?: string;
  /** "atomic" | "set" | "map" for lists. */
  listType?: string;
  /** "atomic" | "granular" for maps/structs when declared. */
  mapType?: string;
  /** For listType "map": the keys identifying an element. */
  listMapKeys?: string[];
}

/**
 * Look up a field by its property path from the object root, with list indices removed:
 * ['spec','template','spec','containers','ports']. Returns undefined when the path is not a known
 * field; an object (possibly empty) when it is.
 */
export type PatchMetaLookup = (fieldPath: readonly string[]) => PatchMeta | undefined;

/** Step from a schema node into a field (through lists transparently, map values by key). */
export function stepInto(s: SchemaNode, key: string): SchemaNode | undefined {
  let cur = s;
  // lists are transparent: the path has no indices
  for (let guard = 0; guard < 4; guard++) {
    const sh = shapeOf(cur);
    if (sh.kind === 'array') {
      cur = sh.items;
      continue;
    }
    if (sh.kind === 'object') return Object.prototype.hasOwnProperty.call(sh.properties, key) ? sh.properties[key] : undefined;
    if (sh.kind === 'map') return sh.values;
    return undefined;
  }
  return undefined;
}

export function metaOf(s: SchemaNode): PatchMeta {
  const m: PatchMeta = {};
  if (typeof s[X_PATCH_STRATEGY] === 'string') m.patchStrategy = s[X_PATCH_STRATEGY] as string;
  if (typeof s[X_PATCH_MERGE_KEY] === 'string') m.patchMergeKey = s[X_PATCH_MERGE_KEY] as string;
  if (typeof s[X_LIST_TYPE] === 'string') m.listType = s[X_LIST_TYPE] as string;
  if (typeof s[X_MAP_TYPE] === 'string') m.mapType = s[X_MAP_TYPE] as string;
  if (Array.isArray(s['x-kubernetes-list-map-keys'])) m.listMapKeys = [...(s['x-kubernetes-list-map-keys'] as string[])];
  return m;
}

/** Resolve a field path against a root schema. */
export function lookupIn(root: SchemaNode, fieldPath: readonly string[]): PatchMeta | undefined {
  let cur: SchemaNode | undefined = root;
  for (const seg of fieldPath) {
    cur = stepInto(cur, seg);
    if (!cur) return undefined;
  }
  return metaOf(cur);
}

const cache = new Map<string, PatchMetaLookup>();

/** A lookup for a kind; for an unknown kind every lookup answers undefined (plain merge). */
export function patchMetaResolver(apiVersion: string, kind: string): PatchMetaLookup {
  const key = `${apiVersion}/${kind}`;
  let f = cache.get(key);
  if (!f) {
    const s = schemaFor(apiVersion, kind);
    if (!s) {
      f = () => undefined;
    } else {
      const root = node(s);
      f = (fieldPath) => lookupIn(root, fieldPath);
    }
    cache.set(key, f);
  }
  return f;
}
