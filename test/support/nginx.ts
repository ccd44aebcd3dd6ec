/**
 * Real nginx on loopback for the ingress-nginx integration tests and bench/ingress.ts: a conf from
 * renderNginxConf (or written by hand) run in the foreground in a temp dir, and node HTTP backends that
 * echo who they are and what they got. Everything is loopback; stop() ends only the processes started here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { need } from './deps.js';
import { freePort, waitFor } from './net.js';

export const NGINX = '/usr/sbin/nginx';

export interface RunningNginx {
  dir: string;
  /** Replace the conf (checked with nginx -t) and reload. */
  reload(conf: string): Promise<void>;
  stop(): Promise<void>;
}

/** A scratch dir for a conf's pid, temp paths and certificates. */
export function nginxDir(prefix = 'kubelab-nginx-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  mkdirSync(join(dir, 'ssl'), { recursive: true });
  return dir;
}

function check(confPath: string): void {
  const t = spawnSync(NGINX, ['-t', '-q', '-c', confPath, '-e', 'stderr'], { encoding: 'utf8' });
  if (t.status !== 0) throw new Error(`nginx -t: ${t.stderr}`);
}

/** Start nginx with `conf` (files written first) and wait until `probePort` accepts connections. */
export async function startNginx(dir: string, conf: string, probePort: number, files: Map<string, string> = new Map()): Promise<RunningNginx> {
  need(NGINX);
  for (const [p, c] of files) writeFileSync(p, c);
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  check(confPath);
  const child: ChildProcess = spawn(NGINX, ['-c', confPath, '-e', 'stderr', '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    return await new Promise<boolean>((resolve) => {
      const req = request({ host: '127.0.0.1', port: probePort, path: '/', method: 'HEAD' }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  }, 10_000, `nginx listening on ${probePort}`);
  return {
    dir,
    async reload(next: string) {
      writeFileSync(join(dir, 'next.conf'), next);
      check(join(dir, 'next.conf'));
      writeFileSync(confPath, next);
      child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 300));
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface EchoBackend {
  name: string;
  port: number;
  /** Requests served. */
  count: number;
  close(): Promise<void>;
}

/** A keep-alive HTTP server answering JSON {backend, url, headers}. */
export async function echoBackend(name: string): Promise<EchoBackend> {
  const port = await freePort();
  const b: EchoBackend = { name, port, count: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    b.count++;
    const body = JSON.stringify({ backend: name, url: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-backend': name });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  b.close = () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return b;
}

/** A reply read whole: status, headers, body. */
export interface HostReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** METHOD http://127.0.0.1:PORT/PATH with a Host header (and more headers): what a client of a virtual host sends. */
export function hostGet(port: number, host: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HostReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host, ...headers }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET https://127.0.0.1:PORT/PATH with SNI and Host HOST, trusting CA; `subject` is the served certificate's CN. */
export function hostGetTls(port: number, host: string, path: string, ca: string): Promise<HostReply & { subject: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: host, headers: { host }, ca, agent: false }, (res) => {
      let body = '';
      const cert = (res.socket as unknown as { getPeerCertificate(): { subject?: { CN?: string } } }).getPeerCertificate();
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, subject: cert.subject?.CN ?? '' }));
    });
    req.on('error', reject);
    req.end();
  });
}
