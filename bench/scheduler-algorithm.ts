/**
 * Scheduling algorithm alone, in the shape of upstream's scheduler_perf SchedulingBasic:
 * 1,000 nodes (4 cpu, 32Gi, 110 pods; node-default.yaml), 1,000 pods placed first (not measured),
 * then 10,000 pods (100m cpu / 500Mi each; pod-default.yaml) scheduled one at a time, each one
 * assumed into the cache as the real loop does. No API server, no I/O: the pure schedulePod
 * over the cache's snapshot, plus the queue pop.
 *
 * Run:  npm run build && node dist/bench/scheduler-algorithm.js [--nodes 1000] [--init-pods 1000] [--pods 10000] [--spread]
 * --spread gives every pod a ReplicaSet owner, so the default PodTopologySpread constraints score too.
 */
import { schedulePod } from '../control-plane/scheduler/algorithm.js';
import { SchedulerCache } from '../control-plane/scheduler/cache.js';
import { defaultProfile } from '../control-plane/scheduler/profile.js';
import { SchedulingQueue } from '../control-plane/scheduler/queue.js';
import type { SchedNode, SchedPod } from '../control-plane/scheduler/types.js';
import { numArg as arg } from './lib/args.js';

const NODES = arg('nodes', 1000);
const INIT_PODS = arg('init-pods', 1000);
const PODS = arg('pods', 10000);
const SPREAD = process.argv.includes('--spread');

function node(i: number): SchedNode {
  const name = `scheduler-perf-${i}`;
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: { capacity: { pods: '110', cpu: '4', memory: '32Gi' } },
  };
}

function pod(i: number, prefix: string): SchedPod {
  return {
    metadata: {
      name: `${prefix}-${i}`,
      namespace: 'default',
      uid: `${prefix}-${i}`,
      labels: SPREAD ? { app: 'bench' } : undefined,
      ownerReferences: SPREAD ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'bench', controller: true }] : undefined,
    },
    spec: {
      schedulerName: 'default-scheduler',
      containers: [
        {
          name: 'pause',
          ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: '100m', memory: '500Mi' }, requests: { cpu: '100m', memory: '500Mi' } },
        },
      ],
    },
  };
}

function run(): void {
  const cache = new SchedulerCache();
  for (let i = 0; i < NODES; i++) cache.addOrUpdateNode(node(i));
  if (SPREAD) cache.setController('ReplicaSet', { metadata: { name: 'bench', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'bench' } } } });
  const profile = defaultProfile();
  const queue = new SchedulingQueue();
  let start = 0;
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

  const scheduleAll = (prefix: string, n: number, lat?: Float64Array): number => {
    for (let i = 0; i < n; i++) queue.add(pod(i, prefix));
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const t0 = lat ? performance.now() : 0;
      const q = queue.tryPop()!;
      const r = schedulePod(q.pod, cache.snapshot(), profile, { startNodeIndex: start, random });
      start = r.nextStartNodeIndex;
      if ('nodeName' in r) {
        cache.assume(q.pod, r.nodeName);
        ok++;
      }
      queue.done(q.key);
      if (lat) lat[i] = performance.now() - t0;
    }
    return ok;
  };

  scheduleAll('init', INIT_PODS);
  const lat = new Float64Array(PODS);
  const t0 = performance.now();
  const ok = scheduleAll('pod', PODS, lat);
  const secs = (performance.now() - t0) / 1000;
  const sorted = Float64Array.from(lat).sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 1000;
  const rssMb = process.memoryUsage().rss / 1024 / 1024;
  const out = {
    benchmark: 'scheduler-algorithm (SchedulingBasic shape)',
    nodes: NODES,
    initPods: INIT_PODS,
    measuredPods: PODS,
    spread: SPREAD,
    scheduled: ok,
    seconds: Number(secs.toFixed(3)),
    podsPerSecond: Math.round(ok / secs),
    cycleMicros: { p50: Math.round(pct(0.5)), p99: Math.round(pct(0.99)) },
    rssMiB: Math.round(rssMb),
    node: process.version,
  };
  console.log(`${out.benchmark}: ${out.nodes} nodes, ${out.initPods} init pods, ${out.measuredPods} measured pods${SPREAD ? ', ReplicaSet spreading' : ''}`);
  console.log(`  scheduled ${ok}/${PODS} in ${out.seconds} s = ${out.podsPerSecond} pods/s; cycle p50 ${out.cycleMicros.p50} µs, p99 ${out.cycleMicros.p99} µs; RSS ${out.rssMiB} MiB`);
  console.log(JSON.stringify(out));
}

run();
