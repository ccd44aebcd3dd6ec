/** NodeName: a pod naming a node in spec.nodeName fits only that node. */
import { type CycleState, type FilterPlugin, type NodeInfo, type Status, success, unresolvable } from '../framework.js';
import type { SchedPod } from '../types.js';
import { NODE_NAME } from './names.js';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export function nodeNameFits(pod: SchedPod, nodeInfo: NodeInfo): boolean {
  const want = pod.spec.nodeName ?? '';
  return want === '' || want === nodeInfo.name;
}

export class NodeName implements FilterPlugin {
  readonly name = NODE_NAME;
  filter(_state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): Status {
    return nodeNameFits(pod, nodeInfo) ? success() : unresolvable(ERR_REASON_NODE_NAME);
  }
}
