/** The ServiceAccount controller's row in the controller manager's table (upstream's `serviceaccount-controller`). */

import type { ControllerDescriptor } from '../descriptor.js';
import { SERVICE_ACCOUNT_CONTROLLER, ServiceAccountController } from './controller.js';

export const serviceAccountDescriptor: ControllerDescriptor = {
  name: SERVICE_ACCOUNT_CONTROLLER,
  aliases: ['serviceaccount'],
  flags: [],
  options: () => ({}),
  build: (ctx) => new ServiceAccountController(ctx),
};
