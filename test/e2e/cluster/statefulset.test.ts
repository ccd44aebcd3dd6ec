/**
 * StatefulSets on the lab (issues 13 and 15), with real pods, real volumes and the real kubectl: a StatefulSet of
 * 3 behind a headless Service is created in order (each pod created only once the previous one is Ready), every
 * replica gets its own claim `data-db-<n>` provisioned by the lab's local-path provisioner (the default
 * StorageClass `local-path`), data written in a pod survives the pod's deletion (the new db-1 mounts the same
 * claim), `db-1.db` resolves through cluster DNS, a partitioned rolling update gives only the ordinals at or above
 * the partition the new image, and a scale-down deletes the highest ordinal first and keeps the claims.
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 * Needs root, etcd, containerd, runc, CNI plugins, iptables, kubectl (see scripts/README.md).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, kubelabBin, Lab, leftovers, repo, show, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');

const WORKLOAD = `
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: web, port: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: db
          image: busybox
          command: [sh, -c, "hostname >> /data/boots; exec sleep 3600"]
          volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 64Mi}}
`;

interface StsPod {
  metadata: { name: string; uid: string; creationTimestamp: string; deletionTimestamp?: string; labels: Record<string, string> };
  spec: { nodeName?: string; containers: { image: string }[]; volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
  status: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime: string }[] };
}
interface Claim {
  metadata: { name: string };
  spec: { volumeName?: string; storageClassName?: string };
  status: { phase?: string };
}

const readyAt = (p: StsPod) => p.status.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime;

describe('StatefulSet on the lab (containerd, local-path volumes)', () => {
  let lab: Lab;
  const labDir = E2E_LAB_DIR;
  const pods = async () =>
    (await lab.json<{ items: StsPod[] }>('get', 'pods', '-l', 'app=db')).items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const claims = async () => (await lab.json<{ items: Claim[] }>('get', 'pvc', '-l', 'app=db')).items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));

  beforeAll(async () => {
    await assertNoLab(labDir);
    lab = new Lab(labDir, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  it('scripts/lab up', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
  }, 900_000);

  it('creates db-0, db-1, db-2 in order, each once the previous is Ready, each with its own local-path volume', async () => {
    await lab.apply(WORKLOAD);
    const status = await lab.kubectl(['rollout', 'status', 'sts/db', '--timeout=240s'], { timeoutMs: 250_000 });
    expect(status.code, show(status)).toBe(0);
    expect(status.stdout).toContain('partitioned roll out complete: 3 new pods have been updated...');
    const ps = await pods();
    expect(ps.map((p) => p.metadata.name)).toEqual(['db-0', 'db-1', 'db-2']);
    for (let i = 1; i < ps.length; i++) {
      // OrderedReady: db-i is created at or after db-(i-1) turned Ready (RFC 3339 seconds compare as text).
      expect(ps[i]!.metadata.creationTimestamp >= readyAt(ps[i - 1]!)!, `${ps[i]!.metadata.name} created before ${ps[i - 1]!.metadata.name} was Ready`).toBe(true);
    }
    for (const p of ps) {
      expect(p.metadata.labels).toMatchObject({ 'statefulset.kubernetes.io/pod-name': p.metadata.name, 'apps.kubernetes.io/pod-index': p.metadata.name.slice(3) });
      expect(p.spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe(`data-${p.metadata.name}`);
    }
    const cs = await claims();
    expect(cs.map((c) => [c.metadata.name, c.status.phase, c.spec.storageClassName])).toEqual([
      ['data-db-0', 'Bound', 'local-path'],
      ['data-db-1', 'Bound', 'local-path'],
      ['data-db-2', 'Bound', 'local-path'],
    ]);
    expect(new Set(cs.map((c) => c.spec.volumeName)).size).toBe(3);
    expect(await lab.kc('get', 'sts', 'db', '--no-headers')).toMatch(/^db\s+3\/3\s+/);
  }, 300_000);

  it('each replica has its own volume, and the data survives the pod being deleted; db-1.db resolves', async () => {
    for (const n of [0, 1, 2]) await lab.kc('exec', `db-${n}`, '--', 'sh', '-c', `echo mark-${n} > /data/mark`);
    const before = (await pods()).find((p) => p.metadata.name === 'db-1')!;
    await lab.kc('delete', 'pod', 'db-1', '--wait=true');
    await waitFor('db-1 back and Ready', 120_000, async () => {
      const p = (await pods()).find((x) => x.metadata.name === 'db-1');
      return !!p && p.metadata.uid !== before.metadata.uid && !!readyAt(p) && !p.metadata.deletionTimestamp;
    });
    expect((await lab.kc('exec', 'db-1', '--', 'cat', '/data/mark')).trim()).toBe('mark-1');
    expect((await lab.kc('exec', 'db-1', '--', 'cat', '/data/boots')).trim().split('\n')).toEqual(['db-1', 'db-1']);
    expect((await lab.kc('exec', 'db-0', '--', 'cat', '/data/mark')).trim()).toBe('mark-0');
    // The new db-1's address reaches cluster DNS through the endpoints: retry until it answers.
    await waitFor('db-1.db to resolve', 60_000, async () => (await lab.kubectl(['exec', 'db-0', '--', 'nslookup', 'db-1.db.default.svc.cluster.local'])).code === 0, 1000);
  }, 180_000);

  it('a partitioned rolling update: only ordinals >= partition get the new image', async () => {
    await lab.kc('patch', 'sts', 'db', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}');
    await lab.kc('set', 'image', 'sts/db', 'db=kubelab/dnsutils');
    const r = await lab.kubectl(['rollout', 'status', 'sts/db', '--timeout=180s'], { timeoutMs: 190_000 });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('partitioned roll out complete: 1 new pods have been updated...');
    const images = Object.fromEntries((await pods()).map((p) => [p.metadata.name, p.spec.containers[0]!.image]));
    expect(images).toEqual({ 'db-0': 'busybox', 'db-1': 'busybox', 'db-2': 'kubelab/dnsutils' });
    // The new db-2 mounts the same claim.
    expect((await lab.kc('exec', 'db-2', '--', 'cat', '/data/mark')).trim()).toBe('mark-2');
    const st = await lab.json<{ status: { currentReplicas: number; updatedReplicas: number; currentRevision: string; updateRevision: string } }>('get', 'sts', 'db');
    expect(st.status).toMatchObject({ currentReplicas: 2, updatedReplicas: 1 });
    expect(st.status.currentRevision).not.toBe(st.status.updateRevision);
  }, 240_000);

  it('scales down from the highest ordinal, one at a time, and keeps the claims', async () => {
    await lab.kc('scale', 'sts', 'db', '--replicas=1');
    const seen: string[] = [];
    await waitFor('one pod left', 120_000, async () => {
      const names = (await pods()).map((p) => p.metadata.name).join(',');
      if (seen[seen.length - 1] !== names) seen.push(names);
      return names === 'db-0';
    });
    // db-1 is never gone while db-2 is still there.
    expect(seen).not.toContain('db-0,db-2');
    expect(seen[seen.length - 1]).toBe('db-0');
    expect((await claims()).map((c) => c.metadata.name)).toEqual(['data-db-0', 'data-db-1', 'data-db-2']);
  }, 180_000);

  it('scripts/lab down leaves nothing', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(await leftovers(labDir)).toEqual([]);
  }, 180_000);
});
