/** The garbage collector's row in the controller manager's table (upstream's `garbage-collector-controller`). */

import type { ControllerDescriptor } from '../descriptor.js';
import { GARBAGE_COLLECTOR_CONTROLLER, GarbageCollector } from './controller.js';

export const garbageCollectorDescriptor: ControllerDescriptor = {
  name: GARBAGE_COLLECTOR_CONTROLLER,
  aliases: ['garbagecollector'],
  flags: [],
  options: () => ({}),
  build: (ctx) => new GarbageCollector(ctx),
};
