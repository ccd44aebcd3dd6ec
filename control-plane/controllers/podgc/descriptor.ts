/** Pod GC's row in the controller manager's table (upstream's `pod-garbage-collector-controller`). */

import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { POD_GC_CONTROLLER, PodGCController } from './controller.js';

export const podGCDescriptor: ControllerDescriptor<{ terminatedPodGCThreshold: number }> = {
  name: POD_GC_CONTROLLER,
  aliases: ['podgc'],
  flags: [{ name: 'terminated-pod-gc-threshold', type: 'int', default: 12_500, help: 'Terminated pods kept before the oldest are deleted (<= 0 disables).' }],
  options: (v) => ({ terminatedPodGCThreshold: num(v, 'terminated-pod-gc-threshold') }),
  build: (ctx, o) => new PodGCController(ctx, { terminatedPodThreshold: o.terminatedPodGCThreshold }),
};
