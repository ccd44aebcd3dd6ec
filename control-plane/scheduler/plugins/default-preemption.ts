/**
 * DefaultPreemption (PostFilter), after upstream's pkg/scheduler/framework/plugins/defaultpreemption and
 * framework/preemption (v1.32): when a pod fits no node, find the nodes where evicting pods of lower priority
 * would make it fit, pick one, and answer a plan: nominate that node, evict these victims. The scheduler
 * (scheduler.ts) carries the plan out: DisruptionTarget condition, graceful delete and a `Preempted` event on
 * each victim, status.nominatedNodeName on the preemptor. Everything here is pure.
 *
 *   eligible? (preemptionPolicy Never, a victim of an earlier preemption still terminating on the nominated node)
 *   potential nodes: those a Filter rejected as Unschedulable (not UnschedulableAndUnresolvable)
 *   per node (selectVictimsOnNode): remove every lower-priority pod; still no fit -> not a candidate; else
 *     put them back most important first while the pod still fits: the rest are the victims
 *   pickOneNodeForPreemption: fewest PDB violations, lowest highest-victim priority, lowest priority sum,
 *     fewest victims, latest start of the highest-priority victims, then the first
 *
 * Not (yet) as upstream: PodDisruptionBudgets are not read (no PDB kind yet, every victim counts as
 * non-violating; the criterion is kept for when they are); PreFilter extensions (AddPod/RemovePod) do not
 * exist, so PodTopologySpread's counts are not adjusted while victims are removed.
 */
import {
  type CycleState,
  type FrameworkHandle,
  type NodeInfo,
  type NodeToStatus,
  type PostFilterOutcome,
  type PostFilterPlugin,
  type Snapshot,
  type Status,
  isSuccess,
  newPodInfo,
  nodeInfoOf,
  podKey,
  podPriority,
  success,
  unresolvable,
  unschedulable,
  errorStatus,
} from '../framework.js';
import { fitErrorMessage } from '../algorithm.js';
import type { SchedPod } from '../types.js';
import { DEFAULT_PREEMPTION } from './names.js';

export const MSG_PREEMPTION_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const MSG_TERMINATING_ON_NOMINATED = 'not eligible due to a terminating pod on the nominated node.';
export const MSG_NO_VICTIMS = 'No preemption victims found for incoming pod';
export const MSG_NOT_HELPFUL = 'Preemption is not helpful for scheduling';

/** upstream's DefaultPreemptionArgs defaults. */
export const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
export const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

/** The pod condition a victim gets (upstream v1.DisruptionTarget / PodReasonPreemptionByScheduler). */
export const DISRUPTION_TARGET = 'DisruptionTarget';
export const REASON_PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';

export { podPriority };

/** util.GetPodStartTime in ms: status.startTime, or `now` for a pod not started yet. */
function startTimeMs(pod: SchedPod, now: number): number {
  const t = pod.status?.startTime ? Date.parse(String(pod.status.startTime)) : NaN;
  return Number.isNaN(t) ? now : t;
}

/** util.MoreImportantPod: higher priority first, then the one that started earlier. */
export function moreImportantPod(a: SchedPod, b: SchedPod, now: number): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return startTimeMs(a, now) < startTimeMs(b, now);
}

/** podTerminatingByPreemption: being deleted, with DisruptionTarget=True reason PreemptionByScheduler. */
export function podTerminatingByPreemption(p: SchedPod): boolean {
  if (!p.metadata.deletionTimestamp) return false;
  const c = (p.status?.conditions ?? []).find((x) => x.type === DISRUPTION_TARGET);
  return !!c && c.status === 'True' && c.reason === REASON_PREEMPTION_BY_SCHEDULER;
}

/** upstream PodEligibleToPreemptOthers: undefined when eligible, else the message. */
export function podIneligibleToPreempt(pod: SchedPod, snapshot: Snapshot, nominatedNodeStatus: Status | undefined): string | undefined {
  if (pod.spec.preemptionPolicy === 'Never') return MSG_PREEMPTION_POLICY_NEVER;
  const nominated = pod.status?.nominatedNodeName;
  if (!nominated) return undefined;
  // The nominated node no longer fits for reasons no eviction helps: consider preempting again.
  if (nominatedNodeStatus?.code === 'UnschedulableAndUnresolvable') return undefined;
  const ni = snapshot.get(nominated);
  if (ni) {
    const prio = podPriority(pod);
    if (ni.pods.some((p) => podPriority(p.pod) < prio && podTerminatingByPreemption(p.pod))) return MSG_TERMINATING_ON_NOMINATED;
  }
  return undefined;
}

/** What preempting on one node would take. */
export interface Candidate {
  name: string;
  victims: SchedPod[];
  numPDBViolations: number;
}

/**
 * upstream SelectVictimsOnNode on a copy of the node: the victims (least important last reprieved), or the
 * Status saying why evicting cannot make the pod fit here. `violatesPDB` tells which pods' eviction would break
 * a PodDisruptionBudget (reprieved first); none without PDBs.
 */
export function selectVictimsOnNode(
  state: CycleState,
  pod: SchedPod,
  nodeInfo: NodeInfo,
  handle: FrameworkHandle,
  now: number,
  violatesPDB: (victim: SchedPod) => boolean = () => false,
): { victims: SchedPod[]; numPDBViolations: number; status: Status } {
  const prio = podPriority(pod);
  const lower = nodeInfo.pods.filter((p) => podPriority(p.pod) < prio).map((p) => p.pod);
  if (lower.length === 0) return { victims: [], numPDBViolations: 0, status: unresolvable(MSG_NO_VICTIMS) };
  const lowerKeys = new Set(lower.map(podKey));
  // The node without every lower-priority pod.
  const sim = nodeInfoOf(nodeInfo.node, nodeInfo.pods.filter((p) => !lowerKeys.has(p.key)).map((p) => p.pod));
  const fits = (): Status | null => handle.runFilterPlugins(state, pod, sim);
  const first = fits();
  if (first !== null) return { victims: [], numPDBViolations: 0, status: first };
  // Most important first, so the most important get reprieved first; PDB-violating ones before the others.
  const sorted = [...lower].sort((a, b) => (moreImportantPod(a, b, now) ? -1 : moreImportantPod(b, a, now) ? 1 : 0));
  const violating = sorted.filter(violatesPDB);
  const nonViolating = sorted.filter((p) => !violatesPDB(p));
  const victims: SchedPod[] = [];
  let numPDBViolations = 0;
  const reprieve = (p: SchedPod): boolean => {
    sim.addPod(newPodInfo(p));
    if (fits() === null) return true;
    sim.removePod(podKey(p));
    victims.push(p);
    return false;
  };
  for (const p of violating) if (!reprieve(p)) numPDBViolations++;
  for (const p of nonViolating) reprieve(p);
  return { victims, numPDBViolations, status: success() };
}

/**
 * upstream pickOneNodeForPreemption: the candidate with the fewest PDB violations, then the lowest priority of
 * its most important victim, then the lowest sum of victim priorities, then the fewest victims, then whose most
 * important victims started latest; the first of any tie left. undefined for no candidates.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[], now: number): Candidate | undefined {
  if (candidates.length === 0) return undefined;
  // Each criterion keeps the candidates with the best score; the next one breaks the ties.
  const criteria: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -Math.max(...c.victims.map(podPriority)),
    // upstream adds MaxInt32+1 per victim so that negative priorities still sum as "more victims, more cost"
    (c) => -c.victims.reduce((sum, v) => sum + podPriority(v) + 2 ** 31, 0),
    (c) => -c.victims.length,
    (c) => {
      const top = Math.max(...c.victims.map(podPriority));
      return Math.min(...c.victims.filter((v) => podPriority(v) === top).map((v) => startTimeMs(v, now)));
    },
  ];
  let left = [...candidates];
  for (const score of criteria) {
    const scores = left.map(score);
    const best = Math.max(...scores);
    left = left.filter((_, i) => scores[i] === best);
    if (left.length === 1) break;
  }
  return left[0];
}

/** upstream GetOffsetAndNumCandidates' count: 10% of the nodes, at least 100, at most all. */
export function numCandidates(numNodes: number): number {
  const n = Math.max(Math.trunc((numNodes * MIN_CANDIDATE_NODES_PERCENTAGE) / 100), MIN_CANDIDATE_NODES_ABSOLUTE);
  return Math.min(n, numNodes);
}

export interface DefaultPreemptionOptions {
  /** The clock (ms): the start time of pods not started yet. Default Date.now. */
  now?: () => number;
  /** In [0, 1): where the candidate search starts among the potential nodes. Default Math.random, as upstream. */
  random?: () => number;
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DEFAULT_PREEMPTION;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(opts: DefaultPreemptionOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  postFilter(state: CycleState, pod: SchedPod, snapshot: Snapshot, m: NodeToStatus, handle: FrameworkHandle): PostFilterOutcome {
    const out = preempt(state, pod, snapshot, m, handle, this.now(), this.random);
    // upstream's PostFilter prefixes what Preempt says with "preemption: ".
    const msg = out.status.reasons.join(', ');
    return msg ? { ...out, status: { ...out.status, reasons: [`preemption: ${msg}`] } } : out;
  }
}

/** upstream Evaluator.Preempt, without the I/O: eligibility, candidates, the chosen node and its victims. */
export function preempt(
  state: CycleState,
  pod: SchedPod,
  snapshot: Snapshot,
  m: NodeToStatus,
  handle: FrameworkHandle,
  now: number,
  random: () => number = () => 0,
): PostFilterOutcome {
  const nominated = pod.status?.nominatedNodeName;
  const nominatedStatus = nominated ? (m.nodeToStatus.get(nominated) ?? m.absentNodesStatus) : undefined;
  const ineligible = podIneligibleToPreempt(pod, snapshot, nominatedStatus);
  if (ineligible) return { status: unschedulable(ineligible) };

  const all = snapshot.nodeInfos;
  if (all.length === 0) return { status: errorStatus('no nodes available') };
  const statusOf = (name: string): Status | undefined => m.nodeToStatus.get(name) ?? m.absentNodesStatus;
  const potential = all.filter((ni) => statusOf(ni.name)?.code === 'Unschedulable');
  const notHelpful = unresolvable(MSG_NOT_HELPFUL);
  const fitError = (statuses: Map<string, Status>): PostFilterOutcome => ({
    nominatedNodeName: '',
    status: unschedulable(
      fitErrorMessage(all.length, { nodeToStatus: statuses, absentNodesStatus: notHelpful, unschedulablePlugins: new Set(), preFilterMsg: '', postFilterMsg: '' }),
    ),
  });
  if (potential.length === 0) return fitError(new Map());

  // DryRunPreemption: from a random offset, until enough candidates (all of them in a small cluster).
  const want = numCandidates(potential.length);
  const offset = Math.floor(random() * potential.length) % potential.length;
  const statuses = new Map<string, Status>();
  const candidates: Candidate[] = [];
  for (let i = 0; i < potential.length && candidates.length < want; i++) {
    const ni = potential[(offset + i) % potential.length]!;
    // TODO(pdb): pass "evicting this pod violates a PodDisruptionBudget" once policy/v1 PDBs are served
    // (upstream filterPodsWithPDBViolation); until then every victim counts as non-violating.
    const r = selectVictimsOnNode(state, pod, ni, handle, now);
    if (isSuccess(r.status) && r.victims.length > 0) {
      candidates.push({ name: ni.name, victims: r.victims, numPDBViolations: r.numPDBViolations });
      continue;
    }
    const st = isSuccess(r.status) ? errorStatus(`expected at least one victim pod on node "${ni.name}"`) : r.status;
    if (st.code === 'Error') return { status: st };
    statuses.set(ni.name, st);
  }
  const best = pickOneNodeForPreemption(candidates, now);
  if (!best) return fitError(statuses);
  return { status: success(), nominatedNodeName: best.name, victims: best.victims };
}
