/**
 * The server's Prometheus metrics under CoreDNS's names (plugin/metrics/vars, plugin/cache/metrics.go,
 * plugin/pkg/proxy/metrics.go, core/dnsserver, plugin/reload): one registry, served on /metrics by the `prometheus`
 * plugin's address (default localhost:9153).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { VERSION_INFO } from '../../control-plane/apiserver/version.js';

/** plugin.TimeBuckets: prometheus.ExponentialBuckets(0.00025, 2, 16). */
const TIME_BUCKETS = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);
/** plugin.SizeBuckets. */
const SIZE_BUCKETS = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];

/** The query types CoreDNS counts by name (others are `other`). */
const MONITORED_TYPES = new Set(['A', 'AAAA', 'NS', 'PTR', 'SOA', 'MX', 'TXT', 'SRV', 'CNAME', 'DS', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'HTTPS', 'IXFR', 'AXFR', 'ANY']);
export const typeLabel = (t: string) => (MONITORED_TYPES.has(t) ? t : 'other');

export class DnsMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'server' | 'zone' | 'view' | 'proto' | 'family' | 'type'>;
  readonly responses: Counter<'server' | 'zone' | 'view' | 'rcode' | 'plugin'>;
  readonly duration: Histogram<'server' | 'zone' | 'view' | 'type'>;
  readonly requestSize: Histogram<'server' | 'zone' | 'view' | 'proto'>;
  readonly responseSize: Histogram<'server' | 'zone' | 'view' | 'proto'>;
  readonly cacheHits: Counter<'server' | 'type' | 'zones' | 'view'>;
  readonly cacheMisses: Counter<'server' | 'zones' | 'view'>;
  readonly cacheRequests: Counter<'server' | 'zones' | 'view'>;
  readonly cacheEntries: Gauge<'server' | 'type' | 'zones' | 'view'>;
  readonly proxyDuration: Histogram<'proxy_name' | 'to' | 'rcode'>;
  readonly pluginEnabled: Gauge<'server' | 'zone' | 'view' | 'name'>;
  readonly reloadFailed: Counter;
  readonly hostsEntries: Gauge;
  readonly panics: Counter;
  readonly healthDuration: Histogram;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'coredns_dns_requests_total', help: 'Counter of DNS requests made per zone, protocol and family.', labelNames: ['server', 'zone', 'view', 'proto', 'family', 'type'], registers });
    this.responses = new Counter({ name: 'coredns_dns_responses_total', help: 'Counter of response status codes.', labelNames: ['server', 'zone', 'view', 'rcode', 'plugin'], registers });
    this.duration = new Histogram({ name: 'coredns_dns_request_duration_seconds', help: 'Histogram of the time (in seconds) each request took per zone.', labelNames: ['server', 'zone', 'view', 'type'], buckets: TIME_BUCKETS, registers });
    this.requestSize = new Histogram({ name: 'coredns_dns_request_size_bytes', help: 'Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.', labelNames: ['server', 'zone', 'view', 'proto'], buckets: SIZE_BUCKETS, registers });
    this.responseSize = new Histogram({ name: 'coredns_dns_response_size_bytes', help: 'Size of the returned response in bytes.', labelNames: ['server', 'zone', 'view', 'proto'], buckets: SIZE_BUCKETS, registers });
    this.cacheHits = new Counter({ name: 'coredns_cache_hits_total', help: 'The count of cache hits.', labelNames: ['server', 'type', 'zones', 'view'], registers });
    this.cacheMisses = new Counter({ name: 'coredns_cache_misses_total', help: 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.', labelNames: ['server', 'zones', 'view'], registers });
    this.cacheRequests = new Counter({ name: 'coredns_cache_requests_total', help: 'The count of cache requests.', labelNames: ['server', 'zones', 'view'], registers });
    this.cacheEntries = new Gauge({ name: 'coredns_cache_entries', help: 'The number of elements in the cache.', labelNames: ['server', 'type', 'zones', 'view'], registers });
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
