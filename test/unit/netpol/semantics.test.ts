/**
 * The tracer's allow/deny for (source, destination, port) over the rules the agent builds, checked against
 * upstream's documented semantics: the NetworkPolicy API reference and the networking docs
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/): isolation per direction,
 * the union of policies, peers by pod and namespace (each alone and both in one element), ipBlock with
 * except, ports, protocols, named ports, endPort, the default deny and allow-all idioms, established traffic.
 */
import { describe, expect, it } from 'vitest';
import { buildNetpolRuleset } from '../../../node-agent/netpol/ruleset.js';
import { ALLOW_ALL_INGRESS, ALLOW_DNS, DEFAULT_DENY_EGRESS, DEFAULT_DENY_INGRESS, DOCS_POLICY, NAMESPACES, PODS, decide, np } from './fixture.js';


const table = (policies: Parameters<typeof decide>[0], cases: Array<[string, string, number, 'tcp' | 'udp', 'allow' | 'deny']>): void => {
  for (const [from, to, port, proto, want] of cases) {
    it(`${from} -> ${to}:${port}/${proto}: ${want}`, () => expect(decide(policies, from, to, port, proto)).toBe(want));
  }
};

describe('no policy: pods are not isolated', () => {
  table([], [
    ['client', 'db', 6379, 'tcp', 'allow'],
    ['db', '8.8.8.8', 443, 'tcp', 'allow'],
    ['172.17.1.5', 'db', 22, 'tcp', 'allow'],
  ]);
});

describe('default deny ingress (podSelector {}, policyTypes [Ingress]) isolates its namespace only, and only for ingress', () => {
  table([DEFAULT_DENY_INGRESS], [
    ['client', 'db', 6379, 'tcp', 'deny'],
    ['frontend-1', 'db', 6379, 'tcp', 'deny'],
    ['db', 'client', 80, 'tcp', 'deny'],
    ['client', 'prodapp', 80, 'tcp', 'allow'],
    ['db', '8.8.8.8', 443, 'tcp', 'allow'],
  ]);
  it('replies of an established connection are kept', () => {
    expect(decide([DEFAULT_DENY_INGRESS], 'client', 'db', 6379, 'tcp', 'ESTABLISHED')).toBe('allow');
  });
});

describe('the docs example test-network-policy (ipBlock with except, namespaceSelector, podSelector; TCP 6379; egress to 10.0.0.0/24:5978)', () => {
  table([DOCS_POLICY], [
    ['frontend-1', 'db', 6379, 'tcp', 'allow'], // same node
    ['frontend-2', 'db', 6379, 'tcp', 'allow'], // other node
    ['frontend-2', 'db', 80, 'tcp', 'deny'], // port not listed
    ['frontend-2', 'db', 6379, 'udp', 'deny'], // protocol not listed
    ['client', 'db', 6379, 'tcp', 'deny'], // label not selected
    ['prodapp', 'db', 6379, 'tcp', 'allow'], // namespace project=myproject, any pod
    ['prodother', 'db', 6379, 'tcp', 'allow'],
    ['otherapp', 'db', 6379, 'tcp', 'deny'], // role=frontend in another namespace: podSelector is the policy's namespace
    ['172.17.0.5', 'db', 6379, 'tcp', 'allow'], // ipBlock
    ['172.17.1.5', 'db', 6379, 'tcp', 'deny'], // except
    ['db', '10.0.0.5', 5978, 'tcp', 'allow'], // egress rule
    ['db', '10.0.0.5', 80, 'tcp', 'deny'],
    ['db', 'frontend-2', 80, 'tcp', 'deny'], // egress isolated
    ['client', 'frontend-2', 80, 'tcp', 'allow'], // pods the policy does not select are not isolated
  ]);
});

describe('namespaceSelector and podSelector in ONE peer (AND) versus two peers (OR)', () => {
  const and = np('and', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { project: 'myproject' } }, podSelector: { matchLabels: { role: 'frontend' } } }] }] });
  const or = np('or', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { project: 'myproject' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }] }] });
  describe('AND', () => table([and], [
    ['prodapp', 'db', 80, 'tcp', 'allow'],
    ['prodother', 'db', 80, 'tcp', 'deny'],
    ['frontend-1', 'db', 80, 'tcp', 'deny'],
  ]));
  describe('OR', () => table([or], [
    ['prodapp', 'db', 80, 'tcp', 'allow'],
    ['prodother', 'db', 80, 'tcp', 'allow'],
    ['frontend-1', 'db', 80, 'tcp', 'allow'],
    ['client', 'db', 80, 'tcp', 'deny'],
  ]));
  describe('namespaceSelector {} with podSelector {}: every pod in every namespace, no outside address', () => table(
    [np('all-pods', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: {} }] }] })],
    [['otherapp', 'db', 80, 'tcp', 'allow'], ['172.17.0.5', 'db', 80, 'tcp', 'deny']],
  ));
});

describe('policies add up: default deny plus allow-all ingress allows', () => {
  table([DEFAULT_DENY_INGRESS, ALLOW_ALL_INGRESS], [['client', 'db', 6379, 'tcp', 'allow'], ['172.17.1.5', 'db', 1, 'tcp', 'allow']]);
});

describe('default deny egress with DNS allowed', () => {
  table([DEFAULT_DENY_EGRESS, ALLOW_DNS], [
    ['client', 'coredns', 53, 'udp', 'allow'],
    ['client', 'coredns', 53, 'tcp', 'allow'],
    ['client', 'coredns', 80, 'tcp', 'deny'],
    ['client', 'db', 6379, 'tcp', 'deny'],
    ['db', '8.8.8.8', 53, 'udp', 'deny'], // namespaceSelector {} names pods, not outside addresses
    ['prodapp', 'db', 6379, 'tcp', 'allow'], // other namespaces are not isolated
  ]);
});

describe('named ports resolve on the destination pod', () => {
  const named = np('named', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }], ports: [{ port: 'redis' }] }] });
  table([named], [['frontend-1', 'db', 6379, 'tcp', 'allow'], ['frontend-2', 'db', 6379, 'tcp', 'allow'], ['frontend-1', 'db', 80, 'tcp', 'deny']]);
  const dnsByName = np('dns-by-name', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'dns', protocol: 'UDP' }] }] });
  describe('egress to a named port: only pods that name it', () => table([dnsByName], [
    ['client', 'coredns', 53, 'udp', 'allow'],
    ['client', 'coredns', 53, 'tcp', 'deny'],
    ['client', '8.8.8.8', 53, 'udp', 'deny'],
  ]));
});

describe('endPort: a port range', () => {
  const range = np('multi-port-egress', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }] });
  table([range], [
    ['client', '10.0.0.5', 32000, 'tcp', 'allow'],
    ['client', '10.0.0.5', 32768, 'tcp', 'allow'],
    ['client', '10.0.0.5', 31999, 'tcp', 'deny'],
    ['client', '10.0.0.5', 32769, 'tcp', 'deny'],
    ['client', '10.0.1.5', 32500, 'tcp', 'deny'],
  ]);
});

describe('a port item with only a protocol matches every port of it', () => {
  table([np('udp-only', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ ports: [{ protocol: 'UDP' }] }] })], [
    ['client', 'db', 5000, 'udp', 'allow'],
    ['client', 'db', 5000, 'tcp', 'deny'],
  ]);
});

describe('an egress-only policy leaves ingress open; ingress: [] denies all ingress', () => {
  table([np('egress-only', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'] })], [
    ['frontend-2', 'client', 80, 'tcp', 'allow'],
    ['client', 'frontend-2', 80, 'tcp', 'deny'],
  ]);
});

describe('hostNetwork pods and pods of other nodes are never isolated here', () => {
  it('a hostNetwork pod with selected labels gets no firewall chain', () => {
    expect(decide([DEFAULT_DENY_INGRESS], 'client', '192.168.50.11', 22)).toBe('allow');
  });
});

describe('IPv6 ipBlocks on IPv4-only pods: validation accepts them, enforcement ignores them (as kube-router on a single-stack cluster)', () => {
  // kube-router (pkg/controllers/netpol) keeps ipBlocks per IP family and programs a family only when the node
  // has it: on an IPv4-only node a v6 block adds nothing. A rule whose peers are all IPv6 then allows no IPv4
  // traffic; it does not become "from anywhere" (that is a rule without from/to).
  const v6Only = np('v6-only', { podSelector: { matchLabels: { role: 'db' } }, policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ ipBlock: { cidr: '2001:db8::/64', except: ['2001:db8::/96'] } }] }],
    egress: [{ to: [{ ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: 443 }] }] });
  table([v6Only], [
    ['frontend-1', 'db', 6379, 'tcp', 'deny'],
    ['172.17.0.5', 'db', 6379, 'tcp', 'deny'],
    ['db', '8.8.8.8', 443, 'tcp', 'deny'],
    ['client', 'frontend-2', 80, 'tcp', 'allow'], // not selected: not isolated
  ]);
  const mixed = np('mixed', { podSelector: { matchLabels: { role: 'db' } },
    ingress: [{ from: [{ ipBlock: { cidr: '2001:db8::/32' } }, { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { podSelector: { matchLabels: { role: 'frontend' } } }] }] });
  table([mixed], [
    ['frontend-2', 'db', 6379, 'tcp', 'allow'], // the IPv4 peers of the same rule still count
    ['172.17.0.5', 'db', 22, 'tcp', 'allow'],
    ['172.17.1.5', 'db', 22, 'tcp', 'deny'],
    ['client', 'db', 6379, 'tcp', 'deny'],
  ]);
  it('the rules and sets name no IPv6 address (iptables-restore and a family inet set would refuse them)', () => {
    const { text, ipsetText } = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [v6Only, mixed] });
    const rules = text.split('\n').filter((l) => l.startsWith('-A '));
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter((l) => /\s(-s|-d) \S*:/.test(l))).toEqual([]);
    expect(ipsetText.split('\n').filter((l) => l.startsWith('add ') && l.includes(':'))).toEqual([]);
    expect(ipsetText).toMatch(/^add \S+ 172\.17\.0\.0\/16$/m);
    expect(ipsetText).toMatch(/^add \S+ 172\.17\.1\.0\/24 nomatch$/m);
  });
});

describe('ipBlocks as hash:net sets: an except cuts only its own block; 0.0.0.0/0', () => {
  // One rule, two blocks: the first block's except lies inside the second block, which still allows it.
  const overlapping = np('overlapping', { podSelector: { matchLabels: { role: 'db' } },
    ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.244.2.0/24'] } }, { ipBlock: { cidr: '10.244.2.16/28', except: ['10.244.2.21/32'] } }] }] });
  table([overlapping], [
    ['frontend-1', 'db', 80, 'tcp', 'allow'], // 10.244.1.11: first block
    ['frontend-2', 'db', 80, 'tcp', 'allow'], // 10.244.2.20: the first block's except, the second block's cidr
    ['client', 'db', 80, 'tcp', 'deny'], // 10.244.2.21: excepted from both
    ['otherapp', 'db', 80, 'tcp', 'allow'], // 10.244.2.31: the second block's last address
    ['coredns', 'db', 80, 'tcp', 'deny'], // 10.244.2.53: the first block's except only
    ['172.17.0.5', 'db', 80, 'tcp', 'deny'],
  ]);
  const anywhere = np('anywhere-but', { podSelector: { matchLabels: { role: 'db' } }, policyTypes: ['Egress'],
    egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '128.0.0.0/1'] } }, { ipBlock: { cidr: '10.244.2.53/32' } }] }] });
  table([anywhere], [
    ['db', '8.8.8.8', 53, 'udp', 'allow'],
    ['db', '200.1.1.1', 53, 'udp', 'deny'], // except 128.0.0.0/1, one half of the /0
    ['db', 'client', 80, 'tcp', 'deny'],
    ['db', 'coredns', 53, 'udp', 'allow'], // the second block
  ]);
});
