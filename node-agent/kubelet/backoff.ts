/**
 * Per-key exponential back-off with an explicit clock (pure state, no timers): upstream's
 * flowcontrol.Backoff as the kubelet uses it for CrashLoopBackOff (10 s doubling to 5 min) and
 * ImagePullBackOff. An entry idle for twice the maximum is forgotten (the delay starts over).
 */
export interface BackoffEntry {
  delayMs: number;
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, BackoffEntry>();
  constructor(readonly initialMs = 10_000, readonly maxMs = 300_000) {}

  private entry(key: string, now: number): BackoffEntry | undefined {
    const e = this.entries.get(key);
    if (e && now - e.lastUpdate > 2 * this.maxMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Current delay for key (0 when none). */
  get(key: string, now: number): number {
    return this.entry(key, now)?.delayMs ?? 0;
  }

  /** Is an event at `eventTime` (e.g. the container's finish) still inside the key's back-off window? */
  isInBackOffSince(key: string, eventTime: number, now: number): boolean {
    const e = this.entry(key, now);
    return !!e && now - eventTime < e.delayMs;
  }

  /** Milliseconds left in the window that started at eventTime (0 when none). */
  remaining(key: string, eventTime: number, now: number): number {
    const e = this.entry(key, now);
    return e ? Math.max(0, eventTime + e.delayMs - now) : 0;
  }

  /** Record one more attempt: the first gives initialMs, then double up to maxMs. */
  next(key: string, now: number): number {
    const e = this.entry(key, now);
    const delayMs = e ? Math.min(e.delayMs * 2, this.maxMs) : this.initialMs;
    this.entries.set(key, { delayMs, lastUpdate: now });
    return delayMs;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drop keys starting with prefix (a pod that is gone). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** Upstream's message: `back-off 20s restarting failed container=web pod=web-1_default(uid)`. */
export function crashLoopMessage(delayMs: number, container: string, pod: { name: string; namespace: string; uid: string }): string {
  return `back-off ${formatGoDuration(delayMs)} restarting failed container=${container} pod=${pod.name}_${pod.namespace}(${pod.uid})`;
}

/** Go's time.Duration String for whole seconds: 10s, 1m20s, 5m0s. */
export function formatGoDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}
