/**
 * The node lifecycle and taint eviction controllers' rows in the controller manager's table
 * (upstream's `node-lifecycle-controller` and `taint-eviction-controller`: one folder, two controllers).
 */

import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { NODE_LIFECYCLE_CONTROLLER, NodeLifecycleController, TAINT_EVICTION_CONTROLLER, TaintEvictionController } from './controller.js';

export interface NodeLifecycleFlags {
  nodeMonitorPeriodMs: number;
  nodeMonitorGracePeriodMs: number;
  nodeStartupGracePeriodMs: number;
}

export const nodeLifecycleDescriptor: ControllerDescriptor<NodeLifecycleFlags> = {
  name: NODE_LIFECYCLE_CONTROLLER,
  aliases: ['nodelifecycle'],
  flags: [
    { name: 'node-monitor-period', type: 'duration', default: '5s', help: 'How often node health is checked.' },
    { name: 'node-monitor-grace-period', type: 'duration', default: '50s', help: 'Silence after which a node is marked unhealthy (Ready Unknown).' },
    { name: 'node-startup-grace-period', type: 'duration', default: '1m', help: 'Silence allowed to a starting node before it is marked unhealthy.' },
  ],
  options: (v) => ({
    nodeMonitorPeriodMs: num(v, 'node-monitor-period'),
    nodeMonitorGracePeriodMs: num(v, 'node-monitor-grace-period'),
    nodeStartupGracePeriodMs: num(v, 'node-startup-grace-period'),
  }),
  build: (ctx, o) =>
    new NodeLifecycleController(ctx, {
      monitorPeriodMs: o.nodeMonitorPeriodMs,
      gracePeriodMs: o.nodeMonitorGracePeriodMs,
      startupGracePeriodMs: o.nodeStartupGracePeriodMs,
    }),
};

export const taintEvictionDescriptor: ControllerDescriptor = {
  name: TAINT_EVICTION_CONTROLLER,
  aliases: ['taint-eviction'],
  flags: [],
  options: () => ({}),
  build: (ctx) => new TaintEvictionController(ctx),
};
