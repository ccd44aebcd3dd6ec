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
  policyChainName,
  type NetpolState,
} from '../../../node-agent/netpol/ruleset.js';
import { podView } from '../../../node-agent/netpol/model.js';
import { expectGolden } from '../../support/golden.js';
import { ALLOW_DNS, DEFAULT_DENY_EGRESS, DOCS_POLICY, NAMESPACES, PODS, np } from './fixture.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const NAMED = np('named', { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }], ports: [{ port: 'redis' }] }] });

/** What the kernel holds after applying `text` (--noflush) over `before`. */
function apply(before: NetpolState, text: string): Map<string, string[]> {
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
    const build = (p: typeof before, node: string) => buildNetpolRuleset({ nodeName: node, pods: PODS, namespaces: NAMESPACES, policies: [p] }).text;
    // node01: db (10.244.1.10) is selected, frontend-1 (10.244.1.11) is a peer; node02: client is selected after.
    expect(build(before, 'node01')).toContain('-s 10.244.1.11/32');
    expect(build(before, 'node02')).not.toContain('-d 10.244.2.21/32');
    expect(build(after, 'node01')).not.toContain('-d 10.244.1.10/32');
    expect(build(after, 'node02')).toContain('-d 10.244.2.21/32');
    expect(build(after, 'node02')).toContain('-s 10.244.1.10/32');
    // One selector object shared by two policies of different namespaces: each looks in its own namespace.
    const shared = [np('a', { podSelector: {}, ingress: [{ from: [{ podSelector: sel }] }] }), np('b', { podSelector: {}, ingress: [{ from: [{ podSelector: sel }] }] }, 'prod')];
    const text = buildNetpolRuleset({ nodeName: 'node02', pods: PODS, namespaces: NAMESPACES, policies: shared }).text;
    expect(text).toContain('-s 10.244.2.20/32'); // default/frontend-2, for a
    expect(text).toContain('-s 10.244.2.30/32'); // prod/prodapp, for b
    expect(text).not.toContain('-s 10.244.2.31/32'); // other/otherapp: neither namespace
  });

  it('golden: the docs example, a named port and default-deny egress with DNS on node01', () => {
    const r = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [DOCS_POLICY, NAMED, DEFAULT_DENY_EGRESS, ALLOW_DNS] });
    expectGolden(join(GOLDEN, 'node01-docs.txt'), r.text);
    expect(checkRuleJumps(r.text)).toEqual([]);
    expect(r.isolatedPods).toBe(2); // db and frontend-1 (default); prodother's namespace has no policy
  });

  it('golden: no policy writes only the top chain (established RETURN) on the first sync', () => {
    const r = buildNetpolRuleset({ nodeName: 'node02', pods: PODS, namespaces: NAMESPACES, policies: [] });
    expectGolden(join(GOLDEN, 'empty.txt'), r.text);
    expect([...r.state.keys()]).toEqual([NETPOL_FORWARD_CHAIN]);
  });

  it('names only chains of its own: every declared or deleted chain has our prefix', () => {
    const r = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [DOCS_POLICY], existing: ['KUBE-SERVICES', 'KUBE-POD-FW-LEFTOVER0000000', 'DOCKER'] });
    const t = parseRestore(r.text).get('filter')!;
    for (const d of t.declared) expect(d.name === NETPOL_FORWARD_CHAIN || isNetpolChain(d.name)).toBe(true);
    expect(t.deleted).toEqual(['KUBE-POD-FW-LEFTOVER0000000']);
  });

  it('a partial sync writes only the chains that changed and ends where a full sync would', () => {
    const first = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [DOCS_POLICY, NAMED] });
    const kernel = apply(new Map(), first.text);
    // A frontend pod appears on node02: only the policy chains naming frontends change on node01.
    const pods = [...PODS, { namespace: 'default', name: 'frontend-3', node: 'node02', ip: '10.244.2.40', labels: { role: 'frontend' }, hostNetwork: false, namedPorts: [] }];
    const partial = buildNetpolRuleset({ nodeName: 'node01', pods, namespaces: NAMESPACES, policies: [DOCS_POLICY, NAMED], previous: first.state, partial: true });
    expect(partial.written.sort()).toEqual([policyChainName('default/named', 'ingress'), policyChainName('default/test-network-policy', 'ingress')].sort());
    expect(partial.deleted).toEqual([]);
    expect(checkRuleJumps(partial.text, { filter: first.state.keys() })).toEqual([]);
    const full = buildNetpolRuleset({ nodeName: 'node01', pods, namespaces: NAMESPACES, policies: [DOCS_POLICY, NAMED] });
    expect(apply(kernel, partial.text)).toEqual(full.state);
    // Nothing changed: nothing to write.
    expect(buildNetpolRuleset({ nodeName: 'node01', pods, namespaces: NAMESPACES, policies: [DOCS_POLICY, NAMED], previous: partial.state, partial: true }).text).toBe('');
  });

  it('a deleted policy deletes its chains and the pod chains it made, in the same transaction as the jumps to them', () => {
    const first = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [DOCS_POLICY] });
    const after = buildNetpolRuleset({ nodeName: 'node01', pods: PODS, namespaces: NAMESPACES, policies: [], previous: first.state, partial: true });
    const db = PODS.find((p) => p.name === 'db')!;
    expect(after.deleted).toContain(podChainName(db, 'ingress'));
    expect(after.deleted).toContain(policyChainName('default/test-network-policy', 'egress'));
    expect(after.written).toEqual([NETPOL_FORWARD_CHAIN]);
    expect(checkRuleJumps(after.text, { filter: first.state.keys() })).toEqual([]);
    expectGolden(join(GOLDEN, 'policy-deleted.txt'), after.text);
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
