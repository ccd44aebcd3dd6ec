import { type NodeScore, MAX_NODE_SCORE } from '../framework.js';

/**
 * upstream helper.DefaultNormalizeScore: scale to [0, maxPriority] by the highest score
 * (integer division, as Go's int64), optionally reversed (high raw score = bad node).
 */
export function defaultNormalizeScore(scores: NodeScore[], reverse: boolean, maxPriority = MAX_NODE_SCORE): void {
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  if (max === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    let v = Math.trunc((maxPriority * s.score) / max);
    if (reverse) v = maxPriority - v;
    s.score = v;
  }
}
