/**
 * The network policy agent over the in-memory iptables: nothing before the caches sync, then a full sync
 * (our jump first in FORWARD, a killed run's chains deleted), partial syncs of what changed, a policy's
 * verdict seen by the tracer over the applied rules and sets, a failed restore making the next sync full, a
 * pod coming and going changing set members only, sets filled before the rules that name them and destroyed
 * after, and stop() leaving no rule, chain or set of ours (and every other chain and set alone).
 */
import { describe, expect, it } from 'vitest';
import { FakeIptables } from '../../../node-agent/proxy/iptables.js';
import { NetpolAgent, cleanupNetpol, forwardJumpFirst, netpolChainsIn } from '../../../node-agent/netpol/agent.js';
import { FORWARD_JUMP, NETPOL_FORWARD_CHAIN } from '../../../node-agent/netpol/ruleset.js';
import { traceNetpol } from '../../../node-agent/netpol/tracer.js';
import { FakeIpset, parseIpsetSave } from '../../../node-agent/netpol/ipset.js';
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
  // Destroying a set a rule still names fails, as in the kernel.
  const ipset = new FakeIpset(() => ipt.save('filter'));
  // A killed run's sets (one with its temporary set) and another program's set.
  await ipset.restore('create KL-NP-LEFTOVER00000000 hash:ip family inet\ncreate KL-NP-LEFTOVER00000000-TMP hash:ip family inet\ncreate OTHER hash:net family inet\n');
  const a = new NetpolAgent({ iptables: ipt, ipset, nodeName: 'node01' });
  a.onNamespace({ metadata: { name: 'default', labels: {} } });
  a.onPod(pod('db', '10.244.1.10', { role: 'db' }));
  a.onPod(pod('frontend', '10.244.2.20', { role: 'frontend' }, 'node02'));
  a.onPod(pod('client', '10.244.2.21', { role: 'client' }, 'node02'));
  return { ipt, ipset, a };
}

const verdict = async (ipt: FakeIptables, ipset: FakeIpset, source: string, destination = '10.244.1.10') =>
  traceNetpol(await ipt.save('filter'), { source, destination, port: 80 }, parseIpsetSave(await ipset.save())).verdict;
const ours = async (ipset: FakeIpset) => (await ipset.listNames()).filter((n) => n.startsWith('KL-NP-')).sort();

describe('NetpolAgent', () => {
  it('does nothing before its caches synced; then a full sync puts its jump first and deletes leftovers', async () => {
    const { ipt, ipset, a } = await setup();
    a.onPolicy(denyAll);
    await a.sync();
    expect(a.syncs).toBe(0);
    a.onSynced();
    await a.sync();
    const save = await ipt.save('filter');
    expect(forwardJumpFirst(save)).toBe(true);
    expect(save).toContain('-A FORWARD -j KUBE-FORWARD'); // the other program's jump stays
    expect(netpolChainsIn(save)).not.toContain('KUBE-POD-FW-LEFTOVER0000000');
    expect(a.lastSync).toMatchObject({ full: true, isolatedPods: 1, setsDeleted: 2 });
    expect(await ours(ipset)).toEqual([]); // deny-all names no peers: no set; the leftovers are gone
    expect(await ipset.listNames()).toContain('OTHER');
    expect(await verdict(ipt, ipset, '10.244.2.21')).toBe('REJECT');
    expect(await verdict(ipt, ipset, '10.244.2.20')).toBe('REJECT');
  });

  it('a new policy is a partial sync that allows what it names', async () => {
    const { ipt, ipset, a } = await setup();
    a.onPolicy(denyAll);
    a.onSynced();
    await a.sync();
    a.onPolicy(allowFrontend);
    await a.sync();
    expect(a.lastSync).toMatchObject({ full: false, setsWritten: 1, sets: 1 });
    expect(await ours(ipset)).toHaveLength(1);
    expect(await verdict(ipt, ipset, '10.244.2.20')).toBe('ACCEPT');
    expect(await verdict(ipt, ipset, '10.244.2.21')).toBe('REJECT');
    a.onPolicyDelete(denyAll);
    a.onPolicyDelete(allowFrontend);
    await a.sync();
    expect(a.lastSync).toMatchObject({ full: false, setsDeleted: 1, sets: 0 });
    expect(await verdict(ipt, ipset, '10.244.2.21')).toBe('ACCEPT');
    expect(netpolChainsIn(await ipt.save('filter'))).toEqual([NETPOL_FORWARD_CHAIN]);
    expect(await ours(ipset)).toEqual([]);
  });

  it('a peer pod coming and going changes the set members, not the rules', async () => {
    const { ipt, ipset, a } = await setup();
    a.onPolicy(allowFrontend);
    a.onSynced();
    await a.sync();
    const rulesBefore = await ipt.save('filter');
    expect(await verdict(ipt, ipset, '10.244.2.22')).toBe('REJECT');
    a.onPod(pod('frontend-2', '10.244.2.22', { role: 'frontend' }, 'node02'));
    await a.sync();
    expect(a.lastSync).toMatchObject({ full: false, written: 0, deleted: 0, setsWritten: 1 });
    expect(await ipt.save('filter')).toBe(rulesBefore);
    expect(await verdict(ipt, ipset, '10.244.2.22')).toBe('ACCEPT');
    // The temporary set of the swap is gone.
    expect(await ours(ipset)).toHaveLength(1);
    a.onPodDelete(pod('frontend-2', '10.244.2.22', { role: 'frontend' }, 'node02'));
    await a.sync();
    expect(a.lastSync).toMatchObject({ written: 0, setsWritten: 1 });
    expect(await verdict(ipt, ipset, '10.244.2.22')).toBe('REJECT');
  });

  it('a failed ipset restore writes no rule naming a missing set, and the next sync is full', async () => {
    const { ipt, ipset, a } = await setup();
    a.onSynced();
    await a.sync();
    ipset.failNextRestore = 'ipset v7.17: Kernel error received: Operation not permitted';
    a.onPolicy(allowFrontend);
    await a.sync();
    expect(await ipt.save('filter')).not.toContain('--match-set');
    await a.sync();
    expect(a.lastSync).toMatchObject({ full: true });
    expect(await verdict(ipt, ipset, '10.244.2.20')).toBe('ACCEPT');
  });

  it('a failed restore makes the next sync full', async () => {
    const { ipt, ipset, a } = await setup();
    a.onSynced();
    await a.sync();
    ipt.failNextRestore = 'iptables-restore: line 3 failed';
    a.onPolicy(denyAll);
    await a.sync();
    expect(await verdict(ipt, ipset, '10.244.2.21')).toBe('ACCEPT');
    await a.sync();
    expect(a.lastSync).toMatchObject({ full: true });
    expect(await verdict(ipt, ipset, '10.244.2.21')).toBe('REJECT');
  });

  it('stop() and cleanup take every rule, chain and set of ours away, and nothing else', async () => {
    const { ipt, ipset, a } = await setup();
    a.onPolicy(denyAll);
    a.onPolicy(allowFrontend);
    a.onSynced();
    await a.sync();
    expect(await ours(ipset)).toHaveLength(1);
    await a.stop();
    const save = await ipt.save('filter');
    expect(netpolChainsIn(save)).toEqual([]);
    expect(save).not.toContain(FORWARD_JUMP.at(-1)!);
    expect(save).toContain(':KUBE-FORWARD');
    expect(await ipset.listNames()).toEqual(['OTHER']);
    await cleanupNetpol(ipt, ipset); // twice is fine
  });
});
