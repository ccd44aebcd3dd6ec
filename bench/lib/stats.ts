/** Small helpers for the benchmarks: percentiles and a concurrent runner that times every call. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface Timing {
  count: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
}

export function summarize(latenciesMs: number[], seconds: number): Timing {
  const s = [...latenciesMs].sort((a, b) => a - b);
  return { count: s.length, seconds, rps: s.length / seconds, p50ms: percentile(s, 50), p99ms: percentile(s, 99) };
}

/** Run `op(i)` for i in [0, n) with `concurrency` in flight; time each call. */
export async function timed(n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Timing> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        const s = performance.now();
        await op(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  return summarize(lat, (performance.now() - t0) / 1000);
}

/** Issue `op` at a fixed rate for `seconds`, each call timed (open loop: a slow call does not slow the schedule). */
export async function paced(ratePerSecond: number, seconds: number, op: (i: number) => Promise<unknown>): Promise<Timing> {
  const lat: number[] = [];
  const total = Math.round(ratePerSecond * seconds);
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const s = performance.now();
    pending.push(op(i).then(() => void lat.push(performance.now() - s)));
  }
  await Promise.all(pending);
  return summarize(lat, (performance.now() - t0) / 1000);
}

export function fmt(t: Timing): string {
  return `${t.rps.toFixed(0).padStart(6)} req/s  p50 ${t.p50ms.toFixed(2).padStart(7)} ms  p99 ${t.p99ms.toFixed(2).padStart(7)} ms  (n=${t.count})`;
}
