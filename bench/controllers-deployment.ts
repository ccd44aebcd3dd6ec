/**
 * Controller manager benchmark: create a Deployment of N replicas (default 1,000) and time
 *   - created -> N pods created (Deployment + ReplicaSet controllers, slow start, expectations),
 *   - created -> Deployment Available (every pod marked Running + Ready by hollow kubelets),
 * and the process RSS meanwhile. The controllers run in this process with the real adapters.
 *
 * Two modes:
 *   in-process (default): the API server's registry in this process over the memory storage backend
 *     (InProcessClient: the real stores, strategies and watch cache, no HTTP, no etcd);
 *   --kubeconfig <file>: a real kubelab (or Kubernetes) API server.
 * In both, hollow kubelets bind each pod round-robin to --nodes hollow nodes (no scheduler needed)
 * and mark it Running + Ready.
 *
 * Run:  npx tsc -p tsconfig.json --outDir /tmp/kubelab-bench && \
 *       node /tmp/kubelab-bench/bench/controllers-deployment.js [--replicas 1000] [--kubeconfig f] [--nodes 3] [--qps 200]
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { KubeClient, type ApiClient } from '../api/client/api-client.js';
import { InProcessClient } from '../control-plane/apiserver/in-process-client.js';
import { InformerFactory } from '../api/client/informer.js';
import { silentLogger } from '../api/client/log.js';
import { DeploymentController } from '../control-plane/controllers/deployment/controller.js';
import { ReplicaSetController } from '../control-plane/controllers/replicaset/controller.js';
import { R, newControllerContext } from '../control-plane/controllers/util/context.js';
import type { Deployment, Pod } from '../control-plane/controllers/util/types.js';
import { arg } from './lib/args.js';

const replicas = Number(arg('replicas', '1000'));
const nodes = Number(arg('nodes', '3'));
const qps = Number(arg('qps', '200'));
const kubeconfig = arg('kubeconfig');
const ns = 'default';
const name = `bench-${process.pid}`;

async function main(): Promise<void> {
  const client: ApiClient = kubeconfig
    ? KubeClient.fromKubeconfig(kubeconfig, undefined, { qps, burst: qps * 2, logger: silentLogger })
    : new InProcessClient();
  const informers = new InformerFactory(client, { logger: silentLogger });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  const controllers = [new DeploymentController(ctx), new ReplicaSetController(ctx)];
  const podInformer = informers.informerFor<Pod>(R.pods);
  const dInformer = informers.informerFor<Deployment>(R.deployments);
  const abort = new AbortController();
  setMaxListeners(100, abort.signal);
  informers.start();
  const running = Promise.all(controllers.map((c) => c.run(abort.signal)));
  await informers.waitForSync();

  let rssMax = 0;
  const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 100);

  // Hollow kubelets: bind and report Running + Ready once per pod.
  const handled = new Set<string>();
  let next = 0;
  const kubelet = async (p: Pod) => {
    const key = `${p.metadata?.namespace}/${p.metadata?.name}`;
    if (handled.has(key) || !p.metadata?.name?.startsWith(name) || p.metadata.deletionTimestamp) return;
    handled.add(key);
    try {
      let nodeName = p.spec?.nodeName;
      if (!nodeName) {
        nodeName = `hollow-${next++ % nodes}`;
        await client.bind(ns, p.metadata.name, nodeName, p.metadata.uid).catch(() => undefined); // a retry may find it bound
      }
      const fresh = await client.get<Pod>(R.pods, ns, p.metadata.name);
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      await client.updateStatus(R.pods, {
        ...fresh,
        status: {
          ...fresh.status,
          phase: 'Running',
          podIP: `10.244.${next % 250}.${(next * 7) % 250}`,
          conditions: [
            { type: 'Ready', status: 'True', lastTransitionTime: now },
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
          ],
        },
      });
    } catch (e) {
      handled.delete(key); // retried on the next event
      if (process.env.BENCH_DEBUG) process.stderr.write(`hollow kubelet: ${(e as Error).message}\n`);
    }
  };
  podInformer.on('add', (p) => void kubelet(p));
  podInformer.on('update', (_o, p) => void kubelet(p));

  const t0 = performance.now();
  let tCreated = 0;
  let tAvailable = 0;
  await client.create(R.deployments, ns, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    },
  });
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
      const count = podInformer.store.list().filter((p) => p.metadata?.name?.startsWith(name)).length;
      if (!tCreated && count >= replicas) tCreated = performance.now() - t0;
      const d = dInformer.store.get(`${ns}/${name}`);
      if (d?.status?.availableReplicas === replicas && d.status.conditions?.some((c) => c.type === 'Available' && c.status === 'True')) {
        tAvailable = performance.now() - t0;
        clearInterval(check);
        resolve();
      }
    }, 20);
  });
  clearInterval(rssTimer);
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  const result = {
    mode: kubeconfig ? 'api-server' : 'in-process',
    replicas,
    createdToAllPodsMs: Math.round(tCreated),
    createdToAvailableMs: Math.round(tAvailable),
    podsPerSecond: Math.round((replicas / tCreated) * 1000),
    maxRssMiB: Math.round(rssMax / 1024 / 1024),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  await client.delete(R.deployments, ns, name, { propagationPolicy: 'Background' }).catch(() => undefined);
  abort.abort();
  await running;
  await informers.stop();
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
