/**
 * The rewrite plugin's `name` rules (CoreDNS plugin/rewrite name.go): exact, prefix, suffix, substring and regex
 * matches change the question before the later plugins see it; the response gets the original question back and
 * answer records named with the rewritten name are renamed to the original one (`answer auto`), or through the
 * rule's `answer name FROM TO` regex. Pure.
 */
import type { Answer } from 'dns-packet';
import type { RewriteRule } from './config.js';
import { fqdn } from './names.js';
import { wire } from './records.js';

/** Apply one rule to a name; undefined when it does not match. */
export function applyRule(r: RewriteRule, name: string): string | undefined {
  switch (r.match) {
    case 'exact':
      return name === r.from ? r.to : undefined;
    case 'prefix':
      return name.startsWith(r.from) ? fqdn(r.to + name.slice(r.from.length)) : undefined;
    case 'suffix': {
      const from = fqdn(r.from);
      return name.endsWith(from) ? fqdn(name.slice(0, name.length - from.length) + fqdn(r.to)) : undefined;
    }
    case 'substring':
      return name.includes(r.from) ? fqdn(name.replace(r.from, r.to)) : undefined;
    case 'regex': {
      const m = new RegExp(r.from).exec(name);
      if (!m) return undefined;
      return fqdn(r.to.replace(/\{(\d+)\}/g, (_s, i: string) => m[Number(i)] ?? ''));
    }
  }
}

export interface Rewritten {
  name: string;
  /** The rules that applied (for the answer rewrite). */
  applied: RewriteRule[];
}

/** Run the rules in order: a match with `stop` (the default) ends the list, `continue` goes on with the new name. */
export function rewriteName(rules: readonly RewriteRule[], name: string): Rewritten {
  let cur = name;
  const applied: RewriteRule[] = [];
  for (const r of rules) {
    const n = applyRule(r, cur);
    if (n === undefined) continue;
    applied.push(r);
    cur = n;
    if (r.mode === 'stop') break;
  }
  return { name: cur, applied };
}

/** Rename answer records after a rewrite: the rewritten name back to the original, or each rule's answer regex. */
export function reverseAnswers(records: Answer[], original: string, rewritten: string, applied: RewriteRule[]): Answer[] {
  const from = wire(rewritten).toLowerCase();
  return records.map((rr) => {
    let name = rr.name;
    if (name.toLowerCase() === from) name = wire(original);
    for (const r of applied) {
      if (!r.answer) continue;
      const m = new RegExp(r.answer.from).exec(fqdn(name));
      if (m) name = wire(fqdn(r.answer.to.replace(/\{(\d+)\}/g, (_s, i: string) => m[Number(i)] ?? '')));
    }
    return name === rr.name ? rr : { ...rr, name };
  });
}
