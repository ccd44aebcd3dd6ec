/** The Job controller's row in the controller manager's table (upstream's `job-controller`). */
import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { JOB_CONTROLLER, JobController } from './controller.js';

export const jobDescriptor: ControllerDescriptor<{ concurrentJobSyncs: number }> = {
  name: JOB_CONTROLLER,
  aliases: ['job'],
  flags: [{ name: 'concurrent-job-syncs', type: 'int', default: 5, help: 'The number of job objects that are allowed to sync concurrently.' }],
  options: (v) => ({ concurrentJobSyncs: num(v, 'concurrent-job-syncs') }),
  build: (ctx, o) => new JobController(ctx, { workers: o.concurrentJobSyncs }),
};
