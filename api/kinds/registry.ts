/**
 * The registry of served kinds: every reader (API server routes and stores, discovery, OpenAPI, the
 * protobuf decoder, the client's URLs, the storage layout) looks kinds up here. The built-in kinds are
 * registered when this module loads; `registerKind` adds one at run time (a throwaway test kind today,
 * CustomResourceDefinitions next), `unregisterKind` takes it away again.
 */
import { KubeError } from '../errors.js';
import { addServedKindSchema, removeServedKindSchema } from '../types/served-kinds.js';
import { makeStrategy, type ResourceStrategy } from '../strategies/strategy.js';
import type { KindDefinition, ResourceInfo } from './descriptor.js';
import { BUILTIN_KINDS } from './builtin.js';

export type { KindDefinition, ResourceInfo } from './descriptor.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A registered kind: its names (a ResourceInfo, what every reader passes around), its definition and strategy. */
export interface RegisteredKind extends ResourceInfo {
  readonly definition: KindDefinition;
  readonly strategy: ResourceStrategy;
}

const KINDS: RegisteredKind[] = [];
let generation = 0;

/** Moves on every register/unregister: documents made from the registry (OpenAPI) are cached per generation. */
export function registryGeneration(): number {
  return generation;
}
/** The preferred (first registered) version of each group + plural. */
const BY_RESOURCE = new Map<string, RegisteredKind>();
/** Every served version: group/version/plural. */
const BY_VERSION = new Map<string, RegisteredKind>();

function resourceKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

function versionKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

/** The names of a definition, its defaults filled in. Pure. */
export function resourceInfoOf(d: KindDefinition): ResourceInfo {
  return {
    group: d.group,
    version: d.version,
    kind: d.kind,
    plural: d.plural,
    singular: d.singular ?? d.kind.toLowerCase(),
    namespaced: d.namespaced,
    shortNames: d.shortNames ?? [],
    categories: d.categories ?? [],
    subresources: d.subresources ?? [],
    verbs: d.verbs ?? ALL_VERBS,
    storageName: d.storageName ?? d.plural,
  };
}

/**
 * Serve a kind. A group + plural already served is refused (AlreadyExists), unless the descriptor says it is
 * another version of it (`versionOf` naming the version registered first); a group/version/plural twice never.
 */
export function registerKind(d: KindDefinition): RegisteredKind {
  const key = resourceKey(d.group, d.plural);
  const vkey = versionKey(d.group, d.version, d.plural);
  const name = `${d.plural}${d.group ? '.' + d.group : ''}`;
  if (BY_VERSION.has(vkey) || (d.versionOf === undefined && BY_RESOURCE.has(key))) throw new KubeError('AlreadyExists', `resource ${name} is already registered`);
  if (d.versionOf !== undefined && BY_RESOURCE.get(key)?.version !== d.versionOf) {
    throw new KubeError('InternalError', `resource ${name} is not registered in version ${d.versionOf}`);
  }
  const info = resourceInfoOf(d);
  const registered: RegisteredKind = Object.assign(info, { definition: d, strategy: makeStrategy(info, d) });
  KINDS.push(registered);
  if (d.versionOf === undefined) BY_RESOURCE.set(key, registered);
  BY_VERSION.set(vkey, registered);
  addServedKindSchema({ group: d.group, version: d.version, kind: d.kind, schema: d.schema, hasList: d.hasList ?? true });
  generation++;
  return registered;
}

/** Stop serving a kind registered with registerKind: every version of group + plural. */
export function unregisterKind(group: string, plural: string): void {
  const all = KINDS.filter((k) => k.group === group && k.plural === plural);
  if (all.length === 0) return;
  BY_RESOURCE.delete(resourceKey(group, plural));
  for (const k of all) {
    BY_VERSION.delete(versionKey(k.group, k.version, k.plural));
    KINDS.splice(KINDS.indexOf(k), 1);
    // Another resource may serve the same apiVersion + kind (none today); keep the schema then.
    if (!KINDS.some((o) => o.group === k.group && o.version === k.version && o.kind === k.kind)) removeServedKindSchema(k.group, k.version, k.kind);
  }
  generation++;
}

/** Every served kind, live (a kind registered later appears), in registration order. */
export const RESOURCES: readonly RegisteredKind[] = KINDS;

/** Look up one served version of group + plural. */
export function findResourceVersion(group: string, version: string, plural: string): RegisteredKind | undefined {
  return BY_VERSION.get(versionKey(group, version, plural));
}

/** Look up by group + plural ('' for core): its preferred (first registered) version. */
export function findResource(group: string, plural: string): RegisteredKind | undefined {
  return BY_RESOURCE.get(resourceKey(group, plural));
}

/** The registered kind behind a ResourceInfo (any object with its group and plural). */
export function registeredKind(info: Pick<ResourceInfo, 'group' | 'plural'>): RegisteredKind {
  const k = BY_RESOURCE.get(resourceKey(info.group, info.plural));
  if (!k) throw new KubeError('InternalError', `resource ${info.plural}${info.group ? '.' + info.group : ''} is not registered`);
  return k;
}

/** The strategy of a registered kind: of the version `info` names when it is served (autoscaling/v1 HPAs), else the preferred one's. */
export function strategyFor(info: Pick<ResourceInfo, 'group' | 'plural'> & { version?: string }): ResourceStrategy {
  const v = info.version === undefined ? undefined : BY_VERSION.get(versionKey(info.group, info.version, info.plural));
  return (v ?? registeredKind(info)).strategy;
}

for (const d of BUILTIN_KINDS) registerKind(d);
