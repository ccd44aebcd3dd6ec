/**
 * The server's Prometheus metrics under CoreDNS's names (plugin/metrics/vars, plugin/cache/metrics.go,
 * plugin/pkg/proxy/metrics.go, core/dnsserver, plugin/reload): one registry, served on /metrics by the `prometheus`
 * plugin's address (default localhost:9153).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { VERSION_INFO } from '../../control-plane/apiserver/version.js';
import { FastCounter, FastGauge, FastHistogram } from './fast-metrics.js';

/** plugin.TimeBuckets: prometheus.ExponentialBuckets(0.00025, 2, 16). */
const TIME_BUCKETS = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);
/** plugin.SizeBuckets. */
const SIZE_BUCKETS = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];

/** The query types CoreDNS counts by name (others are `other`). */
const MONITORED_TYPES = new Set(['A', 'AAAA', 'NS', 'PTR', 'SOA', 'MX', 'TXT', 'SRV', 'CNAME', 'DS', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'HTTPS', 'IXFR', 'AXFR', 'ANY']);
export const typeLabel = (t: string) => (MONITORED_TYPES.has(t) ? t : 'other');

export class DnsMetrics {
  readonly registry = new Registry();
  /** Per-query metrics: FastCounter / FastHistogram (a Map lookup by a key string per query). */
  readonly requests: FastCounter;
  readonly responses: FastCounter;
  readonly duration: FastHistogram;
  readonly requestSize: FastHistogram;
  readonly responseSize: FastHistogram;
  readonly cacheHits: FastCounter;
  readonly cacheMisses: FastCounter;
  readonly cacheRequests: FastCounter;
  readonly cacheEntries: FastGauge;
  readonly proxyDuration: Histogram<'proxy_name' | 'to' | 'rcode'>;
  readonly pluginEnabled: Gauge<'server' | 'zone' | 'view' | 'name'>;
  readonly reloadFailed: Counter;
  readonly hostsEntries: Gauge;
  readonly panics: Counter;
  readonly healthDuration: Histogram;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const r = this.registry;
    this.requests = new FastCounter('coredns_dns_requests_total', 'Counter of DNS requests made per zone, protocol and family.', r);
    this.responses = new FastCounter('coredns_dns_responses_total', 'Counter of response status codes.', r);
    this.duration = new FastHistogram('coredns_dns_request_duration_seconds', 'Histogram of the time (in seconds) each request took per zone.', r, TIME_BUCKETS);
    this.requestSize = new FastHistogram('coredns_dns_request_size_bytes', 'Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.', r, SIZE_BUCKETS);
    this.responseSize = new FastHistogram('coredns_dns_response_size_bytes', 'Size of the returned response in bytes.', r, SIZE_BUCKETS);
    this.cacheHits = new FastCounter('coredns_cache_hits_total', 'The count of cache hits.', r);
    this.cacheMisses = new FastCounter('coredns_cache_misses_total', 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.', r);
    this.cacheRequests = new FastCounter('coredns_cache_requests_total', 'The count of cache requests.', r);
    this.cacheEntries = new FastGauge('coredns_cache_entries', 'The number of elements in the cache.', r);
    this.proxyDuration = new Histogram({ name: 'coredns_proxy_request_duration_seconds', help: 'Histogram of the time each request took.', labelNames: ['proxy_name', 'to', 'rcode'], buckets: TIME_BUCKETS, registers });
    this.pluginEnabled = new Gauge({ name: 'coredns_plugin_enabled', help: 'A metric that indicates whether a plugin is enabled on per server and zone basis.', labelNames: ['server', 'zone', 'view', 'name'], registers });
    this.reloadFailed = new Counter({ name: 'coredns_reload_failed_total', help: 'Counter of the number of failed reload attempts.', registers });
    this.hostsEntries = new Gauge({ name: 'coredns_hosts_entries', help: 'The combined number of entries in hosts and Corefile.', registers });
    this.panics = new Counter({ name: 'coredns_panics_total', help: 'A metrics that counts the number of panics.', registers });
    this.healthDuration = new Histogram({ name: 'coredns_health_request_duration_seconds', help: 'Histogram of the time (in seconds) each request took.', buckets: [0.00025, 0.0025, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60], registers });
    const build = new Gauge({ name: 'coredns_build_info', help: 'A metric with a constant \'1\' value labeled by version, revision, and goversion from which CoreDNS was built.', labelNames: ['version', 'revision', 'goversion'], registers });
    build.set({ version: `kubelab-${VERSION_INFO.gitVersion}`, revision: VERSION_INFO.gitCommit, goversion: process.version }, 1);
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
