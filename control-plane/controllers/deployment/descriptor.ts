/** The Deployment controller's row in the controller manager's table (upstream's `deployment-controller`). */

import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { DEPLOYMENT_CONTROLLER, DeploymentController } from './controller.js';

export const deploymentDescriptor: ControllerDescriptor<{ concurrentDeploymentSyncs: number }> = {
  name: DEPLOYMENT_CONTROLLER,
  aliases: ['deployment'],
  flags: [{ name: 'concurrent-deployment-syncs', type: 'int', default: 5, help: 'Deployments synced at once.' }],
  options: (v) => ({ concurrentDeploymentSyncs: num(v, 'concurrent-deployment-syncs') }),
  build: (ctx, o) => new DeploymentController(ctx, { workers: o.concurrentDeploymentSyncs }),
};
