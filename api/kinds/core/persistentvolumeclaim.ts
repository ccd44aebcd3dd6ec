/** core/v1 PersistentVolumeClaim: upstream's pkg/registry/core/persistentvolumeclaim strategy and printer. */
import type { PersistentVolumeClaim, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import {
  defaultPersistentVolumeClaim,
  prepareForCreatePersistentVolumeClaim,
  prepareForUpdatePersistentVolumeClaim,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimStatusUpdate,
  validatePersistentVolumeClaimUpdate,
} from '../../strategies/storage.js';
import { persistentVolumeClaimCells, persistentVolumeClaimColumns } from '../../strategies/printers.js';

export const persistentVolumeClaims = defineKind<Relaxed<PersistentVolumeClaim>>({
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  namespaced: true,
  shortNames: ['pvc'],
  subresources: ['status'],
  schema: 'io.k8s.api.core.v1.PersistentVolumeClaim',
  protobufMessage: 'k8s.io.api.core.v1.PersistentVolumeClaim',
  strategy: {
    applyDefaults: defaultPersistentVolumeClaim,
    prepareForCreate: prepareForCreatePersistentVolumeClaim,
    prepareForUpdate: prepareForUpdatePersistentVolumeClaim,
    validate: validatePersistentVolumeClaim,
    validateUpdate: validatePersistentVolumeClaimUpdate,
    validateStatusUpdate: validatePersistentVolumeClaimStatusUpdate,
  },
  table: { columns: persistentVolumeClaimColumns, cells: persistentVolumeClaimCells },
});
