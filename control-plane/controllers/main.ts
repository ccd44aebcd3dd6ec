/**
 * `kubelab controller-manager`: one process running the controllers of kube-controller-manager
 * on shared informers, behind leader election on the `kube-controller-manager` Lease.
 */

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { KubeClient, type ApiClient } from '../../api/client/api-client.js';
import type { Controller } from '../../api/client/controller.js';
import { InformerFactory } from '../../api/client/informer.js';
import { LeaderElector } from '../../api/client/leader-election.js';
import { consoleLogger } from '../../api/client/log.js';
import { KubeError } from '../../api/errors.js';
import type { ControllerTable } from './descriptor.js';
import { controllerNames, enabledControllers, parseFlags, usage, type ControllerManagerOptions } from './flags.js';
import { HealthServer, LeaderHealthzAdaptor, PING, type HealthCheck } from '../componenthealth/serving.js';
import { CONTROLLERS } from './table.js';
import { newControllerContext, type ControllerContext } from './util/context.js';
import { CONTROLLER_SERVICE_ACCOUNTS, ServiceAccountClientBuilder } from './util/service-account-credentials.js';

export { parseFlags, enabledControllers } from './flags.js';

/**
 * Build the enabled controllers of a table (by default the manager's) on a context, in the table's
 * order (also used by tests and benchmarks with the in-process client).
 */
export function buildControllers<T extends ControllerTable = typeof CONTROLLERS>(
  ctx: ControllerContext | ((controller: string) => ControllerContext),
  o: ControllerManagerOptions<T>,
  table?: T,
): Controller[] {
  const t: ControllerTable = table ?? CONTROLLERS;
  const on = enabledControllers(o.controllers, t);
  const list: Controller[] = [];
  for (const d of t) {
    if (!on.has(d.name)) continue;
    const c = d.build(typeof ctx === 'function' ? ctx(d.name) : ctx, o);
    if (c) list.push(c);
  }
  return list;
}

/** Start informers and controllers; resolves when the signal aborts and every controller stopped. */
export async function runControllers(client: ApiClient, o: ControllerManagerOptions, signal: AbortSignal, onStarting?: (names: string[]) => void): Promise<void> {
  const log = consoleLogger('controller-manager');
  const informers = new InformerFactory(client, { resyncPeriodMs: o.minResyncPeriodMs });
  const ctx = newControllerContext(client, informers);
  // --use-service-account-credentials: each controller's own client (its ServiceAccount's token); informers stay shared
  const builder = o.useServiceAccountCredentials && client instanceof KubeClient ? new ServiceAccountClientBuilder(client, log) : undefined;
  const contexts = new Map<string, ControllerContext>();
  if (builder) {
    const on = enabledControllers(o.controllers);
    const accounts = [...new Set([...on].map((n) => CONTROLLER_SERVICE_ACCOUNTS[n]).filter((a): a is string => a !== undefined))];
    const clients = new Map(await Promise.all(accounts.map(async (a) => [a, await builder.clientFor(a)] as const)));
    for (const [a, c] of clients) contexts.set(a, newControllerContext(c, informers));
  }
  const contextOf = (controller: string): ControllerContext => contexts.get(CONTROLLER_SERVICE_ACCOUNTS[controller] ?? '') ?? ctx;
  const controllers = buildControllers(contextOf, o);
  setMaxListeners(500, signal); // every informer and controller listens for the stop
  log.info('starting controllers', { controllers: controllers.map((c) => c.name) });
  const enabled = enabledControllers(o.controllers);
  onStarting?.(controllerNames().filter((n) => enabled.has(n)));
  informers.start();
  try {
    await Promise.all(controllers.map((c) => c.run(signal)));
  } finally {
    builder?.stop();
    await informers.stop();
  }
}

export async function runControllerManager(argv: string[]): Promise<void> {
  const o = parseFlags(argv);
  if (o.help) {
    process.stdout.write(usage());
    return;
  }
  const log = consoleLogger('controller-manager');
  const kubeconfig = o.kubeconfig ?? process.env.KUBECONFIG;
  if (!kubeconfig) throw new KubeError('BadRequest', '--kubeconfig is required', { code: 'ERR_CONFIG' });
  enabledControllers(o.controllers); // validate names early
  const client = KubeClient.fromKubeconfig(kubeconfig, undefined, {
    qps: o.kubeAPIQPS,
    burst: o.kubeAPIBurst,
    userAgent: `kube-controller-manager/kubelab (linux/${process.arch})`,
  });

  // upstream's healthz: the leaderElection watchdog, then a ping check named after each controller once it started.
  const watchdog = new LeaderHealthzAdaptor();
  let controllerChecks: HealthCheck[] = [];
  const onStarting = (names: string[]) => {
    controllerChecks = names.map((name) => ({ ...PING, name }));
  };
  const checks = () => [...(o.leaderElect ? [watchdog] : []), ...controllerChecks];
  const health = new HealthServer({ serving: o.serving, log, checks: { healthz: checks, readyz: checks } });
  await health.start();

  const stop = new AbortController();
  setMaxListeners(500, stop.signal);
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (!o.leaderElect) {
      await runControllers(client, o, stop.signal, onStarting);
      return;
    }
    let leading: Promise<void> | undefined;
    let lost = false;
    const elector = new LeaderElector(client, {
      lockName: o.leaderElectResourceName,
      lockNamespace: o.leaderElectResourceNamespace,
      identity: `${hostname()}_${randomUUID()}`,
      leaseDurationMs: o.leaderElectLeaseDurationMs,
      renewDeadlineMs: o.leaderElectRenewDeadlineMs,
      retryPeriodMs: o.leaderElectRetryPeriodMs,
      onStartedLeading: (signal) => {
        leading = runControllers(client, o, signal, onStarting).catch((e) => log.error('controllers failed', { error: e as Error }));
      },
      onStoppedLeading: () => {
        if (!stop.signal.aborted) lost = true;
      },
      onNewLeader: (id) => log.info('new leader elected', { identity: id }),
    });
    watchdog.elector = elector;
    await elector.run(stop.signal);
    await leading;
    // Upstream exits when it loses the lease: a fresh start re-lists everything.
    if (lost) throw new KubeError('InternalError', 'leaderelection lost', { code: 'ERR_INTERNAL' });
  } finally {
    await health.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
