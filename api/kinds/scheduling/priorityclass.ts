/** scheduling.k8s.io/v1 PriorityClass: upstream's pkg/registry/scheduling/priorityclass (strategy, REST Delete) and printer. */
import type { PriorityClass, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import {
  defaultPriorityClass,
  prepareForCreatePriorityClass,
  priorityClassDeleteForbidden,
  validatePriorityClass,
  validatePriorityClassUpdate,
} from '../../strategies/scheduling.js';
import { priorityClassCells, priorityClassColumns } from '../../strategies/printers.js';

export const priorityClasses = defineKind<Relaxed<PriorityClass>>({
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  namespaced: false,
  shortNames: ['pc'],
  schema: 'io.k8s.api.scheduling.v1.PriorityClass',
  protobufMessage: 'k8s.io.api.scheduling.v1.PriorityClass',
  strategy: {
    applyDefaults: defaultPriorityClass,
    prepareForCreate: prepareForCreatePriorityClass,
    prepareForUpdate: () => {},
    validate: validatePriorityClass,
    validateUpdate: validatePriorityClassUpdate,
    deleteForbidden: priorityClassDeleteForbidden,
  },
  table: { columns: priorityClassColumns, cells: priorityClassCells },
});
