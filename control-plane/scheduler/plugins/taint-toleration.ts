/**
 * TaintToleration. Filter: a node's NoSchedule / NoExecute taints must all be tolerated
 * (the first untolerated one is named in the reason). Score: fewer untolerated
 * PreferNoSchedule taints is better (normalized, reversed).
 */
import {
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type NodeScore,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  success,
  unresolvable,
} from '../framework.js';
import type { SchedPod, SchedTaint, SchedToleration } from '../types.js';
import { TAINT_TOLERATION } from './names.js';
import { defaultNormalizeScore } from './normalize.js';
import { findMatchingUntoleratedTaint, tolerationsTolerateTaint } from '../../../api/taints.js';

const STATE_KEY = 'PreScore' + TAINT_TOLERATION;

const scheduleOrExecute = (t: SchedTaint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

export function taintTolerationFilter(pod: SchedPod, nodeInfo: NodeInfo): Status {
  const taint = findMatchingUntoleratedTaint(nodeInfo.node.spec?.taints, pod.spec.tolerations, scheduleOrExecute);
  if (!taint) return success();
  return unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
}

/** The pod's tolerations that can tolerate PreferNoSchedule taints (effect empty or PreferNoSchedule). */
export function preferNoScheduleTolerations(pod: SchedPod): SchedToleration[] {
  return (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
}

/** Number of the node's PreferNoSchedule taints not tolerated (the raw score; lower is better). */
export function countIntolerableTaintsPreferNoSchedule(taints: readonly SchedTaint[] | undefined, tolerations: SchedToleration[]): number {
  let n = 0;
  for (const t of taints ?? []) {
    if (t.effect !== 'PreferNoSchedule') continue;
    if (!tolerationsTolerateTaint(tolerations, t)) n++;
  }
  return n;
}

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = TAINT_TOLERATION;

  filter(_state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): Status {
    return taintTolerationFilter(pod, nodeInfo);
  }

  preScore(state: CycleState, pod: SchedPod): Status {
    state.write(STATE_KEY, preferNoScheduleTolerations(pod));
    return success();
  }

  score(state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): number {
    const tols = state.read<SchedToleration[]>(STATE_KEY) ?? preferNoScheduleTolerations(pod);
    return countIntolerableTaintsPreferNoSchedule(nodeInfo.node.spec?.taints, tols);
  }

  normalize(_state: CycleState, _pod: SchedPod, scores: NodeScore[]): void {
    defaultNormalizeScore(scores, true);
  }
}
