/**
 * apps/v1 StatefulSets end to end over a real etcd with the real kubectl: the StatefulSet controller and the
 * garbage collector (with the pvc-protection controller) run in this process, and a small fake kubelet plays the node (each new pod turns Running and
 * Ready, unless its name is in `holdBack`; a pod being deleted is confirmed gone). It records the order in which pods
 * appear and go, so the tests see OrderedReady's order, reverse scale-down and the reverse-ordinal rolling update.
 */
import { setMaxListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type ApiClient } from '../../../api/client/api-client.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { StatefulSetController } from '../../../control-plane/controllers/statefulset/controller.js';
import { GarbageCollector } from '../../../control-plane/controllers/garbagecollector/controller.js';
import { PvcProtectionController } from '../../../control-plane/controllers/persistentvolume/controller.js';
import { R, newControllerContext } from '../../../control-plane/controllers/util/context.js';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from '../../../control-plane/controllers/util/types.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((x) => (s = x));

let client: ApiClient;
const abort = new AbortController();
let running: Promise<unknown> | undefined;
/** `created <name> <image>` and `deleted <name>` in the order the fake kubelet saw them. */
const log: string[] = [];
/** Pods that stay Running but not Ready while listed here. */
const holdBack = new Set<string>();

const stamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

async function makeReady(p: Pod): Promise<void> {
  const ns = p.metadata?.namespace ?? '';
  const name = p.metadata?.name ?? '';
  const fresh = await client.get<Pod>(R.pods, ns, name);
  const ready = !holdBack.has(name);
  const t = stamp();
  await client.updateStatus(R.pods, {
    ...fresh,
    status: { ...fresh.status, phase: 'Running', startTime: t, podIP: '10.244.0.9', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: t }] },
  });
}

function fakeKubelet(informers: InformerFactory): void {
  const pods = informers.informerFor<Pod>(R.pods);
  const seen = new Set<string>();
  pods.on('add', (p) => {
    if (seen.has(p.metadata?.uid ?? '')) return;
    seen.add(p.metadata?.uid ?? '');
    log.push(`created ${p.metadata?.name} ${p.spec?.containers?.[0]?.image}`);
    void makeReady(p).catch(() => undefined);
  });
  pods.on('update', (_o, p) => {
    if (p.metadata?.deletionTimestamp) void client.delete(R.pods, p.metadata.namespace, p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
  });
  pods.on('delete', (p) => log.push(`deleted ${p.metadata?.name}`));
}

beforeAll(async () => {
  client = KubeClient.fromKubeconfig(s.h.kubeconfig, undefined, { logger: silentLogger });
  const informers = new InformerFactory(client, { logger: silentLogger });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  setMaxListeners(50, abort.signal);
  // The claims carry kubernetes.io/pvc-protection: its controller lets a claim go once no pod uses it.
  const controllers = [new StatefulSetController(ctx), new GarbageCollector(ctx), new PvcProtectionController(ctx)];
  fakeKubelet(informers);
  informers.start();
  running = Promise.all(controllers.map((c) => c.run(abort.signal)));
  await informers.waitForSync();
}, 60_000);

afterAll(async () => {
  abort.abort();
  await running;
});

const getSts = (name: string) => client.get<StatefulSet>(R.statefulSets, 'default', name);
const podsOf = async (app: string) =>
  (await client.list<Pod>(R.pods, 'default', { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
const claimsOf = async (app: string) => (await client.list<PersistentVolumeClaim>(R.persistentVolumeClaims, 'default', { labelSelector: `app=${app}` })).items;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function manifest(name: string, extra: Record<string, unknown> = {}, image = 'busybox:1'): string {
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { clusterIP: 'None', selector: { app: name }, ports: [{ port: 80 }] } };
  const set = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      serviceName: name,
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image, volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...extra,
    },
  };
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [svc, set] });
}

const ofSet = (name: string) => log.filter((l) => l.split(' ')[1]?.startsWith(`${name}-`));

describe('a StatefulSet of 3 (OrderedReady) with a headless Service', () => {
  it('creates db-0, db-1, db-2 in order with their claims, identity and status; kubectl get / rollout status', async () => {
    holdBack.add('db-1');
    await kubectlOk(s.h, ['apply', '-f', '-'], manifest('db'));
    // db-1 is Running but not Ready: db-2 must not be created.
    await until('db-1', async () => (await podsOf('db')).length === 2);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await podsOf('db')).map((p) => p.metadata?.name).sort()).toEqual(['db-0', 'db-1']);
    holdBack.delete('db-1');
    await makeReady(await client.get<Pod>(R.pods, 'default', 'db-1'));
    const out = await kubectlOk(s.h, ['rollout', 'status', 'sts/db', '--timeout=60s']);
    expect(out).toContain('partitioned roll out complete: 3 new pods have been updated...');
    expect(ofSet('db')).toEqual(['created db-0 busybox:1', 'created db-1 busybox:1', 'created db-2 busybox:1']);

    const set = await getSts('db');
    expect(set.spec).toMatchObject({ podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, revisionHistoryLimit: 10 });
    expect(set.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: 1, collisionCount: 0 });
    expect(set.status?.currentRevision).toBe(set.status?.updateRevision);
    expect(set.status?.updateRevision).toMatch(/^db-[a-z0-9]+$/);

    const pod1 = await client.get<Pod>(R.pods, 'default', 'db-1');
    expect(pod1.metadata?.labels).toEqual({
      app: 'db',
      'statefulset.kubernetes.io/pod-name': 'db-1',
      'apps.kubernetes.io/pod-index': '1',
      'controller-revision-hash': set.status?.updateRevision,
    });
    expect(pod1.spec).toMatchObject({ hostname: 'db-1', subdomain: 'db' });
    expect(pod1.spec?.volumes?.find((v) => v.name === 'data')).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-db-1' } });
    expect(pod1.metadata?.ownerReferences?.[0]).toMatchObject({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', controller: true });

    const claims = await claimsOf('db');
    expect(claims.map((c) => c.metadata?.name).sort()).toEqual(['data-db-0', 'data-db-1', 'data-db-2']);
    expect(claims[0]!.metadata?.ownerReferences ?? []).toEqual([]); // Retain/Retain

    const table = await kubectlOk(s.h, ['get', 'sts', 'db']);
    expect(table).toMatch(/^NAME\s+READY\s+AGE\n/);
    expect(table).toMatch(/db\s+3\/3\s+\d+s/);
    expect(await kubectlOk(s.h, ['get', 'sts', 'db', '-o', 'wide'])).toMatch(/NAME\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\ndb\s+3\/3\s+\S+\s+c\s+busybox:1/);
    const described = await kubectlOk(s.h, ['describe', 'sts', 'db']);
    expect(described).toMatch(/Replicas:\s+3 desired \| 3 total/);
    expect(described).toMatch(/Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
    expect(described).toMatch(/Update Strategy:\s+RollingUpdate/);
    expect(described).toMatch(/Volume Claims:\n\s+Name:\s+data/);
    expect(await kubectlOk(s.h, ['get', 'all', '-o', 'name'])).toContain('statefulset.apps/db');
    const events = await kubectlOk(s.h, ['get', 'events', '--field-selector', 'involvedObject.name=db,involvedObject.kind=StatefulSet', '-o', 'custom-columns=R:.reason,M:.message', '--no-headers']);
    expect(events).toContain('create Claim data-db-0 Pod db-0 in StatefulSet db success');
    expect(events).toContain('create Pod db-2 in StatefulSet db successful');
  }, 90_000);

  it('rolls a new image in reverse ordinal order; rollout history and undo', async () => {
    const before = (await getSts('db')).status?.currentRevision;
    log.length = 0;
    await kubectlOk(s.h, ['set', 'image', 'sts/db', 'c=busybox:2']);
    await kubectlOk(s.h, ['rollout', 'status', 'sts/db', '--timeout=60s']);
    await until('the rollout to finish', async () => {
      const st = (await getSts('db')).status;
      return st?.updatedReplicas === 3 && st.currentRevision === st.updateRevision;
    });
    expect(ofSet('db')).toEqual(['deleted db-2', 'created db-2 busybox:2', 'deleted db-1', 'created db-1 busybox:2', 'deleted db-0', 'created db-0 busybox:2']);
    const after = await getSts('db');
    expect(after.status?.currentRevision).not.toBe(before);

    const history = await kubectlOk(s.h, ['rollout', 'history', 'sts/db']);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await kubectlOk(s.h, ['rollout', 'history', 'sts/db', '--revision=1'])).toContain('busybox:1');
    const revs = (await client.list<ControllerRevision>(R.controllerRevisions, 'default', { labelSelector: 'app=db' })).items;
    expect(revs.map((r) => r.revision).sort()).toEqual([1, 2]);

    log.length = 0;
    expect(await kubectlOk(s.h, ['rollout', 'undo', 'sts/db'])).toContain('statefulset.apps/db rolled back');
    await until('the undo to finish', async () => {
      const st = (await getSts('db')).status;
      return st?.updatedReplicas === 3 && st.readyReplicas === 3 && st.currentRevision === st.updateRevision && st.updateRevision === before;
    });
    expect((await getSts('db')).spec?.template?.spec?.containers?.[0]?.image).toBe('busybox:1');
    expect(ofSet('db').filter((l) => l.startsWith('created'))).toEqual(['created db-2 busybox:1', 'created db-1 busybox:1', 'created db-0 busybox:1']);
    // The old revision was renumbered (a rollback), not copied.
    const after2 = (await client.list<ControllerRevision>(R.controllerRevisions, 'default', { labelSelector: 'app=db' })).items;
    expect(after2.map((r) => [r.metadata?.name, r.revision]).sort()).toEqual(
      [[before, 3], [after.status?.currentRevision, 2]].sort(),
    );
  }, 120_000);

  it('a partition keeps ordinals below it at the old image', async () => {
    log.length = 0;
    await kubectlOk(s.h, ['patch', 'sts', 'db', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}']);
    await kubectlOk(s.h, ['set', 'image', 'sts/db', 'c=busybox:3']);
    const out = await kubectlOk(s.h, ['rollout', 'status', 'sts/db', '--timeout=60s']);
    expect(out).toContain('partitioned roll out complete: 1 new pods have been updated...');
    const images = Object.fromEntries((await podsOf('db')).map((p) => [p.metadata?.name, p.spec?.containers?.[0]?.image]));
    expect(images).toEqual({ 'db-0': 'busybox:1', 'db-1': 'busybox:1', 'db-2': 'busybox:3' });
    const st = (await getSts('db')).status;
    expect(st).toMatchObject({ replicas: 3, currentReplicas: 2, updatedReplicas: 1 });
    expect(st?.currentRevision).not.toBe(st?.updateRevision);
  }, 90_000);

  it('kubectl scale sts deletes from the highest ordinal and keeps the claims (whenScaled Retain)', async () => {
    log.length = 0;
    await kubectlOk(s.h, ['scale', 'sts', 'db', '--replicas=1']);
    await until('one pod left', async () => (await podsOf('db')).length === 1 && (await getSts('db')).status?.replicas === 1);
    expect(ofSet('db')).toEqual(['deleted db-2', 'deleted db-1']);
    expect((await claimsOf('db')).map((c) => c.metadata?.name).sort()).toEqual(['data-db-0', 'data-db-1', 'data-db-2']);
    expect(await kubectlOk(s.h, ['get', 'sts', 'db', '-o', 'jsonpath={.spec.replicas} {.status.replicas}'])).toBe('1 1');
  }, 60_000);

  it('refuses updates of fields other than the mutable ones with upstream message', async () => {
    const r = await kubectl(s.h, ['patch', 'sts', 'db', '-p', '{"spec":{"serviceName":"other"}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `The StatefulSet "db" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden`,
    );
    const neg = await kubectl(s.h, ['scale', 'sts', 'db', '--replicas=-1']);
    expect(neg.code).not.toBe(0);
  }, 30_000);
});

describe('kubectl explain / api-resources', () => {
  it('explains StatefulSet fields and lists sts with its short name', async () => {
    const out = await kubectlOk(s.h, ['explain', 'statefulset.spec.persistentVolumeClaimRetentionPolicy']);
    expect(out).toMatch(/GROUP:\s+apps\nKIND:\s+StatefulSet\nVERSION:\s+v1/);
    expect(out).toContain('whenScaled\t<string>');
    expect(await kubectlOk(s.h, ['explain', 'sts.spec.updateStrategy.rollingUpdate.partition'])).toMatch(/Partition\s+indicates\s+the\s+ordinal\s+at\s+which\s+the\s+StatefulSet/);
    expect(await kubectlOk(s.h, ['api-resources', '--api-group=apps'])).toMatch(/statefulsets\s+sts\s+apps\/v1\s+true\s+StatefulSet/);
  }, 30_000);
});

describe('persistentVolumeClaimRetentionPolicy Delete', () => {
  it('whenScaled Delete removes the scaled-down claims; whenDeleted Delete removes the rest with the set', async () => {
    await kubectlOk(
      s.h,
      ['apply', '-f', '-'],
      manifest('web', { podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }),
    );
    await kubectlOk(s.h, ['rollout', 'status', 'sts/web', '--timeout=60s']);
    const set = await getSts('web');
    const claim0 = await client.get<PersistentVolumeClaim>(R.persistentVolumeClaims, 'default', 'data-web-0');
    expect(claim0.metadata?.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    await kubectlOk(s.h, ['scale', 'sts', 'web', '--replicas=1']);
    await until('the scaled-down claims to go', async () => (await claimsOf('web')).map((c) => c.metadata?.name).join() === 'data-web-0');
    await kubectlOk(s.h, ['delete', 'sts', 'web']);
    await until('the last claim to go', async () => (await claimsOf('web')).length === 0);
  }, 90_000);
});
