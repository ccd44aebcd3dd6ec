/** NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods tolerating node.kubernetes.io/unschedulable:NoSchedule. */
import { type CycleState, type FilterPlugin, type NodeInfo, type Status, success, unresolvable } from '../framework.js';
import type { SchedPod } from '../types.js';
import { NODE_UNSCHEDULABLE } from './names.js';
import { TAINT_NODE_UNSCHEDULABLE, tolerationsTolerateTaint } from '../../../api/taints.js';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

export function nodeUnschedulableFilter(pod: SchedPod, nodeInfo: NodeInfo): Status {
  if (!nodeInfo.node.spec?.unschedulable) return success();
  const tolerated = tolerationsTolerateTaint(pod.spec.tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  return tolerated ? success() : unresolvable(ERR_REASON_UNSCHEDULABLE);
}

export class NodeUnschedulable implements FilterPlugin {
  readonly name = NODE_UNSCHEDULABLE;
  filter(_state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): Status {
    return nodeUnschedulableFilter(pod, nodeInfo);
  }
}
