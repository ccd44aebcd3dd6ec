/**
 * NodeAffinity: spec.nodeSelector and required node affinity as a Filter (terms ORed,
 * requirements ANDed; In, NotIn, Exists, DoesNotExist, Gt, Lt; matchFields metadata.name),
 * preferred node affinity as a Score (sum of matching terms' weights, normalized).
 * A PreFilter narrows the candidates to the names in `matchFields metadata.name In`.
 */
import {
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type NodeScore,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  skip,
  success,
  unresolvable,
} from '../framework.js';
import {
  type CompiledTerm,
  OBJECT_NAME_FIELD,
  type Selector,
  compileNodeSelectorTerm,
  nodeSelectorTermsMatch,
  selectorFromSet,
  selectorMatches,
  termMatches,
} from '../selectors.js';
import type { SchedNode, SchedPod } from '../types.js';
import { NODE_AFFINITY } from './names.js';
import { defaultNormalizeScore } from './normalize.js';

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

const FILTER_KEY = 'PreFilter' + NODE_AFFINITY;
const SCORE_KEY = 'PreScore' + NODE_AFFINITY;

/** upstream nodeaffinity.RequiredNodeAffinity: nodeSelector AND (any required term). */
export interface RequiredNodeAffinity {
  labelSelector: Selector | null;
  /** null = no required affinity; [] (all terms empty/invalid) matches no node. */
  terms: (CompiledTerm | null)[] | null;
}

export function getRequiredNodeAffinity(pod: SchedPod): RequiredNodeAffinity {
  const ns = pod.spec.nodeSelector;
  const req = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return {
    labelSelector: ns && Object.keys(ns).length > 0 ? selectorFromSet(ns) : null,
    terms: req ? (req.nodeSelectorTerms ?? []).map(compileNodeSelectorTerm) : null,
  };
}

export function requiredNodeAffinityMatches(r: RequiredNodeAffinity, node: SchedNode): boolean {
  if (r.labelSelector && !selectorMatches(r.labelSelector, node.metadata.labels)) return false;
  if (r.terms && !nodeSelectorTermsMatch(r.terms, node)) return false;
  return true;
}

interface WeightedTerm {
  weight: number;
  term: CompiledTerm;
}

export function preferredTerms(pod: SchedPod): WeightedTerm[] {
  const out: WeightedTerm[] = [];
  for (const p of pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (!p.weight) continue;
    const term = compileNodeSelectorTerm(p.preference ?? {});
    if (term) out.push({ weight: p.weight, term });
  }
  return out;
}

/** Sum of the weights of the preferred terms the node matches. */
export function preferredScore(terms: readonly WeightedTerm[], node: SchedNode): number {
  let s = 0;
  for (const t of terms) if (termMatches(t.term, node)) s += t.weight;
  return s;
}

/** Node names from `matchFields metadata.name In [...]`, as upstream's PreFilter: undefined = all nodes. */
export function affinityNodeNames(pod: SchedPod): Set<string> | undefined | 'conflict' {
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return undefined;
  let names: Set<string> | undefined;
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const r of t.matchFields ?? []) {
      if (r.key === OBJECT_NAME_FIELD && r.operator === 'In') {
        const s = new Set(r.values ?? []);
        termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
      }
    }
    if (!termNames) return undefined; // this term allows every node; terms are ORed
    names = names ? new Set([...names, ...termNames]) : termNames;
  }
  if (names && names.size === 0) return 'conflict';
  return names;
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NODE_AFFINITY;

  preFilter(state: CycleState, pod: SchedPod): PreFilterResult {
    const hasRequired = !!pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!hasRequired && !pod.spec.nodeSelector) return { status: skip() };
    state.write(FILTER_KEY, getRequiredNodeAffinity(pod));
    const names = affinityNodeNames(pod);
    if (names === 'conflict') return { status: unresolvable(ERR_REASON_CONFLICT) };
    return names ? { status: success(), nodeNames: names } : { status: success() };
  }

  filter(state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): Status {
    const r = state.read<RequiredNodeAffinity>(FILTER_KEY) ?? getRequiredNodeAffinity(pod);
    return requiredNodeAffinityMatches(r, nodeInfo.node) ? success() : unresolvable(ERR_REASON_POD);
  }

  preScore(state: CycleState, pod: SchedPod): Status {
    const terms = preferredTerms(pod);
    if (terms.length === 0) return skip();
    state.write(SCORE_KEY, terms);
    return success();
  }

  score(state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): number {
    const terms = state.read<WeightedTerm[]>(SCORE_KEY) ?? preferredTerms(pod);
    return preferredScore(terms, nodeInfo.node);
  }

  normalize(_state: CycleState, _pod: SchedPod, scores: NodeScore[]): void {
    defaultNormalizeScore(scores, false);
  }
}
