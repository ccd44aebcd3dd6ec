/** policy/v1 PodDisruptionBudget: upstream's pkg/registry/policy/poddisruptionbudget strategy and printer. */
import type { PodDisruptionBudget, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import {
  prepareForCreate,
  prepareForStatusUpdate,
  prepareForUpdate,
  validatePodDisruptionBudget,
  validatePodDisruptionBudgetStatusUpdate,
  validatePodDisruptionBudgetUpdate,
} from '../../strategies/policy.js';
import { podDisruptionBudgetCells, podDisruptionBudgetColumns } from '../../strategies/printers.js';

export const podDisruptionBudgets = defineKind<Relaxed<PodDisruptionBudget>>({
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  namespaced: true,
  shortNames: ['pdb'],
  subresources: ['status'],
  schema: 'io.k8s.api.policy.v1.PodDisruptionBudget',
  protobufMessage: 'k8s.io.api.policy.v1.PodDisruptionBudget',
  strategy: {
    prepareForCreate,
    prepareForUpdate,
    prepareForStatusUpdate,
    validate: validatePodDisruptionBudget,
    validateUpdate: validatePodDisruptionBudgetUpdate,
    validateStatusUpdate: validatePodDisruptionBudgetStatusUpdate,
  },
  table: { columns: podDisruptionBudgetColumns, cells: podDisruptionBudgetCells },
});
