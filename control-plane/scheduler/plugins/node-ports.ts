/** NodePorts: a pod's hostPorts must be free on the node (0.0.0.0 clashes with every IP). */
import {
  type CycleState,
  type FilterPlugin,
  type HostPort,
  type NodeInfo,
  type PreFilterPlugin,
  type PreFilterResult,
  type Status,
  podHostPorts,
  skip,
  success,
  unschedulable,
} from '../framework.js';
import type { SchedPod } from '../types.js';
import { NODE_PORTS } from './names.js';

export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";
const STATE_KEY = 'PreFilter' + NODE_PORTS;

export function fitsPorts(wanted: readonly HostPort[], nodeInfo: NodeInfo): boolean {
  for (const p of wanted) if (nodeInfo.usedPorts.conflicts(p)) return false;
  return true;
}

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NODE_PORTS;

  preFilter(state: CycleState, pod: SchedPod): PreFilterResult {
    const ports = podHostPorts(pod);
    if (ports.length === 0) return { status: skip() };
    state.write(STATE_KEY, ports);
    return { status: success() };
  }

  filter(state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): Status {
    const wanted = state.read<HostPort[]>(STATE_KEY) ?? podHostPorts(pod);
    return fitsPorts(wanted, nodeInfo) ? success() : unschedulable(ERR_REASON_NODE_PORTS);
  }
}
