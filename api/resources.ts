/**
 * The resources kubelab serves (their descriptors are in api/kinds/, one file a kind) and what is computed
 * from a resource's names alone: its apiVersion, its URL path, its etcd keys.
 */

import { RESOURCES, type ResourceInfo } from './kinds/registry.js';

export { RESOURCES, findResource, type RegisteredKind } from './kinds/registry.js';
export type { ResourceInfo } from './kinds/registry.js';

export function apiVersionOf(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Look up by apiVersion + kind, as found in an object. */
export function findResourceByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => apiVersionOf(x) === apiVersion && x.kind === kind);
}

/** The URL path of a collection or an object, as Kubernetes lays it out. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string, subresource?: string): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  let p = base;
  if (info.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${info.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (name && subresource) p += `/${subresource}`;
  return p;
}

/** The etcd key of an object: /registry/<storage>/<ns>/<name> or /registry/<storage>/<name>. */
export function storageKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return info.namespaced ? `/registry/${info.storageName}/${namespace}/${name}` : `/registry/${info.storageName}/${name}`;
}

/** The etcd prefix of a collection (all namespaces when `namespace` is empty). Ends with '/'. */
export function storagePrefix(info: ResourceInfo, namespace?: string): string {
  return info.namespaced && namespace ? `/registry/${info.storageName}/${namespace}/` : `/registry/${info.storageName}/`;
}
