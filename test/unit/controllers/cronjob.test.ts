import { describe, expect, it } from 'vitest';
import {
  CRONJOB_SCHEDULED_TIMESTAMP,
  decideCronJob,
  jobNameFor,
  mostRecentScheduleTime,
  rfc3339In,
} from '../../../control-plane/controllers/cronjob/decide.js';
import { parseSchedule } from '../../../control-plane/controllers/cronjob/schedule.js';
import { cronScheduleError, timeZoneError } from '../../../api/strategies/cron-schedule.js';
import type { CronJob, Job } from '../../../control-plane/controllers/util/types.js';

const T = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function cj(spec: Partial<NonNullable<CronJob['spec']>> = {}, status: CronJob['status'] = {}, created = '2026-01-01T11:00:00Z'): CronJob {
  return {
    metadata: { name: 'tick', namespace: 'default', uid: 'cj-uid', creationTimestamp: created },
    spec: {
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: 'tick' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c' }] } } } },
      ...spec,
    },
    status,
  };
}

function job(name: string, opts: { done?: 'Complete' | 'Failed'; start?: string; completion?: string } = {}): Job {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: 'cj-uid', controller: true }] },
    status: {
      startTime: opts.start,
      completionTime: opts.done === 'Complete' ? opts.completion : undefined,
      conditions: opts.done ? [{ type: opts.done, status: 'True' }] : [],
    },
  };
}
const ref = (j: Job) => ({ kind: 'Job', name: j.metadata?.name, namespace: 'default', uid: j.metadata?.uid, apiVersion: 'batch/v1' });
const decide = (c: CronJob, jobs: Job[], now: string) => decideCronJob({ cronJob: c, jobs, schedule: parseSchedule(c.spec?.schedule ?? '', c.spec?.timeZone ?? undefined), now: T(now) });

describe('cron schedules: upstream (robfig/cron ParseStandard) errors', () => {
  it.each([
    ['*/1 * * * *', undefined],
    ['0 0 1 jan-dec mon-fri', undefined],
    ['@hourly', undefined],
    ['@midnight', undefined],
    ['@every 1h30m', undefined],
    ['x', 'expected exactly 5 fields, found 1: [x]'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['61 * * * *', 'end of range (61) above maximum (59): 61'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['a * * * *', 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['@sometimes', 'unrecognized descriptor: @sometimes'],
    ['', 'empty spec string'],
  ])('%j -> %s', (schedule, err) => {
    expect(cronScheduleError(schedule)).toBe(err);
  });
  it.each([
    ['Europe/Paris', undefined],
    ['UTC', undefined],
    ['Local', 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'],
    ['Mars/Base', 'unknown time zone Mars/Base'],
    ['', 'timeZone must be nil or non-empty string'],
  ])('timeZone %j -> %s', (tz, err) => {
    expect(timeZoneError(tz)).toBe(err);
  });
  it('croner agrees on the times: macros, day-of-month OR day-of-week, time zones', () => {
    expect(iso(parseSchedule('@hourly', 'UTC').next(T('2026-01-01T12:03:00Z'))!)).toBe('2026-01-01T13:00:00Z');
    expect(iso(parseSchedule('@weekly', 'UTC').next(T('2026-01-01T12:03:00Z'))!)).toBe('2026-01-04T00:00:00Z');
    expect(iso(parseSchedule('0 0 13 * 5', 'UTC').next(T('2026-01-01T12:00:00Z'))!)).toBe('2026-01-02T00:00:00Z'); // a Friday, not the 13th
    expect(iso(parseSchedule('30 2 * * *', 'America/New_York').next(T('2026-01-01T00:00:00Z'))!)).toBe('2026-01-01T07:30:00Z');
    expect(() => parseSchedule('* * * * *', 'Mars/Base')).toThrow();
  });
});

describe('decideCronJob: scheduling at a given time', () => {
  it('nothing due yet: no Job, a requeue just after the next time', () => {
    const d = decide(cj({}, {}, '2026-01-01T12:01:00Z'), [], '2026-01-01T12:03:00Z');
    expect(d.create).toBeUndefined();
    expect(d.requeueAfterMs).toBe(2 * 60_000 + 100);
  });
  it('a due time creates <cronjob>-<minutes since epoch> with the scheduled-timestamp annotation and owner', () => {
    const d = decide(cj({}, {}, '2026-01-01T12:01:00Z'), [], '2026-01-01T12:05:10Z');
    const sched = T('2026-01-01T12:05:00Z');
    expect(d.create?.metadata?.name).toBe(`tick-${sched / 60_000}`);
    expect(d.create?.metadata?.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP]).toBe('2026-01-01T12:05:00Z');
    expect(d.create?.metadata?.labels).toEqual({ app: 'tick' });
    expect(d.create?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'tick', controller: true });
    expect(d.status.lastScheduleTime).toBe('2026-01-01T12:05:00Z');
    expect(d.requeueAfterMs).toBe(T('2026-01-01T12:10:00Z') - T('2026-01-01T12:05:10Z') + 100);
  });
  it('the scheduled timestamp carries the time zone offset of spec.timeZone', () => {
    expect(rfc3339In(T('2026-01-01T12:05:00Z'), 'Europe/Paris')).toBe('2026-01-01T13:05:00+01:00');
    expect(rfc3339In(T('2026-07-01T12:05:00Z'), 'America/New_York')).toBe('2026-07-01T08:05:00-04:00');
  });
  const running = job(jobNameFor('tick', T('2026-01-01T12:00:00Z')), { start: '2026-01-01T12:00:01Z' });
  const base = () => cj({}, { lastScheduleTime: '2026-01-01T12:00:00Z', active: [ref(running)] });
  it.each([
    { policy: 'Allow', create: true, deletes: 0, active: 1, event: undefined as string | undefined },
    { policy: 'Forbid', create: false, deletes: 0, active: 1, event: 'JobAlreadyActive' as string | undefined },
    { policy: 'Replace', create: true, deletes: 1, active: 0, event: undefined as string | undefined },
  ])('concurrencyPolicy $policy with a Job still running', ({ policy, create, deletes, active, event }) => {
    const c = base();
    c.spec!.concurrencyPolicy = policy;
    const d = decide(c, [running], '2026-01-01T12:05:01Z');
    expect(!!d.create).toBe(create);
    expect(d.delete.filter((x) => x.reason === 'replace')).toHaveLength(deletes);
    // the active list before the adapter adds the Job it creates
    expect(d.status.active ?? []).toHaveLength(active);
    if (event) expect(d.events.map((e) => e.reason)).toContain(event);
  });
  it('suspend: no Job', () => {
    expect(decide(cj({ suspend: true }), [], '2026-01-01T12:05:01Z').create).toBeUndefined();
  });
  it('a finished active Job leaves the active list and sets lastSuccessfulTime', () => {
    const done = job('tick-1', { done: 'Complete', start: '2026-01-01T12:00:01Z', completion: '2026-01-01T12:00:09Z' });
    const d = decide(cj({}, { lastScheduleTime: '2026-01-01T12:00:00Z', active: [ref(done)] }), [done], '2026-01-01T12:01:00Z');
    expect(d.status.active).toEqual([]);
    expect(d.status.lastSuccessfulTime).toBe('2026-01-01T12:00:09Z');
    expect(d.events).toContainEqual({ type: 'Normal', reason: 'SawCompletedJob', message: 'Saw completed job: tick-1, condition: Complete' });
  });
});

describe('decideCronJob: missed starts and deadlines', () => {
  it('many missed times: one Job for the most recent, and the too-many-missed warning past 100', () => {
    const c = cj({ schedule: '* * * * *' }, { lastScheduleTime: '2026-01-01T10:00:00Z' });
    const d = decide(c, [], '2026-01-01T12:00:30Z');
    expect(d.create?.metadata?.name).toBe(jobNameFor('tick', T('2026-01-01T12:00:00Z')));
    expect(d.events).toContainEqual({
      type: 'Warning',
      reason: 'TooManyMissedTimes',
      message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
    });
    expect(mostRecentScheduleTime(c, parseSchedule('* * * * *'), T('2026-01-01T12:00:30Z')).missed).toBe(120);
  });
  it('startingDeadlineSeconds limits how far back missed times are counted (no warning)', () => {
    const c = cj({ schedule: '* * * * *', startingDeadlineSeconds: 200 }, { lastScheduleTime: '2026-01-01T10:00:00Z' });
    const d = decide(c, [], '2026-01-01T12:00:30Z');
    expect(d.events.map((e) => e.reason)).not.toContain('TooManyMissedTimes');
    expect(d.create).toBeDefined();
  });
  it('a start time older than startingDeadlineSeconds is not started (within it, it is)', () => {
    const c = cj({ schedule: '0 * * * *', startingDeadlineSeconds: 10 }, {}, '2026-01-01T11:30:00Z');
    const late = decideCronJob({ cronJob: { ...c, spec: { ...c.spec!, startingDeadlineSeconds: 100_000 } }, jobs: [], schedule: parseSchedule('0 * * * *'), now: T('2026-01-01T12:00:30Z') });
    expect(late.create).toBeDefined();
    // The deadline window also bounds the search: with 10 s, 12:00 is out of reach at 12:00:30.
    const d = decide(c, [], '2026-01-01T12:00:30Z');
    expect(d.create).toBeUndefined();
  });
  it('startingDeadlineSeconds: in time at 12:00:15 with 20 s, too late at 12:00:25', () => {
    const c = cj({ schedule: '0 * * * *', startingDeadlineSeconds: 20 }, {}, '2026-01-01T11:30:00Z');
    expect(decide(c, [], '2026-01-01T12:00:15Z').create).toBeDefined();
    expect(decide(c, [], '2026-01-01T12:00:25Z').create).toBeUndefined();
  });
  it('history limits delete the oldest finished Jobs beyond them', () => {
    const ok = [1, 2, 3, 4, 5].map((i) => job(`ok-${i}`, { done: 'Complete', start: `2026-01-01T1${i}:00:00Z` }));
    const bad = [1, 2].map((i) => job(`bad-${i}`, { done: 'Failed', start: `2026-01-01T1${i}:00:00Z` }));
    const d = decide(cj({ suspend: true }), [...ok, ...bad], '2026-01-01T19:00:00Z');
    expect(d.delete.map((x) => x.job.metadata?.name)).toEqual(['ok-1', 'ok-2', 'bad-1']);
  });
  it('an unparseable schedule is an event, not a crash', () => {
    const d = decideCronJob({ cronJob: cj(), jobs: [], schedule: 'bad', now: T('2026-01-01T12:00:00Z') });
    expect(d.events[0]?.reason).toBe('UnparseableSchedule');
  });
});
