/**
 * The TTL-after-finished controller's decision (pkg/controller/ttlafterfinished): a finished Job (Complete
 * or Failed) with spec.ttlSecondsAfterFinished is deleted that many seconds after it finished; until then
 * the controller looks again when the time is up.
 */
import { parseTime } from '../../../api/time.js';
import type { Job } from '../util/types.js';

export type TTLDecision = { action: 'none' } | { action: 'wait'; afterMs: number } | { action: 'delete' };

/** When the Job finished: the lastTransitionTime of its Complete or Failed condition (jobFinishTime). */
export function jobFinishTime(job: Job): number | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c ? (parseTime(c.lastTransitionTime) ?? parseTime(job.status?.completionTime)) : undefined;
}

export function decideTTL(job: Job, now: number): TTLDecision {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (typeof ttl !== 'number' || job.metadata?.deletionTimestamp) return { action: 'none' };
  const finished = jobFinishTime(job);
  if (finished === undefined) return { action: 'none' };
  const left = finished + ttl * 1000 - now;
  return left > 0 ? { action: 'wait', afterMs: left } : { action: 'delete' };
}
