/**
 * The proxy against the real iptables (nf_tables and legacy backends), inside network namespaces
 * this test creates and deletes; plus a real packet test: a ClusterIP and a NodePort answered by
 * an HTTP server in a "pod" namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { RealIptables, type Backend } from '../../../node-agent/proxy/iptables.js';
import { RealConntrack } from '../../../node-agent/proxy/conntrack.js';
import { Proxier, cleanupLeftovers } from '../../../node-agent/proxy/proxier.js';
import { tracePacket } from '../../../node-agent/proxy/tracer.js';
import { svcChainName } from '../../../node-agent/proxy/model.js';
import { checkRuleJumps } from '../../../node-agent/proxy/iptables-text.js';
import { CLUSTER_CIDR, goldenScenario, slice, svc } from '../../support/proxy-fixtures.js';
import { netnsDel, netnsPurge } from '../../support/host.js';
import { NS_PREFIX, addNs, inNs, nsPrefix, spawnInNs } from '../../support/proxy-netns.js';
import { need } from '../../support/deps.js';

const NODE_NS = `${NS_PREFIX}${process.pid}`;
const POD_NS = `${NS_PREFIX}${process.pid}-pod`;
const POD2_NS = `${NS_PREFIX}${process.pid}-pod2`;

/** iptables-save without comments and counters, for comparing states. */
function normalized(save: string): string {
  return save
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/, '[0:0]'))
    .join('\n');
}

function load(p: Proxier, services = goldenScenario().services, slices = goldenScenario().endpointSlices) {
  for (const s of services) p.onServiceAdd(s);
  for (const s of slices) p.onEndpointSliceAdd(s);
  p.onServicesSynced();
  p.onEndpointSlicesSynced();
}

beforeAll(() => {
  need('iptables', 'iptables-legacy', 'iptables-nft', 'conntrack', 'nsenter', 'ip', 'curl');
  netnsPurge(NS_PREFIX);
});

afterAll(() => {
  netnsDel(NODE_NS);
  netnsDel(POD_NS);
  netnsDel(POD2_NS);
});

describe.each<Backend>(['nft', 'legacy'])('real iptables (%s)', (backend) => {
  let ipt: RealIptables;
  beforeAll(() => {
    netnsDel(NODE_NS);
    addNs(NODE_NS);
    ipt = new RealIptables({ backend, prefix: nsPrefix(NODE_NS) });
  });

  it('applies a full ruleset; iptables-save shows the chains; traffic traced over the saved rules', async () => {
    const p = new Proxier({ iptables: ipt, nodeName: 'node01', clusterCIDR: CLUSTER_CIDR });
    load(p);
    const r = await p.syncProxyRules();
    expect(r.error?.message).toBeUndefined();
    expect(r.ok).toBe(true);
    const nat = await ipt.save('nat');
    const filter = await ipt.save('filter');
    expect(nat).toContain(':KUBE-SERVICES - [0:0]');
    expect(nat).toContain(`:${svcChainName('default/nginx', 'tcp')} - [0:0]`);
    expect(nat).toContain('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(nat).toMatch(/--probability 0\.5/);
    expect(filter).toMatch(/-A KUBE-SERVICES -d 10\.96\.30\.30\/32 -p tcp -m comment --comment "default\/empty:http has no endpoints" -m tcp --dport 8080 -j REJECT/);
    expect(checkRuleJumps(filter + nat)).toEqual([]);
    // The tracer reads iptables' own normalized output too.
    const t = tracePacket(filter + nat, { source: '10.244.1.50', destination: '10.96.10.10', port: 80, hook: 'PREROUTING', localIPs: ['192.168.56.21'] });
    expect(t.endpoints).toEqual(['10.244.1.2:80', '10.244.2.2:80']);
    const rej = tracePacket(filter + nat, { source: '10.244.1.50', destination: '10.96.30.30', port: 8080, hook: 'PREROUTING' });
    expect(rej.rejected).toBe(true);
  });

  it('re-applying (a restarted proxy, then a periodic full sync) leaves no duplicate', async () => {
    const before = normalized((await ipt.save('nat')) + (await ipt.save('filter')));
    const p = new Proxier({ iptables: ipt, nodeName: 'node01', clusterCIDR: CLUSTER_CIDR });
    load(p);
    expect((await p.syncProxyRules()).ok).toBe(true);
    p.forceFullSync();
    expect((await p.syncProxyRules()).ok).toBe(true);
    const after = normalized((await ipt.save('nat')) + (await ipt.save('filter')));
    expect(after).toBe(before);
    expect(after.split('\n').filter((l) => l.startsWith('-A PREROUTING')).length).toBe(1);
  });

  it('a partial sync changes one service; a hand flush of nat is repaired by the next full sync', async () => {
    const p = new Proxier({ iptables: ipt, nodeName: 'node01', clusterCIDR: CLUSTER_CIDR });
    const g = goldenScenario();
    load(p, g.services, g.endpointSlices);
    expect((await p.syncProxyRules()).full).toBe(true);
    p.onEndpointSliceUpdate(g.endpointSlices[1], slice('default', 'nginx', [{ port: 80 }], ['10.244.3.3']));
    const r = await p.syncProxyRules();
    expect(r.ok && !r.full).toBe(true);
    expect(r.ruleset!.writtenChains.length).toBe(2);
    const nat = await ipt.save('nat');
    expect(tracePacket(nat, { source: '10.244.1.50', destination: '10.96.10.10', port: 80, hook: 'PREROUTING' }).endpoints).toEqual(['10.244.3.3:80']);
    expect(tracePacket(nat, { source: '10.244.1.50', destination: '10.96.40.40', port: 80, hook: 'PREROUTING' }).endpoints.length).toBe(2);

    inNs(NODE_NS, `iptables-${backend}`, ['-t', 'nat', '-F']);
    expect(tracePacket(await ipt.save('nat'), { source: '10.244.1.50', destination: '10.96.10.10', port: 80, hook: 'PREROUTING' }).endpoints).toEqual([]);
    p.forceFullSync();
    expect((await p.syncProxyRules()).ok).toBe(true);
    expect(tracePacket(await ipt.save('nat'), { source: '10.244.1.50', destination: '10.96.10.10', port: 80, hook: 'PREROUTING' }).endpoints).toEqual(['10.244.3.3:80']);
  });

  it('--cleanup removes everything the proxy made', async () => {
    expect(await cleanupLeftovers(ipt)).toEqual([]);
    const all = (await ipt.save('nat')) + (await ipt.save('filter'));
    expect(all).not.toContain('KUBE-');
    expect(await cleanupLeftovers(ipt)).toEqual([]);
  });
});

describe('real packets through the rules (nf_tables)', () => {
  const servers: ChildProcess[] = [];
  const NODE_IP = '10.244.1.1';
  const POD_IP = '10.244.1.2';
  const NODE_IP2 = '10.244.2.1';
  const POD2_IP = '10.244.2.2';

  function startServer(ns: string, ip: string, name: string): Promise<void> {
    const server = spawnInNs(ns, process.execPath, [
      '-e',
      `require('http').createServer((q, s) => s.end('${name} ' + q.socket.remoteAddress)).listen(8080, '${ip}', () => console.log('up'))`,
    ]);
    servers.push(server);
    return new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', () => resolve());
      server.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });
  }

  beforeAll(async () => {
    netnsDel(NODE_NS);
    netnsDel(POD_NS);
    netnsDel(POD2_NS);
    addNs(NODE_NS);
    addNs(POD_NS);
    addNs(POD2_NS);
    const vethNode = `kpx${process.pid % 100000}n`;
    const vethPod = `kpx${process.pid % 100000}p`;
    inNs(NODE_NS, 'ip', ['link', 'add', vethNode, 'type', 'veth', 'peer', 'name', vethPod, 'netns', `/run/netns/${POD_NS}`]);
    inNs(NODE_NS, 'ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', vethNode]);
    inNs(NODE_NS, 'ip', ['link', 'set', vethNode, 'up']);
    inNs(POD_NS, 'ip', ['addr', 'add', `${POD_IP}/24`, 'dev', vethPod]);
    inNs(POD_NS, 'ip', ['link', 'set', vethPod, 'up']);
    inNs(POD_NS, 'ip', ['route', 'add', 'default', 'via', NODE_IP]);
    // The node needs a route for the service range (a real node has its default route).
    inNs(NODE_NS, 'ip', ['route', 'add', '10.96.0.0/16', 'dev', vethNode]);
    inNs(NODE_NS, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    // Service traffic leaves by the interface it came in on here (one veth): without this, the ICMP
    // redirect sent first uses up the per-host ICMP rate limit and the REJECT's port-unreachable is dropped.
    inNs(NODE_NS, 'sysctl', ['-qw', 'net.ipv4.conf.all.send_redirects=0', `net.ipv4.conf.${vethNode}.send_redirects=0`]);
    // A second pod, on its own veth and subnet.
    const vethNode2 = `kpx${process.pid % 100000}m`;
    const vethPod2 = `kpx${process.pid % 100000}q`;
    inNs(NODE_NS, 'ip', ['link', 'add', vethNode2, 'type', 'veth', 'peer', 'name', vethPod2, 'netns', `/run/netns/${POD2_NS}`]);
    inNs(NODE_NS, 'ip', ['addr', 'add', `${NODE_IP2}/24`, 'dev', vethNode2]);
    inNs(NODE_NS, 'ip', ['link', 'set', vethNode2, 'up']);
    inNs(POD2_NS, 'ip', ['addr', 'add', `${POD2_IP}/24`, 'dev', vethPod2]);
    inNs(POD2_NS, 'ip', ['link', 'set', vethPod2, 'up']);
    inNs(POD2_NS, 'ip', ['route', 'add', 'default', 'via', NODE_IP2]);
    await startServer(POD_NS, POD_IP, 'pod-a');
    await startServer(POD2_NS, POD2_IP, 'pod-b');
  });

  afterAll(() => {
    for (const s of servers) if (s.pid && s.exitCode === null) s.kill('SIGTERM');
    netnsDel(POD_NS);
    netnsDel(POD2_NS);
    netnsDel(NODE_NS);
  });

  it('ClusterIP from the node, NodePort on the node address, hairpin from the pod itself, REJECT without endpoints', async () => {
    const ipt = new RealIptables({ backend: 'nft', prefix: nsPrefix(NODE_NS) });
    const p = new Proxier({ iptables: ipt, conntrack: new RealConntrack({ prefix: nsPrefix(NODE_NS) }), nodeName: 'node01', clusterCIDR: '10.244.0.0/16' });
    load(
      p,
      [
        svc('default', 'web', '10.96.0.50', [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP' }], { type: 'NodePort' }),
        svc('default', 'empty', '10.96.0.51', [{ port: 80, protocol: 'TCP' }]),
      ],
      [slice('default', 'web', [{ name: 'http', port: 8080 }], [POD_IP])],
    );
    const r = await p.syncProxyRules();
    expect(r.error?.message).toBeUndefined();
    const curl = (ns: string, url: string) => inNs(ns, 'curl', ['-sS', '--max-time', '3', url]);
    // From the node (nat OUTPUT): the pod sees the node's address.
    expect(curl(NODE_NS, 'http://10.96.0.50/')).toBe(`pod-a ${NODE_IP}`);
    // NodePort on the node's address.
    expect(curl(NODE_NS, `http://${NODE_IP}:30080/`)).toMatch(/^pod-a /);
    // Hairpin: the pod reaches itself through its Service; masqueraded, so the reply finds its way.
    expect(curl(POD_NS, 'http://10.96.0.50/')).toBe(`pod-a ${NODE_IP}`);
    // No endpoints: refused at once, not a hang.
    const t0 = Date.now();
    expect(() => curl(POD_NS, 'http://10.96.0.51/')).toThrow(/refused|Couldn't connect/i);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await cleanupLeftovers(ipt)).toEqual([]);
  });

  it('40 requests to a ClusterIP reach both pods; after an endpoint change (partial sync) only the remaining one', async () => {
    const ipt = new RealIptables({ backend: 'nft', prefix: nsPrefix(NODE_NS) });
    const p = new Proxier({ iptables: ipt, nodeName: 'node01', clusterCIDR: '10.244.0.0/16' });
    const both = slice('default', 'spread', [{ port: 8080 }], [POD_IP, POD2_IP]);
    load(p, [svc('default', 'spread', '10.96.0.60', [{ port: 80, targetPort: 8080, protocol: 'TCP' }])], [both]);
    expect((await p.syncProxyRules()).ok).toBe(true);
    const hits = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const who = inNs(NODE_NS, 'curl', ['-sS', '--max-time', '3', 'http://10.96.0.60/']).split(' ')[0];
      hits.set(who, (hits.get(who) ?? 0) + 1);
    }
    expect([...hits.keys()].sort()).toEqual(['pod-a', 'pod-b']);

    p.onEndpointSliceUpdate(both, slice('default', 'spread', [{ port: 8080 }], [POD2_IP]));
    const r = await p.syncProxyRules();
    expect(r.ok && !r.full).toBe(true);
    for (let i = 0; i < 10; i++) {
      expect(inNs(NODE_NS, 'curl', ['-sS', '--max-time', '3', 'http://10.96.0.60/'])).toMatch(/^pod-b /);
    }
    expect(await cleanupLeftovers(ipt)).toEqual([]);
  });
});
