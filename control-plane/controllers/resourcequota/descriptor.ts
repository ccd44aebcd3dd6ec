/** The resourcequota controller's row in the controller manager's table (upstream's `resourcequota-controller`). */

import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { RESOURCE_QUOTA_CONTROLLER, ResourceQuotaController } from './controller.js';

export const resourceQuotaDescriptor: ControllerDescriptor<{ concurrentResourceQuotaSyncs: number; resourceQuotaSyncPeriodMs: number }> = {
  name: RESOURCE_QUOTA_CONTROLLER,
  aliases: ['resourcequota'],
  flags: [
    { name: 'concurrent-resource-quota-syncs', type: 'int', default: 5, help: 'Resource quotas synced at once.' },
    { name: 'resource-quota-sync-period', type: 'duration', default: '5m0s', help: 'The period for syncing quota usage status in the system.' },
  ],
  options: (v) => ({ concurrentResourceQuotaSyncs: num(v, 'concurrent-resource-quota-syncs'), resourceQuotaSyncPeriodMs: num(v, 'resource-quota-sync-period') }),
  build: (ctx, o) => new ResourceQuotaController(ctx, { workers: o.concurrentResourceQuotaSyncs, resyncPeriodMs: o.resourceQuotaSyncPeriodMs }),
};
