/**
 * A tiny extension API server for the aggregation tests: TLS on loopback with its own serving CA, asking for a
 * client certificate signed by the front proxy CA (as metrics-server does with requestheader-client-ca-file), serving
 * one group version `metrics.kubelab.io/v1beta1` with a namespaced `widgets` resource (list, get, watch). It records
 * what each request carried: the front proxy headers, an Authorization header, the client certificate's CN.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createCA, createCertificate, type KeyPairPem } from '../../api/tls/certs.js';

export const EXT_GROUP = 'metrics.kubelab.io';
export const EXT_VERSION = 'v1beta1';

export interface SeenRequest {
  method: string;
  url: string;
  remoteUser: string | undefined;
  remoteGroups: string[];
  authorization: string | undefined;
  clientCN: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface ExtensionServer {
  port: number;
  ca: KeyPairPem;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const RESOURCE_LIST = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: `${EXT_GROUP}/${EXT_VERSION}`,
  resources: [{ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: ['get', 'list', 'watch'], shortNames: ['wdg'] }],
};

function widget(ns: string, name: string): Record<string, unknown> {
  return { apiVersion: `${EXT_GROUP}/${EXT_VERSION}`, kind: 'Widget', metadata: { name, namespace: ns, creationTimestamp: '2026-12-05T00:00:00Z' }, size: 3 };
}

/** Start it; `serviceDns` is the name the aggregator checks its certificate for (`<service>.<namespace>.svc`). */
export async function startExtensionServer(frontProxyCA: KeyPairPem, serviceDns: string): Promise<ExtensionServer> {
  const ca = createCA('extension-ca');
  const serving = createCertificate({ ca, commonName: serviceDns, dnsNames: [serviceDns], serverAuth: true });
  const seen: SeenRequest[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const sock = req.socket as TLSSocket;
    const cert = sock.getPeerCertificate();
    const cn = sock.authorized && cert && typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined;
    const groups = req.headersDistinct['x-remote-group'] ?? [];
    seen.push({ method: req.method ?? '', url: req.url ?? '', remoteUser: req.headers['x-remote-user'] as string | undefined, remoteGroups: groups, authorization: req.headers.authorization, clientCN: cn, headers: { ...req.headers } });
    const send = (code: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    // as an extension server with delegated authentication: only the front proxy's callers
    if (!cn || !req.headers['x-remote-user']) return send(401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    const u = new URL(req.url ?? '/', 'https://x');
    const base = `/apis/${EXT_GROUP}/${EXT_VERSION}`;
    if (u.pathname === base) return send(200, RESOURCE_LIST);
    const m = /^\/apis\/[^/]+\/[^/]+\/namespaces\/([^/]+)\/widgets(?:\/([^/]+))?$/.exec(u.pathname);
    if (m) {
      const ns = m[1]!;
      if (m[2]) return send(200, widget(ns, m[2]));
      if (u.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        res.write(JSON.stringify({ type: 'ADDED', object: widget(ns, 'w1') }) + '\n');
        setTimeout(() => {
          res.write(JSON.stringify({ type: 'MODIFIED', object: widget(ns, 'w1') }) + '\n');
          res.end();
        }, 100);
        return;
      }
      return send(200, { apiVersion: `${EXT_GROUP}/${EXT_VERSION}`, kind: 'WidgetList', metadata: {}, items: [widget(ns, 'w1'), widget(ns, 'w2')] });
    }
    send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 });
  };
  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem, ca: frontProxyCA.certPem, requestCert: true, rejectUnauthorized: false }, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    ca,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
