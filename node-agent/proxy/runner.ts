/**
 * Upstream's async.BoundedFrequencyRunner: runs a function when asked, but no more often than a
 * token bucket allows (one token per `minIntervalMs`, `burst` tokens at most), and at least every
 * `maxIntervalMs`. Requests that arrive while the function runs are merged into one run after it.
 *
 * Timers come from the globals (setTimeout / Date.now), so vitest's fake timers drive it.
 */
export interface BoundedFrequencyRunnerOptions {
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Runs allowed back to back before the minimum interval applies (upstream kube-proxy: 2). */
  burst?: number;
}

export class BoundedFrequencyRunner {
  private readonly min: number;
  private readonly max: number;
  private readonly burst: number;
  private tokens: number;
  private lastRefill = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private running = false;
  private pending = false;
  private stopped = true;
  private current: Promise<void> | undefined;
  /** Number of completed runs (for tests and logs). */
  runs = 0;

  constructor(
    readonly name: string,
    private readonly fn: () => Promise<void> | void,
    opts: BoundedFrequencyRunnerOptions,
  ) {
    this.min = Math.max(0, opts.minIntervalMs);
    this.max = Math.max(1, opts.maxIntervalMs);
    this.burst = Math.max(1, opts.burst ?? 2);
    this.tokens = this.burst;
  }

  /** Start the loop: the first periodic run comes after maxIntervalMs (upstream's Loop). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.lastRefill = Date.now();
    this.setTimer(this.max, true);
  }

  /** Stop; resolves when a run in progress ends. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await this.current;
  }

  /** Ask for a run as soon as the rate limit allows. */
  run(): void {
    if (this.stopped) return;
    this.tryRun();
  }

  /** Ask for a run no later than `ms` from now (after a failure). */
  retryAfter(ms: number): void {
    if (this.stopped) return;
    this.setTimer(Math.max(0, ms), false);
  }

  private refill(): void {
    const now = Date.now();
    if (this.min === 0) this.tokens = this.burst;
    else this.tokens = Math.min(this.burst, this.tokens + (now - this.lastRefill) / this.min);
    this.lastRefill = now;
  }

  private tryRun(): void {
    if (this.running) {
      this.pending = true;
      return;
    }
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.execute();
      return;
    }
    const wait = Math.ceil((1 - this.tokens) * this.min);
    this.setTimer(wait, false);
  }

  private execute(): void {
    this.running = true;
    this.pending = false;
    this.clearTimer();
    this.current = (async () => {
      try {
        await this.fn();
      } catch {
        // The function reports its own failures (and asks for a retry).
      } finally {
        this.runs++;
        this.running = false;
        if (!this.stopped) {
          // Keep an earlier timer (a retry) if the function set one; else the next periodic run.
          this.setTimer(this.max, false);
          if (this.pending) this.tryRun();
        }
      }
    })();
  }

  /** Arm the timer `ms` from now; unless `force`, only if sooner than the one armed. */
  private setTimer(ms: number, force: boolean): void {
    const at = Date.now() + ms;
    if (!force && this.timer !== undefined && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      if (!this.stopped) this.tryRun();
    }, ms);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
