/** batch/v1 CronJob: upstream's pkg/registry/batch/cronjob strategy and printer. */
import type { CronJob, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultCronJob, validateCronJob, validateCronJobUpdate } from '../../strategies/batch.js';
import { cronJobCells, cronJobColumns } from '../../strategies/printers.js';
import { bumpGenerationOnSpecChange, keepOldStatus, resetStatusAndGeneration } from '../../strategies/strategy.js';

export const cronJobs = defineKind<Relaxed<CronJob>>({
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  subresources: ['status'],
  schema: 'io.k8s.api.batch.v1.CronJob',
  protobufMessage: 'k8s.io.api.batch.v1.CronJob',
  strategy: {
    applyDefaults: defaultCronJob,
    prepareForCreate: resetStatusAndGeneration,
    prepareForUpdate(cj, old) {
      keepOldStatus(cj, old);
      bumpGenerationOnSpecChange(cj, old);
    },
    validate: validateCronJob,
    validateUpdate: validateCronJobUpdate,
  },
  table: { columns: cronJobColumns, cells: cronJobCells },
});
