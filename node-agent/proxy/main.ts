/**
 * `kubelab proxy`: flags (upstream kube-proxy's names), wiring of informers, the proxier, metrics
 * and healthz servers; `--cleanup` removes every rule, chain and set the proxy made and exits.
 */
import type http from 'node:http';
import { KubeError } from '../../api/errors.js';
import { FlagError, bool, formatHelp, num, parseFlags as parseArgs, str, strs, text, type FlagSpec } from '../../api/cli/flags.js';
import { nodeHostname } from '../../api/cli/hostname.js';
import { findResource } from '../../api/resources.js';
import { KubeClient, type ApiClient } from '../../api/client/api-client.js';
import { InformerFactory } from '../../api/client/informer.js';
import { consoleLogger } from '../../api/client/log.js';
import { RealConntrack, type Conntrack } from './conntrack.js';
import { RealIptables, type Backend, type Iptables } from './iptables.js';
import { ProxyHealth, ProxyMetrics, serveHealthz, serveMetrics } from './metrics.js';
import type { ProxyEndpointSlice, ProxyService } from './model.js';
import { Proxier, type ProxyNode, cleanupLeftovers } from './proxier.js';
import { NetpolAgent, cleanupNetpol } from '../netpol/agent.js';
import { type Ipset, RealIpset } from '../netpol/ipset.js';
import type { Namespace, NetworkPolicy, Pod, Relaxed } from '../../api/types/index.js';

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
  networkPolicy: boolean;
  help: boolean;
}

const COMMAND = 'kubelab proxy';

export const PROXY_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'Path to a kubeconfig file with the API server and credentials (default: in-cluster, from the pod\'s ServiceAccount).' },
  { name: 'hostname-override', type: 'string', help: 'The name of this node (default: the host name).' },
  { name: 'cluster-cidr', type: 'string', help: 'The pod network (e.g. 10.244.0.0/16); traffic to a Service from outside it is masqueraded.' },
  { name: 'iptables-min-sync-period', type: 'duration', default: '1s', help: 'Minimum interval between rule syncs.' },
  { name: 'iptables-sync-period', type: 'duration', default: '30s', help: 'Interval of full resyncs.' },
  { name: 'iptables-backend', type: 'string', default: 'auto', help: "legacy, nft or auto (what 'iptables' points to)." },
  { name: 'masquerade-all', type: 'bool', default: false, help: 'SNAT all traffic sent to Service cluster IPs.' },
  { name: 'nodeport-addresses', type: 'strings', default: [], help: 'Only these IPs serve NodePorts (default: every local address).' },
  { name: 'metrics-bind-address', type: 'string', default: '127.0.0.1:10249', help: 'Address of /metrics.' },
  { name: 'healthz-bind-address', type: 'string', default: '0.0.0.0:10256', help: 'Address of /healthz.' },
  { name: 'cleanup', type: 'bool', default: false, help: 'Remove every iptables rule and chain (and ipset) the proxy made, then exit.' },
  { name: 'network-policy', type: 'bool', default: false, help: "Also enforce NetworkPolicies for this node's pods (kubelab's agent, node-agent/netpol; its chains are removed on exit)." },
];

export const USAGE = formatHelp(COMMAND, "Programs this node's iptables so Services work (kube-proxy, iptables mode).", PROXY_FLAGS);

export function parseFlags(argv: readonly string[]): ProxyFlags {
  const { values: v, help } = parseArgs(PROXY_FLAGS, argv, { noArgs: COMMAND });
  const clusterCIDR = str(v, 'cluster-cidr');
  if (clusterCIDR !== undefined && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(clusterCIDR)) throw new FlagError(`invalid --cluster-cidr "${clusterCIDR}"`);
  const syncPeriodMs = num(v, 'iptables-sync-period');
  if (syncPeriodMs <= 0) throw new FlagError('--iptables-sync-period must be greater than 0');
  const backend = text(v, 'iptables-backend');
  if (backend !== 'legacy' && backend !== 'nft' && backend !== 'auto') throw new FlagError(`--iptables-backend must be legacy, nft or auto, not "${backend}"`);
  return {
    kubeconfig: str(v, 'kubeconfig'),
    hostnameOverride: str(v, 'hostname-override'),
    clusterCIDR,
    minSyncPeriodMs: num(v, 'iptables-min-sync-period'),
    syncPeriodMs,
    masqueradeAll: bool(v, 'masquerade-all'),
    // An empty address disables a server.
    metricsBindAddress: text(v, 'metrics-bind-address'),
    healthzBindAddress: text(v, 'healthz-bind-address'),
    backend,
    nodePortAddresses: strs(v, 'nodeport-addresses'),
    cleanup: bool(v, 'cleanup'),
    networkPolicy: bool(v, 'network-policy'),
    help,
  };
}

export interface RunProxyDeps {
  /** Stop when aborted (default: SIGINT / SIGTERM). */
  signal?: AbortSignal;
  client?: ApiClient;
  iptables?: Iptables;
  /** The network policy agent's sets (default: the ipset binary). */
  ipset?: Ipset;
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
  const ipset = deps.ipset ?? new RealIpset();

  if (flags.cleanup) {
    const errs = await cleanupLeftovers(ipt);
    await cleanupNetpol(ipt, ipset).catch((e: Error) => errs.push(e));
    if (errs.length) throw new KubeError('InternalError', `cleanup failed: ${errs.map((e) => e.message).join('; ')}`, { code: 'ERR_NETWORK' });
    return;
  }

  const client = deps.client ?? KubeClient.fromKubeconfigOrInCluster(flags.kubeconfig, { userAgent: 'kubelab-proxy' });
  const nodeName = nodeHostname(flags.hostnameOverride);
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

  // The network policy agent: every pod (peers anywhere), namespaces, NetworkPolicies.
  let netpol: NetpolAgent | undefined;
  const netpolInformers: Array<{ waitForSync(signal?: AbortSignal): Promise<boolean> }> = [];
  if (flags.networkPolicy) {
    const agent = (netpol = new NetpolAgent({ iptables: ipt, ipset, nodeName, logger: log }));
    const podInf = factory.informerFor<Relaxed<Pod>>(findResource('', 'pods')!);
    const nsInf = factory.informerFor<Relaxed<Namespace>>(findResource('', 'namespaces')!);
    const npInf = factory.informerFor<Relaxed<NetworkPolicy>>(findResource('networking.k8s.io', 'networkpolicies')!);
    podInf.on('add', (p) => agent.onPod(p));
    podInf.on('update', (_o, p) => agent.onPod(p));
    podInf.on('delete', (p) => agent.onPodDelete(p));
    nsInf.on('add', (n) => agent.onNamespace(n));
    nsInf.on('update', (_o, n) => agent.onNamespace(n));
    nsInf.on('delete', (n) => agent.onNamespaceDelete(n));
    npInf.on('add', (p) => agent.onPolicy(p));
    npInf.on('update', (_o, p) => agent.onPolicy(p));
    npInf.on('delete', (p) => agent.onPolicyDelete(p));
    netpolInformers.push(podInf, nsInf, npInf);
  }

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
    log.info('starting', { node: nodeName, clusterCIDR: flags.clusterCIDR, backend: flags.backend, networkPolicy: flags.networkPolicy });
    if (netpol) {
      const agent = netpol;
      agent.start();
      // Not awaited: the proxy's own syncs never wait for the agent's caches.
      void Promise.all(netpolInformers.map((i) => i.waitForSync(ac.signal))).then((ok) => ok.every(Boolean) && agent.onSynced());
    }
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
    await netpol?.stop().catch((e: Error) => log.error('network policy cleanup failed', { error: e.message }));
    await factory.stop();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
