/**
 * The secure serving of kube-scheduler and kube-controller-manager, as upstream's components serve it:
 * HTTPS on `--bind-address`:`--secure-port` (10259 / 10257; `--secure-port=0` serves nothing), a certificate
 * from `--tls-cert-file`/`--tls-private-key-file` or else a self-signed one made in memory for `localhost`
 * and 127.0.0.1 (upstream's MaybeDefaultWithSelfSignedCerts), `/healthz`, `/livez` and `/readyz` answered
 * to anyone (upstream's `--authorization-always-allow-paths` default) with the API server's health
 * reports (control-plane/apiserver/health.ts), and every other path refused as upstream refuses an
 * anonymous caller: 403 `forbidden: User "system:anonymous" cannot get path "/metrics"`.
 *
 * `healthRoute` and `forbiddenPath` are pure; `HealthServer` is the thin HTTPS adapter.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FlagError, num, str, strs, type FlagSpec, type FlagValues } from '../../api/cli/flags.js';
import { KubeError, type Status } from '../../api/errors.js';
import type { Logger } from '../../api/client/log.js';
import type { LeaderElector } from '../../api/client/leader-election.js';
import { selfSignedServingCertificate } from '../../api/tls/certs.js';
import { READ_HEADER_TIMEOUT_MS, SecureListener, TLS_SERVING_FLAGS, tlsSettings, type TlsSettings } from '../../api/tls/serving.js';
import {
  checkError,
  healthReport,
  runHealthChecks,
  singleCheckReport,
  HEALTH_ENDPOINTS,
  type HealthAnswer,
  type HealthCheck,
  type HealthEndpoint,
} from '../apiserver/health.js';

/** upstream's ports (pkg/cluster/ports): KubeSchedulerPort, KubeControllerManagerPort. */
export const KUBE_SCHEDULER_PORT = 10259;
export const KUBE_CONTROLLER_MANAGER_PORT = 10257;

/** The secure-serving flags with upstream's names, defaults and help; `port` is the component's default. */
export function secureServingFlags(port: number): FlagSpec[] {
  return [
    {
      name: 'bind-address',
      type: 'string',
      default: '0.0.0.0',
      help: 'The IP address on which to listen for the --secure-port port. The associated interface(s) must be reachable by the rest of the cluster, and by CLI/web clients. If blank or an unspecified address (0.0.0.0 or ::), all interfaces and IP address families will be used.',
    },
    { name: 'secure-port', type: 'int', default: port, help: 'The port on which to serve HTTPS with authentication and authorization. If 0, don\'t serve HTTPS at all.' },
    {
      name: 'tls-cert-file',
      type: 'string',
      help: 'File containing the default x509 Certificate for HTTPS. (CA cert, if any, concatenated after server cert). If HTTPS serving is enabled, and --tls-cert-file and --tls-private-key-file are not provided, a self-signed certificate and key are generated for the public address and saved to the directory specified by --cert-dir.',
    },
    { name: 'tls-private-key-file', type: 'string', help: 'File containing the default x509 private key matching --tls-cert-file.' },
    ...TLS_SERVING_FLAGS,
  ];
}

export interface SecureServingOptions {
  bindAddress: string;
  /** 0: no serving. */
  securePort: number;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  tls: TlsSettings;
}

/** The options from parsed flags (secureServingFlags), checked as upstream's SecureServingOptions.Validate. */
export function secureServingOptions(v: FlagValues): SecureServingOptions {
  const securePort = num(v, 'secure-port');
  if (!Number.isInteger(securePort) || securePort < 0 || securePort > 65535) {
    throw new FlagError(`--secure-port ${securePort} must be between 0 and 65535, inclusive. 0 for turning off secure port`);
  }
  const cert = str(v, 'tls-cert-file');
  const key = str(v, 'tls-private-key-file');
  if (!!cert !== !!key) throw new FlagError('--tls-cert-file and --tls-private-key-file must be given together');
  return {
    bindAddress: str(v, 'bind-address') || '0.0.0.0',
    securePort,
    ...(cert ? { tlsCertFile: cert } : {}),
    ...(key ? { tlsPrivateKeyFile: key } : {}),
    tls: tlsSettings(str(v, 'tls-min-version'), strs(v, 'tls-cipher-suites')),
  };
}

/** A `/healthz`, `/livez`, `/readyz` path, or one check of it (`/healthz/leaderElection`); undefined for any other path. */
export function healthRoute(path: string): { endpoint: HealthEndpoint; check: string } | undefined {
  const m = /^\/(healthz|livez|readyz)(?:\/([^/]+))?\/?$/.exec(path);
  if (!m || !HEALTH_ENDPOINTS.includes(m[1] as HealthEndpoint)) return undefined;
  return { endpoint: m[1] as HealthEndpoint, check: m[2] ?? '' };
}

/** What upstream's delegated authorizer answers an anonymous caller on a path outside the always-allowed ones. */
export function forbiddenPath(method: string, path: string): Status {
  const verb = { GET: 'get', HEAD: 'get', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete' }[method.toUpperCase()] ?? method.toLowerCase();
  return new KubeError('Forbidden', `forbidden: User "system:anonymous" cannot ${verb} path "${path}"`).toStatus();
}

/** The checks each endpoint runs; an endpoint without checks runs upstream's default `ping`. */
export type { HealthCheck };
export type HealthChecks = Partial<Record<HealthEndpoint, () => readonly HealthCheck[]>>;

/** upstream's healthz.PingHealthz. */
export const PING: HealthCheck = { name: 'ping', check: () => undefined };

/** upstream's leaderelection.HealthzAdaptor: `leaderElection`, healthy until an elector is set and fails its check. */
export class LeaderHealthzAdaptor implements HealthCheck {
  readonly name = 'leaderElection';
  elector: LeaderElector | undefined;
  /** upstream passes 20 s as the tolerable lease expiry to both components. */
  constructor(private readonly timeoutMs = 20_000) {}
  check(): void {
    this.elector?.check(this.timeoutMs);
  }
}

/** The answer to one request (pure but for running the checks). */
export async function healthAnswer(method: string, url: URL, checks: HealthChecks, log?: Logger): Promise<HealthAnswer> {
  const route = healthRoute(url.pathname);
  if (!route) {
    const body = JSON.stringify(forbiddenPath(method, url.pathname));
    return { status: 403, headers: { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' }, body: `${body}\n` };
  }
  const list = checks[route.endpoint]?.() ?? [];
  const all = list.length > 0 ? list : [PING];
  if (route.check) {
    const c = all.find((x) => x.name === route.check);
    if (!c) return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: '404 page not found\n' };
    return singleCheckReport((await checkError(c)).error);
  }
  const { results, unmatched } = await runHealthChecks(all, url.searchParams.getAll('exclude'));
  for (const r of results) if (r.error !== undefined) log?.warn(`${route.endpoint}: [-]${r.name} failed: ${r.error}`);
  return healthReport(route.endpoint, results, { verbose: url.searchParams.has('verbose'), unmatched });
}

export interface HealthServerOptions {
  serving: SecureServingOptions;
  checks: HealthChecks;
  log: Logger;
}

/** The HTTPS server; `start()` does nothing when --secure-port is 0. */
export class HealthServer {
  private listener: SecureListener | undefined;

  constructor(private readonly o: HealthServerOptions) {}

  async start(): Promise<void> {
    const s = this.o.serving;
    if (s.securePort === 0) return;
    const pair = s.tlsCertFile && s.tlsPrivateKeyFile
      ? { certPem: readFileSync(s.tlsCertFile, 'utf8'), keyPem: readFileSync(s.tlsPrivateKeyFile, 'utf8') }
      : selfSignedServingCertificate('localhost', ['127.0.0.1']);
    const server: Server = createServer({
      cert: pair.certPem,
      key: pair.keyPem,
      minVersion: s.tls.minVersion,
      ciphers: s.tls.ciphers,
      honorCipherOrder: true,
      handshakeTimeout: READ_HEADER_TIMEOUT_MS,
      headersTimeout: READ_HEADER_TIMEOUT_MS,
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      healthAnswer(req.method ?? 'GET', new URL(req.url ?? '/', 'https://localhost'), this.o.checks, this.o.log)
        .then((a) => {
          res.writeHead(a.status, { ...a.headers, 'Content-Length': Buffer.byteLength(a.body) });
          res.end(req.method === 'HEAD' ? undefined : a.body);
        })
        .catch((e: unknown) => {
          this.o.log.warn('health request failed', { error: e as Error });
          res.destroy();
        });
    });
    const listener = new SecureListener(server);
    await listener.listen(s.securePort, s.bindAddress || '0.0.0.0');
    this.listener = listener;
    this.o.log.info('Serving securely on', { address: `${s.bindAddress}:${this.address?.port ?? s.securePort}` });
  }

  get address(): AddressInfo | undefined {
    return this.listener?.address();
  }

  async stop(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }
}
