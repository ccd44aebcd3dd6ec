/**
 * The Endpoints and EndpointSlice controllers' rows in the controller manager's table (upstream's
 * `endpoints-controller` and `endpointslice-controller`: one folder, two controllers).
 */

import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { ENDPOINTSLICE_CONTROLLER, EndpointsController, EndpointSliceController } from './controller.js';

export const endpointsDescriptor: ControllerDescriptor<{ concurrentEndpointSyncs: number }> = {
  name: 'endpoints-controller',
  aliases: ['endpoint'],
  flags: [{ name: 'concurrent-endpoint-syncs', type: 'int', default: 5, help: 'Endpoints synced at once.' }],
  options: (v) => ({ concurrentEndpointSyncs: num(v, 'concurrent-endpoint-syncs') }),
  build: (ctx, o) => new EndpointsController(ctx, { workers: o.concurrentEndpointSyncs }),
};

export const endpointSliceDescriptor: ControllerDescriptor<{ concurrentServiceEndpointSyncs: number }> = {
  name: ENDPOINTSLICE_CONTROLLER,
  aliases: ['endpointslice'],
  flags: [{ name: 'concurrent-service-endpoint-syncs', type: 'int', default: 5, help: 'EndpointSlice services synced at once.' }],
  options: (v) => ({ concurrentServiceEndpointSyncs: num(v, 'concurrent-service-endpoint-syncs') }),
  build: (ctx, o) => new EndpointSliceController(ctx, { workers: o.concurrentServiceEndpointSyncs }),
};
