/**
 * Job controller benchmark (issue 13): a Job of --completions pods (default 1,000) at --parallelism
 * (default 100) against the real Job controller, with hollow kubelets that bind each pod and report it
 * Succeeded (exit 0) at once; measured: pods created per second and created -> Complete. In the same run,
 * side by side, a Deployment of the same number of replicas (Deployment + ReplicaSet controllers, hollow
 * kubelets reporting Running + Ready): all pods created and Available, as bench/controllers-deployment.ts.
 *
 * In-process by default (the API server's registry over the memory backend, no HTTP, no etcd), or
 * `--kubeconfig <file>` for a real API server.
 *
 * Run:  npx tsc -p tsconfig.json --outDir /tmp/kubelab-bench && \
 *       node /tmp/kubelab-bench/bench/jobs.js [--completions 1000] [--parallelism 100] [--kubeconfig f] [--qps 200]
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { KubeClient, type ApiClient } from '../api/client/api-client.js';
import { InProcessClient } from '../control-plane/apiserver/in-process-client.js';
import { InformerFactory } from '../api/client/informer.js';
import { silentLogger } from '../api/client/log.js';
import { DeploymentController } from '../control-plane/controllers/deployment/controller.js';
import { JobController } from '../control-plane/controllers/job/controller.js';
import { ReplicaSetController } from '../control-plane/controllers/replicaset/controller.js';
import { R, newControllerContext } from '../control-plane/controllers/util/context.js';
import type { Deployment, Job, Pod } from '../control-plane/controllers/util/types.js';
import { arg } from './lib/args.js';

const completions = Number(arg('completions', '1000'));
const parallelism = Number(arg('parallelism', '100'));
const qps = Number(arg('qps', '200'));
const kubeconfig = arg('kubeconfig');
const ns = 'default';
const jobName = `bench-job-${process.pid}`;
const deployName = `bench-deploy-${process.pid}`;
const stamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

async function main(): Promise<void> {
  const client: ApiClient = kubeconfig
    ? KubeClient.fromKubeconfig(kubeconfig, undefined, { qps, burst: qps * 2, logger: silentLogger })
    : new InProcessClient();
  const informers = new InformerFactory(client, { logger: silentLogger });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  const controllers = [new JobController(ctx), new DeploymentController(ctx), new ReplicaSetController(ctx)];
  const podInformer = informers.informerFor<Pod>(R.pods);
  const jobInformer = informers.informerFor<Job>(R.jobs);
  const dInformer = informers.informerFor<Deployment>(R.deployments);
  const abort = new AbortController();
  setMaxListeners(100, abort.signal);
  informers.start();
  const running = Promise.all(controllers.map((c) => c.run(abort.signal)));
  await informers.waitForSync();

  // Hollow kubelets: bind, then Succeeded (Job pods) or Running + Ready (Deployment pods), once per pod.
  const handled = new Set<string>();
  let next = 0;
  let jobPodsCreated = 0;
  let deployPodsCreated = 0;
  let tJobPods = 0;
  let tDeployPods = 0;
  const t0 = performance.now();
  const kubelet = async (p: Pod) => {
    const name = p.metadata?.name ?? '';
    const forJob = name.startsWith(jobName);
    if (handled.has(name) || (!forJob && !name.startsWith(deployName)) || p.metadata?.deletionTimestamp) return;
    handled.add(name);
    if (forJob && ++jobPodsCreated === completions) tJobPods = performance.now() - t0;
    if (!forJob && ++deployPodsCreated === completions) tDeployPods = performance.now() - t0;
    try {
      if (!p.spec?.nodeName) await client.bind(ns, name, `hollow-${next++ % 3}`, p.metadata?.uid).catch(() => undefined);
      const fresh = await client.get<Pod>(R.pods, ns, name);
      const t = stamp();
      const status = forJob
        ? {
            ...fresh.status,
            phase: 'Succeeded',
            conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: t, reason: 'PodCompleted' }],
            containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: t, startedAt: t } } }],
          }
        : {
            ...fresh.status,
            phase: 'Running',
            podIP: `10.244.${next % 250}.${(next * 7) % 250}`,
            conditions: [
              { type: 'Ready', status: 'True', lastTransitionTime: t },
              { type: 'PodScheduled', status: 'True', lastTransitionTime: t },
            ],
          };
      await client.updateStatus(R.pods, { ...fresh, status });
    } catch (e) {
      handled.delete(name);
      if (process.env.BENCH_DEBUG) process.stderr.write(`hollow kubelet: ${(e as Error).message}\n`);
    }
  };
  podInformer.on('add', (p) => void kubelet(p));
  podInformer.on('update', (_o, p) => void kubelet(p));

  const template = (labels: Record<string, string>, restartPolicy: string) => ({
    metadata: { labels },
    spec: { restartPolicy, containers: [{ name: 'c', image: 'busybox' }] },
  });
  await Promise.all([
    client.create(R.jobs, ns, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: jobName, namespace: ns }, spec: { completions, parallelism, template: template({}, 'Never') } }),
    client.create(R.deployments, ns, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: deployName, namespace: ns },
      spec: { replicas: completions, selector: { matchLabels: { app: deployName } }, template: template({ app: deployName }, 'Always') },
    }),
  ]);
  // Times taken when the caches see them (an interval timer would be starved by the busy event loop).
  let tComplete = 0;
  let tAvailable = 0;
  await new Promise<void>((resolve) => {
    const check = () => {
      const job = jobInformer.store.get(`${ns}/${jobName}`);
      if (!tComplete && job?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')) tComplete = performance.now() - t0;
      const d = dInformer.store.get(`${ns}/${deployName}`);
      if (!tAvailable && d?.status?.availableReplicas === completions) tAvailable = performance.now() - t0;
      if (tComplete && tAvailable) resolve();
    };
    jobInformer.on('update', check);
    dInformer.on('update', check);
  });
  const result = {
    mode: kubeconfig ? 'api-server' : 'in-process',
    job: { completions, parallelism, allPodsCreatedMs: Math.round(tJobPods), podsPerSecond: Math.round((completions / tJobPods) * 1000), completeMs: Math.round(tComplete) },
    deployment: { replicas: completions, allPodsCreatedMs: Math.round(tDeployPods), podsPerSecond: Math.round((completions / tDeployPods) * 1000), availableMs: Math.round(tAvailable) },
    maxRssMiB: Math.round(process.memoryUsage().rss / 1024 / 1024),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  await client.delete(R.jobs, ns, jobName, { propagationPolicy: 'Background' }).catch(() => undefined);
  await client.delete(R.deployments, ns, deployName, { propagationPolicy: 'Background' }).catch(() => undefined);
  abort.abort();
  await running;
  await informers.stop();
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
