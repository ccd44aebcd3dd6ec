/**
 * PodTopologySpread. Filter: explicit DoNotSchedule constraints (skew <= maxSkew).
 * Score: ScheduleAnyway constraints, or, for a pod without constraints, upstream's system
 * default constraints (hostname maxSkew 3, zone maxSkew 5) over the pod's default selector
 * (its Services, ReplicaSet, ReplicationController, StatefulSet), so a ReplicaSet's pods
 * spread evenly over equal nodes.
 */
import {
  type CycleState,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type NodeInfo,
  type NodeScore,
  type PodInfo,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  type Snapshot,
  type Status,
  errorStatus,
  skip,
  success,
  unresolvable,
  unschedulable,
} from '../framework.js';
import {
  type Requirement,
  type Selector,
  addRequirements,
  isEmptySelector,
  labelSelectorAsSelector,
  selectorFromSet,
  selectorMatches,
} from '../selectors.js';
import type { SchedLabelSelector, SchedNode, SchedPod } from '../types.js';
import { POD_TOPOLOGY_SPREAD } from './names.js';
import { type RequiredNodeAffinity, getRequiredNodeAffinity, requiredNodeAffinityMatches } from './node-affinity.js';
import { tolerationsTolerateTaint } from '../../../api/taints.js';

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + ' (missing required label)';

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  selector: Selector;
  minDomains: number;
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/** upstream systemDefaultConstraints (defaultingType: System). */
export const SYSTEM_DEFAULT_CONSTRAINTS: ReadonlyArray<Pick<TopologySpreadConstraint, 'maxSkew' | 'topologyKey' | 'whenUnsatisfiable'>> = [
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: LABEL_ZONE, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

// ---------------------------------------------------------------------------------------------
// Default selector (upstream helper.DefaultSelector)

function selectorObjectToSelector(sel: SchedLabelSelector | Record<string, string> | null | undefined): Selector | null {
  if (!sel) return null;
  if ('matchLabels' in sel || 'matchExpressions' in sel) return labelSelectorAsSelector(sel as SchedLabelSelector);
  return selectorFromSet(sel as Record<string, string>);
}

/**
 * The selector of the pod's "siblings": the merged selectors of the Services selecting it, plus
 * its controller's (ReplicaSet / StatefulSet: LabelSelector; ReplicationController: map).
 */
export function defaultSelector(pod: SchedPod, snapshot: Pick<Snapshot, 'services' | 'controllers'>): Selector {
  const ns = pod.metadata.namespace ?? 'default';
  const set: Record<string, string> = {};
  for (const svc of snapshot.services) {
    if ((svc.metadata.namespace ?? 'default') !== ns) continue;
    const sel = svc.spec?.selector;
    if (!sel || Object.keys(sel).length === 0) continue;
    if (!selectorMatches(selectorFromSet(sel), pod.metadata.labels)) continue;
    Object.assign(set, sel);
  }
  let selector = selectorFromSet(set);
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller === true);
  if (!owner) return selector;
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
  const known =
    (group === '' && owner.kind === 'ReplicationController') ||
    (group === 'apps' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet'));
  if (!known) return selector;
  const ctrl = snapshot.controllers.get(`${owner.kind}/${ns}/${owner.name}`);
  if (!ctrl) return selector;
  try {
    if (owner.kind === 'ReplicationController') {
      const rcSel = ctrl.spec?.selector as Record<string, string> | undefined;
      selector = selectorFromSet({ ...set, ...(rcSel ?? {}) });
    } else {
      const other = selectorObjectToSelector(ctrl.spec?.selector);
      if (other && !other.matchesNothing) selector = addRequirements(selector, other.requirements);
    }
  } catch {
    // an invalid selector adds nothing, as upstream
  }
  return selector;
}

// ---------------------------------------------------------------------------------------------
// Constraints

function toConstraint(
  c: NonNullable<SchedPod['spec']['topologySpreadConstraints']>[number],
  pod: SchedPod,
): TopologySpreadConstraint {
  let selector = labelSelectorAsSelector(c.labelSelector);
  if (c.matchLabelKeys && c.matchLabelKeys.length > 0 && !selector.matchesNothing) {
    const extra: Requirement[] = [];
    for (const k of c.matchLabelKeys) {
      const v = pod.metadata.labels?.[k];
      if (v !== undefined) extra.push({ key: k, operator: '=', values: [v] }) // mergeLabelSetWithSelector: SelectorFromSet's Equals;
    }
    selector = addRequirements(selector, extra);
  }
  const anyC = c as unknown as { nodeAffinityPolicy?: string; nodeTaintsPolicy?: string };
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    whenUnsatisfiable: c.whenUnsatisfiable === 'DoNotSchedule' ? 'DoNotSchedule' : 'ScheduleAnyway',
    selector,
    minDomains: c.minDomains ?? 1,
    nodeAffinityPolicy: anyC.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
    nodeTaintsPolicy: anyC.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
  };
}

/**
 * The constraints of one kind (DoNotSchedule for Filter, ScheduleAnyway for Score): the pod's own
 * if it has any, else the system defaults over the default selector (none if that selector is empty).
 */
export function getConstraints(
  pod: SchedPod,
  action: 'DoNotSchedule' | 'ScheduleAnyway',
  snapshot: Pick<Snapshot, 'services' | 'controllers'>,
): TopologySpreadConstraint[] {
  const own = pod.spec.topologySpreadConstraints ?? [];
  if (own.length > 0) return own.filter((c) => (c.whenUnsatisfiable ?? 'DoNotSchedule') === action).map((c) => toConstraint(c, pod));
  const defaults = SYSTEM_DEFAULT_CONSTRAINTS.filter((c) => c.whenUnsatisfiable === action);
  if (defaults.length === 0) return [];
  const selector = defaultSelector(pod, snapshot);
  if (isEmptySelector(selector)) return [];
  return defaults.map((c) => ({ ...c, selector, minDomains: 1, nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore' }));
}

/** upstream countPodsMatchSelector: same namespace, not terminating; an empty selector counts nothing. */
export function countPodsMatchSelector(pods: readonly PodInfo[], selector: Selector, namespace: string): number {
  if (isEmptySelector(selector) || selector.matchesNothing) return 0;
  let n = 0;
  for (const p of pods) {
    const m = p.pod.metadata;
    if (m.deletionTimestamp || (m.namespace ?? 'default') !== namespace) continue;
    if (selectorMatches(selector, m.labels)) n++;
  }
  return n;
}

/**
 * Matching pods on one node, memoized per (node generation, selector, namespace): from one cycle
 * to the next only the nodes that changed are counted again.
 */
const countMemo = new WeakMap<NodeInfo, Map<string, { generation: number; count: number }>>();

export function selectorSignature(selector: Selector, namespace: string): string {
  return `${namespace}|${selector.matchesNothing ? '!' : ''}${JSON.stringify(selector.requirements)}`;
}

export function countOnNode(ni: NodeInfo, selector: Selector, namespace: string, signature: string): number {
  let m = countMemo.get(ni);
  if (!m) countMemo.set(ni, (m = new Map()));
  const hit = m.get(signature);
  if (hit && hit.generation === ni.generation) return hit.count;
  const count = countPodsMatchSelector(ni.pods, selector, namespace);
  if (m.size > 64) m.clear();
  m.set(signature, { generation: ni.generation, count });
  return count;
}

function nodeHasAllKeys(node: SchedNode, constraints: readonly TopologySpreadConstraint[]): boolean {
  const labels = node.metadata.labels ?? {};
  for (const c of constraints) if (!(c.topologyKey in labels)) return false;
  return true;
}

function matchesInclusionPolicies(c: TopologySpreadConstraint, pod: SchedPod, node: SchedNode, affinity: RequiredNodeAffinity): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !requiredNodeAffinityMatches(affinity, node)) return false;
  if (c.nodeTaintsPolicy === 'Honor') {
    for (const t of node.spec?.taints ?? []) {
      if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerationsTolerateTaint(pod.spec.tolerations, t)) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Filter state

export interface PreFilterState {
  constraints: TopologySpreadConstraint[];
  /** Per constraint: topology value -> matching pods. */
  tpValueToMatchNum: Map<string, number>[];
}

export function computePreFilterState(pod: SchedPod, snapshot: Snapshot): PreFilterState {
  const constraints = getConstraints(pod, 'DoNotSchedule', snapshot);
  const tpValueToMatchNum = constraints.map(() => new Map<string, number>());
  if (constraints.length === 0) return { constraints, tpValueToMatchNum };
  const affinity = getRequiredNodeAffinity(pod);
  const ns = pod.metadata.namespace ?? 'default';
  for (const ni of snapshot.nodeInfos) {
    const node = ni.node;
    if (!nodeHasAllKeys(node, constraints)) continue;
    constraints.forEach((c, i) => {
      if (!matchesInclusionPolicies(c, pod, node, affinity)) return;
      const v = node.metadata.labels![c.topologyKey]!;
      const m = tpValueToMatchNum[i]!;
      m.set(v, (m.get(v) ?? 0) + countPodsMatchSelector(ni.pods, c.selector, ns));
    });
  }
  return { constraints, tpValueToMatchNum };
}

/** The lowest match count over the domains (0 if fewer domains than minDomains). */
function minMatchNum(s: PreFilterState, i: number): number {
  const m = s.tpValueToMatchNum[i]!;
  if (m.size < s.constraints[i]!.minDomains) return 0;
  let min = Infinity;
  for (const v of m.values()) if (v < min) min = v;
  return min === Infinity ? 0 : min;
}

export function topologySpreadFilter(s: PreFilterState, pod: SchedPod, node: SchedNode): Status {
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i]!;
    const tpVal = node.metadata.labels?.[c.topologyKey];
    if (tpVal === undefined) return unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
    const self = selectorMatches(c.selector, pod.metadata.labels) ? 1 : 0;
    const matchNum = s.tpValueToMatchNum[i]!.get(tpVal) ?? 0;
    const skew = matchNum + self - minMatchNum(s, i);
    if (skew > c.maxSkew) return unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
  }
  return success();
}

// ---------------------------------------------------------------------------------------------
// Score state

export interface PreScoreState {
  constraints: TopologySpreadConstraint[];
  ignoredNodes: Set<string>;
  /** topologyKey -> topology value -> matching pods, for non-hostname keys (upstream TopologyPairToPodCounts). */
  pairToPodCounts: Map<string, Map<string, number>>;
  normalizingWeight: number[];
  namespace: string;
  /** Per constraint, the memo key of its selector. */
  signatures: string[];
}

/** upstream topologyNormalizingWeight: log(size + 2), so small domains weigh less. */
export const topologyNormalizingWeight = (size: number): number => Math.log(size + 2);

/** upstream scoreForCount. */
export const scoreForCount = (cnt: number, maxSkew: number, weight: number): number => cnt * weight + (maxSkew - 1);

export function computePreScoreState(pod: SchedPod, feasible: readonly NodeInfo[], snapshot: Snapshot): PreScoreState {
  const constraints = getConstraints(pod, 'ScheduleAnyway', snapshot);
  const ns = pod.metadata.namespace ?? 'default';
  const state: PreScoreState = {
    constraints,
    ignoredNodes: new Set(),
    pairToPodCounts: new Map(),
    normalizingWeight: [],
    namespace: ns,
    signatures: constraints.map((c) => selectorSignature(c.selector, ns)),
  };
  if (constraints.length === 0) return state;
  // Nodes must carry every topology key only for the pod's own constraints: system defaults
  // still spread by hostname on nodes without a zone label.
  const requireAll = (pod.spec.topologySpreadConstraints ?? []).length > 0;
  const keyed = constraints.filter((c) => c.topologyKey !== LABEL_HOSTNAME);
  for (const c of keyed) if (!state.pairToPodCounts.has(c.topologyKey)) state.pairToPodCounts.set(c.topologyKey, new Map());
  const topoSize = constraints.map(() => 0);
  // Values that only nodes *without* the label produced ("") are never read by Score, which
  // skips such nodes: their pods are not counted (same scores as upstream, less work).
  const read = new Map<string, Set<string>>();
  for (const ni of feasible) {
    const labels = ni.node.metadata.labels ?? {};
    if (requireAll && !nodeHasAllKeys(ni.node, constraints)) {
      state.ignoredNodes.add(ni.name);
      continue;
    }
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      if (c.topologyKey === LABEL_HOSTNAME) continue;
      const v = labels[c.topologyKey];
      const counts = state.pairToPodCounts.get(c.topologyKey)!;
      if (!counts.has(v ?? '')) {
        counts.set(v ?? '', 0);
        topoSize[i]!++;
      }
      if (v !== undefined) {
        let r = read.get(c.topologyKey);
        if (!r) read.set(c.topologyKey, (r = new Set()));
        r.add(v);
      }
    }
  }
  state.normalizingWeight = constraints.map((c, i) =>
    topologyNormalizingWeight(c.topologyKey === LABEL_HOSTNAME ? feasible.length - state.ignoredNodes.size : topoSize[i]!),
  );
  if (read.size === 0) return state;
  const affinity = getRequiredNodeAffinity(pod);
  for (const ni of snapshot.nodeInfos) {
    const node = ni.node;
    if (requireAll && !nodeHasAllKeys(node, constraints)) continue;
    const labels = node.metadata.labels ?? {};
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      if (c.topologyKey === LABEL_HOSTNAME) continue;
      const v = labels[c.topologyKey];
      if (v === undefined || !read.get(c.topologyKey)?.has(v)) continue;
      if (!matchesInclusionPolicies(c, pod, node, affinity)) continue;
      const counts = state.pairToPodCounts.get(c.topologyKey)!;
      counts.set(v, counts.get(v)! + countOnNode(ni, c.selector, ns, state.signatures[i]!));
    }
  }
  return state;
}

export function topologySpreadScore(s: PreScoreState, ni: NodeInfo): number {
  if (s.ignoredNodes.size > 0 && s.ignoredNodes.has(ni.name)) return 0;
  const labels = ni.node.metadata.labels;
  if (!labels) return 0;
  let score = 0;
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i]!;
    const v = labels[c.topologyKey];
    if (v === undefined) continue;
    const cnt = c.topologyKey === LABEL_HOSTNAME
      ? countOnNode(ni, c.selector, s.namespace, s.signatures[i]!)
      : (s.pairToPodCounts.get(c.topologyKey)?.get(v) ?? 0);
    score += scoreForCount(cnt, c.maxSkew, s.normalizingWeight[i]!);
  }
  return Math.round(score);
}

/** Fewer matching pods = higher score: 100 * (max + min - s) / max; ignored nodes get 0. */
export function topologySpreadNormalize(s: PreScoreState, scores: NodeScore[]): void {
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  for (const sc of scores) {
    if (s.ignoredNodes.has(sc.name)) continue;
    if (sc.score < min) min = sc.score;
    if (sc.score > max) max = sc.score;
  }
  for (const sc of scores) {
    if (s.ignoredNodes.has(sc.name)) {
      sc.score = 0;
      continue;
    }
    if (max === 0) {
      sc.score = MAX_NODE_SCORE;
      continue;
    }
    sc.score = Math.trunc((MAX_NODE_SCORE * (max + min - sc.score)) / max);
  }
}

const FILTER_KEY = 'PreFilter' + POD_TOPOLOGY_SPREAD;
const SCORE_KEY = 'PreScore' + POD_TOPOLOGY_SPREAD;

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = POD_TOPOLOGY_SPREAD;

  preFilter(state: CycleState, pod: SchedPod, snapshot: Snapshot): PreFilterResult {
    let s: PreFilterState;
    try {
      s = computePreFilterState(pod, snapshot);
    } catch (e) {
      return { status: errorStatus((e as Error).message) };
    }
    if (s.constraints.length === 0) return { status: skip() };
    state.write(FILTER_KEY, s);
    return { status: success() };
  }

  filter(state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): Status {
    const s = state.read<PreFilterState>(FILTER_KEY);
    if (!s) return success();
    return topologySpreadFilter(s, pod, nodeInfo.node);
  }

  preScore(state: CycleState, pod: SchedPod, feasible: readonly NodeInfo[], snapshot: Snapshot): Status {
    if (feasible.length === 0) return skip();
    let s: PreScoreState;
    try {
      s = computePreScoreState(pod, feasible, snapshot);
    } catch (e) {
      return errorStatus((e as Error).message);
    }
    if (s.constraints.length === 0) return skip();
    state.write(SCORE_KEY, s);
    return success();
  }

  score(state: CycleState, _pod: SchedPod, nodeInfo: NodeInfo): number {
    const s = state.read<PreScoreState>(SCORE_KEY);
    return s ? topologySpreadScore(s, nodeInfo) : 0;
  }

  normalize(state: CycleState, _pod: SchedPod, scores: NodeScore[]): void {
    const s = state.read<PreScoreState>(SCORE_KEY);
    if (s) topologySpreadNormalize(s, scores);
  }
}
