/** storage.k8s.io/v1 StorageClass: upstream's pkg/registry/storage/storageclass strategy and printer. Cluster-scoped. */
import type { Relaxed, StorageClass } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultStorageClass, validateStorageClass, validateStorageClassUpdate } from '../../strategies/storage.js';
import { storageClassCells, storageClassColumns } from '../../strategies/printers.js';

export const storageClasses = defineKind<Relaxed<StorageClass>>({
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  namespaced: false,
  shortNames: ['sc'],
  schema: 'io.k8s.api.storage.v1.StorageClass',
  protobufMessage: 'k8s.io.api.storage.v1.StorageClass',
  strategy: {
    applyDefaults: defaultStorageClass,
    prepareForCreate: () => {},
    prepareForUpdate: () => {},
    validate: validateStorageClass,
    validateUpdate: validateStorageClassUpdate,
  },
  table: { columns: storageClassColumns, cells: storageClassCells },
});
