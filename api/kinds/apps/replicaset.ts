/** apps/v1 ReplicaSet: upstream's pkg/registry/apps/replicaset strategy, GetAttrs and printer. */
import type { ReplicaSet, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultReplicaSet } from '../../strategies/defaults.js';
import { replicasScale, validateReplicaSet, validateReplicaSetStatusUpdate, validateReplicaSetUpdate } from '../../strategies/apps.js';
import { replicaSetCells, replicaSetColumns } from '../../strategies/printers.js';
import { bumpGenerationOnSpecChange, keepOldStatus, resetStatusAndGeneration } from '../../strategies/strategy.js';

export const replicaSets = defineKind<Relaxed<ReplicaSet>>({
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  subresources: ['status', 'scale'],
  scale: replicasScale(),
  schema: 'io.k8s.api.apps.v1.ReplicaSet',
  protobufMessage: 'k8s.io.api.apps.v1.ReplicaSet',
  strategy: {
    applyDefaults: defaultReplicaSet,
    prepareForCreate: resetStatusAndGeneration,
    prepareForUpdate(rs, old) {
      keepOldStatus(rs, old);
      bumpGenerationOnSpecChange(rs, old);
    },
    validate: validateReplicaSet,
    validateUpdate: validateReplicaSetUpdate,
    validateStatusUpdate: validateReplicaSetStatusUpdate,
  },
  fieldSelectors: { 'status.replicas': (rs) => String(rs.status?.replicas ?? 0) },
  table: { columns: replicaSetColumns, cells: replicaSetCells },
});
