/** In-memory snapshots for the ingress-nginx unit tests. */
import type { KubeObject } from '../../../../api/types/meta.js';
import type { NginxConfOptions } from '../../../../addons/ingress-nginx/nginx-conf.js';
import type { ClusterSnapshot, ControllerContext } from '../../../../addons/ingress-nginx/source.js';

export function snapshotOf(objects: Record<string, KubeObject[]>): ClusterSnapshot {
  return {
    list: (r) => objects[r] ?? [],
    get: (r, ns, name) => (objects[r] ?? []).find((o) => o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns)),
  };
}

export const CTX: ControllerContext = {
  controllerClass: 'k8s.io/ingress-nginx',
  ingressClass: 'nginx',
  watchWithoutClass: false,
  publishAddresses: ['10.0.0.11', '10.0.0.12'],
  httpPort: 80,
  httpsPort: 443,
};

export const NGINX_CLASS: KubeObject = {
  apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
  metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
  spec: { controller: 'k8s.io/ingress-nginx' },
};

export function service(ns: string, name: string, ports: { name?: string; port: number; targetPort?: number | string }[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { type: 'ClusterIP', ports } };
}

export function slice(ns: string, svc: string, ports: { name?: string; port: number }[], eps: { ip: string; ready?: boolean }[], suffix = 'abc'): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { namespace: ns, name: `${svc}-${suffix}`, labels: { 'kubernetes.io/service-name': svc } },
    ports: ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, protocol: 'TCP' })),
    endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true } })),
  };
}

let clock = 0;
export function ingress(ns: string, name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}, created?: string): KubeObject {
  clock++;
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { namespace: ns, name, annotations, creationTimestamp: created ?? `2026-01-01T00:00:${String(clock).padStart(2, '0')}Z` },
    spec,
  };
}

export function backend(name: string, port: number | string): Record<string, unknown> {
  return { service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } };
}

export const OPTS: NginxConfOptions = {
  certDir: '/etc/ingress-controller/ssl',
  defaultCertificate: '/etc/ingress-controller/ssl/default-fake-certificate.pem',
  unavailablePort: 8181,
  httpPort: 80,
  httpsPort: 443,
  pidFile: '/tmp/nginx/nginx.pid',
  errorLog: 'stderr',
  accessLog: 'off',
  tempDir: '/tmp/nginx',
  workerProcesses: '1',
};
