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

/** The share of a resource used, requested / allocatable, at most 1. */
function usedFraction(requested: number, allocatable: number): number {
  const f = requested / allocatable;
  return f > 1 ? 1 : f;
}

/**
 * upstream balancedResourceScorer's score from the used fractions of the resources the node has (the
 * first `n` of `fractions`): (1 - their standard deviation) * 100, the deviation of two being half their gap.
 */
function scoreOfFractions(fractions: readonly number[], n: number): number {
  let std = 0;
  if (n === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  else if (n > 2) {
    let total = 0;
    for (let i = 0; i < n; i++) total += fractions[i]!;
    const mean = total / n;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (fractions[i]! - mean) * (fractions[i]! - mean);
    std = Math.sqrt(sum / n);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** upstream balancedResourceScorer over (requested incl. the pod, allocatable) pairs; a resource the node has none of is left out. */
export function balancedResourceScore(requested: readonly number[], allocatable: readonly number[]): number {
  const fractions: number[] = [];
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    fractions.push(usedFraction(requested[i]!, allocatable[i]!));
  }
  return scoreOfFractions(fractions, fractions.length);
}

export function balancedAllocationScore(resources: readonly ResourceSpec[], podReq: Resource, nodeRequested: Resource, allocatable: Resource): number {
  return balancedScoreOf(scoredResources(resources, podReq), nodeRequested, allocatable);
}

/** Reused by balancedScoreOf so the hot path allocates nothing (scoring is synchronous: no two calls overlap). */
const scratch: number[] = [];

/** balancedResourceScore of the scored resources on a node, without allocating (hot path: once per feasible node). */
export function balancedScoreOf(scored: readonly ScoredResource[], nodeRequested: Resource, allocatable: Resource): number {
  let n = 0;
  for (let i = 0; i < scored.length; i++) {
    const r = scored[i]!;
    const alloc = resourceAmount(allocatable, r.name);
    if (alloc === 0) continue;
    scratch[n++] = usedFraction(resourceAmount(nodeRequested, r.name) + r.podAmount, alloc);
  }
  return scoreOfFractions(scratch, n);
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
