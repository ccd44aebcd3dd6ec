/**
 * The kubelet's flags (upstream names where the option is the same) and the config they make (pure).
 */
import { FlagError, bool, num, parseFlags, str, strs, text, type FlagSpec, type FlagValues } from '../../api/cli/flags.js';
import { TLS_SERVING_FLAGS, tlsSettings, type TlsSettings } from '../../api/tls/serving.js';
import { nodeHostname } from '../../api/cli/hostname.js';
import { readFileSync } from 'node:fs';
import { ConfigFileError, decodeKubeletConfigFile } from './config-file.js';

export const KUBELET_FLAGS: FlagSpec[] = [
  { name: 'config', type: 'string', help: 'The Kubelet will load its initial configuration from this file (a kubelet.config.k8s.io/v1beta1 KubeletConfiguration). Command-line flags override configuration from this file.' },
  { name: 'pod-manifest-path', type: 'string', default: '', help: 'Path to the directory containing static pod files to run (config file: staticPodPath). Empty: no static pods.' },
  { name: 'file-check-frequency', type: 'duration', default: '20s', help: 'Duration between checking config files for new data.' },
  { name: 'kubeconfig', type: 'string', help: 'Path to a kubeconfig file, specifying how to connect to the API server.' },
  { name: 'hostname-override', type: 'string', help: 'If non-empty, will use this string as identification instead of the actual hostname.' },
  { name: 'node-ip', type: 'string', help: "IP address of the node (the Node's InternalIP)." },
  { name: 'container-runtime-endpoint', type: 'string', default: 'unix:///run/containerd/containerd.sock', help: 'The endpoint of the container runtime: a containerd or dockerd unix socket.' },
  { name: 'root-dir', type: 'string', default: '/var/lib/kubelet', help: 'Directory path for managing kubelet files (volume mounts, pod state).' },
  { name: 'pod-logs-dir', type: 'string', default: '/var/log/pods', help: 'Where the kubelet puts pod containers\' log files.' },
  { name: 'pod-log-dir', type: 'string', help: 'Alias of --pod-logs-dir.' },
  { name: 'cgroup-root', type: 'string', default: '', help: 'Optional root cgroup to use for pods (kubelab: accepted; the runtime places cgroups).' },
  { name: 'cni-bin-dir', type: 'string', default: '/usr/lib/cni', help: 'Directory of the CNI plugin binaries.' },
  { name: 'cni-conf-dir', type: 'string', help: "Directory of CNI network configs (default <root-dir>/cni/net.d; written from the node's podCIDR when empty)." },
  { name: 'cni-data-dir', type: 'string', help: "host-local IPAM's dataDir (default <root-dir>/cni/networks: one per node)." },
  { name: 'register-with-taints', type: 'strings', default: [], help: 'Register the node with the given taints (key=value:Effect, comma-separated).' },
  { name: 'node-labels', type: 'strings', default: [], help: 'Labels to add when registering the node (key=value, comma-separated).' },
  { name: 'node-status-update-frequency', type: 'duration', default: '10s', help: 'How often the kubelet posts node status to the master.' },
  { name: 'node-lease-duration-seconds', type: 'int', default: 40, help: "The duration the kubelet sets on its Lease; renewed every quarter of it (10 s)." },
  { name: 'tls-cert-file', type: 'string', help: 'File containing the x509 certificate for HTTPS (a self-signed one is made when unset).' },
  { name: 'tls-private-key-file', type: 'string', help: 'File containing the x509 private key matching --tls-cert-file.' },
  ...TLS_SERVING_FLAGS,
  { name: 'client-ca-file', type: 'string', help: 'Clients of the kubelet API must present a certificate signed by this CA (the API server\'s kubelet client cert).' },
  { name: 'port', type: 'int', default: 10250, help: 'The port for the kubelet to serve on.' },
  { name: 'address', type: 'string', default: '0.0.0.0', help: 'The IP address for the kubelet to serve on.' },
  { name: 'registry-mirror', type: 'strings', default: [], help: 'kubelab: registry mirrors, registry=url (e.g. docker.io=http://192.168.56.11:5000).' },
  { name: 'image-mirror', type: 'strings', default: [], help: 'Alias of --registry-mirror.' },
  { name: 'insecure-registry', type: 'strings', default: [], help: 'kubelab: registries (host:port) spoken to over plain HTTP.' },
  { name: 'max-pods', type: 'int', default: 110, help: 'Number of pods that can run on this kubelet.' },
  { name: 'sync-frequency', type: 'duration', default: '1m', help: 'Max period between synchronizing running containers and config.' },
  { name: 'cluster-cidr', type: 'string', default: '10.244.0.0/16', help: 'kubelab: the cluster\'s pod range (routes to other nodes\' pod CIDRs are kept inside it).' },
  { name: 'read-only-port', type: 'int', default: 0, help: 'The read-only port for the Kubelet to serve on with no authentication/authorization (kubelab: only 0, disabled, is supported).' },
  { name: 'anonymous-auth', type: 'bool', default: false, help: 'Enables anonymous requests to the Kubelet server (kubelab: accepted; the kubelet API needs a client certificate).' },
  { name: 'authentication-token-webhook', type: 'bool', default: false, help: 'Use the TokenReview API to determine authentication for bearer tokens.' },
  { name: 'authorization-mode', type: 'string', default: 'AlwaysAllow', help: 'Authorization mode for Kubelet server: AlwaysAllow or Webhook (SubjectAccessReview on nodes/<subresource>; the API server\'s kubelet client certificate is always allowed).' },
  { name: 'cluster-dns', type: 'strings', default: [], help: 'Comma-separated list of DNS server IP addresses for pods with dnsPolicy=ClusterFirst.' },
  { name: 'cluster-domain', type: 'string', default: '', help: 'Domain for this cluster (cluster.local).' },
  { name: 'resolv-conf', type: 'string', default: '/etc/resolv.conf', help: 'Resolver configuration file used as the basis for the container DNS resolution configuration.' },
  { name: 'eviction-hard', type: 'strings', default: [], help: 'A set of eviction thresholds (e.g. memory.available<1Gi) (kubelab: accepted, no eviction).' },
  { name: 'pod-cidr', type: 'string', default: '', help: 'The CIDR to use for pod IP addresses, used when the Node object has no spec.podCIDR (standalone mode).' },
  { name: 'serialize-image-pulls', type: 'bool', default: true, help: 'Pull images one at a time (kubelab: accepted).' },
  { name: 'cgroup-driver', type: 'string', default: 'cgroupfs', help: 'Driver that the kubelet uses to manipulate cgroups on the host: cgroupfs or systemd.' },
  { name: 'manage-routes', type: 'bool', default: true, help: "kubelab: keep a route to every other node's podCIDR via its InternalIP." },
];

export interface KubeletConfig {
  kubeconfig?: string;
  nodeName: string;
  nodeIP?: string;
  runtimeEndpoint: string;
  rootDir: string;
  podLogsDir: string;
  cniBinDir: string;
  cniConfDir: string;
  cniDataDir: string;
  taints: { key: string; value?: string; effect: string }[];
  labels: Record<string, string>;
  nodeStatusUpdateFrequencyMs: number;
  leaseDurationSeconds: number;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** --tls-min-version and --tls-cipher-suites, resolved. */
  tls: TlsSettings;
  clientCAFile?: string;
  port: number;
  address: string;
  mirrors: Record<string, string[]>;
  insecureRegistries: string[];
  maxPods: number;
  syncFrequencyMs: number;
  clusterCIDR: string;
  manageRoutes: boolean;
  /** --config, when given. */
  configFile?: string;
  /** Static pod manifests' directory (--pod-manifest-path / staticPodPath); undefined: no static pods. */
  staticPodPath?: string;
  fileCheckFrequencyMs: number;
  /** --pod-cidr / podCIDR: used while the Node has no spec.podCIDR. */
  podCIDR?: string;
  clusterDNS: string[];
  clusterDomain?: string;
  resolvConf: string;
  readOnlyPort: number;
  cgroupDriver: 'cgroupfs' | 'systemd';
  authorizationMode: 'AlwaysAllow' | 'Webhook';
  authenticationTokenWebhook: boolean;
  anonymousAuth: boolean;
  evictionHard: string[];
  serializeImagePulls: boolean;
}

/**
 * The flag values with the config file laid over the defaults and the flags given on the command line
 * over both, as upstream (a flag given explicitly always wins over the file).
 */
export function mergeConfigFile(specs: FlagSpec[], argv: string[], defaultsAndFlags: FlagValues, fileValues: FlagValues): FlagValues {
  const explicit = parseFlags(specs.map((s) => ({ ...s, default: undefined })), argv).values;
  const given = Object.fromEntries(Object.entries(explicit).filter(([, x]) => x !== undefined));
  return { ...defaultsAndFlags, ...fileValues, ...given };
}

/** Upstream's ValidateKubeletConfiguration, for the fields kubelab reads (`invalid configuration: ...`). */
export function validateKubeletConfig(c: KubeletConfig): string[] {
  const errs: string[] = [];
  if (c.nodeStatusUpdateFrequencyMs <= 0) errs.push(`invalid configuration: nodeStatusUpdateFrequency (--node-status-update-frequency) ${formatMs(c.nodeStatusUpdateFrequencyMs)} must be > 0`);
  if (c.fileCheckFrequencyMs < 0) errs.push(`invalid configuration: fileCheckFrequency (--file-check-frequency) ${formatMs(c.fileCheckFrequencyMs)} must not be a negative number`);
  if (c.syncFrequencyMs < 0) errs.push(`invalid configuration: syncFrequency (--sync-frequency) ${formatMs(c.syncFrequencyMs)} must not be a negative number`);
  if (c.maxPods < 0) errs.push(`invalid configuration: maxPods (--max-pods) ${c.maxPods} must not be a negative number`);
  if (c.port < 1 || c.port > 65535) errs.push(`invalid configuration: port (--port) ${c.port} must be between 1 and 65535, inclusive`);
  if (c.readOnlyPort < 0 || c.readOnlyPort > 65535) errs.push(`invalid configuration: readOnlyPort (--read-only-port) ${c.readOnlyPort} must be between 0 and 65535, inclusive`);
  else if (c.readOnlyPort !== 0) errs.push(`invalid configuration: readOnlyPort (--read-only-port) ${c.readOnlyPort}: kubelab serves no read-only port, only 0 is supported`);
  if (c.leaseDurationSeconds <= 0) errs.push('invalid configuration: nodeLeaseDurationSeconds must be greater than 0');
  if (c.cgroupDriver !== 'cgroupfs' && c.cgroupDriver !== 'systemd') errs.push(`invalid configuration: cgroupDriver (--cgroup-driver) ${JSON.stringify(c.cgroupDriver)}: must be cgroupfs or systemd`);
  if (c.authorizationMode !== 'AlwaysAllow' && c.authorizationMode !== 'Webhook') errs.push(`invalid configuration: authorization.mode (--authorization-mode) ${JSON.stringify(c.authorizationMode)}: must be AlwaysAllow or Webhook`);
  return errs;
}

function formatMs(ms: number): string {
  return `${ms / 1000}s`;
}

/** `key=value:Effect` or `key:Effect` (upstream's --register-with-taints syntax). */
export function parseTaint(text: string): { key: string; value?: string; effect: string } {
  const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(text);
  if (!m) throw new FlagError(`invalid taint spec: ${text}`);
  return m[2] ? { key: m[1]!, value: m[2], effect: m[3]! } : { key: m[1]!, effect: m[3]! };
}

export function parseMirror(text: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0 || i === text.length - 1) throw new FlagError(`invalid registry mirror "${text}": want registry=url`);
  return [text.slice(0, i), text.slice(i + 1)];
}

export function kubeletConfig(argv: string[], readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): { config: KubeletConfig; help: boolean } {
  const parsed = parseFlags(KUBELET_FLAGS, argv);
  const help = parsed.help;
  let v = parsed.values;
  const configFile = str(v, 'config');
  if (configFile && !help) {
    let content: string;
    try {
      content = readFile(configFile);
    } catch (e) {
      throw new ConfigFileError(configFile, `failed to read kubelet config file "${configFile}", error: ${(e as Error).message}`);
    }
    v = mergeConfigFile(KUBELET_FLAGS, argv, v, decodeKubeletConfigFile(content, configFile).values);
  }
  const rootDir = str(v, 'root-dir')!;
  const mirrors: Record<string, string[]> = {};
  for (const m of [...strs(v, 'registry-mirror'), ...strs(v, 'image-mirror')]) {
    const [reg, url] = parseMirror(m);
    (mirrors[reg] ??= []).push(url);
  }
  const labels: Record<string, string> = {};
  for (const l of strs(v, 'node-labels')) {
    const [k, val] = l.split('=');
    if (!k) throw new FlagError(`invalid node label "${l}"`);
    labels[k] = val ?? '';
  }
  const nodeName = nodeHostname(str(v, 'hostname-override'));
  const config: KubeletConfig = {
    kubeconfig: str(v, 'kubeconfig'),
    nodeName,
    nodeIP: str(v, 'node-ip'),
    runtimeEndpoint: str(v, 'container-runtime-endpoint')!,
    rootDir,
    podLogsDir: str(v, 'pod-log-dir') ?? str(v, 'pod-logs-dir')!,
    cniBinDir: str(v, 'cni-bin-dir')!,
    cniConfDir: str(v, 'cni-conf-dir') ?? `${rootDir}/cni/net.d`,
    cniDataDir: str(v, 'cni-data-dir') ?? `${rootDir}/cni/networks`,
    taints: strs(v, 'register-with-taints').map(parseTaint),
    labels,
    nodeStatusUpdateFrequencyMs: num(v, 'node-status-update-frequency'),
    leaseDurationSeconds: num(v, 'node-lease-duration-seconds'),
    tlsCertFile: str(v, 'tls-cert-file'),
    tlsKeyFile: str(v, 'tls-private-key-file'),
    tls: tlsSettings(str(v, 'tls-min-version'), strs(v, 'tls-cipher-suites')),
    clientCAFile: str(v, 'client-ca-file'),
    port: num(v, 'port'),
    address: str(v, 'address')!,
    mirrors,
    insecureRegistries: strs(v, 'insecure-registry'),
    maxPods: num(v, 'max-pods'),
    syncFrequencyMs: num(v, 'sync-frequency'),
    clusterCIDR: str(v, 'cluster-cidr')!,
    manageRoutes: bool(v, 'manage-routes'),
    ...(configFile ? { configFile } : {}),
    ...(str(v, 'pod-manifest-path') ? { staticPodPath: str(v, 'pod-manifest-path') } : {}),
    fileCheckFrequencyMs: num(v, 'file-check-frequency'),
    ...(str(v, 'pod-cidr') ? { podCIDR: str(v, 'pod-cidr') } : {}),
    clusterDNS: strs(v, 'cluster-dns'),
    ...(str(v, 'cluster-domain') ? { clusterDomain: str(v, 'cluster-domain') } : {}),
    resolvConf: text(v, 'resolv-conf'),
    readOnlyPort: num(v, 'read-only-port'),
    cgroupDriver: str(v, 'cgroup-driver') as KubeletConfig['cgroupDriver'],
    authorizationMode: str(v, 'authorization-mode') as KubeletConfig['authorizationMode'],
    authenticationTokenWebhook: bool(v, 'authentication-token-webhook'),
    anonymousAuth: bool(v, 'anonymous-auth'),
    evictionHard: strs(v, 'eviction-hard'),
    serializeImagePulls: bool(v, 'serialize-image-pulls'),
  };
  if (!help) {
    const errs = validateKubeletConfig(config);
    if (errs.length) throw new FlagError(`failed to validate kubelet configuration, error: [${errs.join(', ')}]`);
  }
  return { config, help };
}
