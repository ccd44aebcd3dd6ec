/**
 * Field selector matching for the fake client: `path=value`, `path==value`, `path!=value`, comma = AND,
 * over dotted paths (`metadata.name`, `spec.nodeName`, `status.phase`). Label selectors are api/labels.ts.
 * (Upstream restricts which fields each resource supports; this does not.)
 */

/** Split on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

export interface FieldRequirement {
  path: string;
  op: 'eq' | 'neq';
  value: string;
}

export function parseFieldSelector(sel: string | undefined): FieldRequirement[] {
  if (!sel || !sel.trim()) return [];
  return splitTop(sel).map((term) => {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new Error(`invalid selector: '${term}'; can't understand '${term}'`);
    return { path: m[1]!, op: m[2] === '!=' ? 'neq' : 'eq', value: m[3]!.trim() };
  });
}

/** The string value of a dotted field path ('' when absent, as the API server's field sets). */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return String(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: unknown): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.path);
    if (r.op === 'eq' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
