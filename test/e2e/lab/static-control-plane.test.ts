/**
 * The kubeadm layout on the lab (issue 17): `scripts/lab up --control-plane static-pods` writes kubeadm's four
 * manifests (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) into controlplane01's
 * /etc/kubernetes/manifests, and controlplane01's kubelet runs them before any API server exists, from the
 * lab's own images (kubelab/etcd, kubelab/kubelab). Then, as on a kubeadm cluster:
 *   - `kubectl -n kube-system get pods` lists the mirror pods <component>-controlplane01, Running;
 *   - a Deployment works (scheduled, started, Available);
 *   - editing /etc/kubernetes/manifests/kube-apiserver.yaml (a flag) restarts the API server with it, and
 *     editing kube-scheduler.yaml (a --v flag, through `scripts/lab exec`) recreates the scheduler's pod;
 *   - moving the manifest out stops the scheduler (a new pod stays Pending), moving it back resumes scheduling;
 *   - etcd restore as the README documents it for this layout (snapshot, delete a namespace, restore into a new
 *     directory, point the etcd-data hostPath at it, the API server out and back in): the namespace is back;
 *   - `scripts/lab down` leaves nothing (containers, mounts, processes, namespaces).
 *
 * Lab directory: KUBELAB_E2E_LAB_DIR (run with /work/.lab-e2e-kubeadm). One lab at a time on the machine:
 * the file refuses to start when a lab is up and always runs `down`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStaticPodManifest } from '../../../node-agent/kubelet/static-pods.js';
import { assertNoLab, E2E_LAB_DIR, Lab, kubelabBin, leftovers, repo, show, sleep, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');
const CP = 'controlplane01';
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

interface MirrorPod {
  metadata: { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  spec: { nodeName?: string; hostNetwork?: boolean; priority?: number; priorityClassName?: string; containers: { image: string; command?: string[] }[] };
  status: { phase?: string; podIP?: string };
}

describe('the control plane as static pods (kubeadm layout, containerd)', () => {
  let lab: Lab;
  const manifests = join(E2E_LAB_DIR, `data/hosts/${CP}/etc/kubernetes/manifests`);

  beforeAll(async () => {
    await assertNoLab(E2E_LAB_DIR);
    lab = new Lab(E2E_LAB_DIR, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  const mirror = async (component: string): Promise<MirrorPod | undefined> => {
    const r = await lab.kubectl(['-n', 'kube-system', 'get', 'pod', `${component}-${CP}`, '-o', 'json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as MirrorPod) : undefined;
  };

  it('scripts/lab up --control-plane static-pods: kubeadm\'s manifests in controlplane01\'s /etc/kubernetes/manifests, no control-plane processes', async () => {
    const r = await lab.lab(['up', '--skip-deps', '--skip-build', '--runtime', 'containerd', '--control-plane', 'static-pods'], 480_000);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('control plane (static pods on controlplane01)');
    expect(readdirSync(manifests).sort()).toEqual(COMPONENTS.map((c) => `${c}.yaml`));
    for (const c of COMPONENTS) {
      const path = join(manifests, `${c}.yaml`);
      const parsed = parseStaticPodManifest(readFileSync(path, 'utf8'), path, CP, new Date().toISOString());
      expect(parsed.error, `${c}.yaml`).toBeUndefined();
      const pod = parsed.pod!;
      expect(pod.metadata.name).toBe(`${c}-${CP}`);
      expect(pod.metadata.namespace).toBe('kube-system');
      expect(pod.metadata.labels).toEqual({ component: c, tier: 'control-plane' });
      expect(pod.spec.hostNetwork).toBe(true);
      expect(pod.spec.priorityClassName).toBe('system-node-critical');
      expect(pod.spec.containers[0]!.command?.[0]).toBe(c);
      // The same flags as the processes' units: one `--flag=value` a line after the command.
      const unit = { etcd: 'etcd', 'kube-apiserver': 'apiserver', 'kube-controller-manager': 'controller-manager', 'kube-scheduler': 'scheduler' }[c];
      const env = readFileSync(join(E2E_LAB_DIR, `config/hosts/${CP}/env/${unit}.env`), 'utf8');
      expect(pod.spec.containers[0]!.command!.slice(1).join(' '), c).toBe(/KUBELAB_ARGS="([^"]*)"/.exec(env)![1]);
    }
    // Nothing runs as a lab process: the kubelet runs them.
    for (const c of ['etcd', 'apiserver', 'scheduler', 'controller-manager']) expect(existsSync(join(E2E_LAB_DIR, `run/${CP}-${c}.pid`)), c).toBe(false);
    expect((await lab.lab(['status'])).stdout).toContain('control plane: static-pods');
  }, 600_000);

  it('nodes Ready; kube-system lists the mirror pods <component>-controlplane01, Running, as on a kubeadm cluster', async () => {
    for (const n of ['controlplane01', 'node01', 'node02']) expect(await lab.nodeReady(n), n).toBe('True');
    const table = await lab.kc('-n', 'kube-system', 'get', 'pods');
    for (const c of COMPONENTS) expect(table).toMatch(new RegExp(`^${c}-${CP}\\s+1/1\\s+Running`, 'm'));
    for (const c of COMPONENTS) {
      const m = (await mirror(c))!;
      expect(m.metadata.annotations?.['kubernetes.io/config.mirror'], c).toBeTruthy();
      expect(m.metadata.labels?.component).toBe(c);
      expect(m.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: CP });
      expect(m.spec.priority).toBe(2000001000);
      expect(m.status.podIP).toBe('192.168.56.11');
    }
    expect((await mirror('etcd'))!.spec.containers[0]!.image).toBe('kubelab/etcd:latest');
    expect((await mirror('kube-apiserver'))!.spec.containers[0]!.image).toBe('kubelab/kubelab:latest');
    console.log(`[kubeadm] kubectl -n kube-system get pods:\n${table}`);
  }, 120_000);

  it('a Deployment works (scheduled by the static-pod scheduler, its ReplicaSet made by the static-pod controller manager)', async () => {
    await lab.kc('create', 'deployment', 'web', '--image=nginx', '--replicas=2');
    const r = await lab.kubectl(['wait', '--for=condition=Available', 'deployment/web', '--timeout=120s'], { timeoutMs: 130_000 });
    expect(r.code, show(r)).toBe(0);
    const pods = await lab.pods('default', 'app=web');
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(['node01', 'node02']).toContain(p.spec.nodeName);
  }, 180_000);

  it("kubectl get componentstatuses: scheduler, controller-manager and etcd-0 Healthy; their pods pass kubeadm's HTTPS /healthz probes", async () => {
    const r = await lab.kubectl(['get', 'componentstatuses']);
    expect(r.code, show(r)).toBe(0);
    for (const n of ['scheduler', 'controller-manager', 'etcd-0']) expect(r.stdout, r.stdout).toMatch(new RegExp(`^${n}\\s+Healthy\\s+ok`, 'm'));
    console.log(`[kubeadm] kubectl get cs:\n${r.stdout}`);
    for (const [c, port] of [['kube-scheduler', 10259], ['kube-controller-manager', 10257]] as const) {
      const got = await lab.kubectl(['-n', 'kube-system', 'get', 'pod', `${c}-${CP}`, '-o', 'json']);
      const pod = JSON.parse(got.stdout) as {
        spec: { containers: { livenessProbe?: { httpGet?: { port?: number; scheme?: string } } }[] };
        status: { containerStatuses?: { started?: boolean; ready?: boolean; restartCount?: number }[] };
      };
      expect(pod.spec.containers[0]!.livenessProbe?.httpGet).toMatchObject({ port, scheme: 'HTTPS' });
      // the startup probe passed (started), and no liveness failure restarted the container
      await waitFor(`${c} started`, 90_000, async () => {
        const p = JSON.parse((await lab.kubectl(['-n', 'kube-system', 'get', 'pod', `${c}-${CP}`, '-o', 'json'])).stdout) as typeof pod;
        return p.status.containerStatuses?.[0]?.started === true || undefined;
      }, 1000);
      expect(pod.status.containerStatuses?.[0]?.restartCount ?? 0, c).toBe(0);
    }
  }, 240_000);

  it('editing kube-apiserver.yaml (a flag) restarts the API server with it: new pods get the new default toleration', async () => {
    const before = (await mirror('kube-apiserver'))!;
    const flag = '--default-not-ready-toleration-seconds=45';
    const r = await lab.exec(CP, ['sed', '-i', 's|--default-not-ready-toleration-seconds=30$|--default-not-ready-toleration-seconds=45|', '/etc/kubernetes/manifests/kube-apiserver.yaml']);
    expect(r.code, show(r)).toBe(0);
    const { ms } = await waitFor('the kube-apiserver mirror pod with the new flag, Running', 180_000, async () => {
      const m = await mirror('kube-apiserver');
      return m && m.metadata.uid !== before.metadata.uid && m.spec.containers[0]!.command?.includes(flag) && m.status.phase === 'Running' ? m : undefined;
    });
    console.log(`[kubeadm] the edited API server answered with its new mirror pod after ${Math.round(ms / 1000)} s`);
    await lab.kc('run', 'tolerations', '--image=nginx', '--restart=Never');
    const pod = await lab.json<{ spec: { tolerations?: { key?: string; tolerationSeconds?: number }[] } }>('get', 'pod', 'tolerations');
    expect(pod.spec.tolerations?.find((t) => t.key === 'node.kubernetes.io/not-ready')?.tolerationSeconds).toBe(45);
  }, 240_000);

  it('editing kube-scheduler.yaml through scripts/lab exec (adding --v=2) recreates the scheduler pod with the new flag', async () => {
    const before = (await mirror('kube-scheduler'))!;
    expect(before.spec.containers[0]!.command).not.toContain('--v=2');
    const r = await lab.exec(CP, ['sed', '-i', 's|^    - kube-scheduler$|    - kube-scheduler\\n    - --v=2|', '/etc/kubernetes/manifests/kube-scheduler.yaml']);
    expect(r.code, show(r)).toBe(0);
    expect(readFileSync(join(manifests, 'kube-scheduler.yaml'), 'utf8')).toContain('    - --v=2\n');
    const { value: after, ms } = await waitFor('the kube-scheduler mirror pod with --v=2, Running', 120_000, async () => {
      const m = await mirror('kube-scheduler');
      return m && m.metadata.uid !== before.metadata.uid && m.spec.containers[0]!.command?.includes('--v=2') && m.status.phase === 'Running' ? m : undefined;
    });
    expect(after.metadata.annotations?.['kubernetes.io/config.hash']).not.toBe(before.metadata.annotations?.['kubernetes.io/config.hash']);
    console.log(`[kubeadm] the edited scheduler's pod Running after ${Math.round(ms / 1000)} s`);
    // The new scheduler schedules (it takes the Lease over).
    await lab.kc('run', 'after-edit', '--image=nginx', '--restart=Never');
    await waitFor('pod after-edit scheduled', 90_000, async () => (await lab.kc('get', 'pod', 'after-edit', '-o', 'jsonpath={.spec.nodeName}')).trim() || undefined);
  }, 240_000);

  it('moving kube-scheduler.yaml out stops scheduling (a new pod stays Pending); moving it back in resumes it', async () => {
    const out = await lab.exec(CP, ['mv', '/etc/kubernetes/manifests/kube-scheduler.yaml', '/etc/kubernetes/kube-scheduler.yaml']);
    expect(out.code, show(out)).toBe(0);
    await waitFor('the kube-scheduler mirror pod gone', 90_000, async () => !(await mirror('kube-scheduler')));
    await lab.kc('run', 'waiting', '--image=nginx', '--restart=Never');
    await sleep(15_000);
    expect((await lab.kc('get', 'pod', 'waiting', '-o', 'jsonpath={.status.phase}|{.spec.nodeName}')).trim()).toBe('Pending|');
    const back = await lab.exec(CP, ['mv', '/etc/kubernetes/kube-scheduler.yaml', '/etc/kubernetes/manifests/kube-scheduler.yaml']);
    expect(back.code, show(back)).toBe(0);
    const { ms } = await waitFor('pod waiting scheduled and Running', 150_000, async () =>
      (await lab.kc('get', 'pod', 'waiting', '-o', 'jsonpath={.status.phase}')).trim() === 'Running' || undefined);
    console.log(`[kubeadm] scheduling resumed ${Math.round(ms / 1000)} s after the manifest came back`);
    expect((await mirror('kube-scheduler'))?.status.phase).toBe('Running');
  }, 300_000);

  it('etcd restore, kubeadm style: the etcd-data hostPath pointed at the restored directory brings the snapshot\'s objects back', async () => {
    await lab.kc('create', 'namespace', 'restore-e2e');
    await lab.kc('-n', 'restore-e2e', 'create', 'configmap', 'keep', '--from-literal=color=blue');
    const save = await lab.exec(CP, ['env', 'ETCDCTL_API=3', 'etcdctl', '--endpoints=https://127.0.0.1:2379', '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
      '--cert=/etc/kubernetes/pki/etcd/server.crt', '--key=/etc/kubernetes/pki/etcd/server.key', 'snapshot', 'save', '/opt/snapshot.db']);
    expect(save.code, show(save)).toBe(0);
    await lab.kc('delete', 'namespace', 'restore-e2e', '--wait=true', '--timeout=90s');
    const restore = await lab.exec(CP, ['etcdutl', 'snapshot', 'restore', '/opt/snapshot.db', '--data-dir', '/var/lib/etcd-from-backup']);
    expect(restore.code, show(restore)).toBe(0);
    // The README's command: the etcd-data volume's hostPath, as the kubelet sees it (the machine's path).
    const L = E2E_LAB_DIR;
    const edit = await lab.exec(CP, ['sed', '-i', `s|^      path: ${L}/data/etcd$|      path: ${L}/data/hosts/${CP}/var/lib/etcd-from-backup|`, '/etc/kubernetes/manifests/etcd.yaml']);
    expect(edit.code, show(edit)).toBe(0);
    expect(readFileSync(join(manifests, 'etcd.yaml'), 'utf8')).toContain(`      path: ${L}/data/hosts/${CP}/var/lib/etcd-from-backup\n`);
    // Then the API server again (kubeadm's docs: restart the control plane components): out and back in.
    await sleep(15_000);
    expect((await lab.exec(CP, ['mv', '/etc/kubernetes/manifests/kube-apiserver.yaml', '/etc/kubernetes/'])).code).toBe(0);
    await sleep(15_000);
    expect((await lab.exec(CP, ['mv', '/etc/kubernetes/kube-apiserver.yaml', '/etc/kubernetes/manifests/'])).code).toBe(0);
    const { ms } = await waitFor('namespace restore-e2e back with its ConfigMap', 180_000, async () =>
      (await lab.kubectl(['-n', 'restore-e2e', 'get', 'configmap', 'keep', '-o', 'jsonpath={.data.color}'])).stdout.trim() === 'blue' || undefined);
    console.log(`[kubeadm] the restored namespace answered ${Math.round(ms / 1000)} s after the API server came back`);
    expect((await lab.kc('get', 'namespace', 'restore-e2e', '-o', 'jsonpath={.status.phase}')).trim()).toBe('Active');
  }, 420_000);

  it('scripts/lab down leaves nothing behind (containers, mounts, processes, namespaces)', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(await leftovers(E2E_LAB_DIR)).toEqual([]);
  }, 180_000);
});
