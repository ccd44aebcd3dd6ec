/**
 * The network policy agent over the in-memory iptables: nothing before the caches sync, then a full sync
 * (our jump first in FORWARD, a killed run's chains deleted), partial syncs of what changed, a policy's
 * verdict seen by the tracer over the applied rules, a failed restore making the next sync full, and stop()
 * leaving no rule or chain of ours (and every other chain alone).
 */
import { describe, expect, it } from 'vitest';
import { FakeIptables } from '../../../node-agent/proxy/iptables.js';
import { NetpolAgent, cleanupNetpol, forwardJumpFirst, netpolChainsIn } from '../../../node-agent/netpol/agent.js';
import { FORWARD_JUMP, NETPOL_FORWARD_CHAIN } from '../../../node-agent/netpol/ruleset.js';
import { traceNetpol } from '../../../node-agent/netpol/tracer.js';
import type { NetworkPolicy, Pod, Relaxed } from '../../../api/types/index.js';

const pod = (name: string, ip: string, labels: Record<string, string>, node = 'node01'): Relaxed<Pod> => ({
  metadata: { namespace: 'default', name, labels }, spec: { nodeName: node, containers: [] }, status: { podIP: ip, phase: 'Running' },
});
const denyAll: Relaxed<NetworkPolicy> = { metadata: { namespace: 'default', name: 'deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
const allowFrontend: Relaxed<NetworkPolicy> = {
  metadata: { namespace: 'default', name: 'allow-frontend' },
  spec: { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }] }] },
};

async function setup() {
  const ipt = new FakeIptables();
  // What another program (kube-proxy) keeps in filter: its chain and its FORWARD jump, first.
  await ipt.ensureChain('filter', 'KUBE-FORWARD');
  await ipt.ensureRule('prepend', 'filter', 'FORWARD', ['-j', 'KUBE-FORWARD']);
  // A killed run's leftover.
  await ipt.ensureChain('filter', 'KUBE-POD-FW-LEFTOVER0000000');
  const a = new NetpolAgent({ iptables: ipt, nodeName: 'node01' });
  a.onNamespace({ metadata: { name: 'default', labels: {} } });
  a.onPod(pod('db', '10.244.1.10', { role: 'db' }));
  a.onPod(pod('frontend', '10.244.2.20', { role: 'frontend' }, 'node02'));
  a.onPod(pod('client', '10.244.2.21', { role: 'client' }, 'node02'));
  return { ipt, a };
}

const verdict = async (ipt: FakeIptables, source: string, destination = '10.244.1.10') =>
  traceNetpol(await ipt.save('filter'), { source, destination, port: 80 }).verdict;

describe('NetpolAgent', () => {
  it('does nothing before its caches synced; then a full sync puts its jump first and deletes leftovers', async () => {
    const { ipt, a } = await setup();
    a.onPolicy(denyAll);
    await a.sync();
    expect(a.syncs).toBe(0);
    a.onSynced();
    await a.sync();
    const save = await ipt.save('filter');
    expect(forwardJumpFirst(save)).toBe(true);
    expect(save).toContain('-A FORWARD -j KUBE-FORWARD'); // the other program's jump stays
    expect(netpolChainsIn(save)).not.toContain('KUBE-POD-FW-LEFTOVER0000000');
    expect(a.lastSync).toMatchObject({ full: true, isolatedPods: 1 });
    expect(await verdict(ipt, '10.244.2.21')).toBe('REJECT');
    expect(await verdict(ipt, '10.244.2.20')).toBe('REJECT');
  });

  it('a new policy is a partial sync that allows what it names', async () => {
    const { ipt, a } = await setup();
    a.onPolicy(denyAll);
    a.onSynced();
    await a.sync();
    a.onPolicy(allowFrontend);
    await a.sync();
    expect(a.lastSync).toMatchObject({ full: false });
    expect(await verdict(ipt, '10.244.2.20')).toBe('ACCEPT');
    expect(await verdict(ipt, '10.244.2.21')).toBe('REJECT');
    a.onPolicyDelete(denyAll);
    a.onPolicyDelete(allowFrontend);
    await a.sync();
    expect(await verdict(ipt, '10.244.2.21')).toBe('ACCEPT');
    expect(netpolChainsIn(await ipt.save('filter'))).toEqual([NETPOL_FORWARD_CHAIN]);
  });

  it('a failed restore makes the next sync full', async () => {
    const { ipt, a } = await setup();
    a.onSynced();
    await a.sync();
    ipt.failNextRestore = 'iptables-restore: line 3 failed';
    a.onPolicy(denyAll);
    await a.sync();
    expect(await verdict(ipt, '10.244.2.21')).toBe('ACCEPT');
    await a.sync();
    expect(a.lastSync).toMatchObject({ full: true });
    expect(await verdict(ipt, '10.244.2.21')).toBe('REJECT');
  });

  it('stop() and cleanup take every rule and chain of ours away, and nothing else', async () => {
    const { ipt, a } = await setup();
    a.onPolicy(denyAll);
    a.onSynced();
    await a.sync();
    await a.stop();
    const save = await ipt.save('filter');
    expect(netpolChainsIn(save)).toEqual([]);
    expect(save).not.toContain(FORWARD_JUMP.at(-1)!);
    expect(save).toContain(':KUBE-FORWARD');
    await cleanupNetpol(ipt); // twice is fine
  });
});
