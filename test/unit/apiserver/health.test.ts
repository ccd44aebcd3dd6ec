/** The health endpoints' answers (health.ts), as upstream's healthz package writes them. Pure: no server. */
import { describe, expect, it } from 'vitest';
import { healthReport, runHealthChecks, singleCheckReport, withTimeout, type CheckResult } from '../../../control-plane/apiserver/health.js';

const ok = (name: string): CheckResult => ({ name });

describe('healthReport', () => {
  const all = [ok('ping'), ok('log'), ok('etcd'), ok('poststarthook/bootstrap-controller')];

  it('answers ok, or with ?verbose every check and the last line', () => {
    expect(healthReport('livez', all, { verbose: false })).toMatchObject({ status: 200, body: 'ok' });
    expect(healthReport('livez', all, { verbose: true }).body).toBe('[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]poststarthook/bootstrap-controller ok\nlivez check passed\n');
    expect(healthReport('readyz', all, { verbose: true }).headers).toEqual({ 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  });

  it('a failed check is a 500 listing every check, its reason withheld, verbose or not', () => {
    const results = [ok('ping'), ok('log'), { name: 'etcd', error: 'context deadline exceeded' }];
    for (const verbose of [false, true]) {
      const a = healthReport('readyz', results, { verbose });
      expect(a.status).toBe(500);
      expect(a.body).toBe('[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\nreadyz check failed\n');
      expect(a.body).not.toContain('deadline');
    }
  });

  it('excluded checks and exclusions that match nothing', () => {
    const a = healthReport('healthz', [ok('ping'), { name: 'etcd', excluded: true }], { verbose: true, unmatched: ['zz', 'aa'] });
    expect(a.body).toBe('[+]ping ok\n[+]etcd excluded: ok\nwarn: some health checks cannot be excluded: no matches for "aa","zz"\nhealthz check passed\n');
  });
});

describe('singleCheckReport', () => {
  it('ok, or 500 with the reason', () => {
    expect(singleCheckReport(undefined)).toMatchObject({ status: 200, body: 'ok' });
    expect(singleCheckReport('context deadline exceeded')).toMatchObject({ status: 500, body: 'internal server error: context deadline exceeded\n' });
  });
});

describe('runHealthChecks', () => {
  it('runs the checks in order, skips the excluded ones, reports reasons and unmatched exclusions', async () => {
    const ran: string[] = [];
    const { results, unmatched } = await runHealthChecks(
      [
        { name: 'ping', check: () => void ran.push('ping') },
        { name: 'etcd', check: () => void ran.push('etcd') },
        { name: 'shutdown', check: () => { ran.push('shutdown'); throw new Error('process is shutting down'); } },
        { name: 'slow', check: () => withTimeout(new Promise<void>(() => undefined), 10) },
      ],
      ['etcd', 'nope'],
    );
    expect(ran).toEqual(['ping', 'shutdown']);
    expect(results).toEqual([
      { name: 'ping' },
      { name: 'etcd', excluded: true },
      { name: 'shutdown', error: 'process is shutting down' },
      { name: 'slow', error: 'context deadline exceeded' },
    ]);
    expect(unmatched).toEqual(['nope']);
  });
});
