import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../../api/cli/flags.js';
import { LeaderElector } from '../../../api/client/leader-election.js';
import type { ApiClient } from '../../../api/client/api-client.js';
import {
  forbiddenPath,
  healthAnswer,
  healthRoute,
  LeaderHealthzAdaptor,
  secureServingFlags,
  secureServingOptions,
  type HealthChecks,
} from '../../../control-plane/componenthealth/serving.js';

const url = (p: string) => new URL(p, 'https://localhost');

describe('healthRoute', () => {
  it.each([
    ['/healthz', { endpoint: 'healthz', check: '' }],
    ['/livez', { endpoint: 'livez', check: '' }],
    ['/readyz/', { endpoint: 'readyz', check: '' }],
    ['/healthz/leaderElection', { endpoint: 'healthz', check: 'leaderElection' }],
    ['/metrics', undefined],
    ['/healthzz', undefined],
    ['/', undefined],
    ['/healthz/a/b', undefined],
  ])('%s', (path, want) => {
    expect(healthRoute(path)).toEqual(want);
  });
});

describe('healthAnswer', () => {
  const failing = { name: 'leaderElection', check: () => { throw new Error('failed election to renew leadership on lease kube-scheduler'); } };
  const ok = { name: 'sched-handler-sync', check: () => undefined };
  const checks: HealthChecks = { healthz: () => [ok], readyz: () => [failing, ok] };

  it.each([
    ['/healthz', 200, 'ok'],
    ['/healthz?verbose', 200, '[+]sched-handler-sync ok\nhealthz check passed\n'],
    // an endpoint without checks runs upstream's default ping
    ['/livez?verbose', 200, '[+]ping ok\nlivez check passed\n'],
    ['/livez/ping', 200, 'ok'],
    ['/readyz', 500, '[-]leaderElection failed: reason withheld\n[+]sched-handler-sync ok\nreadyz check failed\n'],
    ['/readyz?exclude=leaderElection', 200, 'ok'],
    ['/readyz/leaderElection', 500, 'internal server error: failed election to renew leadership on lease kube-scheduler\n'],
    ['/healthz/nope', 404, '404 page not found\n'],
  ])('%s answers %i', async (path, status, body) => {
    const a = await healthAnswer('GET', url(path), checks);
    expect(a.status).toBe(status);
    expect(a.body).toBe(body);
  });

  it('any other path is 403 for the anonymous caller, a Status as upstream writes it', async () => {
    const a = await healthAnswer('GET', url('/metrics'), checks);
    expect(a.status).toBe(403);
    expect(JSON.parse(a.body)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'forbidden: User "system:anonymous" cannot get path "/metrics"' });
    expect(forbiddenPath('POST', '/configz').message).toBe('forbidden: User "system:anonymous" cannot post path "/configz"');
  });
});

describe('secure serving flags', () => {
  const parse = (argv: string[]) => secureServingOptions(parseFlags(secureServingFlags(10259), argv).values);
  it("defaults are upstream's: 0.0.0.0:<component port>, no certificate files", () => {
    expect(parse([])).toMatchObject({ bindAddress: '0.0.0.0', securePort: 10259 });
    expect(parse([]).tlsCertFile).toBeUndefined();
  });
  it('kubeadm-style flags, and 0 turns serving off', () => {
    expect(parse(['--bind-address=127.0.0.1', '--secure-port=10257'])).toMatchObject({ bindAddress: '127.0.0.1', securePort: 10257 });
    expect(parse(['--secure-port=0']).securePort).toBe(0);
  });
  it('rejects a port out of range and a certificate without its key', () => {
    expect(() => parse(['--secure-port=70000'])).toThrow('--secure-port 70000 must be between 0 and 65535, inclusive. 0 for turning off secure port');
    expect(() => parse(['--tls-cert-file=/x.crt'])).toThrow(/must be given together/);
  });
});

describe('leaderElection check (upstream HealthzAdaptor)', () => {
  function elector(now: () => number) {
    return new LeaderElector({} as ApiClient, { lockName: 'kube-scheduler', identity: 'me', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, now, onStartedLeading: () => undefined });
  }
  it('is healthy with no elector, and for a candidate that does not lead', () => {
    const a = new LeaderHealthzAdaptor();
    expect(() => a.check()).not.toThrow();
    a.elector = elector(() => 0);
    expect(() => a.check()).not.toThrow();
  });
  it('fails a leader whose last renewal is older than the lease duration plus the tolerance', () => {
    let t = 1_000_000;
    const e = elector(() => t);
    // a successful renewal at t, as tryAcquireOrRenew records it
    (e as unknown as { observe(o: unknown): void }).observe({ raw: 'r', record: { holderIdentity: 'me' }, atMs: t });
    const a = new LeaderHealthzAdaptor(20_000);
    a.elector = e;
    t += 35_000;
    expect(() => a.check()).not.toThrow();
    t += 1;
    expect(() => a.check()).toThrow('failed election to renew leadership on lease kube-scheduler');
  });
});
