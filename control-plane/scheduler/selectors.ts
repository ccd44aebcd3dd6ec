/**
 * The selectors the scheduler matches, all compiled by the shared layer (api/labels.ts, upstream's
 * k8s.io/apimachinery/pkg/labels): metav1.LabelSelector for topology spreading, plain maps for
 * spec.nodeSelector and Services, and v1.NodeSelector terms (component-helpers' nodeaffinity: ORed
 * terms of ANDed requirements, Gt/Lt, matchFields on metadata.name). Compiled once per pod per
 * cycle, then matched against many nodes and pods.
 */
import { KubeError, isKubeError } from '../../api/errors.js';
import {
  LabelSelector,
  type LabelOperator,
  type LabelRequirement,
  type Labels,
  labelSelectorToSelector,
  newRequirement,
  selectorFromSet as labelsSelectorFromSet,
} from '../../api/labels.js';
import type { SchedLabelSelector, SchedNode, SchedNodeSelectorRequirement, SchedNodeSelectorTerm } from './types.js';

export type { Labels };
export type Selector = LabelSelector;
export type Requirement = LabelRequirement;

export const EVERYTHING: Selector = LabelSelector.everything();
export const NOTHING: Selector = LabelSelector.nothing();

/** upstream Selector.Empty(): matches everything (no requirements). */
export const isEmptySelector = (s: Selector): boolean => s.empty;

export function selectorMatches(s: Selector, labels: Labels): boolean {
  return s.matches(labels);
}

/**
 * metav1.LabelSelectorAsSelector: nil -> Nothing, {} -> Everything. Throws a KubeError BadRequest with
 * the code ERR_INVALID_SELECTOR (and upstream's message) when the selector is invalid.
 */
export function labelSelectorAsSelector(ls: SchedLabelSelector | null | undefined): Selector {
  try {
    return labelSelectorToSelector(ls);
  } catch (e) {
    if (isKubeError(e)) throw new KubeError('BadRequest', e.message, { code: 'ERR_INVALID_SELECTOR' });
    throw e;
  }
}

/** labels.SelectorFromSet: every key equal; a missing or empty set matches everything. */
export function selectorFromSet(set: Record<string, string> | null | undefined): Selector {
  return labelsSelectorFromSet(set);
}

export function addRequirements(s: Selector, reqs: readonly Requirement[]): Selector {
  return s.add(...reqs);
}

// ---------------------------------------------------------------------------------------------
// Node selectors (v1.NodeSelectorTerm)

export const OBJECT_NAME_FIELD = 'metadata.name';

/** One compiled NodeSelectorTerm: ANDed label requirements and metadata.name field requirements. */
export interface CompiledTerm {
  labels: Selector;
  fields: Selector | null;
}

/** v1.NodeSelectorOperator -> selection.Operator (nodeSelectorRequirementsAsSelector). */
const NODE_SELECTOR_OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
  Gt: 'gt',
  Lt: 'lt',
};

const invalidSelector = (message: string): KubeError => new KubeError('BadRequest', message, { code: 'ERR_INVALID_SELECTOR' });

function compileNodeReq(r: SchedNodeSelectorRequirement): Requirement {
  const op = Object.prototype.hasOwnProperty.call(NODE_SELECTOR_OPERATORS, r.operator) ? NODE_SELECTOR_OPERATORS[r.operator] : undefined;
  if (!op) throw invalidSelector(`"${r.operator}" is not a valid node selector operator`);
  const { requirement, error } = newRequirement(r.key, op, r.values);
  if (error) throw invalidSelector(error);
  return requirement;
}

/** nodeSelectorRequirementsAsFieldSelector: only In / NotIn with one value on metadata.name. */
function compileFieldReq(r: SchedNodeSelectorRequirement): Requirement {
  const values = r.values ?? [];
  if (r.key === OBJECT_NAME_FIELD && (r.operator === 'In' || r.operator === 'NotIn') && values.length === 1) {
    return { key: r.key, operator: r.operator === 'In' ? '=' : '!=', values: [values[0]!] };
  }
  throw invalidSelector(`invalid field selector requirement ${r.key} ${r.operator} ${JSON.stringify(values)}`);
}

/** Compile a term; null if it is empty (matches nothing) or invalid (ignored, as upstream's lazy errors). */
export function compileNodeSelectorTerm(t: SchedNodeSelectorTerm): CompiledTerm | null {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return null;
  try {
    return {
      labels: LabelSelector.fromRequirements(exprs.map(compileNodeReq)),
      fields: fields.length > 0 ? LabelSelector.fromRequirements(fields.map(compileFieldReq)) : null,
    };
  } catch {
    return null;
  }
}

export function termMatches(t: CompiledTerm, node: SchedNode): boolean {
  if (!t.labels.matches(node.metadata.labels)) return false;
  return !t.fields || t.fields.matches({ [OBJECT_NAME_FIELD]: node.metadata.name ?? '' });
}

/** ORed terms: a node matches if any (valid, non-empty) term matches. */
export function nodeSelectorTermsMatch(terms: readonly (CompiledTerm | null)[], node: SchedNode): boolean {
  for (const t of terms) if (t && termMatches(t, node)) return true;
  return false;
}
