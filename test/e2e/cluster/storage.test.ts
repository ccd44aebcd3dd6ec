/**
 * Storage on the lab (issue 15), with real pods and the real kubectl: `scripts/lab up` installs rancher's local-path
 * provisioner (addons/local-path-provisioner) and the default StorageClass `local-path`; then, as a user of upstream's
 * docs (tasks/configure-pod-container/configure-persistent-volume-storage) would:
 * - a static hostPath PersistentVolume (class `manual`) bound by a claim, written by one pod and read by the next;
 *   `kubectl get pv,pvc` with upstream's columns; `kubectl describe pod` shows the mounts;
 * - a claim on the default class stays Pending (WaitForFirstConsumer) until its pod is scheduled, then is provisioned
 *   in THAT pod's node's folder (the lab gives each host its own: .lab/data/hosts/<node>/opt/local-path-provisioner);
 *   its data survives the pod's deletion and re-creation (the new pod lands on the same node); Delete reclaim removes
 *   the folder (a helper pod on the node), Retain keeps it and the PV goes Released; a class with allowVolumeExpansion
 *   grows a bound claim (the provisioner does the CSI external-resizer's part);
 * - a claim larger than any volume stays Pending with upstream's FailedBinding event (`kubectl describe pvc`);
 * - an emptyDir outlives a container restart; a hostPath folder outlives its pod;
 * - bad input, each a clear error and nothing half made: invalid access modes (422), a shrinking resize (422), a
 *   resize the class does not allow (403), a hostPath of the wrong type (FailedMount `hostPath type check failed: ...
 *   is not a directory`, no container started).
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, kubelabBin, Lab, leftovers, repo, show, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');

interface PV {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    hostPath?: { path: string; type?: string };
    persistentVolumeReclaimPolicy?: string;
    claimRef?: { name: string; namespace: string };
    nodeAffinity?: { required?: { nodeSelectorTerms?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[] } };
  };
  status?: { phase?: string };
}

/** A busybox pod running `script` with `volumes` mounted at /data (the first) and others as named. */
function pod(name: string, script: string, volume: Record<string, unknown>, o: { restartPolicy?: string; nodeName?: string } = {}): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: {
      restartPolicy: o.restartPolicy ?? 'Never',
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', ...volume }],
    },
  });
}

const claim = (name: string, storage: string, extra: Record<string, unknown> = {}) => JSON.stringify({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, ...extra },
});

describe('storage on the lab (containerd)', () => {
  let lab: Lab;
  const labDir = E2E_LAB_DIR;
  const nodeFolder = (node: string) => join(labDir, 'data/hosts', node, 'opt/local-path-provisioner');
  const create = async (manifest: string) => {
    const r = await lab.kubectl(['create', '-f', '-'], { input: manifest });
    expect(r.code, show(r)).toBe(0);
  };
  const phase = async (kind: string, name: string) => (await lab.kubectl(['get', kind, name, '-o', 'jsonpath={.status.phase}'])).stdout.trim();
  const podEnded = (name: string, want = 'Succeeded', ms = 90_000) =>
    waitFor(`pod ${name} ${want}`, ms, async () => {
      const p = await phase('pod', name);
      if (p === 'Failed' && want !== 'Failed') throw new Error(`pod ${name} Failed: ${(await lab.kubectl(['describe', 'pod', name])).stdout}`);
      return p === want || undefined;
    }, 500);
  const logs = async (name: string) => (await lab.kc('logs', name)).trim();
  const pv = (name: string) => lab.json<PV>('get', 'pv', name);
  const volumeOf = async (claimName: string) => (await lab.kc('get', 'pvc', claimName, '-o', 'jsonpath={.spec.volumeName}')).trim();
  const gone = (kind: string, name: string, ms = 60_000) =>
    waitFor(`${kind} ${name} deleted`, ms, async () => ((await lab.kubectl(['get', kind, name])).code !== 0) || undefined, 500);
  const deletePod = (name: string) => lab.kc('delete', 'pod', name, '--wait=true', '--timeout=60s');

  beforeAll(async () => {
    await assertNoLab(labDir);
    lab = new Lab(labDir, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  it('scripts/lab up installs the local-path provisioner and the default StorageClass local-path', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('done: add-ons (cluster DNS, local-path storage)');
    // `up` waited for Available; it stays so (its pod's state and logs in the message otherwise).
    const available = await lab.kc('-n', 'local-path-storage', 'get', 'deployment', 'local-path-provisioner', '-o', 'jsonpath={.status.availableReplicas}');
    if (available !== '1') {
      const why = [await lab.kubectl(['-n', 'local-path-storage', 'describe', 'pods']), await lab.kubectl(['-n', 'local-path-storage', 'logs', 'deploy/local-path-provisioner', '--previous'])];
      expect.fail(`local-path-provisioner not available (${available}):\n${why.map((r) => show(r)).join('\n')}`);
    }
    expect(await lab.kc('get', 'storageclass')).toMatch(
      /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\nlocal-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+\n$/);
    // Each host its own folder (rancher's nodePathMap in ConfigMap local-path-config).
    const config = JSON.parse(await lab.kc('-n', 'local-path-storage', 'get', 'configmap', 'local-path-config', '-o', 'jsonpath={.data.config\\.json}'));
    expect(config).toEqual({ nodePathMap: ['controlplane01', 'node01', 'node02'].map((n) => ({ node: n, paths: [nodeFolder(n)] })) });
  }, 600_000);

  it('a static hostPath PV bound by its claim: one pod writes, the next reads; get pv,pvc and describe pod', async () => {
    const path = join(labDir, 'data/static-pv');
    await create(JSON.stringify({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'task-pv-volume', labels: { type: 'local' } },
      spec: { storageClassName: 'manual', capacity: { storage: '100Mi' }, accessModes: ['ReadWriteOnce'], hostPath: { path, type: 'DirectoryOrCreate' } },
    }));
    await create(claim('task-pv-claim', '50Mi', { storageClassName: 'manual' }));
    await waitFor('task-pv-claim Bound', 30_000, async () => (await phase('pvc', 'task-pv-claim')) === 'Bound' || undefined, 250);
    expect(await lab.kc('get', 'pv,pvc')).toMatch(new RegExp([
      String.raw`^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE`,
      String.raw`persistentvolume/task-pv-volume\s+100Mi\s+RWO\s+Retain\s+Bound\s+default/task-pv-claim\s+manual\s+<unset>\s+\S+`,
      '',
      String.raw`NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE`,
      String.raw`persistentvolumeclaim/task-pv-claim\s+Bound\s+task-pv-volume\s+100Mi\s+RWO\s+manual\s+<unset>\s+\S+`,
    ].join('\n')));
    const volume = { persistentVolumeClaim: { claimName: 'task-pv-claim' } };
    await create(pod('writer', 'echo "Hello from Kubernetes storage" > /data/index.html', volume));
    await podEnded('writer');
    await create(pod('reader', 'cat /data/index.html; sleep 3600', volume, { restartPolicy: 'Always' }));
    await waitFor('reader printed the file', 90_000, async () => (await lab.kubectl(['logs', 'reader'])).stdout.trim() === 'Hello from Kubernetes storage' || undefined, 500);
    expect(readFileSync(join(path, 'index.html'), 'utf8')).toBe('Hello from Kubernetes storage\n');
    const described = await lab.kc('describe', 'pod', 'reader');
    expect(described).toMatch(/Mounts:\n\s+\/data from data \(rw\)\n/);
    expect(described).toMatch(/Volumes:\n\s+data:\n\s+Type:\s+PersistentVolumeClaim \(a reference to a PersistentVolumeClaim in the same namespace\)\n\s+ClaimName:\s+task-pv-claim\n\s+ReadOnly:\s+false\n/);
    for (const p of ['writer', 'reader']) await deletePod(p);
    // The claim goes, the Retain volume stays Released with the data on disk.
    await lab.kc('delete', 'pvc', 'task-pv-claim', '--wait=true', '--timeout=60s');
    await waitFor('task-pv-volume Released', 30_000, async () => (await phase('pv', 'task-pv-volume')) === 'Released' || undefined, 250);
    expect(readFileSync(join(path, 'index.html'), 'utf8')).toBe('Hello from Kubernetes storage\n');
    await lab.kc('delete', 'pv', 'task-pv-volume');
  }, 300_000);

  it('a claim on the default class is provisioned once its pod is scheduled, in that node\'s folder; the data outlives the pod; Delete reclaim removes the folder', async () => {
    await create(claim('dyn', '64Mi'));
    const c = await lab.json<{ spec: { storageClassName?: string }; status: { phase: string } }>('get', 'pvc', 'dyn');
    expect(c.spec.storageClassName).toBe('local-path');
    expect(c.status.phase).toBe('Pending');
    await waitFor('the WaitForFirstConsumer event', 20_000, async () => /WaitForFirstConsumer\s+.*persistentvolume-controller\s+waiting for first consumer to be created before binding/.test((await lab.kc('describe', 'pvc', 'dyn'))) || undefined, 500);
    expect(await lab.kc('get', 'pv', '-o', 'name')).toBe('');

    await create(pod('dyn-writer', 'echo kept > /data/f', { persistentVolumeClaim: { claimName: 'dyn' } }));
    await podEnded('dyn-writer');
    const node = (await lab.kc('get', 'pod', 'dyn-writer', '-o', 'jsonpath={.spec.nodeName}')).trim();
    expect(['node01', 'node02']).toContain(node);
    const name = await volumeOf('dyn');
    const v = await pv(name);
    const folder = join(nodeFolder(node), `${name}_default_dyn`);
    expect(v.spec.hostPath).toEqual({ path: folder, type: 'DirectoryOrCreate' });
    expect(v.spec.nodeAffinity?.required?.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }]);
    expect(v.spec.persistentVolumeReclaimPolicy).toBe('Delete');
    expect(v.metadata.annotations?.['pv.kubernetes.io/provisioned-by']).toBe('rancher.io/local-path');
    expect(readFileSync(join(folder, 'f'), 'utf8')).toBe('kept\n');
    const other = node === 'node01' ? 'node02' : 'node01';
    expect(existsSync(join(nodeFolder(other), `${name}_default_dyn`))).toBe(false);
    const events = await lab.kc('describe', 'pvc', 'dyn');
    expect(events).toMatch(/ProvisioningSucceeded\s+.*rancher\.io\/local-path\s+Successfully provisioned volume pvc-/);

    // Deleted and re-created: the new pod follows the volume's node affinity and reads what the first wrote.
    await deletePod('dyn-writer');
    await create(pod('dyn-reader', 'cat /data/f', { persistentVolumeClaim: { claimName: 'dyn' } }));
    await podEnded('dyn-reader');
    expect(await logs('dyn-reader')).toBe('kept');
    expect((await lab.kc('get', 'pod', 'dyn-reader', '-o', 'jsonpath={.spec.nodeName}')).trim()).toBe(node);
    await deletePod('dyn-reader');

    // Delete reclaim: a helper pod on the node removes the folder, then the PV goes.
    await lab.kc('delete', 'pvc', 'dyn', '--wait=true', '--timeout=60s');
    await gone('pv', name);
    expect(existsSync(folder)).toBe(false);
    expect(existsSync(nodeFolder(node))).toBe(true);
  }, 300_000);

  it('Retain: the claim deleted, the PV goes Released and the folder stays', async () => {
    await lab.apply(`
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local-path-retain}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
`);
    await create(claim('kept', '32Mi', { storageClassName: 'local-path-retain' }));
    await create(pod('kept-writer', 'echo retained > /data/f', { persistentVolumeClaim: { claimName: 'kept' } }));
    await podEnded('kept-writer');
    const name = await volumeOf('kept');
    const v = await pv(name);
    expect(v.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    const folder = v.spec.hostPath!.path;
    await deletePod('kept-writer');
    await lab.kc('delete', 'pvc', 'kept', '--wait=true', '--timeout=60s');
    await waitFor(`${name} Released`, 30_000, async () => (await phase('pv', name)) === 'Released' || undefined, 250);
    expect(await lab.kc('get', 'pv', name)).toMatch(new RegExp(`${name}\\s+32Mi\\s+RWO\\s+Retain\\s+Released\\s+default/kept\\s+local-path-retain\\s+<unset>\\s+\\S+`));
    // The provisioner leaves a Retain volume alone: no helper pod, the data stays.
    await new Promise((r) => setTimeout(r, 3000));
    expect(existsSync(join(folder, 'f'))).toBe(true);
    expect(await lab.kc('-n', 'local-path-storage', 'get', 'pods', '-l', 'app=local-path-provisioner-helper', '-o', 'name')).toBe('');
    await lab.kc('delete', 'pv', name);
  }, 300_000);

  it('volume expansion where the class allows it: the PV and the claim grow, the pod keeps its data', async () => {
    await lab.apply(`
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local-path-grow}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
allowVolumeExpansion: true
`);
    await create(claim('grow', '32Mi', { storageClassName: 'local-path-grow' }));
    await create(pod('grow-user', 'echo before > /data/f; sleep 3600', { persistentVolumeClaim: { claimName: 'grow' } }, { restartPolicy: 'Always' }));
    await lab.kc('wait', '--for=condition=Ready', 'pod/grow-user', '--timeout=90s');
    const name = await volumeOf('grow');
    await lab.kc('patch', 'pvc', 'grow', '-p', '{"spec":{"resources":{"requests":{"storage":"128Mi"}}}}');
    await waitFor('the claim grown', 30_000, async () => (await lab.kc('get', 'pvc', 'grow', '-o', 'jsonpath={.status.capacity.storage}')).trim() === '128Mi' || undefined, 500);
    expect(await lab.kc('get', 'pvc', 'grow')).toMatch(new RegExp(`grow\\s+Bound\\s+${name}\\s+128Mi\\s+RWO\\s+local-path-grow\\s+`));
    expect(await lab.kc('get', 'pv', name, '-o', 'jsonpath={.spec.capacity.storage}')).toBe('128Mi');
    const events = await lab.kc('describe', 'pvc', 'grow');
    expect(events).toMatch(/Resizing\s+.*rancher\.io\/local-path\s+External resizer is resizing volume pvc-/);
    expect(events).toMatch(/VolumeResizeSuccessful\s+.*rancher\.io\/local-path\s+Resize volume succeeded/);
    expect((await lab.kc('exec', 'grow-user', '--', 'cat', '/data/f')).trim()).toBe('before');
    await deletePod('grow-user');
    await lab.kc('delete', 'pvc', 'grow', '--wait=true', '--timeout=60s');
    await gone('pv', name);
  }, 240_000);

  it('a claim larger than any volume stays Pending with upstream\'s FailedBinding event', async () => {
    await create(JSON.stringify({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'small' },
      spec: { storageClassName: '', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: join(labDir, 'data/small') } },
    }));
    await create(claim('too-big', '100Gi', { storageClassName: '' }));
    const described = await waitFor('the FailedBinding event', 20_000, async () => {
      const d = await lab.kc('describe', 'pvc', 'too-big');
      return /FailedBinding/.test(d) ? d : undefined;
    }, 500);
    expect(described.value).toMatch(/Status:\s+Pending\n/);
    expect(described.value).toMatch(/Normal\s+FailedBinding\s+\S+(?: \(x\d+ over \S+\))?\s+persistentvolume-controller\s+no persistent volumes available for this claim and no storage class is set/);
    expect(await phase('pv', 'small')).toBe('Available');
    await lab.kc('delete', 'pvc', 'too-big', '--wait=true', '--timeout=60s');
    await lab.kc('delete', 'pv', 'small');
  }, 120_000);

  it('an emptyDir outlives a container restart; a hostPath folder outlives its pod on the node', async () => {
    await create(pod('cache', 'if [ -f /data/x ]; then cat /data/x; else echo first-run > /data/x; exit 1; fi', { emptyDir: {} }, { restartPolicy: 'OnFailure' }));
    await podEnded('cache', 'Succeeded', 120_000);
    expect(await lab.kc('get', 'pod', 'cache', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}')).toBe('1');
    expect(await logs('cache')).toBe('first-run');
    await deletePod('cache');

    const dir = join(labDir, 'data/hosts/node01/keep');
    const hp = { hostPath: { path: dir, type: 'DirectoryOrCreate' } };
    await create(pod('hp-writer', 'echo on-the-node > /data/f', hp, { nodeName: 'node01' }));
    await podEnded('hp-writer');
    await deletePod('hp-writer');
    await create(pod('hp-reader', 'cat /data/f', hp, { nodeName: 'node01' }));
    await podEnded('hp-reader');
    expect(await logs('hp-reader')).toBe('on-the-node');
    await deletePod('hp-reader');
  }, 240_000);

  it('bad input: invalid access modes, a shrinking resize, a resize the class forbids, a hostPath of the wrong type', async () => {
    const bad = await lab.kubectl(['create', '-f', '-'], { input: claim('bad-modes', '1Gi', { accessModes: ['ReadWriteSometimes'] }) });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('The PersistentVolumeClaim "bad-modes" is invalid: spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"');
    expect((await lab.kubectl(['get', 'pvc', 'bad-modes'])).stderr).toContain('persistentvolumeclaims "bad-modes" not found');
    const none = await lab.kubectl(['create', '-f', '-'], { input: claim('no-modes', '1Gi', { accessModes: [] }) });
    expect(none.stderr.trim()).toBe('The PersistentVolumeClaim "no-modes" is invalid: spec.accessModes: Required value: at least 1 access mode is required');

    // A bound claim of the default class: shrinking is invalid, growing is refused (local-path does not expand).
    await create(claim('sized', '64Mi'));
    await create(pod('sized-user', 'true', { persistentVolumeClaim: { claimName: 'sized' } }));
    await podEnded('sized-user');
    const shrink = await lab.kubectl(['patch', 'pvc', 'sized', '-p', '{"spec":{"resources":{"requests":{"storage":"32Mi"}}}}']);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr.trim()).toBe('The PersistentVolumeClaim "sized" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity');
    const grow = await lab.kubectl(['patch', 'pvc', 'sized', '-p', '{"spec":{"resources":{"requests":{"storage":"1Gi"}}}}']);
    expect(grow.code).toBe(1);
    expect(grow.stderr.trim()).toBe('Error from server (Forbidden): persistentvolumeclaims "sized" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    expect(await lab.kc('get', 'pvc', 'sized', '-o', 'jsonpath={.spec.resources.requests.storage} {.status.capacity.storage}')).toBe('64Mi 64Mi');
    await deletePod('sized-user');
    await lab.kc('delete', 'pvc', 'sized', '--wait=true', '--timeout=60s');

    // A file where a Directory is required: the pod waits with FailedMount, no container is started.
    const file = join(labDir, 'kubeconfig');
    await create(pod('wrong-type', 'true', { hostPath: { path: file, type: 'Directory' } }));
    const d = await waitFor('the FailedMount event', 60_000, async () => {
      const out = await lab.kc('describe', 'pod', 'wrong-type');
      return /FailedMount/.test(out) ? out : undefined;
    }, 500);
    expect(d.value).toContain(`MountVolume.SetUp failed for volume "data" : hostPath type check failed: ${file} is not a directory`);
    expect(await lab.kc('get', 'pod', 'wrong-type', '-o', 'jsonpath={.status.phase}|{.status.containerStatuses[0].state.running}|{.status.containerStatuses[0].containerID}')).toBe('Pending||');
    await deletePod('wrong-type');
  }, 240_000);

  it('scripts/lab down removes the provisioned folders with the lab and leaves nothing behind', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(existsSync(join(labDir, 'data'))).toBe(false);
    expect(await leftovers(labDir)).toEqual([]);
  }, 180_000);
});
