/**
 * The namespaced kinds CustomResourceDefinitions serve, as ResourceInfos a controller can list and watch: this
 * process's kind registry holds only the built-in kinds (the namespace deleter and the quota controller need the
 * custom ones too, as upstream's discovery-driven controllers find them).
 */
import { servedVersion } from '../../../api/apiextensions/versions.js';
import type { CRD } from '../../../api/apiextensions/crd-validation.js';
import { resourceInfoOf } from '../../../api/kinds/registry.js';
import type { ResourceInfo } from '../../../api/resources.js';

/**
 * The namespaced kinds CRDs serve (their preferred version), from the CRDs themselves: what upstream's
 * discovery-driven deleter finds, since this process's registry holds only the built-in kinds. Pure.
 */
export function customNamespacedResources(crds: readonly CRD[]): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  for (const crd of crds) {
    if (!(crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True')) continue;
    const accepted = crd.status?.acceptedNames;
    const names = accepted?.plural && accepted.kind ? accepted : crd.spec?.names;
    const version = servedVersion(crd)?.name;
    if (crd.spec?.scope !== 'Namespaced' || !crd.spec.group || !version || !names?.plural || !names.kind) continue;
    // Only the names matter to a controller (its URLs); the schema is the API server's business.
    out.push(resourceInfoOf({ group: crd.spec.group, version, kind: names.kind, plural: names.plural, namespaced: true, schema: '' }));
  }
  return out;
}

