/**
 * CronJob schedules, parsed with the croner package (maintained, no dependencies, IANA time zones through
 * Intl, the @-macros, and Vixie cron's rule that a restricted day-of-month OR day-of-week matches, as
 * robfig/cron does). Upstream's API server refuses what robfig/cron's ParseStandard refuses
 * (api/strategies/cron-schedule.ts), so croner only ever sees five fields or a macro here.
 */
import { Cron } from 'croner';
import { KubeError } from '../../../api/errors.js';

/** A parsed schedule: the first activation strictly after a time (ms since the epoch). */
export interface Schedule {
  next(afterMs: number): number | undefined;
}

/** Parse `schedule` in `timeZone` (the controller manager's own zone when unset, as upstream). Throws on a bad one. */
export function parseSchedule(schedule: string, timeZone?: string): Schedule {
  const spec = schedule.trim();
  if (/^(CRON_)?TZ=/.test(spec)) throw new KubeError('Invalid', `TZ and CRON_TZ are not supported in schedule: ${spec}`);
  if (spec.startsWith('@every')) throw new KubeError('Invalid', `@every schedules are not supported: ${spec}`);
  let cron: Cron;
  try {
    cron = new Cron(spec, { paused: true, ...(timeZone ? { timezone: timeZone } : {}) });
    cron.nextRun(new Date(0)); // a bad time zone throws on first use
  } catch (e) {
    throw new KubeError('Invalid', (e as Error).message);
  }
  return {
    next(afterMs) {
      const d = cron.nextRun(new Date(afterMs));
      return d ? d.getTime() : undefined;
    },
  };
}
