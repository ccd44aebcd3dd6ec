/**
 * Network programming latency: from an EndpointSlice change written to the API server to the matching
 * rule being present (or gone) in `iptables-save -t nat` on every node.
 *
 * Three "nodes", each a network namespace of its own (`kubelab-bench-np<i>`, veth `klbp<i>`, addresses
 * 10.215.0.0/24) running a real `kubelab proxy` child process (`nsenter --net`, default flags:
 * --iptables-min-sync-period 1s, --iptables-sync-period 30s, backend auto) against a real etcd and an
 * in-process API server bound to the host end of the first veth. No kubelet, no controller manager, no
 * pods: the benchmark writes the target Service's EndpointSlice itself (as the EndpointSlice controller
 * would after a scale), alternately adding a fresh endpoint (scale up: its KUBE-SEP DNAT rule must
 * appear) and removing it (scale down: the rule must go), setting the
 * endpoints.kubernetes.io/last-change-trigger-time annotation to the moment of the write so that the
 * proxies' kubeproxy_network_programming_duration_seconds histogram measures the same interval.
 * `--services` background Services with 3 endpoints each make the tables realistic.
 *
 * The time of a change is taken when the client sends the PUT; each namespace is polled with
 * `nsenter --net=... iptables-save -t nat` (about every 20 ms plus the poll's own duration, so a latency
 * is over-estimated by up to one poll); the latency of a change is the slowest node's.
 *
 * Run (as root):
 *   cd /work/main && npx tsc -p tsconfig.json --outDir .test-state/bench/dist; \
 *     node .test-state/bench/dist/bench/network-programming.js [--changes 60] [--services 100] [--gap 1500]
 *       [--min-sync-period 1s] [--backend auto|legacy|nft]
 *   (--gap: ms between a change being seen everywhere and the next change, plus up to 500 ms at random)
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createCA, createCertificate } from '../api/tls/certs.js';
import { startEtcd } from '../test/support/etcd.js';
import { api, startApiServerOn } from '../test/support/apiserver.js';
import { REPO, addVethNetns, killByPidfile, killChild, runCleanups, sh, tryRun, type Cleanups } from '../test/support/host.js';
import { percentile } from './lib/stats.js';
import { arg } from './lib/args.js';

const run = promisify(execFile);
type Obj = Record<string, any>;

const CHANGES = Number(arg('changes', '60'));
const SERVICES = Number(arg('services', '100'));
const GAP_MS = Number(arg('gap', '1500'));
const MIN_SYNC = arg('min-sync-period', '1s');
const BACKEND = arg('backend', 'auto');
const NODES = 3;
const NS = (i: number) => `kubelab-bench-np${i + 1}`;
const IF = (i: number) => `klbp${i}`;
const HOST_IP = (i: number) => `10.215.0.${4 * i + 1}`;
const NODE_IP = (i: number) => `10.215.0.${4 * i + 2}`;
const STATE = join(REPO, '.test-state', 'bench-np');
const DIST = resolve(import.meta.dirname, '..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((x) => x.toFixed(2)).join(', ');
const f = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
function line(what: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${what.padEnd(44)} p50 ${f(percentile(s, 50)).padStart(7)}  p90 ${f(percentile(s, 90)).padStart(7)}  p99 ${f(percentile(s, 99)).padStart(7)}  max ${f(s[s.length - 1] ?? NaN).padStart(7)}  (n=${s.length})`;
}

/** Leftovers of a killed run: our proxies (pidfiles, command line checked), netns, veths. */
function clearLeftovers(): void {
  for (let i = 0; i < NODES; i++) {
    killByPidfile(join(STATE, `proxy-${i}.pid`), STATE);
    tryRun('ip', ['netns', 'del', NS(i)]);
    tryRun('ip', ['link', 'del', IF(i)]);
  }
}

const epIP = (svc: number, k: number) => `10.216.${Math.floor(svc / 64)}.${(svc % 64) * 4 + k + 1}`;
function service(name: string): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } };
}
function slice(name: string, ips: string[], extra: Obj = {}): Obj {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: `${name}-abcde`, namespace: 'default', labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }, ...extra },
    addressType: 'IPv4',
    endpoints: ips.map((ip, k) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: `np-n${(k % NODES) + 1}` })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

async function iptablesSave(i: number): Promise<string> {
  return (await run('nsenter', [`--net=/run/netns/${NS(i)}`, 'iptables-save', '-t', 'nat'], { maxBuffer: 256 * 1024 * 1024 })).stdout;
}

/** Poll every node until `ok(save)`; the time each node was first seen ok. */
async function seenOnAll(ok: (save: string) => boolean, timeoutMs = 60_000): Promise<number[]> {
  const end = performance.now() + timeoutMs;
  return Promise.all(Array.from({ length: NODES }, async (_, i) => {
    for (;;) {
      const save = await iptablesSave(i);
      const at = performance.now();
      if (ok(save)) return at;
      if (at > end) throw new Error(`node ${i}: rule state not reached in ${timeoutMs} ms`);
      await sleep(20);
    }
  }));
}

async function main(): Promise<void> {
  console.log(`network programming benchmark: ${CHANGES} EndpointSlice changes, ${SERVICES} background services x 3 endpoints, ${NODES} proxies (min-sync-period ${MIN_SYNC}, backend ${BACKEND}); ${new Date().toISOString()}, load average ${load()}`);
  clearLeftovers();
  mkdirSync(STATE, { recursive: true });
  const cleanups: Cleanups = [];
  const stopAll = () => runCleanups(cleanups);
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    for (let i = 0; i < NODES; i++) {
      addVethNetns({ netns: NS(i), hostIf: IF(i), peerIf: `${IF(i)}p`, hostIp: HOST_IP(i), nodeIp: NODE_IP(i), defaultRoute: true }, cleanups);
    }
    const etcd = await startEtcd();
    cleanups.push(() => etcd.stop());
    const ca = createCA('kubelab-bench-np-ca');
    const cert = createCertificate({ ca, commonName: 'kube-apiserver', ipAddresses: [HOST_IP(0), '127.0.0.1'], serverAuth: true });
    const token = 'admin-' + Math.random().toString(36).slice(2);
    const tokenFile = join(STATE, 'tokens.csv');
    writeFileSync(tokenFile, `${token},admin,admin,"system:masters"\n`);
    const h = await startApiServerOn(etcd, { bindAddress: HOST_IP(0), dir: STATE, kubeconfig: join(STATE, 'proxy.conf'), caPem: ca.certPem, cert, tokenFile, adminToken: token });
    cleanups.push(() => h.stop());

    // Nodes, background services, the target service.
    for (let i = 0; i < NODES; i++) {
      const r = await api(h, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: `np-n${i + 1}` }, status: { addresses: [{ type: 'InternalIP', address: NODE_IP(i) }] } });
      if (r.status !== 201) throw new Error(`node: ${r.status} ${r.body}`);
    }
    const t0 = performance.now();
    for (let s = 0; s < SERVICES; s += 20) {
      await Promise.all(Array.from({ length: Math.min(20, SERVICES - s) }, async (_, k) => {
        const n = s + k;
        const name = `bg-${n}`;
        const r1 = await api(h, 'POST', '/api/v1/namespaces/default/services', service(name));
        const r2 = await api(h, 'POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', slice(name, [0, 1, 2].map((x) => epIP(n, x))));
        if (r1.status !== 201 || r2.status !== 201) throw new Error(`background ${name}: ${r1.status} ${r2.status} ${r2.body}`);
      }));
    }
    const base = ['10.217.0.1', '10.217.0.2', '10.217.0.3'];
    if ((await api(h, 'POST', '/api/v1/namespaces/default/services', service('target'))).status !== 201) throw new Error('target service');
    const r = await api(h, 'POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', slice('target', base));
    if (r.status !== 201) throw new Error(`target slice: ${r.status} ${r.body}`);
    console.log(`${SERVICES + 1} services created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // The proxies.
    const kids: ChildProcess[] = [];
    cleanups.push(async () => {
      for (const k of kids) await killChild(k);
      for (let i = 0; i < NODES; i++) rmSync(join(STATE, `proxy-${i}.pid`), { force: true });
    });
    for (let i = 0; i < NODES; i++) {
      const out = openSync(join(STATE, `proxy-${i}.log`), 'w');
      const k = spawn('nsenter', [
        `--net=/run/netns/${NS(i)}`, process.execPath, join(DIST, 'cli/main.js'), 'proxy', `--kubeconfig=${h.kubeconfig}`,
        `--hostname-override=np-n${i + 1}`, '--cluster-cidr=10.216.0.0/14', `--iptables-min-sync-period=${MIN_SYNC}`, `--iptables-backend=${BACKEND}`,
        '--metrics-bind-address=127.0.0.1:10249', '--healthz-bind-address=127.0.0.1:10256',
      ], { stdio: ['ignore', out, out] });
      kids.push(k);
      writeFileSync(join(STATE, `proxy-${i}.pid`), String(k.pid));
    }
    const startT = performance.now();
    await seenOnAll((s) => base.every((ip) => s.includes(`--to-destination ${ip}:8080`)), 120_000);
    console.log(`proxies synced ${((performance.now() - startT) / 1000).toFixed(1)} s after start (load ${load()})`);
    await sleep(3000);

    // The changes.
    const worst: number[] = [];
    const perNode: number[] = [];
    const up: number[] = [];
    const down: number[] = [];
    let extra = '';
    for (let c = 0; c < CHANGES; c++) {
      const add = c % 2 === 0;
      if (add) extra = `10.218.${Math.floor(c / 250)}.${(c % 250) + 1}`;
      const ips = add ? [...base, extra] : base;
      const cur = (await api(h, 'GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/target-abcde')).json() as Obj;
      const sentWall = new Date();
      const body = slice('target', ips, { resourceVersion: cur.metadata.resourceVersion, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': sentWall.toISOString() } });
      const s = performance.now();
      const put = await api(h, 'PUT', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/target-abcde', body);
      if (put.status !== 200) throw new Error(`update: ${put.status} ${put.body}`);
      const rule = `--to-destination ${extra}:8080`;
      const seen = await seenOnAll((save) => save.includes(rule) === add);
      const lat = seen.map((t) => t - s);
      perNode.push(...lat);
      worst.push(Math.max(...lat));
      (add ? up : down).push(Math.max(...lat));
      await sleep(GAP_MS + Math.random() * 500);
    }

    // The proxies' own histogram.
    const metrics: string[] = [];
    for (let i = 0; i < NODES; i++) {
      const m = sh('nsenter', [`--net=/run/netns/${NS(i)}`, 'curl', '-s', 'http://127.0.0.1:10249/metrics']);
      const sum = Number(/^kubeproxy_network_programming_duration_seconds_sum (\S+)/m.exec(m)?.[1]);
      const count = Number(/^kubeproxy_network_programming_duration_seconds_count (\S+)/m.exec(m)?.[1]);
      const b = (le: string) => Number(new RegExp(`^kubeproxy_network_programming_duration_seconds_bucket\\{le="${le}"\\} (\\S+)`, 'm').exec(m)?.[1]);
      const partial = /^kubeproxy_sync_partial_proxy_rules_duration_seconds_sum (\S+)/m.exec(m)?.[1];
      const partialN = /^kubeproxy_sync_partial_proxy_rules_duration_seconds_count (\S+)/m.exec(m)?.[1];
      const full = /^kubeproxy_sync_full_proxy_rules_duration_seconds_sum (\S+)/m.exec(m)?.[1];
      const fullN = /^kubeproxy_sync_full_proxy_rules_duration_seconds_count (\S+)/m.exec(m)?.[1];
      metrics.push(
        `node ${i + 1}: ${count} observations, mean ${f((1000 * sum) / count)}; ≤0.25 s ${b('0.25')}, ≤0.5 s ${b('0.5')}, ≤1 s ${b('1')}, ≤2 s ${b('2')}; ` +
          `partial syncs ${partialN}, mean ${f((1000 * Number(partial)) / Number(partialN))}; full syncs ${fullN}, mean ${f((1000 * Number(full)) / Number(fullN))}`,
      );
    }

    console.log(`\n== results (load average at the end ${load()})`);
    console.log(line('change -> rule state on all 3 nodes', worst));
    console.log(line('  scale up (DNAT rule appears)', up));
    console.log(line('  scale down (DNAT rule gone)', down));
    console.log(line('  per node', perNode));
    console.log('kubeproxy_network_programming_duration_seconds (trigger-time annotation -> sync done):');
    for (const m of metrics) console.log(`  ${m}`);
  } finally {
    console.log('cleaning up...');
    await stopAll();
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
