/**
 * The health endpoints as upstream's healthz package serves them: `/healthz`, `/livez` and `/readyz` run
 * their named checks in order and answer `ok`, or with `?verbose` one line per check (`[+]etcd ok`) and
 * `<endpoint> check passed`; a failing check makes the answer a 500 listing every check
 * (`[-]etcd failed: reason withheld`, the reason only in the server's log) and `<endpoint> check failed`;
 * `?exclude=<name>` skips a check (`[+]<name> excluded: ok`). `/<endpoint>/<check>` runs one check:
 * `ok`, or 500 `internal server error: <reason>`.
 * `healthReport`/`singleCheckReport` are pure; the API server runs the checks (health-checks in server.ts).
 */

import { KubeError } from '../../api/errors.js';

export type HealthEndpoint = 'healthz' | 'livez' | 'readyz';

/** A health check's failure: its message is the reason (shown only on the check's own path, /readyz/etcd). */
export class HealthCheckFailed extends KubeError {
  constructor(reason: string) {
    super('ServiceUnavailable', reason, { code: 'ERR_UNAVAILABLE' });
    this.name = 'HealthCheckFailed';
  }
}

export const HEALTH_ENDPOINTS: readonly HealthEndpoint[] = ['healthz', 'livez', 'readyz'];

/** A named check: resolves when healthy, throws (or rejects) with the reason otherwise. */
export interface HealthCheck {
  name: string;
  check(): Promise<void> | void;
}

/** One check's outcome: `error` is the reason it failed; `excluded` when `?exclude=` skipped it. */
export interface CheckResult {
  name: string;
  excluded?: boolean;
  error?: string;
}

export interface HealthAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What Go's http.Error writes: 500, plain text, nosniff, the message and a newline. */
function httpError(status: number, message: string): HealthAnswer {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: `${message}\n` };
}

/** The `/healthz|livez|readyz` answer (upstream's handleRootHealth). `unmatched`: excluded names no check has. */
export function healthReport(endpoint: HealthEndpoint, results: readonly CheckResult[], opts: { verbose: boolean; unmatched?: readonly string[] }): HealthAnswer {
  let lines = '';
  const failed: string[] = [];
  for (const r of results) {
    if (r.excluded) lines += `[+]${r.name} excluded: ok\n`;
    else if (r.error !== undefined) {
      lines += `[-]${r.name} failed: reason withheld\n`;
      failed.push(r.name);
    } else lines += `[+]${r.name} ok\n`;
  }
  if (opts.unmatched && opts.unmatched.length > 0) {
    const names = [...opts.unmatched].sort().map((n) => JSON.stringify(n)).join(',');
    lines += `warn: some health checks cannot be excluded: no matches for ${names}\n`;
  }
  // Always verbose on failure.
  if (failed.length > 0) return httpError(500, `${lines}${endpoint} check failed`);
  const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };
  if (!opts.verbose) return { status: 200, headers, body: 'ok' };
  return { status: 200, headers, body: `${lines}${endpoint} check passed\n` };
}

/** The `/<endpoint>/<check>` answer (upstream's adaptCheckToHandler): the reason is shown here. */
export function singleCheckReport(error: string | undefined): HealthAnswer {
  if (error !== undefined) return httpError(500, `internal server error: ${error}`);
  return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'ok' };
}

/** Run the checks in order (those named in `exclude` are not run); returns each outcome and the unmatched exclusions. */
export async function runHealthChecks(checks: readonly HealthCheck[], exclude: readonly string[]): Promise<{ results: CheckResult[]; unmatched: string[] }> {
  const left = new Set(exclude);
  const results: CheckResult[] = [];
  for (const c of checks) {
    if (left.has(c.name)) {
      left.delete(c.name);
      results.push({ name: c.name, excluded: true });
      continue;
    }
    results.push({ name: c.name, ...(await checkError(c)) });
  }
  return { results, unmatched: [...left] };
}

/** One check's reason for failing, if it fails. */
export async function checkError(c: HealthCheck): Promise<{ error?: string }> {
  try {
    await c.check();
    return {};
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Resolve with `p`, or reject with Go's `context deadline exceeded` after `ms` (a check's timeout). */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HealthCheckFailed('context deadline exceeded')), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
