/**
 * The CronJob controller's decisions (pkg/controller/cronjob/cronjob_controllerv2.go, 1.32) as one pure
 * function of the CronJob, the Jobs it controls, its parsed schedule and the time: the active list
 * reconciled with the Jobs, the Job to create for the most recent missed schedule (named
 * `<cronjob>-<scheduled minutes since the epoch>`), the Jobs to delete (Replace, history limits), the
 * status, the events and when to look again.
 */
import { newControllerRef } from '../../../api/owners.js';
import { parseTime, rfc3339 } from '../../../api/time.js';
import { clone } from '../../../api/values.js';
import type { CronJob, CronJobStatus, Job, ObjectReference } from '../util/types.js';
import type { Schedule } from './schedule.js';

export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** More missed start times than this is the "too many missed start times" warning. */
export const MAX_MISSED_START_TIMES = 100;
/** nextScheduleTimeDuration's small delay past the next schedule time. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export interface CronJobState {
  cronJob: CronJob;
  /** The Jobs whose controller reference is this CronJob. */
  jobs: Job[];
  /** The parsed schedule, or the parse error's message. */
  schedule: Schedule | string;
  now: number;
  /** uids of active references whose Job a live GET did not find (the cache may just lag behind a create). */
  missing?: ReadonlySet<string>;
}

export interface CronJobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface CronJobDecision {
  create?: Job;
  /** Jobs to delete with propagationPolicy Background. */
  delete: { job: Job; reason: 'replace' | 'history' }[];
  status: CronJobStatus;
  events: CronJobEvent[];
  requeueAfterMs?: number;
}

function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/** getJobName: `<cronjob>-<minutes since the epoch of the scheduled time>`. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

/** An RFC 3339 time with the offset of `timeZone` (Go's t.In(loc).Format(time.RFC3339)). */
export function rfc3339In(ms: number, timeZone: string | undefined): string {
  if (!timeZone || timeZone === 'UTC' || timeZone === 'Etc/UTC') return rfc3339(ms);
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const v = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  const local = Date.UTC(Number(v('year')), Number(v('month')) - 1, Number(v('day')), Number(v('hour')), Number(v('minute')), Number(v('second')));
  const offMin = Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000);
  if (offMin === 0) return `${v('year')}-${v('month')}-${v('day')}T${v('hour')}:${v('minute')}:${v('second')}Z`;
  const sign = offMin < 0 ? '-' : '+';
  const a = Math.abs(offMin);
  const off = `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
  return `${v('year')}-${v('month')}-${v('day')}T${v('hour')}:${v('minute')}:${v('second')}${off}`;
}

/**
 * mostRecentScheduleTime: the latest schedule time in (earliest, now], with how many were missed, where
 * earliest is the last schedule time (or the CronJob's creation), moved up to now - startingDeadlineSeconds.
 */
export function mostRecentScheduleTime(cj: CronJob, schedule: Schedule, now: number): { time?: number; missed: number } {
  let earliest = parseTime(cj.status?.lastScheduleTime) ?? parseTime(cj.metadata?.creationTimestamp) ?? now;
  const sds = cj.spec?.startingDeadlineSeconds;
  if (typeof sds === 'number') earliest = Math.max(earliest, now - sds * 1000);
  let t = schedule.next(earliest);
  let last: number | undefined;
  let missed = 0;
  while (t !== undefined && t <= now) {
    last = t;
    missed++;
    if (missed > 100_000) break; // a schedule of every minute over years: stop counting
    t = schedule.next(t);
  }
  return { time: last, missed };
}

/** getJobFromTemplate2: the Job for a scheduled time. */
export function jobForSchedule(cj: CronJob, scheduledMs: number): Job {
  const tpl = cj.spec?.jobTemplate ?? {};
  const annotations: Record<string, string> = { ...(tpl.metadata?.annotations ?? {}) };
  annotations[CRONJOB_SCHEDULED_TIMESTAMP] = rfc3339In(scheduledMs, cj.spec?.timeZone ?? undefined);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj.metadata?.name ?? '', scheduledMs),
      namespace: cj.metadata?.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}) },
      annotations,
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: clone(tpl.spec ?? {}),
  };
}

const refOf = (j: Job): ObjectReference => ({
  kind: 'Job',
  namespace: j.metadata?.namespace,
  name: j.metadata?.name,
  uid: j.metadata?.uid,
  apiVersion: 'batch/v1',
  resourceVersion: j.metadata?.resourceVersion,
});

/** Go's time.RFC1123Z, as the MissSchedule event prints a time (in UTC here). */
function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function decideCronJob(s: CronJobState): CronJobDecision {
  const { cronJob: cj, now } = s;
  const spec = cj.spec;
  const status: CronJobStatus = clone(cj.status ?? {});
  const out: CronJobDecision = { delete: [], status, events: [] };

  // --- the active list against the Jobs ------------------------------------------------------------------
  const byUid = new Map(s.jobs.map((j) => [j.metadata?.uid, j]));
  let active = (status.active ?? []).filter((r) => {
    if (byUid.has(r.uid) || !s.missing?.has(r.uid ?? '')) return true;
    out.events.push({ type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${r.name}` });
    return false;
  });
  for (const j of s.jobs) {
    const inActive = active.some((r) => r.uid === j.metadata?.uid);
    const done = finishedCondition(j);
    if (!inActive && !done) {
      out.events.push({ type: 'Warning', reason: 'UnexpectedJob', message: `Saw a job that the controller did not create or forgot: ${j.metadata?.name}` });
      active = [...active, refOf(j)];
    } else if (inActive && done) {
      active = active.filter((r) => r.uid !== j.metadata?.uid);
      out.events.push({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${j.metadata?.name}, condition: ${done}` });
      if (done === 'Complete') {
        const t = parseTime(j.status?.completionTime);
        const cur = parseTime(status.lastSuccessfulTime);
        if (t !== undefined && (cur === undefined || t > cur)) status.lastSuccessfulTime = j.status?.completionTime;
      }
    }
  }
  status.active = active;

  // --- history limits (cleanupFinishedJobs) --------------------------------------------------------------
  const finishedOf = (type: 'Complete' | 'Failed') =>
    s.jobs
      .filter((j) => finishedCondition(j) === type && !j.metadata?.deletionTimestamp)
      .sort((a, b) => (parseTime(a.status?.startTime) ?? 0) - (parseTime(b.status?.startTime) ?? 0));
  for (const [type, limit] of [
    ['Complete', spec?.successfulJobsHistoryLimit],
    ['Failed', spec?.failedJobsHistoryLimit],
  ] as const) {
    if (typeof limit !== 'number') continue;
    const done = finishedOf(type);
    for (const j of done.slice(0, Math.max(0, done.length - limit))) out.delete.push({ job: j, reason: 'history' });
  }

  if (cj.metadata?.deletionTimestamp) return out;
  if (typeof s.schedule === 'string') {
    out.events.push({ type: 'Warning', reason: 'UnparseableSchedule', message: `unparseable schedule: ${JSON.stringify(spec?.schedule ?? '')} : ${s.schedule}` });
    return out;
  }
  const schedule = s.schedule;
  const requeueNext = () => {
    const next = schedule.next(now);
    if (next !== undefined) out.requeueAfterMs = next - now + NEXT_SCHEDULE_DELTA_MS;
  };
  if (spec?.suspend) return out;

  const { time: scheduled, missed } = mostRecentScheduleTime(cj, schedule, now);
  if (missed > MAX_MISSED_START_TIMES) {
    out.events.push({
      type: 'Warning',
      reason: 'TooManyMissedTimes',
      message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
    });
  }
  if (scheduled === undefined) {
    requeueNext();
    return out;
  }
  const sds = spec?.startingDeadlineSeconds;
  if (typeof sds === 'number' && scheduled + sds * 1000 < now) {
    out.events.push({ type: 'Warning', reason: 'MissSchedule', message: `Missed scheduled time to start a job: ${rfc1123z(scheduled)}` });
    requeueNext();
    return out;
  }
  const name = jobNameFor(cj.metadata?.name ?? '', scheduled);
  if (active.some((r) => r.name === name) || s.jobs.some((j) => j.metadata?.name === name)) {
    requeueNext();
    return out;
  }
  const policy = spec?.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && active.length > 0) {
    out.events.push({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
    requeueNext();
    return out;
  }
  if (policy === 'Replace') {
    for (const r of active) {
      const j = byUid.get(r.uid);
      if (j) out.delete.push({ job: j, reason: 'replace' });
    }
    status.active = [];
  }
  out.create = jobForSchedule(cj, scheduled);
  status.lastScheduleTime = rfc3339(scheduled);
  requeueNext();
  return out;
}

export function cronJobStatusChanged(cj: CronJob, next: CronJobStatus): boolean {
  const norm = (x: CronJobStatus) => JSON.stringify({ a: (x.active ?? []).map((r) => r.uid), l: x.lastScheduleTime ?? null, s: x.lastSuccessfulTime ?? null });
  return norm(cj.status ?? {}) !== norm(next);
}
