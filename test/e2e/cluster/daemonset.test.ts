/**
 * DaemonSets on the one-machine lab (issue 13): the lab's controller manager runs the DaemonSet controller (as its
 * own ServiceAccount, `system:controller:daemon-set-controller`), the default scheduler places daemon pods by their
 * `metadata.name` node affinity, and the kubelets run them. A DaemonSet without tolerations runs on node01 and node02
 * only (controlplane01 carries kubeadm's `node-role.kubernetes.io/control-plane:NoSchedule`); one tolerating it runs on
 * all three hosts; a new image rolls out one node at a time (`kubectl rollout status`), `kubectl rollout history`
 * lists both revisions and `kubectl rollout undo` brings the first image back. (The lab has a fixed set of hosts: a
 * node joining is covered by test/integration/apiserver/daemonset.test.ts.)
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, Lab, kubelabBin, leftovers, repo, show, waitFor, type Pod } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');

const daemonSet = (name: string, image: string, tolerateControlPlane: boolean) => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
${tolerateControlPlane ? '      tolerations:\n      - key: node-role.kubernetes.io/control-plane\n        operator: Exists\n        effect: NoSchedule\n' : ''}      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
`;

interface DaemonPod extends Pod {
  spec: { nodeName?: string; containers?: { image: string }[] };
}

describe('DaemonSets on the lab (containerd)', () => {
  let lab: Lab;

  beforeAll(async () => {
    await assertNoLab(E2E_LAB_DIR);
    lab = new Lab(E2E_LAB_DIR, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  const running = async (app: string): Promise<DaemonPod[]> =>
    ((await lab.pods('default', `app=${app}`)) as DaemonPod[]).filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running');

  it('scripts/lab up: controlplane01 is tainted as kubeadm does', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    expect(await lab.kc('get', 'node', 'controlplane01', '-o', 'jsonpath={.spec.taints}')).toContain('"key":"node-role.kubernetes.io/control-plane"');
  }, 450_000);

  it('a DaemonSet runs one pod on every worker, none on the tainted control plane', async () => {
    await lab.apply(daemonSet('agent', 'nginx:1.22', false));
    const r = await lab.kubectl(['rollout', 'status', 'ds/agent', '--timeout=120s'], { timeoutMs: 130_000 });
    expect(r.stdout, show(r)).toContain('daemon set "agent" successfully rolled out');
    const pods = await running('agent');
    expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(['node01', 'node02']);
    expect(await lab.kc('get', 'ds', 'agent')).toMatch(/agent\s+2\s+2\s+2\s+2\s+2\s+<none>/);
  }, 150_000);

  it('with the control-plane toleration it runs on every node, controlplane01 included', async () => {
    await lab.apply(daemonSet('everywhere', 'nginx:1.22', true));
    const r = await lab.kubectl(['rollout', 'status', 'ds/everywhere', '--timeout=120s'], { timeoutMs: 130_000 });
    expect(r.code, show(r)).toBe(0);
    expect((await running('everywhere')).map((p) => p.spec.nodeName).sort()).toEqual(['controlplane01', 'node01', 'node02']);
  }, 150_000);

  it('a new image rolls out (RollingUpdate), rollout history lists both revisions, rollout undo brings the first back', async () => {
    const t0 = Date.now();
    await lab.kc('set', 'image', 'ds/agent', 'web=nginx:latest');
    const r = await lab.kubectl(['rollout', 'status', 'ds/agent', '--timeout=120s'], { timeoutMs: 130_000 });
    expect(r.stdout, show(r)).toContain('daemon set "agent" successfully rolled out');
    console.log(`[daemonset] rolled to nginx:latest over 2 nodes in ${Date.now() - t0} ms`);
    expect((await running('agent')).map((p) => p.spec.containers?.[0]?.image)).toEqual(['nginx:latest', 'nginx:latest']);
    expect(await lab.kc('rollout', 'history', 'ds/agent')).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await lab.kc('rollout', 'history', 'ds/agent', '--revision=1')).toContain('nginx:1.22');

    expect(await lab.kc('rollout', 'undo', 'ds/agent')).toContain('daemonset.apps/agent rolled back');
    const u = await lab.kubectl(['rollout', 'status', 'ds/agent', '--timeout=120s'], { timeoutMs: 130_000 });
    expect(u.code, show(u)).toBe(0);
    await waitFor('both pods back on nginx:1.22', 60_000, async () => {
      const pods = await running('agent');
      return pods.length === 2 && pods.every((p) => p.spec.containers?.[0]?.image === 'nginx:1.22');
    });
    expect(await lab.kc('get', 'controllerrevisions', '-l', 'app=agent')).toMatch(/daemonset\.apps\/agent\s+3/);
  }, 300_000);

  it('deleting the DaemonSets removes their pods; scripts/lab down leaves nothing', async () => {
    await lab.kc('delete', 'ds', 'agent', 'everywhere', '--wait=true', '--timeout=90s');
    await waitFor('daemon pods gone', 90_000, async () => (await lab.pods('default', 'app in (agent,everywhere)')).length === 0);
    const d = await lab.down();
    expect(d.code, show(d)).toBe(0);
    expect(await leftovers(E2E_LAB_DIR)).toEqual([]);
  }, 240_000);
});
