import { describe, expect, it } from 'vitest';
import { buildRuleset } from '../../../node-agent/proxy/ruleset.js';
import { tracePacket } from '../../../node-agent/proxy/tracer.js';
import { sepChainName } from '../../../node-agent/proxy/model.js';
import { NODE, goldenScenario, manyServices } from '../../support/proxy-fixtures.js';

const text = buildRuleset(goldenScenario()).text;
const POD = '10.244.1.50';
const OFF_CLUSTER = '192.168.56.1';
const local = { localIPs: NODE.ips };

describe('tracePacket over generated rules', () => {
  it('reaches every ready endpoint of a ClusterIP, and no unready one', () => {
    const r = tracePacket(text, { source: POD, destination: '10.96.10.10', port: 80, hook: 'PREROUTING', ...local });
    expect(r.endpoints).toEqual(['10.244.1.2:80', '10.244.2.2:80']);
    expect(r.sepChains).toEqual(
      [sepChainName('default/nginx', 'tcp', '10.244.1.2:80'), sepChainName('default/nginx', 'tcp', '10.244.2.2:80')].sort(),
    );
    expect(r.endpoints).not.toContain('10.244.2.3:80');
    // From the pod network: not masqueraded.
    expect(r.masquerade).toBe(false);
  });

  it('masquerades off-cluster sources and hairpin traffic', () => {
    const off = tracePacket(text, { source: OFF_CLUSTER, destination: '10.96.10.10', port: 80, hook: 'OUTPUT', ...local });
    expect(off.outcomes.every((o) => o.masquerade)).toBe(true);
    const hairpin = tracePacket(text, { source: '10.244.1.2', destination: '10.96.10.10', port: 80, hook: 'PREROUTING', ...local });
    const self = hairpin.outcomes.find((o) => o.dnat === '10.244.1.2:80')!;
    const other = hairpin.outcomes.find((o) => o.dnat === '10.244.2.2:80')!;
    expect(self.masquerade).toBe(true);
    expect(other.masquerade).toBe(false);
  });

  it('rejects a service without endpoints, on its cluster IP and its node port', () => {
    const r = tracePacket(text, { source: POD, destination: '10.96.30.30', port: 8080, hook: 'PREROUTING', ...local });
    expect(r.rejected).toBe(true);
    expect(r.endpoints).toEqual([]);
    const np = tracePacket(text, { source: OFF_CLUSTER, destination: NODE.ips[0], port: 30090, hook: 'PREROUTING', ...local });
    expect(np.rejected).toBe(true);
  });

  it('node port on a node address reaches every endpoint, masqueraded; not on another address', () => {
    const r = tracePacket(text, { source: OFF_CLUSTER, destination: NODE.ips[0], port: 30080, hook: 'PREROUTING', ...local });
    expect(r.endpoints).toEqual(['10.244.1.5:8080', '10.244.2.5:8080']);
    expect(r.outcomes.every((o) => o.masquerade)).toBe(true);
    const loopback = tracePacket(text, { source: '127.0.0.1', destination: '127.0.0.1', port: 30080, hook: 'OUTPUT', ...local });
    expect(loopback.endpoints).toEqual([]);
    const elsewhere = tracePacket(text, { source: OFF_CLUSTER, destination: '192.168.56.99', port: 30080, hook: 'PREROUTING', ...local });
    expect(elsewhere.endpoints).toEqual([]);
  });

  it('matches protocol and port: UDP and TCP dns go to their own chains; wrong port goes nowhere', () => {
    const udp = tracePacket(text, { source: POD, destination: '10.96.0.10', port: 53, protocol: 'udp', hook: 'PREROUTING', ...local });
    const tcp = tracePacket(text, { source: POD, destination: '10.96.0.10', port: 53, protocol: 'tcp', hook: 'PREROUTING', ...local });
    expect(udp.sepChains).toEqual([sepChainName('kube-system/kube-dns:dns', 'udp', '10.244.0.2:53')]);
    expect(tcp.sepChains).toEqual([sepChainName('kube-system/kube-dns:dns-tcp', 'tcp', '10.244.0.2:53')]);
    const wrong = tracePacket(text, { source: POD, destination: '10.96.0.10', port: 54, protocol: 'udp', hook: 'PREROUTING', ...local });
    expect(wrong.endpoints).toEqual([]);
    expect(wrong.rejected).toBe(false);
  });

  it('the kubernetes Service reaches the API server', () => {
    const r = tracePacket(text, { source: POD, destination: '10.96.0.1', port: 443, hook: 'PREROUTING', ...local });
    expect(r.endpoints).toEqual(['192.168.56.11:6443']);
  });

  it('session affinity: with no history, every endpoint is reachable through the spread rules', () => {
    const r = tracePacket(text, { source: POD, destination: '10.96.40.40', port: 80, hook: 'PREROUTING', ...local });
    expect(r.endpoints).toEqual(['10.244.1.7:80', '10.244.2.7:80']);
  });

  it('every endpoint reachable over a larger generated ruleset', () => {
    const { services, slices } = manyServices(30, 4, { nodePort: true });
    const big = buildRuleset({ services, endpointSlices: slices, node: NODE, clusterCIDR: '10.244.0.0/16', partial: false }).text;
    for (let i = 0; i < 30; i++) {
      const ip = services[i].spec!.clusterIP!;
      const want = slices[i].endpoints!.map((e) => `${e.addresses[0]}:8080`).sort();
      expect(tracePacket(big, { source: POD, destination: ip, port: 80, hook: 'PREROUTING', ...local }).endpoints).toEqual(want);
      const np = services[i].spec!.ports![0].nodePort!;
      expect(tracePacket(big, { source: OFF_CLUSTER, destination: NODE.ips[0], port: np, hook: 'PREROUTING', ...local }).endpoints).toEqual(want);
    }
  });
});
