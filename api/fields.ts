/**
 * Field selectors, as k8s.io/apimachinery/pkg/fields: `a=b`, `a==b`, `a!=b`, comma-separated (AND).
 * In values, `\,` `\=` `\\` escape the special characters. A missing field reads as "" (upstream's
 * Fields.Get), so `spec.nodeName=` matches unscheduled pods.
 *
 * The API server checks each requirement's field against what the resource supports
 * (`field label not supported: foo`) through `requirements`; `transform` rewrites fields/values
 * (ParseAndTransformSelector).
 */
import { KubeError } from './errors.js';

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  readonly field: string;
  /** `=` for both `=` and `==` (upstream's selection.Equals), `!=` otherwise. */
  readonly operator: FieldOperator;
  readonly value: string;
}

/** Reads a field of an object; undefined means the field is not set (reads as ""). */
export type FieldGetter = (field: string) => string | undefined;

/** Fields as a plain map (fields.Set). */
export type FieldSet = Readonly<Record<string, string>>;

/** Rewrite one term; return field and value both empty to drop the term (TransformFunc). */
export type FieldTransform = (field: string, value: string) => { field: string; value: string };

/** fields.EscapeValue: escape `\`, `,` and `=` in a value. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => '\\' + c);
}

/** fields.UnescapeValue. Throws KubeError BadRequest with upstream's message. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new KubeError('BadRequest', `invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') {
      throw new KubeError('BadRequest', `invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else out += c;
  }
  if (inSlash) throw new KubeError('BadRequest', 'invalid field selector: invalid escape sequence: \\');
  return out;
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** splitTerms: split on unescaped commas, keeping escapes in the terms. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    for (const op of TERM_OPERATORS) {
      if (rest.startsWith(op)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function termString(r: FieldRequirement): string {
  return `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`;
}

/** A parsed field selector (fields.Selector). Immutable. */
export class FieldSelector {
  private constructor(private readonly reqs: readonly FieldRequirement[] | undefined) {}

  static everything(): FieldSelector {
    return new FieldSelector([]);
  }

  static nothing(): FieldSelector {
    return new FieldSelector(undefined);
  }

  static fromRequirements(reqs: readonly FieldRequirement[]): FieldSelector {
    return new FieldSelector([...reqs]);
  }

  /** True when every requirement holds for the object the getter reads. */
  matches(get: FieldGetter | FieldSet): boolean {
    if (!this.reqs) return false;
    const getter: FieldGetter = typeof get === 'function' ? get : (f) => (Object.prototype.hasOwnProperty.call(get, f) ? get[f] : undefined);
    return this.reqs.every((r) => {
      const v = getter(r.field) ?? '';
      return r.operator === '=' ? v === r.value : v !== r.value;
    });
  }

  get empty(): boolean {
    return this.reqs !== undefined && this.reqs.length === 0;
  }

  get requirements(): readonly FieldRequirement[] {
    return this.reqs ?? [];
  }

  /** The value `field` must equal, when a `field=value` term is present. */
  requiresExactMatch(field: string): string | undefined {
    for (const r of this.reqs ?? []) {
      if (r.field === field && r.operator === '=') return r.value;
    }
    return undefined;
  }

  /** Rewrite every term (e.g. field label conversion); terms mapped to empty field+value are dropped. */
  transform(fn: FieldTransform): FieldSelector {
    if (!this.reqs) return this;
    const out: FieldRequirement[] = [];
    for (const r of this.reqs) {
      const t = fn(r.field, r.value);
      if (t.field === '' && t.value === '') continue;
      out.push({ field: t.field, operator: r.operator, value: t.value });
    }
    return new FieldSelector(out);
  }

  toString(): string {
    return (this.reqs ?? []).map(termString).join(',');
  }
}

/** fields.ParseSelector. Terms are sorted (as upstream does). Throws KubeError BadRequest. */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort(byteCompare);
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw new KubeError('BadRequest', `invalid selector: '${selector}'; can't understand '${part}'`);
    const value = unescapeFieldValue(t.rhs);
    reqs.push({ field: t.lhs, operator: t.op === '!=' ? '!=' : '=', value });
  }
  return FieldSelector.fromRequirements(reqs);
}

/** fields.SelectorFromSet: `k=v` for every pair; a missing set matches everything. */
export function fieldSelectorFromSet(set: FieldSet | undefined | null): FieldSelector {
  if (!set) return FieldSelector.everything();
  return FieldSelector.fromRequirements(Object.entries(set).map(([field, value]) => ({ field, operator: '=' as const, value })));
}

/** fields.OneTermEqualSelector. */
export function oneTermEqualSelector(field: string, value: string): FieldSelector {
  return FieldSelector.fromRequirements([{ field, operator: '=', value }]);
}
