/**
 * DaemonSet controller benchmark (issue 13): a DaemonSet over --nodes hollow nodes (default 1,000; 4 cpu, 32Gi,
 * 110 pods, Ready), the real DaemonSet controller and the real scheduler (daemon pods carry a `metadata.name` node
 * affinity, which the scheduler's NodeAffinity PreFilter narrows to one node), and hollow kubelets that report each
 * bound pod Running and Ready. Measured from the DaemonSet's create: all pods created, all pods bound (scheduled),
 * status numberAvailable == desired (rolled out); then a RollingUpdate to a new image with maxUnavailable 10%:
 * every node's pod replaced and available again.
 *
 * In-process by default (the API server's registry over the memory backend, no HTTP, no etcd), or
 * `--kubeconfig <file>` for a real API server.
 *
 * Run:  npx tsc -p tsconfig.json --outDir /tmp/kubelab-bench && \
 *       node /tmp/kubelab-bench/bench/daemonset.js [--nodes 1000] [--kubeconfig f] [--qps 500]
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { KubeClient, type ApiClient } from '../api/client/api-client.js';
import { InProcessClient } from '../control-plane/apiserver/in-process-client.js';
import { InformerFactory } from '../api/client/informer.js';
import { silentLogger } from '../api/client/log.js';
import { DaemonSetController } from '../control-plane/controllers/daemonset/controller.js';
import { R, newControllerContext } from '../control-plane/controllers/util/context.js';
import type { DaemonSet, Pod } from '../control-plane/controllers/util/types.js';
import { Scheduler } from '../control-plane/scheduler/scheduler.js';
import { arg, numArg } from './lib/args.js';

const nodes = numArg('nodes', 1000);
const qps = numArg('qps', 500);
const kubeconfig = arg('kubeconfig');
const ns = 'default';
const name = `bench-ds-${process.pid}`;
const stamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function hollowNode(i: number) {
  const n = `hollow-ds-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n, labels: { 'kubernetes.io/hostname': n } },
    spec: {},
    status: {
      capacity: { pods: '110', cpu: '4', memory: '32Gi' },
      allocatable: { pods: '110', cpu: '4', memory: '32Gi' },
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: stamp(), lastTransitionTime: stamp() }],
    },
  };
}

async function main(): Promise<void> {
  const client: ApiClient = kubeconfig ? KubeClient.fromKubeconfig(kubeconfig, undefined, { qps, burst: qps * 2, logger: silentLogger }) : new InProcessClient();
  for (let i = 0; i < nodes; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, nodes - i) }, (_, j) => client.create(R.nodes, undefined, hollowNode(i + j)).catch(() => undefined)));
  }
  const informers = new InformerFactory(client, { logger: silentLogger });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  const controller = new DaemonSetController(ctx);
  const sched = new Scheduler({ client, logger: silentLogger });
  const podInformer = informers.informerFor<Pod>(R.pods);
  const dsInformer = informers.informerFor<DaemonSet>(R.daemonSets);
  const abort = new AbortController();
  setMaxListeners(100, abort.signal);
  informers.start();
  await sched.startInformers(abort.signal);
  const running = Promise.all([controller.run(abort.signal), sched.run(abort.signal)]);
  await informers.waitForSync();

  // Hollow kubelets: a bound pod of ours becomes Running + Ready once; a deleted one is confirmed gone.
  const handled = new Set<string>();
  const created = new Set<string>();
  const bound = new Set<string>();
  let phase: 'create' | 'roll' = 'create';
  let tCreated = 0;
  let tBound = 0;
  const t0 = performance.now();
  let tRoll0 = 0;
  const kubelet = async (p: Pod) => {
    const pn = p.metadata?.name ?? '';
    if (!pn.startsWith(name)) return;
    if (p.metadata?.deletionTimestamp) {
      await client.delete(R.pods, ns, pn, { gracePeriodSeconds: 0 }).catch(() => undefined);
      return;
    }
    if (phase === 'create') {
      created.add(pn);
      if (created.size === nodes && !tCreated) tCreated = performance.now() - t0;
    }
    if (!p.spec?.nodeName || handled.has(pn)) return;
    if (phase === 'create') {
      bound.add(pn);
      if (bound.size === nodes && !tBound) tBound = performance.now() - t0;
    }
    handled.add(pn);
    try {
      const t = stamp();
      await client.updateStatus(R.pods, {
        ...p,
        status: { ...p.status, phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: t }, { type: 'Ready', status: 'True', lastTransitionTime: t }] },
      });
    } catch (e) {
      handled.delete(pn);
      if (process.env.BENCH_DEBUG) process.stderr.write(`hollow kubelet: ${(e as Error).message}\n`);
    }
  };
  podInformer.on('add', (p) => void kubelet(p));
  podInformer.on('update', (_o, p) => void kubelet(p));

  const waitFor = (ok: (ds: DaemonSet) => boolean) =>
    new Promise<number>((resolve) => {
      let done = false;
      const check = () => {
        const ds = dsInformer.store.get(`${ns}/${name}`);
        if (!done && ds && ok(ds)) {
          done = true;
          resolve(performance.now());
        }
      };
      dsInformer.on('update', check);
      check();
    });

  await client.create(R.daemonSets, ns, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } },
    },
  });
  const tAvailable = (await waitFor((ds) => ds.status?.desiredNumberScheduled === nodes && ds.status?.numberAvailable === nodes && ds.status?.updatedNumberScheduled === nodes)) - t0;

  phase = 'roll';
  const cur = await client.get<DaemonSet>(R.daemonSets, ns, name);
  tRoll0 = performance.now();
  await client.update(R.daemonSets, { ...cur, spec: { ...cur.spec, template: { ...cur.spec?.template, spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } });
  const gen = (cur.metadata?.generation ?? 1) + 1;
  const tRolled =
    (await waitFor(
      (ds) => (ds.status?.observedGeneration ?? 0) >= gen && ds.status?.updatedNumberScheduled === nodes && ds.status?.numberAvailable === nodes,
    )) - tRoll0;

  const result = {
    mode: kubeconfig ? 'api-server' : 'in-process',
    nodes,
    allPodsCreatedMs: Math.round(tCreated),
    allPodsScheduledMs: Math.round(tBound),
    podsScheduledPerSecond: Math.round((nodes / tBound) * 1000),
    allAvailableMs: Math.round(tAvailable),
    rollingUpdate10PercentMs: Math.round(tRolled),
    maxRssMiB: Math.round(process.memoryUsage().rss / 1024 / 1024),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  abort.abort();
  await running;
  await sched.stop();
  await informers.stop();
  await client.delete(R.daemonSets, ns, name).catch(() => undefined);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
