/**
 * `kubelab metrics-server`: kubernetes-sigs/metrics-server as a kubelab add-on (a Deployment in kube-system,
 * scripts/lab.d/metrics-server.yaml, served through the API server's aggregation layer by the APIService
 * v1beta1.metrics.k8s.io). Flags after metrics-server v0.7's.
 */
import { readFileSync } from 'node:fs';
import { FlagError, formatHelp, parseFlags, str, text, num, bool, strs, type FlagSpec } from '../../api/cli/flags.js';
import { KubeClient } from '../../api/client/api-client.js';
import { Informer } from '../../api/client/informer.js';
import { consoleLogger } from '../../api/client/log.js';
import { DelegatedAuth } from '../../api/client/delegated-auth.js';
import { TokenFileSource } from '../../api/client/in-cluster.js';
import { findResource } from '../../api/resources.js';
import { createCA, createCertificate } from '../../api/tls/certs.js';
import { TLS_SERVING_FLAGS, tlsSettings } from '../../api/tls/serving.js';
import { MetricsStorage } from './storage.js';
import { MetricsApiServer } from './server.js';
import { authenticationConfig, EXTENSION_AUTH_CONFIGMAP, type AuthenticationConfig } from './authn.js';
import { DEFAULT_ADDRESS_TYPES, scrapeAll, type KubeletClientOptions, type NodeRef } from './scraper.js';
import type { ObjectRef } from './api.js';

const COMMAND = 'kubelab metrics-server';

/** Upstream's options.go: --metric-resolution below 10s is refused. */
export const MIN_METRIC_RESOLUTION_MS = 10_000;

export const METRICS_SERVER_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'The path to the kubeconfig used to connect to the Kubernetes API server and the Kubelets (defaults to in-cluster config).' },
  { name: 'metric-resolution', type: 'duration', default: '15s', help: 'The resolution at which metrics-server will retain metrics, must set value at least 10s.' },
  { name: 'kubelet-port', type: 'int', default: 10250, help: 'The port to use to connect to Kubelets.' },
  { name: 'kubelet-use-node-status-port', type: 'bool', default: false, help: 'Use the port in the node status. Takes precedence over --kubelet-port flag.' },
  { name: 'kubelet-insecure-tls', type: 'bool', default: false, help: 'Do not verify CA of serving certificates presented by Kubelets.  For testing purposes only.' },
  { name: 'kubelet-preferred-address-types', type: 'strings', default: DEFAULT_ADDRESS_TYPES, help: 'The priority of node address types to use when determining which address to use to connect to a particular node.' },
  { name: 'kubelet-certificate-authority', type: 'string', help: 'Path to the CA to use to validate the Kubelet\'s serving certificates.' },
  { name: 'kubelet-client-certificate', type: 'string', help: 'Path to a client cert file for TLS.' },
  { name: 'kubelet-client-key', type: 'string', help: 'Path to a client key file for TLS.' },
  { name: 'kubelet-request-timeout', type: 'duration', default: '10s', help: 'The length of time to wait before giving up on a single request to Kubelet.' },
  { name: 'secure-port', type: 'int', default: 10250, help: 'The port on which to serve HTTPS with authentication and authorization.' },
  { name: 'bind-address', type: 'string', default: '0.0.0.0', help: 'The IP address on which to listen for the --secure-port port.' },
  { name: 'cert-dir', type: 'string', default: 'apiserver.local.config/certificates', help: 'The directory where the TLS certs are located (kubelab: a self-signed certificate is kept in memory when --tls-cert-file is not set).' },
  { name: 'tls-cert-file', type: 'string', help: 'File containing the default x509 Certificate for HTTPS.' },
  { name: 'tls-private-key-file', type: 'string', help: 'File containing the default x509 private key matching --tls-cert-file.' },
  ...TLS_SERVING_FLAGS.filter((f) => f.name === 'tls-min-version' || f.name === 'tls-cipher-suites'),
];

export interface MetricsServerConfig {
  kubeconfig?: string;
  metricResolutionMs: number;
  kubeletPort: number;
  kubeletUseNodeStatusPort: boolean;
  kubeletInsecureTLS: boolean;
  preferredAddressTypes: string[];
  kubeletCA?: string;
  kubeletClientCert?: string;
  kubeletClientKey?: string;
  kubeletRequestTimeoutMs: number;
  securePort: number;
  bindAddress: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsMinVersion?: string;
  tlsCipherSuites?: string[];
}

const ADDRESS_TYPES = new Set(['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP']);

export function parseMetricsServerFlags(argv: string[]): { cfg: MetricsServerConfig; help: boolean } {
  const { values: v, help, rest } = parseFlags(METRICS_SERVER_FLAGS, argv);
  if (rest.length > 0) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
  const res = num(v, 'metric-resolution');
  const errs: string[] = [];
  if (res < MIN_METRIC_RESOLUTION_MS) errs.push(`metric-resolution should be a time duration at least 10s, but value ${text(v, 'metric-resolution') || `${res / 1000}s`} provided`);
  const types = strs(v, 'kubelet-preferred-address-types');
  for (const t of types) if (!ADDRESS_TYPES.has(t)) errs.push(`kubelet-preferred-address-types: unknown address type "${t}"`);
  if (bool(v, 'kubelet-insecure-tls') && str(v, 'kubelet-certificate-authority')) errs.push('cannot use both --kubelet-certificate-authority and --kubelet-insecure-tls');
  if (!!str(v, 'kubelet-client-certificate') !== !!str(v, 'kubelet-client-key')) errs.push('need both --kubelet-client-key and --kubelet-client-certificate');
  const port = num(v, 'secure-port');
  if (port < 1 || port > 65535) errs.push(`--secure-port ${port} must be between 1 and 65535, inclusive. It cannot be turned off with 0`);
  if (errs.length) throw new FlagError(errs.join('\n'));
  const cfg: MetricsServerConfig = {
    metricResolutionMs: res,
    kubeletPort: num(v, 'kubelet-port'),
    kubeletUseNodeStatusPort: bool(v, 'kubelet-use-node-status-port'),
    kubeletInsecureTLS: bool(v, 'kubelet-insecure-tls'),
    preferredAddressTypes: types,
    kubeletRequestTimeoutMs: num(v, 'kubelet-request-timeout'),
    securePort: port,
    bindAddress: text(v, 'bind-address'),
  };
  const opt = (k: keyof MetricsServerConfig, flag: string) => {
    const s = str(v, flag);
    if (s) (cfg as unknown as Record<string, unknown>)[k] = s;
  };
  opt('kubeconfig', 'kubeconfig');
  opt('kubeletCA', 'kubelet-certificate-authority');
  opt('kubeletClientCert', 'kubelet-client-certificate');
  opt('kubeletClientKey', 'kubelet-client-key');
  opt('tlsCertFile', 'tls-cert-file');
  opt('tlsKeyFile', 'tls-private-key-file');
  opt('tlsMinVersion', 'tls-min-version');
  if (strs(v, 'tls-cipher-suites').length) cfg.tlsCipherSuites = strs(v, 'tls-cipher-suites');
  if (!cfg.kubeconfig && process.env.KUBECONFIG) cfg.kubeconfig = process.env.KUBECONFIG;
  return { cfg, help };
}

export interface RunningMetricsServer {
  server: MetricsApiServer;
  storage: MetricsStorage;
  /** Scrape now (tests). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** Start the metrics server (informers, scrape loop, HTTPS). */
export async function startMetricsServer(cfg: MetricsServerConfig): Promise<RunningMetricsServer> {
  const log = consoleLogger('metrics-server');
  const client = KubeClient.fromKubeconfigOrInCluster(cfg.kubeconfig, { userAgent: 'metrics-server (kubelab)' });
  const cc = client.config;
  const tokenSource = cc.tokenFile ? new TokenFileSource(cc.tokenFile, (p) => readFileSync(p, 'utf8'), Date.now, cc.token) : undefined;
  const pem = (s: string | undefined) => (s && !s.includes('-----BEGIN') ? Buffer.from(s, 'base64').toString('utf8') : s);
  const kubelet: KubeletClientOptions = {
    port: cfg.kubeletPort,
    useNodeStatusPort: cfg.kubeletUseNodeStatusPort,
    preferredAddressTypes: cfg.preferredAddressTypes,
    insecureTLS: cfg.kubeletInsecureTLS,
    timeoutMs: Math.min(cfg.kubeletRequestTimeoutMs, Math.floor(cfg.metricResolutionMs * 0.9)),
    token: () => tokenSource?.current() ?? cc.token,
  };
  const ca = cfg.kubeletCA ? readFileSync(cfg.kubeletCA, 'utf8') : pem(cc.caData);
  if (ca) kubelet.caPem = ca;
  const cert = cfg.kubeletClientCert ? readFileSync(cfg.kubeletClientCert, 'utf8') : cc.token || cc.tokenFile ? undefined : pem(cc.certData);
  const key = cfg.kubeletClientKey ? readFileSync(cfg.kubeletClientKey, 'utf8') : cc.token || cc.tokenFile ? undefined : pem(cc.keyData);
  if (cert && key) {
    kubelet.certPem = cert;
    kubelet.keyPem = key;
  }

  const nodes = new Informer<NodeRef & ObjectRef>({ client, resource: findResource('', 'nodes')!, logger: log });
  const pods = new Informer<ObjectRef>({ client, resource: findResource('', 'pods')!, logger: log });
  nodes.start();
  pods.start();
  const storage = new MetricsStorage(cfg.metricResolutionMs);

  let authn: AuthenticationConfig = authenticationConfig(undefined);
  const loadAuthn = async () => {
    try {
      const cm = await client.request<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${EXTENSION_AUTH_CONFIGMAP.namespace}/configmaps/${EXTENSION_AUTH_CONFIGMAP.name}`);
      authn = authenticationConfig(cm?.data);
    } catch (e) {
      log.warn(`Unable to get configmap/${EXTENSION_AUTH_CONFIGMAP.name} in ${EXTENSION_AUTH_CONFIGMAP.namespace}; usually fixed by 'kubectl create rolebinding -n kube-system ROLEBINDING_NAME --role=extension-apiserver-authentication-reader --serviceaccount=YOUR_NS:YOUR_SA'`, { error: e as Error });
    }
  };
  await loadAuthn();

  const tick = async () => {
    const list = nodes.store.list();
    const { batches, errors } = await scrapeAll(list, kubelet);
    for (const [node, err] of errors) log.warn('Failed to scrape node', { node, err });
    storage.store(batches);
  };

  const serving = cfg.tlsCertFile && cfg.tlsKeyFile
    ? { certPem: readFileSync(cfg.tlsCertFile, 'utf8'), keyPem: readFileSync(cfg.tlsKeyFile, 'utf8') }
    : (() => {
        // as the generic API server without --tls-cert-file: a self-signed certificate (upstream writes it to --cert-dir)
        const host = process.env.HOSTNAME || 'localhost';
        const selfCA = createCA(`${host}-ca@${Math.floor(Date.now() / 1000)}`);
        return createCertificate({ ca: selfCA, commonName: `${host}@${Math.floor(Date.now() / 1000)}`, dnsNames: [host, 'localhost', 'metrics-server.kube-system.svc'], ipAddresses: ['127.0.0.1'], serverAuth: true });
      })();
  const server = new MetricsApiServer({
    address: cfg.bindAddress,
    port: cfg.securePort,
    certPem: serving.certPem,
    keyPem: serving.keyPem,
    tls: tlsSettings(cfg.tlsMinVersion, cfg.tlsCipherSuites),
    authn: () => authn,
    reviews: new DelegatedAuth(client),
    api: { storage, nodes: () => nodes.store.list(), pods: () => pods.store.list(), now: () => new Date() },
    ready: () => storage.ready(),
    log,
  });
  await server.start();

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    const started = Date.now();
    await tick().catch((e: unknown) => log.warn('scrape failed', { error: e as Error }));
    if (!stopped) timer = setTimeout(() => void loop(), Math.max(0, cfg.metricResolutionMs - (Date.now() - started)));
  };
  const authnTimer = setInterval(() => void loadAuthn(), 60_000);
  void nodes.waitForSync().then(() => loop());
  log.info('metrics-server started', { port: server.address?.port, resolution: cfg.metricResolutionMs });
  return {
    server,
    storage,
    tick,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      clearInterval(authnTimer);
      await server.stop();
      await nodes.stop();
      await pods.stop();
      client.close();
    },
  };
}

export async function runMetricsServer(argv: string[]): Promise<void> {
  const { cfg, help } = parseMetricsServerFlags(argv);
  if (help) {
    process.stdout.write(formatHelp(COMMAND, 'Scrapes every kubelet\'s /metrics/resource and serves the resource metrics API (metrics.k8s.io/v1beta1: NodeMetrics, PodMetrics) behind the aggregation layer.', METRICS_SERVER_FLAGS));
    return;
  }
  const running = await startMetricsServer(cfg);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await running.stop();
}
