/**
 * The one way tests and benchmarks start a service (etcd, containerd, dockerd, the API server and the
 * other kubelab components, the kubelet): spawned directly (no shell in between, so `pid` is the service
 * itself), then awaited with a readiness probe (a port, a health endpoint, a socket that answers) until a
 * deadline. When it exits first or is not ready in time, it is killed (by its PID) and the error carries
 * the service's own log. The bash twin for the scripts is scripts/lib/service.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';

export interface ServiceSpec {
  /** What the messages call it ("etcd", "containerd", ...). */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /**
   * Its stdout and stderr go to this file (appended) when given: the service can outlive the test
   * process (with `detached`). Otherwise they are kept in memory (the last 200 KB).
   */
  logFile?: string;
  /** Its own process group, not waited for by the test process (a daemon a killed run may leave). */
  detached?: boolean;
  /** Its PID is written here as soon as it is spawned (for a later run to stop it), removed if it fails to start. */
  pidFile?: string;
  /** Ready yet? A thrown error counts as "not yet" (the last one is reported on a timeout). */
  ready: () => boolean | Promise<boolean>;
  timeoutMs: number;
  intervalMs?: number;
  /** Each chunk of its output (memory mode), as it comes. */
  onOutput?: (text: string) => void;
}

export interface Service {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Its output so far (the log file's or the in-memory tail). */
  log(): string;
  alive(): boolean;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** `signal` (SIGTERM by default), SIGKILL after graceMs; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const MEMORY_LOG = 200_000;

/** Start a service and wait until `ready()` answers true; throws with its log when it exits or times out. */
export async function startService(spec: ServiceSpec): Promise<Service> {
  let memory = '';
  let out: number | undefined;
  if (spec.logFile) out = openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, {
    env: spec.env ?? process.env,
    detached: spec.detached ?? false,
    stdio: out === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', out, out],
  });
  if (out !== undefined) closeSync(out);
  let spawnFailed: Error | undefined;
  child.once('error', (e) => (spawnFailed = e));
  if (spec.detached) child.unref();
  if (spec.pidFile && child.pid !== undefined) writeFileSync(spec.pidFile, String(child.pid));
  const onData = (d: Buffer) => {
    const text = d.toString();
    memory = (memory + text).slice(-MEMORY_LOG);
    spec.onOutput?.(text);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const alive = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const log = () => (spec.logFile ? (existsSync(spec.logFile) ? readFileSync(spec.logFile, 'utf8') : '') : memory);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000) => {
    if (!alive()) return;
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
    if (alive()) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const t0 = Date.now();
  const interval = spec.intervalMs ?? 100;
  let lastErr: unknown;
  let failure: string | undefined;
  for (;;) {
    if (spawnFailed) {
      failure = `${spec.name} could not be started (${spec.command}): ${spawnFailed.message}`;
      break;
    }
    if (child.pid !== undefined && !alive()) {
      failure = `${spec.name} exited (${child.exitCode ?? child.signalCode}) before it was ready`;
      break;
    }
    if (child.pid !== undefined) {
      try {
        if (await spec.ready()) break;
      } catch (e) {
        lastErr = e;
      }
    }
    if (Date.now() - t0 >= spec.timeoutMs) {
      const why = lastErr instanceof Error ? lastErr.message : lastErr === undefined ? '' : String(lastErr);
      failure = `${spec.name} was not ready within ${spec.timeoutMs} ms${why ? ` (last check: ${why})` : ''}`;
      break;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  if (failure !== undefined) {
    await stop('SIGKILL', 0).catch(() => undefined);
    if (spec.pidFile) rmSync(spec.pidFile, { force: true });
    const text = log().slice(-4000);
    throw new Error(`${failure}\n  command: ${spec.command} ${spec.args.join(' ')}\n  its log${spec.logFile ? ` (${spec.logFile})` : ''}:\n${text || '(empty)'}`);
  }
  return { name: spec.name, pid: child.pid!, child, log, alive, exited, stop };
}

/** Readiness: something accepts TCP connections on host:port. */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Readiness: GET `url` answers 200 (https: trusting `ca`, or any certificate when no CA is given). */
export function httpOk(url: string, opts: { ca?: string | Buffer; timeoutMs?: number } = {}): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      { method: 'GET', ...(u.protocol === 'https:' ? (opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }) : {}) },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      },
    );
    req.setTimeout(opts.timeoutMs ?? 2000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
