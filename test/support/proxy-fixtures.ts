/** Builders for Services and EndpointSlices: the proxy's unit and integration tests and its benchmark (bench/proxy-sync.ts). */
import type { ProxyEndpointSlice, ProxyService, ProxyServicePort } from '../../node-agent/proxy/model.js';
import type { RulesetInput } from '../../node-agent/proxy/ruleset.js';

export function svc(
  ns: string,
  name: string,
  clusterIP: string,
  ports: ProxyServicePort[],
  extra: Partial<NonNullable<ProxyService['spec']>> = {},
): ProxyService {
  return { metadata: { namespace: ns, name }, spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports, ...extra } };
}

export interface Ep {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  node?: string;
}

export function slice(
  ns: string,
  service: string,
  ports: Array<{ name?: string; port: number; protocol?: string }>,
  eps: Array<Ep | string>,
  opts: { name?: string; annotations?: Record<string, string> } = {},
): ProxyEndpointSlice {
  return {
    metadata: {
      namespace: ns,
      name: opts.name ?? `${service}-abcde`,
      labels: { 'kubernetes.io/service-name': service },
      annotations: opts.annotations,
    },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
    endpoints: eps.map((e) => {
      const x = typeof e === 'string' ? { ip: e } : e;
      return {
        addresses: [x.ip],
        conditions: { ready: x.ready ?? true, serving: x.serving ?? x.ready ?? true, terminating: x.terminating ?? false },
        nodeName: x.node ?? 'node01',
      };
    }),
  };
}

export const NODE = { name: 'node01', ips: ['192.168.56.21'] };
export const CLUSTER_CIDR = '10.244.0.0/16';

/** n services with k endpoints each, in namespace "bench": cluster IPs in 10.96.0.0/16, pod IPs in 10.244.0.0/16. */
export function manyServices(n: number, k: number, opts: { nodePort?: boolean } = {}) {
  const services: ProxyService[] = [];
  const slices: ProxyEndpointSlice[] = [];
  const addr = (prefix: string, x: number) => `${prefix}.${(x >> 8) & 255}.${x & 255}`;
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    const port: ProxyServicePort = { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' };
    if (opts.nodePort) port.nodePort = 30000 + (i % 2768);
    services.push(svc('bench', name, addr('10.96', i + 10), [port], opts.nodePort ? { type: 'NodePort' } : {}));
    const eps: string[] = [];
    for (let j = 0; j < k; j++) eps.push(addr('10.244', i * k + j + 2));
    slices.push(slice('bench', name, [{ name: 'http', port: 8080 }], eps));
  }
  return { services, slices };
}

/** The scenario the golden files describe. */
export function goldenScenario(): RulesetInput {
  return {
    node: NODE,
    clusterCIDR: CLUSTER_CIDR,
    partial: false,
    services: [
      svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }]),
      // ClusterIP, unnamed port, 3 endpoints (one not ready).
      svc('default', 'nginx', '10.96.10.10', [{ port: 80, targetPort: 80, protocol: 'TCP' }]),
      // NodePort with a named targetPort, resolved in the slice.
      svc('default', 'web', '10.96.20.20', [{ name: 'http', port: 80, targetPort: 'http-web', nodePort: 30080, protocol: 'TCP' }], {
        type: 'NodePort',
      }),
      // Multi-port: TCP and UDP on the same port name space.
      svc('kube-system', 'kube-dns', '10.96.0.10', [
        { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
      ]),
      // No endpoints at all: REJECT in the filter table, for the cluster IP and the node port.
      svc('default', 'empty', '10.96.30.30', [{ name: 'http', port: 8080, targetPort: 8080, nodePort: 30090, protocol: 'TCP' }], {
        type: 'NodePort',
      }),
      // Session affinity ClientIP with a timeout.
      svc('default', 'sticky', '10.96.40.40', [{ port: 80, targetPort: 80, protocol: 'TCP' }], {
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
      }),
      // Headless: ignored.
      svc('default', 'headless', 'None', [{ port: 80, protocol: 'TCP' }]),
    ],
    endpointSlices: [
      slice('default', 'kubernetes', [{ name: 'https', port: 6443 }], ['192.168.56.11']),
      slice('default', 'nginx', [{ port: 80 }], ['10.244.1.2', '10.244.2.2', { ip: '10.244.2.3', ready: false }]),
      slice('default', 'web', [{ name: 'http', port: 8080 }], ['10.244.1.5', '10.244.2.5']),
      slice(
        'kube-system',
        'kube-dns',
        [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
        ['10.244.0.2'],
      ),
      slice('default', 'empty', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.9', ready: false }]),
      slice('default', 'sticky', [{ port: 80 }], ['10.244.1.7', '10.244.2.7']),
    ],
  };
}

