/**
 * Watched resources are named as `kubectl api-resources` names them (`services`, `ingresses.networking.k8s.io`,
 * `httproutes.gateway.networking.k8s.io`): the controller finds each one's served version through discovery, so a
 * CRD installed after the controller started is picked up on a later try.
 */
import type { ResourceInfo } from '../../api/resources.js';

/** `ingresses.networking.k8s.io` -> plural `ingresses`, group `networking.k8s.io`; `services` -> core. */
export function splitResourceName(name: string): { plural: string; group: string } {
  const i = name.indexOf('.');
  return i < 0 ? { plural: name, group: '' } : { plural: name.slice(0, i), group: name.slice(i + 1) };
}

interface DiscoveryResource {
  name?: string;
  singularName?: string;
  namespaced?: boolean;
  kind?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
}

/** The ResourceInfo of `plural` in an APIResourceList (GET /api/v1 or /apis/<group>/<version>); undefined when not served. */
export function resourceFromDiscovery(list: unknown, group: string, version: string, plural: string): ResourceInfo | undefined {
  const resources = ((list as { resources?: DiscoveryResource[] } | null)?.resources ?? []).filter((r) => typeof r?.name === 'string');
  const r = resources.find((x) => x.name === plural);
  if (!r || !r.kind) return undefined;
  return {
    group,
    version,
    kind: r.kind,
    plural,
    singular: r.singularName || r.kind.toLowerCase(),
    namespaced: r.namespaced === true,
    shortNames: r.shortNames ?? [],
    categories: r.categories ?? [],
    subresources: resources.filter((x) => x.name?.startsWith(`${plural}/`)).map((x) => (x.name ?? '').slice(plural.length + 1)),
    verbs: r.verbs ?? [],
    storageName: plural,
  };
}

/** The version to use for a group from GET /apis/<group> (its preferredVersion). */
export function preferredVersion(group: unknown): string | undefined {
  const v = (group as { preferredVersion?: { version?: unknown } } | null)?.preferredVersion?.version;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The versions to look a resource up in, from GET /apis/<group>: the preferred version first, then the others as
 * listed (a group's resources need not share a version: gateway.networking.k8s.io prefers v1 while ReferenceGrant
 * is served as v1beta1 only).
 */
export function versionsInOrder(group: unknown): string[] {
  const preferred = preferredVersion(group);
  const listed = ((group as { versions?: { version?: unknown }[] } | null)?.versions ?? []).map((v) => v?.version).filter((v): v is string => typeof v === 'string' && v !== '');
  return [...new Set([...(preferred ? [preferred] : []), ...listed])];
}
