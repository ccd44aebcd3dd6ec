/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package
 * (what kube-scheduler and kube-controller-manager run with --leader-elect).
 *
 *   acquire: every retryPeriod (jittered x1.2) try to take the lease: create it if missing, or update
 *            it when it is free (empty holder) or expired (no change observed for leaseDuration)
 *   lead:    onStartedLeading(signal) is called (not awaited); every retryPeriod renew renewTime;
 *            a renew that does not succeed within renewDeadline means leadership is lost:
 *            the signal aborts and onStoppedLeading() runs
 *   release: when run()'s signal aborts and releaseOnCancel is set, the holder is cleared so another
 *            candidate takes over at once instead of waiting for expiry
 *
 * Every write carries the lease's resourceVersion (optimistic concurrency: a 409 means "someone else
 * wrote first, try again later"). Expiry is judged on the local clock from when this candidate last saw
 * the record change, not from renewTime, so clock skew between hosts does not matter.
 * Unlike client-go, onStoppedLeading runs only if leadership was actually held.
 */

import { microTime } from '../time.js';
import { KubeError, isKubeError } from '../errors.js';
import { findResource, type ResourceInfo } from '../resources.js';
import type { Lease, Relaxed } from '../types/index.js';
import type { ApiClient } from './api-client.js';
import { consoleLogger, type Logger } from './log.js';
import { sleepUnlessAborted } from './rate-limit.js';

/** The Lease as the elector reads and writes it (a view of the API type). */
type LeaseView = Relaxed<Lease>;

export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions: number;
}

export interface LeaderElectionOptions {
  /** Lease name, e.g. `kube-scheduler`. */
  lockName: string;
  /** Lease namespace; default `kube-system`. */
  lockNamespace?: string;
  /** This candidate's identity (upstream: `<hostname>_<uuid>`). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Clear the holder when run()'s signal aborts. Default true. */
  releaseOnCancel?: boolean;
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  onStoppedLeading?: () => void;
  /** Called when the observed leader changes (including to us). */
  onNewLeader?: (identity: string) => void;
  logger?: Logger;
  /** Clock (ms), for tests. */
  now?: () => number;
}

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
const JITTER_FACTOR = 1.2;

/** metav1.MicroTime's RFC 3339 form (api/time.ts), re-exported for the lease's users. */
export { microTime };

function leasesResource(): ResourceInfo {
  const info = findResource('coordination.k8s.io', 'leases');
  if (!info) throw new KubeError('InternalError', 'leases missing from RESOURCES');
  return info;
}

/** What a candidate has seen of the lock: the last record and when (its local clock) it changed. */
export interface Observation {
  raw: string;
  record: LeaderElectionRecord;
  atMs: number;
}

export type Decision =
  | { action: 'create'; record: LeaderElectionRecord }
  | { action: 'update'; record: LeaderElectionRecord }
  | { action: 'wait'; holder: string };

/**
 * The core of tryAcquireOrRenew, pure: given the lease's current record (undefined if no lease), what
 * this candidate observed before, the identity and the time, decide what to write.
 * Returns the decision and the updated observation.
 */
export function decideLease(input: {
  current: LeaderElectionRecord | undefined;
  observed: Observation | undefined;
  identity: string;
  nowMs: number;
  leaseDurationMs: number;
}): { decision: Decision; observed: Observation | undefined } {
  const { current, identity, nowMs, leaseDurationMs } = input;
  const now = microTime(nowMs);
  const fresh: LeaderElectionRecord = {
    holderIdentity: identity,
    leaseDurationSeconds: Math.max(1, Math.round(leaseDurationMs / 1000)),
    acquireTime: now,
    renewTime: now,
    leaseTransitions: 0,
  };
  if (!current) return { decision: { action: 'create', record: fresh }, observed: input.observed };
  let observed = input.observed;
  const raw = JSON.stringify(current);
  if (!observed || observed.raw !== raw) observed = { raw, record: current, atMs: nowMs };
  const iAmLeader = observed.record.holderIdentity === identity;
  const valid = observed.atMs + (current.leaseDurationSeconds || leaseDurationMs / 1000) * 1000 > nowMs;
  if (current.holderIdentity && valid && !iAmLeader) {
    return { decision: { action: 'wait', holder: current.holderIdentity }, observed };
  }
  const record: LeaderElectionRecord = iAmLeader
    ? { ...fresh, acquireTime: current.acquireTime ?? now, leaseTransitions: current.leaseTransitions ?? 0 }
    : { ...fresh, leaseTransitions: (current.leaseTransitions ?? 0) + 1 };
  return { decision: { action: 'update', record }, observed };
}

function recordOf(lease: LeaseView | undefined): LeaderElectionRecord {
  const s = lease?.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime ?? undefined,
    renewTime: s.renewTime ?? undefined,
    leaseTransitions: s.leaseTransitions ?? 0,
  };
}

function specOf(r: LeaderElectionRecord): NonNullable<LeaseView['spec']> {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime,
    renewTime: r.renewTime,
    leaseTransitions: r.leaseTransitions,
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(fallback), Math.max(0, ms));
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      () => {
        clearTimeout(t);
        resolve(fallback);
      },
    );
  });
}

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly namespace: string;
  private readonly log: Logger;
  private readonly now: () => number;
  private observed: Observation | undefined;
  private lastLeaseMeta: Record<string, unknown> | undefined;
  private reportedLeader = '';

  constructor(
    private readonly client: ApiClient,
    private readonly opts: LeaderElectionOptions,
  ) {
    this.leaseDurationMs = opts.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = opts.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    this.namespace = opts.lockNamespace ?? 'kube-system';
    this.log = opts.logger ?? consoleLogger('leader-election');
    this.now = opts.now ?? Date.now;
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new KubeError('BadRequest', 'leaseDuration must be greater than renewDeadline', { code: 'ERR_CONFIG' });
    if (this.renewDeadlineMs <= JITTER_FACTOR * this.retryPeriodMs)
      throw new KubeError('BadRequest', 'renewDeadline must be greater than retryPeriod*JitterFactor', { code: 'ERR_CONFIG' });
    if (!opts.identity) throw new KubeError('BadRequest', 'leader election requires an identity', { code: 'ERR_CONFIG' });
  }

  /** Whether this candidate holds the lease, as last observed. */
  isLeader(): boolean {
    return this.observed?.record.holderIdentity === this.opts.identity;
  }

  /**
   * upstream's LeaderElector.Check (the `leaderElection` health check): a leader whose last successful renewal is
   * older than the lease duration plus `maxTolerableExpiredLeaseMs` should have stopped leading (a deadlock can keep
   * it from doing so) and reports itself unhealthy; a candidate that does not lead is healthy.
   */
  check(maxTolerableExpiredLeaseMs: number): void {
    if (!this.isLeader() || !this.observed) return;
    if (this.now() - this.observed.atMs > this.leaseDurationMs + maxTolerableExpiredLeaseMs) {
      throw new KubeError('InternalError', `failed election to renew leadership on lease ${this.opts.lockName}`);
    }
  }

  /** The last observed holder ('' when none). */
  getLeader(): string {
    return this.observed?.record.holderIdentity ?? '';
  }

  private observe(o: Observation | undefined): void {
    this.observed = o;
    const holder = o?.record.holderIdentity ?? '';
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      try {
        this.opts.onNewLeader?.(holder);
      } catch (e) {
        this.log.error('onNewLeader threw', { error: e as Error });
      }
    }
  }

  /** One attempt; true when this candidate holds the lease afterwards. Never throws. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const info = leasesResource();
    const nowMs = this.now();
    let lease: LeaseView | undefined;
    try {
      lease = await this.client.get<LeaseView>(info, this.namespace, this.opts.lockName);
    } catch (e) {
      if (!isKubeError(e, 'NotFound')) {
        this.log.warn('error retrieving lease', { lease: `${this.namespace}/${this.opts.lockName}`, error: e as Error });
        return false;
      }
      lease = undefined;
    }
    const { decision, observed } = decideLease({
      current: lease ? recordOf(lease) : undefined,
      observed: this.observed,
      identity: this.opts.identity,
      nowMs,
      leaseDurationMs: this.leaseDurationMs,
    });
    this.observe(observed);
    if (decision.action === 'wait') return false;
    try {
      let saved: LeaseView | undefined;
      if (decision.action === 'create') {
        saved = await this.client.create<LeaseView>(info, this.namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.opts.lockName, namespace: this.namespace },
          spec: specOf(decision.record),
        });
      } else {
        saved = await this.client.update<LeaseView>(info, { ...lease, spec: { ...(lease?.spec ?? {}), ...specOf(decision.record) } });
      }
      this.lastLeaseMeta = saved?.metadata;
      const rec = recordOf(saved ?? { spec: specOf(decision.record) });
      this.observe({ raw: JSON.stringify(rec), record: rec, atMs: nowMs });
      return true;
    } catch (e) {
      this.log.info('failed to write lease', { lease: `${this.namespace}/${this.opts.lockName}`, error: e as Error });
      return false;
    }
  }

  /** Clear the holder if we hold the lease, so another candidate can take it at once. */
  async release(): Promise<boolean> {
    if (!this.isLeader()) return false;
    const info = leasesResource();
    try {
      const lease = await this.client.get<LeaseView>(info, this.namespace, this.opts.lockName);
      const cur = recordOf(lease);
      if (cur.holderIdentity !== this.opts.identity) return false;
      const now = microTime(this.now());
      const rec: LeaderElectionRecord = {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: cur.leaseTransitions,
      };
      await this.client.update<LeaseView>(info, { ...lease, spec: { ...(lease.spec ?? {}), ...specOf(rec) } });
      this.observe({ raw: JSON.stringify(rec), record: rec, atMs: this.now() });
      return true;
    } catch (e) {
      this.log.warn('failed to release lease', { error: e as Error });
      return false;
    }
  }

  /**
   * Campaign until leading, lead until the lease is lost or `signal` aborts. Resolves when done
   * (upstream components exit the process when leadership is lost).
   */
  async run(signal: AbortSignal): Promise<void> {
    // acquire
    for (;;) {
      if (signal.aborted) return;
      if (await this.tryAcquireOrRenew()) break;
      const wait = this.retryPeriodMs * (1 + Math.random() * JITTER_FACTOR);
      if (!(await sleepUnlessAborted(wait, signal))) return;
    }
    this.log.info('successfully acquired lease', { lease: `${this.namespace}/${this.opts.lockName}`, identity: this.opts.identity });
    const leading = new AbortController();
    const onAbort = () => leading.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve()
      .then(() => this.opts.onStartedLeading(leading.signal))
      .catch((e) => this.log.error('onStartedLeading failed', { error: e as Error }));
    // renew
    try {
      for (;;) {
        if (signal.aborted) break;
        const deadline = this.now() + this.renewDeadlineMs;
        let renewed = false;
        while (!signal.aborted && this.now() < deadline) {
          if (await withTimeout(this.tryAcquireOrRenew(), deadline - this.now(), false)) {
            renewed = true;
            break;
          }
          if (!(await sleepUnlessAborted(Math.min(this.retryPeriodMs, Math.max(0, deadline - this.now())), signal))) break;
        }
        if (!renewed) {
          if (!signal.aborted) this.log.warn('failed to renew lease: leadership lost', { lease: `${this.namespace}/${this.opts.lockName}` });
          break;
        }
        if (!(await sleepUnlessAborted(this.retryPeriodMs, signal))) break;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      leading.abort();
      if (signal.aborted && (this.opts.releaseOnCancel ?? true)) await this.release();
      try {
        this.opts.onStoppedLeading?.();
      } catch (e) {
        this.log.error('onStoppedLeading threw', { error: e as Error });
      }
    }
  }

  /** The lease's metadata from the last successful write (for tests / debugging). */
  lastWrittenMeta(): Record<string, unknown> | undefined {
    return this.lastLeaseMeta;
  }
}
