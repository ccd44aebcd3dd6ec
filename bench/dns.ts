/**
 * Cluster DNS benchmark (issue 12): queries/s and p50/p99 latency with dnsperf over a 1,000-Service cluster, the
 * kubelab DNS server (`kubelab coredns`, one Node process: one core) side by side in the same run with dnsmasq
 * answering the same 1,000 names from a hosts file (--no-resolv, no upstream: the floor); plus how long a created
 * Service takes to become resolvable. Starts etcd, the API server (child), the DNS server (child) and dnsmasq on
 * loopback ports, and stops them. Build first (`npm run build`).
 *
 *   node dist/bench/dns.js [--seconds N]      (default 10 s per dnsperf run)
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';
import { startEtcd } from '../test/support/etcd.js';
import { api, startApiServer, type ApiHandle } from '../test/support/apiserver.js';
import { need } from '../test/support/deps.js';
import { queryPacket, udpRaw } from '../test/support/dns.js';
import { REPO } from '../test/support/host.js';
import { freePort } from '../test/support/net.js';
import { percentile } from './lib/stats.js';

const SECONDS = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
const SERVICES = 1000;
const PACED_QPS = 5000;

interface Result {
  qps: number;
  p50: number;
  p99: number;
  completed: string;
  codes: string;
}

async function mapLimit<T>(n: number, conc: number, op: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await op(i);
    }
  }));
  return out;
}

function dnsperf(port: number, queries: string, extra: string[]): string {
  return execFileSync('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queries, '-l', String(SECONDS), ...extra], { encoding: 'utf8', maxBuffer: 1 << 30 });
}

/** Max-throughput run (no -Q), then a paced run at PACED_QPS with per-query latencies (-v). */
function measure(port: number, queries: string): { max: Result; paced: Result } {
  const parse = (out: string, latencies: number[]): Result => {
    const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
    const s = [...latencies].sort((a, b) => a - b);
    return {
      qps,
      p50: percentile(s, 50) * 1000,
      p99: percentile(s, 99) * 1000,
      completed: /Queries completed:\s+(.*)/.exec(out)?.[1]?.trim() ?? '?',
      codes: /Response codes:\s+(.*)/.exec(out)?.[1]?.trim() ?? '?',
    };
  };
  const maxOut = dnsperf(port, queries, ['-q', '100']);
  const pacedOut = dnsperf(port, queries, ['-q', '100', '-Q', String(PACED_QPS), '-v']);
  const lat = [...pacedOut.matchAll(/^> \S+ \S+ \S+ ([\d.]+)$/gm)].map((m) => Number(m[1]));
  return { max: parse(maxOut, []), paced: parse(pacedOut, lat) };
}

async function waitAnswer(port: number, name: string, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const out = await udpRaw(port, queryPacket(name, 'A'), 200);
    if (out && (dnsPacket.decode(out) as { rcode?: string }).rcode === 'NOERROR' && dnsPacket.decode(out).answers?.length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no answer for ${name} on :${port}`);
}

function stop(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    c.once('exit', () => r());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 5000).unref();
  });
}

async function main(): Promise<void> {
  need('etcd', 'dnsperf', 'dnsmasq');
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-bench-dns-'));
  const etcd = await startEtcd();
  let h: ApiHandle | undefined;
  const children: ChildProcess[] = [];
  try {
    h = await startApiServer(etcd, { mode: 'child' });
    const ok = async (method: string, path: string, body?: unknown) => {
      const r = await api(h!, method, path, body);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
      return r.json();
    };
    await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    const t0 = Date.now();
    const ips = await mapLimit(SERVICES, 16, async (i) => {
      const s = await ok('POST', '/api/v1/namespaces/bench/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: `web-${i}` }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
      return s.spec.clusterIP as string;
    });
    console.log(`# kubelab DNS benchmark — ${new Date().toISOString()} — node ${process.version}, dnsperf ${SECONDS} s per run`);
    console.log(`(created ${SERVICES} Services through the API in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    const names = ips.map((_ip, i) => `web-${i}.bench.svc.cluster.local`);
    const queries = join(dir, 'queries.txt');
    writeFileSync(queries, names.map((n) => `${n} A`).join('\n') + '\n');
    const hosts = join(dir, 'hosts');
    writeFileSync(hosts, ips.map((ip, i) => `${ip} ${names[i]}`).join('\n') + '\n');

    // Two Corefiles: the kubernetes plugin alone, and kubeadm's shape (cache 30, prometheus, loadbalance; no forward).
    const portBare = await freePort();
    const portKubeadm = await freePort();
    const corefile = join(dir, 'Corefile');
    writeFileSync(
      corefile,
      `cluster.local:${portBare} {\n  errors\n  kubernetes cluster.local {\n    pods insecure\n  }\n}\n` +
        `cluster.local:${portKubeadm} {\n  errors\n  kubernetes cluster.local in-addr.arpa ip6.arpa {\n    pods insecure\n    ttl 30\n  }\n  prometheus 127.0.0.1:${await freePort()}\n  cache 30\n  loadbalance\n}\n`,
    );
    const dns = spawn(process.execPath, [join(REPO, 'dist/cli/main.js'), 'coredns', '--kubeconfig', h.kubeconfig, '--conf', corefile, '--bind-address', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(dns);
    await waitAnswer(portBare, names[SERVICES - 1]!);
    await waitAnswer(portKubeadm, names[SERVICES - 1]!);

    const portMasq = await freePort();
    const masq = spawn('dnsmasq', ['--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`, '--listen-address=127.0.0.1', '--bind-interfaces', `--port=${portMasq}`, '--local-ttl=5', '--user=root', '--pid-file=', '--cache-size=10000'], { stdio: 'ignore' });
    children.push(masq);
    await waitAnswer(portMasq, names[0]!);

    const rows: [string, { max: Result; paced: Result }][] = [];
    rows.push(['kubelab coredns: kubernetes only', measure(portBare, queries)]);
    rows.push(['kubelab coredns: kubeadm Corefile (cache 30)', measure(portKubeadm, queries)]);
    rows.push(['dnsmasq (hosts file, --no-resolv)', measure(portMasq, queries)]);
    for (const [what, r] of rows) {
      console.log(`${what.padEnd(46)} max ${r.max.qps.toFixed(0).padStart(6)} q/s (${r.max.codes}; completed ${r.max.completed})`);
      console.log(`${''.padEnd(46)} at ${PACED_QPS} q/s: p50 ${r.paced.p50.toFixed(3)} ms  p99 ${r.paced.p99.toFixed(3)} ms  (${r.paced.qps.toFixed(0)} q/s done; ${r.paced.codes})`);
    }
    const masqQps = rows[2]![1].max.qps;
    console.log(`ratio to dnsmasq (max q/s): kubernetes only ${(rows[0]![1].max.qps / masqQps).toFixed(2)}, kubeadm Corefile ${(rows[1]![1].max.qps / masqQps).toFixed(2)}`);

    // A Service created -> resolvable (kubernetes-only server: no negative cache; the name is never asked before).
    const lat: number[] = [];
    for (let i = 0; i < 100; i++) {
      const name = `fresh-${i}`;
      const t = performance.now();
      await ok('POST', '/api/v1/namespaces/bench/services', { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } });
      for (;;) {
        const out = await udpRaw(portBare, queryPacket(`${name}.bench.svc.cluster.local`, 'A'), 500);
        if (out && dnsPacket.decode(out).answers?.length) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    console.log(`Service created -> resolvable (POST to first answer, n=100): p50 ${percentile(lat, 50).toFixed(1)} ms  p99 ${percentile(lat, 99).toFixed(1)} ms  max ${lat[lat.length - 1]!.toFixed(1)} ms`);
    console.log(`load average: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`);
  } finally {
    for (const c of children) await stop(c);
    await h?.stop();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
