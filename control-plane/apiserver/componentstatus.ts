/**
 * core/v1 ComponentStatus, computed on every get and list as upstream's componentstatus REST computes it
 * (pkg/registry/core/componentstatus): nothing is stored; the API server probes the scheduler
 * (https://127.0.0.1:10259/healthz), the controller manager (https://127.0.0.1:10257/healthz), both without
 * verifying their certificates, and its etcd storage (one row `etcd-0`: upstream has one row per storage
 * configuration, not per server). A probe's outcome becomes the `Healthy` condition: Success True, Failure
 * False, Unknown Unknown; its data the message, its error the error.
 *
 * `componentStatusOf` and `httpProbeResult` are pure; `httpGetProbe` and `etcdProbe` are the I/O.
 */
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { ComponentStatus } from '../../api/types/index.js';
import { errors, KubeError } from '../../api/errors.js';
import { KUBE_CONTROLLER_MANAGER_PORT, KUBE_SCHEDULER_PORT } from '../componenthealth/serving.js';

export type ProbeOutcome = 'Success' | 'Failure' | 'Unknown';

/** What upstream's Server.DoServerCheck returns: the result, its data and an error. */
export interface ProbeResult {
  result: ProbeOutcome;
  data: string;
  error?: string;
}

/** One row's source: the name and its check (upstream's componentstatus.Server). */
export interface ComponentServer {
  name: string;
  check(): Promise<ProbeResult>;
}

/** upstream's probeTimeOut. */
export const PROBE_TIMEOUT_MS = 20_000;

/** upstream's defaults: the scheduler's and the controller manager's secure ports on the API server's own host. */
export const DEFAULT_SCHEDULER_HEALTHZ = `https://127.0.0.1:${KUBE_SCHEDULER_PORT}/healthz`;
export const DEFAULT_CONTROLLER_MANAGER_HEALTHZ = `https://127.0.0.1:${KUBE_CONTROLLER_MANAGER_PORT}/healthz`;

/** upstream's getComponentStatus (ToConditionStatus): one Healthy condition. */
export function componentStatusOf(name: string, r: ProbeResult): ComponentStatus {
  const status = r.result === 'Success' ? 'True' : r.result === 'Failure' ? 'False' : 'Unknown';
  return {
    kind: 'ComponentStatus',
    apiVersion: 'v1',
    metadata: { name },
    conditions: [{ type: 'Healthy', status, message: r.data, error: r.error ?? '' }],
  };
}

/** upstream's http prober: 200-399 is Success with the body as data; any other code is a Failure with its words. */
export function httpProbeResult(statusCode: number, body: string): ProbeResult {
  if (statusCode >= 200 && statusCode < 400) return { result: 'Success', data: body };
  return { result: 'Failure', data: `HTTP probe failed with statuscode: ${statusCode}` };
}

/** A failed request in Go's net/http words: `Get "<url>": dial tcp 127.0.0.1:10259: connect: connection refused`. */
export function httpGetErrorMessage(url: string, e: { code?: string; message?: string }): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const host = u.hostname.startsWith('[') ? u.hostname : u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname;
  const dial = `dial tcp ${host}:${port}`;
  const why: Record<string, string> = {
    ECONNREFUSED: `${dial}: connect: connection refused`,
    EHOSTUNREACH: `${dial}: connect: no route to host`,
    ENETUNREACH: `${dial}: connect: network is unreachable`,
    ECONNRESET: 'read: connection reset by peer',
    ETIMEDOUT: 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
  };
  return `Get ${JSON.stringify(url)}: ${(e.code && why[e.code]) || e.message || String(e)}`;
}

/** GET `url` (HTTPS without verifying the certificate, as upstream's InsecureSkipVerify) and judge the answer. */
export function httpGetProbe(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const get = u.protocol === 'https:' ? request : httpRequest;
    // agent false: a fresh connection each time (upstream's prober disables keep-alives)
    const req = get(u, { method: 'GET', agent: false, rejectUnauthorized: false, headers: { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        // upstream reads at most 10 KiB of a probe's body
        if (size < 10 * 1024) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => resolve(httpProbeResult(res.statusCode ?? 0, Buffer.concat(chunks).subarray(0, 10 * 1024).toString('utf8'))));
      res.on('error', (e) => resolve({ result: 'Failure', data: httpGetErrorMessage(url, e) }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    // upstream's prober turns a transport error into a Failure whose data is the error's text (no error).
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ result: 'Failure', data: httpGetErrorMessage(url, e) }));
    req.end();
  });
}

/** The storage's probe: Success with `ok`, or a Failure with the error. */
export async function etcdProbe(probe: () => Promise<unknown>, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new KubeError('Timeout', 'context deadline exceeded')), timeoutMs);
      }),
    ]);
    return { result: 'Success', data: 'ok' };
  } catch (e) {
    return { result: 'Failure', data: '', error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

export interface ComponentStatusConfig {
  schedulerHealthz: string;
  controllerManagerHealthz: string;
  /** The storage's own health check (the API server's backend). */
  etcd: () => Promise<unknown>;
}

/** upstream's serversToValidate, in the order `kubectl get componentstatuses` lists them here. */
export function componentServers(c: ComponentStatusConfig): ComponentServer[] {
  return [
    { name: 'scheduler', check: () => httpGetProbe(c.schedulerHealthz) },
    { name: 'controller-manager', check: () => httpGetProbe(c.controllerManagerHealthz) },
    { name: 'etcd-0', check: () => etcdProbe(c.etcd) },
  ];
}

/** List: every server probed at once. */
export async function listComponentStatuses(servers: readonly ComponentServer[]): Promise<ComponentStatus[]> {
  return Promise.all(servers.map(async (s) => componentStatusOf(s.name, await s.check())));
}

/** Get: an unknown name is upstream's plain error, which the API server answers as a 500. */
export async function getComponentStatus(servers: readonly ComponentServer[], name: string): Promise<ComponentStatus> {
  const s = servers.find((x) => x.name === name);
  if (!s) throw errors.internal(`Component not found: ${name}`);
  return componentStatusOf(s.name, await s.check());
}
