/**
 * Completion indexes of Indexed Jobs (pkg/controller/job/indexed_job_utils.go and success_policy.go, 1.32):
 * upstream's compressed interval text ("1,3-5,7", used by status.completedIndexes, status.failedIndexes and
 * a successPolicy rule's succeededIndexes) and the successPolicy match. Pure functions.
 */
import type { Job } from '../util/types.js';

/** One closed interval of indexes. */
export interface Interval {
  first: number;
  last: number;
}

/** "1,3-5,7": upstream's orderedIntervals.String() (two neighbours are written "1,2", three or more "1-3"). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (j - i >= 2) out.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k++) out.push(String(sorted[k]));
    i = j + 1;
  }
  return out.join(',');
}

/**
 * parseIndexesFromString: the intervals of an index text, below `completions` (an interval reaching past
 * it is cut; one starting past it ends the list); a corrupt interval is skipped.
 */
export function parseIntervals(s: string | undefined, completions = Number.MAX_SAFE_INTEGER): Interval[] {
  const out: Interval[] = [];
  if (!s) return out;
  for (const part of s.split(',')) {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    if (first >= completions) break;
    const last = Math.min(m[2] === undefined ? first : Number(m[2]), completions - 1);
    if (last < first) continue;
    const prev = out[out.length - 1];
    if (prev && prev.last === first - 1) prev.last = last;
    else out.push({ first, last });
  }
  return out;
}

/** The indexes of an index text as a set (for status texts, which hold at most `completions` indexes). */
export function parseIndexes(s: string | undefined, completions?: number): Set<number> {
  const out = new Set<number>();
  for (const { first, last } of parseIntervals(s, completions)) for (let i = first; i <= last; i++) out.add(i);
  return out;
}

const inIntervals = (intervals: Interval[], i: number): boolean => intervals.some((iv) => iv.first <= i && i <= iv.last);
const total = (intervals: Interval[]): number => intervals.reduce((n, iv) => n + iv.last - iv.first + 1, 0);

/**
 * matchSuccessPolicy: the first rule of spec.successPolicy the succeeded indexes satisfy, as upstream's
 * condition message ("Matched rules at index 0"); undefined when none does (or no index succeeded yet).
 * A rule with succeededIndexes needs all of them, or succeededCount of them; a rule with only
 * succeededCount needs that many succeeded indexes.
 */
export function matchSuccessPolicy(job: Job, succeeded: ReadonlySet<number>): string | undefined {
  const policy = job.spec?.successPolicy;
  if (!policy || succeeded.size === 0) return undefined;
  const completions = job.spec?.completions ?? 0;
  const rules = policy.rules ?? [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const count = rule.succeededCount;
    if (typeof rule.succeededIndexes === 'string') {
      const required = parseIntervals(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      let contains = 0;
      for (const s of succeeded) if (inIntervals(required, s)) contains++;
      if (contains === total(required) || (typeof count === 'number' && contains >= count)) return `Matched rules at index ${i}`;
    } else if (typeof count === 'number' && succeeded.size >= count) {
      return `Matched rules at index ${i}`;
    }
  }
  return undefined;
}
