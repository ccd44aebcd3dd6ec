/**
 * Cluster DNS benchmark (issue 12): queries/s and p50/p99 latency with dnsperf over a 1,000-Service cluster, the
 * kubelab DNS server (`kubelab coredns`, one Node process: one core) side by side in the same run with dnsmasq
 * answering the same 1,000 names from a hosts file (--no-resolv, no upstream: the floor) and a Node UDP echo (no DNS
 * work: what one Node process can send back at all); plus how long a created Service takes to become resolvable in
 * every replica (two DNS server processes watching the same API server, as the lab's 2-replica Deployment). Starts
 * etcd, the API server (child), the DNS servers (children) and dnsmasq on loopback ports, and stops them; prints each
 * figure against the goals of issue 12. Build first (`npm run build`).
 *
 *   node dist/bench/dns.js [--seconds N] [--rounds N] [--creates N] [--cpu-prof DIR]
 *     --seconds   per dnsperf run (default 10)
 *     --rounds    rounds of (max run, paced run) per server, in rotated order, so that a shared machine's load
 *                 spikes fall on every server alike; medians are printed, and the ratio to dnsmasq per round
 *                 (default 3)
 *     --creates   Services created one by one for the propagation figure (default 100)
 *     --cpu-prof  write a V8 CPU profile of the first DNS server (node --cpu-prof) into DIR
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
import { arg, numArg } from './lib/args.js';
import { percentile } from './lib/stats.js';

const SECONDS = numArg('seconds', 10);
const CREATES = numArg('creates', 100);
const ROUNDS = numArg('rounds', 3);
const CPU_PROF = arg('cpu-prof');
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
      // Kept-alive connections the API server closed while dnsperf ran (minutes; one per earlier concurrent request):
      // the request is sent again until it gets a live one.
      const send = async (tries: number): Promise<Awaited<ReturnType<typeof api>>> => {
        try {
          return await api(h!, method, path, body);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (tries > 0 && (code === 'EPIPE' || code === 'ECONNRESET')) return send(tries - 1);
          throw e;
        }
      };
      const r = await send(32);
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
    const prof = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [];
    const dns = spawn(process.execPath, [...prof, join(REPO, 'dist/cli/main.js'), 'coredns', '--kubeconfig', h.kubeconfig, '--conf', corefile, '--bind-address', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(dns);
    // The second replica: another process, the kubernetes-only block, its own informers on the same API server.
    const portReplica = await freePort();
    const corefile2 = join(dir, 'Corefile.replica');
    writeFileSync(corefile2, `cluster.local:${portReplica} {\n  errors\n  kubernetes cluster.local {\n    pods insecure\n  }\n}\n`);
    const dns2 = spawn(process.execPath, [join(REPO, 'dist/cli/main.js'), 'coredns', '--kubeconfig', h.kubeconfig, '--conf', corefile2, '--bind-address', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(dns2);
    await waitAnswer(portBare, names[SERVICES - 1]!);
    await waitAnswer(portKubeadm, names[SERVICES - 1]!);
    await waitAnswer(portReplica, names[SERVICES - 1]!);

    const portMasq = await freePort();
    const masq = spawn('dnsmasq', ['--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`, '--listen-address=127.0.0.1', '--bind-interfaces', `--port=${portMasq}`, '--local-ttl=5', '--user=root', '--pid-file=', '--cache-size=10000'], { stdio: 'ignore' });
    children.push(masq);
    await waitAnswer(portMasq, names[0]!);

    // The ceiling of one Node process on this machine: a dgram socket that sends each query back with QR set (no DNS
    // work at all, no metrics), through the same send path as the server.
    const portEcho = await freePort();
    const echoSrc = `const s=require('node:dgram').createSocket({type:'udp4',lookup:(a,f,cb)=>cb(null,a,4)});s.on('message',(m,r)=>{const o=Buffer.allocUnsafe(m.length);m.copy(o);o[2]|=0x80;s.send(o,r.port,r.address)});s.bind(${portEcho},'127.0.0.1')`;
    const echo = spawn(process.execPath, ['-e', echoSrc], { stdio: 'ignore' });
    children.push(echo);
    for (let i = 0; i < 100 && !(await udpRaw(portEcho, queryPacket(names[0]!, 'A'), 100)); i++);

    const servers: [string, number][] = [
      ['kubelab coredns: kubernetes only', portBare],
      ['kubelab coredns: kubeadm Corefile (cache 30)', portKubeadm],
      ['dnsmasq (hosts file, --no-resolv)', portMasq],
      ['node dgram echo (no DNS work: the ceiling)', portEcho],
    ];
    // Warm-up (not counted): JIT, the kept answers, dnsmasq's cache.
    for (const [, p] of servers) execFileSync('dnsperf', ['-s', '127.0.0.1', '-p', String(p), '-d', queries, '-l', '2', '-q', '100'], { stdio: 'ignore' });
    const runs: { max: Result; paced: Result }[][] = servers.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < servers.length; k++) {
        const i = (k + round) % servers.length;
        runs[i]!.push(measure(servers[i]![1], queries));
      }
    }
    const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
    const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`;
    const rows = servers.map(([what], i) => {
      const rs = runs[i]!;
      return { what, qps: median(rs.map((r) => r.max.qps)), p50: median(rs.map((r) => r.paced.p50)), p99: median(rs.map((r) => r.paced.p99)), rs };
    });
    console.log(`(${ROUNDS} rounds of ${SECONDS} s runs, servers in rotated order; medians, range over rounds in brackets)`);
    for (const r of rows) {
      console.log(`${r.what.padEnd(46)} max ${r.qps.toFixed(0).padStart(6)} q/s [${range(r.rs.map((x) => x.max.qps), 0)}] (${r.rs.at(-1)!.max.codes})`);
      console.log(`${''.padEnd(46)} at ${PACED_QPS} q/s: p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms [${range(r.rs.map((x) => x.paced.p99), 3)}]  (${r.rs.at(-1)!.paced.qps.toFixed(0)} q/s done; ${r.rs.at(-1)!.paced.codes})`);
    }
    const masqRow = rows[2]!;
    const perRound = (i: number) => rows[i]!.rs.map((x, k) => x.max.qps / masqRow.rs[k]!.max.qps);
    const ratios = [perRound(0), perRound(1), perRound(3)];
    console.log(`ratio to dnsmasq (max q/s, per round): kubernetes only median ${median(ratios[0]!).toFixed(2)} [${range(ratios[0]!, 2)}], kubeadm Corefile median ${median(ratios[1]!).toFixed(2)} [${range(ratios[1]!, 2)}], node echo median ${median(ratios[2]!).toFixed(2)} [${range(ratios[2]!, 2)}]`);

    // A Service created -> resolvable in every replica (kubernetes-only blocks: no negative cache). Each name is asked
    // first after its POST, on both replicas at once, every 2 ms until each answers; the figure is the later replica.
    const untilAnswered = async (port: number, name: string, t: number): Promise<number> => {
      for (;;) {
        const out = await udpRaw(port, queryPacket(name, 'A'), 500);
        if (out && dnsPacket.decode(out).answers?.length) return performance.now() - t;
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const each: number[] = [];
    const every: number[] = [];
    for (let i = 0; i < CREATES; i++) {
      const name = `fresh-${i}`;
      const t = performance.now();
      await ok('POST', '/api/v1/namespaces/bench/services', { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } });
      const fqdn = `${name}.bench.svc.cluster.local`;
      const both = await Promise.all([untilAnswered(portBare, fqdn, t), untilAnswered(portReplica, fqdn, t)]);
      each.push(...both);
      every.push(Math.max(...both));
    }
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const ev = sorted(every);
    const one = sorted(each);
    console.log(`Service created -> resolvable (POST to first answer, n=${CREATES}, 2 replicas): in every replica p50 ${percentile(ev, 50).toFixed(1)} ms  p99 ${percentile(ev, 99).toFixed(1)} ms  max ${ev[ev.length - 1]!.toFixed(1)} ms; per replica p50 ${percentile(one, 50).toFixed(1)} ms  p99 ${percentile(one, 99).toFixed(1)} ms`);

    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const worst = Math.min(median(ratios[0]!), median(ratios[1]!));
    const best = Math.max(median(ratios[0]!), median(ratios[1]!));
    const p99 = Math.max(rows[0]!.p99, rows[1]!.p99);
    console.log(`goal: at least half of dnsmasq's q/s on one core: ${verdict(worst >= 0.5)} (median ratio per block ${worst.toFixed(2)}-${best.toFixed(2)})`);
    console.log(`goal: p99 under 5 ms at ${PACED_QPS} q/s: ${verdict(p99 < 5)} (median p99 of the worse block ${p99.toFixed(3)} ms; dnsmasq ${masqRow.p99.toFixed(3)} ms)`);
    console.log(`goal: created -> resolvable in every replica within 1 s (p99): ${verdict(percentile(ev, 99) < 1000)} (${percentile(ev, 99).toFixed(1)} ms)`);
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
