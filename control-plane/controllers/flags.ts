/**
 * The controller manager's flags (upstream names and defaults, kubelab's where noted) and their
 * parsing: `--name=value`, `--name value`, booleans as `--name` / `--name=false`, Go durations.
 */

import { KubeError } from '../../api/errors.js';
import { parseDuration } from '../../api/cli/flags.js';

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

type Kind = 'string' | 'bool' | 'int' | 'duration' | 'list';
interface FlagDef {
  key: keyof ControllerManagerOptions;
  kind: Kind;
  def: unknown;
  help: string;
}

export const FLAGS: Record<string, FlagDef> = {
  kubeconfig: { key: 'kubeconfig', kind: 'string', def: undefined, help: 'Path to a kubeconfig file with the API server and credentials.' },
  'leader-elect': { key: 'leaderElect', kind: 'bool', def: true, help: 'Take a Lease before running, so only one of several instances acts.' },
  'leader-elect-lease-duration': { key: 'leaderElectLeaseDurationMs', kind: 'duration', def: 15_000, help: 'How long a leader holds the lease without renewing it.' },
  'leader-elect-renew-deadline': { key: 'leaderElectRenewDeadlineMs', kind: 'duration', def: 10_000, help: 'How long the leader retries renewing before it gives up leading.' },
  'leader-elect-retry-period': { key: 'leaderElectRetryPeriodMs', kind: 'duration', def: 2_000, help: 'How often candidates try to acquire or renew.' },
  'leader-elect-resource-name': { key: 'leaderElectResourceName', kind: 'string', def: 'kube-controller-manager', help: 'Name of the Lease.' },
  'leader-elect-resource-namespace': { key: 'leaderElectResourceNamespace', kind: 'string', def: 'kube-system', help: 'Namespace of the Lease.' },
  'cluster-cidr': { key: 'clusterCIDR', kind: 'string', def: '10.244.0.0/16', help: 'CIDR range of pods (kubelab default 10.244.0.0/16).' },
  'node-cidr-mask-size': { key: 'nodeCIDRMaskSize', kind: 'int', def: 24, help: 'Mask size of the pod CIDR given to each node.' },
  'allocate-node-cidrs': { key: 'allocateNodeCIDRs', kind: 'bool', def: true, help: 'Give every node a pod CIDR from --cluster-cidr (kubelab default true).' },
  'node-monitor-period': { key: 'nodeMonitorPeriodMs', kind: 'duration', def: 5_000, help: 'How often node health is checked.' },
  'node-monitor-grace-period': { key: 'nodeMonitorGracePeriodMs', kind: 'duration', def: 50_000, help: 'Silence after which a node is marked unhealthy (Ready Unknown).' },
  'node-startup-grace-period': { key: 'nodeStartupGracePeriodMs', kind: 'duration', def: 60_000, help: 'Silence allowed to a starting node before it is marked unhealthy.' },
  'terminated-pod-gc-threshold': { key: 'terminatedPodGCThreshold', kind: 'int', def: 12_500, help: 'Terminated pods kept before the oldest are deleted (<= 0 disables).' },
  controllers: {
    key: 'controllers',
    kind: 'list',
    def: ['*'],
    help: "Controllers to run: '*' for all, 'foo' to enable, '-foo' to disable.",
  },
  'concurrent-deployment-syncs': { key: 'concurrentDeploymentSyncs', kind: 'int', def: 5, help: 'Deployments synced at once.' },
  'concurrent-replicaset-syncs': { key: 'concurrentReplicaSetSyncs', kind: 'int', def: 5, help: 'ReplicaSets synced at once.' },
  'concurrent-endpoint-syncs': { key: 'concurrentEndpointSyncs', kind: 'int', def: 5, help: 'Endpoints synced at once.' },
  'concurrent-service-endpoint-syncs': { key: 'concurrentServiceEndpointSyncs', kind: 'int', def: 5, help: 'EndpointSlice services synced at once.' },
  'concurrent-namespace-syncs': { key: 'concurrentNamespaceSyncs', kind: 'int', def: 10, help: 'Namespaces synced at once.' },
  'min-resync-period': { key: 'minResyncPeriodMs', kind: 'duration', def: 300_000, help: 'Informer resync period (kubelab default 5m; upstream 12h).' },
  'kube-api-qps': { key: 'kubeAPIQPS', kind: 'int', def: 20, help: 'Client QPS to the API server.' },
  'kube-api-burst': { key: 'kubeAPIBurst', kind: 'int', def: 30, help: 'Client burst to the API server.' },
  help: { key: 'help', kind: 'bool', def: false, help: 'Show this help.' },
};

/** Go durations, as every component parses them (api/cli/flags.ts). */
export { parseDuration };

function bad(msg: string): KubeError {
  return new KubeError('BadRequest', msg, { code: 'ERR_CONFIG' });
}

export function parseFlags(argv: string[]): ControllerManagerOptions {
  const o: Record<string, unknown> = {};
  for (const f of Object.values(FLAGS)) o[f.key] = Array.isArray(f.def) ? [...f.def] : f.def;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h') {
      o.help = true;
      continue;
    }
    if (!a.startsWith('--')) throw bad(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const def = FLAGS[name];
    if (!def) throw bad(`unknown flag: --${name}`);
    let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    if (def.kind === 'bool') {
      if (value === undefined) o[def.key] = true;
      else if (value === 'true' || value === 'false') o[def.key] = value === 'true';
      else throw bad(`invalid boolean value "${value}" for --${name}`);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw bad(`flag needs an argument: --${name}`);
    }
    try {
      switch (def.kind) {
        case 'string':
          o[def.key] = value;
          break;
        case 'int':
          if (!/^-?\d+$/.test(value)) throw new Error(`invalid integer "${value}"`);
          o[def.key] = Number.parseInt(value, 10);
          break;
        case 'duration':
          o[def.key] = parseDuration(value);
          break;
        case 'list':
          o[def.key] = value.split(',').map((s) => s.trim()).filter(Boolean);
          break;
      }
    } catch (e) {
      throw bad(`invalid argument "${value}" for "--${name}" flag: ${(e as Error).message}`);
    }
  }
  return o as unknown as ControllerManagerOptions;
}

export function usage(): string {
  const lines = ['Run the kubelab controller manager: the control loops that drive the cluster toward its desired state.', '', 'Usage:', '  kubelab controller-manager [flags]', '', 'Flags:'];
  for (const [name, f] of Object.entries(FLAGS)) {
    const d = f.def === undefined ? '' : f.kind === 'duration' ? ` (default ${formatDuration(f.def as number)})` : ` (default ${Array.isArray(f.def) ? f.def.join(',') : String(f.def)})`;
    lines.push(`      --${name.padEnd(36)}${f.help}${d}`);
  }
  lines.push('', `Controllers: ${ALL_CONTROLLERS.join(', ')}`);
  return lines.join('\n') + '\n';
}

function formatDuration(msv: number): string {
  if (msv % 3_600_000 === 0) return `${msv / 3_600_000}h`;
  if (msv % 60_000 === 0) return `${msv / 60_000}m`;
  if (msv % 1000 === 0) return `${msv / 1000}s`;
  return `${msv}ms`;
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
  if (!a) throw bad(`"${name}" is not in the list of known controllers`);
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
