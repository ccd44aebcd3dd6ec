/**
 * The policy -> ruleset builder: golden restore inputs, no jump to an undefined chain (full and partial
 * syncs), partial syncs that write only what changed and end in the same state as a full one, a killed
 * run's leftovers deleted, the cleanup input, and only our own chains ever named.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkRuleJumps, parseRestore } from '../../../node-agent/proxy/iptables-text.js';
import {
  NETPOL_FORWARD_CHAIN,
  buildNetpolCleanup,
  buildNetpolRuleset,
  isNetpolChain,
  podChainName,
  peerSetName,
  policyChainName,
  type NetpolState,
} from '../../../node-agent/netpol/ruleset.js';
import { podView } from '../../../node-agent/netpol/model.js';
import { expectGolden } from '../../support/golden.js';
import { ALLOW_DNS, DEFAULT_DENY_EGRESS, DOCS_POLICY, NAMESPACES, PODS, np } from './fixture.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const NAMED = np('named', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }], ports: [{ port: 'redis' }] }] });

/** What the kernel holds after applying `text` (--noflush) over `before`. */
function apply(before: NetpolState['chains'], text: string): Map<string, string[]> {
  const after = new Map<string, string[]>([...before].map(([k, v]) => [k, [...v]]));
  const t = parseRestore(text).get('filter');
  if (!t) return after;
  for (const d of t.declared) after.set(d.name, []);
  for (const r of t.rules) after.get(r.chain)!.push(r.raw.replace(`-A ${r.chain} `, ''));
  for (const x of t.deleted) after.delete(x);
  return after;
}

describe('buildNetpolRuleset', () => {
  it('an updated policy (a new object, as informers deliver) is matched with its new selectors, not the compiled old ones', () => {
    const sel = { matchLabels: { role: 'frontend' } };
    const before = np('upd', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ podSelector: sel }] }] });
    const after = np('upd', { podSelector: { matchLabels: { role: 'client' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'db' } } }] }] });
    const texts = (r: ReturnType<typeof buildNetpolRuleset>) => `${r.text}${r.ipsetText}`;
    const build = (p: typeof before, node: string) => texts(buildNetpolRuleset({ nodeName: node, pods: PODS, namespaces: NAMESPACES, policies: [p] }));
    const peer = (ip: string) => new RegExp(`^add KL-NP-\\S+ ${ip.replaceAll('.', '\\.')}$`, 'm');
    // node01: db (10.244.1.10) is selected, frontend-1 (10.244.1.11) is a peer; node02: client is selected after.
    expect(build(before, 'node01')).toMatch(peer('10.244.1.11'));
    expect(build(before, 'node02')).not.toContain('-d 10.244.2.21/32');
    expect(build(after, 'node01')).not.toContain('-d 10.244.1.10/32');
    expect(build(after, 'node02')).toContain('-d 10.244.2.21/32');
    expect(build(after, 'node02')).toMatch(peer('10.244.1.10'));
    // One selector object shared by two policies of different namespaces: each looks in its own namespace.
    const shared = [np('a', { podSelector: {}, ingress: [{ from: [{ podSelector: sel }] }] }), np('b', { podSelector: {}, ingress: [{ from: [{ podSelector: sel }] }] }, 'prod')];
    const text = texts(buildNetpolRuleset({ nodeName: 'node02', pods: PODS, namespaces: NAMESPACES, policies: shared }));
    expect(text).toMatch(peer('10.244.2.20')); // default/frontend-2, for a
    expect(text).toMatch(peer('10.244.2.30')); // prod/prodapp, for b
    expect(text).not.toMatch(peer('10.244.2.31')); // other/otherapp: neither namespace
  });

  it('golden: the docs example, a named port and default-deny egress with DNS on node01', () => {
    const r = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [DOCS_POLICY, NAMED, DEFAULT_DENY_EGRESS, ALLOW_DNS] });
    expectGolden(join(GOLDEN, 'node01-docs.txt'), `# ipset restore -exist, before\n${r.ipsetText}# iptables-restore --noflush\n${r.text}`);
    expect(checkRuleJumps(r.text)).toEqual([]);
    expect(r.isolatedPods).toBe(2); // db and frontend-1 (default); prodother's namespace has no policy
  });

  it('golden: no policy writes only the top chain (established RETURN) on the first sync', () => {
    const r = buildNetpolRuleset({ nodeName: 'node02', pods: PODS, namespaces: NAMESPACES, policies: [] });
    expectGolden(join(GOLDEN, 'empty.txt'), r.text);
    expect([...r.state.chains.keys()]).toEqual([NETPOL_FORWARD_CHAIN]);
    expect(r.ipsetText).toBe('');
  });

  it('names only chains of its own: every declared or deleted chain has our prefix', () => {
    const r = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [DOCS_POLICY], existing: ['KUBE-SERVICES', 'KUBE-POD-FW-LEFTOVER0000000', 'DOCKER'] });
    const t = parseRestore(r.text).get('filter')!;
    for (const d of t.declared) expect(d.name === NETPOL_FORWARD_CHAIN || isNetpolChain(d.name)).toBe(true);
    expect(t.deleted).toEqual(['KUBE-POD-FW-LEFTOVER0000000']);
  });

  it('a partial sync writes only the sets and chains that changed and ends where a full sync would', () => {
    const first = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [DOCS_POLICY, NAMED] });
    const kernel = apply(new Map(), first.text);
    // A frontend pod appears on node02: on node01 only the sets naming frontends change, no chain.
    const pods = [...PODS, { namespace: 'default', name: 'frontend-3', node: 'node02', ip: '10.244.2.40', labels: { role: 'frontend' }, hostNetwork: false, namedPorts: [] }];
    const partial = buildNetpolRuleset({ nodeName: 'node01', pods, namespaces: NAMESPACES, policies: [DOCS_POLICY, NAMED], previous: first.state, partial: true });
    expect(partial.written).toEqual([]);
    expect(partial.text).toBe('');
    expect(partial.setsWritten.sort()).toEqual([peerSetName('default/named', 'ingress', 0, 'pods'), peerSetName('default/test-network-policy', 'ingress', 0, 'pods')].sort());
    expect(partial.ipsetText).toContain('add KL-NP-');
    expect(partial.ipsetText.split('\n').filter((l) => l.endsWith(' 10.244.2.40'))).toHaveLength(2);
    expect(partial.setsDeleted).toEqual([]);
    // A new local pod the policies select: its firewall chain and jump are new, the policy chains are not.
    const local = [...pods, { namespace: 'default', name: 'db-2', node: 'node01', ip: '10.244.1.12', labels: { role: 'db' }, hostNetwork: false, namedPorts: [{ name: 'redis', port: 6379, protocol: 'TCP' as const }] }];
    const withLocal = buildNetpolRuleset({ nodeName: 'node01', pods: local, namespaces: NAMESPACES, policies: [DOCS_POLICY, NAMED], previous: partial.state, partial: true });
    expect(withLocal.written.filter((c) => c.startsWith('KUBE-NWPLCY-') && c !== NETPOL_FORWARD_CHAIN)).toEqual([]);
    // Its named port joins the set of pods 'redis' resolves to 6379 on (kube-router's named-port set), no rule.
    expect(withLocal.setsWritten).toEqual([peerSetName('default/named', 'ingress', 0, 'port0:6379')]);
    expect(withLocal.state.sets.get(peerSetName('default/named', 'ingress', 0, 'port0:6379'))!.entries).toEqual(['10.244.1.10', '10.244.1.12']);
    expect(checkRuleJumps(withLocal.text, { filter: partial.state.chains.keys() })).toEqual([]);
    const full = buildNetpolRuleset({ nodeName: 'node01', pods: local, namespaces: NAMESPACES, policies: [DOCS_POLICY, NAMED] });
    expect(apply(apply(kernel, partial.text), withLocal.text)).toEqual(full.state.chains);
    expect(withLocal.state.sets).toEqual(full.state.sets);
    // Nothing changed: nothing to write.
    const again = buildNetpolRuleset({ nodeName: 'node01', pods: local, namespaces: NAMESPACES, policies: [DOCS_POLICY, NAMED], previous: withLocal.state, partial: true });
    expect([again.text, again.ipsetText, again.ipsetDestroyText]).toEqual(['', '', '']);
  });

  it('peer sets: hash:ip for pods, hash:net for ipBlocks with nomatch excepts, names of at most 31 characters', () => {
    const r = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [DOCS_POLICY] });
    const pods = r.state.sets.get(peerSetName('default/test-network-policy', 'ingress', 0, 'pods'));
    // namespaceSelector project=myproject (prod) OR podSelector role=frontend (default): one set.
    expect(pods).toEqual({ type: 'hash:ip', entries: ['10.244.1.11', '10.244.1.31', '10.244.2.20', '10.244.2.30'] });
    expect(r.state.sets.get(peerSetName('default/test-network-policy', 'ingress', 0, 'nets'))).toEqual({ type: 'hash:net', entries: ['172.17.0.0/16', '172.17.1.0/24 nomatch'] });
    expect(r.state.sets.get(peerSetName('default/test-network-policy', 'egress', 0, 'nets'))).toEqual({ type: 'hash:net', entries: ['10.0.0.0/24'] });
    for (const n of r.state.sets.keys()) expect(n.length + '-TMP'.length).toBeLessThanOrEqual(31);
    // One rule per (set, port), none per peer.
    const chain = r.state.chains.get(policyChainName('default/test-network-policy', 'ingress'))!;
    expect(chain).toHaveLength(2);
    expect(chain.every((l) => / -m set --match-set KL-NP-\S+ src -p tcp -m tcp --dport 6379 -j MARK/.test(` ${l}`))).toBe(true);
    // /0 is two /1 halves (hash:net takes no /0); overlapping blocks with excepts get a set each.
    const wide = np('wide', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }, { ipBlock: { cidr: '10.1.0.0/16' } }] }] });
    const w = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [wide] }).state.sets;
    expect([...w.values()]).toEqual([{ type: 'hash:net', entries: ['0.0.0.0/1', '10.0.0.0/8 nomatch', '128.0.0.0/1'] }, { type: 'hash:net', entries: ['10.1.0.0/16'] }]);
    expect([...w.keys()]).toEqual([peerSetName('default/wide', 'egress', 0, 'net0'), peerSetName('default/wide', 'egress', 0, 'net1')]);
  });

  it("a killed run's sets are destroyed after the restore; other programs' sets and a written set's temporary are not named", () => {
    const r = buildNetpolRuleset({
      nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [DOCS_POLICY],
      existingSets: ['KL-NP-LEFTOVER00000000', 'KL-NP-LEFTOVER00000000-TMP', 'KUBE-DST-ABC', `${peerSetName('default/test-network-policy', 'ingress', 0, 'pods')}-TMP`],
    });
    expect(r.setsDeleted).toEqual(['KL-NP-LEFTOVER00000000', 'KL-NP-LEFTOVER00000000-TMP']);
    expect(r.ipsetDestroyText).toBe('destroy KL-NP-LEFTOVER00000000\ndestroy KL-NP-LEFTOVER00000000-TMP\n');
    expect(r.ipsetText).not.toContain('KUBE-DST-ABC');
    expect(r.setsWritten).toHaveLength(3);
  });

  it('a deleted policy deletes its chains and the pod chains it made, in the same transaction as the jumps to them', () => {
    const first = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [DOCS_POLICY] });
    const after = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [], previous: first.state, partial: true });
    const db = PODS.find((p) => p.name === 'db')!;
    expect(after.deleted).toContain(podChainName(db, 'ingress'));
    expect(after.deleted).toContain(policyChainName('default/test-network-policy', 'egress'));
    expect(after.written).toEqual([NETPOL_FORWARD_CHAIN]);
    expect(checkRuleJumps(after.text, { filter: first.state.chains.keys() })).toEqual([]);
    expectGolden(join(GOLDEN, 'policy-deleted.txt'), `${after.text}# ipset restore -exist, after\n${after.ipsetDestroyText}`);
    expect(after.setsDeleted).toEqual([...first.state.sets.keys()].sort());
    expect([...apply(apply(new Map(), first.text), after.text).keys()]).toEqual([NETPOL_FORWARD_CHAIN]);
  });

  it('the cleanup input flushes and deletes every chain of ours, and no other', () => {
    expect(buildNetpolCleanup(['KUBE-FORWARD', NETPOL_FORWARD_CHAIN, 'KUBE-POD-FW-ABC'])).toBe(
      `*filter\n:KUBE-NWPLCY-FORWARD - [0:0]\n:KUBE-POD-FW-ABC - [0:0]\n-X KUBE-NWPLCY-FORWARD\n-X KUBE-POD-FW-ABC\nCOMMIT\n`,
    );
    expect(buildNetpolCleanup(['KUBE-FORWARD'])).toBe('');
  });
});

describe('podView', () => {
  it('takes the IP, node, labels and named ports; a finished pod has no IP that counts', () => {
    const v = podView({
      metadata: { namespace: 'a', name: 'p', labels: { x: 'y' } },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9 }] }] },
      status: { podIP: '10.244.1.2', phase: 'Running' },
    });
    expect(v).toEqual({ namespace: 'a', name: 'p', ip: '10.244.1.2', labels: { x: 'y' }, node: 'n1', hostNetwork: false, namedPorts: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
    expect(podView({ metadata: { name: 'p' }, status: { podIP: '10.244.1.2', phase: 'Succeeded' } }).ip).toBeUndefined();
  });
});
