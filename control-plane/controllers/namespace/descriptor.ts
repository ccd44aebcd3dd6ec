/** The namespace controller's row in the controller manager's table (upstream's `namespace-controller`). */

import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { NAMESPACE_CONTROLLER, NamespaceController } from './controller.js';

export const namespaceDescriptor: ControllerDescriptor<{ concurrentNamespaceSyncs: number }> = {
  name: NAMESPACE_CONTROLLER,
  aliases: ['namespace'],
  flags: [{ name: 'concurrent-namespace-syncs', type: 'int', default: 10, help: 'Namespaces synced at once.' }],
  options: (v) => ({ concurrentNamespaceSyncs: num(v, 'concurrent-namespace-syncs') }),
  build: (ctx, o) => new NamespaceController(ctx, { workers: o.concurrentNamespaceSyncs }),
};
