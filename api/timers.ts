/**
 * Node's timers hold at most 2^31-1 ms: a longer delay fires after 1 ms (with a TimeoutOverflowWarning). Delays
 * computed from API fields (watch timeoutSeconds, progressDeadlineSeconds, tolerationSeconds, probe periods, ...)
 * can be far longer, so every such timer goes through `boundedDelayMs`: the longest wait a timer holds instead.
 */

/** The longest delay a timer holds (~24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay a timer holds: 0..MAX_TIMER_MS (a negative or NaN delay is 0). */
export function boundedDelayMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}
