/**
 * The kubelet's volumes with real containers (containerd), a real API server over etcd and the real kubectl:
 * hostPath types (made, checked, refused with upstream's message), a claim bound to a hostPath
 * PersistentVolume (waits while unbound; its data outlives the pod; readOnly), a memory-backed emptyDir
 * (a tmpfs of the sizeLimit, seen by `mount` in the container, unmounted with the pod and after a killed
 * kubelet), subPath / subPathExpr, and `kubectl describe pod` showing volumes and mounts.
 * Host state: run only under the host lock (see the helpers' common notes).
 */
import { readFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, kubectl } from '../../support/apiserver.js';
import { REPO } from '../../support/host.js';
import { waitFor } from '../../support/net.js';
import { parseMountInfo } from '../../../node-agent/kubelet/volumes.js';
import { NODE, POD_CIDR, startCluster, type Cluster } from './cluster.js';

const HOST_DIR = join(REPO, '.test-state', 'kubelet-volumes');
const ROOT_PODS = join(REPO, '.test-state', 'kubelet', 'root', 'pods');
let c: Cluster;
let sock: Server | undefined;

interface PodView {
  metadata: { uid: string };
  status?: { phase?: string; containerStatuses?: { state?: { waiting?: { reason?: string } } }[] };
}

async function pod(name: string): Promise<PodView | undefined> {
  const r = await api(c.api, 'GET', `/api/v1/namespaces/default/pods/${name}`);
  return r.status === 200 ? (r.json() as PodView) : undefined;
}

async function create(path: string, body: unknown): Promise<void> {
  const r = await api(c.api, 'POST', path, body);
  expect(r.status, JSON.stringify(r.json())).toBe(201);
}

function busybox(name: string, script: string, extra: { volumeMounts?: unknown[]; volumes?: unknown[]; env?: unknown[] }) {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: {
      nodeName: NODE, terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script], volumeMounts: extra.volumeMounts ?? [], env: extra.env ?? [] }],
      volumes: extra.volumes ?? [],
    },
  };
}

async function running(name: string): Promise<void> {
  await waitFor(async () => (await pod(name))?.status?.phase === 'Running', 60_000, `pod ${name} to run`);
}

async function exec(name: string, cmd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await kubectl(c.api, ['exec', name, '--', 'sh', '-c', cmd]);
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function events(name: string): Promise<{ reason: string; message: string }[]> {
  const items = (await api(c.api, 'GET', '/api/v1/namespaces/default/events')).json().items as { reason: string; message: string; involvedObject: { name: string } }[];
  return items.filter((e) => e.involvedObject.name === name);
}

async function deletePod(name: string): Promise<void> {
  const r = await kubectl(c.api, ['delete', 'pod', name, '--timeout=60s']);
  expect(r.code, r.stderr).toBe(0);
}

const tmpfsUnder = (dir: string) => parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')).filter((m) => m.mountPoint.startsWith(dir));

describe('kubelet volumes on containerd', () => {
  beforeAll(async () => {
    rmSync(HOST_DIR, { recursive: true, force: true });
    mkdirSync(HOST_DIR, { recursive: true });
    c = await startCluster('containerd');
    await c.startKubelet();
    // The node needs its podCIDR (no controller manager here) before pods get a network.
    await waitFor(async () => (await api(c.api, 'GET', `/api/v1/nodes/${NODE}`)).status === 200, 20_000, 'the node');
    const r = await api(c.api, 'PATCH', `/api/v1/nodes/${NODE}`, { spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    await waitFor(async () => {
      const n = (await api(c.api, 'GET', `/api/v1/nodes/${NODE}`)).json() as { status?: { conditions?: { type: string; status: string }[] } };
      return n.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True';
    }, 30_000, 'the node to be Ready');
  }, 300_000);

  afterAll(async () => {
    if (process.env.KL_DEBUG) console.log(c?.kubeletLog().slice(-20000));
    if (sock) await new Promise((r) => sock!.close(r));
    await c?.stop();
    // A tmpfs left by a failed run would keep the pod directory: unmount what is ours, then remove.
    for (const m of tmpfsUnder(join(REPO, '.test-state', 'kubelet')).reverse()) {
      try {
        (await import('node:child_process')).execFileSync('umount', [m.mountPoint]);
      } catch { /* already gone */ }
    }
    rmSync(HOST_DIR, { recursive: true, force: true });
  }, 120_000);

  it('hostPath: DirectoryOrCreate and FileOrCreate are made, Socket and CharDevice checked, the data is on the host', async () => {
    const sockPath = join(HOST_DIR, 'app.sock');
    sock = createServer();
    await new Promise<void>((r) => sock!.listen(sockPath, r));
    await create('/api/v1/namespaces/default/pods', busybox('hp', 'echo written > /data/out; echo line >> /f/log.txt; exec sleep 3600', {
      volumes: [
        { name: 'd', hostPath: { path: join(HOST_DIR, 'made/dir'), type: 'DirectoryOrCreate' } },
        { name: 'f', hostPath: { path: join(HOST_DIR, 'made/file/log.txt'), type: 'FileOrCreate' } },
        { name: 's', hostPath: { path: sockPath, type: 'Socket' } },
        { name: 'n', hostPath: { path: '/dev/null', type: 'CharDevice' } },
      ],
      volumeMounts: [{ name: 'd', mountPath: '/data' }, { name: 'f', mountPath: '/f/log.txt' }, { name: 's', mountPath: '/run/app.sock' }, { name: 'n', mountPath: '/mnt/null' }],
    }));
    await running('hp');
    await waitFor(() => existsSync(join(HOST_DIR, 'made/dir/out')), 10_000, 'the file written through the hostPath');
    expect(readFileSync(join(HOST_DIR, 'made/dir/out'), 'utf8')).toBe('written\n');
    expect(readFileSync(join(HOST_DIR, 'made/file/log.txt'), 'utf8')).toBe('line\n');
    const st = await exec('hp', 'test -S /run/app.sock && test -c /mnt/null && echo ok');
    expect(st.stdout.trim()).toBe('ok');

    const d = await kubectl(c.api, ['describe', 'pod', 'hp']);
    expect(d.stdout).toMatch(/Mounts:\n\s+\/data from d \(rw\)/);
    expect(d.stdout).toMatch(/Volumes:\n\s+d:\n\s+Type:\s+HostPath \(bare host directory volume\)\n\s+Path:\s+\S+made\/dir\n\s+HostPathType:\s+DirectoryOrCreate/);
    await deletePod('hp');
    expect(readFileSync(join(HOST_DIR, 'made/dir/out'), 'utf8')).toBe('written\n'); // the host's data stays
  }, 180_000);

  it('hostPath of the wrong type: the pod waits with upstream\'s FailedMount message and nothing is made', async () => {
    writeFileSync(join(HOST_DIR, 'plain-file'), 'x');
    await create('/api/v1/namespaces/default/pods', busybox('hpbad', 'exec sleep 3600', {
      volumes: [{ name: 'v', hostPath: { path: join(HOST_DIR, 'plain-file'), type: 'Directory' } }, { name: 'w', hostPath: { path: join(HOST_DIR, 'absent'), type: 'BlockDevice' } }],
      volumeMounts: [{ name: 'v', mountPath: '/v' }],
    }));
    const want = `MountVolume.SetUp failed for volume "v" : hostPath type check failed: ${join(HOST_DIR, 'plain-file')} is not a directory`;
    await waitFor(async () => (await events('hpbad')).some((e) => e.reason === 'FailedMount' && e.message === want), 30_000, 'the FailedMount event');
    expect((await pod('hpbad'))?.status?.phase).toBe('Pending');
    expect(existsSync(join(HOST_DIR, 'absent'))).toBe(false);
    await deletePod('hpbad');
  }, 180_000);

  it('persistentVolumeClaim: waits while unbound, then mounts the bound PV; the data survives the pod; readOnly refuses writes', async () => {
    const pvDir = join(HOST_DIR, 'pv1');
    await create('/api/v1/namespaces/default/persistentvolumeclaims', {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '', volumeName: 'pv1' },
    });
    await create('/api/v1/namespaces/default/pods', busybox('pvc1', 'echo persisted > /data/f; exec sleep 3600', {
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    }));
    await waitFor(async () => (await events('pvc1')).some((e) => e.reason === 'FailedMount' && e.message === 'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data], failed to process volumes=[data]: error processing PVC default/data: PVC is not bound'), 30_000, 'the unbound claim\'s FailedMount event');
    expect((await pod('pvc1'))?.status?.phase).toBe('Pending');

    // Bind by hand (no controller manager here): the claim names the PV, the PV the claim (by uid), then Bound.
    const claim = (await api(c.api, 'GET', '/api/v1/namespaces/default/persistentvolumeclaims/data')).json() as { metadata: { uid: string } };
    await create('/api/v1/persistentvolumes', {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: pvDir, type: 'DirectoryOrCreate' }, claimRef: { namespace: 'default', name: 'data', uid: claim.metadata.uid } },
    });
    const bound = await api(c.api, 'PATCH', '/api/v1/namespaces/default/persistentvolumeclaims/data/status', { status: { phase: 'Bound' } }, { contentType: 'application/merge-patch+json' });
    expect(bound.status, bound.body).toBe(200);
    await running('pvc1');
    await waitFor(() => existsSync(join(pvDir, 'f')), 10_000, 'the file in the PV directory');
    const d = await kubectl(c.api, ['describe', 'pod', 'pvc1']);
    expect(d.stdout).toMatch(/Type:\s+PersistentVolumeClaim \(a reference to a PersistentVolumeClaim in the same namespace\)\n\s+ClaimName:\s+data/);
    await deletePod('pvc1');

    await create('/api/v1/namespaces/default/pods', busybox('pvc2', 'exec sleep 3600', {
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } }],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    }));
    await running('pvc2');
    expect((await exec('pvc2', 'cat /data/f')).stdout).toBe('persisted\n');
    const w = await exec('pvc2', 'echo x > /data/g');
    expect(w.code).not.toBe(0);
    expect(w.stderr).toMatch(/Read-only file system/);
    await deletePod('pvc2');
  }, 180_000);

  it('emptyDir medium Memory: a tmpfs of the sizeLimit in the container, unmounted and removed with the pod', async () => {
    await create('/api/v1/namespaces/default/pods', busybox('mem', 'exec sleep 3600', {
      volumes: [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }],
      volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
    }));
    await running('mem');
    const uid = (await pod('mem'))!.metadata.uid;
    const m = await exec('mem', 'grep " /cache " /proc/mounts');
    expect(m.stdout).toMatch(/^tmpfs \/cache tmpfs rw.*size=1024k/);
    const full = await exec('mem', 'dd if=/dev/zero of=/cache/big bs=1024 count=2048');
    expect(full.code).not.toBe(0); // 1 MiB, no more
    expect(tmpfsUnder(join(ROOT_PODS, uid))).toHaveLength(1);
    await deletePod('mem');
    await waitFor(() => !existsSync(join(ROOT_PODS, uid)), 10_000, 'the pod directory to go');
    expect(tmpfsUnder(join(ROOT_PODS, uid))).toEqual([]);
  }, 180_000);

  it('a killed kubelet: the next start unmounts and removes what a pod deleted meanwhile left', async () => {
    await create('/api/v1/namespaces/default/pods', busybox('orphan', 'exec sleep 3600', {
      volumes: [{ name: 'cache', emptyDir: { medium: 'Memory' } }],
      volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
    }));
    await running('orphan');
    const uid = (await pod('orphan'))!.metadata.uid;
    expect(tmpfsUnder(join(ROOT_PODS, uid))).toHaveLength(1);
    await c.killKubelet();
    expect((await api(c.api, 'DELETE', '/api/v1/namespaces/default/pods/orphan', { gracePeriodSeconds: 0 })).status).toBe(200);
    await c.startKubelet();
    await waitFor(() => !existsSync(join(ROOT_PODS, uid)), 40_000, 'the orphaned pod directory to go');
    expect(tmpfsUnder(join(ROOT_PODS, uid))).toEqual([]);
  }, 180_000);

  it('subPath and subPathExpr: the directory is made in the volume; `..` is refused with upstream\'s message', async () => {
    await create('/api/v1/namespaces/default/pods', busybox('sub', 'echo from-$POD_NAME > /logs/out; exec sleep 3600', {
      env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      volumes: [{ name: 'logs', hostPath: { path: join(HOST_DIR, 'logs'), type: 'DirectoryOrCreate' } }],
      volumeMounts: [{ name: 'logs', mountPath: '/logs', subPathExpr: 'pods/$(POD_NAME)' }],
    }));
    await running('sub');
    await waitFor(() => existsSync(join(HOST_DIR, 'logs/pods/sub/out')), 10_000, 'the file in the expanded subPath');
    expect(readFileSync(join(HOST_DIR, 'logs/pods/sub/out'), 'utf8')).toBe('from-sub\n');
    await deletePod('sub');

    await create('/api/v1/namespaces/default/pods', busybox('subbad', 'exec sleep 3600', {
      env: [{ name: 'UP', value: '..' }],
      volumes: [{ name: 'logs', hostPath: { path: join(HOST_DIR, 'logs') } }],
      volumeMounts: [{ name: 'logs', mountPath: '/logs', subPathExpr: '$(UP)/etc' }],
    }));
    await waitFor(async () => (await pod('subbad'))?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError', 30_000, 'CreateContainerConfigError');
    expect((await events('subbad')).some((e) => e.message === "Error: unable to provision SubPath `../etc`: must not contain '..'")).toBe(true);
    await deletePod('subbad');
  }, 180_000);

  it('projected serviceAccountToken: token, ca.crt and namespace at /var/run/secrets/kubernetes.io/serviceaccount; the token is the pod\'s', async () => {
    // No controller manager here: the default ServiceAccount and the kube-root-ca.crt ConfigMap by hand.
    for (const [path, body] of [
      ['/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }],
      ['/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': c.ca.certPem } }],
    ] as const) {
      const r = await api(c.api, 'POST', path, body);
      expect([201, 409], r.body).toContain(r.status);
    }
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    const tok = busybox('tok', 'exec sleep 3600', {
      // What the ServiceAccount admission injects (upstream's kube-api-access-<x> volume).
      volumes: [{
        name: 'kube-api-access-test',
        projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
        },
      }],
      volumeMounts: [{ name: 'kube-api-access-test', mountPath: dir, readOnly: true }],
    });
    // serviceAccountName as the ServiceAccount admission sets it (this test server runs without that plugin).
    await create('/api/v1/namespaces/default/pods', { ...tok, spec: { ...tok.spec, serviceAccountName: 'default' } });
    await running('tok');
    const uid = (await pod('tok'))!.metadata.uid;
    expect((await exec('tok', `cat ${dir}/namespace`)).stdout).toBe('default');
    expect((await exec('tok', `cat ${dir}/ca.crt`)).stdout).toBe(c.ca.certPem);
    expect((await exec('tok', `readlink ${dir}/token`)).stdout.trim()).toBe('..data/token');
    const token = (await exec('tok', `cat ${dir}/token`)).stdout;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; 'kubernetes.io': { pod: { name: string; uid: string }; node?: { name: string } } };
    expect(claims.sub).toBe('system:serviceaccount:default:default');
    expect(claims['kubernetes.io'].pod).toEqual({ name: 'tok', uid });
    const who = await kubectl(c.api, ['auth', 'whoami', `--token=${token}`, '-o', 'jsonpath={.status.userInfo.username}']);
    expect(who.stdout, who.stderr).toBe('system:serviceaccount:default:default');
    expect((await exec('tok', `echo x > ${dir}/token`)).code).not.toBe(0); // read-only
    await deletePod('tok');
  }, 180_000);
});
