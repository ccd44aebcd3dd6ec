import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BoundedFrequencyRunner } from '../../../node-agent/proxy/runner.js';

describe('BoundedFrequencyRunner', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  function make(minIntervalMs: number, maxIntervalMs: number, burst = 1, work = 0) {
    const times: number[] = [];
    const r = new BoundedFrequencyRunner(
      'test',
      async () => {
        times.push(Date.now() - new Date('2026-01-01T00:00:00Z').getTime());
        if (work) await new Promise((res) => setTimeout(res, work));
      },
      { minIntervalMs, maxIntervalMs, burst },
    );
    r.start();
    return { r, times };
  }

  it('runs at once when allowed, then no more often than the minimum interval', async () => {
    const { r, times } = make(1000, 30_000);
    r.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(times).toEqual([0]);
    // A burst of requests within the interval is merged into one run at t=1000.
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(50);
      r.run();
    }
    expect(times).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(times).toEqual([0, 1000]);
    await r.stop();
  });

  it('allows `burst` runs back to back', async () => {
    const { r, times } = make(1000, 30_000, 2);
    r.run();
    await vi.advanceTimersByTimeAsync(0);
    r.run();
    await vi.advanceTimersByTimeAsync(0);
    r.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(times).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(times).toEqual([0, 0, 1000]);
    await r.stop();
  });

  it('runs at least every maxInterval without requests', async () => {
    const { r, times } = make(1000, 30_000);
    await vi.advanceTimersByTimeAsync(95_000);
    expect(times).toEqual([30_000, 60_000, 90_000]);
    await r.stop();
  });

  it('the periodic timer restarts after each run', async () => {
    const { r, times } = make(1000, 30_000);
    await vi.advanceTimersByTimeAsync(20_000);
    r.run();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(times).toEqual([20_000, 50_000]);
    await r.stop();
  });

  it('merges requests made during a run into one run after it', async () => {
    const { r, times } = make(100, 30_000, 1, 500);
    r.run();
    await vi.advanceTimersByTimeAsync(10);
    r.run();
    r.run();
    r.run();
    await vi.advanceTimersByTimeAsync(2000);
    expect(times).toEqual([0, 500]);
    await r.stop();
  });

  it('retryAfter brings the next run forward', async () => {
    const { r, times } = make(1000, 30_000);
    r.retryAfter(5000);
    await vi.advanceTimersByTimeAsync(5000);
    expect(times).toEqual([5000]);
    // A later retry does not postpone an earlier timer.
    r.retryAfter(3000);
    r.retryAfter(10_000);
    await vi.advanceTimersByTimeAsync(3000);
    expect(times).toEqual([5000, 8000]);
    await r.stop();
  });

  it('does nothing after stop', async () => {
    const { r, times } = make(1000, 30_000);
    await r.stop();
    r.run();
    await vi.advanceTimersByTimeAsync(100_000);
    expect(times).toEqual([]);
  });
});
