/**
 * Proxying pods/log, pods/exec, pods/portforward and nodes/proxy to the kubelet API on the node's
 * InternalIP:10250 (TLS), as upstream's apiserver does. Plain HTTP requests are proxied; upgrades
 * (WebSocket for exec and port-forward) are piped both ways.
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { KubeError } from '../../api/errors.js';
import type { RequestInfo } from './request-info.js';
import type { Obj } from './store.js';

export interface KubeletClientOptions {
  certPem?: string;
  keyPem?: string;
  caPem?: string;
}

export function nodeAddress(node: Obj): { host: string; port: number } {
  const addrs: Obj[] = node.status?.addresses ?? [];
  const ip = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.type === 'Hostname')?.address;
  if (!ip) throw new KubeError('ServiceUnavailable', `no preferred addresses found; known addresses: []`, { httpStatus: 503 });
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
  return { host: ip, port };
}

/** The kubelet path for an API subresource request. */
export function kubeletPath(info: RequestInfo, pod: Obj | undefined, search: string): string {
  if (pod) {
    const ns = encodeURIComponent(pod.metadata.namespace);
    const name = encodeURIComponent(pod.metadata.name);
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

export function createKubeletProxy(opts: KubeletClientOptions) {
  return async (req: IncomingMessage, res: ServerResponse, info: RequestInfo, pod: Obj | undefined, node: Obj | undefined): Promise<void> => {
    if (pod && !pod.spec?.nodeName) {
      throw new KubeError('BadRequest', `pod ${pod.metadata.name} does not have a host assigned`);
    }
    if (!node) throw new KubeError('NotFound', `nodes "${pod?.spec?.nodeName ?? ''}" not found`);
    const { host, port } = nodeAddress(node);
    const url = new URL(req.url ?? '/', 'https://x');
    const path = kubeletPath(info, pod, url.search);
    const headers = { ...req.headers };
    delete headers.authorization;
    delete headers.host;
    await new Promise<void>((resolve, reject) => {
      const up = httpsRequest({
        host,
        port,
        path,
        method: req.method,
        headers,
        ...(opts.caPem ? { ca: opts.caPem } : { rejectUnauthorized: false }),
        ...(opts.certPem ? { cert: opts.certPem } : {}),
        ...(opts.keyPem ? { key: opts.keyPem } : {}),
      });
      up.on('upgrade', (upRes, upSocket, upHead) => {
        // Hand the upgraded kubelet stream to the client's socket.
        const sock = req.socket;
        let head = `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\n`;
        for (let i = 0; i < upRes.rawHeaders.length; i += 2) head += `${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}\r\n`;
        sock.write(head + '\r\n');
        if (upHead.length) sock.write(upHead);
        upSocket.pipe(sock);
        sock.pipe(upSocket);
        upSocket.on('error', () => sock.destroy());
        sock.on('error', () => upSocket.destroy());
        upSocket.on('close', () => resolve());
      });
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
  return async (req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo, pod: Obj | undefined, node: Obj | undefined): Promise<void> => {
    if (pod && !pod.spec?.nodeName) throw new KubeError('BadRequest', `pod ${pod.metadata.name} does not have a host assigned`);
    if (!node) throw new KubeError('NotFound', `nodes "${pod?.spec?.nodeName ?? ''}" not found`);
    const { host, port } = nodeAddress(node);
    const url = new URL(req.url ?? '/', 'https://x');
    const headers = { ...req.headers };
    delete headers.authorization;
    delete headers.host;
    await new Promise<void>((resolve, reject) => {
      const up = httpsRequest({
        host,
        port,
        path: kubeletPath(info, pod, url.search),
        method: req.method,
        headers,
        ...(opts.caPem ? { ca: opts.caPem } : { rejectUnauthorized: false }),
        ...(opts.certPem ? { cert: opts.certPem } : {}),
        ...(opts.keyPem ? { key: opts.keyPem } : {}),
      });
      up.on('upgrade', (upRes, upSocket, upHead) => {
        let text = `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\n`;
        for (let i = 0; i < upRes.rawHeaders.length; i += 2) text += `${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}\r\n`;
        socket.write(text + '\r\n');
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
        let text = `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\n`;
        for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
          const k = upRes.rawHeaders[i]!.toLowerCase();
          if (k === 'connection' || k === 'transfer-encoding') continue;
          text += `${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}\r\n`;
        }
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = Buffer.concat(chunks);
          socket.end(text + `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n` + body.toString('utf8'));
          resolve();
        });
      });
      up.on('error', (e) => reject(new KubeError('ServiceUnavailable', `error dialing backend: ${e.message}`, { httpStatus: 502 })));
      up.end();
    });
  };
}
