/**
 * Ingress data-path benchmark (issue 16): requests per second and p50/p99 latency through nginx configured by
 * renderNginxConf (N Ingress hosts, each to its own Service with one endpoint: the model ingressSource makes from N
 * Ingress rules) against nginx proxying the same N hosts with a hand-written minimal proxy conf (upstream + server +
 * proxy_pass, keepalive: the floor), in the same run, on the same backends, with the same client. Backends: one
 * more nginx answering `return 200` on N loopback ports (so the backends are not the bottleneck). The client is a
 * keep-alive HTTP client in this Node process, round-robin over the N hosts. Loopback only; every nginx started
 * here is stopped at the end. Build first (`npm run build`).
 *
 *   node dist/bench/ingress.js [--backends N] [--seconds S] [--concurrency C] [--rounds R]
 *     --backends     Ingress hosts / Services (default 50)
 *     --seconds      per measured run (default 5)
 *     --concurrency  requests in flight (default 32)
 *     --rounds       rounds of (rendered, floor), alternating which goes first (default 3); medians printed
 */
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { ingressSource } from '../addons/ingress-nginx/ingress.js';
import { renderNginxConf, type NginxConfOptions } from '../addons/ingress-nginx/nginx-conf.js';
import type { ClusterSnapshot, ControllerContext } from '../addons/ingress-nginx/source.js';
import type { KubeObject } from '../api/types/meta.js';
import { freePort } from '../test/support/net.js';
import { nginxDir, startNginx, type RunningNginx } from '../test/support/nginx.js';
import { numArg } from './lib/args.js';
import { percentile } from './lib/stats.js';

const N = numArg('backends', 50);
const SECONDS = numArg('seconds', 5);
const CONC = numArg('concurrency', 32);
const ROUNDS = numArg('rounds', 3);

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(port: number, hosts: string[], seconds: number, agent: Agent): Promise<Result> {
  const lat: number[] = [];
  let errors = 0;
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const one = (host: string) => new Promise<void>((resolve) => {
    const s = performance.now();
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) lat.push(performance.now() - s);
        else errors++;
        resolve();
      });
    });
    req.on('error', () => (errors++, resolve()));
    req.end();
  });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (performance.now() < end) await one(hosts[next++ % hosts.length]!);
  }));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { rps: lat.length / secs, p50: percentile(lat, 50), p99: percentile(lat, 99), errors };
}

function backendConf(dir: string, ports: number[]): string {
  return [
    'worker_processes 1;', `pid ${dir}/nginx.pid;`, 'error_log stderr warn;', 'events { worker_connections 4096; }', 'http {',
    '  access_log off;', `  client_body_temp_path ${dir}/tmp/cb; proxy_temp_path ${dir}/tmp/p; fastcgi_temp_path ${dir}/tmp/f; uwsgi_temp_path ${dir}/tmp/u; scgi_temp_path ${dir}/tmp/s;`,
    '  keepalive_requests 100000;',
    ...ports.map((p, i) => `  server { listen 127.0.0.1:${p}; location / { return 200 "backend ${i}\\n"; } }`),
    '}', '',
  ].join('\n');
}

/** The floor: what a person would write to proxy N hosts to N backends. */
function floorConf(dir: string, listen: number, ports: number[]): string {
  return [
    'worker_processes 1;', `pid ${dir}/nginx.pid;`, 'error_log stderr warn;', 'events { worker_connections 4096; }', 'http {',
    '  access_log off;', `  client_body_temp_path ${dir}/tmp/cb; proxy_temp_path ${dir}/tmp/p; fastcgi_temp_path ${dir}/tmp/f; uwsgi_temp_path ${dir}/tmp/u; scgi_temp_path ${dir}/tmp/s;`,
    '  keepalive_requests 100000;', '  server_names_hash_bucket_size 128;',
    ...ports.flatMap((p, i) => [
      `  upstream b${i} { server 127.0.0.1:${p}; keepalive 32; }`,
      `  server { listen 127.0.0.1:${listen}; server_name svc${i}.bench; location / { proxy_pass http://b${i}; proxy_http_version 1.1; proxy_set_header Connection ""; } }`,
    ]),
    '}', '',
  ].join('\n');
}

function snapshotFor(ports: number[]): ClusterSnapshot {
  const objects: Record<string, KubeObject[]> = {
    'ingressclasses.networking.k8s.io': [{ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }],
    services: ports.map((_, i) => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: `svc${i}` }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } })),
    'endpointslices.discovery.k8s.io': ports.map((p, i) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'default', name: `svc${i}-x`, labels: { 'kubernetes.io/service-name': `svc${i}` } }, addressType: 'IPv4', ports: [{ name: 'http', port: p }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] })),
    'ingresses.networking.k8s.io': ports.map((_, i) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { namespace: 'default', name: `ing${i}`, creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { ingressClassName: 'nginx', rules: [{ host: `svc${i}.bench`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: `svc${i}`, port: { number: 80 } } } }] } }] } })),
  };
  return { list: (r) => objects[r] ?? [], get: (r, ns, name) => (objects[r] ?? []).find((o) => o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns)) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const started: RunningNginx[] = [];
  try {
    const ports = await Promise.all(Array.from({ length: N }, () => freePort()));
    const bdir = nginxDir('kubelab-bench-backends-');
    started.push(await startNginx(bdir, backendConf(bdir, ports), ports[0]!));

    const rdir = nginxDir('kubelab-bench-rendered-');
    const [httpPort, httpsPort, unavailablePort] = [await freePort(), await freePort(), await freePort()];
    const opts: NginxConfOptions = { certDir: `${rdir}/ssl`, defaultCertificate: `${rdir}/ssl/default.pem`, unavailablePort, httpPort, httpsPort, pidFile: `${rdir}/nginx.pid`, errorLog: 'stderr', accessLog: 'off', tempDir: `${rdir}/tmp`, workerProcesses: '1' };
    const ctx: ControllerContext = { controllerClass: 'k8s.io/ingress-nginx', ingressClass: 'nginx', watchWithoutClass: false, publishAddresses: [], httpPort, httpsPort };
    const model = ingressSource.translate(snapshotFor(ports), ctx).model;
    const { createCA } = await import('../api/tls/certs.js');
    const dflt = createCA('Kubernetes Ingress Controller Fake Certificate');
    started.push(await startNginx(rdir, renderNginxConf(model, opts), httpPort, new Map([[opts.defaultCertificate, `${dflt.certPem}${dflt.keyPem}`]])));

    const fdir = nginxDir('kubelab-bench-floor-');
    const floorPort = await freePort();
    started.push(await startNginx(fdir, floorConf(fdir, floorPort, ports), floorPort));

    const hosts = ports.map((_, i) => `svc${i}.bench`);
    const agent = new Agent({ keepAlive: true, maxSockets: CONC });
    // Warm up both (connections to the backends, the client's sockets).
    await load(httpPort, hosts, 1, agent);
    await load(floorPort, hosts, 1, agent);
    const rendered: Result[] = [];
    const floor: Result[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order: [Result[], number][] = r % 2 === 0 ? [[rendered, httpPort], [floor, floorPort]] : [[floor, floorPort], [rendered, httpPort]];
      for (const [into, port] of order) into.push(await load(port, hosts, SECONDS, agent));
    }
    agent.destroy();
    const line = (name: string, rs: Result[]) => `${name.padEnd(34)} ${median(rs.map((x) => x.rps)).toFixed(0).padStart(6)} req/s  p50 ${median(rs.map((x) => x.p50)).toFixed(2).padStart(6)} ms  p99 ${median(rs.map((x) => x.p99)).toFixed(2).padStart(6)} ms  errors ${rs.reduce((s, x) => s + x.errors, 0)}  (rounds: ${rs.map((x) => x.rps.toFixed(0)).join(', ')})`;
    console.log(`# kubelab ingress benchmark — ${new Date().toISOString()} — node ${process.version}, ${N} hosts/backends, concurrency ${CONC}, ${ROUNDS} x ${SECONDS} s, nginx worker_processes 1`);
    console.log(line('renderNginxConf (ingress-nginx)', rendered));
    console.log(line('hand-written proxy conf (floor)', floor));
    console.log(`rendered/floor req/s: ${(median(rendered.map((x) => x.rps)) / median(floor.map((x) => x.rps))).toFixed(2)}  load average ${loadavg().map((x) => x.toFixed(2)).join(', ')}`);
  } finally {
    for (const n of started.reverse()) await n.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
