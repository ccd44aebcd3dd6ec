/** Label and field selectors of a list or watch request, as one predicate over stored objects. */
import { KubeError } from '../../api/errors.js';
import { parseLabelSelector } from '../../api/labels.js';
import { parseFieldSelector } from '../../api/fields.js';
import type { Store } from './store.js';
import type { ApiObject } from './object-meta.js';

/**
 * Build the predicate. Unsupported field labels are 400 as upstream (`field label not supported: x`).
 * `name` (a watch on one object by URL) adds metadata.name=name.
 */
export function buildMatcher(store: Store, labelSelector: string | null, fieldSelector: string | null, name?: string): (obj: ApiObject) => boolean {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : undefined;
  const getters = store.strategy.fieldSelectors;
  const getter = (obj: ApiObject) => (field: string): string | undefined => {
    if (field === 'metadata.name') return obj.metadata?.name ?? '';
    if (field === 'metadata.namespace') return obj.metadata?.namespace ?? '';
    const g = getters[field];
    return g ? g(obj) : undefined;
  };
  if (fields) {
    for (const r of fields.requirements) {
      if (r.field !== 'metadata.name' && r.field !== 'metadata.namespace' && !(r.field in getters)) {
        throw new KubeError('BadRequest', `field label not supported: ${r.field}`);
      }
    }
  }
  return (obj: ApiObject): boolean => {
    if (name !== undefined && name !== '' && obj.metadata?.name !== name) return false;
    if (labels && !labels.matches(obj.metadata?.labels ?? {})) return false;
    if (fields && !fields.matches(getter(obj))) return false;
    return true;
  };
}
