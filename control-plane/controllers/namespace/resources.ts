/** The resource table as the namespace controller reads it. */

import { RESOURCES, type ResourceInfo } from '../../../api/resources.js';

export { RESOURCES, type ResourceInfo };

/** GroupResource.String(): `pods`, `deployments.apps`. */
export function qualified(info: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}
