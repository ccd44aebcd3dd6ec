import { describe, expect, it } from 'vitest';
import { InProcessApi } from '../../support/in-process-api.js';
import { LeaderElector, decideLease, microTime, type LeaderElectionRecord } from '../../../api/client/leader-election.js';
import { silentLogger } from '../../../api/client/log.js';
import { findResource } from '../../../api/resources.js';

const leases = findResource('coordination.k8s.io', 'leases')!;

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const rec = (holder: string, transitions = 0, durationS = 15): LeaderElectionRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: durationS,
  acquireTime: microTime(0),
  renewTime: microTime(0),
  leaseTransitions: transitions,
});

describe('decideLease', () => {
  const base = { identity: 'me', leaseDurationMs: 15_000 };
  it('creates a missing lease', () => {
    const { decision } = decideLease({ ...base, current: undefined, observed: undefined, nowMs: 1000 });
    expect(decision).toMatchObject({ action: 'create', record: { holderIdentity: 'me', leaseDurationSeconds: 15, leaseTransitions: 0 } });
  });
  it('waits while another holder is valid (first sight counts as fresh)', () => {
    const { decision, observed } = decideLease({ ...base, current: rec('other'), observed: undefined, nowMs: 1000 });
    expect(decision).toEqual({ action: 'wait', holder: 'other' });
    expect(observed!.atMs).toBe(1000);
  });
  it('takes over once the unchanged record is older than the lease duration, counting a transition', () => {
    const first = decideLease({ ...base, current: rec('other', 4), observed: undefined, nowMs: 1000 });
    const later = decideLease({ ...base, current: rec('other', 4), observed: first.observed, nowMs: 16_001 });
    expect(later.decision).toMatchObject({ action: 'update', record: { holderIdentity: 'me', leaseTransitions: 5 } });
  });
  it('a record that changed (renewed) resets the observation time', () => {
    const first = decideLease({ ...base, current: rec('other'), observed: undefined, nowMs: 1000 });
    const renewed = { ...rec('other'), renewTime: microTime(10_000) };
    const later = decideLease({ ...base, current: renewed, observed: first.observed, nowMs: 16_001 });
    expect(later.decision.action).toBe('wait');
  });
  it('takes an empty holder at once', () => {
    const { decision } = decideLease({ ...base, current: rec('', 2), observed: undefined, nowMs: 1 });
    expect(decision).toMatchObject({ action: 'update', record: { holderIdentity: 'me', leaseTransitions: 3 } });
  });
  it('renews its own lease keeping acquireTime and transitions', () => {
    const mine = rec('me', 7);
    const { decision } = decideLease({ ...base, current: mine, observed: undefined, nowMs: 50_000 });
    expect(decision).toMatchObject({ action: 'update', record: { acquireTime: mine.acquireTime, leaseTransitions: 7, renewTime: microTime(50_000) } });
  });
  it('microTime has microseconds', () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
  });
});

describe('LeaderElector with the in-process API', () => {
  const timing = { leaseDurationMs: 400, renewDeadlineMs: 250, retryPeriodMs: 50, logger: silentLogger };

  it('one leader at a time; release on cancel hands over at once', async () => {
    const c = new InProcessApi();
    const events: string[] = [];
    const mk = (id: string) =>
      new LeaderElector(c, {
        ...timing,
        lockName: 'kube-scheduler',
        identity: id,
        onStartedLeading: () => void events.push(`start:${id}`),
        onStoppedLeading: () => void events.push(`stop:${id}`),
      });
    const a = mk('a');
    const b = mk('b');
    const acA = new AbortController();
    const acB = new AbortController();
    const runA = a.run(acA.signal);
    await waitFor(() => a.isLeader());
    const runB = b.run(acB.signal);
    await new Promise((r) => setTimeout(r, 600)); // longer than the lease: a keeps renewing
    expect(b.isLeader()).toBe(false);
    expect(b.getLeader()).toBe('a');
    const lease = c.peek(leases, 'kube-system', 'kube-scheduler');
    expect(lease.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 1, leaseTransitions: 0 });
    expect(lease.spec.renewTime).toMatch(/\.\d{6}Z$/);
    acA.abort();
    await runA;
    expect(c.peek(leases, 'kube-system', 'kube-scheduler').spec.holderIdentity).not.toBe('a');
    await waitFor(() => b.isLeader(), 2000);
    expect(c.peek(leases, 'kube-system', 'kube-scheduler').spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    acB.abort();
    await runB;
    expect(events).toEqual(['start:a', 'stop:a', 'start:b', 'stop:b']);
  });

  it('loses leadership when the lease is taken and renewals fail past the deadline', async () => {
    const c = new InProcessApi();
    let leadingSignal: AbortSignal | undefined;
    let stopped = false;
    const a = new LeaderElector(c, {
      ...timing,
      leaseDurationMs: 2000,
      renewDeadlineMs: 250,
      lockName: 'kcm',
      identity: 'a',
      onStartedLeading: (s) => void (leadingSignal = s),
      onStoppedLeading: () => void (stopped = true),
    });
    const ac = new AbortController();
    const run = a.run(ac.signal);
    await waitFor(() => leadingSignal !== undefined);
    // someone else writes the lease (e.g. after a network partition)
    const cur = c.peek(leases, 'kube-system', 'kcm');
    await c.update(leases, { ...cur, spec: { ...cur.spec, holderIdentity: 'intruder', leaseDurationSeconds: 60 } });
    await run; // returns on its own: leadership lost
    expect(leadingSignal!.aborted).toBe(true);
    expect(stopped).toBe(true);
    expect(c.peek(leases, 'kube-system', 'kcm').spec.holderIdentity).toBe('intruder'); // not released: not ours
  });

  it('rejects inconsistent timings', () => {
    const c = new InProcessApi();
    expect(() => new LeaderElector(c, { lockName: 'x', identity: 'a', leaseDurationMs: 1000, renewDeadlineMs: 1000, onStartedLeading() {} })).toThrow();
  });
});
