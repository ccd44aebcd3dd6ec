/**
 * NodeResourcesFit. Filter: the pod's requests (cpu, memory, ephemeral-storage, extended
 * resources, and one pod slot) must fit in allocatable minus what is already placed
 * ("Insufficient cpu", "Too many pods"). Score: a scoring strategy over cpu and memory,
 * LeastAllocated by default (as upstream), or MostAllocated.
 */
import {
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  MAX_NODE_SCORE,
  success,
  unresolvable,
  unschedulable,
} from '../framework.js';
import { type Resource, RESOURCE_CPU, RESOURCE_MEMORY, podRequests } from '../resources.js';
import type { SchedPod } from '../types.js';
import { NODE_RESOURCES_FIT } from './names.js';

const FILTER_KEY = 'PreFilter' + NODE_RESOURCES_FIT;
const SCORE_KEY = 'PreScore' + NODE_RESOURCES_FIT;

export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
  /** The request exceeds the node's whole allocatable: no eviction would help. */
  unresolvable: boolean;
}

/** upstream fitsRequest: every resource the pod does not get, in a fixed order. */
export function fitsRequest(req: Resource, nodeInfo: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  const podCount = nodeInfo.pods.length;
  if (podCount + 1 > alloc.allowedPodNumber) {
    out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: podCount, capacity: alloc.allowedPodNumber, unresolvable: false });
  }
  const scalarNames = Object.keys(req.scalar);
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && scalarNames.length === 0) return out;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push({ resourceName: 'cpu', reason: 'Insufficient cpu', requested: req.milliCPU, used: used.milliCPU, capacity: alloc.milliCPU, unresolvable: req.milliCPU > alloc.milliCPU });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    out.push({ resourceName: 'memory', reason: 'Insufficient memory', requested: req.memory, used: used.memory, capacity: alloc.memory, unresolvable: req.memory > alloc.memory });
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({
      resourceName: 'ephemeral-storage', reason: 'Insufficient ephemeral-storage', requested: req.ephemeralStorage,
      used: used.ephemeralStorage, capacity: alloc.ephemeralStorage, unresolvable: req.ephemeralStorage > alloc.ephemeralStorage,
    });
  }
  for (const name of scalarNames) {
    const q = req.scalar[name]!;
    if (q === 0) continue;
    const a = alloc.scalar[name] ?? 0;
    const u = used.scalar[name] ?? 0;
    if (q > a - u) out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: q, used: u, capacity: a, unresolvable: q > a });
  }
  return out;
}

export function fitStatus(insufficient: InsufficientResource[]): Status {
  if (insufficient.length === 0) return success();
  const reasons = insufficient.map((r) => r.reason);
  return insufficient.some((r) => r.unresolvable) ? unresolvable(...reasons) : unschedulable(...reasons);
}

// ---------------------------------------------------------------------------------------------
// Scoring strategies (upstream config.ScoringStrategy)

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated';

export interface ResourceSpec {
  name: string;
  weight: number;
}

/** upstream default: cpu and memory, weight 1 each. */
export const DEFAULT_SCORING_RESOURCES: ResourceSpec[] = [
  { name: RESOURCE_CPU, weight: 1 },
  { name: RESOURCE_MEMORY, weight: 1 },
];

/** A scored resource with the incoming pod's amount, computed once per cycle (PreScore). */
export interface ScoredResource {
  name: string;
  weight: number;
  podAmount: number;
}

/** The resources to score for this pod: an extended resource the pod does not ask for is left out. */
export function scoredResources(resources: readonly ResourceSpec[], podReq: Resource): ScoredResource[] {
  const out: ScoredResource[] = [];
  for (const spec of resources) {
    const podAmount = resourceAmount(podReq, spec.name);
    const isScalar = spec.name !== 'cpu' && spec.name !== 'memory' && spec.name !== 'ephemeral-storage';
    if (isScalar && podAmount === 0) continue;
    out.push({ name: spec.name, weight: spec.weight, podAmount });
  }
  return out;
}

export function resourceAmount(r: Resource, name: string): number {
  switch (name) {
    case 'cpu': return r.milliCPU;
    case 'memory': return r.memory;
    case 'ephemeral-storage': return r.ephemeralStorage;
    default: return r.scalar[name] ?? 0;
  }
}

export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  if (requested > capacity) requested = capacity;
  return Math.trunc((requested * MAX_NODE_SCORE) / capacity);
}

/**
 * Weighted mean of the per-resource scores; `requested` already includes the incoming pod.
 * Resources the node has none of are left out; an extended resource the pod does not ask for too.
 */
export function allocationScore(
  strategy: ScoringStrategyType,
  resources: readonly ResourceSpec[],
  podReq: Resource,
  nodeRequested: Resource,
  allocatable: Resource,
): number {
  return allocationScoreOf(strategy, scoredResources(resources, podReq), nodeRequested, allocatable);
}

export function allocationScoreOf(strategy: ScoringStrategyType, scored: readonly ScoredResource[], nodeRequested: Resource, allocatable: Resource): number {
  let score = 0;
  let weightSum = 0;
  for (let i = 0; i < scored.length; i++) {
    const r = scored[i]!;
    const alloc = resourceAmount(allocatable, r.name);
    if (alloc === 0) continue;
    const req = resourceAmount(nodeRequested, r.name) + r.podAmount;
    const s = strategy === 'LeastAllocated' ? leastRequestedScore(req, alloc) : mostRequestedScore(req, alloc);
    score += s * r.weight;
    weightSum += r.weight;
  }
  return weightSum === 0 ? 0 : Math.trunc(score / weightSum);
}

export interface NodeResourcesFitArgs {
  scoringStrategy?: { type: ScoringStrategyType; resources?: ResourceSpec[] };
}

export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_FIT;
  private readonly strategy: ScoringStrategyType;
  private readonly resources: ResourceSpec[];

  constructor(args: NodeResourcesFitArgs = {}) {
    this.strategy = args.scoringStrategy?.type ?? 'LeastAllocated';
    this.resources = args.scoringStrategy?.resources ?? DEFAULT_SCORING_RESOURCES;
  }

  preFilter(state: CycleState, pod: SchedPod): PreFilterResult {
    state.write(FILTER_KEY, podRequests(pod, false));
    return { status: success() };
  }

  filter(state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): Status {
    const req = state.read<Resource>(FILTER_KEY) ?? podRequests(pod, false);
    return fitStatus(fitsRequest(req, nodeInfo));
  }

  preScore(state: CycleState, pod: SchedPod): Status {
    state.write(SCORE_KEY, scoredResources(this.resources, podRequests(pod, true)));
    return success();
  }

  /** Scores use the "non-zero" requests: a pod asking for nothing still counts 100m / 200Mi. */
  score(state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): number {
    const scored = state.read<ScoredResource[]>(SCORE_KEY) ?? scoredResources(this.resources, podRequests(pod, true));
    return allocationScoreOf(this.strategy, scored, nodeInfo.nonZeroRequested, nodeInfo.allocatable);
  }
}
