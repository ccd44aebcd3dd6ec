import { afterEach, describe, expect, it, vi } from 'vitest';
import { Proxier, chooseSync, cleanupLeftovers } from '../../../node-agent/proxy/proxier.js';
import { FakeIptables } from '../../../node-agent/proxy/iptables.js';
import { FakeConntrack } from '../../../node-agent/proxy/conntrack.js';
import { ProxyHealth, ProxyMetrics } from '../../../node-agent/proxy/metrics.js';
import { tracePacket } from '../../../node-agent/proxy/tracer.js';
import { checkRuleJumps } from '../../../node-agent/proxy/iptables-text.js';
import { svcChainName } from '../../../node-agent/proxy/model.js';
import { CLUSTER_CIDR, NODE, goldenScenario, manyServices, slice, svc } from '../../support/proxy-fixtures.js';

function setup(opts: Partial<ConstructorParameters<typeof Proxier>[0]> = {}) {
  const ipt = new FakeIptables();
  const ct = new FakeConntrack();
  const metrics = new ProxyMetrics();
  const health = new ProxyHealth(60_000);
  const p = new Proxier({ iptables: ipt, conntrack: ct, nodeName: NODE.name, clusterCIDR: CLUSTER_CIDR, metrics, health, ...opts });
  return { ipt, ct, metrics, health, p };
}

function load(p: Proxier, services = goldenScenario().services, slices = goldenScenario().endpointSlices) {
  for (const s of services) p.onServiceAdd(s);
  for (const s of slices) p.onEndpointSliceAdd(s);
  p.onServicesSynced();
  p.onEndpointSlicesSynced();
}

const trace = async (ipt: FakeIptables, destination: string, port: number) =>
  tracePacket(await ipt.dump(), { source: '10.244.1.50', destination, port, hook: 'PREROUTING', localIPs: NODE.ips });

afterEach(() => vi.useRealTimers());

describe('Proxier', () => {
  it('does not sync before both caches are synced', async () => {
    const { ipt, p } = setup();
    p.onServiceAdd(goldenScenario().services[0]);
    p.onServicesSynced();
    await p.syncProxyRules();
    expect(ipt.restores).toEqual([]);
  });

  it('first sync is full: jumps added once, rules applied, traffic reaches endpoints', async () => {
    const { ipt, p } = setup();
    load(p);
    const r = await p.syncProxyRules();
    expect(r.ok && r.full).toBe(true);
    expect(ipt.rulesOf('nat', 'PREROUTING')).toEqual(['-m comment --comment "kubernetes service portals" -j KUBE-SERVICES']);
    expect(ipt.rulesOf('nat', 'POSTROUTING')).toEqual(['-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING']);
    expect(ipt.rulesOf('filter', 'FORWARD')!.length).toBe(4);
    expect((await trace(ipt, '10.96.10.10', 80)).endpoints).toEqual(['10.244.1.2:80', '10.244.2.2:80']);
    // A second full sync (a restart, or the periodic one) adds no duplicate jump.
    p.forceFullSync();
    expect((await p.syncProxyRules()).full).toBe(true);
    expect(ipt.rulesOf('nat', 'PREROUTING')!.length).toBe(1);
    expect(ipt.rulesOf('filter', 'INPUT')!.length).toBe(3);
  });

  it('a new proxier on the same iptables (restart) converges without duplicates and drops stale chains', async () => {
    const { ipt, p } = setup();
    load(p);
    await p.syncProxyRules();
    const before = await ipt.dump();
    // Restart with one service fewer.
    const p2 = new Proxier({ iptables: ipt, nodeName: NODE.name, clusterCIDR: CLUSTER_CIDR });
    const g = goldenScenario();
    load(p2, g.services.filter((s) => s.metadata.name !== 'nginx'), g.endpointSlices);
    const r = await p2.syncProxyRules();
    expect(r.ok).toBe(true);
    const after = await ipt.dump();
    expect(after).not.toContain(svcChainName('default/nginx', 'tcp'));
    expect(before).toContain(svcChainName('default/nginx', 'tcp'));
    expect(ipt.rulesOf('nat', 'PREROUTING')!.length).toBe(1);
    expect(checkRuleJumps(after)).toEqual([]);
  });

  it('later syncs are partial and write only what changed', async () => {
    const { ipt, p, metrics } = setup();
    const { services, slices } = manyServices(20, 3);
    load(p, services, slices);
    await p.syncProxyRules();
    const changed = slice('bench', 'svc-3', [{ name: 'http', port: 8080 }], ['10.244.99.1', '10.244.99.2', '10.244.99.3']);
    p.onEndpointSliceUpdate(slices[3], changed);
    const r = await p.syncProxyRules();
    expect(r.full).toBe(false);
    const svc3 = svcChainName('bench/svc-3:http', 'tcp');
    expect(r.ruleset!.writtenChains).toContain(svc3);
    expect(r.ruleset!.writtenChains.length).toBe(4);
    expect(r.ruleset!.stats.servicePortsGenerated).toBe(1);
    expect(r.ruleset!.deletedChains.length).toBe(3);
    // The restore text carries no other service's chain.
    const last = ipt.restores[ipt.restores.length - 1];
    expect(last).not.toContain(`:${svcChainName('bench/svc-4:http', 'tcp')} `);
    expect(last).not.toContain(`-A ${svcChainName('bench/svc-4:http', 'tcp')} `);
    expect(last).toContain(`:${svc3} `);
    expect((await trace(ipt, services[3].spec!.clusterIP!, 80)).endpoints).toEqual(['10.244.99.1:8080', '10.244.99.2:8080', '10.244.99.3:8080']);
    expect((await trace(ipt, services[4].spec!.clusterIP!, 80)).endpoints.length).toBe(3);
    const text = await metrics.text();
    expect(text).toMatch(/kubeproxy_sync_partial_proxy_rules_duration_seconds_count 1/);
    expect(text).toMatch(/kubeproxy_sync_full_proxy_rules_duration_seconds_count 1/);
  });

  it('a failed restore makes the next sync full, and it repairs a hand-flushed nat table', async () => {
    const { ipt, p, metrics } = setup();
    load(p);
    await p.syncProxyRules();
    ipt.failNextRestore = 'boom';
    p.onServiceDelete(goldenScenario().services[1]);
    const failed = await p.syncProxyRules();
    expect(failed.ok).toBe(false);
    expect(await metrics.text()).toMatch(/kubeproxy_sync_proxy_rules_iptables_restore_failures_total 1/);
    const next = await p.syncProxyRules();
    expect(next.ok && next.full).toBe(true);

    // `iptables -t nat -F` by hand: a partial sync does not notice, the next full one repairs.
    ipt.flushTable('nat');
    expect((await trace(ipt, '10.96.40.40', 80)).endpoints).toEqual([]);
    p.forceFullSync();
    await p.syncProxyRules();
    expect((await trace(ipt, '10.96.40.40', 80)).endpoints).toEqual(['10.244.1.7:80', '10.244.2.7:80']);
    expect(ipt.rulesOf('nat', 'PREROUTING')!.length).toBe(1);
  });

  it('a full sync is due once the sync period has passed', async () => {
    vi.useFakeTimers();
    const { p } = setup({ syncPeriodMs: 30_000 });
    load(p);
    expect((await p.syncProxyRules()).full).toBe(true);
    expect((await p.syncProxyRules()).full).toBe(false);
    vi.advanceTimersByTime(30_001);
    expect((await p.syncProxyRules()).full).toBe(true);
  });

  it('a periodic full resync does not hold back a waiting change: partial first, then the full one', async () => {
    vi.useFakeTimers();
    const { p, ipt } = setup({ syncPeriodMs: 30_000, minSyncPeriodMs: 1000 });
    const { services, slices } = manyServices(20, 3);
    load(p, services, slices);
    expect((await p.syncProxyRules()).full).toBe(true);
    vi.advanceTimersByTime(30_001);
    p.start();
    const restores = ipt.restores.length;
    // The event runs a sync at once (the runner has tokens): a partial one, though the period has passed.
    p.onEndpointSliceUpdate(slices[3], slice('bench', 'svc-3', [{ name: 'http', port: 8080 }], ['10.244.99.1']));
    await vi.advanceTimersByTimeAsync(0);
    expect(ipt.restores.length).toBe(restores + 1);
    expect(p.lastResult).toMatchObject({ ok: true, full: false });
    expect((await trace(ipt, services[3].spec!.clusterIP!, 80)).endpoints).toEqual(['10.244.99.1:8080']);
    // The full resync follows at the next slot the minimum sync period gives.
    await vi.advanceTimersByTimeAsync(999);
    expect(ipt.restores.length).toBe(restores + 1);
    await vi.advanceTimersByTimeAsync(1);
    await p.stop(); // waits for the run in progress
    expect(ipt.restores.length).toBe(restores + 2);
    expect(p.lastResult).toMatchObject({ ok: true, full: true });
  });

  it.each([
    ['forced (start, failure, node change)', { forced: true, sinceFullMs: 0, pendingChanges: 0 }, 'full'],
    ['forced, with changes waiting', { forced: true, sinceFullMs: 5_000, pendingChanges: 3 }, 'full'],
    ['within the period', { forced: false, sinceFullMs: 29_999, pendingChanges: 1 }, 'partial'],
    ['within the period, nothing waiting', { forced: false, sinceFullMs: 10_000, pendingChanges: 0 }, 'partial'],
    ['period passed, nothing waiting', { forced: false, sinceFullMs: 30_000, pendingChanges: 0 }, 'full'],
    ['period passed, a change waiting', { forced: false, sinceFullMs: 30_000, pendingChanges: 1 }, 'partial-then-full'],
    ['held back almost a whole period more', { forced: false, sinceFullMs: 59_999, pendingChanges: 5 }, 'partial-then-full'],
    ['held back a whole period more: full regardless', { forced: false, sinceFullMs: 60_000, pendingChanges: 5 }, 'full'],
  ] as const)('chooseSync: %s', (_name, s, want) => {
    expect(chooseSync({ periodMs: 30_000, ...s })).toBe(want);
  });

  it('the runner merges a burst of events into few syncs', async () => {
    vi.useFakeTimers();
    const { ipt, p } = setup({ minSyncPeriodMs: 1000, burstSyncs: 1 });
    p.start();
    load(p);
    await vi.advanceTimersByTimeAsync(0);
    const after = ipt.restores.length;
    expect(after).toBe(1);
    for (let i = 0; i < 50; i++) p.onServiceAdd(svc('burst', `s${i}`, `10.96.100.${i + 1}`, [{ port: 80, protocol: 'TCP' }]));
    await vi.advanceTimersByTimeAsync(999);
    expect(ipt.restores.length).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(ipt.restores.length).toBe(2);
    expect(ipt.restores[1]).toContain('burst/s49 has no endpoints');
    await p.stop();
  });

  it('flushes conntrack for removed UDP endpoints', async () => {
    const { ct, p } = setup();
    const dns = svc('kube-system', 'dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }]);
    const two = slice('kube-system', 'dns', [{ name: 'dns', port: 53, protocol: 'UDP' }], ['10.244.0.2', '10.244.0.3']);
    load(p, [dns], [two]);
    await p.syncProxyRules();
    expect(ct.cleared).toEqual([]);
    p.onEndpointSliceUpdate(two, slice('kube-system', 'dns', [{ name: 'dns', port: 53, protocol: 'UDP' }], ['10.244.0.3']));
    await p.syncProxyRules();
    expect(ct.cleared).toEqual([{ kind: 'nat', origDst: '10.96.0.10', dstNat: '10.244.0.2', protocol: 'udp' }]);
  });

  it('records network programming latency from the trigger-time annotation', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const { p, metrics } = setup();
    load(p);
    await p.syncProxyRules();
    vi.setSystemTime(new Date('2026-01-01T00:00:10Z'));
    const trig = new Date('2026-01-01T00:00:09.500Z').toISOString();
    p.onEndpointSliceUpdate(
      goldenScenario().endpointSlices[1],
      slice('default', 'nginx', [{ port: 80 }], ['10.244.1.2'], { name: 'nginx-abcde', annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': trig } }),
    );
    await p.syncProxyRules();
    const text = await metrics.text();
    expect(text).toMatch(/kubeproxy_network_programming_duration_seconds_count 1/);
    expect(text).toMatch(/kubeproxy_network_programming_duration_seconds_sum 0\.5/);
    expect(text).toMatch(/kubeproxy_network_programming_duration_seconds_bucket\{le="0.5"\} 1/);
  });

  it('a node label change forces a full sync', async () => {
    const { p } = setup();
    load(p);
    p.onNode({ metadata: { name: NODE.name, labels: { a: '1' } } });
    await p.syncProxyRules();
    expect((await p.syncProxyRules()).full).toBe(false);
    p.onNode({ metadata: { name: 'other', labels: { a: '2' } } });
    expect((await p.syncProxyRules()).full).toBe(false);
    p.onNode({ metadata: { name: NODE.name, labels: { a: '2' } } });
    expect((await p.syncProxyRules()).full).toBe(true);
  });

  it('health: unhealthy when a queued update is not applied within the timeout', () => {
    const h = new ProxyHealth(1000);
    expect(h.healthy(0)).toBe(true);
    h.queued(100);
    expect(h.healthy(900)).toBe(true);
    expect(h.healthy(1200)).toBe(false);
    h.updated(1300);
    expect(h.healthy(5000)).toBe(true);
  });

  it('cleanupLeftovers removes every jump and chain the proxy made, and nothing else', async () => {
    const { ipt, p } = setup();
    await ipt.ensureChain('nat', 'CNI-KEEP');
    await ipt.ensureRule('append', 'nat', 'POSTROUTING', ['-j', 'CNI-KEEP']);
    load(p);
    await p.syncProxyRules();
    expect(await cleanupLeftovers(ipt)).toEqual([]);
    const dump = await ipt.dump();
    expect(dump).not.toMatch(/KUBE-/);
    expect(dump).toContain(':CNI-KEEP');
    expect(ipt.rulesOf('nat', 'POSTROUTING')).toEqual(['-j CNI-KEEP']);
    // Idempotent.
    expect(await cleanupLeftovers(ipt)).toEqual([]);
  });

  it('every rule the proxier leaves in the fake jumps to an existing chain, across many partial syncs', async () => {
    const { ipt, p } = setup();
    const { services, slices } = manyServices(15, 2, { nodePort: true });
    load(p, services, slices);
    await p.syncProxyRules();
    let seed = 3;
    const rnd = (n: number) => ((seed = (seed * 48271) % 2147483647), seed % n);
    for (let round = 0; round < 30; round++) {
      const i = rnd(15);
      const op = rnd(3);
      if (op === 0) p.onServiceDelete(services[i]);
      else if (op === 1) p.onServiceAdd(services[i]);
      else p.onEndpointSliceUpdate(slices[i], slice('bench', `svc-${i}`, [{ name: 'http', port: 8080 }], Array.from({ length: rnd(4) }, (_, k) => `10.244.50.${10 * i + k}`)));
      const r = await p.syncProxyRules();
      expect(r.ok).toBe(true);
      expect(checkRuleJumps(await ipt.dump())).toEqual([]);
    }
  });
});
