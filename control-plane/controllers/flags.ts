/**
 * The controller manager's flags (upstream names and defaults, kubelab's where noted), read by the
 * shared parser (api/cli/flags.ts), and the `--controllers` selection. The manager's own flags are
 * here; each controller's flags, names and aliases come from its row of the table (table.ts).
 */

import { KubeError } from '../../api/errors.js';
import { FlagError, bool, formatHelp, num, parseFlags as parseArgs, str, strs, text, type FlagSpec } from '../../api/cli/flags.js';
import type { ControllerOptionsOf, ControllerTable } from './descriptor.js';
import { CONTROLLERS } from './table.js';
import { KUBE_CONTROLLER_MANAGER_PORT, secureServingFlags, secureServingOptions, type SecureServingOptions } from '../componenthealth/serving.js';

/** The manager's own options; every controller's options come beside them (ControllerManagerOptions). */
export interface ManagerOptions {
  kubeconfig?: string;
  leaderElect: boolean;
  leaderElectLeaseDurationMs: number;
  leaderElectRenewDeadlineMs: number;
  leaderElectRetryPeriodMs: number;
  leaderElectResourceName: string;
  leaderElectResourceNamespace: string;
  controllers: string[];
  minResyncPeriodMs: number;
  kubeAPIQPS: number;
  kubeAPIBurst: number;
  /** --use-service-account-credentials: each controller acts as its own ServiceAccount in kube-system. */
  useServiceAccountCredentials: boolean;
  /** --bind-address, --secure-port (10257; 0 serves nothing), --tls-*: the /healthz server. */
  serving: SecureServingOptions;
  help: boolean;
}

/** The manager's options and the option fields of every controller of the table (`nodeMonitorGracePeriodMs`, ...). */
export type ControllerManagerOptions<T extends ControllerTable = typeof CONTROLLERS> = ManagerOptions & ControllerOptionsOf<T>;

/** The controllers' names (upstream's 1.32 `--controllers` names), in the table's order. */
export function controllerNames(table: ControllerTable = CONTROLLERS): string[] {
  return table.map((d) => d.name);
}

/** The controllers, by upstream's 1.32 names; the short aliases of older releases are accepted. */
export const ALL_CONTROLLERS: readonly string[] = controllerNames();

const COMMAND = 'kubelab controller-manager';
const SUMMARY = 'Run the kubelab controller manager: the control loops that drive the cluster toward its desired state.';

/** The flags the manager itself reads (before and after the controllers' flags in --help). */
function managerFlags(table: ControllerTable): { head: FlagSpec[]; tail: FlagSpec[] } {
  return {
    head: [
      { name: 'kubeconfig', type: 'string', help: 'Path to a kubeconfig file with the API server and credentials.' },
      { name: 'leader-elect', type: 'bool', default: true, help: 'Take a Lease before running, so only one of several instances acts.' },
      { name: 'leader-elect-lease-duration', type: 'duration', default: '15s', help: 'How long a leader holds the lease without renewing it.' },
      { name: 'leader-elect-renew-deadline', type: 'duration', default: '10s', help: 'How long the leader retries renewing before it gives up leading.' },
      { name: 'leader-elect-retry-period', type: 'duration', default: '2s', help: 'How often candidates try to acquire or renew.' },
      { name: 'leader-elect-resource-name', type: 'string', default: 'kube-controller-manager', help: 'Name of the Lease.' },
      { name: 'leader-elect-resource-namespace', type: 'string', default: 'kube-system', help: 'Namespace of the Lease.' },
      {
        name: 'controllers',
        type: 'strings',
        default: ['*'],
        help: `Controllers to run: '*' for all, 'foo' to enable, '-foo' to disable. All controllers: ${controllerNames(table).join(', ')}.`,
      },
    ],
    tail: [
      { name: 'min-resync-period', type: 'duration', default: '5m', help: "Informer resync period (the default is kubelab's; upstream's is 12h)." },
      { name: 'kube-api-qps', type: 'int', default: 20, help: 'Client QPS to the API server.' },
      { name: 'kube-api-burst', type: 'int', default: 30, help: 'Client burst to the API server.' },
      { name: 'use-service-account-credentials', type: 'bool', default: false, help: 'If true, use individual service account credentials for each controller.' },
      ...secureServingFlags(KUBE_CONTROLLER_MANAGER_PORT),
    ],
  };
}

/**
 * Every flag of the controller manager: its own, then each controller's in the table's order.
 * A table where two rows share a name, an alias or a flag is a programming error, reported here.
 */
export function controllerManagerFlags(table: ControllerTable = CONTROLLERS): FlagSpec[] {
  const { head, tail } = managerFlags(table);
  const flags = [...head, ...table.flatMap((d) => d.flags), ...tail];
  const seen = new Set<string>();
  for (const f of flags) {
    if (seen.has(f.name)) throw new KubeError('InternalError', `controller manager flag --${f.name} is defined twice`, { code: 'ERR_INTERNAL' });
    seen.add(f.name);
  }
  const names = new Set<string>();
  for (const n of table.flatMap((d) => [d.name, ...d.aliases])) {
    if (names.has(n)) throw new KubeError('InternalError', `controller name or alias "${n}" is used twice`, { code: 'ERR_INTERNAL' });
    names.add(n);
  }
  return flags;
}

export const CONTROLLER_MANAGER_FLAGS: FlagSpec[] = controllerManagerFlags();

export function parseFlags<T extends ControllerTable = typeof CONTROLLERS>(argv: readonly string[], table?: T): ControllerManagerOptions<T> {
  const t: ControllerTable = table ?? CONTROLLERS;
  const { values: v, help } = parseArgs(t === CONTROLLERS ? CONTROLLER_MANAGER_FLAGS : controllerManagerFlags(t), argv, { noArgs: COMMAND });
  const own: ManagerOptions = {
    kubeconfig: str(v, 'kubeconfig'),
    leaderElect: bool(v, 'leader-elect'),
    leaderElectLeaseDurationMs: num(v, 'leader-elect-lease-duration'),
    leaderElectRenewDeadlineMs: num(v, 'leader-elect-renew-deadline'),
    leaderElectRetryPeriodMs: num(v, 'leader-elect-retry-period'),
    leaderElectResourceName: text(v, 'leader-elect-resource-name'),
    leaderElectResourceNamespace: text(v, 'leader-elect-resource-namespace'),
    controllers: strs(v, 'controllers'),
    minResyncPeriodMs: num(v, 'min-resync-period'),
    kubeAPIQPS: num(v, 'kube-api-qps'),
    kubeAPIBurst: num(v, 'kube-api-burst'),
    useServiceAccountCredentials: bool(v, 'use-service-account-credentials'),
    serving: secureServingOptions(v),
    help,
  };
  return Object.assign({}, ...t.map((d) => d.options(v)), own) as ControllerManagerOptions<T>;
}

export function usage(table: ControllerTable = CONTROLLERS): string {
  return formatHelp(COMMAND, SUMMARY, table === CONTROLLERS ? CONTROLLER_MANAGER_FLAGS : controllerManagerFlags(table));
}

function canonical(table: ControllerTable, name: string): string {
  const d = table.find((x) => x.name === name) ?? table.find((x) => x.aliases.includes(name));
  if (!d) throw new FlagError(`"${name}" is not in the list of known controllers`);
  return d.name;
}

/** --controllers: '*' all, 'foo' on, '-foo' off (upstream's IsControllerEnabled; explicit wins over '*'). */
export function enabledControllers(spec: string[], table: ControllerTable = CONTROLLERS): Set<string> {
  const on = new Set<string>();
  const off = new Set<string>();
  let star = false;
  for (const s of spec) {
    if (s === '*') star = true;
    else if (s.startsWith('-')) off.add(canonical(table, s.slice(1)));
    else on.add(canonical(table, s));
  }
  const out = new Set<string>();
  for (const c of controllerNames(table)) if (!off.has(c) && (on.has(c) || star)) out.add(c);
  return out;
}
