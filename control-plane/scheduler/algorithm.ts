/**
 * The scheduling algorithm as one pure function, after upstream's schedulePod
 * (pkg/scheduler/schedule_one.go): PreFilter, Filter every node (keeping each rejected node's
 * Status), PreScore, Score + normalize + weight, pick the best. A read-only snapshot in, a
 * decision out; no I/O, no clock.
 */
import {
  CycleState,
  type FilterPlugin,
  type FrameworkHandle,
  type NodeInfo,
  type NodeScore,
  type Profile,
  type Snapshot,
  type Status,
  MAX_NODE_SCORE,
  isRejected,
  isSuccess,
  nodeInfoOf,
  podKey,
  podPriority,
  statusMessage,
  unresolvable,
  withPlugin,
} from './framework.js';
import type { SchedPod } from './types.js';

/** Why a pod fits nowhere: one Status per rejected node (upstream framework.Diagnosis). */
export interface Diagnosis {
  nodeToStatus: Map<string, Status>;
  /** Status of the nodes a PreFilter result left out (they are not in nodeToStatus). */
  absentNodesStatus?: Status;
  unschedulablePlugins: Set<string>;
  preFilterMsg: string;
  postFilterMsg: string;
}

export interface Scheduled {
  nodeName: string;
  evaluatedNodes: number;
  feasibleNodes: number;
  nextStartNodeIndex: number;
}

/** What the PostFilter plugins (preemption) decided for a pod that fits nowhere: a plan for the adapter. */
export interface PreemptionPlan {
  /** The node to nominate in status.nominatedNodeName; '' clears a nomination. */
  nominatedNodeName: string;
  /** The pods to evict from it (none when only clearing). */
  victims: readonly SchedPod[];
}

export interface Unschedulable {
  unschedulable: true;
  /** The FailedScheduling message, as upstream's FitError.Error() (the PostFilter's message included). */
  message: string;
  diagnosis: Diagnosis;
  numAllNodes: number;
  nextStartNodeIndex: number;
  /** Set when a PostFilter plugin nominated a node (or cleared the nomination). */
  preemption?: PreemptionPlan;
}

export interface SchedulingError {
  error: string;
  nextStartNodeIndex: number;
}

export type ScheduleResult = Scheduled | Unschedulable | SchedulingError;

export interface ScheduleOptions {
  /** Where the round-robin node search starts (upstream nextStartNodeIndex). */
  startNodeIndex?: number;
  /** In [0, 1); breaks ties among the best nodes (reservoir sampling). Default Math.random. */
  random?: () => number;
  /** The cycle's state (a fresh one by default); the adapter passes its own to hand it to Reserve/PreBind. */
  state?: CycleState;
}

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** upstream numFeasibleNodesToFind: stop filtering once this many nodes fit. */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage <= 0) {
    percentage = Math.max(50 - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
  }
  if (percentage >= 100) return numAllNodes;
  const n = Math.trunc((numAllNodes * percentage) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

/**
 * upstream FitError.Error():
 * "0/N nodes are available: <PreFilterMsg>. <count reason, ...>. <PostFilterMsg>."
 * Each rejected node's reasons are counted; the "<count> <reason>" strings are sorted as
 * strings (Go's sort.Strings), so "1 node(s) had untolerated taint ..." sorts before "2 Insufficient cpu".
 */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg !== '') msg += ` ${d.preFilterMsg}.`;
  if (d.preFilterMsg === '') {
    const counts = new Map<string, number>();
    for (const s of d.nodeToStatus.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absent = numAllNodes - d.nodeToStatus.size;
    if (absent > 0 && d.absentNodesStatus) {
      for (const r of d.absentNodesStatus.reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
    }
    const parts = [...counts].map(([r, n]) => `${n} ${r}`);
    parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // byte order, as Go's sort.Strings
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg !== '') msg += ` ${d.postFilterMsg}.`;
  return msg;
}

function newDiagnosis(): Diagnosis {
  return { nodeToStatus: new Map(), unschedulablePlugins: new Set(), preFilterMsg: '', postFilterMsg: '' };
}

function runFilters(filters: readonly FilterPlugin[], state: CycleState, pod: SchedPod, ni: NodeInfo): Status | null {
  for (let i = 0; i < filters.length; i++) {
    const pl = filters[i]!;
    const s = pl.filter(state, pod, ni);
    if (s.code !== 'Success') return withPlugin(s, pl.name);
  }
  return null;
}

/**
 * upstream RunFilterPluginsWithNominatedPods: when pods of equal or higher priority are nominated to the node, the
 * pod must fit both with them (their room is kept for them) and without them (they may not come after all).
 */
function runFiltersWithNominated(filters: readonly FilterPlugin[], state: CycleState, pod: SchedPod, ni: NodeInfo, snapshot: Snapshot): Status | null {
  const nominated = snapshot.nominatedPods(ni.name);
  if (nominated.length > 0) {
    const prio = podPriority(pod);
    const key = podKey(pod);
    const ahead = nominated.filter((p) => podPriority(p) >= prio && podKey(p) !== key);
    if (ahead.length > 0) {
      const withThem = nodeInfoOf(ni.node, [...ni.pods.map((p) => p.pod), ...ahead.map((p) => ({ ...p, spec: { ...p.spec, nodeName: ni.name } }))]);
      const s = runFilters(filters, state, pod, withThem);
      if (s !== null) return s;
    }
  }
  return runFilters(filters, state, pod, ni);
}

/**
 * Choose a node for `pod`, or say why none fits. Pure: the snapshot is only read.
 * Ties among the highest total scores are broken uniformly at random (upstream's reservoir
 * sampling); pass a seeded `random` for a reproducible choice.
 */
export function schedulePod(pod: SchedPod, snapshot: Snapshot, profile: Profile, opts: ScheduleOptions = {}): ScheduleResult {
  const allNodes = snapshot.nodeInfos;
  const numAll = allNodes.length;
  const start = numAll > 0 ? (opts.startNodeIndex ?? 0) % numAll : 0;
  if (numAll === 0) return { error: NO_NODES_AVAILABLE, nextStartNodeIndex: 0 };

  const state = opts.state ?? new CycleState();
  const diagnosis = newDiagnosis();

  // PreFilter
  let allowed: Set<string> | undefined;
  const narrowing: string[] = [];
  for (const pl of profile.preFilter) {
    const r = pl.preFilter(state, pod, snapshot);
    const s = r.status;
    if (s.code === 'Skip') {
      state.skipFilter.add(pl.name);
      continue;
    }
    if (s.code === 'Error') return { error: `running PreFilter plugin "${pl.name}": ${s.reasons.join(', ')}`, nextStartNodeIndex: start };
    if (isRejected(s)) {
      // Every node gets the same status; the message carries it once (as PreFilterMsg).
      const st = withPlugin(s, pl.name);
      for (const ni of allNodes) diagnosis.nodeToStatus.set(ni.name, st);
      diagnosis.preFilterMsg = s.reasons.join(', ');
      diagnosis.unschedulablePlugins.add(pl.name);
      return fitFailure(state, pod, snapshot, profile, diagnosis, start);
    }
    if (r.nodeNames) {
      narrowing.push(pl.name);
      allowed = allowed ? new Set([...allowed].filter((n) => r.nodeNames!.has(n))) : new Set(r.nodeNames);
      if (allowed.size === 0) {
        const msg = narrowing.length === 1
          ? `node(s) didn't satisfy plugin ${narrowing[0]}`
          : `node(s) didn't satisfy plugin(s) [${narrowing.join(' ')}] simultaneously`;
        for (const ni of allNodes) diagnosis.nodeToStatus.set(ni.name, unresolvable(msg));
        diagnosis.preFilterMsg = msg;
        for (const n of narrowing) diagnosis.unschedulablePlugins.add(n);
        return fitFailure(state, pod, snapshot, profile, diagnosis, start);
      }
    }
  }

  // Filter, round-robin from `start`, stopping once enough nodes fit (upstream percentageOfNodesToScore).
  let nodes: readonly NodeInfo[] = allNodes;
  let nodesStart = start;
  if (allowed) {
    nodes = [...allowed].map((n) => snapshot.get(n)).filter((n): n is NodeInfo => n !== undefined);
    nodesStart = 0;
    diagnosis.absentNodesStatus = unresolvable(`node(s) didn't satisfy plugin(s) [${[...narrowing].sort().join(' ')}]`);
  }
  const want = numFeasibleNodesToFind(profile.percentageOfNodesToScore, nodes.length);
  const filters = profile.filter.filter((pl) => !state.skipFilter.has(pl.name));
  const feasible: NodeInfo[] = [];
  let processed = 0;
  const n = nodes.length;
  for (let i = 0; i < n && feasible.length < want; i++) {
    let j = nodesStart + i;
    if (j >= n) j -= n;
    const ni = nodes[j]!;
    processed++;
    const s = runFiltersWithNominated(filters, state, pod, ni, snapshot);
    if (s === null) {
      feasible.push(ni);
      continue;
    }
    if (s.code === 'Error') {
      return { error: `running Filter plugin "${s.plugin}": ${s.reasons.join(', ')}`, nextStartNodeIndex: (start + processed) % numAll };
    }
    diagnosis.nodeToStatus.set(ni.name, s);
    if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
  }
  const nextStartNodeIndex = (start + processed) % numAll;

  if (feasible.length === 0) return fitFailure(state, pod, snapshot, profile, diagnosis, nextStartNodeIndex);
  const evaluatedNodes = feasible.length + diagnosis.nodeToStatus.size;
  if (feasible.length === 1) {
    return { nodeName: feasible[0]!.name, evaluatedNodes, feasibleNodes: 1, nextStartNodeIndex };
  }

  // PreScore + Score
  const totals = prioritizeNodes(state, pod, feasible, snapshot, profile);
  if (typeof totals === 'string') return { error: totals, nextStartNodeIndex };
  const random = opts.random ?? Math.random;
  let best = 0;
  let ties = 1;
  for (let i = 1; i < totals.length; i++) {
    if (totals[i]! > totals[best]!) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best]) {
      ties++;
      if (Math.floor(random() * ties) === 0) best = i;
    }
  }
  return { nodeName: feasible[best]!.name, evaluatedNodes, feasibleNodes: feasible.length, nextStartNodeIndex };
}

/** The profile's Filter plugins on one node, as the PostFilter plugins ask for them (framework.FrameworkHandle). */
function frameworkHandle(profile: Profile, snapshot: Snapshot): FrameworkHandle {
  return {
    runFilterPlugins: (state, pod, ni) => runFiltersWithNominated(profile.filter.filter((pl) => !state.skipFilter.has(pl.name)), state, pod, ni, snapshot),
  };
}

/**
 * A pod that fits nowhere (upstream's FitError path of schedulingCycle): the PostFilter plugins run, in order,
 * until one answers other than Unschedulable; the last one's message joins the FitError as PostFilterMsg, and a
 * nomination (with its victims) is handed back as the plan.
 */
function fitFailure(state: CycleState, pod: SchedPod, snapshot: Snapshot, profile: Profile, diagnosis: Diagnosis, nextStartNodeIndex: number): Unschedulable {
  const numAllNodes = snapshot.nodeInfos.length;
  let preemption: PreemptionPlan | undefined;
  const plugins = profile.postFilter ?? [];
  if (plugins.length > 0) {
    const handle = frameworkHandle(profile, snapshot);
    let last: Status | undefined;
    for (const pl of plugins) {
      const out = pl.postFilter(state, pod, snapshot, diagnosis, handle);
      last = out.status;
      if (out.nominatedNodeName !== undefined) preemption = { nominatedNodeName: out.nominatedNodeName, victims: out.victims ?? [] };
      if (out.status.code !== 'Unschedulable') break;
    }
    diagnosis.postFilterMsg = last ? statusMessage(last) : '';
  }
  return {
    unschedulable: true,
    message: fitErrorMessage(numAllNodes, diagnosis),
    diagnosis,
    numAllNodes,
    nextStartNodeIndex,
    ...(preemption ? { preemption } : {}),
  };
}

/** Weighted sum of every score plugin's (normalized) score, per feasible node; an error message on failure. */
export function prioritizeNodes(
  state: CycleState,
  pod: SchedPod,
  feasible: readonly NodeInfo[],
  snapshot: Snapshot,
  profile: Profile,
): Float64Array | string {
  for (const pl of profile.preScore) {
    const s = pl.preScore(state, pod, feasible, snapshot);
    if (s.code === 'Skip') state.skipScore.add(pl.name);
    else if (!isSuccess(s)) return `running PreScore plugin "${pl.name}": ${s.reasons.join(', ')}`;
  }
  const totals = new Float64Array(feasible.length);
  let scores: NodeScore[] | undefined; // reused by every normalizing plugin of this cycle
  for (const { plugin, weight } of profile.score) {
    if (state.skipScore.has(plugin.name)) continue;
    if (plugin.normalize) {
      if (!scores) scores = feasible.map((ni) => ({ name: ni.name, score: 0 }));
      for (let i = 0; i < feasible.length; i++) scores[i]!.score = plugin.score(state, pod, feasible[i]!);
      plugin.normalize(state, pod, scores);
      for (let i = 0; i < scores.length; i++) {
        const sc = scores[i]!.score;
        if (sc > MAX_NODE_SCORE || sc < 0) return `plugin "${plugin.name}" returns an invalid score ${sc}, it should in the range of [0, ${MAX_NODE_SCORE}] after normalizing`;
        totals[i]! += sc * weight;
      }
    } else {
      for (let i = 0; i < feasible.length; i++) {
        const sc = plugin.score(state, pod, feasible[i]!);
        if (sc > MAX_NODE_SCORE || sc < 0) return `plugin "${plugin.name}" returns an invalid score ${sc}, it should in the range of [0, ${MAX_NODE_SCORE}] after normalizing`;
        totals[i]! += sc * weight;
      }
    }
  }
  return totals;
}
