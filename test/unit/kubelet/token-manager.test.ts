import { describe, expect, it } from 'vitest';
import { podTokenRequest, requiresRefresh, TokenManager, type TokenRequest } from '../../../node-agent/kubelet/token-manager.js';

const T0 = Date.parse('2026-12-04T00:00:00Z');
const H = 3600_000;

describe('requiresRefresh (upstream token manager: 80% of the TTL, or 24h, minus jitter)', () => {
  const tok = (expirationSeconds: number) => ({ expiresAt: T0 + expirationSeconds * 1000, expirationSeconds });
  const cases: [string, number, { expiresAt: number; expirationSeconds: number }, number, boolean][] = [
    ['fresh 1h token', T0 + 10 * 60_000, tok(3600), 0, false],
    ['1h token at 79%', T0 + 0.79 * H, tok(3600), 0, false],
    ['1h token at 81%', T0 + 0.81 * H, tok(3600), 0, true],
    ['1h token at 79% with 10 s jitter (80% - 10 s = 2870 s)', T0 + 2871_000, tok(3600), 10_000, true],
    ['expired', T0 + 2 * H, tok(3600), 0, true],
    ['10 min token at 7 min', T0 + 7 * 60_000, tok(600), 0, false],
    ['10 min token at 8 min 1 s', T0 + 481_000, tok(600), 0, true],
    ['1 year token after 23h', T0 + 23 * H, tok(365 * 24 * 3600), 0, false],
    ['1 year token after 24h', T0 + 24 * H + 1, tok(365 * 24 * 3600), 0, true],
  ];
  it.each(cases)('%s', (_n, now, t, jitter, want) => {
    expect(requiresRefresh(now, t, jitter)).toBe(want);
  });
});

describe('TokenManager (a fake TokenRequest API)', () => {
  const pod = { name: 'web', uid: 'p1' };
  function fake() {
    const calls: { ns: string; sa: string; req: TokenRequest }[] = [];
    let n = 0;
    let now = T0;
    let fail: string | undefined;
    const mgr = new TokenManager(
      async (ns, sa, req) => {
        calls.push({ ns, sa, req });
        if (fail) throw new Error(fail);
        n++;
        return { ...req, status: { token: `tok-${n}`, expirationTimestamp: new Date(now + (req.spec?.expirationSeconds ?? 3600) * 1000).toISOString() } };
      },
      () => now,
      () => 0,
    );
    return { mgr, calls, at: (t: number) => (now = t), failWith: (m: string | undefined) => (fail = m) };
  }

  it('sends upstream\'s TokenRequest: bound to the pod, audiences, expirationSeconds', async () => {
    const f = fake();
    expect(await f.mgr.get('default', 'default', podTokenRequest(pod, '', 3607))).toBe('tok-1');
    expect(await f.mgr.get('default', 'builder', podTokenRequest(pod, 'vault', 600))).toBe('tok-2');
    expect(f.calls.map((c) => [c.ns, c.sa, c.req])).toEqual([
      ['default', 'default', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'p1' } } }],
      ['default', 'builder', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['vault'], expirationSeconds: 600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'p1' } } }],
    ]);
  });

  it('caches until 80% of the TTL, then refreshes; a failed refresh keeps a still valid token, an expired one fails', async () => {
    const f = fake();
    const req = podTokenRequest(pod, '', 600);
    expect(await f.mgr.get('default', 'default', req)).toBe('tok-1');
    f.at(T0 + 400_000);
    expect(await f.mgr.get('default', 'default', req)).toBe('tok-1');
    expect(f.calls).toHaveLength(1);
    f.at(T0 + 500_000);
    expect(await f.mgr.get('default', 'default', req)).toBe('tok-2');
    expect(f.calls).toHaveLength(2);
    f.failWith('serviceaccounts "default" not found');
    f.at(T0 + 500_000 + 490_000); // past 80% of tok-2, still before its expiry
    expect(await f.mgr.get('default', 'default', req)).toBe('tok-2');
    f.at(T0 + 500_000 + 601_000);
    await expect(f.mgr.get('default', 'default', req)).rejects.toThrow('serviceaccounts "default" not found');
  });

  it('forgets a deleted pod\'s tokens, and expired ones on gc', async () => {
    const f = fake();
    await f.mgr.get('default', 'default', podTokenRequest(pod, '', 600));
    await f.mgr.get('default', 'default', podTokenRequest({ name: 'other', uid: 'p2' }, '', 3600));
    expect(f.mgr.size).toBe(2);
    f.mgr.forgetPod('p1');
    expect(f.mgr.size).toBe(1);
    f.at(T0 + 2 * H);
    f.mgr.gc();
    expect(f.mgr.size).toBe(0);
  });

  it('without a client: a clear error', async () => {
    await expect(new TokenManager(undefined).get('default', 'default', podTokenRequest(pod, '', 600))).rejects.toThrow('the kubelet has no client to request tokens with');
  });
});
