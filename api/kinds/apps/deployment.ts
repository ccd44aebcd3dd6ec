/** apps/v1 Deployment: upstream's pkg/registry/apps/deployment strategy and printer. */
import type { Deployment, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultDeployment } from '../../strategies/defaults.js';
import { replicasScale, validateDeployment, validateDeploymentStatusUpdate, validateDeploymentUpdate } from '../../strategies/apps.js';
import { deploymentCells, deploymentColumns } from '../../strategies/printers.js';
import { bumpGenerationOnSpecChange, keepOldStatus, resetStatusAndGeneration } from '../../strategies/strategy.js';

export const deployments = defineKind<Relaxed<Deployment>>({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  subresources: ['status', 'scale'],
  scale: replicasScale(),
  schema: 'io.k8s.api.apps.v1.Deployment',
  protobufMessage: 'k8s.io.api.apps.v1.Deployment',
  strategy: {
    applyDefaults: defaultDeployment,
    prepareForCreate: resetStatusAndGeneration,
    prepareForUpdate(d, old) {
      keepOldStatus(d, old);
      // A Deployment's generation also moves when its annotations change (rollback, pause annotations).
      bumpGenerationOnSpecChange(d, old, true);
    },
    validate: validateDeployment,
    validateUpdate: validateDeploymentUpdate,
    validateStatusUpdate: validateDeploymentStatusUpdate,
  },
  table: { columns: deploymentColumns, cells: deploymentCells },
});
