/**
 * A keyed work queue with client-go's semantics (k8s.io/client-go/util/workqueue):
 *  - a key waiting in the queue is stored once: adding it again collapses (the `dirty` set);
 *  - a key being processed (between get() and done()) is never handed to another worker: re-adds
 *    while processing are remembered and the key is queued again on done() (the `processing` set);
 *  - addAfter(key, ms) delays an add (earliest time wins when a key is delayed twice);
 *  - addRateLimited(key) delays by the rate limiter: per-key exponential backoff (5 ms doubling to
 *    1000 s) combined with an overall token bucket (10 qps, burst 100), the larger delay wins;
 *    forget(key) resets the key's backoff, numRequeues(key) reports it;
 *  - get() waits for a key; after shutDown() it answers undefined, and adds are ignored.
 * Keys are strings (`namespace/name`): enqueue keys, never objects.
 */

import { TokenBucket } from './rate-limit.js';
import { boundedDelayMs } from '../timers.js';

// ---------------------------------------------------------------------------------------------
// Rate limiters (workqueue/default_rate_limiters.go)

export interface RateLimiter {
  /** How long to wait before the key is processed again (and count one more failure). */
  when(key: string): number;
  /** Stop tracking the key (it succeeded). */
  forget(key: string): void;
  /** How many times the key has been requeued through this limiter. */
  numRequeues(key: string): number;
}

/** Per-key exponential backoff: base * 2^failures, capped at max. */
export class ItemExponentialFailureRateLimiter implements RateLimiter {
  private failures = new Map<string, number>();
  constructor(
    readonly baseDelayMs = 5,
    readonly maxDelayMs = 1000_000,
  ) {}
  when(key: string): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    const backoff = this.baseDelayMs * Math.pow(2, exp);
    return Math.min(backoff, this.maxDelayMs);
  }
  forget(key: string): void {
    this.failures.delete(key);
  }
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/** Overall token bucket: delays every requeue once the burst is spent. Keys are not tracked. */
export class BucketRateLimiter implements RateLimiter {
  private readonly bucket: TokenBucket;
  constructor(qps = 10, burst = 100, now: () => number = Date.now) {
    this.bucket = new TokenBucket(qps, burst, now);
  }
  when(): number {
    return this.bucket.reserve();
  }
  forget(): void {}
  numRequeues(): number {
    return 0;
  }
}

/** The largest delay of several limiters. */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];
  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }
  when(key: string): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(key));
    return max;
  }
  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }
  numRequeues(key: string): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(key));
    return max;
  }
}

/** workqueue.DefaultControllerRateLimiter(): max of (5 ms..1000 s per key) and (10 qps, burst 100). */
export function defaultControllerRateLimiter(): RateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(5, 1000_000), new BucketRateLimiter(10, 100));
}

// ---------------------------------------------------------------------------------------------
// The queue

export interface WorkQueueOptions {
  name?: string;
  rateLimiter?: RateLimiter;
}

export class WorkQueue {
  readonly name: string;
  private readonly rateLimiter: RateLimiter;
  private queue: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  /** Delayed adds: key -> when it becomes ready, and its timer. */
  private readonly delayed = new Map<string, { readyAt: number; timer: ReturnType<typeof setTimeout> }>();
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? '';
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter();
  }

  /** Queue a key now. A key already waiting collapses; a key in flight is re-queued after done(). */
  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  private push(key: string): void {
    const w = this.waiters.shift();
    if (w) {
      // Hand it straight to a waiting worker.
      this.dirty.delete(key);
      this.processing.add(key);
      w(key);
      return;
    }
    this.queue.push(key);
  }

  /**
   * Queue a key after `ms` (immediately when ms <= 0). The earliest pending time wins. A delay beyond what a
   * timer holds (MAX_TIMER_MS, ~24.8 days) waits that long: the sync then runs and asks again (level-triggered).
   */
  addAfter(key: string, requestedMs: number): void {
    if (this.shuttingDown) return;
    if (!(requestedMs > 0)) {
      this.add(key);
      return;
    }
    const ms = boundedDelayMs(requestedMs);
    const readyAt = Date.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.readyAt <= readyAt) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    timer.unref?.();
    this.delayed.set(key, { readyAt, timer });
  }

  /** Queue a key after the rate limiter's delay (a failed sync). */
  addRateLimited(key: string): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Reset the key's backoff (a successful sync). */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** The next key to process; waits when the queue is empty; undefined once shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.head < this.queue.length) {
      const key = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Mark a key processed; if it was re-added meanwhile, queue it again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
  }

  /** Number of keys waiting (not counting in-flight or delayed ones). */
  len(): number {
    return this.queue.length - this.head;
  }

  /** Number of keys being processed. */
  inFlight(): number {
    return this.processing.size;
  }

  /** Number of delayed (addAfter / addRateLimited) keys not yet queued. */
  pendingDelayed(): number {
    return this.delayed.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stop: waiting and future get() calls answer undefined; pending and delayed keys are dropped. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    this.queue = [];
    this.head = 0;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
