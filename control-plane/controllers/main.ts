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
import { DeploymentController } from './deployment/controller.js';
import { EndpointsController, EndpointSliceController } from './endpoints/controller.js';
import { enabledControllers, parseFlags, usage, type ControllerManagerOptions } from './flags.js';
import { GarbageCollector } from './garbagecollector/controller.js';
import { NamespaceController } from './namespace/controller.js';
import { NodeIpamController } from './nodeipam/controller.js';
import { NodeLifecycleController, TaintEvictionController } from './nodelifecycle/controller.js';
import { PodGCController } from './podgc/controller.js';
import { ReplicaSetController } from './replicaset/controller.js';
import { ServiceAccountController } from './serviceaccount/controller.js';
import { newControllerContext, type ControllerContext } from './util/context.js';

export { parseFlags, enabledControllers } from './flags.js';

/** Build the enabled controllers on a context (also used by tests and benchmarks with a fake client). */
export function buildControllers(ctx: ControllerContext, o: ControllerManagerOptions): Controller[] {
  const on = enabledControllers(o.controllers);
  const list: Controller[] = [];
  if (on.has('replicaset-controller')) list.push(new ReplicaSetController(ctx, { workers: o.concurrentReplicaSetSyncs }));
  if (on.has('deployment-controller')) list.push(new DeploymentController(ctx, { workers: o.concurrentDeploymentSyncs }));
  if (on.has('endpoints-controller')) list.push(new EndpointsController(ctx, { workers: o.concurrentEndpointSyncs }));
  if (on.has('endpointslice-controller')) list.push(new EndpointSliceController(ctx, { workers: o.concurrentServiceEndpointSyncs }));
  if (on.has('node-ipam-controller') && o.allocateNodeCIDRs)
    list.push(new NodeIpamController(ctx, { clusterCIDR: o.clusterCIDR, nodeCIDRMaskSize: o.nodeCIDRMaskSize }));
  if (on.has('node-lifecycle-controller'))
    list.push(
      new NodeLifecycleController(ctx, {
        monitorPeriodMs: o.nodeMonitorPeriodMs,
        gracePeriodMs: o.nodeMonitorGracePeriodMs,
        startupGracePeriodMs: o.nodeStartupGracePeriodMs,
      }),
    );
  if (on.has('taint-eviction-controller')) list.push(new TaintEvictionController(ctx));
  if (on.has('garbage-collector-controller')) list.push(new GarbageCollector(ctx));
  if (on.has('namespace-controller')) list.push(new NamespaceController(ctx, { workers: o.concurrentNamespaceSyncs }));
  if (on.has('pod-garbage-collector-controller')) list.push(new PodGCController(ctx, { terminatedPodThreshold: o.terminatedPodGCThreshold }));
  if (on.has('serviceaccount-controller')) list.push(new ServiceAccountController(ctx));
  return list;
}

/** Start informers and controllers; resolves when the signal aborts and every controller stopped. */
export async function runControllers(client: ApiClient, o: ControllerManagerOptions, signal: AbortSignal): Promise<void> {
  const log = consoleLogger('controller-manager');
  const informers = new InformerFactory(client, { resyncPeriodMs: o.minResyncPeriodMs });
  const ctx = newControllerContext(client, informers);
  const controllers = buildControllers(ctx, o);
  setMaxListeners(500, signal); // every informer and controller listens for the stop
  log.info('starting controllers', { controllers: controllers.map((c) => c.name) });
  informers.start();
  try {
    await Promise.all(controllers.map((c) => c.run(signal)));
  } finally {
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

  const stop = new AbortController();
  setMaxListeners(500, stop.signal);
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (!o.leaderElect) {
      await runControllers(client, o, stop.signal);
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
        leading = runControllers(client, o, signal).catch((e) => log.error('controllers failed', { error: e as Error }));
      },
      onStoppedLeading: () => {
        if (!stop.signal.aborted) lost = true;
      },
      onNewLeader: (id) => log.info('new leader elected', { identity: id }),
    });
    await elector.run(stop.signal);
    await leading;
    // Upstream exits when it loses the lease: a fresh start re-lists everything.
    if (lost) throw new KubeError('InternalError', 'leaderelection lost', { code: 'ERR_INTERNAL' });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
