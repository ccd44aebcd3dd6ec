/**
 * `kubelab proxy`: flags (upstream kube-proxy's names), wiring of informers, the proxier, metrics
 * and healthz servers; `--cleanup` removes every rule and chain the proxy made and exits.
 */
import os from 'node:os';
import type http from 'node:http';
import { KubeError } from '../../api/errors.js';
import { parseDuration } from '../../api/cli/flags.js';
import { findResource } from '../../api/resources.js';
import { KubeClient, type ApiClient } from '../../api/client/api-client.js';
import { InformerFactory } from '../../api/client/informer.js';
import { consoleLogger } from '../../api/client/log.js';
import { RealConntrack, type Conntrack } from './conntrack.js';
import { RealIptables, type Backend, type Iptables } from './iptables.js';
import { ProxyHealth, ProxyMetrics, serveHealthz, serveMetrics } from './metrics.js';
import type { ProxyEndpointSlice, ProxyService } from './model.js';
import { Proxier, type ProxyNode, cleanupLeftovers } from './proxier.js';

export interface ProxyFlags {
  kubeconfig?: string;
  hostnameOverride?: string;
  clusterCIDR?: string;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  masqueradeAll: boolean;
  metricsBindAddress: string;
  healthzBindAddress: string;
  backend: Backend;
  nodePortAddresses: string[];
  cleanup: boolean;
  help: boolean;
}

export const USAGE = `Usage: kubelab proxy [flags]

Programs this node's iptables so Services work (kube-proxy, iptables mode).

Flags:
  --kubeconfig string                 Path to a kubeconfig file with the API server and credentials.
  --hostname-override string          The name of this node (default: the host name).
  --cluster-cidr string               The pod network (e.g. 10.244.0.0/16); traffic to a Service from
                                      outside it is masqueraded.
  --iptables-min-sync-period duration Minimum interval between rule syncs (default 1s).
  --iptables-sync-period duration     Interval of full resyncs (default 30s).
  --iptables-backend string           legacy, nft or auto (what 'iptables' points to; default auto).
  --masquerade-all                    SNAT all traffic sent to Service cluster IPs.
  --nodeport-addresses strings        Only these IPs serve NodePorts (default: every local address).
  --metrics-bind-address string       Address of /metrics (default 127.0.0.1:10249).
  --healthz-bind-address string       Address of /healthz (default 0.0.0.0:10256).
  --cleanup                           Remove every iptables rule and chain the proxy made, then exit.
  -h, --help                          Show this help.
`;

function badFlag(msg: string): KubeError {
  return new KubeError('BadRequest', msg, { code: 'ERR_CONFIG' });
}

/** Go durations, as every component parses them (api/cli/flags.ts); a bare number means seconds. */
export { parseDuration };

const BOOL_FLAGS = new Set(['masquerade-all', 'cleanup', 'help']);
const VALUE_FLAGS = new Set([
  'kubeconfig',
  'hostname-override',
  'cluster-cidr',
  'iptables-min-sync-period',
  'iptables-sync-period',
  'iptables-backend',
  'nodeport-addresses',
  'metrics-bind-address',
  'healthz-bind-address',
]);

export function parseFlags(argv: readonly string[]): ProxyFlags {
  const f: ProxyFlags = {
    minSyncPeriodMs: 1000,
    syncPeriodMs: 30_000,
    masqueradeAll: false,
    metricsBindAddress: '127.0.0.1:10249',
    healthzBindAddress: '0.0.0.0:10256',
    backend: 'auto',
    nodePortAddresses: [],
    cleanup: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h') {
      f.help = true;
      continue;
    }
    if (!a.startsWith('--')) throw badFlag(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!BOOL_FLAGS.has(name) && !VALUE_FLAGS.has(name)) throw badFlag(`unknown flag: --${name}`);
    let value: string;
    if (eq >= 0) value = a.slice(eq + 1);
    else if (BOOL_FLAGS.has(name)) value = 'true';
    else {
      if (i + 1 >= argv.length) throw badFlag(`flag needs an argument: --${name}`);
      value = argv[++i];
    }
    const bool = () => {
      if (value !== 'true' && value !== 'false') throw badFlag(`invalid boolean "${value}" for --${name}`);
      return value === 'true';
    };
    switch (name) {
      case 'kubeconfig':
        f.kubeconfig = value;
        break;
      case 'hostname-override':
        f.hostnameOverride = value;
        break;
      case 'cluster-cidr':
        if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(value)) throw badFlag(`invalid --cluster-cidr "${value}"`);
        f.clusterCIDR = value;
        break;
      case 'iptables-min-sync-period':
        f.minSyncPeriodMs = parseDuration(value);
        break;
      case 'iptables-sync-period':
        f.syncPeriodMs = parseDuration(value);
        if (f.syncPeriodMs <= 0) throw badFlag('--iptables-sync-period must be greater than 0');
        break;
      case 'iptables-backend':
        if (value !== 'legacy' && value !== 'nft' && value !== 'auto') throw badFlag(`--iptables-backend must be legacy, nft or auto, not "${value}"`);
        f.backend = value;
        break;
      case 'masquerade-all':
        f.masqueradeAll = bool();
        break;
      case 'nodeport-addresses':
        f.nodePortAddresses = value.split(',').map((s) => s.trim()).filter(Boolean);
        break;
      case 'metrics-bind-address':
        f.metricsBindAddress = value;
        break;
      case 'healthz-bind-address':
        f.healthzBindAddress = value;
        break;
      case 'cleanup':
        f.cleanup = bool();
        break;
      case 'help':
        f.help = bool();
        break;
      default:
        throw badFlag(`unknown flag: --${name}`);
    }
  }
  return f;
}

export interface RunProxyDeps {
  /** Stop when aborted (default: SIGINT / SIGTERM). */
  signal?: AbortSignal;
  client?: ApiClient;
  iptables?: Iptables;
  conntrack?: Conntrack;
  /** Called once the proxier runs (tests). */
  onReady?: (p: Proxier) => void;
}

/** Services with this label belong to another proxy (upstream skips them). */
const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';

export async function runProxy(argv: string[], deps: RunProxyDeps = {}): Promise<void> {
  const flags = parseFlags(argv);
  if (flags.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = consoleLogger('proxy');
  const ipt = deps.iptables ?? new RealIptables({ backend: flags.backend });

  if (flags.cleanup) {
    const errs = await cleanupLeftovers(ipt);
    if (errs.length) throw new KubeError('InternalError', `cleanup failed: ${errs.map((e) => e.message).join('; ')}`, { code: 'ERR_NETWORK' });
    return;
  }

  if (!deps.client && !flags.kubeconfig) throw badFlag('--kubeconfig is required');
  const client = deps.client ?? KubeClient.fromKubeconfig(flags.kubeconfig!, undefined, { userAgent: 'kubelab-proxy' });
  const nodeName = (flags.hostnameOverride || os.hostname()).toLowerCase();
  if (!flags.clusterCIDR && !flags.masqueradeAll) {
    log.warn('no --cluster-cidr and no --masquerade-all: traffic to cluster IPs from outside the pod network is not masqueraded');
  }

  const metrics = new ProxyMetrics({ defaultMetrics: true });
  const health = new ProxyHealth(2 * flags.syncPeriodMs);
  const servers: http.Server[] = [];
  // An empty address disables a server.
  if (flags.metricsBindAddress) {
    servers.push(await serveMetrics(flags.metricsBindAddress, metrics, health));
  }
  if (flags.healthzBindAddress) {
    servers.push(await serveHealthz(flags.healthzBindAddress, health));
  }

  const proxier = new Proxier({
    iptables: ipt,
    conntrack: deps.conntrack ?? new RealConntrack(),
    nodeName,
    clusterCIDR: flags.clusterCIDR,
    masqueradeAll: flags.masqueradeAll,
    nodePortAddresses: flags.nodePortAddresses,
    minSyncPeriodMs: flags.minSyncPeriodMs,
    syncPeriodMs: flags.syncPeriodMs,
    metrics,
    health,
    logger: log,
  });

  const factory = new InformerFactory(client, { logger: log });
  const svcInf = factory.informerFor<ProxyService & { metadata: { labels?: Record<string, string> } }>(findResource('', 'services')!);
  const sliceInf = factory.informerFor<ProxyEndpointSlice>(findResource('discovery.k8s.io', 'endpointslices')!);
  const nodeInf = factory.informerFor<ProxyNode>(findResource('', 'nodes')!, { fieldSelector: `metadata.name=${nodeName}` });

  const ours = (s: { metadata: { labels?: Record<string, string> } }) => !s.metadata.labels?.[LABEL_SERVICE_PROXY_NAME];
  svcInf.on('add', (s) => ours(s) && proxier.onServiceAdd(s));
  svcInf.on('update', (o, s) => (ours(s) ? proxier.onServiceUpdate(o, s) : proxier.onServiceDelete(s)));
  svcInf.on('delete', (s) => proxier.onServiceDelete(s));
  sliceInf.on('add', (s) => ours(s) && proxier.onEndpointSliceAdd(s));
  sliceInf.on('update', (o, s) => (ours(s) ? proxier.onEndpointSliceUpdate(o, s) : proxier.onEndpointSliceDelete(s)));
  sliceInf.on('delete', (s) => proxier.onEndpointSliceDelete(s));
  nodeInf.on('add', (n) => proxier.onNode(n));
  nodeInf.on('update', (_o, n) => proxier.onNode(n));
  nodeInf.on('delete', () => proxier.onNode(undefined));

  const ac = new AbortController();
  const onSignal = () => ac.abort();
  if (!deps.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  } else if (deps.signal.aborted) ac.abort();
  else deps.signal.addEventListener('abort', onSignal, { once: true });

  try {
    factory.start();
    proxier.start();
    log.info('starting', { node: nodeName, clusterCIDR: flags.clusterCIDR, backend: flags.backend });
    const synced = await Promise.all([svcInf.waitForSync(ac.signal), sliceInf.waitForSync(ac.signal)]);
    if (synced.every(Boolean)) {
      proxier.onServicesSynced();
      proxier.onEndpointSlicesSynced();
      deps.onReady?.(proxier);
    }
    if (!ac.signal.aborted) await new Promise<void>((resolve) => ac.signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await proxier.stop();
    await factory.stop();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
