/**
 * CronJob schedule and time zone checks with upstream's words: the errors of robfig/cron/v3's
 * ParseStandard (five fields or an @-descriptor, ranges, steps, month and weekday names), which the API
 * server's validateScheduleFormat returns as the Invalid value's detail, and validateTimeZone's. Only
 * the validation lives here (no schedule computing: the CronJob controller uses the croner package).
 */

interface FieldBounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: FieldBounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];
export const CRON_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Go's `fmt.Sprint([]string)`: `[a b c]`. */
const goList = (xs: string[]): string => `[${xs.join(' ')}]`;

function mustParseInt(expr: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(expr)) return `failed to parse int from ${expr}: strconv.Atoi: parsing "${expr}": invalid syntax`;
  const n = Number(expr);
  if (n < 0) return `negative number (${n}) not allowed: ${expr}`;
  return n;
}

function parseIntOrName(expr: string, names: Record<string, number> | undefined): number | string {
  const named = names?.[expr.toLowerCase()];
  return named !== undefined ? named : mustParseInt(expr);
}

/** getRange: one comma-separated part of a field. An error message, or undefined. */
function rangeError(expr: string, b: FieldBounds): string | undefined {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
  } else {
    const s = parseIntOrName(lowAndHigh[0]!, b.names);
    if (typeof s === 'string') return s;
    start = s;
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) {
      const e = parseIntOrName(lowAndHigh[1]!, b.names);
      if (typeof e === 'string') return e;
      end = e;
    } else return `too many hyphens: ${expr}`;
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    const st = mustParseInt(rangeAndStep[1]!);
    if (typeof st === 'string') return st;
    step = st;
    if (single) end = b.max;
  } else if (rangeAndStep.length > 2) return `too many slashes: ${expr}`;
  if (start < b.min) return `beginning of range (${start}) below minimum (${b.min}): ${expr}`;
  if (end > b.max) return `end of range (${end}) above maximum (${b.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  if (step === 0) return `step of range should be a positive number: ${expr}`;
  return undefined;
}

function knownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** cron.ParseStandard's error for a schedule, or undefined when it parses. */
export function cronScheduleError(schedule: string): string | undefined {
  let spec = schedule.trim();
  if (spec.length === 0) return 'empty spec string';
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    const loc = spec.slice(spec.indexOf('=') + 1, i < 0 ? undefined : i);
    if (!knownTimeZone(loc)) return `provided bad location ${loc}: unknown time zone ${loc}`;
    spec = i < 0 ? '' : spec.slice(i).trim();
  }
  if (spec.startsWith('@')) {
    if (CRON_DESCRIPTORS.includes(spec)) return undefined;
    if (spec.startsWith('@every ')) {
      return /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(spec.slice(7).trim()) ? undefined : `failed to parse duration ${spec}: time: invalid duration "${spec.slice(7).trim()}"`;
    }
    return `unrecognized descriptor: ${spec}`;
  }
  const fields = spec.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: ${goList(fields)}`;
  for (let i = 0; i < 5; i++) {
    for (const part of fields[i]!.split(',')) {
      const err = rangeError(part, FIELDS[i]!);
      if (err) return err;
    }
  }
  return undefined;
}

/** validateTimeZone's detail for a timeZone, or undefined when it is a known IANA name. */
export function timeZoneError(tz: string): string | undefined {
  if (tz.length === 0) return 'timeZone must be nil or non-empty string';
  if (tz.toLowerCase() === 'local') return 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones';
  return knownTimeZone(tz) ? undefined : `unknown time zone ${tz}`;
}
