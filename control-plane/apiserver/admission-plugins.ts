/**
 * The admission chain, in order (upstream's --enable-admission-plugins, in its fixed order). Mutating and
 * validating webhooks and policies will join this list; each entry implements AdmissionPlugin.
 */
import type { AdmissionPlugin } from './admission.js';
import { nodeRestriction } from './admission-noderestriction.js';
import { priority } from './admission-priority.js';

export const ADMISSION_PLUGINS: readonly AdmissionPlugin[] = [
  nodeRestriction,
  priority,
];
