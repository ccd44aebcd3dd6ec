/**
 * NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory would be used in
 * similar fractions after placing the pod: score = (1 - standard deviation of the fractions) * 100.
 */
import {
  type CycleState,
  type NodeInfo,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  MAX_NODE_SCORE,
  skip,
  success,
} from '../framework.js';
import { type Resource, podRequests } from '../resources.js';
import type { SchedPod } from '../types.js';
import { NODE_RESOURCES_BALANCED_ALLOCATION } from './names.js';
import { DEFAULT_SCORING_RESOURCES, type ResourceSpec, type ScoredResource, resourceAmount, scoredResources } from './node-resources-fit.js';

const STATE_KEY = 'PreScore' + NODE_RESOURCES_BALANCED_ALLOCATION;

/** upstream balancedResourceScorer over (requested incl. the pod, allocatable) pairs. */
export function balancedResourceScore(requested: readonly number[], allocatable: readonly number[]): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    let f = requested[i]! / allocatable[i]!;
    if (f > 1) f = 1;
    total += f;
    fractions.push(f);
  }
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  else if (fractions.length > 2) {
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum += (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export function balancedAllocationScore(resources: readonly ResourceSpec[], podReq: Resource, nodeRequested: Resource, allocatable: Resource): number {
  return balancedScoreOf(scoredResources(resources, podReq), nodeRequested, allocatable);
}

/** Same as balancedResourceScore, without allocating (hot path: once per feasible node). */
export function balancedScoreOf(scored: readonly ScoredResource[], nodeRequested: Resource, allocatable: Resource): number {
  let n = 0;
  let total = 0;
  let f0 = 0;
  let f1 = 0;
  for (let i = 0; i < scored.length; i++) {
    const r = scored[i]!;
    const alloc = resourceAmount(allocatable, r.name);
    if (alloc === 0) continue;
    let f = (resourceAmount(nodeRequested, r.name) + r.podAmount) / alloc;
    if (f > 1) f = 1;
    if (n === 0) f0 = f;
    else if (n === 1) f1 = f;
    total += f;
    n++;
  }
  let std = 0;
  if (n === 2) std = Math.abs((f0 - f1) / 2);
  else if (n > 2) {
    const mean = total / n;
    let sum = 0;
    for (let i = 0; i < scored.length; i++) {
      const r = scored[i]!;
      const alloc = resourceAmount(allocatable, r.name);
      if (alloc === 0) continue;
      let f = (resourceAmount(nodeRequested, r.name) + r.podAmount) / alloc;
      if (f > 1) f = 1;
      sum += (f - mean) * (f - mean);
    }
    std = Math.sqrt(sum / n);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export class BalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;
  constructor(private readonly resources: ResourceSpec[] = DEFAULT_SCORING_RESOURCES) {}

  /** Uses the pod's real requests; a best-effort pod (no requests) is not scored, as upstream. */
  preScore(state: CycleState, pod: SchedPod): Status {
    const req = podRequests(pod, false);
    if (this.resources.every((r) => resourceAmount(req, r.name) === 0)) return skip();
    state.write(STATE_KEY, scoredResources(this.resources, req));
    return success();
  }

  score(state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): number {
    const scored = state.read<ScoredResource[]>(STATE_KEY) ?? scoredResources(this.resources, podRequests(pod, false));
    return balancedScoreOf(scored, nodeInfo.requested, nodeInfo.allocatable);
  }
}
