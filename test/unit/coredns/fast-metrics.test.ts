/** The per-query metrics print as prom-client's own Counter and Histogram do (same registry text). */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram } from '../../../addons/coredns/fast-metrics.js';

describe('fast metrics', () => {
  it('a FastCounter and a FastHistogram scrape exactly like prom-client Counter and Histogram', async () => {
    const fast = new Registry();
    const ref = new Registry();
    const fc = new FastCounter('x_total', 'help x', fast);
    const rc = new Counter({ name: 'x_total', help: 'help x', labelNames: ['zone', 'type'], registers: [ref] });
    const fh = new FastHistogram('y_seconds', 'help y', fast, [0.1, 1, 10]);
    const rh = new Histogram({ name: 'y_seconds', help: 'help y', labelNames: ['zone'], buckets: [0.1, 1, 10], registers: [ref] });
    for (const [zone, type, v] of [['.', 'A', 0.05], ['.', 'A', 2], ['cluster.local.', 'SRV', 50]] as const) {
      fc.inc(`${zone}|${type}`, () => ({ zone, type }));
      rc.inc({ zone, type });
      fh.observe(zone, () => ({ zone }), v);
      rh.observe({ zone }, v);
    }
    expect(await fast.metrics()).toBe(await ref.metrics());
  });
});
