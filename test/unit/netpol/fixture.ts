/** A small two-node cluster for the network policy tests: namespaces, pods with IPs and named ports, and the docs' policies. */
import type { NetpolNamespace, NetpolPod, Policy } from '../../../node-agent/netpol/model.js';
import { buildNetpolRuleset } from '../../../node-agent/netpol/ruleset.js';
import { traceNetpol } from '../../../node-agent/netpol/tracer.js';

export const NAMESPACES: NetpolNamespace[] = [
  { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } },
  { name: 'prod', labels: { 'kubernetes.io/metadata.name': 'prod', project: 'myproject' } },
  { name: 'other', labels: { 'kubernetes.io/metadata.name': 'other' } },
  { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
];

const pod = (namespace: string, name: string, node: string, ip: string, labels: Record<string, string>, namedPorts: NetpolPod['namedPorts'] = []): NetpolPod => ({
  namespace, name, node, ip, labels, hostNetwork: false, namedPorts,
});

export const PODS: NetpolPod[] = [
  pod('default', 'db', 'node01', '10.244.1.10', { role: 'db' }, [{ name: 'redis', port: 6379, protocol: 'TCP' }]),
  pod('default', 'frontend-1', 'node01', '10.244.1.11', { role: 'frontend' }),
  pod('prod', 'prodother', 'node01', '10.244.1.31', { app: 'x' }),
  pod('default', 'frontend-2', 'node02', '10.244.2.20', { role: 'frontend' }),
  pod('default', 'client', 'node02', '10.244.2.21', { role: 'client' }),
  pod('prod', 'prodapp', 'node02', '10.244.2.30', { role: 'frontend' }),
  pod('other', 'otherapp', 'node02', '10.244.2.31', { role: 'frontend' }),
  pod('kube-system', 'coredns', 'node02', '10.244.2.53', { 'k8s-app': 'kube-dns' }, [
    { name: 'dns', port: 53, protocol: 'UDP' },
    { name: 'dns-tcp', port: 53, protocol: 'TCP' },
  ]),
  { namespace: 'default', name: 'host-agent', node: 'node01', ip: '192.168.50.11', labels: { role: 'db' }, hostNetwork: true, namedPorts: [] },
];

export const np = (name: string, spec: Record<string, unknown>, namespace = 'default'): Policy => ({ metadata: { name, namespace }, spec } as Policy);

/** https://kubernetes.io/docs/concepts/services-networking/network-policies/ "test-network-policy". */
export const DOCS_POLICY = np('test-network-policy', {
  podSelector: { matchLabels: { role: 'db' } },
  policyTypes: ['Ingress', 'Egress'],
  ingress: [{
    from: [
      { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
      { namespaceSelector: { matchLabels: { project: 'myproject' } } },
      { podSelector: { matchLabels: { role: 'frontend' } } },
    ],
    ports: [{ protocol: 'TCP', port: 6379 }],
  }],
  egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
});

export const DEFAULT_DENY_INGRESS = np('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
export const DEFAULT_DENY_EGRESS = np('default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] });
export const ALLOW_ALL_INGRESS = np('allow-all-ingress', { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] });
export const ALLOW_DNS = np('allow-dns', {
  podSelector: {},
  policyTypes: ['Egress'],
  egress: [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
});

const byName = (name: string): { ip: string; node?: string } => {
  const p = PODS.find((x) => x.name === name);
  if (p) return { ip: p.ip!, ...(p.node ? { node: p.node } : {}) };
  return { ip: name };
};

/**
 * Allowed or denied: a pod (or a bare IP) to a pod (or IP) on a port, traced through the rules the agent builds
 * on the source's node (egress) and on the destination's node (ingress).
 */
export function decide(policies: Policy[], from: string, to: string, port: number, protocol: 'tcp' | 'udp' | 'sctp' = 'tcp', state: 'NEW' | 'ESTABLISHED' = 'NEW'): 'allow' | 'deny' {
  const src = byName(from);
  const dst = byName(to);
  const nodes = [...new Set([src.node, dst.node].filter((n): n is string => !!n))];
  for (const nodeName of nodes) {
    const { text, state: desired } = buildNetpolRuleset({ nodeName, pods: PODS, namespaces: NAMESPACES, policies });
    if (!text) continue;
    const t = traceNetpol(text, { source: src.ip, destination: dst.ip, port, protocol, state }, desired.sets);
    if (t.verdict !== 'ACCEPT') return 'deny';
  }
  return 'allow';
}
