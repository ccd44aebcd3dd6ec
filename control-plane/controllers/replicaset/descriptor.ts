/** The ReplicaSet controller's row in the controller manager's table (upstream's `replicaset-controller`). */

import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { REPLICASET_CONTROLLER, ReplicaSetController } from './controller.js';

export const replicaSetDescriptor: ControllerDescriptor<{ concurrentReplicaSetSyncs: number }> = {
  name: REPLICASET_CONTROLLER,
  aliases: ['replicaset'],
  flags: [{ name: 'concurrent-replicaset-syncs', type: 'int', default: 5, help: 'ReplicaSets synced at once.' }],
  options: (v) => ({ concurrentReplicaSetSyncs: num(v, 'concurrent-replicaset-syncs') }),
  build: (ctx, o) => new ReplicaSetController(ctx, { workers: o.concurrentReplicaSetSyncs }),
};
