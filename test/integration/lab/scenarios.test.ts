/**
 * The practice scenarios of `scripts/lab break|check|hint|solution` (issue 17) without a lab: the list, each
 * scenario file's five functions, refusals (no lab up, unknown scenario, a component not on that host) and
 * the literal file edit the breaks use. Nothing here touches host state: every command runs against an empty
 * KUBELAB_LAB_DIR. The scenarios on a real lab: test/e2e/lab/scenarios.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');
const lab = join(repo, 'scripts/lab');
const SCENARIOS = ['apiserver-wrong-etcd', 'kubelet-stopped', 'kubelet-wrong-ca', 'runtime-stopped', 'scheduler-down', 'static-pod-typo'];
const dir = mkdtempSync(join(tmpdir(), 'kubelab-scenarios-'));
const labDir = join(dir, 'lab');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync(args[0]!, args.slice(1), { cwd: repo, encoding: 'utf8', input, env: { ...process.env, KUBELAB_LAB_DIR: labDir }, timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Runs a bash snippet with the lab's libraries and the scenarios' helpers sourced. */
function withLib(snippet: string, ...args: string[]): { code: number; out: string; err: string } {
  const prelude = `set -euo pipefail; repo=${repo}; . "$repo/scripts/lab.d/lib.sh"; . "$repo/scripts/lab.d/net.sh"; . "$repo/scripts/lab.d/scenarios.sh"\n`;
  return sh(['bash', '-c', prelude + snippet, 'bash', ...args]);
}

describe('scripts/lab scenarios', () => {
  it('lists every scenario with a one-line description of what the learner observes', () => {
    const r = sh([lab, 'scenarios']);
    expect(r.code, r.err).toBe(0);
    const rows = r.out.split('\n').filter((l) => /^ {2}[a-z]/.test(l) && !l.includes('scripts/lab'));
    expect(rows.map((l) => l.trim().split(/\s+/)[0])).toEqual(SCENARIOS);
    for (const row of rows) expect(row.trim().split(/\s{2,}/)[1]?.length ?? 0).toBeGreaterThan(20);
    expect(r.out).toContain('scripts/lab check NAME');
  });

  it('has one file per scenario, each defining describe, do_break, do_check, hint and solution', () => {
    const files = readdirSync(join(repo, 'scripts/lab.d/scenarios')).sort();
    expect(files).toEqual(SCENARIOS.map((s) => `${s}.sh`));
    for (const s of SCENARIOS) {
      const r = withLib(`scenario_load ${s}; for f in describe do_break do_check hint solution; do declare -F "$f" >/dev/null || echo "missing $f"; done`);
      expect(r.code, r.err).toBe(0);
      expect(r.out, s).toBe('');
    }
  });

  it('never names the cause in what `break` says the learner observes', () => {
    const causes: Record<string, RegExp> = {
      'kubelet-stopped': /kubelet|stopped/i, 'kubelet-wrong-ca': /kubelet|\bCA\b|certificate/i, 'scheduler-down': /scheduler/i,
      'runtime-stopped': /containerd|runtime|docker/i, 'apiserver-wrong-etcd': /etcd|port/i, 'static-pod-typo': /typo|contianers|manifest/i,
    };
    for (const s of SCENARIOS) {
      const r = withLib(`scenario_load ${s}; describe`);
      expect(r.code, r.err).toBe(0);
      expect(r.out, s).not.toMatch(causes[s]!);
    }
  });

  it('prints a hint and solution commands naming this lab\'s own files', () => {
    for (const s of SCENARIOS) {
      const hint = sh([lab, 'hint', s]);
      expect(hint.code, hint.err).toBe(0);
      expect(hint.out.trim().length, s).toBeGreaterThan(40);
      const sol = sh([lab, 'solution', s]);
      expect(sol.code, sol.err).toBe(0);
      const lines = sol.out.split('\n').filter(Boolean);
      expect(lines.length, s).toBeGreaterThan(0);
      for (const l of lines) expect(l, s).toMatch(/^(scripts\/lab |sed -i )/);
      // bash accepts each solution as written (syntax only: nothing runs).
      expect(sh(['bash', '-n', '-c', sol.out]).code, s).toBe(0);
    }
    expect(sh([lab, 'solution', 'kubelet-wrong-ca']).out).toContain(`${labDir}/config/hosts/node01/kubelet/config.yaml`);
    expect(sh([lab, 'solution', 'apiserver-wrong-etcd']).out).toContain(`${labDir}/config/hosts/controlplane01/env/apiserver.env`);
    expect(sh([lab, 'solution', 'runtime-stopped']).out).toBe('scripts/lab start node02 containerd\n');
  });

  it('refuses unknown scenarios and wrong usage', () => {
    for (const args of [['break', 'no-such'], ['check', '../lib'], ['hint', 'Kubelet-Stopped'], ['solution', '']]) {
      const r = sh([lab, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/unknown scenario|usage: scripts\/lab/);
    }
    expect(sh([lab, 'scenarios', 'extra']).code).toBe(2);
  });

  it.runIf(process.getuid?.() === 0)('break and check refuse without a lab up (exit 1), and change nothing', () => {
    for (const cmd of ['break', 'check']) {
      const r = sh([lab, cmd, 'kubelet-stopped']);
      expect(r.code, cmd).toBe(1);
      expect(r.err).toContain(`no lab is up in ${labDir}: run scripts/lab up first`);
    }
    expect(() => statSync(labDir)).toThrow();
  });
});

describe('scripts/lab stop|start|restart: the components of each host', () => {
  it.each([
    [['stop', 'node01', 'scheduler'], /scheduler runs on controlplane01, not on node01/],
    [['start', 'node01', 'etcd'], /etcd runs on controlplane01, not on node01/],
    [['restart', 'node09', 'kubelet'], /unknown host 'node09'/],
    [['stop', 'node01', 'kube-proxy'], /unknown component 'kube-proxy' \(etcd apiserver scheduler controller-manager kubelet proxy containerd dockerd haproxy\)/],
    [['restart', 'node01', 'haproxy'], /haproxy runs on the load balancer of an HA lab, not on node01/],
    [['start', 'node02', 'dockerd'], /this lab runs containerd, not dockerd/],
    [['restart', 'node01'], /usage: scripts\/lab restart <host> <component>/],
  ])('%j is refused (exit 2)', (args, message) => {
    const r = sh([lab, ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('a component that exists on the host gets past validation (then needs a lab)', () => {
    const r = sh([lab, 'start', 'node02', 'proxy']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/node02 is not up in .*; run scripts\/lab up|run as root/);
  });
});

describe('replace_in_file (the literal edits the breaks make)', () => {
  const file = join(dir, 'edit.env');
  const cases: { name: string; text: string; from: string; to: string; code: number; want: string }[] = [
    { name: 'a flag value with regex characters', text: 'KUBELAB_ARGS="--etcd-servers=https://10.0.0.1:2379 --x=a.b"\n', from: '--etcd-servers=https://10.0.0.1:2379', to: '--etcd-servers=https://10.0.0.1:2739', code: 0, want: 'KUBELAB_ARGS="--etcd-servers=https://10.0.0.1:2739 --x=a.b"\n' },
    { name: 'a dot is not a wildcard', text: 'clientCAFile: /p/caXcrt\n', from: '/p/ca.crt', to: '/p/other.crt', code: 1, want: 'clientCAFile: /p/caXcrt\n' },
    { name: 'every occurrence', text: 'a #x# a\n*a*\n', from: 'a', to: 'b&', code: 0, want: 'b& #x# b&\n*b&*\n' },
    { name: 'already edited: nothing changes (breaking twice)', text: 'port: 2739\n', from: 'port: 2379', to: 'port: 2739', code: 1, want: 'port: 2739\n' },
  ];
  it.each(cases)('$name', ({ text, from, to, code, want }) => {
    writeFileSync(file, text);
    chmodSync(file, 0o640);
    const r = withLib('replace_in_file "$1" "$2" "$3"', file, from, to);
    expect(r.code, r.err).toBe(code);
    expect(readFileSync(file, 'utf8')).toBe(want);
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });
});
