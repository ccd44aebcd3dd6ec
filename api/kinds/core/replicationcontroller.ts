/** core/v1 ReplicationController: upstream's pkg/registry/core/replicationcontroller strategy and printer. */
import type { Relaxed, ReplicationController } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import {
  defaultReplicationController,
  replicationControllerScale,
  validateReplicationController,
  validateReplicationControllerStatusUpdate,
  validateReplicationControllerUpdate,
} from '../../strategies/replicationcontroller.js';
import { replicationControllerCells, replicationControllerColumns } from '../../strategies/printers.js';
import { bumpGenerationOnSpecChange, keepOldStatus, resetStatusAndGeneration } from '../../strategies/strategy.js';

export const replicationControllers = defineKind<Relaxed<ReplicationController>>({
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  subresources: ['status', 'scale'],
  scale: replicationControllerScale(),
  schema: 'io.k8s.api.core.v1.ReplicationController',
  protobufMessage: 'k8s.io.api.core.v1.ReplicationController',
  strategy: {
    applyDefaults: defaultReplicationController,
    prepareForCreate: resetStatusAndGeneration,
    prepareForUpdate(rc, old) {
      keepOldStatus(rc, old);
      bumpGenerationOnSpecChange(rc, old);
    },
    validate: validateReplicationController,
    validateUpdate: validateReplicationControllerUpdate,
    validateStatusUpdate: validateReplicationControllerStatusUpdate,
  },
  fieldSelectors: { 'status.replicas': (rc) => String(rc.status?.replicas ?? 0) },
  table: { columns: replicationControllerColumns, cells: replicationControllerCells },
});
