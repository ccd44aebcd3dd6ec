/** The StatefulSet controller's row in the controller manager's table (upstream's `statefulset-controller`). */

import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { STATEFULSET_CONTROLLER, StatefulSetController } from './controller.js';

export const statefulSetDescriptor: ControllerDescriptor<{ concurrentStatefulSetSyncs: number }> = {
  name: STATEFULSET_CONTROLLER,
  aliases: ['statefulset'],
  flags: [{ name: 'concurrent-statefulset-syncs', type: 'int', default: 5, help: 'The number of statefulset objects that are allowed to sync concurrently.' }],
  options: (v) => ({ concurrentStatefulSetSyncs: num(v, 'concurrent-statefulset-syncs') }),
  build: (ctx, o) => new StatefulSetController(ctx, { workers: o.concurrentStatefulSetSyncs }),
};
