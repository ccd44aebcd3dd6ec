/**
 * Pick the runtime behind `--container-runtime-endpoint`: a socket that answers Docker's
 * `GET /_ping` with `OK` is dockerd, anything else is taken for containerd's gRPC socket.
 */
import { request } from 'node:http';
import { ContainerdRuntime } from './containerd/runtime.js';
import { DockerRuntime } from './docker/runtime.js';
import type { ContainerRuntime, RuntimeName } from './runtime.js';

export * from './runtime.js';
export { ContainerdRuntime } from './containerd/runtime.js';
export { DockerRuntime } from './docker/runtime.js';

/** `unix:///run/containerd/containerd.sock` -> `/run/containerd/containerd.sock` */
export function socketPath(endpoint: string): string {
  return endpoint.replace(/^unix:\/\//, '');
}

/** containerd namespace for a node: `kubelab-<node>` (lowercase, [a-z0-9.-]). */
export function namespaceForNode(nodeName: string): string {
  return `kubelab-${nodeName.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`;
}

export function detectRuntime(endpoint: string, timeoutMs = 2000): Promise<RuntimeName> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socketPath(endpoint), path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK' ? 'docker' : 'containerd'));
      res.on('error', () => resolve('containerd'));
    });
    req.on('timeout', () => { req.destroy(); resolve('containerd'); });
    req.on('error', () => resolve('containerd'));
    req.end();
  });
}

export async function createRuntime(endpoint: string, opts: { nodeName: string; kind?: RuntimeName }): Promise<ContainerRuntime> {
  const kind = opts.kind ?? (await detectRuntime(endpoint));
  return kind === 'docker'
    ? new DockerRuntime({ socketPath: socketPath(endpoint) })
    : new ContainerdRuntime({ address: socketPath(endpoint), namespace: namespaceForNode(opts.nodeName) });
}
