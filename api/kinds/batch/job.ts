/** batch/v1 Job: upstream's pkg/registry/batch/job strategy, GetAttrs and printer. */
import type { Job, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultJob, prepareJobForCreate, validateJob, validateJobStatusUpdate, validateJobUpdate } from '../../strategies/batch.js';
import { jobCells, jobColumns } from '../../strategies/printers.js';
import { bumpGenerationOnSpecChange, keepOldStatus } from '../../strategies/strategy.js';

export const jobs = defineKind<Relaxed<Job>>({
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
  categories: ['all'],
  subresources: ['status'],
  schema: 'io.k8s.api.batch.v1.Job',
  protobufMessage: 'k8s.io.api.batch.v1.Job',
  strategy: {
    applyDefaults: defaultJob,
    prepareForCreate: prepareJobForCreate,
    prepareForUpdate(job, old) {
      keepOldStatus(job, old);
      bumpGenerationOnSpecChange(job, old);
    },
    validate: validateJob,
    validateUpdate: validateJobUpdate,
    validateStatusUpdate: validateJobStatusUpdate,
  },
  // GetAttrs: status.successful (the succeeded count), as upstream's job field selector.
  fieldSelectors: { 'status.successful': (job) => String(job.status?.succeeded ?? 0) },
  table: { columns: jobColumns, cells: jobCells },
});
