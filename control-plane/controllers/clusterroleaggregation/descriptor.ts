/** The ClusterRole aggregation controller's row in the controller manager's table (upstream's `clusterrole-aggregation-controller`). */

import type { ControllerDescriptor } from '../descriptor.js';
import { CLUSTERROLE_AGGREGATION_CONTROLLER, ClusterRoleAggregationController } from './controller.js';

export const clusterRoleAggregationDescriptor: ControllerDescriptor = {
  name: CLUSTERROLE_AGGREGATION_CONTROLLER,
  aliases: ['clusterrole-aggregation'],
  flags: [],
  options: () => ({}),
  build: (ctx) => new ClusterRoleAggregationController(ctx),
};
