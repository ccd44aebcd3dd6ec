/** A small cluster for the resolver's table tests, and record formatting for readable expectations. */
import type { Answer } from 'dns-packet';
import { ClusterState } from '../../../addons/coredns/cluster-state.js';
import type { KubernetesConfig } from '../../../addons/coredns/config.js';
import type { EndpointSlice } from '../../../api/types/groups.js';
import type { Relaxed } from '../../../api/types/views.js';

type Endpoints = NonNullable<Relaxed<EndpointSlice>['endpoints']>;
type Ports = NonNullable<Relaxed<EndpointSlice>['ports']>;

export function kubeConfig(over: Partial<KubernetesConfig> = {}): KubernetesConfig {
  return { zones: ['cluster.local.', 'in-addr.arpa.', 'ip6.arpa.'], pods: 'insecure', ttl: 5, fallthrough: undefined, namespaces: [], endpointPodNames: false, ignoreEmptyService: false, line: 1, ...over };
}

const svc = (ns: string, name: string, spec: Record<string, unknown>) => ({ metadata: { namespace: ns, name }, spec });
const slice = (ns: string, name: string, svcName: string, endpoints: Endpoints, ports: Ports = [{ name: 'mysql', port: 3306, protocol: 'TCP' }]) => ({
  metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints,
  ports,
});

export function cluster(): ClusterState {
  return ClusterState.from({
    namespaces: ['default', 'prod', 'kube-system'],
    services: [
      svc('default', 'kubernetes', { type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
      svc('prod', 'web', { type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 8080, protocol: 'TCP' }] }),
      svc('prod', 'db', { type: 'ClusterIP', clusterIP: 'None', ports: [{ name: 'mysql', port: 3306, protocol: 'TCP' }] }),
      svc('prod', 'empty', { type: 'ClusterIP', clusterIP: 'None', ports: [{ name: 'x', port: 1, protocol: 'TCP' }] }),
      svc('prod', 'ext', { type: 'ExternalName', externalName: 'www.example.com' }),
      svc('prod', 'alias', { type: 'ExternalName', externalName: 'web.prod.svc.cluster.local' }),
      svc('prod', 'v6', { type: 'ClusterIP', clusterIP: 'fd00::10', clusterIPs: ['fd00::10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
      svc('prod', 'lonely', { type: 'ClusterIP', clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
      svc('kube-system', 'kube-dns', { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
    ],
    slices: [
      slice('prod', 'db-abc', 'db', [
        { addresses: ['10.244.1.5'], hostname: 'db-0', conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'db-0' } },
        { addresses: ['10.244.2.6'], hostname: 'db-1', conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'db-1' } },
        { addresses: ['10.244.2.7'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'db-x' } },
        { addresses: ['10.244.3.9'], hostname: 'db-2', conditions: { ready: false } },
      ]),
      slice('prod', 'web-abc', 'web', [{ addresses: ['10.244.1.8'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'web-1' } }], [{ name: 'http', port: 8000, protocol: 'TCP' }]),
    ],
    pods: [
      { metadata: { namespace: 'prod', name: 'db-0' }, status: { podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] } },
      { metadata: { namespace: 'prod', name: 'net' }, spec: { hostNetwork: true }, status: { podIP: '192.168.56.21' } },
    ],
  });
}

/** `name ttl TYPE data`, as dig prints it (names with their trailing dot). */
export function fmt(r: Answer): string {
  const d = (r as { data: unknown }).data;
  const n = (s: string) => (s.endsWith('.') ? s : `${s}.`);
  let data: string;
  switch (r.type) {
    case 'SRV': {
      const s = d as { priority: number; weight: number; port: number; target: string };
      data = `${s.priority} ${s.weight} ${s.port} ${n(s.target)}`;
      break;
    }
    case 'SOA': {
      const s = d as { mname: string; rname: string; refresh: number; retry: number; expire: number; minimum: number };
      data = `${n(s.mname)} ${n(s.rname)} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
      break;
    }
    case 'TXT':
      data = (d as (string | Buffer)[]).map((x) => `"${x.toString()}"`).join(' ');
      break;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      data = n(d as string);
      break;
    default:
      data = String(d);
  }
  return `${n(r.name)} ${(r as { ttl?: number }).ttl} ${r.type} ${data}`;
}
