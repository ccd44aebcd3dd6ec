/** apps/v1 StatefulSet: upstream's pkg/registry/apps/statefulset strategy and printer. */
import type { Relaxed, StatefulSet } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import {
  defaultStatefulSet,
  statefulSetScale,
  validateStatefulSet,
  validateStatefulSetStatusUpdate,
  validateStatefulSetUpdate,
} from '../../strategies/statefulset.js';
import { statefulSetCells, statefulSetColumns } from '../../strategies/printers.js';
import { bumpGenerationOnSpecChange, keepOldStatus, resetStatusAndGeneration } from '../../strategies/strategy.js';

export const statefulSets = defineKind<Relaxed<StatefulSet>>({
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  subresources: ['status', 'scale'],
  scale: statefulSetScale(),
  schema: 'io.k8s.api.apps.v1.StatefulSet',
  protobufMessage: 'k8s.io.api.apps.v1.StatefulSet',
  strategy: {
    applyDefaults: defaultStatefulSet,
    prepareForCreate: resetStatusAndGeneration,
    prepareForUpdate(s, old) {
      keepOldStatus(s, old);
      bumpGenerationOnSpecChange(s, old);
    },
    validate: validateStatefulSet,
    validateUpdate: validateStatefulSetUpdate,
    validateStatusUpdate: validateStatefulSetStatusUpdate,
  },
  table: { columns: statefulSetColumns, cells: statefulSetCells },
});
