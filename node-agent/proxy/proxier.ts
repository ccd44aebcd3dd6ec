/**
 * The adapter around the pure ruleset: keeps the Services and EndpointSlices it is told about,
 * and syncs iptables through a bounded-frequency runner (upstream's iptables Proxier):
 *
 *   informer events -> caches -> runner.run() -- at most every --iptables-min-sync-period -->
 *   syncProxyRules(): [full: ensure jumps from built-in chains, iptables-save nat]
 *                     -> buildRuleset(previous state, partial?) -> iptables-restore --noflush
 *                     -> state, metrics, conntrack flushes for removed UDP endpoints
 *
 * A full sync runs at start, every --iptables-sync-period, after any failure and after node
 * changes; every other sync is partial (only changed per-service chains are written). A periodic
 * full resync never holds back a pending change: see chooseSync.
 */
import { KubeError } from '../../api/errors.js';
import type { Logger } from '../../api/client/log.js';
import { silentLogger } from '../../api/client/log.js';
import type { Conntrack } from './conntrack.js';
import type { Iptables } from './iptables.js';
import { supportsRandomFully } from './iptables.js';
import type { ProxyHealth, ProxyMetrics } from './metrics.js';
import {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  LABEL_SERVICE_NAME,
  type ProxyEndpointSlice,
  type ProxyService,
  serviceKey,
} from './model.js';
import { BoundedFrequencyRunner } from './runner.js';
import { joinArgs, tokenize } from './iptables-text.js';
import {
  JUMP_RULES,
  type Ruleset,
  type RulesetState,
  buildCleanup,
  buildRuleset,
  chainsInSave,
  jumpRuleArgs,
  staleConntrack,
} from './ruleset.js';

export interface ProxyNode {
  metadata: { name?: string; labels?: Record<string, string> };
  status?: { addresses?: Array<{ type?: string; address?: string }> };
}

export interface ProxierOptions {
  iptables: Iptables;
  conntrack?: Conntrack;
  nodeName: string;
  /** Node addresses (informational; updated from the Node object). */
  nodeIPs?: string[];
  clusterCIDR?: string;
  masqueradeAll?: boolean;
  nodePortAddresses?: string[];
  /** --iptables-min-sync-period (default 1 s). */
  minSyncPeriodMs?: number;
  /** --iptables-sync-period: full resync period (default 30 s). */
  syncPeriodMs?: number;
  /** Back-to-back syncs allowed before the minimum period applies (upstream: 2). */
  burstSyncs?: number;
  metrics?: ProxyMetrics;
  health?: ProxyHealth;
  logger?: Logger;
}

export interface SyncResult {
  ok: boolean;
  full: boolean;
  ruleset?: Ruleset;
  error?: Error;
  durationMs: number;
  /** Time in iptables-save and the jump checks (full syncs). */
  prepareMs?: number;
  /** Time building the ruleset. */
  buildMs?: number;
  /** Time in iptables-restore. */
  restoreMs?: number;
}

export class Proxier {
  private readonly services = new Map<string, ProxyService>();
  private readonly slices = new Map<string, ProxyEndpointSlice>();
  private servicesSynced = false;
  private slicesSynced = false;
  private needFullSync = true;
  private lastFullSync = 0;
  private state: RulesetState | undefined;
  private nodeLabels: Record<string, string> | undefined;
  private nodeIPs: string[];
  private randomFully: boolean | undefined;
  /** Trigger times (ms) of endpoint changes not yet programmed, by service key. */
  private pendingTriggers = new Map<string, number[]>();
  /** Services whose Service or EndpointSlices changed since the last successful sync. */
  private changed = new Set<string>();
  private readonly startedAt = Date.now();
  private syncing: Promise<SyncResult> | undefined;
  readonly runner: BoundedFrequencyRunner;
  readonly log: Logger;
  /** The last sync's outcome (for tests and the CLI). */
  lastResult: SyncResult | undefined;

  constructor(readonly opts: ProxierOptions) {
    this.log = opts.logger ?? silentLogger;
    this.nodeIPs = opts.nodeIPs ?? [];
    const syncPeriod = opts.syncPeriodMs ?? 30_000;
    this.runner = new BoundedFrequencyRunner('sync-runner', () => this.syncProxyRules().then(() => undefined), {
      minIntervalMs: opts.minSyncPeriodMs ?? 1000,
      maxIntervalMs: syncPeriod,
      burst: opts.burstSyncs ?? 2,
    });
  }

  get syncPeriodMs(): number {
    return this.opts.syncPeriodMs ?? 30_000;
  }

  /** State of the last successful sync. */
  get currentState(): RulesetState | undefined {
    return this.state;
  }

  isInitialized(): boolean {
    return this.servicesSynced && this.slicesSynced;
  }

  /** Start the periodic loop (the caller delivers the initial lists, then calls on*Synced). */
  start(): void {
    this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    await this.syncing;
  }

  /** Ask for a sync (merged with others by the runner). */
  sync(): void {
    this.opts.health?.queued();
    this.opts.metrics?.lastQueuedTimestamp.set(Date.now() / 1000);
    if (this.isInitialized()) this.runner.run();
  }

  // ---- event handlers ----

  onServiceAdd(svc: ProxyService): void {
    const key = serviceKey(svc.metadata.namespace, svc.metadata.name);
    this.services.set(key, svc);
    this.changed.add(key);
    this.sync();
  }
  onServiceUpdate(_old: ProxyService, svc: ProxyService): void {
    this.onServiceAdd(svc);
  }
  onServiceDelete(svc: ProxyService): void {
    const key = serviceKey(svc.metadata.namespace, svc.metadata.name);
    this.services.delete(key);
    this.changed.add(key);
    this.sync();
  }
  onServicesSynced(): void {
    this.servicesSynced = true;
    if (this.isInitialized()) this.runner.run();
  }

  onEndpointSliceAdd(slice: ProxyEndpointSlice): void {
    const key = serviceKey(slice.metadata.namespace, slice.metadata.name);
    const old = this.slices.get(key);
    if (old) this.changed.add(ownerOf(old));
    this.slices.set(key, slice);
    this.changed.add(ownerOf(slice));
    this.noteTrigger(slice);
    this.sync();
  }
  onEndpointSliceUpdate(_old: ProxyEndpointSlice, slice: ProxyEndpointSlice): void {
    this.onEndpointSliceAdd(slice);
  }
  onEndpointSliceDelete(slice: ProxyEndpointSlice): void {
    const key = serviceKey(slice.metadata.namespace, slice.metadata.name);
    const old = this.slices.get(key);
    if (old) this.changed.add(ownerOf(old));
    this.changed.add(ownerOf(slice));
    this.slices.delete(key);
    this.sync();
  }
  onEndpointSlicesSynced(): void {
    this.slicesSynced = true;
    if (this.isInitialized()) this.runner.run();
  }

  /** Our own Node changed: labels feed topology upstream, so a change forces a full sync. */
  onNode(node: ProxyNode | undefined): void {
    if (node && node.metadata.name !== this.opts.nodeName) return;
    const labels = node?.metadata.labels ?? {};
    const ips = (node?.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' && a.address).map((a) => a.address!);
    if (ips.length) this.nodeIPs = ips;
    if (this.nodeLabels && JSON.stringify(this.nodeLabels) === JSON.stringify(labels)) return;
    const first = this.nodeLabels === undefined;
    this.nodeLabels = { ...labels };
    if (!first) {
      this.needFullSync = true;
      this.sync();
    }
  }

  /** Force the next sync to be a full one (upstream's forceSyncProxyRules). */
  forceFullSync(): void {
    this.needFullSync = true;
    this.sync();
  }

  private noteTrigger(slice: ProxyEndpointSlice): void {
    const v = slice.metadata.annotations?.[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
    if (!v) return;
    const t = Date.parse(v);
    // Upstream ignores trigger times from before the proxy started (they were programmed by someone else).
    if (Number.isNaN(t) || t < this.startedAt) return;
    const key = ownerOf(slice);
    const list = this.pendingTriggers.get(key) ?? [];
    list.push(t);
    this.pendingTriggers.set(key, list);
  }

  // ---- the sync ----

  /** Run one sync now (the runner calls this; tests may too). Never throws. */
  syncProxyRules(): Promise<SyncResult> {
    if (this.syncing) return this.syncing.then(() => this.syncProxyRules());
    const p = this.doSync().finally(() => {
      if (this.syncing === p) this.syncing = undefined;
    });
    this.syncing = p;
    return p;
  }

  private async doSync(): Promise<SyncResult> {
    const start = performance.now();
    const now = Date.now();
    if (!this.isInitialized()) {
      return { ok: true, full: false, durationMs: 0 };
    }
    const kind = chooseSync({
      forced: this.needFullSync || !this.state,
      sinceFullMs: now - this.lastFullSync,
      periodMs: this.syncPeriodMs,
      pendingChanges: this.changed.size,
    });
    const full = kind === 'full';
    const ipt = this.opts.iptables;
    const triggers = this.pendingTriggers;
    this.pendingTriggers = new Map();
    try {
      let existing: Set<string> | undefined;
      if (full) {
        if (this.randomFully === undefined) {
          this.randomFully = supportsRandomFully(await ipt.version());
        }
        // Jumps from the built-in chains: read both tables once and add only what is missing
        // (upstream runs `iptables -C` for each; with a big table every call costs tens of ms).
        const natSave = await ipt.save('nat');
        const filterSave = await ipt.save('filter');
        const present = { nat: builtinRules(natSave), filter: builtinRules(filterSave) };
        for (const j of JUMP_RULES) {
          if (present[j.table].has(`${j.from} ${joinArgs(jumpRuleArgs(j))}`)) continue;
          await ipt.ensureChain(j.table, j.to);
          await ipt.ensureRule('prepend', j.table, j.from, jumpRuleArgs(j));
        }
        existing = chainsInSave(natSave);
      }
      const tBuild = performance.now();
      // Taken right before the (synchronous) build: later events land in the next set.
      const changed = this.changed;
      this.changed = new Set();
      const ruleset = buildRuleset({
        services: [...this.services.values()],
        endpointSlices: [...this.slices.values()],
        node: { name: this.opts.nodeName, ips: this.nodeIPs },
        clusterCIDR: this.opts.clusterCIDR,
        masqueradeAll: this.opts.masqueradeAll,
        nodePortAddresses: this.opts.nodePortAddresses,
        randomFully: this.randomFully,
        previous: this.state,
        existingNatChains: existing,
        partial: !full,
        changedServices: full ? undefined : changed,
      });
      const tRestore = performance.now();
      if (ruleset.text) await ipt.restore(ruleset.text);
      const tDone = performance.now();

      const conntrackActions = staleConntrack(this.state, ruleset.state);
      this.state = ruleset.state;
      this.needFullSync = false;
      if (full) this.lastFullSync = now;
      // The periodic full resync the change went ahead of comes at the next slot the rate limit gives.
      if (kind === 'partial-then-full') this.runner.retryAfter(this.opts.minSyncPeriodMs ?? 1000);
      const durationMs = performance.now() - start;
      this.observe(ruleset, full, durationMs, triggers);
      for (const a of conntrackActions) {
        try {
          await this.opts.conntrack?.clear(a);
        } catch (e) {
          this.log.warn('conntrack cleanup failed', { action: a, error: e as Error });
        }
      }
      this.log.info('synced iptables rules', { full, ...ruleset.stats, ms: Math.round(durationMs) });
      this.lastResult = {
        ok: true,
        full,
        ruleset,
        durationMs,
        prepareMs: tBuild - start,
        buildMs: tRestore - tBuild,
        restoreMs: tDone - tRestore,
      };
      return this.lastResult;
    } catch (e) {
      // Partial state may be lost: the next sync is a full one, soon.
      this.needFullSync = true;
      for (const [k, ts] of triggers) this.pendingTriggers.set(k, [...ts, ...(this.pendingTriggers.get(k) ?? [])]);
      this.opts.metrics?.restoreFailures.inc();
      if (!full) this.opts.metrics?.partialRestoreFailures.inc();
      const err = e instanceof Error ? e : new KubeError('InternalError', String(e), { code: 'ERR_NETWORK' });
      this.log.error('sync failed; full resync scheduled', { full, error: err });
      this.runner.retryAfter(Math.min(this.syncPeriodMs, Math.max(1000, this.opts.minSyncPeriodMs ?? 1000)));
      this.lastResult = { ok: false, full, error: err, durationMs: performance.now() - start };
      return this.lastResult;
    }
  }

  private observe(r: Ruleset, full: boolean, ms: number, triggers: Map<string, number[]>): void {
    this.opts.health?.updated();
    const m = this.opts.metrics;
    if (!m) return;
    m.syncProxyRules.observe(ms / 1000);
    (full ? m.syncFullProxyRules : m.syncPartialProxyRules).observe(ms / 1000);
    m.lastSyncTimestamp.set(Date.now() / 1000);
    m.rulesTotal.set({ table: 'filter' }, r.stats.filterRules);
    m.rulesTotal.set({ table: 'nat' }, r.stats.natRules);
    m.rulesLastSync.set({ table: 'filter' }, r.stats.filterRules);
    m.rulesLastSync.set({ table: 'nat' }, r.stats.natRulesWritten);
    const now = Date.now();
    for (const ts of triggers.values()) for (const t of ts) m.networkProgramming.observe(Math.max(0, now - t) / 1000);
  }
}

export type SyncKind = 'full' | 'partial' | 'partial-then-full';

/**
 * Which sync to run now. A full sync is forced at start, after a failure and after node changes,
 * and due every `periodMs`. When it is only due by the period and changes are waiting, the changes
 * go out first in a partial sync (milliseconds) and the full resync (a whole-table rewrite: 0.6-2 s
 * with nf_tables at 1,000 Services here) follows at the next slot, instead of every pending change
 * waiting for it; under constant churn it is held back for one more period at the most.
 */
export function chooseSync(s: { forced: boolean; sinceFullMs: number; periodMs: number; pendingChanges: number }): SyncKind {
  if (s.forced) return 'full';
  if (s.sinceFullMs < s.periodMs) return 'partial';
  if (s.pendingChanges > 0 && s.sinceFullMs < 2 * s.periodMs) return 'partial-then-full';
  return 'full';
}

/** "namespace/service" an EndpointSlice belongs to. */
function ownerOf(slice: ProxyEndpointSlice): string {
  return serviceKey(slice.metadata.namespace, slice.metadata.labels?.[LABEL_SERVICE_NAME]);
}

const BUILTIN = /^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /;

/** Rules of the built-in chains in iptables-save output, as "CHAIN args" with upstream's quoting. */
export function builtinRules(save: string): Set<string> {
  const out = new Set<string>();
  for (const line of save.split('\n')) {
    const m = BUILTIN.exec(line);
    if (!m) continue;
    out.add(`${m[1]} ${joinArgs(tokenize(line.slice(m[0].length)))}`);
  }
  return out;
}

/**
 * Remove everything the proxy made (upstream's CleanupLeftovers): the jumps from built-in chains,
 * then our chains in nat and filter. Returns the errors met (empty on success).
 */
export async function cleanupLeftovers(ipt: Iptables): Promise<Error[]> {
  const errors: Error[] = [];
  for (const j of JUMP_RULES) {
    try {
      // A rule may have been added twice by hand; delete until none is left.
      for (let i = 0; i < 10 && (await ipt.deleteRule(j.table, j.from, jumpRuleArgs(j))); i++);
    } catch (e) {
      errors.push(e as Error);
    }
  }
  try {
    const text = buildCleanup(await ipt.save('nat'), await ipt.save('filter'));
    if (text) await ipt.restore(text);
  } catch (e) {
    errors.push(e as Error);
  }
  return errors;
}
