/** The ReplicaSet controller's rows in the controller manager's table (upstream's `replicaset-controller`, `replicationcontroller-controller`). */

import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { REPLICASET_CONTROLLER, REPLICATIONCONTROLLER_CONTROLLER, ReplicaSetController, newReplicationManager } from './controller.js';

export const replicaSetDescriptor: ControllerDescriptor<{ concurrentReplicaSetSyncs: number }> = {
  name: REPLICASET_CONTROLLER,
  aliases: ['replicaset'],
  flags: [{ name: 'concurrent-replicaset-syncs', type: 'int', default: 5, help: 'ReplicaSets synced at once.' }],
  options: (v) => ({ concurrentReplicaSetSyncs: num(v, 'concurrent-replicaset-syncs') }),
  build: (ctx, o) => new ReplicaSetController(ctx, { workers: o.concurrentReplicaSetSyncs }),
};

/** Upstream's `replicationcontroller-controller` (the replication manager): the same controller for ReplicationControllers. */
export const replicationControllerDescriptor: ControllerDescriptor<{ concurrentRCSyncs: number }> = {
  name: REPLICATIONCONTROLLER_CONTROLLER,
  aliases: ['replicationcontroller'],
  flags: [{ name: 'concurrent-rc-syncs', type: 'int', default: 5, help: 'ReplicationControllers synced at once.' }],
  options: (v) => ({ concurrentRCSyncs: num(v, 'concurrent-rc-syncs') }),
  build: (ctx, o) => newReplicationManager(ctx, { workers: o.concurrentRCSyncs }),
};
