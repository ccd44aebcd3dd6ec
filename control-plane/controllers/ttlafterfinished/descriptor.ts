/** The TTL-after-finished controller's row in the controller manager's table (upstream's `ttl-after-finished-controller`). */
import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { TTL_AFTER_FINISHED_CONTROLLER, TTLAfterFinishedController } from './controller.js';

export const ttlAfterFinishedDescriptor: ControllerDescriptor<{ concurrentTTLAfterFinishedSyncs: number }> = {
  name: TTL_AFTER_FINISHED_CONTROLLER,
  aliases: ['ttl-after-finished'],
  flags: [{ name: 'concurrent-ttl-after-finished-syncs', type: 'int', default: 5, help: 'The number of TTL-after-finished controller workers that are allowed to sync concurrently.' }],
  options: (v) => ({ concurrentTTLAfterFinishedSyncs: num(v, 'concurrent-ttl-after-finished-syncs') }),
  build: (ctx, o) => new TTLAfterFinishedController(ctx, { workers: o.concurrentTTLAfterFinishedSyncs }),
};
