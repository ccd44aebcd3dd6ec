/**
 * The lab with machine hosts (issue 17): `scripts/lab up --hosts machine` boots controlplane01, node01 and node02 as
 * systemd-nspawn machines (Debian 12, systemd as PID 1) on the lab's network, provisioned by
 * vagrant/provision/install.sh as the Vagrant VMs are; the components are systemd units inside them.
 * Checked: nodes Ready; `systemctl status kubelet` active inside node01; `journalctl -u kubelab-apiserver` has
 * lines; an nginx Deployment runs inside the machines and its ClusterIP answers from node01; `systemctl restart
 * kubelab-kubelet` keeps the pods running; `down` powers the machines off and leaves nothing.
 *
 * One lab at a time on the machine (host lock): the file refuses to start when a lab is up and always runs `down`.
 * KUBELAB_E2E_LAB_DIR is the lab directory (its cache/ keeps the machine image across runs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, Lab, kubelabBin, labScript, leftovers, repo, run, show, waitFor, WORKERS, type Pod } from '../../support/lab.js';
import { join } from 'node:path';

const STATE = join(repo, '.test-state', 'machines-e2e');
const NS = 'machines-e2e';
/** The tasks of the machine's containerd (the kubelet's namespace is kubelab-<host>). */
const TASKS = 'for n in $(ctr namespaces ls -q); do ctr -n "$n" tasks ls; done';

describe('scripts/lab up --hosts machine (systemd-nspawn machines, units by install.sh)', () => {
  let lab: Lab;

  beforeAll(async () => {
    await assertNoLab(E2E_LAB_DIR);
    lab = new Lab(E2E_LAB_DIR, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  it('up boots three machines; every node is Ready', async () => {
    const r = await lab.lab(['up', '--hosts', 'machine', '--skip-deps', '--skip-build'], 900_000);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/machine controlplane01 booted/);
    for (const h of ['controlplane01', 'node01', 'node02'] as const) expect(await lab.nodeReady(h)).toBe('True');
    // Inside a machine: its own hostname and systemd as PID 1.
    const id = await lab.exec('node01', ['sh', '-c', 'hostname; cat /proc/1/comm']);
    expect(id.code, show(id)).toBe(0);
    expect(id.stdout.split('\n').slice(0, 2)).toEqual(['node01', 'systemd']);
  }, 960_000);

  it('systemctl status kubelet is active inside node01; journalctl -u kubelab-apiserver has lines', async () => {
    const st = await lab.exec('node01', ['systemctl', 'status', 'kubelet', '--no-pager']);
    expect(st.code, show(st)).toBe(0);
    expect(st.stdout).toMatch(/Active: active \(running\)/);
    expect(st.stdout).toMatch(/kubelab-kubelet\.service/);
    const j = await lab.exec('controlplane01', ['journalctl', '-u', 'kubelab-apiserver', '--no-pager']);
    expect(j.code, show(j)).toBe(0);
    expect(j.stdout.split('\n').filter((l) => l.includes('kubelab')).length).toBeGreaterThan(1);
    // `scripts/lab ssh` is a login shell inside the machine (here its commands come on stdin).
    const ssh = await run(labScript, ['ssh', 'controlplane01'], { env: lab.env, input: 'hostname; systemctl is-active kubelab-apiserver\n', timeoutMs: 30_000 });
    expect(ssh.code, show(ssh)).toBe(0);
    expect(ssh.stdout.split('\n').slice(0, 2)).toEqual(['controlplane01', 'active']);
  }, 60_000);

  let pods: Pod[] = [];
  it('an nginx Deployment runs in the machines; its ClusterIP answers from node01', async () => {
    await lab.kc('create', 'namespace', NS);
    await lab.kc('-n', NS, 'create', 'deployment', 'web', '--image=nginx', '--replicas=2', '--port=80');
    await lab.kc('-n', NS, 'expose', 'deployment', 'web', '--port=80');
    await lab.kc('-n', NS, 'wait', '--for=condition=Available', 'deployment/web', '--timeout=180s');
    pods = await lab.pods(NS, 'app=web');
    expect(pods.length).toBe(2);
    for (const p of pods) expect(WORKERS).toContain(p.spec.nodeName);
    // The containers are processes inside the machines: containerd inside node01/node02 lists them.
    const ctr = await lab.sh(pods[0]!.spec.nodeName as 'node01', TASKS);
    expect(ctr.code, show(ctr)).toBe(0);
    expect(ctr.stdout).toMatch(/RUNNING/);
    const ip = (await lab.kc('-n', NS, 'get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}')).trim();
    const { value } = await waitFor('the ClusterIP answers from node01', 30_000, async () => {
      const c = await lab.exec('node01', ['curl', '-s', '--max-time', '3', `http://${ip}/`]);
      return c.code === 0 && /Welcome to nginx/.test(c.stdout) ? c.stdout : undefined;
    }, 500);
    expect(value).toMatch(/Welcome to nginx/);
  }, 240_000);

  it('systemctl restart kubelab-kubelet keeps the pods running', async () => {
    const node = pods[0]!.spec.nodeName as 'node01';
    const before = await lab.exec(node, ['systemctl', 'show', '-p', 'MainPID', '--value', 'kubelab-kubelet']);
    const r = await lab.exec(node, ['systemctl', 'restart', 'kubelab-kubelet']);
    expect(r.code, show(r)).toBe(0);
    const after = await lab.exec(node, ['systemctl', 'show', '-p', 'MainPID', '--value', 'kubelab-kubelet']);
    expect(after.stdout.trim()).not.toBe(before.stdout.trim());
    await waitFor(`${node} Ready after the kubelet restart`, 60_000, async () => (await lab.nodeReady(node)) === 'True', 1000);
    const now = await lab.pods(NS, 'app=web');
    expect(now.map((p) => p.metadata.uid).sort()).toEqual(pods.map((p) => p.metadata.uid).sort());
    for (const p of now) expect(p.status.phase).toBe('Running');
    const ctr = await lab.sh(node, TASKS);
    expect(ctr.stdout).toMatch(/RUNNING/);
  }, 120_000);

  it('down powers the machines off and leaves nothing', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/machine node01 powered off/);
    expect(await leftovers(E2E_LAB_DIR)).toEqual([]);
  }, 180_000);
});
