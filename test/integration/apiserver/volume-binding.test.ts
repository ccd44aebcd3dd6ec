/**
 * Issue 15: WaitForFirstConsumer end to end without host state. A real API server over etcd, the real scheduler (its
 * process logic in this process), the PV binder + pvc/pv-protection controllers and the local-path provisioner,
 * driven by the real kubectl: a pod's claim is bound to the local volume on the node the pod can go to; a claim of
 * the `local-path` class is provisioned on the node the pod is scheduled to (selected-node, PV with node affinity
 * and rancher's folder); Delete reclaim runs a helper pod `rm -rf` on that node, then removes the PV; a missing
 * claim and a volume node affinity conflict leave the pod Pending with upstream's FailedScheduling messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMaxListeners } from 'node:events';
import { KubeClient } from '../../../api/client/api-client.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { buildControllers, parseFlags } from '../../../control-plane/controllers/main.js';
import { newControllerContext, R } from '../../../control-plane/controllers/util/context.js';
import { runSchedulerProcess } from '../../../control-plane/scheduler/scheduler.js';
import { LocalPathProvisioner } from '../../../addons/local-path-provisioner/controller.js';
import { defaultConfig } from '../../../addons/local-path-provisioner/decide.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { kubectl, kubectlOk } from '../../support/apiserver.js';
import { poll } from '../../support/net.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((x) => (s = x));

const stop = new AbortController();
setMaxListeners(100, stop.signal);
let running: Promise<unknown> | undefined;
let informers: InformerFactory | undefined;
let client: KubeClient;

const node = (name: string) => {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: {
      capacity: { cpu: '2', memory: '8Gi', pods: '110' }, allocatable: { cpu: '2', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  });
};

beforeAll(async () => {
  client = KubeClient.fromKubeconfig(s.h.kubeconfig, undefined, { qps: 200, burst: 400 });
  for (const n of ['w1', 'w2']) await kubectlOk(s.h, ['create', '-f', '-'], node(n));
  await kubectlOk(s.h, ['create', 'namespace', 'local-path-storage']);
  informers = new InformerFactory(client, { resyncPeriodMs: 60_000 });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  const controllers = buildControllers(ctx, parseFlags([
    '--controllers=persistentvolume-binder-controller,pvc-protection,pv-protection', '--pvclaimbinder-sync-period=1s',
  ]));
  const provisioner = new LocalPathProvisioner(ctx, defaultConfig());
  informers.start();
  running = Promise.all([
    ...[...controllers, provisioner].map((c) => c.run(stop.signal)),
    runSchedulerProcess({ client, leaderElect: false, logger: silentLogger, initialBackoffMs: 200, maxBackoffMs: 1000 }, stop.signal),
  ]);
}, 60_000);

afterAll(async () => {
  stop.abort();
  await running?.catch(() => undefined);
  await informers?.stop();
  client?.close();
});

const getJson = async (args: string[]) => JSON.parse(await kubectlOk(s.h, [...args, '-o', 'json']));
const waitFor = async <T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> => (await poll(what, 30_000, check, 200)).value;
const create = (obj: unknown) => kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify(obj));
const claim = (name: string, cls: string) => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' },
  spec: { storageClassName: cls, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
});
const pod = (name: string, claimName: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
});
const localPv = (name: string, nodeName: string, cls: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
  spec: {
    storageClassName: cls, capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain',
    local: { path: `/mnt/disks/${name}` },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } },
    ...extra,
  },
});
const failedScheduling = async (podName: string): Promise<string | undefined> => {
  const list = await getJson(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.name=${podName},reason=FailedScheduling`]);
  return list.items[0]?.message;
};

describe('VolumeBinding with static local volumes (WaitForFirstConsumer, no provisioner)', () => {
  it('the pod goes to the node of the only matching volume, which the PV controller then binds', async () => {
    await create({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-storage' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' });
    await create(localPv('local-w2', 'w2', 'local-storage'));
    await create(claim('local-claim', 'local-storage'));
    await waitFor('claim waits for its consumer', async () => (await getJson(['get', 'pvc', 'local-claim'])).status?.phase === 'Pending');
    await create(pod('local-user', 'local-claim'));
    await waitFor('pod bound', async () => (await getJson(['get', 'pod', 'local-user'])).spec.nodeName);
    expect((await getJson(['get', 'pod', 'local-user'])).spec.nodeName).toBe('w2');
    await waitFor('claim Bound', async () => (await getJson(['get', 'pvc', 'local-claim'])).status?.phase === 'Bound');
    const c = await getJson(['get', 'pvc', 'local-claim']);
    expect(c.spec.volumeName).toBe('local-w2');
    expect(c.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes' });
    const v = await getJson(['get', 'pv', 'local-w2']);
    expect(v.spec.claimRef).toMatchObject({ namespace: 'default', name: 'local-claim', uid: c.metadata.uid });
    expect(v.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bound-by-controller': 'yes' });
  });

  it('a second claim finds no volume left: upstream FailedScheduling message', async () => {
    await create(claim('local-claim-2', 'local-storage'));
    await create(pod('local-user-2', 'local-claim-2'));
    const msg = await waitFor('FailedScheduling', () => failedScheduling('local-user-2'));
    expect(msg).toMatch(/^0\/2 nodes are available: 2 node\(s\) didn't find available persistent volumes to bind\./);
    expect((await getJson(['get', 'pod', 'local-user-2'])).spec.nodeName).toBeUndefined();
  });

  it('a claim bound to a volume on no existing node: volume node affinity conflict', async () => {
    await create(localPv('local-gone', 'w9', 'manual', { claimRef: { namespace: 'default', name: 'pinned' } }));
    await create({ ...claim('pinned', 'manual'), spec: { ...claim('pinned', 'manual').spec, volumeName: 'local-gone' } });
    await waitFor('pinned Bound', async () => (await getJson(['get', 'pvc', 'pinned'])).status?.phase === 'Bound');
    await create(pod('pinned-user', 'pinned'));
    const msg = await waitFor('FailedScheduling', () => failedScheduling('pinned-user'));
    expect(msg).toMatch(/^0\/2 nodes are available: 2 node\(s\) had volume node affinity conflict\./);
  });

  it('a missing claim: persistentvolumeclaim "nope" not found', async () => {
    await create(pod('no-claim', 'nope'));
    const msg = await waitFor('FailedScheduling', () => failedScheduling('no-claim'));
    expect(msg).toMatch(/^0\/2 nodes are available: persistentvolumeclaim "nope" not found\./);
  });
});

describe('dynamic provisioning by the local-path provisioner', () => {
  it('provisions on the node the pod is scheduled to; Delete reclaim removes the folder through a helper pod, then the PV', async () => {
    await create({
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-path' },
      provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete',
    });
    await create(claim('lp', 'local-path'));
    await create(pod('lp-user', 'lp'));
    const nodeName: string = await waitFor('pod bound', async () => (await getJson(['get', 'pod', 'lp-user'])).spec.nodeName);
    const c = await waitFor('claim Bound', async () => {
      const x = await getJson(['get', 'pvc', 'lp']);
      return x.status?.phase === 'Bound' ? x : undefined;
    });
    expect(c.metadata.annotations).toMatchObject({
      'volume.kubernetes.io/selected-node': nodeName,
      'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
    });
    const pvName = `pvc-${c.metadata.uid}`;
    expect(c.spec.volumeName).toBe(pvName);
    const v = await getJson(['get', 'pv', pvName]);
    expect(v.spec).toMatchObject({
      hostPath: { path: `/opt/local-path-provisioner/${pvName}_default_lp`, type: 'DirectoryOrCreate' },
      persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local-path', capacity: { storage: '1Gi' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } },
    });
    expect(v.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' });

    // Delete: the pod (no kubelet here: forced), then the claim; the volume is Released and its folder removed.
    await kubectlOk(s.h, ['delete', 'pod', 'lp-user', '--grace-period=0', '--force']);
    await kubectlOk(s.h, ['delete', 'pvc', 'lp', '--wait=false']);
    const helperName = `helper-pod-delete-${pvName}`;
    const helper = await waitFor('helper pod', async () => {
      const r = await client.get<{ spec: { nodeName: string; containers: { command: string[] }[] } }>(R.pods, 'local-path-storage', helperName).catch(() => undefined);
      return r;
    });
    expect(helper.spec.nodeName).toBe(nodeName);
    expect(helper.spec.containers[0]!.command).toEqual(['rm', '-rf', `/opt/local-path-provisioner/${pvName}_default_lp`]);
    expect((await getJson(['get', 'pv', pvName])).status.phase).toBe('Released');
    // The node's kubelet would run it; here the test reports it done.
    await client.patch(R.pods, 'local-path-storage', helperName, { status: { phase: 'Succeeded' } }, 'merge', { subresource: 'status' });
    await waitFor('PV deleted', async () => !(await kubectlOk(s.h, ['get', 'pv', '-o', 'name'])).includes(pvName));
    await waitFor('helper pod deleted', async () => (await client.get(R.pods, 'local-path-storage', helperName).then(() => false, () => true)));
  });
});

describe('volume expansion of a local-path claim (class allowVolumeExpansion)', () => {
  it('a grown request grows the PV, then the claim\'s status capacity (Resizing, VolumeResizeSuccessful)', async () => {
    await create({
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-grow' },
      provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete', allowVolumeExpansion: true,
    });
    await create(claim('grow', 'local-grow'));
    await create(pod('grow-user', 'grow'));
    const c = await waitFor('claim Bound', async () => {
      const x = await getJson(['get', 'pvc', 'grow']);
      return x.status?.phase === 'Bound' ? x : undefined;
    });
    expect(c.status.capacity).toEqual({ storage: '1Gi' });
    await kubectlOk(s.h, ['patch', 'pvc', 'grow', '-p', '{"spec":{"resources":{"requests":{"storage":"3Gi"}}}}']);
    await waitFor('PV grown', async () => (await getJson(['get', 'pv', c.spec.volumeName])).spec.capacity.storage === '3Gi' || undefined);
    const grown = await waitFor('claim status grown', async () => {
      const x = await getJson(['get', 'pvc', 'grow']);
      return x.status?.capacity?.storage === '3Gi' ? x : undefined;
    });
    expect(grown.status).toMatchObject({ phase: 'Bound', capacity: { storage: '3Gi' }, allocatedResources: { storage: '3Gi' } });
    const described = await waitFor('resize events', async () => {
      const d = await kubectlOk(s.h, ['describe', 'pvc', 'grow']);
      return /VolumeResizeSuccessful/.test(d) ? d : undefined;
    });
    expect(described).toMatch(/Capacity:\s+3Gi\n/);
    expect(described).toMatch(new RegExp(`Resizing\\s+.*rancher\\.io/local-path\\s+External resizer is resizing volume ${c.spec.volumeName}`));
    expect(described).toMatch(/VolumeResizeSuccessful\s+.*rancher\.io\/local-path\s+Resize volume succeeded/);
    // Shrinking below the new capacity is refused; nothing changes.
    const shrink = await kubectl(s.h, ['patch', 'pvc', 'grow', '-p', '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
    expect(shrink.stderr.trim()).toBe('The PersistentVolumeClaim "grow" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity');
    expect((await getJson(['get', 'pv', c.spec.volumeName])).spec.capacity.storage).toBe('3Gi');
    await kubectlOk(s.h, ['delete', 'pod', 'grow-user', '--grace-period=0', '--force']);
  });
});

describe('scripts/lab.d/local-path-provisioner.yaml', () => {
  it('applies, and its service account may do what the provisioner does', async () => {
    const out = await kubectlOk(s.h, ['apply', '-f', 'scripts/lab.d/local-path-provisioner.yaml']);
    expect(out).toMatch(/deployment.apps\/local-path-provisioner (created|configured)/);
    expect(out).toMatch(/storageclass.storage.k8s.io\/local-path (created|configured)/);
    const sc = await getJson(['get', 'storageclass', 'local-path']);
    expect(sc.metadata.annotations).toMatchObject({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    // Acting as its service account (impersonation): what the provisioner does is allowed, a pod elsewhere is not.
    const as = ['--as', 'system:serviceaccount:local-path-storage:local-path-provisioner-service-account'];
    await kubectlOk(s.h, ['get', 'pv,pvc,storageclass', '-A', ...as]);
    expect((await kubectl(s.h, ['auth', 'can-i', 'patch', 'persistentvolumeclaims', '--subresource=status', '-A', ...as])).stdout.trim()).toBe('yes');
    const cfg = JSON.parse((await getJson(['get', 'configmap', 'local-path-config', '-n', 'local-path-storage'])).data['config.json']);
    expect(cfg).toEqual({ nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: ['/opt/local-path-provisioner'] }] });
    const probe = pod('rbac-probe', 'x');
    const helper = JSON.stringify({ ...probe, metadata: { name: 'rbac-probe' } });
    expect(await kubectlOk(s.h, ['create', '-n', 'local-path-storage', '-f', '-', ...as], helper)).toMatch(/pod\/rbac-probe created/);
    await kubectlOk(s.h, ['delete', 'pod', 'rbac-probe', '-n', 'local-path-storage', '--grace-period=0', '--force', ...as]);
    const del = await kubectl(s.h, ['delete', 'pv', 'no-such-pv', ...as]);
    expect(del.stderr).toMatch(/NotFound/);
    const no = await kubectl(s.h, ['create', '-n', 'default', '-f', '-', ...as], { input: helper });
    expect(no.code).not.toBe(0);
    expect(no.stderr).toMatch(/Forbidden.*cannot create resource "pods" in API group "" in the namespace "default"/);
  });
});
