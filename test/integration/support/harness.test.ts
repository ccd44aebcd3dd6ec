/**
 * The test harness itself: the one service-start helper (test/support/service.ts), the prerequisite
 * checks (test/support/deps.ts against scripts/deps.list) and scripts/test's closing line
 * (scripts/test-summary.mjs). Child processes are `node -e` scripts on loopback.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, alive } from '../../support/host.js';
import { freePort } from '../../support/net.js';
import { deps, missing, need } from '../../support/deps.js';
import { startService, tcpOpen } from '../../support/service.js';

const dir = mkdtempSync(join(tmpdir(), 'kubelab-test-harness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startService', () => {
  it('answers once the readiness probe passes; the PID is the service itself', async () => {
    const port = await freePort();
    const svc = await startService({
      name: 'echo server', command: process.execPath,
      args: ['-e', `setTimeout(() => require('net').createServer().listen(${port}, '127.0.0.1'), 300)`],
      ready: () => tcpOpen('127.0.0.1', port), timeoutMs: 10_000, intervalMs: 50,
    });
    try {
      expect(svc.alive()).toBe(true);
      expect(alive(svc.pid)).toBe(true);
      expect(await tcpOpen('127.0.0.1', port)).toBe(true);
    } finally {
      await svc.stop();
    }
    expect(svc.alive()).toBe(false);
  });

  it('a service that exits before it is ready fails with its own log; its pid file is removed', async () => {
    const pidFile = join(dir, 'dies.pid');
    const logFile = join(dir, 'dies.log');
    const err = await startService({
      name: 'dies', command: process.execPath, args: ['-e', 'console.error("listen tcp: address 99999: invalid port"); process.exit(3)'],
      logFile, pidFile, ready: () => false, timeoutMs: 10_000,
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^dies exited \(3\) before it was ready/);
    expect((err as Error).message).toContain('listen tcp: address 99999: invalid port');
    expect(spawnSync('test', ['-e', pidFile]).status).not.toBe(0);
  });

  it('a service that is not ready by the deadline is killed, and the error names the last check', async () => {
    const err = await startService({
      name: 'never ready', command: process.execPath, args: ['-e', 'console.log("starting"); setInterval(() => {}, 1000)'],
      ready: () => { throw new Error('connection refused'); }, timeoutMs: 500, intervalMs: 50,
    }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/never ready was not ready within 500 ms \(last check: connection refused\)/);
    expect((err as Error).message).toContain('starting');
  });

  it('a command that does not exist fails at once, naming it', async () => {
    const err = await startService({ name: 'ghost', command: '/nonexistent/ghostd', args: [], ready: () => true, timeoutMs: 5000 }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/ghost could not be started \(\/nonexistent\/ghostd\): .*ENOENT/);
  });
});

describe('need(): the tests can only need what scripts/install-deps installs', () => {
  it('every row of scripts/deps.list names a command, a package, a known group and apt flags', () => {
    expect(deps().length).toBeGreaterThan(20);
    for (const d of deps()) {
      expect(['control-plane', 'node', 'images', 'lab', 'tests'], `${d.command}`).toContain(d.group);
      expect(d.pkg, d.command).toMatch(/^[a-z0-9][a-z0-9.+-]+$/);
    }
    expect(deps().find((d) => d.command === 'vagrant')).toMatchObject({ pkg: 'vagrant', flags: '--no-install-recommends' });
  });

  it('a listed command that is there passes; a missing one names its package; an unlisted one is refused', () => {
    expect(() => need('etcd', 'openssl')).not.toThrow();
    expect(missing('kubelab-no-such-tool')).toMatch(/not in scripts\/deps\.list/);
    const pathBefore = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(missing('shellcheck')).toBe('shellcheck is not installed: scripts/install-deps installs package shellcheck');
    } finally {
      process.env.PATH = pathBefore;
    }
  });
});

describe("scripts/test's closing line (scripts/test-summary.mjs)", () => {
  const summary = (reports: Record<string, unknown>, tiers: string[]) => {
    const d = mkdtempSync(join(dir, 'results-'));
    for (const [tier, r] of Object.entries(reports)) writeFileSync(join(d, `${tier}.json`), JSON.stringify(r));
    return spawnSync(process.execPath, [join(REPO, 'scripts/test-summary.mjs'), d, ...tiers], { encoding: 'utf8' });
  };
  const file = (name: string, status: string, tests: string[], message = '') => ({ name, status, message, assertionResults: tests.map((s, i) => ({ status: s, fullName: `t${i}` })) });

  it('all passed: exit 0', () => {
    const r = summary({ unit: { testResults: [file('a.test.ts', 'passed', ['passed', 'passed'])] } }, ['unit']);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('tests: 2 passed, 0 failed, 0 skipped');
    expect(r.status).toBe(0);
  });

  it('a file whose set-up threw: its skipped tests are counted, the file and its error named, exit 1', () => {
    const r = summary({
      integration: { testResults: [file('ok.test.ts', 'passed', ['passed']), file('kubelet.test.ts', 'failed', ['skipped', 'skipped'], 'registry exited:')] },
    }, ['integration']);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('tests: 1 passed, 0 failed, 2 skipped, 1 file failed');
    expect(r.stdout).toContain('FILE FAILED (its set-up or import threw; its tests did not run): kubelet.test.ts');
    expect(r.stdout).toContain('registry exited:');
    expect(r.status).toBe(1);
  });

  it('a failed test is named with the first lines of its message (the tail of a CI log is often all one sees)', () => {
    const failed = { name: 'ha.test.ts', status: 'failed', message: '', assertionResults: [
      { status: 'passed', fullName: 'up' },
      { status: 'failed', fullName: 'the Leases move', failureMessages: ['AssertionError: expected 17905 to be less than or equal to 17000\n    at ha.test.ts:136\nmore\nand more\nnot shown'] },
    ] };
    const r = summary({ e2e: { testResults: [failed] } }, ['e2e']);
    expect(r.stdout).toContain('FAILED: ha.test.ts > the Leases move\n    AssertionError: expected 17905 to be less than or equal to 17000');
    expect(r.stdout).not.toContain('not shown');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('tests: 1 passed, 1 failed, 0 skipped');
    expect(r.status).toBe(1);
  });

  it('a skipped test alone fails the run; so does a tier that wrote no report', () => {
    const skipped = summary({ unit: { testResults: [file('a.test.ts', 'passed', ['passed', 'pending'])] } }, ['unit']);
    expect(skipped.stdout.trim().split('\n').at(-1)).toBe('tests: 1 passed, 0 failed, 1 skipped');
    expect(skipped.status).toBe(1);
    const noReport = summary({ unit: { testResults: [file('a.test.ts', 'passed', ['passed'])] } }, ['unit', 'e2e']);
    expect(noReport.stdout).toContain('tier e2e: no report');
    expect(noReport.status).toBe(1);
  });
});
