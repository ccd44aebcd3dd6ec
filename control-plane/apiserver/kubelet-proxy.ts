/**
 * Proxying pods/log, pods/exec, pods/portforward and nodes/proxy to the kubelet API on the node's
 * InternalIP:10250 (TLS), as upstream's apiserver does. Plain HTTP requests are proxied; upgrades
 * (WebSocket for exec and port-forward) are piped both ways.
 */
import { request as httpsRequest } from 'node:https';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { KubeError } from '../../api/errors.js';
import type { RequestInfo } from './request-info.js';
import type { Node, Pod, Relaxed } from '../../api/types/index.js';

export interface KubeletClientOptions {
  certPem?: string;
  keyPem?: string;
  caPem?: string;
}

export function nodeAddress(node: Relaxed<Node>): { host: string; port: number } {
  const addrs = node.status?.addresses ?? [];
  const ip = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.type === 'Hostname')?.address;
  if (!ip) throw new KubeError('ServiceUnavailable', `no preferred addresses found; known addresses: []`, { httpStatus: 503 });
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
  return { host: ip, port };
}

/** The kubelet path for an API subresource request. */
export function kubeletPath(info: RequestInfo, pod: Relaxed<Pod> | undefined, search: string): string {
  if (pod) {
    const ns = encodeURIComponent(pod.metadata?.namespace ?? '');
    const name = encodeURIComponent(pod.metadata?.name ?? '');
    switch (info.subresource) {
      case 'log':
        return `/containerLogs/${ns}/${name}/${encodeURIComponent(new URLSearchParams(search).get('container') ?? '')}${search}`;
      case 'exec':
        return `/exec/${ns}/${name}${search}`;
      case 'attach':
        return `/attach/${ns}/${name}${search}`;
      case 'portforward':
        return `/portForward/${ns}/${name}${search}`;
    }
  }
  return '/' + info.parts.map(encodeURIComponent).join('/') + search;
}

/** The HTTPS request to the kubelet serving this API request (same method, headers less our credentials). */
function kubeletRequest(opts: KubeletClientOptions, req: IncomingMessage, info: RequestInfo, pod: Relaxed<Pod> | undefined, node: Relaxed<Node> | undefined): ClientRequest {
  if (pod && !pod.spec?.nodeName) throw new KubeError('BadRequest', `pod ${pod.metadata?.name} does not have a host assigned`);
  if (!node) throw new KubeError('NotFound', `nodes "${pod?.spec?.nodeName ?? ''}" not found`);
  const { host, port } = nodeAddress(node);
  const url = new URL(req.url ?? '/', 'https://x');
  const headers = { ...req.headers };
  delete headers.authorization;
  delete headers.host;
  return httpsRequest({
    host,
    port,
    path: kubeletPath(info, pod, url.search),
    method: req.method,
    headers,
    ...(opts.caPem ? { ca: opts.caPem } : { rejectUnauthorized: false }),
    ...(opts.certPem ? { cert: opts.certPem } : {}),
    ...(opts.keyPem ? { key: opts.keyPem } : {}),
  });
}

/** A response's status line and headers as raw HTTP/1.1 text, less the named headers (lower case). */
function rawHead(res: IncomingMessage, skip: readonly string[] = []): string {
  let text = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`;
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    if (skip.includes(res.rawHeaders[i]!.toLowerCase())) continue;
    text += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
  }
  return text;
}

/** Plain requests (logs, node proxy): the kubelet's answer is streamed back. Upgrades take createKubeletUpgradeProxy. */
export function createKubeletProxy(opts: KubeletClientOptions) {
  return async (req: IncomingMessage, res: ServerResponse, info: RequestInfo, pod: Relaxed<Pod> | undefined, node: Relaxed<Node> | undefined): Promise<void> => {
    const up = kubeletRequest(opts, req, info, pod, node);
    await new Promise<void>((resolve, reject) => {
      up.on('response', (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        upRes.on('end', () => resolve());
        upRes.on('error', reject);
      });
      up.on('error', (e) => reject(new KubeError('ServiceUnavailable', `error dialing backend: ${e.message}`, { httpStatus: 502 })));
      req.pipe(up);
    });
  };
}

/** Pipe an upgraded (WebSocket/SPDY) request to the kubelet and the kubelet's 101 back: exec, attach, port-forward. */
export function createKubeletUpgradeProxy(opts: KubeletClientOptions) {
  return async (req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo, pod: Relaxed<Pod> | undefined, node: Relaxed<Node> | undefined): Promise<void> => {
    const up = kubeletRequest(opts, req, info, pod, node);
    await new Promise<void>((resolve, reject) => {
      up.on('upgrade', (upRes, upSocket, upHead) => {
        socket.write(rawHead(upRes) + '\r\n');
        if (upHead.length) socket.write(upHead);
        if (head.length) upSocket.write(head);
        upSocket.pipe(socket);
        socket.pipe(upSocket);
        upSocket.on('error', () => socket.destroy());
        socket.on('error', () => upSocket.destroy());
        upSocket.on('close', () => {
          socket.end();
          resolve();
        });
      });
      up.on('response', (upRes) => {
        // The kubelet refused the upgrade: relay its answer as a plain response.
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = Buffer.concat(chunks);
          socket.end(rawHead(upRes, ['connection', 'transfer-encoding']) + `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n` + body.toString('utf8'));
          resolve();
        });
      });
      up.on('error', (e) => reject(new KubeError('ServiceUnavailable', `error dialing backend: ${e.message}`, { httpStatus: 502 })));
      up.end();
    });
  };
}
