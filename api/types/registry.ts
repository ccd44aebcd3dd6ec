/**
 * The kind registry: apiVersion + kind -> schema and upstream definition name. List kinds
 * (PodList, ...) are made here from their item schemas.
 */
import { type TSchema } from '@sinclair/typebox';
import { def, RArr, DEF, DEFINITIONS } from './base.js';
import {
  typeMetaProps, listMetaField, StatusSchema, DeleteOptionsSchema, WatchEventSchema, TableSchema,
  APIResourceListSchema, APIGroupListSchema, APIGroupSchema, APIVersionsSchema,
} from './meta.js';
import { ScaleSchema, EvictionSchema } from './apps.js';
import { TokenRequestSchema } from './tokenrequest.js';
// The served kinds name their schemas (served-kinds.ts): declare them before any lookup by name.
import './core.js';
import './reviews.js';
import './quota.js';
import './groups.js';
import './batch.js';
import './apiextensions.js';
import './scheduling.js';
import './policy.js';
import './autoscaling.js';
import './networking.js';
import './rbac.js';
import './storage.js';
import './statefulset.js';
import './certificates.js';
import './apiregistration.js';
import { servedKindSchemas, servedKindsGeneration } from './served-kinds.js';
import { KubeError } from '../errors.js';
import { APIDiscoveryV2, APIDiscoveryV2beta1 } from './apidiscovery.js';

export interface KindEntry {
  group: string;
  version: string;
  kind: string;
  /** Upstream definition name, e.g. io.k8s.api.core.v1.Pod. */
  definition: string;
  schema: TSchema;
  /** True for XxxList kinds. */
  list: boolean;
  /** For a list kind, the kind of its items. */
  itemKind?: string;
}

function nameOf(s: TSchema): string {
  return (s as unknown as Record<string, string>)[DEF];
}

function listSchema(item: TSchema, kind: string) {
  const itemDef = nameOf(item);
  const listName = itemDef + 'List';
  const existing = DEFINITIONS.get(listName);
  if (existing) return existing;
  return def(listName, `${kind}List is a list of ${kind} objects.`, {
    ...typeMetaProps,
    metadata: listMetaField,
    items: RArr(item, `List of ${kind} objects.`),
  });
}

const ENTRIES: KindEntry[] = [];
const BY_GVK = new Map<string, KindEntry>();

function gvkKey(group: string, version: string, kind: string): string {
  return `${apiVersionString(group, version)}/${kind}`;
}

/**
 * Register a kind's schema (and, with `withList`, its XxxList). The served resource kinds come from
 * their descriptors (api/kinds/registry.ts registers each one here); this file adds only the kinds no
 * resource serves (meta kinds, Scale, Eviction). Registering an apiVersion + kind twice is a no-op.
 */
export function addKindSchema(group: string, version: string, kind: string, schema: TSchema, withList = true): void {
  if (BY_GVK.has(gvkKey(group, version, kind))) return;
  const push = (e: KindEntry): void => {
    ENTRIES.push(e);
    BY_GVK.set(gvkKey(e.group, e.version, e.kind), e);
  };
  push({ group, version, kind, definition: nameOf(schema), schema, list: false });
  if (withList) {
    const ls = listSchema(schema, kind);
    push({ group, version, kind: kind + 'List', definition: nameOf(ls), schema: ls, list: true, itemKind: kind });
  }
}

/** The served kinds' entries, resolved from their declarations (served-kinds.ts) and rebuilt when those change. */
let served: { generation: number; entries: KindEntry[]; byGvk: Map<string, KindEntry> } | undefined;

function servedEntries(): { entries: KindEntry[]; byGvk: Map<string, KindEntry> } {
  const generation = servedKindsGeneration();
  if (served?.generation === generation) return served;
  const entries: KindEntry[] = [];
  const byGvk = new Map<string, KindEntry>();
  const push = (e: KindEntry): void => {
    entries.push(e);
    byGvk.set(gvkKey(e.group, e.version, e.kind), e);
  };
  for (const d of servedKindSchemas()) {
    const schema = typeof d.schema === 'string' ? DEFINITIONS.get(d.schema) : d.schema;
    if (!schema) throw new KubeError('InternalError', `kind ${apiVersionString(d.group, d.version)}/${d.kind} names no declared schema: ${String(d.schema)}`);
    push({ group: d.group, version: d.version, kind: d.kind, definition: nameOf(schema), schema, list: false });
    if (d.hasList) {
      const ls = listSchema(schema, d.kind);
      push({ group: d.group, version: d.version, kind: d.kind + 'List', definition: nameOf(ls), schema: ls, list: true, itemKind: d.kind });
    }
  }
  served = { generation, entries, byGvk };
  return served;
}

// kinds that are not served resources of their own: subresource bodies and meta kinds
addKindSchema('autoscaling', 'v1', 'Scale', ScaleSchema, false);
addKindSchema('policy', 'v1', 'Eviction', EvictionSchema, false);
addKindSchema('authentication.k8s.io', 'v1', 'TokenRequest', TokenRequestSchema, false);
addKindSchema('', 'v1', 'Status', StatusSchema, false);
addKindSchema('', 'v1', 'DeleteOptions', DeleteOptionsSchema, false);
addKindSchema('', 'v1', 'WatchEvent', WatchEventSchema, false);
addKindSchema('', 'v1', 'APIResourceList', APIResourceListSchema, false);
addKindSchema('', 'v1', 'APIGroupList', APIGroupListSchema, false);
addKindSchema('', 'v1', 'APIGroup', APIGroupSchema, false);
addKindSchema('', 'v1', 'APIVersions', APIVersionsSchema, false);
addKindSchema('meta.k8s.io', 'v1', 'Table', TableSchema, false);
for (const [version, types] of [['v2', APIDiscoveryV2], ['v2beta1', APIDiscoveryV2beta1]] as const) {
  addKindSchema('apidiscovery.k8s.io', version, 'APIGroupDiscoveryList', types.list, false);
  addKindSchema('apidiscovery.k8s.io', version, 'APIGroupDiscovery', types.group, false);
}

/** Every kind with a schema: the served kinds (their descriptors, as registered now), then the others. */
export function allKinds(): readonly KindEntry[] {
  return [...servedEntries().entries, ...ENTRIES];
}

export function apiVersionString(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** meta/v1 kinds that every group-version accepts (DeleteOptions sent as apps/v1, Table as meta.k8s.io/v1beta1 ...). */
const META_KINDS: Record<string, string> = {
  DeleteOptions: 'v1/DeleteOptions',
  Status: 'v1/Status',
  WatchEvent: 'v1/WatchEvent',
  Table: 'meta.k8s.io/v1/Table',
};

export function kindEntry(apiVersion: string, kind: string): KindEntry | undefined {
  const e = servedEntries().byGvk.get(`${apiVersion}/${kind}`) ?? BY_GVK.get(`${apiVersion}/${kind}`);
  if (e) return e;
  const meta = META_KINDS[kind];
  return meta ? BY_GVK.get(meta) : undefined;
}

/** The schema of an apiVersion + kind ('v1','Pod'; 'apps/v1','DeploymentList'), or undefined. */
export function schemaFor(apiVersion: string, kind: string): TSchema | undefined {
  return kindEntry(apiVersion, kind)?.schema;
}

/**
 * Upstream's definition name for a kind ('v1','Pod' -> io.k8s.api.core.v1.Pod). Also accepts the
 * names of nested meta types under 'v1' ('ObjectMeta', 'LabelSelector', ...).
 */
export function definitionName(apiVersion: string, kind: string): string | undefined {
  const e = kindEntry(apiVersion, kind);
  if (e) return e.definition;
  if (apiVersion === 'v1' || apiVersion === 'meta/v1' || apiVersion === 'meta.k8s.io/v1') {
    const n = 'io.k8s.apimachinery.pkg.apis.meta.v1.' + kind;
    if (DEFINITIONS.has(n)) return n;
  }
  const { group, version } = splitApiVersion(apiVersion);
  const pkg = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '');
  const n = `io.k8s.api.${pkg}.${version}.${kind}`;
  return DEFINITIONS.has(n) ? n : undefined;
}

/** A named definition's schema (io.k8s.api.core.v1.Container ...). */
export function definition(name: string): TSchema | undefined {
  return DEFINITIONS.get(name);
}


