/**
 * The PersistentVolume binder and the pv-/pvc-protection controllers against a real API server over etcd, driven
 * by the real kubectl: static binding (kubectl get pv,pvc columns), a claim larger than any volume stays Pending
 * with upstream's event, Retain -> Released, Delete without a provisioner -> Failed with upstream's message, the
 * external provisioner's annotations, WaitForFirstConsumer, and a claim a pod uses kept Terminating until the pod is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMaxListeners } from 'node:events';
import { KubeClient } from '../../../api/client/api-client.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { buildControllers, parseFlags } from '../../../control-plane/controllers/main.js';
import { newControllerContext } from '../../../control-plane/controllers/util/context.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { kubectl, kubectlOk } from '../../support/apiserver.js';
import { poll } from '../../support/net.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((x) => (s = x));

const stop = new AbortController();
setMaxListeners(100, stop.signal);
let running: Promise<unknown> | undefined;
let informers: InformerFactory | undefined;

beforeAll(async () => {
  const client = KubeClient.fromKubeconfig(s.h.kubeconfig, undefined, { qps: 200, burst: 400 });
  informers = new InformerFactory(client, { resyncPeriodMs: 60_000 });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  const controllers = buildControllers(ctx, parseFlags([
    '--controllers=persistentvolume-binder-controller,pvc-protection,pv-protection', '--pvclaimbinder-sync-period=1s',
  ]));
  expect(controllers.map((c) => c.name)).toEqual(['persistentvolume-binder-controller', 'persistentvolumeclaim-protection-controller', 'persistentvolume-protection-controller']);
  informers.start();
  running = Promise.all(controllers.map((c) => c.run(stop.signal)));
}, 60_000);

afterAll(async () => {
  stop.abort();
  await running;
  await informers?.stop();
});

const pv = (name: string, size: string, extra: Record<string, unknown> = {}): string => JSON.stringify({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, labels: { type: 'local' } },
  spec: { storageClassName: 'manual', capacity: { storage: size }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/mnt/data' }, ...extra },
});
const pvc = (name: string, size: string, extra: Record<string, unknown> = {}): string => JSON.stringify({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' },
  spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...extra },
});
const getJson = async (args: string[]) => JSON.parse(await kubectlOk(s.h, [...args, '-o', 'json']));
const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>) => poll(what, 20_000, check, 200);
const eventsOf = async (name: string): Promise<string> =>
  kubectlOk(s.h, ['get', 'events', '-n', 'default', '--field-selector', `involvedObject.name=${name}`, '-o', 'custom-columns=TYPE:.type,REASON:.reason,MSG:.message,SRC:.source.component', '--no-headers']);

describe('static binding (upstream docs: configure-persistent-volume-storage)', () => {
  it('a hostPath PV and a claim bind: the smallest fitting volume of the class', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], pv('task-pv-volume', '10Gi'));
    await kubectlOk(s.h, ['create', '-f', '-'], pv('big-pv-volume', '20Gi'));
    await waitFor('pv Available', async () => (await getJson(['get', 'pv', 'task-pv-volume'])).status.phase === 'Available');
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('task-pv-claim', '3Gi'));
    await waitFor('claim Bound', async () => (await getJson(['get', 'pvc', 'task-pv-claim'])).status.phase === 'Bound');
    const claim = await getJson(['get', 'pvc', 'task-pv-claim']);
    expect(claim.spec.volumeName).toBe('task-pv-volume');
    expect(claim.status.capacity).toEqual({ storage: '10Gi' });
    expect(claim.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    await waitFor('pv Bound', async () => (await getJson(['get', 'pv', 'task-pv-volume'])).status.phase === 'Bound');
    const out = await kubectlOk(s.h, ['get', 'pv,pvc', '-n', 'default']);
    expect(out).toMatch(/persistentvolume\/task-pv-volume\s+10Gi\s+RWO\s+Retain\s+Bound\s+default\/task-pv-claim\s+manual\s+<unset>\s+\S+/);
    expect(out).toMatch(/persistentvolume\/big-pv-volume\s+20Gi\s+RWO\s+Retain\s+Available\s+manual\s+<unset>\s+\S+/);
    expect(out).toMatch(/persistentvolumeclaim\/task-pv-claim\s+Bound\s+task-pv-volume\s+10Gi\s+RWO\s+manual\s+<unset>\s+\S+/);
  });

  it('a claim larger than any volume stays Pending; without a class: upstream\'s FailedBinding event', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('too-big', '1Ti', { storageClassName: '' }));
    await waitFor('FailedBinding event', async () => (await eventsOf('too-big')).includes('FailedBinding'));
    expect(await eventsOf('too-big')).toMatch(/Normal\s+FailedBinding\s+no persistent volumes available for this claim and no storage class is set\s+persistentvolume-controller/);
    expect((await getJson(['get', 'pvc', 'too-big'])).status.phase).toBe('Pending');
  });

  it('Retain: the claim deleted, the volume is Released and keeps its claimRef', async () => {
    await kubectlOk(s.h, ['delete', 'pvc', 'task-pv-claim', '--wait=false']);
    await waitFor('claim gone', async () => (await kubectl(s.h, ['get', 'pvc', 'task-pv-claim'])).code === 1);
    await waitFor('pv Released', async () => (await getJson(['get', 'pv', 'task-pv-volume'])).status.phase === 'Released');
    expect((await getJson(['get', 'pv', 'task-pv-volume'])).spec.claimRef.name).toBe('task-pv-claim');
    // pv-protection lets a Released volume go.
    await kubectlOk(s.h, ['delete', 'pv', 'task-pv-volume', '--wait=false']);
    await waitFor('pv gone', async () => (await kubectl(s.h, ['get', 'pv', 'task-pv-volume'])).code === 1);
  });

  it('Delete of a static hostPath volume: Failed with upstream\'s deleter message', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], pv('delete-me', '1Gi', { storageClassName: 'gone', persistentVolumeReclaimPolicy: 'Delete' }));
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('short-lived', '1Gi', { storageClassName: 'gone' }));
    await waitFor('bound', async () => (await getJson(['get', 'pvc', 'short-lived'])).status.phase === 'Bound');
    await kubectlOk(s.h, ['delete', 'pvc', 'short-lived']);
    await waitFor('pv Failed', async () => (await getJson(['get', 'pv', 'delete-me'])).status.phase === 'Failed');
    const v = await getJson(['get', 'pv', 'delete-me']);
    expect(v.status.message).toBe('host_path deleter only supports /tmp/.+ but received provided /mnt/data');
    expect(await kubectlOk(s.h, ['get', 'events', '-A', '--field-selector', 'involvedObject.name=delete-me', '-o', 'custom-columns=R:.reason,M:.message', '--no-headers']))
      .toMatch(/VolumeFailedDelete\s+host_path deleter only supports \/tmp\/\.\+ but received provided \/mnt\/data/);
  });

  it('pre-binding by volumeName and by claimRef; a mismatch is upstream\'s VolumeMismatch event', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], pv('named-pv', '5Gi'));
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('asks-for-named', '1Gi', { volumeName: 'named-pv' }));
    await waitFor('bound to named', async () => (await getJson(['get', 'pvc', 'asks-for-named'])).status.phase === 'Bound');
    await kubectlOk(s.h, ['create', '-f', '-'], pv('small-pv', '1Gi'));
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('asks-for-small', '2Gi', { volumeName: 'small-pv' }));
    await waitFor('mismatch event', async () => (await eventsOf('asks-for-small')).includes('VolumeMismatch'));
    expect(await eventsOf('asks-for-small')).toMatch(/Warning\s+VolumeMismatch\s+Cannot bind to requested volume "small-pv": requested PV is too small/);
    await kubectlOk(s.h, ['create', '-f', '-'], pv('reserved-pv', '1Gi', { claimRef: { namespace: 'default', name: 'reserved-claim' } }));
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('someone-else', '1Gi'));
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('reserved-claim', '1Gi'));
    await waitFor('reserved bound', async () => (await getJson(['get', 'pvc', 'reserved-claim'])).spec.volumeName === 'reserved-pv');
    await waitFor('other gets small-pv? no: small-pv is 1Gi and free', async () => (await getJson(['get', 'pvc', 'someone-else'])).status.phase === 'Bound');
    expect((await getJson(['get', 'pvc', 'someone-else'])).spec.volumeName).toBe('small-pv');
  });
});

describe('classes: external provisioners and WaitForFirstConsumer', () => {
  it('a claim of a class with an external provisioner gets the provisioner annotations and ExternalProvisioning', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'ext' }, provisioner: 'example.com/ext' }));
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('dynamic', '1Gi', { storageClassName: 'ext' }));
    await waitFor('annotated', async () => (await getJson(['get', 'pvc', 'dynamic'])).metadata.annotations?.['volume.kubernetes.io/storage-provisioner'] === 'example.com/ext');
    expect((await getJson(['get', 'pvc', 'dynamic'])).metadata.annotations['volume.beta.kubernetes.io/storage-provisioner']).toBe('example.com/ext');
    await waitFor('event', async () => (await eventsOf('dynamic')).includes('ExternalProvisioning'));
    expect(await eventsOf('dynamic')).toContain("Waiting for a volume to be created either by the external provisioner 'example.com/ext' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
  });

  it('WaitForFirstConsumer: the claim stays Pending with upstream\'s event, even with a fitting volume', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'later' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' }));
    await kubectlOk(s.h, ['create', '-f', '-'], pv('later-pv', '1Gi', { storageClassName: 'later' }));
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('later-claim', '1Gi', { storageClassName: 'later' }));
    await waitFor('event', async () => (await eventsOf('later-claim')).includes('WaitForFirstConsumer'));
    expect(await eventsOf('later-claim')).toMatch(/Normal\s+WaitForFirstConsumer\s+waiting for first consumer to be created before binding/);
    expect((await getJson(['get', 'pvc', 'later-claim'])).status.phase).toBe('Pending');
  });
});

describe('pvc-protection', () => {
  it('a claim a scheduled pod uses stays Terminating until the pod is gone', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], pv('used-pv', '1Gi'));
    await kubectlOk(s.h, ['create', '-f', '-'], pvc('used-claim', '1Gi'));
    await waitFor('bound', async () => (await getJson(['get', 'pvc', 'used-claim'])).status.phase === 'Bound');
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user', namespace: 'default' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'used-claim' } }] },
    }));
    await kubectlOk(s.h, ['delete', 'pvc', 'used-claim', '--wait=false']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await kubectlOk(s.h, ['get', 'pvc', 'used-claim', '--no-headers'])).toMatch(/^used-claim\s+Terminating\s+used-pv/);
    await kubectlOk(s.h, ['delete', 'pod', 'user', '--grace-period=0', '--force']);
    await waitFor('claim gone', async () => (await kubectl(s.h, ['get', 'pvc', 'used-claim'])).code === 1);
    // pv-protection: the volume, Released now, may be deleted.
    await waitFor('pv Released', async () => (await getJson(['get', 'pv', 'used-pv'])).status.phase === 'Released');
  });
});
