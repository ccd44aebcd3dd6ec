/**
 * The kubelet's flags (upstream names where the option is the same) and the config they make (pure).
 */
import { FlagError, bool, num, parseFlags, str, strs, type FlagSpec } from '../../api/cli/flags.js';
import { TLS_SERVING_FLAGS, tlsSettings, type TlsSettings } from '../../api/tls/serving.js';
import { nodeHostname } from '../../api/cli/hostname.js';

export const KUBELET_FLAGS: FlagSpec[] = [
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

export function kubeletConfig(argv: string[]): { config: KubeletConfig; help: boolean } {
  const { values: v, help } = parseFlags(KUBELET_FLAGS, argv);
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
  };
  return { config, help };
}
