/**
 * Scheduling end to end, in the shape of upstream's scheduler_perf SchedulingBasic, through a real
 * etcd and the real API server (a child process) with the scheduler as its own process:
 * 1,000 hollow nodes (4 cpu, 32Gi, 110 pods), 1,000 pods scheduled first (not measured), then
 * 10,000 pods created through the API. Reports pods/s (first create sent -> last bind seen),
 * created-to-bound latency p50 / p99 (create request sent -> watch shows spec.nodeName), and the
 * scheduler's peak RSS (/proc/<pid>/status VmRSS).
 *
 * The scheduler runs with --kube-api-qps/--kube-api-burst 5000 (scheduler_perf also lifts the
 * client limits; kube-scheduler's default of 50/100 would cap binds near 50/s). No hostname labels
 * need to match anything: SchedulingBasic pods have no owner, so no spreading.
 *
 * Run:  npm run build && node dist/bench/scheduler-e2e.js [--nodes 1000] [--init-pods 1000] [--pods 10000] [--concurrency 100]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { KubeClient } from '../api/client/api-client.js';
import { silentLogger } from '../api/client/log.js';
import { findResource } from '../api/resources.js';
import { buildKubeconfig } from '../api/tls/kubeconfig.js';
import { ensureServingCerts } from '../control-plane/apiserver/main.js';
import { startEtcd } from '../test/support/etcd.js';
import { freePort } from '../test/support/net.js';
import { numArg as arg } from './lib/args.js';

/** The repository root: the first parent with a package.json (works from source and from dist/). */
function repoRoot(): string {
  let d = import.meta.dirname;
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error('package.json not found above ' + import.meta.dirname);
    d = up;
  }
  return d;
}
const CLI = join(repoRoot(), 'dist/cli/main.js');

async function stopChild(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  if (c.exitCode === null) c.kill('SIGKILL');
}

/** The API server as a child process of the built CLI, with an admin token kubeconfig. */
async function startApiServer(etcdEndpoint: string): Promise<{ kubeconfig: string; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), `kubelab-bench-api-${process.pid}-`));
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${token},admin,admin,"system:masters"\n`);
  const certDir = join(dir, 'pki');
  const { caFile, certFile, keyFile } = ensureServingCerts(certDir, { ips: ['127.0.0.1', '10.96.0.1'], dns: ['localhost'] });
  // The ServiceAccount token signing pair kube-apiserver requires (--service-account-*).
  const saKey = join(dir, 'sa.key');
  writeFileSync(saKey, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const kubeconfig = join(dir, 'admin.conf');
  const url = `https://127.0.0.1:${port}`;
  writeFileSync(kubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: url, caPem: readFileSync(caFile, 'utf8'), user: 'admin', token }));
  const child = spawn(
    process.execPath,
    [CLI, 'apiserver', `--etcd-servers=${etcdEndpoint}`, '--bind-address=127.0.0.1', `--secure-port=${port}`, `--cert-dir=${certDir}`,
      `--tls-cert-file=${certFile}`, `--tls-private-key-file=${keyFile}`, `--token-auth-file=${tokenFile}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local', `--service-account-signing-key-file=${saKey}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d).slice(-4000)));
  const probe = KubeClient.fromKubeconfig(kubeconfig, undefined, { logger: silentLogger, timeoutMs: 2000, maxRetries: 0 });
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`apiserver exited ${child.exitCode}: ${log}`);
    if (await probe.get(findResource('', 'namespaces')!, undefined, 'default').then(() => true, () => false)) break;
    if (Date.now() > end) throw new Error(`apiserver not ready: ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { kubeconfig, child, dir };
}

const NODES = arg('nodes', 1000);
const INIT_PODS = arg('init-pods', 1000);
const PODS = arg('pods', 10000);
const CONCURRENCY = arg('concurrency', 100);

const PODS_RES = findResource('', 'pods')!;
const NODES_RES = findResource('', 'nodes')!;

function node(i: number) {
  const name = `scheduler-perf-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: { capacity: { pods: '110', cpu: '4', memory: '32Gi' }, allocatable: { pods: '110', cpu: '4', memory: '32Gi' }, conditions: [{ type: 'Ready', status: 'True' }], phase: 'Running' },
  };
}

function pod(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      containers: [
        {
          name: 'pause',
          image: 'registry.k8s.io/pause:3.10',
          ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: '100m', memory: '500Mi' }, requests: { cpu: '100m', memory: '500Mi' } },
        },
      ],
    },
  };
}

async function pool<T>(items: T[], n: number, f: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await f(items[i++]!);
    }),
  );
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100; // fields 14, 15; USER_HZ = 100
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build first`);
  const etcd = await startEtcd();
  let api: Awaited<ReturnType<typeof startApiServer>> | undefined;
  let sched: ChildProcess | undefined;
  try {
    api = await startApiServer(etcd.endpoint);
    const client = KubeClient.fromKubeconfig(api.kubeconfig, undefined, { qps: 0, logger: silentLogger });
    const t0 = Date.now();
    await pool(Array.from({ length: NODES }, (_, i) => i), 50, (i) => client.create(NODES_RES, undefined, node(i)));
    console.log(`created ${NODES} nodes in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const bound = new Map<string, number>();
    const watch = client.watch(PODS_RES, 'default', { allowWatchBookmarks: true }, (ev) => {
      const p = ev.object as { metadata?: { name?: string }; spec?: { nodeName?: string } };
      if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && p.spec?.nodeName && p.metadata?.name && !bound.has(p.metadata.name)) {
        bound.set(p.metadata.name, performance.now());
      }
    });
    watch.done.catch(() => undefined);

    sched = spawn(
      process.execPath,
      [CLI, 'scheduler', `--kubeconfig=${api.kubeconfig}`, '--leader-elect=false', '--kube-api-qps=5000', '--kube-api-burst=5000'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let schedErr = '';
    sched.stderr?.on('data', (d: Buffer) => (schedErr = (schedErr + d).slice(-4000)));
    const pid = sched.pid!;
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssKiB(pid))), 200);

    const waitBound = async (names: string[], timeoutMs: number) => {
      const end = Date.now() + timeoutMs;
      while (names.some((n) => !bound.has(n))) {
        if (sched!.exitCode !== null) throw new Error(`scheduler exited ${sched!.exitCode}: ${schedErr}`);
        if (Date.now() > end) throw new Error(`timed out: ${names.filter((n) => !bound.has(n)).length} pods not bound`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    const initNames = Array.from({ length: INIT_PODS }, (_, i) => `init-${i}`);
    await pool(initNames, CONCURRENCY, (n) => client.create(PODS_RES, 'default', pod(n)));
    await waitBound(initNames, 300_000);
    console.log(`${INIT_PODS} init pods bound`);

    const names = Array.from({ length: PODS }, (_, i) => `pod-${i}`);
    const created = new Map<string, number>();
    const cpu0 = { sched: cpuSeconds(pid), api: cpuSeconds(api.child.pid!), etcd: cpuSeconds(etcd.pid) };
    const start = performance.now();
    await pool(names, CONCURRENCY, async (n) => {
      created.set(n, performance.now());
      await client.create(PODS_RES, 'default', pod(n));
    });
    const createdAll = performance.now();
    await waitBound(names, 600_000);
    clearInterval(sampler);
    const cpu = {
      scheduler: Number((cpuSeconds(pid) - cpu0.sched).toFixed(1)),
      apiserver: Number((cpuSeconds(api.child.pid!) - cpu0.api).toFixed(1)),
      etcd: Number((cpuSeconds(etcd.pid) - cpu0.etcd).toFixed(1)),
    };
    peakRss = Math.max(peakRss, rssKiB(pid));
    const last = Math.max(...names.map((n) => bound.get(n)!));
    const lat = names.map((n) => bound.get(n)! - created.get(n)!).sort((a, b) => a - b);
    const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
    const secs = (last - start) / 1000;
    const out = {
      benchmark: 'scheduler-e2e (SchedulingBasic shape, real etcd + API server)',
      nodes: NODES,
      initPods: INIT_PODS,
      measuredPods: PODS,
      createConcurrency: CONCURRENCY,
      createSeconds: Number(((createdAll - start) / 1000).toFixed(2)),
      seconds: Number(secs.toFixed(2)),
      podsPerSecond: Math.round(PODS / secs),
      createdToBoundMs: { p50: Math.round(pct(0.5)), p99: Math.round(pct(0.99)) },
      schedulerPeakRssMiB: Math.round(peakRss / 1024),
      cpuSecondsDuringMeasure: cpu,
      node: process.version,
    };
    console.log(
      `  ${PODS} pods bound in ${out.seconds} s = ${out.podsPerSecond} pods/s (creates took ${out.createSeconds} s); created-to-bound p50 ${out.createdToBoundMs.p50} ms, p99 ${out.createdToBoundMs.p99} ms; scheduler peak RSS ${out.schedulerPeakRssMiB} MiB; CPU s: scheduler ${cpu.scheduler}, apiserver ${cpu.apiserver}, etcd ${cpu.etcd}`,
    );
    console.log(JSON.stringify(out));
    watch.stop();
  } finally {
    await stopChild(sched);
    await stopChild(api?.child);
    if (api) rmSync(api.dir, { recursive: true, force: true });
    await etcd.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
