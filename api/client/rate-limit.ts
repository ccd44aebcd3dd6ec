/**
 * Token bucket, as client-go's flowcontrol.NewTokenBucketRateLimiter (golang.org/x/time/rate):
 * `burst` tokens at most, refilled at `qps` per second. `reserve()` takes a token now or books one in
 * the future and says how long to wait for it, so concurrent callers queue fairly.
 */
import { KubeError } from '../errors.js';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** True when the bucket never limits (qps <= 0 or infinite). */
  get unlimited(): boolean {
    return !(this.qps > 0) || !Number.isFinite(this.qps);
  }

  private refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last) / 1000;
    this.last = t;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.qps);
  }

  /** Take a token if one is available now. */
  tryAccept(): boolean {
    if (this.unlimited) return true;
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Take a token (possibly borrowed from the future); returns the ms to wait before using it. */
  reserve(): number {
    if (this.unlimited) return 0;
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    return Math.ceil((-this.tokens / this.qps) * 1000);
  }

  /** Wait for a token. Rejects with the signal's reason when aborted. */
  async wait(signal?: AbortSignal): Promise<void> {
    const ms = this.reserve();
    if (ms <= 0) return;
    await sleep(ms, signal);
  }
}

const aborted = (): KubeError => new KubeError('InternalError', 'aborted', { code: 'ERR_ABORTED' });

/** setTimeout as a promise, abortable. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? aborted());
      return;
    }
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? aborted());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Like sleep but resolves (never rejects) when aborted; returns false if aborted. */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<boolean> {
  return sleep(ms, signal).then(
    () => true,
    () => false,
  );
}

/** Exponential backoff with jitter, as wait.Backoff / the reflector's backoff manager. */
export class Backoff {
  private current: number;
  constructor(
    readonly initialMs = 800,
    readonly maxMs = 30_000,
    readonly factor = 2,
    readonly jitter = 1.0,
  ) {
    this.current = initialMs;
  }
  /** The next delay (grows each call). */
  next(): number {
    const base = this.current;
    this.current = Math.min(this.maxMs, this.current * this.factor);
    return Math.round(base + Math.random() * this.jitter * base * 0.5);
  }
  reset(): void {
    this.current = this.initialMs;
  }
}
