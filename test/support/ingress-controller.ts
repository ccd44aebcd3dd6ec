/**
 * `kubelab ingress-nginx` (the built CLI) for integration tests: run against a test API server with the credentials
 * of its ServiceAccount (a static token the API server is started with), nginx on free loopback ports; plus the
 * requests and EndpointSlices those tests use.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildKubeconfig } from '../../api/tls/kubeconfig.js';
import type { ApiHandle } from './apiserver.js';
import { REPO } from './host.js';
import { freePort } from './net.js';
import { NGINX } from './nginx.js';
import { httpOk, startService, type Service } from './service.js';

const CLI = process.env.KUBELAB_CLI ?? join(REPO, 'dist/cli/main.js');
const TOKEN = 'ingress-nginx-sa-token';

/** For `startApiServer(etcd, { extraTokens: [INGRESS_NGINX_TOKEN_LINE] })`: the add-on's ServiceAccount. */
export const INGRESS_NGINX_TOKEN_LINE =
  `${TOKEN},system:serviceaccount:ingress-nginx:ingress-nginx,ingress-nginx-sa,"system:serviceaccounts,system:serviceaccounts:ingress-nginx"`;

/** The address the controller publishes in status (`--publish-status-address`). */
export const PUBLISH_ADDRESS = '10.0.0.11';

/** An EndpointSlice for Service NAME (made by `kubectl create service clusterip NAME --tcp=80:8080`) to 127.0.0.1:PORT. */
export function manualEndpointSlice(name: string, port: number, namespace = 'default'): string {
  return JSON.stringify({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: `${name}-manual`, namespace, labels: { 'kubernetes.io/service-name': name } },
    ports: [{ name: '80-8080', port, protocol: 'TCP' }], // the port name kubectl create service gives
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  });
}

export interface RunningIngressController {
  service: Service;
  /** nginx's http port. */
  httpPort: number;
}

/** Start the controller with its ServiceAccount's kubeconfig (written into DIR, nginx's config under DIR/nginx); ready at /healthz. */
export async function startIngressController(h: ApiHandle, dir: string): Promise<RunningIngressController> {
  const kubeconfig = join(dir, 'sa.conf');
  writeFileSync(kubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: h.url, caPem: h.caPem, user: 'ingress-nginx', token: TOKEN }));
  const [httpPort, httpsPort, healthzPort, defaultServerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const service = await startService({
    name: 'ingress-nginx', command: process.execPath,
    args: [CLI, 'ingress-nginx', `--kubeconfig=${kubeconfig}`, `--http-port=${httpPort}`, `--https-port=${httpsPort}`, `--healthz-port=${healthzPort}`, `--default-server-port=${defaultServerPort}`, `--config-dir=${join(dir, 'nginx')}`, `--publish-status-address=${PUBLISH_ADDRESS}`, `--nginx-binary=${NGINX}`],
    env: { ...process.env, POD_NAMESPACE: 'ingress-nginx', KUBELAB_LOG_LEVEL: 'info' },
    ready: () => httpOk(`http://127.0.0.1:${healthzPort}/healthz`).catch(() => false),
    timeoutMs: 30_000,
  });
  return { service, httpPort };
}
