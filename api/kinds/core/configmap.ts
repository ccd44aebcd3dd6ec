/** core/v1 ConfigMap. */
import type { ConfigMap, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { validateConfigMap, validateConfigMapUpdate } from '../../strategies/core.js';
import { configMapCells, configMapColumns } from '../../strategies/printers.js';

export const configMaps = defineKind<Relaxed<ConfigMap>>({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
  shortNames: ['cm'],
  schema: 'io.k8s.api.core.v1.ConfigMap',
  protobufMessage: 'k8s.io.api.core.v1.ConfigMap',
  strategy: { validate: validateConfigMap, validateUpdate: validateConfigMapUpdate },
  table: { columns: configMapColumns, cells: configMapCells },
});
