/**
 * Pod startup latency, as Kubernetes' SLI defines it: from the pod's creation to all its containers
 * running, as observed through a watch, with the image already on the node (pull time excluded).
 * 100 pods over 2 nodes (real kubelets in their own network namespaces, real containerd or dockerd, CNI
 * bridge), per runtime, beside the floor: `ctr run -d` and `docker run -d` of the same image in the same
 * run. Also the kubelet's RSS with its pods running and its CPU use when idle (utime+stime from
 * /proc/<pid>/stat over 30 s).
 *
 * Pods are created directly bound (spec.nodeName, alternating nodes: no scheduler in the path), busybox
 * `sleep 3600`, imagePullPolicy IfNotPresent, requests 10m CPU / 8Mi. One warm-up pod per node first puts
 * the image (and Docker's pause image) on the node. Creation time is taken as the moment the client sends
 * the POST (ms resolution; an upper bound of the SLI, since creationTimestamp is set later in the request);
 * the same figure from metadata.creationTimestamp (1 s resolution) is printed too.
 *
 * Run (as root; compile into a folder inside the checkout so the kubelet children find their files):
 *   cd /work/main && npx tsc -p tsconfig.json --outDir .test-state/bench/dist; \
 *     node .test-state/bench/dist/bench/pod-startup.js [--runtime containerd|docker|both] [--pods 100]
 *       [--nodes 2] [--rate 5] [--idle 30] [--floor 20]
 *   (--rate: pods created per second, 0 = all at once; after `npm run build`, `node dist/bench/pod-startup.js` works too)
 *   KUBELAB_BENCH_SLOWEST=N prints the N slowest pods with the time they were sent (stalls show as a run
 *   of consecutive pods), and the kubelets' warnings.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { api, type ApiHandle } from '../test/support/apiserver.js';
import { waitFor } from '../test/support/net.js';
import { percentile } from './lib/stats.js';
import { PREFIX, podCIDR, startBenchCluster, type BenchCluster } from './lib/kubelet-nodes.js';
import { arg } from './lib/args.js';

type Obj = Record<string, any>;

const RUNTIMES = arg('runtime', 'both') === 'both' ? (['containerd', 'docker'] as const) : [arg('runtime', 'containerd') as 'containerd' | 'docker'];
const PODS = Number(arg('pods', '100'));
const NODES = Number(arg('nodes', '2'));
const RATE = Number(arg('rate', '5'));
const IDLE_S = Number(arg('idle', '30'));
const FLOOR_N = Number(arg('floor', '20'));
const TIMEOUT_S = Number(arg('timeout', '120'));
const IMAGE = 'busybox';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const DIST = resolve(import.meta.dirname, '..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((x) => x.toFixed(2)).join(', ');
const f = (ms: number) => (!Number.isFinite(ms) ? 'never' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

function stats(xs: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}
const line = (what: string, xs: number[]) => {
  const s = stats(xs);
  return `${what.padEnd(58)} p50 ${f(s.p50).padStart(8)}  p90 ${f(s.p90).padStart(8)}  p99 ${f(s.p99).padStart(8)}  max ${f(s.max).padStart(8)}  (n=${s.n})`;
};

/** CPU seconds (utime+stime) and RSS of a process, from /proc. */
function procStat(pid: number): { cpuS: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(rest[11]) + Number(rest[12])) / CLK_TCK; // fields 14 (utime) and 15 (stime)
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuS, rssMiB: rss ? Number(rss[1]) / 1024 : NaN };
}

/** Busy and total CPU seconds of the whole machine since boot (all cores), from /proc/stat. */
function machineCpu(): { busyS: number; totalS: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
  return { busyS: (total - idle) / CLK_TCK, totalS: total / CLK_TCK };
}

/** A pod whose containers all run. */
function allRunning(p: Obj): boolean {
  const want = (p.spec?.containers ?? []).length;
  const cs: Obj[] = p.status?.containerStatuses ?? [];
  return want > 0 && cs.length === want && cs.every((c) => !!c.state?.running);
}

/** A streaming watch; calls onEvent for each event, with the time it arrived. */
function watch(h: ApiHandle, path: string, onEvent: (type: string, obj: Obj, at: number) => void, onEnd: () => void): { close(): void } {
  const u = new URL(path, h.url);
  let buf = '';
  const req = httpsRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'GET', ca: h.caPem, agent: false, headers: { Authorization: `Bearer ${h.adminToken}` } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      const at = performance.now();
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!l) continue;
        const ev = JSON.parse(l) as { type: string; object: Obj };
        onEvent(ev.type, ev.object, at);
      }
    });
    res.on('error', () => undefined);
    res.on('close', onEnd);
  });
  req.on('error', onEnd);
  req.end();
  return { close: () => req.destroy() };
}

function podManifest(name: string, node: string, labels: Record<string, string>): Obj {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels },
    spec: {
      nodeName: node, terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '8Mi' } } }],
    },
  };
}

async function getPod(c: BenchCluster, name: string): Promise<Obj | undefined> {
  const r = await api(c.api, 'GET', `/api/v1/namespaces/default/pods/${name}`);
  return r.status === 200 ? (r.json() as Obj) : undefined;
}

async function nodesReady(c: BenchCluster): Promise<void> {
  for (const [i, n] of c.nodes.entries()) {
    await waitFor(async () => (await api(c.api, 'GET', `/api/v1/nodes/${n.name}`)).status === 200, 60_000, `node ${n.name}`);
    const r = await api(c.api, 'PATCH', `/api/v1/nodes/${n.name}`, { spec: { podCIDR: podCIDR(i), podCIDRs: [podCIDR(i)] } }, { contentType: 'application/merge-patch+json' });
    if (r.status !== 200) throw new Error(`podCIDR patch: ${r.status} ${r.body}`);
  }
  for (const n of c.nodes) {
    await waitFor(async () => {
      const o = (await api(c.api, 'GET', `/api/v1/nodes/${n.name}`)).json() as Obj;
      return o.status?.conditions?.find((x: Obj) => x.type === 'Ready')?.status === 'True';
    }, 60_000, `node ${n.name} Ready`);
  }
}

/** One pod per node, run then deleted: the image (and Docker's pause image) is then on every node. */
async function warmUp(c: BenchCluster): Promise<void> {
  for (const n of c.nodes) {
    const r = await api(c.api, 'POST', '/api/v1/namespaces/default/pods', podManifest(`warmup-${n.name}`, n.name, { bench: 'warmup' }));
    if (r.status !== 201) throw new Error(`warm-up pod: ${r.status} ${r.body}`);
  }
  for (const n of c.nodes) {
    await waitFor(async () => {
      const p = await getPod(c, `warmup-${n.name}`);
      return !!p && allRunning(p);
    }, 180_000, `warm-up pod on ${n.name} (${n.log().slice(-1500)})`, 250);
    await api(c.api, 'DELETE', `/api/v1/namespaces/default/pods/warmup-${n.name}`, { gracePeriodSeconds: 0 });
  }
  for (const n of c.nodes) await waitFor(async () => !(await getPod(c, `warmup-${n.name}`)), 60_000, 'warm-up pods to go', 250);
}

interface RuntimeResult {
  runtime: string;
  sli: number[];
  sliFromTimestamp: number[];
  post: number[];
  floor: number[];
  floorWhat: string;
  rss: number[];
  idleCpu: number[];
  startCpu: number[];
  /** The whole machine during the startup phase: busy and available core-seconds. */
  machine: { busyS: number; totalS: number };
  wallS: number;
  running: number;
}

/** `ctr run -d` / `docker run -d` of the same image, one after another: the runtime's own floor. */
function floor(c: BenchCluster, registryAddr: string): { what: string; ms: number[] } {
  const ms: number[] = [];
  const time = (cmd: string, args: string[]) => {
    const t0 = performance.now();
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    ms.push(performance.now() - t0);
  };
  if (c.runtime === 'containerd') {
    const base = ['--address', c.containerdSocket!, '-n', `${PREFIX}floor`];
    const ref = `${registryAddr}/library/${IMAGE}:latest`;
    execFileSync('ctr', [...base, 'images', 'pull', '--plain-http', ref], { stdio: 'ignore' });
    for (let i = 0; i < FLOOR_N; i++) time('ctr', [...base, 'run', '-d', ref, `floor-${i}`, 'sleep', '3600']);
    return { what: `ctr run -d ${IMAGE} sleep 3600 (own netns, no CNI)`, ms };
  }
  const base = ['-H', `unix://${c.dockerSockets[0]}`];
  for (let i = 0; i < FLOOR_N; i++) time('docker', [...base, 'run', '-d', '--network', 'none', IMAGE, 'sleep', '3600']);
  return { what: `docker run -d --network none ${IMAGE} sleep 3600`, ms };
}

async function benchRuntime(runtime: 'containerd' | 'docker'): Promise<RuntimeResult> {
  console.log(`\n== ${runtime}: starting etcd, API server, registry, ${runtime === 'containerd' ? 'containerd' : `${NODES} dockerd`}, ${NODES} kubelets (load ${load()})`);
  const c = await startBenchCluster({ runtime, nodes: NODES, dist: DIST });
  try {
    await nodesReady(c);
    await warmUp(c);
    console.log(`nodes Ready, image on every node (load ${load()})`);

    // A watch from a list's resourceVersion; when it ends or answers an ERROR (410 Expired), list and
    // watch again, as an informer does (pods found running by that list count from the list's arrival).
    const sentAt = new Map<string, number>();
    const runningAt = new Map<string, number>();
    const sliTs: number[] = [];
    const epochOffset = Date.now() - performance.now();
    let relists = -1;
    let stopped = false;
    const seen = (obj: Obj, at: number) => {
      const name = obj.metadata?.name as string;
      if (runningAt.has(name) || !allRunning(obj)) return;
      runningAt.set(name, at);
      sliTs.push(at + epochOffset - Date.parse(obj.metadata.creationTimestamp));
    };
    let w: { close(): void } | undefined;
    const listAndWatch = async (): Promise<void> => {
      if (stopped) return;
      relists++;
      const list = (await api(c.api, 'GET', '/api/v1/namespaces/default/pods?labelSelector=bench%3Dstartup')).json() as Obj;
      const at = performance.now();
      for (const p of list.items as Obj[]) seen(p, at);
      let ended = false;
      const again = () => {
        if (ended) return;
        ended = true;
        w?.close();
        if (!stopped) setTimeout(() => void listAndWatch().catch(again), 100);
      };
      w = watch(c.api, `/api/v1/namespaces/default/pods?watch=true&labelSelector=bench%3Dstartup&resourceVersion=${list.metadata.resourceVersion}`, (type, obj, at2) => {
        if (type === 'ERROR') again();
        else seen(obj, at2);
      }, again);
    };
    await listAndWatch();
    await sleep(500);

    const cpu0 = c.nodes.map((n) => procStat(n.kubeletPid()!).cpuS);
    const m0 = machineCpu();
    const post: number[] = [];
    const t0 = performance.now();
    const creates: Promise<void>[] = [];
    for (let i = 0; i < PODS; i++) {
      if (RATE > 0) {
        const wait = t0 + (i * 1000) / RATE - performance.now();
        if (wait > 0) await sleep(wait);
      }
      const name = `startup-${i}`;
      const node = c.nodes[i % c.nodes.length]!.name;
      const s = performance.now();
      sentAt.set(name, s);
      creates.push(api(c.api, 'POST', '/api/v1/namespaces/default/pods', podManifest(name, node, { bench: 'startup' })).then((r) => {
        if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.body}`);
        post.push(performance.now() - s);
      }));
    }
    await Promise.all(creates);
    // A pod that never runs counts as an infinite latency (it is in the p99 when more than 1 % fail).
    await waitFor(() => runningAt.size >= PODS, TIMEOUT_S * 1000, 'all pods running', 200).catch(() => undefined);
    const wallS = (performance.now() - t0) / 1000;
    stopped = true;
    w?.close();
    if (relists > 0) console.log(`the watch was re-established ${relists} times (list, then watch)`);
    const cpu1 = c.nodes.map((n) => procStat(n.kubeletPid()!).cpuS);
    const m1 = machineCpu();
    const sli = [...sentAt].map(([name, s]) => (runningAt.has(name) ? runningAt.get(name)! - s : Infinity));
    const never = [...sentAt.keys()].filter((n) => !runningAt.has(n));
    if (process.env.KUBELAB_BENCH_SLOWEST) {
      const t0 = Math.min(...sentAt.values());
      const slow = [...sentAt].map(([n, s]) => ({ n, s, d: (runningAt.get(n) ?? Infinity) - s })).sort((a, b) => b.d - a.d);
      for (const x of slow.slice(0, Number(process.env.KUBELAB_BENCH_SLOWEST))) console.log(`  slow: ${x.n} sent at +${((x.s - t0) / 1000).toFixed(2)} s, running after ${x.d.toFixed(0)} ms`);
      console.log(`  first create at ${new Date(t0).toISOString()}`);
      for (const n of c.nodes) console.log(n.log().split('\n').filter((l) => /orphan|warn|error|started/.test(l)).slice(-10).join('\n'));
    }
    if (never.length) console.log(`warning: ${never.length} pods not running ${TIMEOUT_S} s after the last create: ${never.join(' ')}`);
    for (const n of never.length ? c.nodes : []) console.log(`--- ${n.name} kubelet log (warnings, last 6):\n${n.log().split('\n').filter((l) => l.includes('"warn"') || l.includes('"error"')).slice(-6).join('\n')}`);
    console.log(`${runningAt.size}/${PODS} pods running ${wallS.toFixed(1)} s after the first create (load ${load()})`);

    // Settle, then RSS with the pods running and CPU over an idle window.
    await sleep(10_000);
    const rss = c.nodes.map((n) => procStat(n.kubeletPid()!).rssMiB);
    const a = c.nodes.map((n) => procStat(n.kubeletPid()!).cpuS);
    await sleep(IDLE_S * 1000);
    const b = c.nodes.map((n) => procStat(n.kubeletPid()!).cpuS);
    const idleCpu = a.map((x, i) => (100 * (b[i]! - x)) / IDLE_S);
    const stillRunning = ((await api(c.api, 'GET', '/api/v1/namespaces/default/pods?labelSelector=bench%3Dstartup')).json() as Obj).items.filter(allRunning).length;
    if (stillRunning !== PODS) console.log(`warning: ${stillRunning}/${PODS} pods running after the idle window`);

    const fl = floor(c, c.registry.addr);
    return {
      runtime, sli, sliFromTimestamp: sliTs, post, floor: fl.ms, floorWhat: fl.what, rss, idleCpu,
      startCpu: cpu1.map((x, i) => x - cpu0[i]!), machine: { busyS: m1.busyS - m0.busyS, totalS: m1.totalS - m0.totalS }, wallS, running: runningAt.size,
    };
  } finally {
    console.log(`cleaning up (${runtime})...`);
    await c.stop();
  }
}

async function main(): Promise<void> {
  console.log(`pod startup benchmark: ${PODS} pods on ${NODES} nodes, ${RATE > 0 ? `${RATE} pods/s` : 'all at once'}, image ${IMAGE} (present), floor ${FLOOR_N} runs; ${new Date().toISOString()}, load average ${load()}`);
  for (const rt of RUNTIMES) {
    const r = await benchRuntime(rt);
    console.log(`\n== ${r.runtime} results (load average now ${load()})`);
    console.log(line('pod startup SLI (POST sent -> all running, via watch)', r.sli));
    if (r.running < PODS) console.log(line(`  over the ${r.running} pods that ran`, r.sli.filter(Number.isFinite)));
    console.log(line('  same from creationTimestamp (1 s resolution)', r.sliFromTimestamp));
    console.log(line('  POST latency', r.post));
    console.log(line(`floor: ${r.floorWhat}`, r.floor));
    console.log(`${r.running}/${PODS} running after ${r.wallS.toFixed(1)} s; kubelet CPU during startup ${r.startCpu.map((x) => `${x.toFixed(1)} s`).join(' / ')}`);
    console.log(
      `machine CPU during startup: ${r.machine.busyS.toFixed(1)} of ${r.machine.totalS.toFixed(1)} core-seconds busy (${((100 * r.machine.busyS) / r.machine.totalS).toFixed(0)} %); ` +
        `the kubelets ${r.startCpu.reduce((a, b) => a + b, 0).toFixed(1)} s of it, the rest the runtime, the API server, etcd and this benchmark`,
    );
    console.log(`kubelet RSS with ${PODS / NODES} pods each: ${r.rss.map((x) => `${x.toFixed(0)} MiB`).join(' / ')}; idle CPU over ${IDLE_S} s: ${r.idleCpu.map((x) => `${x.toFixed(1)} %`).join(' / ')} of one core`);
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
