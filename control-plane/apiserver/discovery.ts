/**
 * Discovery documents, built from the kind registry (pure: each takes the registry's kinds, the live
 * RESOURCES by default):
 * - legacy: /api (APIVersions), /apis (APIGroupList), /apis/<g> (APIGroup), /api/v1 and /apis/<g>/<v> (APIResourceList);
 * - aggregated (apidiscovery.k8s.io/v2, GA in 1.30): /api and /apis as ONE APIGroupDiscoveryList each, made from the
 *   legacy resource lists as upstream's ConvertGroupVersionIntoToDiscovery makes it, so both views always agree.
 */
import { createHash } from 'node:crypto';
import { RESOURCES, apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import type {
  APIGroup, APIGroupList, APIResource, APIResourceList, APIVersions, GroupVersionForDiscovery,
  APIGroupDiscovery, APIGroupDiscoveryList, APIResourceDiscovery, APISubresourceDiscovery, GroupVersionKind,
} from '../../api/types/index.js';

type Kinds = readonly ResourceInfo[];

export function groupVersions(resources: Kinds = RESOURCES): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of resources) seen.set(apiVersionOf(r), { group: r.group, version: r.version });
  return [...seen.values()];
}

export function apiVersions(serverAddress: string): APIVersions {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** A group's versions, the preferred (first registered) one first. */
function versionsOf(group: string, resources: Kinds): GroupVersionForDiscovery[] {
  return groupVersions(resources)
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
}

function groupEntry(group: string, resources: Kinds): { name: string; versions: GroupVersionForDiscovery[]; preferredVersion?: GroupVersionForDiscovery } {
  const versions = versionsOf(group, resources);
  return { name: group, versions, preferredVersion: versions[0] };
}

/** The named groups (not core), in registration order: the order of /apis in both formats. */
function namedGroups(resources: Kinds): string[] {
  return [...new Set(groupVersions(resources).map((gv) => gv.group).filter((g) => g !== ''))];
}

export function apiGroupList(resources: Kinds = RESOURCES): APIGroupList {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: namedGroups(resources).map((g) => groupEntry(g, resources)) };
}

export function apiGroup(group: string, resources: Kinds = RESOURCES): APIGroup | undefined {
  if (!groupVersions(resources).some((gv) => gv.group === group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, resources) };
}

function storageVersionHash(r: ResourceInfo): string {
  return createHash('sha256').update(`${r.group}/${r.version}/${r.kind}`).digest('base64').slice(0, 11);
}

/**
 * What each subresource answers and allows, as upstream's subresource storages declare it (their New() kind, or
 * GroupVersionKind() when it is another group's). An empty kind is the parent's kind; `proxy` answers
 * `<Kind>ProxyOptions` (PodProxyOptions, NodeProxyOptions, ServiceProxyOptions).
 */
const SUBRESOURCE_KINDS: Record<string, { kind: string; group?: string; version?: string; verbs: string[] }> = {
  status: { kind: '', verbs: ['get', 'patch', 'update'] },
  scale: { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
  binding: { kind: 'Binding', verbs: ['create'] },
  eviction: { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
  token: { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] },
  log: { kind: 'Pod', verbs: ['get'] },
  exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
  attach: { kind: 'PodAttachOptions', verbs: ['create', 'get'] },
  portforward: { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
  ephemeralcontainers: { kind: '', verbs: ['get', 'patch', 'update'] },
  finalize: { kind: '', verbs: ['update'] },
  proxy: { kind: 'ProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
};

function subresourceKind(parent: ResourceInfo, sub: string, kind: string): string {
  if (!kind) return parent.kind;
  return sub === 'proxy' ? `${parent.kind}${kind}` : kind;
}

export function apiResourceList(group: string, version: string, resources: Kinds = RESOURCES): APIResourceList | undefined {
  const rs = resources.filter((r) => r.group === group && r.version === version);
  if (rs.length === 0) return undefined;
  const out: APIResource[] = [];
  for (const r of rs) {
    out.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
      storageVersionHash: storageVersionHash(r),
    });
    for (const sub of r.subresources) {
      const s = SUBRESOURCE_KINDS[sub];
      if (!s) continue;
      out.push({
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group ? { group: s.group, version: s.version } : {}),
        kind: subresourceKind(r, sub, s.kind),
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: out };
}

// ------------------------------------------------------------------ aggregated discovery (apidiscovery.k8s.io)

/** /api holds the core group only, /apis every named group (upstream's two resource managers). */
export type DiscoveryRoot = 'api' | 'apis';

const EMPTY_GVK: GroupVersionKind = { group: '', version: '', kind: '' };

/**
 * Upstream's ConvertGroupVersionIntoToDiscovery: top-level resources first, each subresource folded into its
 * parent. A resource's responseKind carries the group and version of its APIResource entry: empty for a kind of
 * the list's own group-version (as upstream serves them), set for another group's (scale: autoscaling/v1).
 */
export function toResourceDiscovery(list: readonly APIResource[]): APIResourceDiscovery[] {
  const out: APIResourceDiscovery[] = [];
  const parents = new Map<string, APIResourceDiscovery>();
  const scopeOf = (r: APIResource): 'Namespaced' | 'Cluster' => (r.namespaced ? 'Namespaced' : 'Cluster');
  for (const r of list) {
    if (r.name.includes('/')) continue;
    const d: APIResourceDiscovery = {
      resource: r.name,
      responseKind: { group: r.group ?? '', version: r.version ?? '', kind: r.kind },
      scope: scopeOf(r),
      singularResource: r.singularName,
      verbs: r.verbs,
      ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories?.length ? { categories: r.categories } : {}),
    };
    out.push(d);
    parents.set(r.name, d);
  }
  for (const r of list) {
    const slash = r.name.indexOf('/');
    if (slash < 0) continue;
    const parentName = r.name.slice(0, slash);
    let parent = parents.get(parentName);
    if (!parent) {
      // a subresource without its parent: upstream lists the parent with an empty kind
      parent = { resource: parentName, responseKind: { ...EMPTY_GVK }, scope: scopeOf(r), singularResource: '', verbs: [] };
      out.push(parent);
      parents.set(parentName, parent);
    }
    const sub: APISubresourceDiscovery = {
      subresource: r.name.slice(slash + 1),
      responseKind: r.kind ? { group: r.group ?? '', version: r.version ?? '', kind: r.kind } : { ...EMPTY_GVK },
      verbs: r.verbs,
    };
    (parent.subresources ??= []).push(sub);
  }
  return out;
}

function groupDiscovery(group: string, resources: Kinds): APIGroupDiscovery {
  return {
    // upstream's ObjectMeta: name omitted when empty (core), creationTimestamp always written (null)
    metadata: { ...(group ? { name: group } : {}), creationTimestamp: null },
    versions: versionsOf(group, resources).map((gv) => ({
      version: gv.version,
      resources: toResourceDiscovery(apiResourceList(group, gv.version, resources)?.resources ?? []),
      freshness: 'Current',
    })),
  };
}

/** The apidiscovery.k8s.io/v2 APIGroupDiscoveryList of /api (the core group) or /apis (every named group). */
export function aggregatedDiscovery(root: DiscoveryRoot, resources: Kinds = RESOURCES): APIGroupDiscoveryList {
  const groups = root === 'api' ? (groupVersions(resources).some((gv) => gv.group === '') ? [''] : []) : namedGroups(resources);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => groupDiscovery(g, resources)),
  };
}
