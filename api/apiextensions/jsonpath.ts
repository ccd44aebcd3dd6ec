/**
 * The JSONPath of a CRD's additionalPrinterColumns, as upstream evaluates it (client-go's jsonpath over
 * `{<jsonPath>}`, missing keys allowed, the first result shown), for the subset printer columns use:
 * fields (`.spec.replicas`, `['app.kubernetes.io/name']`, escaped dots `.a\.b`), list indices (`[0]`,
 * `[-1]`), wildcards (`[*]`, `.*`) and filters (`[?(@.type=="Ready")]` with ==, !=, <, <=, >, >= against a
 * string or number, or `[?(@.field)]` for presence). Plus the cell rendering of upstream's table
 * convertor (cellForJSONValue; string columns as jsonpath prints them, Go's fmt). Pure.
 */
import { errors } from '../errors.js';
import { isPlainObject } from '../values.js';
import { translateTimestampSince } from '../strategies/printers.js';

type Literal = string | number;
export type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'filter'; path: Step[]; op?: '==' | '!=' | '<' | '<=' | '>' | '>='; value?: Literal };

/** Parse a column's jsonPath (`.status.conditions[?(@.type=="Ready")].status`); throws a 400 KubeError. */
export function parseJSONPath(path: string): Step[] {
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1).trim();
  if (p.startsWith('$')) p = p.slice(1);
  const steps: Step[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw errors.badRequest(`unrecognized column definition ${JSON.stringify(path)}: ${why}`);
  };
  while (i < p.length) {
    const c = p[i]!;
    if (c === '.') {
      i++;
      if (p[i] === '*') {
        steps.push({ kind: 'wildcard' });
        i++;
        continue;
      }
      let name = '';
      while (i < p.length && p[i] !== '.' && p[i] !== '[') {
        if (p[i] === '\\' && i + 1 < p.length) {
          name += p[i + 1];
          i += 2;
          continue;
        }
        name += p[i];
        i++;
      }
      if (name === '') {
        if (i >= p.length && steps.length === 0) break; // "." alone: the object itself
        fail('empty field name');
      }
      steps.push({ kind: 'field', name });
    } else if (c === '[') {
      const end = closingBracket(p, i);
      if (end < 0) fail('unclosed [');
      const inner = p.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'wildcard' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) steps.push(parseFilter(inner.slice(2, -1).trim(), fail));
      else fail(`unsupported [${inner}]`);
    } else {
      fail(`unexpected ${JSON.stringify(c)}`);
    }
  }
  return steps;
}

function closingBracket(p: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < p.length; i++) {
    const c = p[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

function parseFilter(expr: string, fail: (why: string) => never): Step {
  const m = /^@((?:\.[^=!<>\s]+)+)\s*(?:(==|!=|<=|>=|<|>)\s*(.+))?$/.exec(expr);
  if (!m) return fail(`unsupported filter ${expr}`);
  const path = parseJSONPath(m[1]!);
  if (!m[2]) return { kind: 'filter', path };
  const raw = m[3]!.trim();
  let value: Literal;
  if (/^'.*'$|^".*"$/.test(raw)) value = raw.slice(1, -1);
  else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
  else return fail(`unsupported filter value ${raw}`);
  return { kind: 'filter', path, op: m[2] as NonNullable<Extract<Step, { kind: 'filter' }>['op']>, value };
}

/** Every value the path reaches in `data` (missing keys give nothing). */
export function evaluateJSONPath(steps: readonly Step[], data: unknown): unknown[] {
  let cur: unknown[] = [data];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (s.kind) {
        case 'field':
          if (isPlainObject(v) && Object.prototype.hasOwnProperty.call(v, s.name)) next.push(v[s.name]);
          break;
        case 'index':
          if (Array.isArray(v)) {
            const i = s.index < 0 ? v.length + s.index : s.index;
            if (i >= 0 && i < v.length) next.push(v[i]);
          }
          break;
        case 'wildcard':
          if (Array.isArray(v)) next.push(...v);
          else if (isPlainObject(v)) next.push(...Object.keys(v).sort().map((k) => v[k]));
          break;
        case 'filter':
          if (Array.isArray(v)) next.push(...v.filter((item) => filterMatches(s, item)));
          break;
      }
    }
    cur = next;
  }
  return cur;
}

function filterMatches(s: Extract<Step, { kind: 'filter' }>, item: unknown): boolean {
  const found = evaluateJSONPath(s.path, item);
  if (!s.op) return found.length > 0 && found[0] !== null && found[0] !== undefined;
  if (found.length === 0) return false;
  const a = found[0];
  const b = s.value;
  switch (s.op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    default: {
      if (typeof a !== 'number' || typeof b !== 'number') return false;
      return s.op === '<' ? a < b : s.op === '<=' ? a <= b : s.op === '>' ? a > b : a >= b;
    }
  }
}

/** Go's fmt.Fprint of a decoded JSON value, as jsonpath prints a string column. */
export function goPrint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : String(v).replace(/e\+?(-?)(\d)$/, 'e+$1$2').replace('e+-', 'e-');
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (isPlainObject(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goPrint(v[k])}`).join(' ')}]`;
  return String(v);
}

/** One cell of a printer column (upstream's cellForJSONValue; a string column prints any value). */
export function columnCell(type: string, values: readonly unknown[], now: Date): unknown {
  if (values.length === 0) return null;
  const v = values[0];
  if (type === 'string') return v === null || v === undefined ? null : goPrint(v);
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date': {
      if (typeof v !== 'string') return null;
      return Number.isNaN(Date.parse(v)) ? '<invalid>' : translateTimestampSince(v, now);
    }
    default:
      return null;
  }
}
