/** The disruption controller's row in the controller manager's table (upstream's `disruption-controller`). */

import type { ControllerDescriptor } from '../descriptor.js';
import { DISRUPTION_CONTROLLER, DisruptionController } from './controller.js';

export const disruptionDescriptor: ControllerDescriptor = {
  name: DISRUPTION_CONTROLLER,
  aliases: ['disruption'],
  flags: [],
  options: () => ({}),
  build: (ctx) => new DisruptionController(ctx),
};
