/**
 * The proxy's Prometheus metrics (upstream's pkg/proxy/metrics, names under the `kubeproxy`
 * subsystem) and its two HTTP endpoints: /metrics on --metrics-bind-address (127.0.0.1:10249) and
 * /healthz on --healthz-bind-address (0.0.0.0:10256).
 */
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

function linear(start: number, width: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i * width);
}
function exponential(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly syncProxyRules: Histogram;
  readonly syncFullProxyRules: Histogram;
  readonly syncPartialProxyRules: Histogram;
  readonly networkProgramming: Histogram;
  readonly lastSyncTimestamp: Gauge;
  readonly lastQueuedTimestamp: Gauge;
  readonly restoreFailures: Counter;
  readonly partialRestoreFailures: Counter;
  readonly rulesTotal: Gauge;
  readonly rulesLastSync: Gauge;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.syncProxyRules = new Histogram({
      name: 'kubeproxy_sync_proxy_rules_duration_seconds',
      help: 'SyncProxyRules latency in seconds',
      buckets: exponential(0.001, 2, 15),
      registers,
    });
    this.syncFullProxyRules = new Histogram({
      name: 'kubeproxy_sync_full_proxy_rules_duration_seconds',
      help: 'SyncProxyRules latency in seconds for full resyncs',
      buckets: exponential(0.001, 2, 15),
      registers,
    });
    this.syncPartialProxyRules = new Histogram({
      name: 'kubeproxy_sync_partial_proxy_rules_duration_seconds',
      help: 'SyncProxyRules latency in seconds for partial resyncs',
      buckets: exponential(0.001, 2, 15),
      registers,
    });
    this.networkProgramming = new Histogram({
      name: 'kubeproxy_network_programming_duration_seconds',
      help: 'In Cluster Network Programming Latency in seconds',
      buckets: [...linear(0.25, 0.25, 2), ...linear(1, 1, 59), ...linear(60, 5, 12), ...linear(120, 30, 7)],
      registers,
    });
    this.lastSyncTimestamp = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
      help: 'The last time proxy rules were successfully synced',
      registers,
    });
    this.lastQueuedTimestamp = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds',
      help: 'The last time a sync of proxy rules was queued',
      registers,
    });
    this.restoreFailures = new Counter({
      name: 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total',
      help: 'Cumulative proxy iptables restore failures',
      registers,
    });
    this.partialRestoreFailures = new Counter({
      name: 'kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total',
      help: 'Cumulative proxy iptables partial restore failures',
      registers,
    });
    this.rulesTotal = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_iptables_total',
      help: 'Total number of iptables rules owned by kube-proxy',
      labelNames: ['table'],
      registers,
    });
    this.rulesLastSync = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_iptables_last',
      help: 'Number of iptables rules written by kube-proxy in last sync',
      labelNames: ['table'],
      registers,
    });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** What /healthz reports (upstream's ProxierHealthServer): healthy unless a queued update waits too long. */
export class ProxyHealth {
  lastUpdated = 0;
  lastQueued = 0;

  constructor(private readonly timeoutMs: number) {}

  queued(now = Date.now()): void {
    if (this.lastQueued <= this.lastUpdated) this.lastQueued = now;
  }

  updated(now = Date.now()): void {
    this.lastUpdated = now;
  }

  healthy(now = Date.now()): boolean {
    // An update was queued and has not been applied within the timeout.
    if (this.lastQueued > this.lastUpdated && now - this.lastQueued > this.timeoutMs) return false;
    // Nothing applied for too long even though something was queued before.
    return true;
  }

  body(now = Date.now()): string {
    const iso = (t: number) => (t ? new Date(t).toISOString() : '');
    return JSON.stringify({ lastUpdated: iso(this.lastUpdated), currentTime: iso(now), nodeEligible: true });
  }
}

/** "host:port" -> listen arguments. */
export function parseBindAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  if (i < 0) return { host: '0.0.0.0', port: Number(addr) };
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
  return { host, port: Number(addr.slice(i + 1)) };
}

function listen(server: http.Server, addr: string): Promise<http.Server> {
  const { host, port } = parseBindAddress(addr);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** /metrics (and /healthz, as upstream also serves it on the metrics port). */
export function serveMetrics(addr: string, metrics: ProxyMetrics, health?: ProxyHealth): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      metrics.text().then(
        (body) => {
          res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
          res.end(body);
        },
        (e: Error) => {
          res.writeHead(500);
          res.end(e.message);
        },
      );
      return;
    }
    if (path === '/healthz' && health) return writeHealth(res, health);
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 page not found\n');
  });
  return listen(server, addr);
}

function writeHealth(res: http.ServerResponse, health: ProxyHealth): void {
  const ok = health.healthy();
  res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
  res.end(health.body());
}

/** /healthz (and /livez) on the healthz port. */
export function serveHealthz(addr: string, health: ProxyHealth): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez') return writeHealth(res, health);
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 page not found\n');
  });
  return listen(server, addr);
}
