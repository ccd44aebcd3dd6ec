import { describe, expect, it } from 'vitest';
import { InProcessApi } from '../../support/in-process-api.js';
import { findResource } from '../../../api/resources.js';
import { parseDuration } from '../../../api/cli/flags.js';
import { USAGE, parseFlags, runProxy } from '../../../node-agent/proxy/main.js';
import { FakeIptables } from '../../../node-agent/proxy/iptables.js';
import { FakeConntrack } from '../../../node-agent/proxy/conntrack.js';
import type { Proxier } from '../../../node-agent/proxy/proxier.js';
import { tracePacket } from '../../../node-agent/proxy/tracer.js';
import { slice, svc } from '../../support/proxy-fixtures.js';
import { traceNetpol } from '../../../node-agent/netpol/tracer.js';
import { FakeIpset, parseIpsetSave } from '../../../node-agent/netpol/ipset.js';

const SERVICES = findResource('', 'services')!;
const SLICES = findResource('discovery.k8s.io', 'endpointslices')!;

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('flags', () => {
  it('parses upstream flag names and Go durations', () => {
    const f = parseFlags(['--kubeconfig', '/k', '--hostname-override=node01', '--cluster-cidr=10.244.0.0/16', '--iptables-min-sync-period=500ms', '--iptables-sync-period', '1m30s', '--masquerade-all', '--iptables-backend=legacy']);
    expect(f).toMatchObject({ kubeconfig: '/k', hostnameOverride: 'node01', clusterCIDR: '10.244.0.0/16', minSyncPeriodMs: 500, syncPeriodMs: 90_000, masqueradeAll: true, backend: 'legacy' });
    expect(parseFlags([])).toMatchObject({ minSyncPeriodMs: 1000, syncPeriodMs: 30_000, metricsBindAddress: '127.0.0.1:10249', healthzBindAddress: '0.0.0.0:10256' });
    expect(parseDuration('2')).toBe(2000);
    expect(() => parseDuration('1x')).toThrow(/invalid duration/);
    expect(() => parseFlags(['--nope'])).toThrow(/unknown flag: --nope/);
    expect(() => parseFlags(['--iptables-backend=xt'])).toThrow(/legacy, nft or auto/);
    expect(parseFlags(['--cleanup']).cleanup).toBe(true);
    expect(parseFlags(['--network-policy']).networkPolicy).toBe(true);
    expect(parseFlags([]).networkPolicy).toBe(false);
    expect(() => parseFlags(['--cluster-cidr=10.244.0.0'])).toThrow(/invalid --cluster-cidr/);
    expect(() => parseFlags(['--iptables-sync-period=0s'])).toThrow(/must be greater than 0/);
    expect(() => parseFlags(['node01'])).toThrow('"kubelab proxy" does not take any arguments, got ["node01"]');
  });

  it('keeps an empty bind address (it turns the server off); lists repeat; help', () => {
    const f = parseFlags(['--metrics-bind-address=', '--nodeport-addresses=10.0.0.1', '--nodeport-addresses', '10.0.0.2']);
    expect(f.metricsBindAddress).toBe('');
    expect(f.nodePortAddresses).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(parseFlags(['-h']).help).toBe(true);
    expect(USAGE).toContain('--iptables-sync-period duration');
    expect(USAGE).toContain('(default 30s)');
    expect(USAGE).toContain('help for proxy');
  });
});

describe('runProxy', () => {
  it('watches the API and programs rules; follows changes; --cleanup removes them', async () => {
    const client = new InProcessApi();
    await client.seed(SERVICES, { apiVersion: 'v1', kind: 'Service', ...svc('default', 'nginx', '10.96.10.10', [{ port: 80, protocol: 'TCP' }]) });
    const sl = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', ...slice('default', 'nginx', [{ port: 80 }], ['10.244.1.2', '10.244.2.2'], { name: 'nginx-x1' }) };
    await client.seed(SLICES, sl);
    const ipt = new FakeIptables();
    const ac = new AbortController();
    let proxier: Proxier | undefined;
    const done = runProxy(
      ['--hostname-override=node01', '--cluster-cidr=10.244.0.0/16', '--iptables-min-sync-period=0s', '--metrics-bind-address=', '--healthz-bind-address='],
      { client, iptables: ipt, conntrack: new FakeConntrack(), signal: ac.signal, onReady: (p) => (proxier = p) },
    );
    const reach = async () =>
      tracePacket(await ipt.dump(), { source: '10.244.1.9', destination: '10.96.10.10', port: 80, hook: 'PREROUTING' }).endpoints;
    await until(async () => (await reach()).length === 2);
    expect(proxier).toBeDefined();

    // Scale down: the slice changes, the rules follow.
    await client.update(SLICES, { ...sl, endpoints: sl.endpoints!.slice(0, 1) });
    await until(async () => (await reach()).length === 1);
    expect(await reach()).toEqual(['10.244.1.2:80']);

    // Service deleted: chains go away.
    await client.delete(SERVICES, 'default', 'nginx');
    await until(async () => !(await ipt.dump()).includes('KUBE-SVC-'));
    ac.abort();
    await done;

    await runProxy(['--cleanup'], { iptables: ipt, ipset: new FakeIpset() });
    expect(await ipt.dump()).not.toContain('KUBE-');
  });

  it('--network-policy: enforces NetworkPolicies for this node\'s pods within a second of a change, and removes its chains and sets on exit', async () => {
    const client = new InProcessApi();
    const PODS = findResource('', 'pods')!;
    const NP = findResource('networking.k8s.io', 'networkpolicies')!;
    const pod = (name: string, ip: string, node: string, role: string) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'default', name, labels: { role } }, spec: { nodeName: node, containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Running', podIP: ip },
    });
    await client.seed(PODS, pod('db', '10.244.1.10', 'node01', 'db'));
    await client.seed(PODS, pod('web', '10.244.2.20', 'node02', 'web'));
    const ipt = new FakeIptables();
    const ipset = new FakeIpset(() => ipt.save('filter'));
    const ac = new AbortController();
    const done = runProxy(['--hostname-override=node01', '--network-policy', '--metrics-bind-address=', '--healthz-bind-address='], { client, iptables: ipt, ipset, conntrack: new FakeConntrack(), signal: ac.signal });
    const verdict = async () => {
      const save = await ipt.save('filter');
      return save.includes('KUBE-NWPLCY-FORWARD') ? traceNetpol(save, { source: '10.244.2.20', destination: '10.244.1.10', port: 80 }, parseIpsetSave(await ipset.save())).verdict : 'none';
    };
    await until(async () => (await verdict()) === 'ACCEPT');
    const t0 = Date.now();
    await client.seed(NP, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'default', name: 'deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    await until(async () => (await verdict()) === 'REJECT');
    expect(Date.now() - t0).toBeLessThan(1000);
    // A peer by label: a set of its pods, matched by one rule.
    await client.seed(NP, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'default', name: 'web' }, spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'web' } } }] }] } });
    await until(async () => (await verdict()) === 'ACCEPT');
    expect((await ipset.listNames()).filter((n) => n.startsWith('KL-NP-'))).toHaveLength(1);
    ac.abort();
    await done;
    expect(await ipt.save('filter')).not.toMatch(/KUBE-NWPLCY|KUBE-POD-FW/);
    expect(await ipset.listNames()).toEqual([]);
  });
});
