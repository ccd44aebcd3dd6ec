/** core/v1 PersistentVolume: upstream's pkg/registry/core/persistentvolume strategy and printer. Cluster-scoped. */
import type { PersistentVolume, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import {
  defaultPersistentVolume,
  prepareForCreatePersistentVolume,
  prepareForStatusUpdatePersistentVolume,
  prepareForUpdatePersistentVolume,
  validatePersistentVolume,
  validatePersistentVolumeStatusUpdate,
  validatePersistentVolumeUpdate,
} from '../../strategies/storage.js';
import { persistentVolumeCells, persistentVolumeColumns } from '../../strategies/printers.js';

export const persistentVolumes = defineKind<Relaxed<PersistentVolume>>({
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  namespaced: false,
  shortNames: ['pv'],
  subresources: ['status'],
  schema: 'io.k8s.api.core.v1.PersistentVolume',
  protobufMessage: 'k8s.io.api.core.v1.PersistentVolume',
  strategy: {
    applyDefaults: defaultPersistentVolume,
    prepareForCreate: (pv) => prepareForCreatePersistentVolume(pv),
    prepareForUpdate: prepareForUpdatePersistentVolume,
    prepareForStatusUpdate: (pv, old) => prepareForStatusUpdatePersistentVolume(pv, old),
    validate: validatePersistentVolume,
    validateUpdate: validatePersistentVolumeUpdate,
    validateStatusUpdate: validatePersistentVolumeStatusUpdate,
  },
  table: { columns: persistentVolumeColumns, cells: persistentVolumeCells },
});
