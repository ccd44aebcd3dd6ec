/**
 * The resource behind an HPA's scaleTargetRef (upstream's RESTMapper lookup of group + kind): a built-in kind of the
 * registry (Deployments, ReplicaSets, StatefulSets once served, ...) or a CustomResourceDefinition's kind, whatever
 * version the reference names (the scale subresource is served by every version). Pure.
 */
import { RESOURCES, type ResourceInfo } from '../../../api/resources.js';
import type { CRD } from '../../../api/apiextensions/crd-validation.js';
import { customNamespacedResources } from '../util/custom-resources.js';

/** schema.ParseGroupVersion: `apps/v1` -> apps, v1; `v1` -> core; more than one `/` is an error. */
export function parseGroupVersion(apiVersion: string): { group: string; version: string } | { error: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0]! };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return { error: `unexpected GroupVersion string: ${apiVersion}` };
}

/** The resource to read the scale of, or the RESTMapper's error (`no matches for kind "X" in group "g"`). */
export function scaleTargetResource(ref: { apiVersion?: string; kind?: string }, crds: readonly CRD[]): ResourceInfo | { error: string } {
  const gv = parseGroupVersion(ref.apiVersion ?? '');
  if ('error' in gv) return gv;
  const kind = ref.kind ?? '';
  const candidates = [...RESOURCES.filter((r) => r.group === gv.group && r.kind === kind), ...customNamespacedResources(crds).filter((r) => r.group === gv.group && r.kind === kind)];
  const found = candidates.find((r) => r.version === gv.version) ?? candidates[0];
  if (!found) return { error: `no matches for kind "${kind}" in group "${gv.group}"` };
  return found;
}
