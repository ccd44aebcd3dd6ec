/**
 * pods/proxy and services/proxy, the I/O: the request (method, headers less the caller's credentials and
 * hop-by-hop headers, body, query) is sent to the location resource-proxy.ts chose and the answer streamed
 * back (CORS headers dropped, a redirect to the backend itself rewritten to go through the proxy);
 * an upgrade (WebSocket) is piped both ways. The dialer is injectable: the API server dials pod IPs with
 * net.connect; a test maps them onto a loopback server.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { KubeError } from '../../api/errors.js';
import { gunzipSync, gzipSync, inflateSync, deflateSync } from 'node:zlib';
import { CORS_HEADERS, dialErrorMessage, HOP_BY_HOP, hostPort, invalidPortMessage, targetUrl, type ProxyLocation } from './resource-proxy.js';
import { rewriteHtml, rewriteProxiedUrl, type RewriteContext } from './resource-proxy-html.js';

/** Opens a TCP connection to host:port (net.connect by default). */
export type ProxyDialer = (host: string, port: number) => Duplex;

export const defaultProxyDialer: ProxyDialer = (host, port) => netConnect({ host, port });

/** How the API server reaches pods: the dialer and how long a dial may take. */
export interface ProxyTransport {
  dial: ProxyDialer;
  dialTimeoutMs: number;
}

/** What a proxied request needs besides the HTTP request: where it goes and the path and prefix it came with. */
export interface ProxyRequest {
  location: ProxyLocation;
  /** The path after `.../proxy` (raw). */
  rest: string;
  /** The request path up to and including `/proxy` (for rewriting the backend's redirects). */
  prefix: string;
  rawQuery: string;
}

function unreachable(e: { code?: string; message?: string }, loc: ProxyLocation): KubeError {
  return e instanceof KubeError ? e : new KubeError('ServiceUnavailable', dialErrorMessage(e, loc));
}

/** The headers sent to the backend: the client's, less credentials and hop-by-hop ones, plus X-Forwarded-For. */
function forwardedHeaders(req: IncomingMessage, keepUpgrade: boolean): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const connectionTokens = String(req.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim()).filter(Boolean);
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    if (k === 'authorization' || k.startsWith('impersonate-')) continue;
    if (!keepUpgrade && (HOP_BY_HOP.includes(k) || connectionTokens.includes(k))) continue;
    headers[k] = v;
  }
  const client = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  return headers;
}

function rewriteContext(req: IncomingMessage, p: ProxyRequest): RewriteContext {
  return { backendHost: hostPort(p.location), requestHost: req.headers.host ?? '', prefix: p.prefix };
}

function answerHeaders(h: IncomingHttpHeaders, ctx: RewriteContext): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.includes(k) || CORS_HEADERS.includes(k)) continue;
    out[k] = k === 'location' && typeof v === 'string' ? rewriteProxiedUrl(v, ctx) : v;
  }
  return out;
}

/** The largest HTML answer the proxy reads whole to rewrite (larger ones pass unchanged). */
export const HTML_REWRITE_LIMIT = 16 * 1024 * 1024;

/** An HTML answer the proxy rewrites (upstream: text/html, identity, gzip or deflate encoded, a body to read). */
function rewritesBody(method: string | undefined, res: IncomingMessage): boolean {
  if (method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304) return false;
  const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  return type === 'text/html' && ['', 'identity', 'gzip', 'deflate'].includes(encoding);
}

/** The whole HTML body with its links rewritten, in the encoding it came in. */
function rewrittenBody(body: Buffer, encoding: string, ctx: RewriteContext): Buffer {
  const decode = encoding === 'gzip' ? gunzipSync : encoding === 'deflate' ? inflateSync : (b: Buffer) => b;
  const encode = encoding === 'gzip' ? gzipSync : encoding === 'deflate' ? deflateSync : (b: Buffer) => b;
  return encode(Buffer.from(rewriteHtml(decode(body).toString('utf8'), ctx), 'utf8'));
}

/** How long a dial may take (upstream's proxy dialer: 30 s), then 503 `... i/o timeout`. */
export const PROXY_DIAL_TIMEOUT_MS = 30_000;

function openSocket(t: ProxyTransport, loc: ProxyLocation, port: number): Duplex {
  const raw = t.dial(loc.host, port);
  const timer = setTimeout(() => raw.destroy(new KubeError('ServiceUnavailable', dialErrorMessage({ code: 'ETIMEDOUT' }, loc))), t.dialTimeoutMs);
  const stop = (): void => clearTimeout(timer);
  raw.once('connect', stop);
  raw.once('close', stop);
  // Pod serving certificates are not verifiable by IP: upstream's proxy transport skips verification too.
  return loc.scheme === 'https' ? tlsConnect({ socket: raw, rejectUnauthorized: false }) : raw;
}

/** Proxy one plain request; resolves when the answer has been sent. Errors before the answer starts are KubeErrors. */
export function proxyRequest(transport: ProxyTransport, req: IncomingMessage, res: ServerResponse, p: ProxyRequest): Promise<void> {
  const bad = invalidPortMessage(p.location);
  if (bad) return Promise.reject(new KubeError('ServiceUnavailable', `error trying to reach service: ${bad}`));
  const t = targetUrl(p.location, p.rest, p.rawQuery);
  return new Promise<void>((resolve, reject) => {
    const up = httpRequest({
      host: t.host,
      port: t.port,
      path: t.path,
      method: req.method,
      headers: forwardedHeaders(req, false),
      // No agent: with one (even `agent: false`) Node ignores createConnection and dials by itself.
      createConnection: () => openSocket(transport, p.location, t.port) as ReturnType<typeof netConnect>,
    });
    const ctx = rewriteContext(req, p);
    up.on('response', (upRes) => {
      const headers = answerHeaders(upRes.headers, ctx);
      upRes.on('error', () => {
        res.destroy();
        resolve();
      });
      if (!rewritesBody(req.method, upRes)) {
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
        upRes.pipe(res);
        upRes.on('end', () => resolve());
        return;
      }
      // HTML: read whole, links rewritten to go through the proxy (as upstream's proxy transport). A body larger
      // than HTML_REWRITE_LIMIT goes on unchanged, streamed, rather than held in the API server's memory.
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (c: Buffer): void => {
        chunks.push(c);
        size += c.length;
        if (size <= HTML_REWRITE_LIMIT) return;
        upRes.off('data', onData);
        upRes.off('end', onEnd);
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
        for (const b of chunks) res.write(b);
        upRes.pipe(res);
        upRes.on('end', () => resolve());
      };
      const onEnd = (): void => {
        let body: Buffer = Buffer.concat(chunks);
        try {
          body = rewrittenBody(body, String(upRes.headers['content-encoding'] ?? '').trim().toLowerCase(), ctx);
        } catch {
          // a body that does not decode is passed on as it came
        }
        delete headers['content-length'];
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, { ...headers, 'content-length': body.length });
        res.end(body);
        resolve();
      };
      upRes.on('data', onData);
      upRes.on('end', onEnd);
    });
    up.on('error', (e: NodeJS.ErrnoException) => {
      if (res.headersSent) {
        res.destroy();
        resolve();
      } else reject(unreachable(e, p.location));
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
}

/** Proxy an upgrade (WebSocket): the request head goes to the backend, then bytes both ways. */
export function proxyUpgrade(transport: ProxyTransport, req: IncomingMessage, socket: Duplex, head: Buffer, p: ProxyRequest): Promise<void> {
  const bad = invalidPortMessage(p.location);
  if (bad) return Promise.reject(new KubeError('ServiceUnavailable', `error trying to reach service: ${bad}`));
  const t = targetUrl(p.location, p.rest, p.rawQuery);
  return new Promise<void>((resolve, reject) => {
    const up = openSocket(transport, p.location, t.port);
    let connected = false;
    up.once(p.location.scheme === 'https' ? 'secureConnect' : 'connect', () => {
      connected = true;
      let text = `${req.method} ${t.path} HTTP/1.1\r\n`;
      for (const [k, v] of Object.entries(forwardedHeaders(req, true))) {
        for (const one of Array.isArray(v) ? v : [v]) text += `${k}: ${String(one)}\r\n`;
      }
      up.write(text + '\r\n');
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
      socket.on('error', () => up.destroy());
      up.on('close', () => {
        socket.end();
        resolve();
      });
    });
    up.on('error', (e: NodeJS.ErrnoException) => {
      if (connected) socket.destroy();
      else reject(unreachable(e, p.location));
    });
  });
}
