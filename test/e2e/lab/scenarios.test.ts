/**
 * The practice scenarios on a real lab (issue 17): for every scenario, `scripts/lab break NAME`, then
 * `scripts/lab check NAME` says it is broken (exit 1, what is wrong), then the commands `scripts/lab solution
 * NAME` prints are run exactly as printed (bash, from the checkout's root, the lab's environment), then
 * `check` says "fixed" (exit 0): a Ready node, a new pod Running, kubectl answering. One lab for the whole
 * file; at the end two scenarios are left broken and `scripts/lab down` still leaves nothing behind.
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, Lab, kubelabBin, leftovers, repo, run, show, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'breakfix-e2e');

/** The order keeps the most disruptive (the API server away) last. */
const SCENARIOS = ['kubelet-stopped', 'kubelet-wrong-ca', 'scheduler-down', 'runtime-stopped', 'static-pod-typo', 'apiserver-wrong-etcd'];

/** What `check` says about each scenario right after `break` (the learner's first look). */
const BROKEN: Record<string, RegExp> = {
  'kubelet-stopped': /kubelet on node01 is not running/,
  'kubelet-wrong-ca': /client CA file that does not exist/,
  'scheduler-down': /scheduler on controlplane01 is not running/,
  'runtime-stopped': /containerd on node02 is not running/,
  'static-pod-typo': /kubelet cannot run the pod in \/etc\/kubernetes\/manifests\/static-web.yaml/,
  'apiserver-wrong-etcd': /do not name etcd's client URL/,
};

describe('break and fix: every practice scenario on the lab (containerd)', () => {
  let lab: Lab;

  beforeAll(async () => {
    await assertNoLab(E2E_LAB_DIR);
    lab = new Lab(E2E_LAB_DIR, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  it('scripts/lab up', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
  }, 450_000);

  for (const name of SCENARIOS) {
    it(`${name}: break; check says broken; the documented solution; check says fixed`, async () => {
      const broke = await lab.lab(['break', name], 120_000);
      expect(broke.code, show(broke)).toBe(0);
      expect(broke.stdout).toContain(`${name}: broken.`);
      if (name === 'kubelet-wrong-ca') {
        // Breaking twice leaves the same state (one edit, not two).
        const again = await lab.lab(['break', name], 120_000);
        expect(again.code, show(again)).toBe(0);
        const config = readFileSync(join(E2E_LAB_DIR, 'config/hosts/node01/kubelet/config.yaml'), 'utf8');
        expect(config.match(/clientCAFile: .*\/pki\/ca-node01\.crt$/gm)).toHaveLength(1);
      }
      if (name === 'kubelet-stopped') {
        // What the learner is told to expect: node01 goes NotReady (node-monitor-grace-period 20 s); the lab's
        // `systemctl status` stand-in shows the stopped unit.
        await waitFor('node01 NotReady', 60_000, async () => (await lab.nodeReady('node01')) !== 'True', 1000);
        const status = await lab.lab(['status']);
        expect(status.code, show(status)).toBe(1);
        expect(status.stdout).toMatch(/node01-kubelet\s+stopped \(scripts\/lab start node01 kubelet\)/);
      }
      if (name === 'kubelet-wrong-ca') {
        // The kubelet was started with the broken configuration and exited: DEAD, as a failed unit, until started again.
        await waitFor('node01-kubelet DEAD', 60_000, async () => /node01-kubelet\s+DEAD/.test((await lab.lab(['status'])).stdout), 1000);
      }

      const before = await lab.lab(['check', name], 120_000);
      expect(before.code, show(before)).toBe(1);
      expect(before.stdout).toContain(`${name}: not fixed yet:`);
      expect(before.stdout).toMatch(BROKEN[name]!);

      const solution = await lab.lab(['solution', name]);
      expect(solution.code, show(solution)).toBe(0);
      const fix = await run('bash', ['-euo', 'pipefail', '-c', solution.stdout], { env: lab.env, cwd: repo, timeoutMs: 180_000 });
      expect(fix.code, show(fix, `solution of ${name}:\n${solution.stdout}\n`)).toBe(0);

      const after = await lab.lab(['check', name], 180_000);
      expect(after.code, show(after)).toBe(0);
      expect(after.stdout.trim()).toBe(`${name}: fixed`);
      const status = await lab.lab(['status']);
      expect(status.code, show(status)).toBe(0);
    }, 420_000);
  }

  it('left broken (a stopped kubelet, a bad static pod manifest): scripts/lab down leaves nothing', async () => {
    for (const name of ['static-pod-typo', 'kubelet-stopped']) {
      const r = await lab.lab(['break', name], 120_000);
      expect(r.code, show(r)).toBe(0);
    }
    const down = await lab.down();
    expect(down.code, show(down)).toBe(0);
    expect(await leftovers(E2E_LAB_DIR)).toEqual([]);
  }, 240_000);
});
