/**
 * The kubelet API (HTTPS, port 10250) that only the API server may use: its client certificate must
 * be signed by --client-ca-file and name kube-apiserver-kubelet-client or the system:masters group.
 *
 *   GET  /healthz                                    ok
 *   GET  /pods                                       the pods this kubelet runs (PodList)
 *   GET  /containerLogs/{ns}/{pod}/{container}       ?follow&tailLines&previous&timestamps&sinceSeconds&limitBytes
 *   WS   /exec/{ns}/{pod}[/{container}]              ?command=..&container=..&stdin&stdout&stderr&tty
 *        subprotocols v5.channel.k8s.io / v4.channel.k8s.io: each binary message is one channel byte
 *        (0 stdin, 1 stdout, 2 stderr, 3 error/status JSON, 4 resize JSON, 255 close (v5)) + data.
 *   WS   /portForward/{ns}/{pod}                    subprotocol SPDY/3.1+portforward.k8s.io (SPDY tunnelled in
 *        binary messages, kubectl 1.32's default), or a plain `Upgrade: SPDY/3.1` (its fallback).
 *   GET  /stats/summary                              stats/v1alpha1 Summary (stats.ts, stats-collector.ts)
 *   GET  /metrics/resource                           Prometheus text: node/pod/container CPU and working set
 *
 * With `--authentication-token-webhook`, a bearer token is a user via TokenReview; with
 * `--authorization-mode=Webhook`, any other user than the API server's kubelet client (or system:masters) is
 * authorized with a SubjectAccessReview on nodes/<subresource> (stats, metrics, log, spec, proxy), as upstream.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { READ_HEADER_TIMEOUT_MS, SecureListener, tlsSettings, type TlsSettings } from '../../api/tls/serving.js';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../api/client/log.js';
import { LABELS, type ContainerRuntime, type ContainerStatus } from '../runtime/runtime.js';
import { groupByName } from './pod-sync.js';
import { streamLogs } from './logs.js';
import { PortForwardSession } from './portforward.js';
import { bearerToken, type DelegatedAuth, type UserInfo } from '../../api/client/delegated-auth.js';
import type { StatsCollector } from './stats-collector.js';
import { kubeletRequestAttributes, resourceMetricsText } from './stats.js';

import type { ContainerStatus as PodContainerStatus, Pod, Status } from './types.js';

export interface KubeletServerOptions {
  address: string;
  port: number;
  certPem: string | Buffer;
  keyPem: string | Buffer;
  /** --tls-min-version / --tls-cipher-suites (default: TLS 1.2+, forward-secret AEAD suites). */
  tls?: TlsSettings;
  clientCAPem?: string | Buffer;
  runtime: ContainerRuntime;
  pod: (namespace: string, name: string) => Pod | undefined;
  pods: () => Pod[];
  log: Logger;
  /** /stats/summary and /metrics/resource; absent: 404. */
  stats?: StatsCollector;
  /** Delegated authentication (bearer tokens) and authorization (SubjectAccessReview). */
  delegation?: { nodeName: string; reviews: DelegatedAuth; tokenWebhook: boolean; authorizationMode: 'AlwaysAllow' | 'Webhook' };
}

export const PORT_FORWARD_TUNNEL = 'SPDY/3.1+portforward.k8s.io';

/** The WebSocket subprotocol the kubelet answers with (pure): exec v5 / v4, or the port-forward SPDY tunnel. */
export function selectSubprotocol(offered: Set<string>): string | false {
  for (const p of ['v5.channel.k8s.io', 'v4.channel.k8s.io', PORT_FORWARD_TUNNEL]) if (offered.has(p)) return p;
  return false;
}

/** Who may use the kubelet API (pure): the API server's kubelet client cert, or a system:masters cert. */
export function authorizedClient(subject: { CN?: string | string[]; O?: string | string[] } | undefined): boolean {
  if (!subject) return false;
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return list(subject.CN).includes('kube-apiserver-kubelet-client') || list(subject.O).includes('system:masters');
}

export function status(code: number, reason: string, message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** The exec result as upstream's error channel carries it (v4+): Success, or NonZeroExitCode with ExitCode cause. */
export function execStatus(exitCode: number | undefined, error?: string): Status {
  if (error !== undefined) return { metadata: {}, status: 'Failure', message: error, reason: 'InternalError', details: { causes: [{ message: error }] } };
  if (!exitCode) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command, exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/**
 * Which container's logs a request means (pure), as upstream's validateContainerLogStatus: `previous`
 * is lastState's container; otherwise the running one, the terminated one, or (waiting after a crash)
 * lastState's. Returns the runtime id (without the `containerd://` scheme).
 */
export function logContainerID(status: Pick<PodContainerStatus, 'containerID' | 'state' | 'lastState'> | undefined, name: string, podName: string, previous: boolean): { id?: string; error?: string } {
  if (!status) return {};
  const strip = (cid: string | undefined) => (cid ? cid.replace(/^[a-z]+:\/\//, '') : undefined);
  const last = status.lastState?.terminated;
  const st = status.state ?? {};
  if (previous) {
    return last?.containerID ? { id: strip(last.containerID)! } : { error: `previous terminated container "${name}" in pod "${podName}" not found` };
  }
  if (st.running) return { id: strip(status.containerID)! };
  if (st.terminated) {
    const id = strip(st.terminated.containerID) ?? strip(last?.containerID);
    return id ? { id } : { error: `container "${name}" in pod "${podName}" is terminated` };
  }
  if (last?.containerID) return { id: strip(last.containerID)! };
  if (st.waiting) return { error: `container "${name}" in pod "${podName}" is waiting to start: ${st.waiting.reason ?? 'ContainerCreating'}` };
  return {};
}

/** The container a request means: the named one, or the only one (pure). */
export function pickContainer(pod: Pod, name: string | null | undefined): { name?: string; error?: string } {
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  if (name) return all.some((c) => c.name === name) ? { name } : { error: `container ${name} is not valid for pod ${pod.metadata.name}` };
  if (pod.spec.containers.length === 1) return { name: pod.spec.containers[0]!.name };
  return { error: `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${pod.spec.containers.map((c) => c.name).join(' ')}]` };
}

export class KubeletServer {
  private server: Server | undefined;
  private listener: SecureListener | undefined;
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => selectSubprotocol(protocols),
  });

  constructor(private readonly o: KubeletServerOptions) {}

  async start(): Promise<void> {
    const tls = this.o.tls ?? tlsSettings(undefined, undefined);
    const server = createServer({
      cert: this.o.certPem,
      key: this.o.keyPem,
      ...(this.o.clientCAPem ? { ca: this.o.clientCAPem } : {}),
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: tls.minVersion,
      ciphers: tls.ciphers,
      honorCipherOrder: true,
      handshakeTimeout: READ_HEADER_TIMEOUT_MS,
      headersTimeout: READ_HEADER_TIMEOUT_MS,
      requestTimeout: 0,
      connectionsCheckingInterval: 1000,
    });
    server.on('request', (req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) this.json(res, 500, status(500, 'InternalError', (e as Error).message));
        else res.destroy();
      });
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgrade(req, socket, head).catch((e: unknown) => {
        this.o.log.warn('upgrade failed', { error: e as Error });
        socket.destroy();
      });
    });
    // Plain HTTP to this port gets upstream's 400; TLS connections go on to `server`.
    const listener = new SecureListener(server);
    await listener.listen(this.o.port, this.o.address);
    this.server = server;
    this.listener = listener;
  }

  /** The address it listens on (port 0 picks one). */
  get address(): AddressInfo | undefined {
    return this.listener?.address();
  }

  async stop(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await this.listener?.close();
  }

  /** Who is asking (client certificate from --client-ca-file, or a bearer token via TokenReview) and may they. */
  private async authorized(req: IncomingMessage): Promise<{ ok: boolean; code?: number; message?: string }> {
    const path = new URL(req.url ?? '/', 'https://kubelet').pathname;
    if (path === '/healthz') return { ok: true };
    const sock = req.socket as TLSSocket;
    const d = this.o.delegation;
    let user: UserInfo | undefined;
    type Subject = { CN?: string | string[]; O?: string | string[] };
    let certSubject: Subject | undefined;
    if (this.o.clientCAPem && sock.authorized) {
      const cert = sock.getPeerCertificate();
      certSubject = cert?.subject as unknown as Subject | undefined;
      const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
      user = { username: list(certSubject?.CN)[0] ?? '', groups: list(certSubject?.O) };
    } else {
      const token = bearerToken(req.headers.authorization);
      if (token && d?.tokenWebhook) {
        try {
          user = await d.reviews.authenticateToken(token);
        } catch (e) {
          this.o.log.warn('token review failed', { error: e as Error });
        }
      }
    }
    if (!user) return { ok: false, code: 401, message: 'Unauthorized' };
    if (certSubject && authorizedClient(certSubject)) return { ok: true };
    const attrs = kubeletRequestAttributes(req.method ?? 'GET', path, d?.nodeName ?? '');
    const forbidden = { ok: false, code: 403, message: `Forbidden (user=${user.username}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})` };
    if (d?.authorizationMode !== 'Webhook') return forbidden;
    try {
      const decision = await d.reviews.authorize(user, attrs);
      return decision.allowed ? { ok: true } : forbidden;
    } catch (e) {
      this.o.log.warn('subject access review failed', { error: e as Error });
      return { ok: false, code: 500, message: `Authorization error (user=${user.username}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})` };
    }
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = await this.authorized(req);
    if (!auth.ok) {
      res.writeHead(auth.code!, { 'Content-Type': 'text/plain' });
      res.end(auth.message);
      return;
    }
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (url.pathname === '/stats/summary' || url.pathname === '/stats/summary/') return this.summary(res, url.searchParams);
    if (url.pathname === '/metrics/resource') return this.resourceMetrics(res);
    if (url.pathname === '/pods') return this.json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.o.pods() });
    if (parts[0] === 'containerLogs' && parts.length >= 3) return this.logs(req, res, parts[1]!, parts[2]!, parts[3] || url.searchParams.get('container'), url.searchParams);
    if (parts[0] === 'exec' || parts[0] === 'attach' || parts[0] === 'portForward') {
      return this.json(res, 400, status(400, 'BadRequest', 'Upgrade request required'));
    }
    this.json(res, 404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
  }

  private async summary(res: ServerResponse, q: URLSearchParams): Promise<void> {
    if (!this.o.stats) return this.json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource (/stats/summary)'));
    try {
      const summary = await this.o.stats.summary();
      // ?only_cpu_and_memory=true gives the same figures: kubelab's summary has nothing else
      void q.get('only_cpu_and_memory');
      this.json(res, 200, summary);
    } catch (e) {
      this.o.log.warn('summary failed', { error: e as Error });
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`Internal Error: failed to get node info: ${(e as Error).message}`);
    }
  }

  private async resourceMetrics(res: ServerResponse): Promise<void> {
    if (!this.o.stats) return this.json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource (/metrics/resource)'));
    const summary = await this.o.stats.summary().catch((e: unknown) => {
      this.o.log.warn('resource metrics: summary failed', { error: e as Error });
      return undefined;
    });
    const text = resourceMetricsText(summary);
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async findContainer(ns: string, podName: string, container: string | null | undefined, previous: boolean): Promise<{ pod?: Pod; c?: ContainerStatus; name?: string; code?: number; error?: string }> {
    const pod = this.o.pod(ns, podName);
    if (!pod) return { code: 404, error: `pod "${podName}" not found` };
    const pick = pickContainer(pod, container);
    if (!pick.name) return { code: 400, error: pick.error! };
    const statuses: PodContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const chosen = logContainerID(statuses.find((s) => s.name === pick.name), pick.name, podName, previous);
    let id = chosen.id;
    if (!id && !chosen.error) {
      // No status yet: the newest container the runtime has.
      const list = groupByName(await this.o.runtime.listContainers({ labels: { [LABELS.podUid]: pod.metadata.uid, [LABELS.containerName]: pick.name } })).get(pick.name) ?? [];
      id = (previous ? list[1] : list[0])?.id;
    }
    if (!id) return { code: 400, error: chosen.error ?? `container "${pick.name}" in pod "${podName}" is waiting to start: ContainerCreating` };
    const c = await this.o.runtime.containerStatus(id).catch(() => undefined);
    if (!c) return { code: 400, error: `container "${pick.name}" in pod "${podName}" is not available` };
    return { pod, c, name: pick.name };
  }

  private async logs(req: IncomingMessage, res: ServerResponse, ns: string, podName: string, container: string | null | undefined, q: URLSearchParams): Promise<void> {
    const bool = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
    const f = await this.findContainer(ns, podName, container, bool('previous'));
    if (!f.c) return this.json(res, f.code!, status(f.code!, f.code === 404 ? 'NotFound' : 'BadRequest', f.error!));
    const path = f.c.logPath;
    if (!path) return this.json(res, 400, status(400, 'BadRequest', 'the container has no log file'));
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    let closed = false;
    req.on('close', () => (closed = true));
    const id = f.c.id;
    const num = (k: string) => (q.get(k) !== null ? Number(q.get(k)) : undefined);
    const since = num('sinceSeconds');
    await streamLogs(path, res, {
      follow: bool('follow') && !bool('previous'),
      timestamps: bool('timestamps'),
      ...(num('tailLines') !== undefined ? { tailLines: num('tailLines')! } : {}),
      ...(num('limitBytes') !== undefined ? { limitBytes: num('limitBytes')! } : {}),
      ...(since !== undefined ? { sinceTime: Date.now() - since * 1000 } : q.get('sinceTime') ? { sinceTime: Date.parse(q.get('sinceTime')!) } : {}),
      running: async () => (await this.o.runtime.containerStatus(id).catch(() => undefined))?.state === 'running',
      aborted: () => closed,
    });
    res.end();
  }

  private reject(socket: Duplex, code: number, body: Status): void {
    const text = JSON.stringify(body);
    socket.end(`HTTP/1.1 ${code} ${code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : code === 404 ? 'Not Found' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const auth = await this.authorized(req);
    if (!auth.ok) return this.reject(socket, auth.code!, status(auth.code!, auth.code === 401 ? 'Unauthorized' : 'Forbidden', auth.message!));
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const q = url.searchParams;
    if (parts[0] === 'portForward' && parts.length >= 3) return this.portForward(req, socket, head, parts[1]!, parts[2]!);
    if (parts[0] !== 'exec' || parts.length < 3) {
      return this.reject(socket, 400, status(400, 'BadRequest', `${parts[0] ?? ''} is not supported by kubelab's kubelet over this protocol`));
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      return this.reject(socket, 400, status(400, 'BadRequest', 'kubelab\'s kubelet speaks the WebSocket stream protocol (v5.channel.k8s.io / v4.channel.k8s.io) only'));
    }
    const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
    const command = q.getAll('command');
    const opts = { stdin: flag('stdin') || flag('input'), stdout: flag('stdout') || flag('output'), stderr: flag('stderr') || flag('error'), tty: flag('tty') };
    if (!opts.stdin && !opts.stdout && !opts.stderr) return this.reject(socket, 400, status(400, 'BadRequest', 'you must specify at least 1 of stdin, stdout, stderr'));
    if (command.length === 0) return this.reject(socket, 400, status(400, 'BadRequest', 'you must specify at least one command for the container'));
    const f = await this.findContainer(parts[1]!, parts[2]!, parts[3] || q.get('container'), false);
    if (!f.c) return this.reject(socket, f.code!, status(f.code!, f.code === 404 ? 'NotFound' : 'BadRequest', f.error!));
    if (f.c.state !== 'running') return this.reject(socket, 400, status(400, 'BadRequest', `container ${f.name} is not running`));
    const id = f.c.id;
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.exec(ws, id, command, opts));
  }

  private portForward(req: IncomingMessage, socket: Duplex, head: Buffer, ns: string, podName: string): void {
    const pod = this.o.pod(ns, podName);
    if (!pod) return this.reject(socket, 404, status(404, 'NotFound', `pod "${podName}" not found`));
    const podIP: string | undefined = pod.status?.podIP;
    if (!podIP) return this.reject(socket, 400, status(400, 'BadRequest', `pod ${podName} has no IP yet`));
    const upgrade = (req.headers.upgrade ?? '').toLowerCase();
    const log = (m: string) => this.o.log.warn(m);
    if (upgrade === 'websocket') {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        if (ws.protocol !== PORT_FORWARD_TUNNEL) {
          ws.close(1002, 'port-forward needs the SPDY/3.1+portforward.k8s.io subprotocol');
          return;
        }
        const session = new PortForwardSession({
          podIP,
          podUid: pod.metadata.uid,
          send: (b) => ws.readyState === ws.OPEN && ws.send(b, { binary: true }),
          close: () => ws.close(1000),
          log,
        });
        ws.on('message', (d: Buffer | ArrayBuffer | Buffer[]) => session.receive(Buffer.isBuffer(d) ? d : Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d)));
        ws.on('close', () => session.shutdown());
        ws.on('error', () => session.shutdown());
      });
      return;
    }
    if (upgrade !== 'spdy/3.1') return this.reject(socket, 400, status(400, 'BadRequest', 'unable to upgrade: missing upgrade headers in request'));
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
    const session = new PortForwardSession({
      podIP,
      podUid: pod.metadata.uid,
      send: (b) => socket.writable && socket.write(b),
      close: () => socket.end(),
      log,
    });
    if (head.length) session.receive(head);
    socket.on('data', (d: Buffer) => session.receive(d));
    socket.on('close', () => session.shutdown());
    socket.on('error', () => session.shutdown());
  }

  private async exec(ws: WebSocket, id: string, command: string[], opts: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): Promise<void> {
    const v5 = ws.protocol === 'v5.channel.k8s.io';
    const stdin = opts.stdin ? new PassThrough() : undefined;
    const resizeListeners: ((s: { width: number; height: number }) => void)[] = [];
    const channel = (n: number) =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          if (ws.readyState !== ws.OPEN) return cb();
          ws.send(Buffer.concat([Buffer.from([n]), Buffer.from(chunk)]), { binary: true }, () => cb());
        },
      });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (buf.length === 0) return;
      const ch = buf[0];
      const payload = buf.subarray(1);
      if (ch === 0) stdin?.write(payload);
      else if (ch === 4) {
        try {
          const s = JSON.parse(payload.toString('utf8')) as { Width: number; Height: number };
          for (const l of resizeListeners) l({ width: s.Width, height: s.Height });
        } catch { /* ignore a bad resize */ }
      } else if (ch === 255 && v5 && payload[0] === 0) stdin?.end();
    });
    ws.on('close', () => stdin?.end());
    let exitCode: number | undefined;
    let error: string | undefined;
    try {
      exitCode = await this.o.runtime.exec(id, command, {
        tty: opts.tty,
        ...(stdin ? { stdin } : {}),
        ...(opts.stdout ? { stdout: channel(1) } : {}),
        ...(opts.stderr && !opts.tty ? { stderr: channel(2) } : {}),
        ...(opts.tty ? { resize: (l: (s: { width: number; height: number }) => void) => resizeListeners.push(l) } : {}),
      });
    } catch (e) {
      error = (e as Error).message;
    }
    if (ws.readyState === ws.OPEN) {
      await new Promise<void>((r) => ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(execStatus(exitCode, error)))]), { binary: true }, () => r()));
      ws.close(1000);
    }
  }
}
