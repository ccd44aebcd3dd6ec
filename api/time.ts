/**
 * metav1.Time and metav1.MicroTime on the wire: RFC 3339 in UTC, with second precision (Time) or
 * microseconds (MicroTime), as apimachinery marshals them. The one place a component turns a clock
 * reading into an API timestamp, or an API timestamp back into milliseconds.
 */

/** metav1.Time: RFC 3339 with second precision (`2024-01-02T15:04:05Z`); sub-second parts are dropped. */
export function rfc3339(t: number | Date): string {
  const ms = typeof t === 'number' ? t : t.getTime();
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime: RFC 3339 with six fractional digits (`2024-01-02T15:04:05.123000Z`). */
export function microTime(t: number | Date): string {
  return new Date(t).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Milliseconds since the epoch of an RFC 3339 time; undefined when absent, null or unparsable. */
export function parseTime(t: string | undefined | null): number | undefined {
  if (!t) return undefined;
  const v = Date.parse(t);
  return Number.isNaN(v) ? undefined : v;
}
