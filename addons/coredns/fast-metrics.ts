/**
 * Per-query counters and histograms that cost a Map lookup, registered in a prom-client Registry (it calls `get()`
 * at scrape time and prints the same text format). prom-client's own `inc(labels)` validates and hashes the label
 * object on every call, which was the largest cost of a query (bench/dns.ts): here the caller gives a key string it
 * builds cheaply and the label object is made once per series.
 */
import type { Metric, Registry } from 'prom-client';

interface Values {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

abstract class FastMetric {
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    // Boundary: the registry only calls name, help, type, aggregator and get(), which this class has.
    registry.registerMetric(this as unknown as Metric);
  }
  abstract values(): Values[];
  async get(): Promise<{ name: string; help: string; type: string; values: Values[]; aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator };
  }
}

export class FastCounter extends FastMetric {
  readonly type: 'counter' | 'gauge' = 'counter';
  private readonly series = new Map<string, { labels: Record<string, string>; value: number }>();

  /** Add `by` to the series `key`; `labels` is called only for a new series. */
  inc(key: string, labels: () => Record<string, string>, by = 1): void {
    const s = this.series.get(key);
    if (s) s.value += by;
    else this.series.set(key, { labels: labels(), value: by });
  }
  set(key: string, labels: () => Record<string, string>, v: number): void {
    const s = this.series.get(key);
    if (s) s.value = v;
    else this.series.set(key, { labels: labels(), value: v });
  }
  value(key: string): number | undefined {
    return this.series.get(key)?.value;
  }
  values(): Values[] {
    return [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
  }
}

export class FastGauge extends FastCounter {
  override readonly type = 'gauge';
}

export class FastHistogram extends FastMetric {
  readonly type = 'histogram';
  private readonly series = new Map<string, { labels: Record<string, string>; counts: number[]; sum: number; count: number }>();

  constructor(
    name: string,
    help: string,
    registry: Registry,
    readonly buckets: readonly number[],
  ) {
    super(name, help, registry);
  }

  observe(key: string, labels: () => Record<string, string>, v: number): void {
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels: labels(), counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) {
      if (v <= this.buckets[i]!) {
        s.counts[i]!++;
        break;
      }
    }
    s.sum += v;
    s.count++;
  }

  values(): Values[] {
    const out: Values[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        acc += s.counts[i]!;
        out.push({ labels: { le: this.buckets[i]!, ...s.labels }, value: acc, metricName: `${this.name}_bucket` });
      }
      out.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      out.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      out.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return out;
  }
}
