/**
 * The schemas of the served kinds, as the kind registry (api/kinds/registry.ts) declares them: by upstream
 * definition name (the built-in kinds, whose TypeBox schemas are in this folder) or as a schema object (a kind
 * made at run time). A leaf module that loads no TypeBox: a client that only needs the kinds' names (the
 * controllers, the kubelet, the proxy) never loads the schemas; the API server's schema lookups
 * (registry.ts) resolve these entries when asked.
 */
import type { TSchema } from '@sinclair/typebox';

export interface ServedKindSchema {
  group: string;
  version: string;
  kind: string;
  /** The schema, or the definition name of one declared in api/types (`io.k8s.api.core.v1.Pod`). */
  schema: TSchema | string;
  /** Whether an `<Kind>List` kind exists. */
  hasList: boolean;
}

const SERVED = new Map<string, ServedKindSchema>();
let generation = 0;

const key = (group: string, version: string, kind: string): string => `${group}/${version}/${kind}`;

/** Declare a served kind's schema (a second declaration of the same group, version and kind replaces the first). */
export function addServedKindSchema(e: ServedKindSchema): void {
  SERVED.set(key(e.group, e.version, e.kind), e);
  generation++;
}

export function removeServedKindSchema(group: string, version: string, kind: string): void {
  if (SERVED.delete(key(group, version, kind))) generation++;
}

/** Every declared served kind, in declaration order. */
export function servedKindSchemas(): readonly ServedKindSchema[] {
  return [...SERVED.values()];
}

/** Moves on every change: lookups built from the declarations are rebuilt when it does. */
export function servedKindsGeneration(): number {
  return generation;
}
