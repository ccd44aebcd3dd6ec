import { describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NAT_TOP_CHAINS, buildRuleset, buildCleanup, staleConntrack, type RulesetInput } from '../../../node-agent/proxy/ruleset.js';
import { computeProbability, sepChainName, svcChainName } from '../../../node-agent/proxy/model.js';
import { checkRuleJumps, parseRestore } from '../../../node-agent/proxy/iptables-text.js';
import { expectGolden } from '../../support/golden.js';
import { CLUSTER_CIDR, NODE, goldenScenario, manyServices, slice, svc } from '../../support/proxy-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Compare with golden/<name>.txt: a missing file fails; KUBELAB_UPDATE_GOLDEN=1 rewrites them. */
function golden(name: string, text: string): void {
  expectGolden(join(here, 'golden', `${name}.txt`), text);
}

const baseInput = (partial: Partial<RulesetInput>): RulesetInput => input(partial);

function input(partial: Partial<RulesetInput>): RulesetInput {
  return { services: [], endpointSlices: [], node: NODE, clusterCIDR: CLUSTER_CIDR, partial: false, ...partial };
}

describe('buildRuleset', () => {
  it('matches upstream chain names and probability formatting', () => {
    expect(svcChainName('ns1/svc1:p80', 'tcp')).toBe('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(sepChainName('ns1/svc1:p80', 'tcp', '10.180.0.1:80')).toBe('KUBE-SEP-SXIVWICOYRO3J4NJ');
    expect(computeProbability(2)).toBe('0.5000000000');
    expect(computeProbability(3)).toBe('0.3333333333');
  });

  it('golden: full ruleset for a small cluster', () => {
    const r = buildRuleset(goldenScenario());
    golden('full', r.text);
    expect(checkRuleJumps(r.text)).toEqual([]);
  });

  it('golden: upstream single-service example', () => {
    const r = buildRuleset(
      input({
        clusterCIDR: '10.0.0.0/24',
        services: [svc('ns1', 'svc1', '10.20.30.41', [{ name: 'p80', port: 80, protocol: 'TCP' }])],
        endpointSlices: [slice('ns1', 'svc1', [{ name: 'p80', port: 80 }], ['10.180.0.1'])],
      }),
    );
    golden('upstream-basic', r.text);
    // The lines upstream's proxier_test expects for this service.
    for (const line of [
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.20.30.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.20.30.41 --dport 80 ! -s 10.0.0.0/24 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
      '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    ]) {
      expect(r.text.split('\n')).toContain(line);
    }
  });

  it('spreads with 1/(n-i) probabilities, last rule unconditional', () => {
    const r = buildRuleset(
      input({
        services: [svc('default', 'four', '10.96.0.50', [{ port: 80, protocol: 'TCP' }])],
        endpointSlices: [slice('default', 'four', [{ port: 80 }], ['10.244.0.4', '10.244.0.1', '10.244.0.3', '10.244.0.2'])],
      }),
    );
    const chain = svcChainName('default/four', 'tcp');
    const lb = r.text.split('\n').filter((l) => l.startsWith(`-A ${chain} `) && !l.includes('KUBE-MARK-MASQ'));
    expect(lb.map((l) => /--probability (\S+)/.exec(l)?.[1] ?? 'last')).toEqual(['0.2500000000', '0.3333333333', '0.5000000000', 'last']);
    // Sorted by endpoint, as upstream.
    expect(lb.map((l) => /-> (\S+)"/.exec(l)?.[1])).toEqual(['10.244.0.1:80', '10.244.0.2:80', '10.244.0.3:80', '10.244.0.4:80']);
  });

  it('--masquerade-all masquerades every cluster IP packet; no cluster CIDR and no flag: no masquerade rule', () => {
    const base = goldenScenario();
    const all = buildRuleset({ ...base, masqueradeAll: true }).text;
    expect(all).toContain('--dport 80 -j KUBE-MARK-MASQ');
    expect(all).not.toContain('! -s 10.244.0.0/16');
    const none = buildRuleset({ ...base, clusterCIDR: undefined }).text;
    expect(none).not.toMatch(/cluster IP" .* -j KUBE-MARK-MASQ/);
  });

  it('falls back to serving+terminating endpoints when none is ready (and not when disabled)', () => {
    const s = [svc('default', 'term', '10.96.0.60', [{ port: 80, protocol: 'TCP' }])];
    const sl = [slice('default', 'term', [{ port: 80 }], [{ ip: '10.244.0.9', ready: false, serving: true, terminating: true }])];
    expect(buildRuleset(input({ services: s, endpointSlices: sl })).text).toContain('--to-destination 10.244.0.9:80');
    const off = buildRuleset(input({ services: s, endpointSlices: sl, terminatingFallback: false })).text;
    expect(off).not.toContain('--to-destination 10.244.0.9:80');
    expect(off).toContain('"default/term has no endpoints" -m tcp -p tcp -d 10.96.0.60 --dport 80 -j REJECT');
  });

  it('externalTrafficPolicy Local sends node-port traffic to local endpoints only', () => {
    const s = [svc('default', 'loc', '10.96.0.70', [{ port: 80, nodePort: 30070, protocol: 'TCP' }], { type: 'NodePort', externalTrafficPolicy: 'Local' })];
    const sl = [slice('default', 'loc', [{ port: 80 }], [{ ip: '10.244.1.1', node: 'node01' }, { ip: '10.244.2.1', node: 'node02' }])];
    const r = buildRuleset(input({ services: s, endpointSlices: sl }));
    expect(r.text).toContain(':KUBE-SVL-');
    expect(checkRuleJumps(r.text)).toEqual([]);
    const other = buildRuleset(input({ services: s, endpointSlices: sl, node: { name: 'node03' } }));
    expect(other.text).toContain('"default/loc has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30070 -j DROP');
  });

  it('--nodeport-addresses restricts node ports to those IPs', () => {
    const r = buildRuleset({ ...goldenScenario(), nodePortAddresses: ['192.168.56.21'] });
    expect(r.text).toContain('-d 192.168.56.21 -j KUBE-NODEPORTS');
    expect(r.text).not.toContain('--dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS');
  });

  it('no rule jumps to an undefined chain, over many generated rulesets', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const services = [];
      const slices = [];
      const n = 1 + rnd(8);
      for (let i = 0; i < n; i++) {
        const proto = ['TCP', 'UDP', 'SCTP'][rnd(3)];
        const type = ['ClusterIP', 'NodePort', 'LoadBalancer'][rnd(3)];
        const ports = [{ name: 'p', port: 80 + rnd(3), protocol: proto, nodePort: type === 'ClusterIP' ? undefined : 30000 + i }];
        services.push(
          svc(`ns${rnd(2)}`, `s${i}`, `10.96.1.${i + 1}`, ports, {
            type,
            sessionAffinity: rnd(2) ? 'ClientIP' : 'None',
            externalTrafficPolicy: rnd(3) === 0 ? 'Local' : 'Cluster',
            internalTrafficPolicy: rnd(5) === 0 ? 'Local' : 'Cluster',
            externalIPs: rnd(4) === 0 ? ['192.0.2.10'] : [],
          }),
        );
        const eps = [];
        for (let j = rnd(5); j > 0; j--) {
          eps.push({ ip: `10.244.${rnd(3)}.${1 + rnd(200)}`, ready: rnd(4) > 0, serving: rnd(2) > 0, terminating: rnd(3) === 0, node: `node0${rnd(3)}` });
        }
        for (const s of services.slice(-1)) {
          slices.push(slice(s.metadata.namespace!, s.metadata.name!, [{ name: 'p', port: 8080, protocol: proto }], eps));
        }
      }
      const full = buildRuleset(input({ services, endpointSlices: slices, node: { name: `node0${rnd(3)}` } }));
      expect(checkRuleJumps(full.text)).toEqual([]);
      // A partial sync after dropping half the services: its input only jumps to chains it defines or that exist.
      const keep = services.filter(() => rnd(2) === 0);
      const part = buildRuleset(input({ services: keep, endpointSlices: slices, previous: full.state, partial: true }));
      expect(checkRuleJumps(part.text, { nat: [...full.state.natChains.keys(), ...NAT_TOP_CHAINS] })).toEqual([]);
      for (const d of part.deletedChains) expect(part.state.natChains.has(d)).toBe(false);
    }
  });

  it('partial sync rewrites only the changed service chains', () => {
    const { services, slices } = manyServices(50, 3);
    const full = buildRuleset(input({ services, endpointSlices: slices }));
    expect(full.writtenChains.length).toBe(50 * 4);
    // Same input, partial, as upstream: no per-service chain written, top-level chains still are.
    const same = buildRuleset(input({ services, endpointSlices: slices, previous: full.state, partial: true, skipUnchangedTopLevelChains: false }));
    expect(same.writtenChains).toEqual([]);
    expect(same.stats.natChainsSkipped).toBe(200);
    expect(same.text).toContain(':KUBE-SERVICES - [0:0]');
    expect(same.text).toContain('*filter');
    expect(same.text.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES ')).length).toBe(51);
    // Default: unchanged top-level chains and filter table are left out too; nothing to write at all.
    const minimal = buildRuleset(input({ services, endpointSlices: slices, previous: full.state, partial: true }));
    expect(minimal.text).toBe('');
    expect(minimal.stats.topChainsSkipped.sort()).toEqual([...NAT_TOP_CHAINS].sort());
    expect(minimal.stats.filterWritten).toBe(false);
    // Change one endpoint of svc-7.
    const changed = slices.map((s) => (s.metadata.name === 'svc-7-abcde' ? slice('bench', 'svc-7', [{ name: 'http', port: 8080 }], ['10.244.200.1', ...s.endpoints!.slice(1).map((e) => e.addresses[0])]) : s));
    const part = buildRuleset(input({ services, endpointSlices: changed, previous: full.state, partial: true }));
    const svc7 = svcChainName('bench/svc-7:http', 'tcp');
    const newSep = sepChainName('bench/svc-7:http', 'tcp', '10.244.200.1:8080');
    const oldSep = sepChainName('bench/svc-7:http', 'tcp', slices[7].endpoints![0].addresses[0] + ':8080');
    expect(part.writtenChains.sort()).toEqual([newSep, svc7].sort());
    expect(part.deletedChains).toEqual([oldSep]);
    expect(part.text).toContain(`-X ${oldSep}`);
    const declared = parseRestore(part.text).get('nat')!.declared.map((d) => d.name);
    expect(declared.filter((c) => c.startsWith('KUBE-SVC-'))).toEqual([svc7]);
    // KUBE-SERVICES did not change (same cluster IPs, same chains): not rewritten.
    expect(declared).not.toContain('KUBE-SERVICES');
    expect(part.text).not.toContain('*filter');
    // A new service changes KUBE-SERVICES: it is written in full (and only it among the top chains).
    const more = [...services, svc('bench', 'new', '10.96.200.1', [{ name: 'http', port: 80, protocol: 'TCP' }])];
    const added = buildRuleset(input({ services: more, endpointSlices: changed, previous: part.state, partial: true }));
    // No endpoints yet: only the filter table changes (a REJECT rule).
    expect(added.stats.topChainsSkipped.length).toBe(4);
    expect(added.text).toContain('"bench/new:http has no endpoints"');
    const withEps = [...changed, slice('bench', 'new', [{ name: 'http', port: 8080 }], ['10.244.201.1'])];
    const ready = buildRuleset(input({ services: more, endpointSlices: withEps, previous: added.state, partial: true }));
    expect(ready.stats.topChainsSkipped.sort()).toEqual(['KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING']);
    expect(ready.text.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES ')).length).toBe(52);
    expect(ready.text).not.toContain('has no endpoints');
    expect(ready.stats.filterWritten).toBe(true);
    expect(ready.writtenChains.length).toBe(2);
    // Not partial: everything again.
    const again = buildRuleset(input({ services, endpointSlices: changed, previous: part.state, partial: false }));
    expect(again.writtenChains.length).toBe(200);
  });

  it('large-cluster mode (more than 1000 endpoints) leaves out the per-endpoint comments, as upstream', () => {
    const { services, slices } = manyServices(400, 3);
    const r = buildRuleset(input({ services, endpointSlices: slices }));
    expect(r.stats.largeClusterMode).toBe(true);
    const sep = sepChainName('bench/svc-0:http', 'tcp', '10.244.0.2:8080');
    expect(r.text).toContain(`-A ${sep} -s 10.244.0.2 -j KUBE-MARK-MASQ\n-A ${sep} -m tcp -p tcp -j DNAT --to-destination 10.244.0.2:8080\n`);
    expect(r.text).toMatch(/-A KUBE-SVC-\S+ -m statistic --mode random --probability 0\.3333333333 -j KUBE-SEP-/);
    // KUBE-SERVICES keeps its comments.
    expect(r.text).toContain('--comment "bench/svc-0:http cluster IP"');
    const small = buildRuleset(input({ services: services.slice(0, 300), endpointSlices: slices }));
    expect(small.stats.largeClusterMode).toBe(false);
    expect(small.text).toContain(`-A ${sep} -m comment --comment bench/svc-0:http -s 10.244.0.2 -j KUBE-MARK-MASQ`);
  });

  it.each([1000, 110])('changedServices: reusing the rules of unchanged Services gives the same result as regenerating (threshold %i)', (threshold) => {
    let seed = 11;
    let flips = 0;
    let reusedTop = 0;
    const input = (p: Partial<RulesetInput>) => baseInput({ largeClusterEndpointsThreshold: threshold, ...p });
    const rnd = (n: number) => ((seed = (seed * 48271) % 2147483647), seed % n);
    const { services, slices } = manyServices(40, 3, { nodePort: true });
    let svcs = [...services];
    let sls = [...slices];
    let prevHint = buildRuleset(input({ services: svcs, endpointSlices: sls }));
    let prevFull = prevHint;
    for (let round = 0; round < 60; round++) {
      const changed = new Set<string>();
      for (let k = rnd(3) + 1; k > 0; k--) {
        const i = rnd(45);
        const name = `svc-${i}`;
        changed.add(`bench/${name}`);
        const op = rnd(4);
        if (op === 0) svcs = svcs.filter((s) => s.metadata.name !== name);
        else if (op === 1 && !svcs.some((s) => s.metadata.name === name)) svcs.push(svc('bench', name, `10.96.9.${i + 1}`, [{ name: 'http', port: 80, protocol: 'TCP' }]));
        else {
          const eps = Array.from({ length: rnd(5) }, (_, j) => ({ ip: `10.244.77.${(i * 5 + j) % 250}`, ready: rnd(5) > 0 }));
          sls = [...sls.filter((x) => x.metadata.labels!['kubernetes.io/service-name'] !== name), slice('bench', name, [{ name: 'http', port: 8080 }], eps)];
        }
      }
      const hinted = buildRuleset(input({ services: svcs, endpointSlices: sls, previous: prevHint.state, partial: true, changedServices: changed }));
      const regen = buildRuleset(input({ services: svcs, endpointSlices: sls, previous: prevFull.state, partial: true }));
      expect(hinted.text).toBe(regen.text);
      expect([...hinted.state.natChains]).toEqual([...regen.state.natChains]);
      // Including when only the changed chains were looked at (partialOfChangedChains).
      const { topLevelReused, servicePortsGenerated: _g1, ...hintedStats } = hinted.stats;
      const { topLevelReused: _r, servicePortsGenerated: _g2, ...regenStats } = regen.stats;
      expect(hintedStats).toEqual(regenStats);
      expect([hinted.deletedChains, hinted.writtenChains]).toEqual([regen.deletedChains, regen.writtenChains]);
      expect([...hinted.state.servicePorts]).toEqual([...regen.state.servicePorts]);
      expect([...hinted.state.ports!.keys()]).toEqual([...regen.state.ports!.keys()]);
      expect([hinted.state.filterText, [...hinted.state.topChains!]]).toEqual([regen.state.filterText, [...regen.state.topChains!]]);
      if (topLevelReused) reusedTop++;
      if (hinted.stats.largeClusterMode === prevHint.stats.largeClusterMode) {
        expect(hinted.stats.servicePortsGenerated).toBeLessThanOrEqual(changed.size);
      }
      if (hinted.stats.largeClusterMode !== prevHint.stats.largeClusterMode) flips++;
      prevHint = hinted;
      prevFull = regen;
    }
    // And both equal a from-scratch build in what they leave in place.
    const scratch = buildRuleset(input({ services: svcs, endpointSlices: sls }));
    expect([...prevHint.state.natChains]).toEqual([...scratch.state.natChains]);
    expect(prevHint.state.filterText).toBe(scratch.state.filterText);
    expect([...prevHint.state.topChains!]).toEqual([...scratch.state.topChains!]);
    if (threshold === 110) expect(flips).toBeGreaterThan(0);
    expect(reusedTop).toBeGreaterThan(5);
  });

  it('deletes stale service chains found in the kernel on a full sync, and never foreign chains', () => {
    const r = buildRuleset({ ...goldenScenario(), existingNatChains: ['KUBE-SVC-AAAAAAAAAAAAAAAA', 'KUBE-SEP-BBBBBBBBBBBBBBBB', 'DOCKER', 'KUBE-SERVICES', 'CNI-1234'] });
    expect(r.deletedChains).toEqual(['KUBE-SEP-BBBBBBBBBBBBBBBB', 'KUBE-SVC-AAAAAAAAAAAAAAAA']);
    expect(r.text).toContain(':KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]');
    expect(r.text).not.toContain('DOCKER');
    expect(checkRuleJumps(r.text)).toEqual([]);
  });

  it('buildCleanup removes our chains only', () => {
    const nat = '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:CNI-XYZ - [0:0]\nCOMMIT\n';
    const filter = '*filter\n:INPUT ACCEPT [0:0]\n:KUBE-FORWARD - [0:0]\nCOMMIT\n';
    const text = buildCleanup(nat, filter);
    expect(text).toContain('-X KUBE-SVC-AAAAAAAAAAAAAAAA');
    expect(text).toContain('-X KUBE-SERVICES');
    expect(text).toContain('-X KUBE-FORWARD');
    expect(text).not.toContain('CNI-XYZ');
    expect(text).not.toContain('KUBE-NODEPORTS');
    expect(buildCleanup('*nat\nCOMMIT\n', '*filter\nCOMMIT\n')).toBe('');
  });

  it('staleConntrack: removed UDP endpoints and UDP services getting their first endpoint', () => {
    const s = [svc('kube-system', 'dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }], { type: 'NodePort' })];
    const two = buildRuleset(input({ services: s, endpointSlices: [slice('kube-system', 'dns', [{ name: 'dns', port: 53, protocol: 'UDP' }], ['10.244.0.2', '10.244.0.3'])] }));
    const one = buildRuleset(input({ services: s, endpointSlices: [slice('kube-system', 'dns', [{ name: 'dns', port: 53, protocol: 'UDP' }], ['10.244.0.3'])] }));
    expect(staleConntrack(two.state, one.state)).toEqual([
      { kind: 'nat', origDst: '10.96.0.10', dstNat: '10.244.0.2', protocol: 'udp' },
      { kind: 'port-nat', port: 30053, dstNat: '10.244.0.2', protocol: 'udp' },
    ]);
    const none = buildRuleset(input({ services: s }));
    expect(staleConntrack(none.state, one.state)).toEqual([{ kind: 'service-ip', ip: '10.96.0.10', protocol: 'udp' }]);
    expect(staleConntrack(one.state, one.state)).toEqual([]);
    // TCP endpoints never need it.
    const tcp = buildRuleset(goldenScenario());
    expect(staleConntrack(tcp.state, buildRuleset(input({})).state).every((a) => a.protocol === 'udp')).toBe(true);
  });
});
