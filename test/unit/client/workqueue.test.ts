import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  WorkQueue,
} from '../../../api/client/workqueue.js';
import { MAX_TIMER_MS } from '../../../api/timers.js';

describe('WorkQueue', () => {
  it('collapses duplicates of a waiting key', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('never hands a key to two workers; a re-add while processing is queued after done()', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    expect(k).toBe('a');
    q.add('a'); // while processing
    expect(q.len()).toBe(0); // not handed out again yet
    q.add('a'); // still collapses
    let second: string | undefined;
    const p = q.get().then((x) => (second = x));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done('a');
    await p;
    expect(second).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('done() without a re-add does not requeue', async () => {
    const q = new WorkQueue();
    q.add('x');
    await q.get();
    q.done('x');
    expect(q.len()).toBe(0);
  });

  it('wakes a waiting get() on add', async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.add('k');
    expect(await p).toBe('k');
    expect(q.inFlight()).toBe(1);
  });

  it('shutDown answers undefined to waiting and later get(), and ignores adds', async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.shutDown();
    expect(await p).toBeUndefined();
    q.add('a');
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
    expect(q.isShuttingDown()).toBe(true);
  });

  describe('delays', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('addAfter queues after the delay; the earliest time wins', async () => {
      const q = new WorkQueue();
      q.addAfter('a', 1000);
      q.addAfter('a', 100);
      q.addAfter('a', 5000);
      expect(q.len()).toBe(0);
      expect(q.pendingDelayed()).toBe(1);
      vi.advanceTimersByTime(99);
      expect(q.len()).toBe(0);
      vi.advanceTimersByTime(1);
      expect(q.len()).toBe(1);
      vi.advanceTimersByTime(10_000);
      expect(q.len()).toBe(1);
      expect(q.pendingDelayed()).toBe(0);
    });

    it('a delay longer than a timer holds waits the longest a timer holds, not 1 ms', () => {
      // progressDeadlineSeconds or tolerationSeconds near their int32/int64 limits ask for such delays;
      // Node fires an overflowing timer after 1 ms, which turned a "wait ~forever" into a hot requeue loop.
      const q = new WorkQueue();
      q.addAfter('a', 2 ** 31 * 1000);
      q.addAfter('b', 2 ** 40);
      vi.advanceTimersByTime(60_000);
      expect(q.len()).toBe(0);
      vi.advanceTimersByTime(MAX_TIMER_MS);
      expect(q.len()).toBe(2);
    });

    it('addAfter with 0 adds at once', () => {
      const q = new WorkQueue();
      q.addAfter('a', 0);
      expect(q.len()).toBe(1);
    });

    it('addRateLimited backs off exponentially per key; forget resets', () => {
      const q = new WorkQueue({ rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000_000) });
      q.addRateLimited('a'); // 5 ms
      expect(q.numRequeues('a')).toBe(1);
      vi.advanceTimersByTime(4);
      expect(q.len()).toBe(0);
      vi.advanceTimersByTime(1);
      expect(q.len()).toBe(1);
      q.addRateLimited('b');
      q.addRateLimited('b'); // b: 5 then 10, earliest (5) wins for the pending add
      expect(q.numRequeues('b')).toBe(2);
      q.forget('b');
      expect(q.numRequeues('b')).toBe(0);
    });

    it('shutDown drops delayed keys', () => {
      const q = new WorkQueue();
      q.addAfter('a', 10);
      q.shutDown();
      vi.advanceTimersByTime(100);
      expect(q.len()).toBe(0);
    });
  });
});

describe('rate limiters', () => {
  it('exponential: 5ms doubling, capped', () => {
    const r = new ItemExponentialFailureRateLimiter(5, 1000_000);
    const delays = Array.from({ length: 5 }, () => r.when('k'));
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    for (let i = 0; i < 40; i++) r.when('k');
    expect(r.when('k')).toBe(1000_000);
    expect(r.when('other')).toBe(5);
    r.forget('k');
    expect(r.when('k')).toBe(5);
  });

  it('bucket: free within the burst, then spaced by 1/qps', () => {
    let now = 0;
    const r = new BucketRateLimiter(10, 3, () => now);
    expect([r.when(), r.when(), r.when()]).toEqual([0, 0, 0]);
    expect(r.when()).toBe(100);
    expect(r.when()).toBe(200);
    now = 1000;
    expect(r.when()).toBe(0);
  });

  it('max-of takes the larger delay', () => {
    let now = 0;
    const r = new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(5, 1000), new BucketRateLimiter(1, 1, () => now));
    expect(r.when('a')).toBe(5);
    expect(r.when('a')).toBe(1000); // bucket empty: 1 s
    expect(r.numRequeues('a')).toBe(2);
  });
});
