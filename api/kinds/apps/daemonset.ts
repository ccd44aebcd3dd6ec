/** apps/v1 DaemonSet: upstream's pkg/registry/apps/daemonset strategy (status subresource, no scale) and printer. */
import type { DaemonSet, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultDaemonSet } from '../../strategies/defaults.js';
import {
  prepareDaemonSetForCreate,
  prepareDaemonSetForUpdate,
  validateDaemonSet,
  validateDaemonSetStatusUpdate,
  validateDaemonSetUpdate,
} from '../../strategies/daemonset.js';
import { daemonSetCells, daemonSetColumns } from '../../strategies/printers.js';

export const daemonSets = defineKind<Relaxed<DaemonSet>>({
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  subresources: ['status'],
  schema: 'io.k8s.api.apps.v1.DaemonSet',
  protobufMessage: 'k8s.io.api.apps.v1.DaemonSet',
  strategy: {
    applyDefaults: defaultDaemonSet,
    prepareForCreate: prepareDaemonSetForCreate,
    prepareForUpdate: prepareDaemonSetForUpdate,
    validate: validateDaemonSet,
    validateUpdate: validateDaemonSetUpdate,
    validateStatusUpdate: validateDaemonSetStatusUpdate,
  },
  table: { columns: daemonSetColumns, cells: daemonSetCells },
});
