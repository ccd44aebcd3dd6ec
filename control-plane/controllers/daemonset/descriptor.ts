/** The DaemonSet controller's row in the controller manager's table (upstream's `daemonset-controller`). */

import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { DAEMONSET_CONTROLLER, DaemonSetController } from './controller.js';

export const daemonSetDescriptor: ControllerDescriptor<{ concurrentDaemonSetSyncs: number }> = {
  name: DAEMONSET_CONTROLLER,
  aliases: ['daemonset'],
  flags: [{ name: 'concurrent-daemonset-syncs', type: 'int', default: 2, help: 'The number of daemonset objects that are allowed to sync concurrently.' }],
  options: (v) => ({ concurrentDaemonSetSyncs: num(v, 'concurrent-daemonset-syncs') }),
  build: (ctx, o) => new DaemonSetController(ctx, { workers: o.concurrentDaemonSetSyncs }),
};
