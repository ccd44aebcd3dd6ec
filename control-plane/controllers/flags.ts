/**
 * The controller manager's flags (upstream names and defaults, kubelab's where noted), read by the
 * shared parser (api/cli/flags.ts), and the `--controllers` selection.
 */

import { FlagError, bool, formatHelp, num, parseFlags as parseArgs, str, strs, text, type FlagSpec } from '../../api/cli/flags.js';

export interface ControllerManagerOptions {
  kubeconfig?: string;
  leaderElect: boolean;
  leaderElectLeaseDurationMs: number;
  leaderElectRenewDeadlineMs: number;
  leaderElectRetryPeriodMs: number;
  leaderElectResourceName: string;
  leaderElectResourceNamespace: string;
  clusterCIDR: string;
  nodeCIDRMaskSize: number;
  allocateNodeCIDRs: boolean;
  nodeMonitorPeriodMs: number;
  nodeMonitorGracePeriodMs: number;
  nodeStartupGracePeriodMs: number;
  terminatedPodGCThreshold: number;
  controllers: string[];
  concurrentDeploymentSyncs: number;
  concurrentReplicaSetSyncs: number;
  concurrentEndpointSyncs: number;
  concurrentServiceEndpointSyncs: number;
  concurrentNamespaceSyncs: number;
  minResyncPeriodMs: number;
  kubeAPIQPS: number;
  kubeAPIBurst: number;
  help: boolean;
}

/** The controllers, by upstream's 1.32 names; the short aliases of older releases are accepted. */
export const ALL_CONTROLLERS = [
  'replicaset-controller',
  'deployment-controller',
  'endpoints-controller',
  'endpointslice-controller',
  'node-ipam-controller',
  'node-lifecycle-controller',
  'taint-eviction-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'pod-garbage-collector-controller',
  'serviceaccount-controller',
] as const;
export type ControllerName = (typeof ALL_CONTROLLERS)[number];

const COMMAND = 'kubelab controller-manager';
const SUMMARY = 'Run the kubelab controller manager: the control loops that drive the cluster toward its desired state.';

export const CONTROLLER_MANAGER_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'Path to a kubeconfig file with the API server and credentials.' },
  { name: 'leader-elect', type: 'bool', default: true, help: 'Take a Lease before running, so only one of several instances acts.' },
  { name: 'leader-elect-lease-duration', type: 'duration', default: '15s', help: 'How long a leader holds the lease without renewing it.' },
  { name: 'leader-elect-renew-deadline', type: 'duration', default: '10s', help: 'How long the leader retries renewing before it gives up leading.' },
  { name: 'leader-elect-retry-period', type: 'duration', default: '2s', help: 'How often candidates try to acquire or renew.' },
  { name: 'leader-elect-resource-name', type: 'string', default: 'kube-controller-manager', help: 'Name of the Lease.' },
  { name: 'leader-elect-resource-namespace', type: 'string', default: 'kube-system', help: 'Namespace of the Lease.' },
  { name: 'cluster-cidr', type: 'string', default: '10.244.0.0/16', help: "CIDR range of pods (the default is kubelab's; upstream has none)." },
  { name: 'node-cidr-mask-size', type: 'int', default: 24, help: 'Mask size of the pod CIDR given to each node.' },
  { name: 'allocate-node-cidrs', type: 'bool', default: true, help: "Give every node a pod CIDR from --cluster-cidr (the default is kubelab's; upstream's is false)." },
  { name: 'node-monitor-period', type: 'duration', default: '5s', help: 'How often node health is checked.' },
  { name: 'node-monitor-grace-period', type: 'duration', default: '50s', help: 'Silence after which a node is marked unhealthy (Ready Unknown).' },
  { name: 'node-startup-grace-period', type: 'duration', default: '1m', help: 'Silence allowed to a starting node before it is marked unhealthy.' },
  { name: 'terminated-pod-gc-threshold', type: 'int', default: 12_500, help: 'Terminated pods kept before the oldest are deleted (<= 0 disables).' },
  {
    name: 'controllers',
    type: 'strings',
    default: ['*'],
    help: `Controllers to run: '*' for all, 'foo' to enable, '-foo' to disable. All controllers: ${ALL_CONTROLLERS.join(', ')}.`,
  },
  { name: 'concurrent-deployment-syncs', type: 'int', default: 5, help: 'Deployments synced at once.' },
  { name: 'concurrent-replicaset-syncs', type: 'int', default: 5, help: 'ReplicaSets synced at once.' },
  { name: 'concurrent-endpoint-syncs', type: 'int', default: 5, help: 'Endpoints synced at once.' },
  { name: 'concurrent-service-endpoint-syncs', type: 'int', default: 5, help: 'EndpointSlice services synced at once.' },
  { name: 'concurrent-namespace-syncs', type: 'int', default: 10, help: 'Namespaces synced at once.' },
  { name: 'min-resync-period', type: 'duration', default: '5m', help: "Informer resync period (the default is kubelab's; upstream's is 12h)." },
  { name: 'kube-api-qps', type: 'int', default: 20, help: 'Client QPS to the API server.' },
  { name: 'kube-api-burst', type: 'int', default: 30, help: 'Client burst to the API server.' },
];

export function parseFlags(argv: readonly string[]): ControllerManagerOptions {
  const { values: v, help } = parseArgs(CONTROLLER_MANAGER_FLAGS, argv, { noArgs: COMMAND });
  return {
    kubeconfig: str(v, 'kubeconfig'),
    leaderElect: bool(v, 'leader-elect'),
    leaderElectLeaseDurationMs: num(v, 'leader-elect-lease-duration'),
    leaderElectRenewDeadlineMs: num(v, 'leader-elect-renew-deadline'),
    leaderElectRetryPeriodMs: num(v, 'leader-elect-retry-period'),
    leaderElectResourceName: text(v, 'leader-elect-resource-name'),
    leaderElectResourceNamespace: text(v, 'leader-elect-resource-namespace'),
    clusterCIDR: text(v, 'cluster-cidr'),
    nodeCIDRMaskSize: num(v, 'node-cidr-mask-size'),
    allocateNodeCIDRs: bool(v, 'allocate-node-cidrs'),
    nodeMonitorPeriodMs: num(v, 'node-monitor-period'),
    nodeMonitorGracePeriodMs: num(v, 'node-monitor-grace-period'),
    nodeStartupGracePeriodMs: num(v, 'node-startup-grace-period'),
    terminatedPodGCThreshold: num(v, 'terminated-pod-gc-threshold'),
    controllers: strs(v, 'controllers'),
    concurrentDeploymentSyncs: num(v, 'concurrent-deployment-syncs'),
    concurrentReplicaSetSyncs: num(v, 'concurrent-replicaset-syncs'),
    concurrentEndpointSyncs: num(v, 'concurrent-endpoint-syncs'),
    concurrentServiceEndpointSyncs: num(v, 'concurrent-service-endpoint-syncs'),
    concurrentNamespaceSyncs: num(v, 'concurrent-namespace-syncs'),
    minResyncPeriodMs: num(v, 'min-resync-period'),
    kubeAPIQPS: num(v, 'kube-api-qps'),
    kubeAPIBurst: num(v, 'kube-api-burst'),
    help,
  };
}

export function usage(): string {
  return formatHelp(COMMAND, SUMMARY, CONTROLLER_MANAGER_FLAGS);
}

const ALIASES: Record<string, ControllerName> = {
  replicaset: 'replicaset-controller',
  deployment: 'deployment-controller',
  endpoint: 'endpoints-controller',
  endpointslice: 'endpointslice-controller',
  nodeipam: 'node-ipam-controller',
  nodelifecycle: 'node-lifecycle-controller',
  'taint-eviction': 'taint-eviction-controller',
  garbagecollector: 'garbage-collector-controller',
  namespace: 'namespace-controller',
  podgc: 'pod-garbage-collector-controller',
  serviceaccount: 'serviceaccount-controller',
};

function canonical(name: string): ControllerName {
  if ((ALL_CONTROLLERS as readonly string[]).includes(name)) return name as ControllerName;
  const a = ALIASES[name];
  if (!a) throw new FlagError(`"${name}" is not in the list of known controllers`);
  return a;
}

/** --controllers: '*' all, 'foo' on, '-foo' off (upstream's IsControllerEnabled; explicit wins over '*'). */
export function enabledControllers(spec: string[]): Set<ControllerName> {
  const on = new Set<ControllerName>();
  const off = new Set<ControllerName>();
  let star = false;
  for (const s of spec) {
    if (s === '*') star = true;
    else if (s.startsWith('-')) off.add(canonical(s.slice(1)));
    else on.add(canonical(s));
  }
  const out = new Set<ControllerName>();
  for (const c of ALL_CONTROLLERS) if (!off.has(c) && (on.has(c) || star)) out.add(c);
  return out;
}
