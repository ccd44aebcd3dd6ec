/**
 * Selector matching the scheduler needs, over plain objects:
 * - metav1.LabelSelector (matchLabels + matchExpressions In/NotIn/Exists/DoesNotExist),
 * - v1.NodeSelector terms (adds Gt/Lt and matchFields on metadata.name), ORed terms of ANDed requirements.
 * Compiled once per pod per cycle, then matched against many nodes/pods.
 */
import { KubeError } from '../../api/errors.js';
import type {
  SchedLabelSelector,
  SchedNode,
  SchedNodeSelectorRequirement,
  SchedNodeSelectorTerm,
} from './types.js';

const invalidSelector = (message: string): KubeError => new KubeError('BadRequest', message, { code: 'ERR_INVALID_SELECTOR' });

export type Labels = Record<string, string> | undefined;

export interface Requirement {
  key: string;
  op: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values: string[];
}

/** A compiled label selector. `nothing` matches no object (a nil selector); no requirements matches all. */
export interface Selector {
  readonly requirements: readonly Requirement[];
  readonly nothing: boolean;
}

export const EVERYTHING: Selector = Object.freeze({ requirements: [], nothing: false });
export const NOTHING: Selector = Object.freeze({ requirements: [], nothing: true });

/** upstream Selector.Empty(): matches everything (no requirements). */
export const isEmptySelector = (s: Selector): boolean => !s.nothing && s.requirements.length === 0;

function reqMatches(r: Requirement, labels: Labels): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels![r.key]! : '';
  switch (r.op) {
    case 'In':
      return has && r.values.includes(v);
    case 'NotIn':
      return !has || !r.values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || !/^-?\d+$/.test(v) || r.values.length !== 1 || !/^-?\d+$/.test(r.values[0]!)) return false;
      const a = BigInt(v);
      const b = BigInt(r.values[0]!);
      return r.op === 'Gt' ? a > b : a < b;
    }
  }
}

export function selectorMatches(s: Selector, labels: Labels): boolean {
  if (s.nothing) return false;
  for (const r of s.requirements) if (!reqMatches(r, labels)) return false;
  return true;
}

/** metav1.LabelSelectorAsSelector: nil -> Nothing, {} -> Everything. Throws on an invalid operator. */
export function labelSelectorAsSelector(ls: SchedLabelSelector | null | undefined): Selector {
  if (ls === null || ls === undefined) return NOTHING;
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push({ key: k, op: 'In', values: [v] });
  for (const e of ls.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (!e.values || e.values.length === 0) throw invalidSelector(`values: Required value: for 'in', 'notin' operators, values set can't be empty`);
        reqs.push({ key: e.key, op: e.operator, values: [...e.values] });
        break;
      case 'Exists':
      case 'DoesNotExist':
        reqs.push({ key: e.key, op: e.operator, values: [] });
        break;
      default:
        throw invalidSelector(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return { requirements: reqs, nothing: false };
}

/** labels.SelectorFromSet: every key equal. */
export function selectorFromSet(set: Record<string, string> | null | undefined): Selector {
  return { requirements: Object.entries(set ?? {}).map(([key, v]) => ({ key, op: 'In' as const, values: [v] })), nothing: false };
}

export function addRequirements(s: Selector, reqs: readonly Requirement[]): Selector {
  return { requirements: [...s.requirements, ...reqs], nothing: s.nothing };
}

// ---------------------------------------------------------------------------------------------
// Node selectors (v1.NodeSelectorTerm)

export const OBJECT_NAME_FIELD = 'metadata.name';

/** One compiled NodeSelectorTerm: ANDed label requirements and metadata.name field requirements. */
export interface CompiledTerm {
  labels: Requirement[];
  fields: Requirement[];
}

function compileNodeReq(r: SchedNodeSelectorRequirement): Requirement {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) throw invalidSelector(`values set can't be empty for ${r.operator}`);
      return { key: r.key, op: r.operator, values: [...values] };
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) throw invalidSelector(`values set must be empty for ${r.operator}`);
      return { key: r.key, op: r.operator, values: [] };
    case 'Gt':
    case 'Lt':
      if (values.length !== 1 || !/^-?\d+$/.test(values[0]!)) throw invalidSelector(`for 'Gt', 'Lt' operators, exactly one integer value is required`);
      return { key: r.key, op: r.operator, values: [...values] };
    default:
      throw invalidSelector(`"${r.operator}" is not a valid node selector operator`);
  }
}

function compileFieldReq(r: SchedNodeSelectorRequirement): Requirement {
  const values = r.values ?? [];
  if ((r.operator === 'In' || r.operator === 'NotIn') && values.length === 1) {
    return { key: r.key, op: r.operator, values: [values[0]!] };
  }
  throw invalidSelector(`invalid field selector requirement ${r.key} ${r.operator} ${JSON.stringify(values)}`);
}

/** Compile a term; null if it is empty (matches nothing) or invalid (ignored, as upstream's lazy errors). */
export function compileNodeSelectorTerm(t: SchedNodeSelectorTerm): CompiledTerm | null {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return null;
  try {
    return { labels: exprs.map(compileNodeReq), fields: fields.map(compileFieldReq) };
  } catch {
    return null;
  }
}

export function termMatches(t: CompiledTerm, node: SchedNode): boolean {
  const labels = node.metadata.labels;
  for (const r of t.labels) if (!reqMatches(r, labels)) return false;
  if (t.fields.length > 0) {
    const fieldSet = { [OBJECT_NAME_FIELD]: node.metadata.name ?? '' };
    for (const r of t.fields) if (!reqMatches(r, fieldSet)) return false;
  }
  return true;
}

/** ORed terms: a node matches if any (valid, non-empty) term matches. */
export function nodeSelectorTermsMatch(terms: readonly (CompiledTerm | null)[], node: SchedNode): boolean {
  for (const t of terms) if (t && termMatches(t, node)) return true;
  return false;
}
