/** The CronJob controller's row in the controller manager's table (upstream's `cronjob-controller`). */
import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { CRONJOB_CONTROLLER, CronJobController } from './controller.js';

export const cronJobDescriptor: ControllerDescriptor<{ concurrentCronJobSyncs: number }> = {
  name: CRONJOB_CONTROLLER,
  aliases: ['cronjob'],
  flags: [{ name: 'concurrent-cron-job-syncs', type: 'int', default: 5, help: 'The number of cron job objects that are allowed to sync concurrently.' }],
  options: (v) => ({ concurrentCronJobSyncs: num(v, 'concurrent-cron-job-syncs') }),
  build: (ctx, o) => new CronJobController(ctx, { workers: o.concurrentCronJobSyncs }),
};
