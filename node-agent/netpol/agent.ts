/**
 * The network policy agent: keeps the caches of Pods, Namespaces and NetworkPolicies (fed by informers),
 * and on every change builds the ruleset (ruleset.ts, pure) and applies it: `ipset restore` of the peer sets
 * that changed (members swapped in atomically), one iptables-restore --noflush of our own chains, then
 * `ipset restore` destroying the sets no rule references any more. Full sync first (leftovers of a killed run,
 * chains and KL-NP-* sets, deleted), after a failure and every sync period; partial syncs (changed chains and
 * sets only) otherwise. Our FORWARD jump is kept first in
 * FORWARD, so no earlier ACCEPT (kube-proxy's KUBE-FORWARD accepts masquerade-marked traffic) skips it.
 * stop() removes the jump, every chain of ours, then every set of ours.
 */
import type { Logger } from '../../api/client/log.js';
import { parseRestore, argValue } from '../proxy/iptables-text.js';
import type { Iptables } from '../proxy/iptables.js';
import { BoundedFrequencyRunner } from '../proxy/runner.js';
import type { NetworkPolicy, Namespace, Pod, Relaxed } from '../../api/types/index.js';
import { type NetpolNamespace, type NetpolPod, type Policy, namespaceView, podView, policyKey } from './model.js';
import { FORWARD_JUMP, NETPOL_FORWARD_CHAIN, buildNetpolCleanup, buildNetpolRuleset, isNetpolChain, type NetpolState } from './ruleset.js';
import { type Ipset, buildIpsetDestroy, isNetpolSet } from './ipset.js';

export interface NetpolAgentOptions {
  iptables: Iptables;
  /** The peer sets' ipset (same network namespace as `iptables`). */
  ipset: Ipset;
  nodeName: string;
  /** Minimum time between syncs (default 100 ms: changes apply well within a second). */
  minSyncPeriodMs?: number;
  /** Full resync period (default 30 s). */
  syncPeriodMs?: number;
  logger?: Logger;
}

const key = (o: { metadata?: { namespace?: string; name?: string } | null }): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** Chains of ours in an iptables-save dump of the filter table. */
export function netpolChainsIn(save: string): string[] {
  const t = parseRestore(save).get('filter');
  return (t?.declared ?? []).map((d) => d.name).filter((c) => c === NETPOL_FORWARD_CHAIN || isNetpolChain(c));
}

/** Whether our jump is the first rule of FORWARD in an iptables-save dump. */
export function forwardJumpFirst(save: string): boolean {
  const first = parseRestore(save).get('filter')?.rules.find((r) => r.chain === 'FORWARD');
  return !!first && argValue(first.args, '-j') === NETPOL_FORWARD_CHAIN;
}

export class NetpolAgent {
  private readonly pods = new Map<string, NetpolPod>();
  private readonly namespaces = new Map<string, NetpolNamespace>();
  private readonly policies = new Map<string, Policy>();
  private state: NetpolState | undefined;
  private needFull = true;
  private synced = false;
  private lastFullAt = 0;
  private readonly runner: BoundedFrequencyRunner;
  /** Completed syncs (tests, logs) and the last one's counts. */
  syncs = 0;
  lastSync: { full: boolean; written: number; deleted: number; setsWritten: number; setsDeleted: number; sets: number; rules: number; isolatedPods: number; ms: number } | undefined;

  constructor(private readonly o: NetpolAgentOptions) {
    this.runner = new BoundedFrequencyRunner('netpol', () => this.sync(), {
      minIntervalMs: o.minSyncPeriodMs ?? 100,
      maxIntervalMs: o.syncPeriodMs ?? 30_000,
      burst: 2,
    });
  }

  onPod(p: Relaxed<Pod>): void {
    this.pods.set(key(p), podView(p));
    this.changed();
  }
  onPodDelete(p: Relaxed<Pod>): void {
    this.pods.delete(key(p));
    this.changed();
  }
  onNamespace(n: Relaxed<Namespace>): void {
    this.namespaces.set(n.metadata?.name ?? '', namespaceView(n));
    this.changed();
  }
  onNamespaceDelete(n: Relaxed<Namespace>): void {
    this.namespaces.delete(n.metadata?.name ?? '');
    this.changed();
  }
  onPolicy(np: Relaxed<NetworkPolicy>): void {
    this.policies.set(policyKey(np), np);
    this.changed();
  }
  onPolicyDelete(np: Relaxed<NetworkPolicy>): void {
    this.policies.delete(policyKey(np));
    this.changed();
  }

  /** All three caches are filled: syncs may start (before that an empty cache would open every pod). */
  onSynced(): void {
    this.synced = true;
    this.runner.run();
  }

  private changed(): void {
    if (this.synced) this.runner.run();
  }

  start(): void {
    this.runner.start();
  }

  /** One sync now (also what the runner calls). A failure makes the next sync full. */
  async sync(): Promise<void> {
    if (!this.synced) return;
    const t0 = Date.now();
    const full = this.needFull || this.state === undefined || t0 - this.lastFullAt >= (this.o.syncPeriodMs ?? 30_000);
    try {
      let existing: string[] = [];
      let existingSets: string[] = [];
      if (full) {
        const save = await this.o.iptables.save('filter');
        existing = netpolChainsIn(save);
        existingSets = (await this.o.ipset.listNames()).filter(isNetpolSet);
        if (!existing.includes(NETPOL_FORWARD_CHAIN)) await this.o.iptables.ensureChain('filter', NETPOL_FORWARD_CHAIN);
        if (!forwardJumpFirst(save)) {
          for (let i = 0; i < 10 && (await this.o.iptables.deleteRule('filter', 'FORWARD', FORWARD_JUMP)); i++);
          await this.o.iptables.ensureRule('prepend', 'filter', 'FORWARD', FORWARD_JUMP);
        }
      }
      const r = buildNetpolRuleset({
        nodeName: this.o.nodeName,
        pods: [...this.pods.values()],
        namespaces: [...this.namespaces.values()],
        policies: [...this.policies.values()],
        ...(full ? { existing, existingSets } : { previous: this.state, partial: true }),
      });
      // Sets first (new rules reference them), rules, then the sets no rule references any more.
      if (r.ipsetText) await this.o.ipset.restore(r.ipsetText);
      if (r.text) await this.o.iptables.restore(r.text);
      if (r.ipsetDestroyText) await this.o.ipset.restore(r.ipsetDestroyText);
      this.state = r.state;
      this.needFull = false;
      if (full) this.lastFullAt = t0;
      this.syncs++;
      this.lastSync = {
        full,
        written: r.written.length,
        deleted: r.deleted.length,
        setsWritten: r.setsWritten.length,
        setsDeleted: r.setsDeleted.length,
        sets: r.state.sets.size,
        rules: r.ruleCount,
        isolatedPods: r.isolatedPods,
        ms: Date.now() - t0,
      };
    } catch (e) {
      this.needFull = true;
      this.o.logger?.error('network policy sync failed; the next one is full', { error: (e as Error).message });
    }
  }

  /** Stop syncing and take every rule and chain of ours away. */
  async stop(): Promise<void> {
    await this.runner.stop();
    await cleanupNetpol(this.o.iptables, this.o.ipset);
  }
}

/** Remove our FORWARD jump, every chain of ours, then (no rule references them now) every set of ours (stop, and `--cleanup`). */
export async function cleanupNetpol(ipt: Iptables, ipset: Ipset): Promise<void> {
  for (let i = 0; i < 10 && (await ipt.deleteRule('filter', 'FORWARD', FORWARD_JUMP)); i++);
  const text = buildNetpolCleanup(netpolChainsIn(await ipt.save('filter')));
  if (text) await ipt.restore(text);
  const sets = buildIpsetDestroy((await ipset.listNames()).filter(isNetpolSet).sort());
  if (sets) await ipset.restore(sets);
}
