/**
 * Label selectors, as k8s.io/apimachinery/pkg/labels and metav1's LabelSelector helpers (v0.32):
 * - `parseLabelSelector('a=b,c!=d,e in (x,y),f notin (z),g,!h')` — the string form of `?labelSelector=`
 *   and `kubectl -l`; parse errors are KubeError BadRequest with upstream's message
 *   (e.g. `unable to parse requirement: <nil>: Invalid value: "a b": name part must consist of ...`);
 * - `labelSelectorToSelector({matchLabels, matchExpressions})` — metav1.LabelSelectorAsSelector:
 *   null/undefined matches nothing, `{}` matches everything;
 * - `formatLabelSelector(sel)` — metav1.FormatLabelSelector (`<none>` when empty);
 * - `labelKeyErrors` / `labelValueErrors` — validation.IsQualifiedName / IsValidLabelValue.
 */
import { KubeError } from './errors.js';

/** selection.Operator values. */
export type LabelOperator = '!' | '=' | '==' | 'in' | '!=' | 'notin' | 'exists' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** As given (the parser gives them sorted and de-duplicated, as upstream's sets.String). */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | undefined | null;

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[] | null;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

// ---------------------------------------------------------------------------------------------
// Validation (k8s.io/apimachinery/pkg/util/validation, v0.32 wording)

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX = 63;
const QUALIFIED_NAME_RE = new RegExp('^' + QUALIFIED_NAME_FMT + '$');
const LABEL_VALUE_FMT = '(' + QUALIFIED_NAME_FMT + ')?';
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MAX = 63;
const LABEL_VALUE_RE = new RegExp('^' + LABEL_VALUE_FMT + '$');
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + '(\\.' + DNS1123_LABEL_FMT + ')*';
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MAX = 253;
const DNS1123_SUBDOMAIN_RE = new RegExp('^' + DNS1123_SUBDOMAIN_FMT + '$');

function byteLen(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

export function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

export function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`;
  let out = msg + ' (e.g. ';
  examples.forEach((e, i) => {
    if (i > 0) out += ' or ';
    out += `'${e}', `;
  });
  return out + `regex used for validation is '${re}')`;
}

/** validation.IsDNS1123Subdomain: the problems, empty when valid. */
export function dns1123SubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (byteLen(v) > DNS1123_SUBDOMAIN_MAX) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  if (!DNS1123_SUBDOMAIN_RE.test(v)) errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** validation.IsQualifiedName (label keys, annotation keys): the problems, empty when valid. */
export function labelKeyErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => 'prefix part ' + m));
  } else {
    return [
      'a qualified name ' +
        regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLen(name) > QUALIFIED_NAME_MAX) errs.push('name part ' + maxLenError(QUALIFIED_NAME_MAX));
  if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push('name part ' + regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc'));
  }
  return errs;
}

/** validation.IsValidLabelValue: the problems, empty when valid. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > LABEL_VALUE_MAX) errs.push(maxLenError(LABEL_VALUE_MAX));
  if (!LABEL_VALUE_RE.test(value)) errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

export function isValidLabelKey(key: string): boolean {
  return labelKeyErrors(key).length === 0;
}

export function isValidLabelValue(value: string): boolean {
  return labelValueErrors(value).length === 0;
}

// field.Error formatting (`<field>: Invalid value: <value>: <detail>`)

function goQuote(s: string): string {
  return JSON.stringify(s);
}

function invalid(field: string, value: string | readonly string[] | null, detail: string): string {
  const v = typeof value === 'string' ? goQuote(value) : JSON.stringify(value);
  return `${field}: Invalid value: ${v}${detail ? ': ' + detail : ''}`;
}

/** utilerrors.NewAggregate(...).Error(): one message, or `[a, b]` (duplicates dropped). */
function aggregate(msgs: readonly string[]): string {
  const seen = [...new Set(msgs)];
  return seen.length === 1 ? seen[0]! : `[${seen.join(', ')}]`;
}

const BINARY_OPERATORS: readonly LabelOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const UNARY_OPERATORS: readonly LabelOperator[] = ['exists', '!'];
const VALID_OPERATORS: readonly string[] = [...BINARY_OPERATORS, ...UNARY_OPERATORS];

const GO_INT64 = /^[+-]?[0-9]+$/;
function parseInt64(s: string): bigint | undefined {
  if (!GO_INT64.test(s)) return undefined;
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
  return n;
}

/**
 * labels.NewRequirement: validate and build one requirement. `path` is the field path prefix of
 * messages (`undefined` = none, as the string parser and LabelSelectorAsSelector use).
 * Returns the error message when invalid.
 */
export function newRequirement(
  key: string,
  operator: string,
  values: readonly string[] | null | undefined,
  path?: string,
): { requirement: LabelRequirement; error?: string } {
  const errs: string[] = [];
  const child = (name: string) => (path ? `${path}.${name}` : name);
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length) errs.push(invalid(child('key'), key, keyErrs.join('; ')));
  const vals = values ?? null;
  const n = vals?.length ?? 0;
  const valuePath = child('values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (n === 0) errs.push(invalid(valuePath, vals, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (n !== 1) errs.push(invalid(valuePath, vals, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (n !== 0) errs.push(invalid(valuePath, vals, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (n !== 1) errs.push(invalid(valuePath, vals, "for 'Gt', 'Lt' operators, exactly one value is required"));
      (vals ?? []).forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(invalid(`${valuePath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
    default:
      errs.push(
        `${child('operator')}: Unsupported value: ${goQuote(operator)}: supported values: ${VALID_OPERATORS.map(goQuote).join(', ')}`,
      );
  }
  (vals ?? []).forEach((v, i) => {
    const ve = labelValueErrors(v);
    if (ve.length) errs.push(invalid(`${valuePath}[${i}][${key}]`, v, ve.join('; ')));
  });
  const requirement: LabelRequirement = { key, operator: operator as LabelOperator, values: [...(vals ?? [])] };
  return errs.length ? { requirement, error: aggregate(errs) } : { requirement };
}

function requirementMatches(r: LabelRequirement, ls: Labels): boolean {
  const has = !!ls && Object.prototype.hasOwnProperty.call(ls, r.key);
  const val = has ? ls![r.key]! : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(val!);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(val!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has) return false;
      const lv = parseInt64(val!);
      if (lv === undefined || r.values.length !== 1) return false;
      const rv = parseInt64(r.values[0]!);
      if (rv === undefined) return false;
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
    default:
      return false;
  }
}

/** Requirement.String(). */
export function requirementString(r: LabelRequirement): string {
  let s = r.operator === '!' ? '!' + r.key : r.key;
  switch (r.operator) {
    case '=':
      s += '=';
      break;
    case '==':
      s += '==';
      break;
    case '!=':
      s += '!=';
      break;
    case 'in':
      s += ' in ';
      break;
    case 'notin':
      s += ' notin ';
      break;
    case 'gt':
      s += '>';
      break;
    case 'lt':
      s += '<';
      break;
    case 'exists':
    case '!':
      return s;
  }
  const open = r.operator === 'in' || r.operator === 'notin';
  if (open) s += '(';
  s += r.values.length === 1 ? r.values[0] : [...r.values].sort(byteCompare).join(',');
  if (open) s += ')';
  return s;
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A parsed label selector (labels.Selector). Immutable. */
export class LabelSelector {
  private constructor(
    /** Sorted by key. Undefined for the "nothing" selector. */
    private readonly reqs: readonly LabelRequirement[] | undefined,
  ) {}

  /** Matches everything (labels.Everything()). */
  static everything(): LabelSelector {
    return new LabelSelector([]);
  }

  /** Matches nothing (labels.Nothing()). */
  static nothing(): LabelSelector {
    return new LabelSelector(undefined);
  }

  /** From requirements (labels.NewSelector().Add(...)): sorted by key, stably. */
  static fromRequirements(reqs: readonly LabelRequirement[]): LabelSelector {
    return new LabelSelector([...reqs].sort((a, b) => byteCompare(a.key, b.key)));
  }

  matches(labels: Labels): boolean {
    if (!this.reqs) return false;
    return this.reqs.every((r) => requirementMatches(r, labels));
  }

  /** True when it restricts nothing (Everything). The nothing selector is not empty. */
  get empty(): boolean {
    return this.reqs !== undefined && this.reqs.length === 0;
  }

  /** True for labels.Nothing(). */
  get matchesNothing(): boolean {
    return this.reqs === undefined;
  }

  get requirements(): readonly LabelRequirement[] {
    return this.reqs ?? [];
  }

  /** The value `key` must equal for a match (=, ==, or `in` with one value), if any. */
  requiresExactMatch(key: string): string | undefined {
    for (const r of this.reqs ?? []) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
      return undefined;
    }
    return undefined;
  }

  /** A new selector with more requirements. */
  add(...reqs: LabelRequirement[]): LabelSelector {
    if (!this.reqs) return this;
    return LabelSelector.fromRequirements([...this.reqs, ...reqs]);
  }

  toString(): string {
    return (this.reqs ?? []).map(requirementString).join(',');
  }
}

// ---------------------------------------------------------------------------------------------
// The string parser (labels.Parse)

const enum Tok {
  Error = 0,
  EndOfString,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const STRING_TO_TOKEN: Record<string, Tok> = {
  ')': Tok.ClosedPar,
  ',': Tok.Comma,
  '!': Tok.DoesNotExist,
  '==': Tok.DoubleEquals,
  '=': Tok.Equals,
  '>': Tok.GreaterThan,
  in: Tok.In,
  '<': Tok.LessThan,
  '!=': Tok.NotEquals,
  notin: Tok.NotIn,
  '(': Tok.OpenPar,
};

function tokenOf(s: string): Tok | undefined {
  return Object.prototype.hasOwnProperty.call(STRING_TO_TOKEN, s) ? STRING_TO_TOKEN[s] : undefined;
}

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string) => '=!(),><'.includes(ch) && ch.length === 1;

interface Item {
  tok: Tok;
  lit: string;
}

function lex(s: string): Item[] {
  let pos = 0;
  const read = (): string => (pos < s.length ? s[pos++]! : '');
  const items: Item[] = [];
  for (;;) {
    let ch = read();
    while (ch !== '' && isWhitespace(ch)) ch = read();
    if (ch === '') {
      items.push({ tok: Tok.EndOfString, lit: '' });
      return items;
    }
    pos--;
    if (isSpecialSymbol(ch)) {
      let buf = '';
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === '') break;
        if (isSpecialSymbol(c)) {
          buf += c;
          const t = tokenOf(buf);
          if (t !== undefined) last = { tok: t, lit: buf };
          else if (last) {
            pos--;
            break;
          }
        } else {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buf}'` });
    } else {
      let buf = '';
      for (;;) {
        const c = read();
        if (c === '') break;
        if (isSpecialSymbol(c) || isWhitespace(c)) {
          pos--;
          break;
        }
        buf += c;
      }
      items.push({ tok: tokenOf(buf) ?? Tok.Identifier, lit: buf });
    }
  }
}

/** A selector string that does not parse; parseLabelRequirements turns it into a BadRequest. */
class ParseError extends KubeError {
  constructor(message: string) {
    super('BadRequest', message, { code: 'ERR_INVALID_SELECTOR' });
    this.name = 'ParseError';
  }
}

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  private lookahead(values: boolean): Item {
    const it = this.items[this.position]!;
    return values && (it.tok === Tok.In || it.tok === Tok.NotIn) ? { tok: Tok.Identifier, lit: it.lit } : it;
  }

  private consume(values: boolean): Item {
    const it = this.lookahead(values);
    this.position++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      if (tok === Tok.Identifier || tok === Tok.DoesNotExist) {
        let r: LabelRequirement;
        try {
          r = this.parseRequirement();
        } catch (e) {
          if (e instanceof ParseError) throw new ParseError(`unable to parse requirement: ${e.message}`);
          throw e;
        }
        reqs.push(r);
        const t = this.consume(true);
        if (t.tok === Tok.EndOfString) return reqs;
        if (t.tok === Tok.Comma) {
          const t2 = this.lookahead(true);
          if (t2.tok !== Tok.Identifier && t2.tok !== Tok.DoesNotExist) {
            throw new ParseError(`found '${t2.lit}', expected: identifier after ','`);
          }
        } else {
          throw new ParseError(`found '${t.lit}', expected: ',' or 'end of string'`);
        }
      } else if (tok === Tok.EndOfString) {
        return reqs;
      } else {
        throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, op } = this.parseKeyAndInferOperator();
    if (op === 'exists' || op === '!') return this.build(key, op, []);
    const operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return this.build(key, operator, [...values].sort(byteCompare));
  }

  private build(key: string, op: LabelOperator, values: string[]): LabelRequirement {
    const { requirement, error } = newRequirement(key, op, values);
    if (error) throw new ParseError(error);
    return requirement;
  }

  private parseKeyAndInferOperator(): { key: string; op: LabelOperator | undefined } {
    let op: LabelOperator | undefined;
    let it = this.consume(true);
    if (it.tok === Tok.DoesNotExist) {
      op = '!';
      it = this.consume(true);
    }
    if (it.tok !== Tok.Identifier) throw new ParseError(`found '${it.lit}', expected: identifier`);
    const errs = labelKeyErrors(it.lit);
    if (errs.length) throw new ParseError(invalid('<nil>', it.lit, errs.join('; ')));
    const next = this.lookahead(true).tok;
    if ((next === Tok.EndOfString || next === Tok.Comma) && op !== '!') op = 'exists';
    return { key: it.lit, op };
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case Tok.In:
        return 'in';
      case Tok.Equals:
        return '=';
      case Tok.DoubleEquals:
        return '==';
      case Tok.GreaterThan:
        return 'gt';
      case Tok.LessThan:
        return 'lt';
      case Tok.NotIn:
        return 'notin';
      case Tok.NotEquals:
        return '!=';
      default:
        throw new ParseError(`found '${lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume(true);
    if (open.tok !== Tok.OpenPar) throw new ParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    if (tok === Tok.Identifier || tok === Tok.Comma) {
      const s = this.parseIdentifiersList();
      if (this.consume(true).tok !== Tok.ClosedPar) throw new ParseError(`found '${lit}', expected: ')'`);
      return s;
    }
    if (tok === Tok.ClosedPar) {
      this.consume(true);
      return new Set(['']);
    }
    throw new ParseError(`found '${lit}', expected: ',', ')' or identifier`);
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === Tok.Identifier) {
        s.add(lit);
        const t2 = this.lookahead(true);
        if (t2.tok === Tok.Comma) continue;
        if (t2.tok === Tok.ClosedPar) return s;
        throw new ParseError(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (tok === Tok.Comma) {
        if (s.size === 0) s.add('');
        const t2 = this.lookahead(true).tok;
        if (t2 === Tok.ClosedPar) {
          s.add('');
          return s;
        }
        if (t2 === Tok.Comma) s.add('');
      } else {
        throw new ParseError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const t = this.lookahead(true).tok;
    if (t === Tok.EndOfString || t === Tok.Comma) return new Set(['']);
    const { tok, lit } = this.consume(true);
    if (tok === Tok.Identifier) return new Set([lit]);
    throw new ParseError(`found '${lit}', expected: identifier`);
  }
}

/** labels.ParseToRequirements: the requirements in the string's order. Throws KubeError BadRequest. */
export function parseLabelRequirements(selector: string): LabelRequirement[] {
  try {
    return new Parser(lex(selector)).parse();
  } catch (e) {
    if (e instanceof ParseError) throw new KubeError('BadRequest', e.message);
    throw e;
  }
}

/** labels.Parse: the string form into a selector (requirements sorted by key). Throws KubeError BadRequest. */
export function parseLabelSelector(selector: string): LabelSelector {
  return LabelSelector.fromRequirements(parseLabelRequirements(selector));
}

/** labels.SelectorFromSet: `k=v` for every pair; empty or missing set matches everything. */
export function selectorFromSet(set: Labels): LabelSelector {
  if (!set) return LabelSelector.everything();
  return LabelSelector.fromRequirements(Object.entries(set).map(([k, v]) => ({ key: k, operator: '=' as const, values: [v] })));
}

const EXPRESSION_OPERATORS: Record<string, LabelOperator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector: null/undefined -> nothing; no matchLabels and no matchExpressions ->
 * everything. Throws KubeError BadRequest (upstream returns a plain error) when invalid.
 */
export function labelSelectorToSelector(sel: LabelSelectorSpec | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return LabelSelector.nothing();
  const ml = sel.matchLabels ?? {};
  const me = sel.matchExpressions ?? [];
  if (Object.keys(ml).length + me.length === 0) return LabelSelector.everything();
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(ml)) {
    const { requirement, error } = newRequirement(k, '=', [v]);
    if (error) throw new KubeError('BadRequest', error);
    reqs.push(requirement);
  }
  for (const expr of me) {
    const op = Object.prototype.hasOwnProperty.call(EXPRESSION_OPERATORS, expr.operator)
      ? EXPRESSION_OPERATORS[expr.operator]
      : undefined;
    if (!op) throw new KubeError('BadRequest', `${goQuote(expr.operator)} is not a valid label selector operator`);
    const { requirement, error } = newRequirement(expr.key, op, expr.values && expr.values.length ? expr.values : null);
    if (error) throw new KubeError('BadRequest', error);
    reqs.push(requirement);
  }
  return LabelSelector.fromRequirements(reqs);
}

/** metav1.FormatLabelSelector: the string form, `<none>` when it is empty, `<error>` when invalid. */
export function formatLabelSelector(sel: LabelSelectorSpec | null | undefined): string {
  let s: LabelSelector;
  try {
    s = labelSelectorToSelector(sel);
  } catch {
    return '<error>';
  }
  const l = s.toString();
  return l.length === 0 ? '<none>' : l;
}

/** True when `labels` satisfy the metav1.LabelSelector (null selector: false; empty: true). */
export function labelSelectorMatches(sel: LabelSelectorSpec | null | undefined, labels: Labels): boolean {
  return labelSelectorToSelector(sel).matches(labels);
}

/**
 * metav1.ParseToLabelSelector: the string form into {matchLabels, matchExpressions}.
 * Throws KubeError BadRequest (`couldn't parse the selector string "...": ...`).
 */
export function parseToLabelSelector(selector: string): Required<LabelSelectorSpec> & {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
} {
  let reqs: LabelRequirement[];
  try {
    reqs = parseLabelRequirements(selector);
  } catch (e) {
    if (e instanceof KubeError) throw new KubeError('BadRequest', `couldn't parse the selector string "${selector}": ${e.message}`);
    throw e;
  }
  const out = { matchLabels: {} as Record<string, string>, matchExpressions: [] as LabelSelectorRequirement[] };
  const OPS: Partial<Record<LabelOperator, string>> = { in: 'In', notin: 'NotIn', exists: 'Exists', '!': 'DoesNotExist' };
  for (const r of reqs) {
    if (r.operator === '=' || r.operator === '==') {
      out.matchLabels[r.key] = r.values[0]!;
      continue;
    }
    if (r.operator === 'gt' || r.operator === 'lt') throw new KubeError('BadRequest', `"${r.operator}" isn't supported in label selectors`);
    const op = OPS[r.operator];
    if (!op) throw new KubeError('BadRequest', `"${r.operator}" is not a valid label selector operator`);
    out.matchExpressions.push({ key: r.key, operator: op, values: [...r.values].sort(byteCompare) });
  }
  return out;
}

/** metav1.LabelSelectorAsMap: only equality-style selectors convert; others throw KubeError BadRequest. */
export function labelSelectorAsMap(sel: LabelSelectorSpec | null | undefined): Record<string, string> | undefined {
  if (!sel) return undefined;
  const out: Record<string, string> = { ...(sel.matchLabels ?? {}) };
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') {
      if ((e.values ?? []).length !== 1) {
        throw new KubeError('BadRequest', `operator "In" without a single value cannot be converted into the old label selector format`);
      }
      out[e.key] = e.values![0]!;
    } else if (e.operator === 'NotIn' || e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      throw new KubeError('BadRequest', `operator "${e.operator}" cannot be converted into the old label selector format`);
    } else {
      throw new KubeError('BadRequest', `"${e.operator}" is not a valid selector operator`);
    }
  }
  return out;
}
