/**
 * Liveness, readiness and startup probes. `ProbeState` + `recordProbe` are pure (upstream's worker:
 * initialDelaySeconds, periodSeconds, success/failure thresholds); `runProbe` does one check
 * (httpGet: 200..399, tcpSocket: connect, exec: exit 0) and `ProbeManager` runs a timer per
 * (container id, probe kind) and tells the kubelet when a verdict changes.
 */
import { KubeError } from '../../api/errors.js';
import { connect } from 'node:net';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { boundedDelayMs } from '../../api/timers.js';

import type { Container, Probe } from './types.js';
export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeState {
  /** Current verdict; readiness starts false, liveness / startup start "success" (unknown = not failed). */
  result: boolean;
  consecutive: number;
  lastOutcome?: boolean;
}

export interface ProbeSettings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** A probe's timing from its spec; int32 seconds can exceed what a timer holds, so each delay is bounded. */
export function probeSettings(p: Probe): ProbeSettings {
  return {
    initialDelayMs: boundedDelayMs((p.initialDelaySeconds ?? 0) * 1000),
    periodMs: boundedDelayMs((p.periodSeconds ?? 10) * 1000),
    timeoutMs: boundedDelayMs((p.timeoutSeconds ?? 1) * 1000),
    successThreshold: p.successThreshold ?? 1,
    failureThreshold: p.failureThreshold ?? 3,
  };
}

export function initialProbeState(kind: ProbeKind): ProbeState {
  return { result: kind !== 'readiness' && kind !== 'startup' ? true : false, consecutive: 0 };
}

/** One probe outcome applied to the state (pure): the verdict flips after `threshold` equal outcomes in a row. */
export function recordProbe(state: ProbeState, outcome: boolean, s: ProbeSettings): ProbeState {
  const consecutive = state.lastOutcome === outcome ? state.consecutive + 1 : 1;
  let result = state.result;
  if (outcome && consecutive >= s.successThreshold) result = true;
  if (!outcome && consecutive >= s.failureThreshold) result = false;
  return { result, consecutive, lastOutcome: outcome };
}

/** When the next probe runs (pure): after the initial delay from the container start, then every period. */
export function nextProbeAt(startedAt: number, lastRun: number | undefined, s: ProbeSettings): number {
  if (lastRun === undefined) return startedAt + s.initialDelayMs;
  return lastRun + s.periodMs;
}

/** A probe's port: a number, a numeric string, or the name of one of the container's ports. */
export function probePort(port: number | string, container: Pick<Container, 'ports'>): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = (container.ports ?? []).find((x) => x.name === port);
  return p ? Number(p.containerPort) : NaN;
}

export interface ProbeTarget {
  podIP?: string;
  containerId: string;
  container: Container;
}

/** Run one probe; resolves with success and a message (upstream's wording for failures). */
export async function runProbe(probe: Probe, t: ProbeTarget, runtime: ContainerRuntime, timeoutMs: number): Promise<{ ok: boolean; message: string }> {
  if (probe.exec) {
    const out: Buffer[] = [];
    const sink = new (await import('node:stream')).Writable({ write(c, _e, cb) { out.push(Buffer.from(c)); cb(); } });
    try {
      const code = await runtime.exec(t.containerId, probe.exec.command ?? [], { stdout: sink, stderr: sink, timeoutSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)) });
      return { ok: code === 0, message: Buffer.concat(out).toString('utf8').trim() || `command ${JSON.stringify(probe.exec.command)} exited with ${code}` };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }
  const host = probe.httpGet?.host ?? probe.tcpSocket?.host ?? t.podIP;
  if (!host) return { ok: false, message: 'no pod IP yet' };
  const httpGet = probe.httpGet;
  if (httpGet) {
    const port = probePort(httpGet.port, t.container);
    const path = httpGet.path ?? '/';
    // scheme HTTPS: TLS without verifying the certificate, as upstream's prober (InsecureSkipVerify)
    const https = (httpGet.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
    const scheme = https ? 'https' : 'http';
    return new Promise((resolve) => {
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32' };
      for (const h of httpGet.httpHeaders ?? []) headers[h.name] = h.value ?? ''; // value: required by validation
      const onResponse = (res: import('node:http').IncomingMessage) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve({ ok: code >= 200 && code < 400, message: `HTTP probe failed with statuscode: ${code}` });
      };
      const opts = { host, port: Number(port), path, method: 'GET', headers, timeout: timeoutMs };
      const req = https ? httpsRequest({ ...opts, rejectUnauthorized: false }, onResponse) : request(opts, onResponse);
      req.on('timeout', () => req.destroy(new KubeError('Timeout', `Get "${scheme}://${host}:${port}${path}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, { code: 'ERR_PROBE' })));
      req.on('error', (e) => resolve({ ok: false, message: e.message.startsWith('Get ') ? e.message : `Get "${scheme}://${host}:${port}${path}": ${e.message}` }));
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = probePort(probe.tcpSocket.port, t.container);
    return new Promise((resolve) => {
      const s = connect({ host, port, timeout: timeoutMs });
      s.on('connect', () => { s.destroy(); resolve({ ok: true, message: '' }); });
      s.on('timeout', () => { s.destroy(); resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }); });
      s.on('error', (e) => resolve({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` }));
    });
  }
  return { ok: true, message: '' };
}

interface Worker {
  kind: ProbeKind;
  timer?: ReturnType<typeof setTimeout>;
  state: ProbeState;
  stopped: boolean;
}

const KIND_FIELD: Record<ProbeKind, 'livenessProbe' | 'readinessProbe' | 'startupProbe'> = { liveness: 'livenessProbe', readiness: 'readinessProbe', startup: 'startupProbe' };
const KIND_NAME: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/** Timers per container id and probe kind; verdicts read by the status and sync code. */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly onChange: (podKey: string) => void,
    private readonly onFailure: (podKey: string, kind: ProbeKind, containerName: string, message: string) => void,
  ) {}

  /** Make sure probes run for a running container (idempotent). */
  ensure(podKey: string, container: Container, containerId: string, startedAt: number, podIP: string | undefined, seed?: { ready: boolean; started: boolean }): void {
    for (const kind of ['startup', 'liveness', 'readiness'] as ProbeKind[]) {
      const probe = container[KIND_FIELD[kind]];
      if (!probe) continue;
      const key = `${containerId}/${kind}`;
      if (this.workers.has(key)) continue;
      const state = initialProbeState(kind);
      // A restarted kubelet keeps what the API last showed for this very container (no Ready flap).
      if (seed && kind === 'readiness') state.result = seed.ready;
      if (seed && kind === 'startup') state.result = seed.started;
      const w: Worker = { kind, state, stopped: false };
      this.workers.set(key, w);
      const s = probeSettings(probe);
      const tick = async (): Promise<void> => {
        if (w.stopped) return;
        // Liveness and readiness wait for the startup probe.
        if (kind !== 'startup' && container.startupProbe && this.verdict(containerId, 'startup') !== true) {
          w.timer = setTimeout(() => void tick(), s.periodMs);
          return;
        }
        const r = await runProbe(probe, { podIP, containerId, container }, this.runtime, s.timeoutMs);
        if (w.stopped) return;
        const before = w.state.result;
        w.state = recordProbe(w.state, r.ok, s);
        if (!r.ok) this.onFailure(podKey, kind, container.name, `${KIND_NAME[kind]} probe failed: ${r.message}`);
        if (w.state.result !== before) this.onChange(podKey);
        if (kind === 'startup' && w.state.result) return; // startup probes stop once they succeed
        w.timer = setTimeout(() => void tick(), s.periodMs);
      };
      w.timer = setTimeout(() => void tick(), Math.max(0, nextProbeAt(startedAt, undefined, s) - Date.now()));
    }
  }

  /** The verdict of a probe of a container; undefined when the container has no such probe. */
  verdict(containerId: string, kind: ProbeKind): boolean | undefined {
    return this.workers.get(`${containerId}/${kind}`)?.state.result;
  }

  /** Stop the probes of containers not in `keep`. */
  retain(keep: Set<string>): void {
    for (const [key, w] of this.workers) {
      if (!keep.has(key.slice(0, key.lastIndexOf('/')))) {
        w.stopped = true;
        if (w.timer) clearTimeout(w.timer);
        this.workers.delete(key);
      }
    }
  }

  stopContainer(containerId: string): void {
    for (const kind of ['startup', 'liveness', 'readiness']) {
      const w = this.workers.get(`${containerId}/${kind}`);
      if (!w) continue;
      w.stopped = true;
      if (w.timer) clearTimeout(w.timer);
      this.workers.delete(`${containerId}/${kind}`);
    }
  }

  stopAll(): void {
    this.retain(new Set());
  }
}
