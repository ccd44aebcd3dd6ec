/**
 * The HTTPS side of metrics-server: authenticate (authn.ts), authorize with a SubjectAccessReview (delegated),
 * then serve metrics.k8s.io (api.ts). /healthz, /livez and /readyz need no credentials (upstream's
 * --authorization-always-allow-paths); /readyz answers 200 once a first usage can be served.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { READ_HEADER_TIMEOUT_MS, SecureListener, tlsSettings, type TlsSettings } from '../../api/tls/serving.js';
import { bearerToken, type DelegatedAuth } from '../../api/client/delegated-auth.js';
import { errors, KubeError } from '../../api/errors.js';
import type { Logger } from '../../api/client/log.js';
import { requestAttributes, route, serve, type ApiState } from './api.js';
import { authenticate, type AuthenticationConfig } from './authn.js';

export interface MetricsServerOptions {
  address: string;
  port: number;
  certPem: string;
  keyPem: string;
  tls?: TlsSettings;
  /** The current authentication settings (from the extension-apiserver-authentication ConfigMap). */
  authn: () => AuthenticationConfig;
  reviews: DelegatedAuth;
  api: ApiState;
  /** Ready: a first scrape stored usage. */
  ready: () => boolean;
  log: Logger;
}

export class MetricsApiServer {
  private server: Server | undefined;
  private listener: SecureListener | undefined;

  constructor(private readonly o: MetricsServerOptions) {}

  async start(): Promise<void> {
    const tls = this.o.tls ?? tlsSettings(undefined, undefined);
    const server = createServer({
      cert: this.o.certPem,
      key: this.o.keyPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: tls.minVersion,
      ciphers: tls.ciphers,
      honorCipherOrder: true,
      handshakeTimeout: READ_HEADER_TIMEOUT_MS,
      headersTimeout: READ_HEADER_TIMEOUT_MS,
    });
    server.on('request', (req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.o.log.warn('request failed', { error: e as Error });
        if (!res.headersSent) this.json(res, 500, new KubeError('InternalError', (e as Error).message).toStatus());
        else res.destroy();
      });
    });
    const listener = new SecureListener(server);
    await listener.listen(this.o.port, this.o.address);
    this.server = server;
    this.listener = listener;
  }

  get address(): AddressInfo | undefined {
    return this.listener?.address();
  }

  async stop(): Promise<void> {
    await this.listener?.close();
    this.server = undefined;
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://metrics-server');
    const r = route(url.pathname);
    if (r.kind === 'health') {
      if (r.name === 'readyz' && !this.o.ready()) return this.json(res, 500, '[-]metric-storage-ready failed: not metrics to serve\nreadyz check failed\n');
      return this.json(res, 200, 'ok');
    }
    const sock = req.socket as TLSSocket;
    const raw = sock.getPeerCertificate?.(false)?.raw;
    let cert: X509Certificate | undefined;
    try {
      cert = raw ? new X509Certificate(raw) : undefined;
    } catch {
      cert = undefined;
    }
    // headersDistinct: a repeated X-Remote-Group stays one value per header (node joins them with ", " in headers)
    const authn = await authenticate(
      { ...(cert ? { cert } : {}), headers: req.headersDistinct, nowMs: Date.now(), tokenReview: (t) => this.o.reviews.authenticateToken(t), ...(bearerToken(req.headers.authorization) ? { bearer: bearerToken(req.headers.authorization)! } : {}) },
      this.o.authn(),
    ).catch((e: unknown) => ({ error: (e as Error).message }));
    if ('error' in authn) {
      this.o.log.debug('unauthorized', { error: authn.error });
      return this.json(res, 401, errors.unauthorized().toStatus());
    }
    const attrs = requestAttributes(req.method ?? 'GET', url.pathname, url.searchParams);
    if (attrs) {
      const d = await this.o.reviews.authorize(authn.user, attrs);
      if (!d.allowed) {
        const e = 'path' in attrs
          ? new KubeError('Forbidden', `forbidden: User "${authn.user.username}" cannot ${attrs.verb} path "${attrs.path}"${d.reason ? `: ${d.reason}` : ''}`)
          : errors.forbidden(authn.user.username, attrs.verb, attrs.resource, attrs.group, attrs.namespace, d.reason);
        return this.json(res, 403, e.toStatus());
      }
    }
    const out = serve({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, ...(req.headers.accept ? { accept: req.headers.accept } : {}) }, this.o.api);
    this.json(res, out.code, out.body);
  }
}
