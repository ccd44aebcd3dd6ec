/**
 * `kubelab kubelet`: registers the node, renews its Lease, posts its status, runs the pods bound to it
 * through containerd or Docker (pod workers), keeps host-gw routes to the other nodes' pod CIDRs, and
 * serves the kubelet API (logs, exec) to the API server. Runs inside the node's network namespace.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeClient } from '../../api/client/api-client.js';
import { EventRecorder } from '../../api/client/event-recorder.js';
import { Informer } from '../../api/client/informer.js';
import { consoleLogger } from '../../api/client/log.js';
import { formatHelp } from '../../api/cli/flags.js';
import { KubeError } from '../../api/errors.js';
import { findResource, resourcePath } from '../../api/resources.js';
import { createCA, createCertificate } from '../../api/tls/certs.js';
import { CniManager } from '../network/cni.js';
import { RouteManager } from '../network/routes.js';
import { createRuntime } from '../runtime/index.js';
import { KUBELET_FLAGS, kubeletConfig, type KubeletConfig } from './config.js';
import { NodeHeartbeat, readFacts } from './node-status.js';
import { PodWorkers } from './pod-workers.js';
import { parseClusterDNS } from './pod-dns.js';
import type { Service } from './service-env.js';
import type { TokenRequest } from './token-manager.js';
import { KubeletServer } from './server.js';
import { StatsCollector } from './stats-collector.js';
import { DelegatedAuth } from '../../api/client/delegated-auth.js';
import { StaticPodSource } from './static-pod-source.js';

import type { Node, Pod } from './types.js';

export interface RunningKubelet {
  stop(): Promise<void>;
  workers: PodWorkers;
}

export async function runKubelet(argv: string[]): Promise<void> {
  const { config, help } = kubeletConfig(argv);
  if (help) {
    process.stdout.write(formatHelp('kubelab kubelet', 'The kubelet: the primary node agent. It registers the node with the API server and runs the pods bound to it.', KUBELET_FLAGS));
    return;
  }
  const k = await startKubelet(config);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await k.stop();
}

function servingCert(config: KubeletConfig): { certPem: string; keyPem: string } {
  if (config.tlsCertFile && config.tlsKeyFile) return { certPem: readFileSync(config.tlsCertFile, 'utf8'), keyPem: readFileSync(config.tlsKeyFile, 'utf8') };
  // As upstream without --tls-cert-file: a self-signed certificate for the node.
  const ca = createCA(`${config.nodeName}-ca@${Math.floor(Date.now() / 1000)}`);
  return createCertificate({ ca, commonName: config.nodeName, dnsNames: [config.nodeName, 'localhost'], ipAddresses: [...(config.nodeIP ? [config.nodeIP] : []), '127.0.0.1'], serverAuth: true });
}

export async function startKubelet(config: KubeletConfig): Promise<RunningKubelet> {
  const log = consoleLogger('kubelet');
  if (!config.kubeconfig) throw new KubeError('BadRequest', '--kubeconfig is required', { code: 'ERR_CONFIG' });
  const client = KubeClient.fromKubeconfig(config.kubeconfig);
  mkdirSync(config.rootDir, { recursive: true });
  mkdirSync(config.podLogsDir, { recursive: true });
  const runtime = await createRuntime(config.runtimeEndpoint, { nodeName: config.nodeName });
  const rv = await runtime.version();
  let runtimeReady = true;
  const nodes = findResource('', 'nodes')!;
  const podsInfo = findResource('', 'pods')!;

  const facts = readFacts({
    nodeName: config.nodeName,
    ...(config.nodeIP ? { nodeIP: config.nodeIP } : {}),
    maxPods: config.maxPods,
    containerRuntimeVersion: `${rv.name}://${rv.version}`,
    port: config.port,
    labels: config.labels,
    taints: config.taints,
  });
  const nodeInformer = new Informer<Node>({ client, resource: nodes, logger: log });
  // The Node's podCIDR (the controller manager's allocation); --pod-cidr / podCIDR until it has one.
  const podCIDR = () => nodeInformer.store.get(config.nodeName)?.spec?.podCIDR ?? config.podCIDR;
  const cni = new CniManager({ nodeName: config.nodeName, binDir: config.cniBinDir, confDir: config.cniConfDir, dataDir: config.cniDataDir, stateDir: join(config.rootDir, 'cni', 'results') });
  const networkReady = () => !!podCIDR() || existsSync(config.cniConfDir) && cni.network(undefined) !== undefined;
  const heartbeat = new NodeHeartbeat(client, facts, () => ({ runtimeReady, networkReady: networkReady() }), log, config.leaseDurationSeconds);
  // Registration runs in the background (retried until the API server answers): static pods, such as a kubeadm
  // control plane's own API server, start without it. Status posts and lease renewals begin once registered.
  const abort = new AbortController();
  const registered = heartbeat.registerUntilDone(abort.signal);

  // Services for the containers' service-link env (KUBERNETES_SERVICE_HOST ...), as upstream's service informer.
  const serviceInformer = new Informer<Service>({ client, resource: findResource('', 'services')!, logger: log });
  const podInformer = new Informer<Pod>({ client, resource: podsInfo, fieldSelector: `spec.nodeName=${config.nodeName}`, resyncPeriodMs: config.syncFrequencyMs, logger: log });
  // Static pods: workers.enqueue is bound once the workers exist (the source reads at start, below).
  let enqueueStatic: (key: string) => void = () => undefined;
  const staticPods = config.staticPodPath
    ? new StaticPodSource({ dir: config.staticPodPath, nodeName: config.nodeName, checkFrequencyMs: config.fileCheckFrequencyMs, log, onChange: (keys) => keys.forEach((k) => enqueueStatic(k)) })
    : undefined;
  const clusterDNS = parseClusterDNS(config.clusterDNS);
  for (const ip of clusterDNS.invalid) log.info('Invalid clusterDNS IP', { IP: ip });
  const recorder = new EventRecorder(client, { component: 'kubelet', host: config.nodeName, logger: log });
  const workers = new PodWorkers({
    client,
    runtime,
    runtimeName: rv.name,
    pods: podInformer,
    services: () => serviceInformer.store.list(),
    cni,
    recorder,
    nodeName: config.nodeName,
    resyncSpreadMs: config.syncFrequencyMs / 2,
    ...(config.nodeIP ? { nodeIP: config.nodeIP } : {}),
    rootDir: config.rootDir,
    podLogsDir: config.podLogsDir,
    // Mirrors are authoritative: a node never falls back to the registry itself (no traffic off the machine).
    pull: { mirrors: config.mirrors, insecureRegistries: config.insecureRegistries, mirrorFallback: false },
    podCIDR,
    dns: { clusterDNS: clusterDNS.ips, clusterDomain: config.clusterDomain ?? '', resolvConf: config.resolvConf, nodeIPs: config.nodeIP ? [config.nodeIP] : [] },
    ...(staticPods ? { staticPods } : {}),
    node: () => {
      const uid = nodeInformer.store.get(config.nodeName)?.metadata?.uid;
      return uid ? { name: config.nodeName, uid } : undefined;
    },
    // upstream's kubelet asks the TokenRequest API for the tokens of projected serviceAccountToken sources.
    requestToken: (ns, sa, body) => client.request<TokenRequest>('POST', resourcePath(findResource('', 'serviceaccounts')!, ns, sa, 'token'), { body }),
    nodeMemoryBytes: BigInt(facts.memoryBytes),
    logger: log,
  });
  enqueueStatic = (key) => workers.enqueue(key);
  staticPods?.start();
  nodeInformer.start();
  serviceInformer.start();
  const running = workers.run(abort.signal);

  // Routes to the other nodes' pod CIDRs, kept current.
  const routes = new RouteManager(config.nodeName, config.clusterCIDR);
  let routeTimer: ReturnType<typeof setTimeout> | undefined;
  const syncRoutes = () => {
    if (!config.manageRoutes || routeTimer) return;
    routeTimer = setTimeout(() => {
      routeTimer = undefined;
      routes.sync(nodeInformer.store.list() as never).then(
        (d) => (d.replace.length || d.remove.length) && log.info('routes updated', { replace: d.replace, remove: d.remove }),
        (e: unknown) => log.warn('route sync failed', { error: e as Error }),
      );
    }, 200);
  };
  nodeInformer.on('add', (n) => {
    syncRoutes();
    // The Node is known: static pods get their mirror pods (owned by it).
    if (n.metadata?.name === config.nodeName) for (const p of staticPods?.list() ?? []) workers.enqueue(p);
  });
  nodeInformer.on('update', (a, b) => {
    if (a.spec?.podCIDR !== b.spec?.podCIDR || JSON.stringify(a.status?.addresses) !== JSON.stringify(b.status?.addresses)) syncRoutes();
    // A podCIDR arriving makes pods that waited for the network runnable.
    if (b.metadata?.name === config.nodeName && !a.spec?.podCIDR && b.spec?.podCIDR) for (const p of workers.runningPods()) workers.enqueue(p);
  });
  nodeInformer.on('delete', syncRoutes);

  const timers: ReturnType<typeof setInterval>[] = [];
  timers.push(setInterval(() => {
    if (!heartbeat.current()) return; // not registered yet
    runtime.version().then(() => (runtimeReady = true), () => (runtimeReady = false)).finally(() =>
      heartbeat.postStatus().catch((e: unknown) => log.warn('node status update failed', { error: e as Error })),
    );
  }, config.nodeStatusUpdateFrequencyMs));
  const renew = () => (heartbeat.current() ? heartbeat.renewLease().catch((e: unknown) => log.warn('lease renewal failed', { error: e as Error })) : undefined);
  void registered.then(() => renew());
  timers.push(setInterval(renew, Math.max(1000, (config.leaseDurationSeconds * 1000) / 4)));
  // upstream's eviction manager: emptyDir usage against sizeLimit every 10 s.
  timers.push(setInterval(() => {
    try {
      workers.checkEmptyDirLimits();
    } catch (e) {
      log.warn('emptyDir usage check failed', { error: e as Error });
    }
  }, 10_000));
  timers.push(setInterval(() => {
    if (config.manageRoutes) syncRoutes();
    if (podInformer.hasSynced()) void workers.cleanupOrphans().catch((e: unknown) => log.warn('orphan cleanup failed', { error: e as Error }));
  }, 30_000));
  void podInformer.waitForSync(abort.signal).then(async (ok) => {
    if (ok) await workers.cleanupOrphans().catch((e: unknown) => log.warn('orphan cleanup failed', { error: e as Error }));
  });

  const cert = servingCert(config);
  const server = new KubeletServer({
    address: config.address,
    port: config.port,
    certPem: cert.certPem,
    keyPem: cert.keyPem,
    tls: config.tls,
    ...(config.clientCAFile ? { clientCAPem: readFileSync(config.clientCAFile, 'utf8') } : {}),
    runtime,
    pod: (ns, name) => workers.podByName(ns, name),
    pods: () => workers.runningPods(),
    log,
    stats: new StatsCollector({ runtime, nodeName: config.nodeName, pods: () => workers.runningPods() }),
    delegation: { nodeName: config.nodeName, reviews: new DelegatedAuth(client), tokenWebhook: config.authenticationTokenWebhook, authorizationMode: config.authorizationMode },
  });
  await server.start();
  log.info('kubelet started', { node: config.nodeName, runtime: `${rv.name}://${rv.version}`, port: config.port, ...(config.configFile ? { config: config.configFile } : {}), ...(config.staticPodPath ? { staticPodPath: config.staticPodPath } : {}) });

  return {
    workers,
    async stop() {
      for (const t of timers) clearInterval(t);
      staticPods?.stop();
      if (routeTimer) clearTimeout(routeTimer);
      abort.abort();
      await server.stop();
      await running.catch(() => undefined);
      workers.stop();
      await podInformer.stop();
      await nodeInformer.stop();
      await serviceInformer.stop();
      await runtime.close();
      (client as { close?: () => void }).close?.();
    },
  };
}
