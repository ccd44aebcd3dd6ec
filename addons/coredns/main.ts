/**
 * `kubelab coredns`: the cluster DNS server. Reads its Corefile from the ConfigMap kube-system/coredns (key
 * `Corefile`, watched: an edit is applied at once when the Corefile has `reload`) or from `--conf FILE` (polled at the
 * `reload` interval), watches Services, EndpointSlices, Namespaces (and Pods for `pods verified`) through the API,
 * and serves DNS on every port its server blocks name. A Corefile that does not parse or configure is logged with its
 * line and the last good configuration keeps serving.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { FlagError, formatHelp, num, parseFlags as parseArgs, str, text, type FlagSpec } from '../../api/cli/flags.js';
import { KubeClient, type ApiClient } from '../../api/client/api-client.js';
import { InformerFactory, type Informer } from '../../api/client/informer.js';
import { consoleLogger } from '../../api/client/log.js';
import { findResource } from '../../api/resources.js';
import type { ConfigMap, Namespace, Pod, Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/groups.js';
import type { Relaxed } from '../../api/types/views.js';
import { ClusterState } from './cluster-state.js';
import { loadCorefile, type ServerConfig } from './config.js';
import { CorefileError } from './corefile.js';
import { DnsMetrics } from './metrics.js';
import { DnsServer } from './server.js';

const COMMAND = 'kubelab coredns';

export const COREDNS_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'Path to a kubeconfig file with the API server and credentials (default: in-cluster, from the pod\'s ServiceAccount).' },
  { name: 'conf', type: 'string', help: 'Corefile to load (default: the ConfigMap named by --configmap).' },
  { name: 'configmap', type: 'string', default: 'kube-system/coredns', help: 'NAMESPACE/NAME of the ConfigMap whose key "Corefile" is the configuration (watched).' },
  { name: 'dns-port', type: 'int', default: 53, help: 'Port of server blocks whose keys name none (CoreDNS -dns.port); 0 picks a free port.' },
  { name: 'bind-address', type: 'string', default: '0.0.0.0', help: 'Address the DNS listeners bind.' },
];

export const USAGE = formatHelp(COMMAND, 'Serves cluster DNS (Services and Pods by name) from a CoreDNS Corefile.', COREDNS_FLAGS);

export interface CorednsFlags {
  kubeconfig?: string;
  conf?: string;
  configmap: { namespace: string; name: string };
  dnsPort: number;
  bindAddress: string;
  help: boolean;
}

export function parseFlags(argv: readonly string[]): CorednsFlags {
  const { values: v, help } = parseArgs(COREDNS_FLAGS, argv, { noArgs: COMMAND });
  const cm = text(v, 'configmap');
  const m = /^([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(cm);
  if (!m) throw new FlagError(`--configmap must be NAMESPACE/NAME, not "${cm}"`);
  const dnsPort = num(v, 'dns-port');
  if (!Number.isInteger(dnsPort) || dnsPort < 0 || dnsPort > 65535) throw new FlagError(`invalid --dns-port ${dnsPort}`);
  return { kubeconfig: str(v, 'kubeconfig'), conf: str(v, 'conf'), configmap: { namespace: m[1]!, name: m[2]! }, dnsPort, bindAddress: text(v, 'bind-address'), help };
}

export interface RunCorednsDeps {
  signal?: AbortSignal;
  client?: ApiClient;
  /** Where CoreDNS-style log lines go (default stdout). */
  log?: (line: string) => void;
  /** Called once the first configuration serves (tests). */
  onServing?: (s: DnsServer, state: ClusterState) => void;
  /** The loop plugin's fatal (default: exit 1, as CoreDNS). */
  onLoop?: (message: string) => void;
}

const readIfExists = (p: string): string | undefined => (existsSync(p) ? readFileSync(p, 'utf8') : undefined);

export async function runCoredns(argv: string[], deps: RunCorednsDeps = {}): Promise<void> {
  const flags = parseFlags(argv);
  if (flags.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = deps.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const client = deps.client ?? KubeClient.fromKubeconfigOrInCluster(flags.kubeconfig, { userAgent: 'kubelab-coredns' });
  const logger = consoleLogger('coredns');
  const metrics = new DnsMetrics({ defaultMetrics: !deps.client });
  const state = new ClusterState();
  const factory = new InformerFactory(client, { logger });

  const svcInf = factory.informerFor<Relaxed<Service>>(findResource('', 'services')!);
  const sliceInf = factory.informerFor<Relaxed<EndpointSlice>>(findResource('discovery.k8s.io', 'endpointslices')!);
  const nsInf = factory.informerFor<Relaxed<Namespace>>(findResource('', 'namespaces')!);
  svcInf.on('add', (s) => state.upsertService(s));
  svcInf.on('update', (_o, s) => state.upsertService(s));
  svcInf.on('delete', (s) => state.deleteService(s.metadata?.namespace ?? '', s.metadata?.name ?? ''));
  sliceInf.on('add', (s) => state.upsertSlice(s));
  sliceInf.on('update', (_o, s) => state.upsertSlice(s));
  sliceInf.on('delete', (s) => state.deleteSlice(s.metadata?.namespace ?? '', s.metadata?.name ?? ''));
  nsInf.on('add', (n) => state.upsertNamespace(n.metadata?.name ?? ''));
  nsInf.on('update', (_o, n) => state.upsertNamespace(n.metadata?.name ?? ''));
  nsInf.on('delete', (n) => state.deleteNamespace(n.metadata?.name ?? ''));
  let podInf: Informer<Relaxed<Pod>> | undefined;
  const ensurePods = (configs: ServerConfig[]) => {
    if (podInf || !configs.some((c) => c.kubernetes?.pods === 'verified')) return;
    podInf = factory.informerFor<Relaxed<Pod>>(findResource('', 'pods')!);
    podInf.on('add', (p) => state.upsertPod(p));
    podInf.on('update', (_o, p) => state.upsertPod(p));
    podInf.on('delete', (p) => state.deletePod(p.metadata?.namespace ?? '', p.metadata?.name ?? ''));
  };
  const synced = () => svcInf.hasSynced() && sliceInf.hasSynced() && nsInf.hasSynced() && (!podInf || podInf.hasSynced());

  const server: DnsServer = new DnsServer({
    bindAddress: flags.bindAddress,
    state,
    metrics,
    log,
    readFile: readIfExists,
    nsAddresses: () => {
      const svc = state.service('kube-system', 'kube-dns');
      if (svc?.clusterIPs.length) return svc.clusterIPs;
      return [flags.bindAddress === '0.0.0.0' ? '127.0.0.1' : flags.bindAddress];
    },
    notReady: (): string[] => (server.config.some((c) => c.kubernetes) && !synced() ? ['kubernetes'] : server.config.length ? [] : ['coredns']),
    onLoop: deps.onLoop ?? ((msg) => {
      log(msg);
      process.exit(1);
    }),
  });

  let lastSum = '';
  let serving = false;
  let chain = Promise.resolve();
  /** Parse and apply a Corefile text; a bad one is logged and the running one stays. Serialised. */
  const load = (corefile: string, source: string) => {
    chain = chain.then(async () => {
      const sum = createHash('sha512').update(corefile).digest('hex');
      if (sum === lastSum) return;
      const first = !serving;
      if (!first && !server.config.some((c) => c.reload)) return; // without `reload` a change waits for a restart
      if (!first) log('[INFO] Reloading');
      let configs: ServerConfig[];
      try {
        configs = loadCorefile(corefile, { file: source, defaultPort: flags.dnsPort, readFile: readIfExists });
        ensurePods(configs);
        await server.apply(configs);
      } catch (e) {
        const msg = e instanceof CorefileError ? e.message : (e as Error).message;
        metrics.reloadFailed.inc();
        log(first ? `[ERROR] ${msg}` : `[ERROR] Restart failed: ${msg}`);
        lastSum = sum; // the same bad text is not retried; the next edit is
        return;
      }
      lastSum = sum;
      log(`[INFO] plugin/reload: Running configuration SHA512 = ${sum}`);
      if (first) {
        serving = true;
        for (const c of configs) log(`${c.zones.map((z) => `${z}:${server.port(c.port)}`).join(' ')}`);
        await server.probeLoops();
        deps.onServing?.(server, state);
      } else log('[INFO] Reloading complete');
    });
    return chain;
  };

  const ac = new AbortController();
  const onSignal = () => ac.abort();
  if (!deps.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  } else if (deps.signal.aborted) ac.abort();
  else deps.signal.addEventListener('abort', onSignal, { once: true });

  let poll: NodeJS.Timeout | undefined;
  try {
    factory.start();
    // As CoreDNS: wait for the API up to 5 s, then serve anyway ("starting server with unsynced Kubernetes API").
    const timeout = new Promise<void>((r) => setTimeout(r, 5000).unref());
    await Promise.race([Promise.all([svcInf.waitForSync(ac.signal), sliceInf.waitForSync(ac.signal), nsInf.waitForSync(ac.signal)]), timeout]);
    if (!synced()) log('[WARNING] plugin/kubernetes: starting server with unsynced Kubernetes API');

    if (flags.conf) {
      const file = flags.conf;
      const text0 = readIfExists(file);
      if (text0 === undefined) throw new FlagError(`open ${file}: no such file or directory`);
      await load(text0, file);
      const tick = () => {
        const every = server.config.find((c) => c.reload)?.reload?.intervalMs ?? 30_000;
        poll = setTimeout(() => {
          const t = readIfExists(file);
          if (t !== undefined) void load(t, file);
          tick();
        }, every);
        poll.unref();
      };
      tick();
    } else {
      const cmInf = factory.informerFor<Relaxed<ConfigMap>>(findResource('', 'configmaps')!, {
        namespace: flags.configmap.namespace,
        fieldSelector: `metadata.name=${flags.configmap.name}`,
      });
      const onCm = (cm: Relaxed<ConfigMap>) => {
        const t = cm.data?.Corefile;
        if (t === undefined) log(`[ERROR] ConfigMap ${flags.configmap.namespace}/${flags.configmap.name} has no key "Corefile"`);
        else void load(t, 'Corefile');
      };
      cmInf.on('add', onCm);
      cmInf.on('update', (_o, cm) => onCm(cm));
    }
    if (!ac.signal.aborted) await new Promise<void>((resolve) => ac.signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    if (poll) clearTimeout(poll);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await chain.catch(() => undefined);
    await server.close();
    await factory.stop();
  }
}
