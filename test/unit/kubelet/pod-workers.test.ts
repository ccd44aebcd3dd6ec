/**
 * The pod workers driven step by step against InProcessApi, a fake runtime and a fake pod network:
 * create -> Running, crash -> restart -> CrashLoopBackOff, missing ConfigMap -> waits, bad image ->
 * ErrImagePull / ImagePullBackOff, graceful delete -> final DELETE with the uid precondition, orphans.
 * (Files go to a temporary root dir.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../api/client/event-recorder.js';
import { InProcessApi } from '../../support/in-process-api.js';
import { Informer } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { findResource } from '../../../api/resources.js';
import { PodWorkers, type PodWorkersOptions } from '../../../node-agent/kubelet/pod-workers.js';
import type { PodNetwork } from '../../../node-agent/network/cni.js';
import { LABELS } from '../../../node-agent/runtime/runtime.js';
import { FakeRuntime } from './fake-runtime.js';
import type { MountInfo, Mounter } from '../../../node-agent/kubelet/volumes.js';
import type { TokenRequest } from '../../../node-agent/kubelet/token-manager.js';

const PODS = findResource('', 'pods')!;
const CMS = findResource('', 'configmaps')!;
const EVENTS = findResource('', 'events')!;

class FakeNetwork implements PodNetwork {
  readonly pods = new Map<string, string>();
  private next = 2;
  async setUp(uid: string) {
    if (!this.pods.has(uid)) this.pods.set(uid, `10.244.1.${this.next++}`);
    return { ip: this.pods.get(uid)! };
  }
  async tearDown(uid: string) {
    this.pods.delete(uid);
  }
  netnsPath(uid: string) {
    return `/run/netns/kubelab-node01-${uid}`;
  }
  recorded(uid: string) {
    const ip = this.pods.get(uid);
    return ip ? { ip } : undefined;
  }
  listUids() {
    return [...this.pods.keys()];
  }
}

let api: InProcessApi;
let rt: FakeRuntime;
let net: FakeNetwork;
let inf: Informer<any>;
let w: PodWorkers;
let root: string;
let clock: number;
let hostFiles: Record<string, string>;

/** The workers' options every test starts from (fakes, a fixed clock, the lab's DNS settings). */
function baseOptions(): PodWorkersOptions {
  return {
    client: api, runtime: rt, runtimeName: 'containerd', pods: inf, cni: net,
    recorder: new EventRecorder(api, { component: 'kubelet', host: 'node01', logger: silentLogger }),
    nodeName: 'node01', nodeIP: '192.168.56.21', rootDir: root, podLogsDir: join(root, 'logs'), pull: {},
    podCIDR: () => '10.244.1.0/24', logger: silentLogger, now: () => clock,
    dns: { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', resolvConf: '/host/resolv.conf', nodeIPs: ['192.168.56.21'] },
    readHostFile: (path) => {
      const text = hostFiles[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
    hostNetnsPath: '/proc/4242/ns/net',
  };
}

beforeEach(async () => {
  api = new InProcessApi();
  rt = new FakeRuntime();
  net = new FakeNetwork();
  root = mkdtempSync(join(tmpdir(), 'kubelab-unit-kubelet-'));
  clock = Date.UTC(2026, 0, 1);
  hostFiles = { '/host/resolv.conf': 'nameserver 192.168.56.1\nsearch lab.example\n', '/etc/hosts': '127.0.0.1\tlocalhost\n192.168.56.21\tnode01\n' };
  rt.now = () => new Date(clock);
  inf = new Informer({ client: api, resource: PODS, fieldSelector: 'spec.nodeName=node01', logger: silentLogger });
  w = new PodWorkers(baseOptions());
  inf.start();
  await inf.waitForSync();
});

afterEach(async () => {
  w.stop();
  await inf.stop();
  rmSync(root, { recursive: true, force: true });
});

async function addPod(spec: Record<string, any>, name = 'web') {
  const [p] = await api.seed(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'node01', ...spec } });
  await waitCache(() => !!inf.store.get(`default/${name}`));
  return p;
}
async function waitCache(cond: () => boolean) {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
}
const status = (name = 'web') => api.peek(PODS, 'default', name)?.status;
const reasons = async () => {
  await new Promise((r) => setTimeout(r, 20));
  return api.objects(EVENTS).map((e: any) => `${e.reason}`);
};

describe('PodWorkers', () => {
  it('runs a pod: pull, create, start, status Running with IPs and containerd:// IDs', async () => {
    await addPod({ containers: [{ name: 'nginx', image: 'nginx' }] });
    expect(await w.processKey('default/web')).toBe(true);
    expect(rt.calls).toEqual(['pull nginx', 'create nginx 0', 'start nginx']);
    const s = status();
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('10.244.1.2');
    expect(s.hostIP).toBe('192.168.56.21');
    expect(s.containerStatuses[0].containerID).toMatch(/^containerd:\/\/0+1$/);
    expect(s.containerStatuses[0].imageID).toMatch(/^docker.io\/library\/nginx@sha256:/);
    const spec = [...rt.containers.values()][0]!.spec;
    expect(spec.hostname).toBe('web');
    expect(spec.netnsPath).toBe(net.netnsPath(api.peek(PODS, 'default', 'web').metadata.uid));
    expect(spec.logPath).toMatch(/logs\/default_web_[0-9a-f-]+\/nginx\/0\.log$/);
    expect(await reasons()).toEqual(expect.arrayContaining(['Pulling', 'Pulled', 'Created', 'Started']));
    // a second sync changes nothing (idempotent)
    rt.calls.length = 0;
    await w.processKey('default/web');
    expect(rt.calls).toEqual([]);
  });

  it('restarts a crashed container, then backs off (CrashLoopBackOff)', async () => {
    await addPod({ containers: [{ name: 'c', image: 'busybox:1', command: ['false'] }] });
    rt.images.add('busybox:1');
    await w.processKey('default/web');
    const first = [...rt.containers.keys()][0]!;
    clock += 1000;
    rt.exit(first, 1);
    await w.processKey('default/web');
    expect(rt.calls.filter((c) => c.startsWith('create'))).toEqual(['create c 0', 'create c 1']);
    const second = [...rt.containers.keys()][1]!;
    clock += 1000;
    rt.exit(second, 1);
    await w.processKey('default/web');
    const cs = status().containerStatuses[0];
    expect(cs.state.waiting.reason).toBe('CrashLoopBackOff');
    expect(cs.restartCount).toBe(1);
    expect(cs.lastState.terminated.exitCode).toBe(1);
    clock += 10_001;
    await w.processKey('default/web');
    expect(rt.calls.filter((c) => c.startsWith('create'))).toEqual(['create c 0', 'create c 1', 'create c 2']);
  });

  it('sidecars: started in order, a resync requested right after each so the next starts; a Never pod whose app finished stops them in reverse', async () => {
    rt.images.add('busybox:1');
    await addPod({
      restartPolicy: 'Never',
      initContainers: [
        { name: 'log', image: 'busybox:1', restartPolicy: 'Always' },
        { name: 'proxy', image: 'busybox:1', restartPolicy: 'Always' },
      ],
      containers: [{ name: 'app', image: 'busybox:1' }],
    });
    await w.processKey('default/web');
    expect(rt.calls).toEqual(['create log 0', 'start log']);
    // Nothing else brings the pod back once a sidecar runs (no exit, no probe): the sync asked to look again.
    expect(w.queue.pendingDelayed()).toBe(1);
    await w.processKey('default/web');
    await w.processKey('default/web');
    expect(rt.calls).toEqual(['create log 0', 'start log', 'create proxy 0', 'start proxy', 'create app 0', 'start app']);
    expect(status().phase).toBe('Running');
    expect(status().initContainerStatuses.map((c: any) => [c.name, c.started, c.ready])).toEqual([['log', true, true], ['proxy', true, true]]);
    rt.calls.length = 0;
    const ids = new Map([...rt.containers.values()].map((c) => [c.labels[LABELS.containerName], c.id]));
    clock += 1000;
    rt.exit(ids.get('app')!, 0);
    await w.processKey('default/web');
    expect(rt.calls).toEqual([`stop ${ids.get('proxy')!.slice(-4)}`, `stop ${ids.get('log')!.slice(-4)}`]);
    expect(status().phase).toBe('Succeeded');
    rt.calls.length = 0;
    await w.processKey('default/web');
    expect(rt.calls).toEqual([]);
  });

  it('waits for a missing ConfigMap with a FailedMount event, then starts', async () => {
    await addPod({ containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'v', mountPath: '/etc/x' }] }], volumes: [{ name: 'v', configMap: { name: 'cfg' } }] });
    await w.processKey('default/web');
    expect(rt.calls).toEqual([]);
    expect(status().containerStatuses[0].state.waiting.reason).toBe('ContainerCreating');
    const ev = api.objects(EVENTS).find((e: any) => e.reason === 'FailedMount');
    await new Promise((r) => setTimeout(r, 20));
    expect((ev ?? api.objects(EVENTS).find((e: any) => e.reason === 'FailedMount'))?.message).toBe('MountVolume.SetUp failed for volume "v" : configmap "cfg" not found');
    await api.seed(CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: 'b' } });
    await w.processKey('default/web');
    expect(rt.calls).toContain('start c');
    const mounts = [...rt.containers.values()][0]!.spec.mounts!;
    expect(mounts.find((m) => m.containerPath === '/etc/x')!.hostPath).toMatch(/volumes\/kubernetes.io~configmap\/v$/);
  });

  it('an image that does not exist: ErrImagePull, then ImagePullBackOff; other pods unaffected', async () => {
    rt.badImages.add('nope');
    await addPod({ containers: [{ name: 'c', image: 'nope' }] });
    await addPod({ containers: [{ name: 'c', image: 'nginx' }] }, 'ok');
    const after: number[] = [];
    w.enqueueAfter = (_key: unknown, ms: number) => void after.push(ms);
    await w.processKey('default/web');
    expect(status().containerStatuses[0].state.waiting.reason).toBe('ErrImagePull');
    // The next sync comes inside the 10 s back-off, not at its end (which would pull again).
    expect(after).toEqual([1000]);
    clock += 1000;
    await w.processKey('default/web');
    expect(status().containerStatuses[0].state.waiting).toEqual({ reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope"' });
    await w.processKey('default/ok');
    expect(status('ok').phase).toBe('Running');
  });

  it('a command that cannot start: the runtime error in the status and an event', async () => {
    rt.startError = 'exec: "nope": executable file not found in $PATH';
    await addPod({ restartPolicy: 'Never', containers: [{ name: 'c', image: 'nginx', command: ['nope'] }] });
    await w.processKey('default/web');
    const cs = status().containerStatuses[0];
    expect(cs.state.terminated).toMatchObject({ exitCode: 128, reason: 'StartError', message: rt.startError });
    expect(status().phase).toBe('Failed');
    await new Promise((r) => setTimeout(r, 20));
    expect(api.objects(EVENTS).some((e: any) => e.reason === 'Failed' && e.message === `Error: ${rt.startError}`)).toBe(true);
  });

  it('graceful delete: stops the containers, tears the network down, deletes with grace 0 and the uid precondition', async () => {
    const p = await addPod({ terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'nginx' }] });
    await w.processKey('default/web');
    await api.delete(PODS, 'default', 'web');
    await waitCache(() => !!inf.store.get('default/web')?.metadata.deletionTimestamp);
    await w.processKey('default/web');
    expect(rt.containers.size).toBe(0);
    expect(net.pods.size).toBe(0);
    const del = api.actionsFor('delete', 'pods').pop()!;
    expect(del.options).toMatchObject({ gracePeriodSeconds: 0, preconditions: { uid: (p as any).metadata.uid } });
    expect(api.peek(PODS, 'default', 'web')).toBeUndefined();
  });

  it('a pod that arrives while the runtime is being listed is not taken for an orphan', async () => {
    const orig = rt.listContainers.bind(rt);
    rt.listContainers = async (f) => {
      // Meanwhile a new pod is bound and its worker creates its sandbox and containers.
      const p = await addPod({ containers: [{ name: 'c', image: 'nginx' }] }, 'late');
      await w.processKey('default/late');
      void p;
      return orig(f);
    };
    try {
      expect(await w.cleanupOrphans()).toBe(0);
    } finally {
      rt.listContainers = orig;
    }
    // Its pod network (set up while the runtime was being listed) is still there.
    expect([...net.pods.keys()]).toEqual([api.peek(PODS, 'default', 'late').metadata.uid]);
  });

  it('removes containers and networks of pods that no longer exist', async () => {
    await rt.createContainer({ name: 'x', image: 'nginx', labels: { [LABELS.podUid]: 'gone-uid', [LABELS.containerName]: 'x' } });
    await net.setUp('99999999-2222-3333-4444-555555555555');
    await addPod({ containers: [{ name: 'c', image: 'nginx' }] });
    await w.processKey('default/web');
    expect(await w.cleanupOrphans()).toBe(2);
    expect([...rt.containers.values()].map((c) => c.labels[LABELS.podUid])).toEqual([api.peek(PODS, 'default', 'web').metadata.uid]);
    expect(net.pods.size).toBe(1);
  });

  describe('volumes', () => {
    /** A mounter that records and keeps a mount table in memory (no real mounts in unit tests). */
    function fakeMounter() {
      const table: MountInfo[] = [];
      const calls: string[] = [];
      const m: Mounter = {
        mountInfo: () => [...table],
        mountTmpfs: (dir, args) => {
          calls.push(`mount ${args.join(' ')} ${dir}`.replace(root, '<root>'));
          table.push({ mountPoint: dir, fsType: 'tmpfs' });
        },
        unmount: (dir) => {
          calls.push(`umount ${dir}`.replace(root, '<root>'));
          const i = table.findIndex((x) => x.mountPoint === dir);
          if (i >= 0) table.splice(i, 1);
        },
      };
      return { m, calls, table };
    }
    function workers(extra: { mounter?: Mounter; requestToken?: (ns: string, sa: string, r: TokenRequest) => Promise<TokenRequest> }) {
      w.stop();
      w = new PodWorkers({ ...baseOptions(), nodeMemoryBytes: 8n << 30n, ...extra });
      return w;
    }

    it('a memory-backed emptyDir is a tmpfs of its sizeLimit, unmounted before the pod directory goes', async () => {
      const fm = fakeMounter();
      workers({ mounter: fm.m });
      const p: any = await addPod({ containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'm', mountPath: '/cache' }] }], volumes: [{ name: 'm', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }] });
      await w.processKey('default/web');
      await w.processKey('default/web');
      const dir = `<root>/pods/${p.metadata.uid}/volumes/kubernetes.io~empty-dir/m`;
      expect(fm.calls).toEqual([`mount -o size=67108864 ${dir}`]);
      await api.delete(PODS, 'default', 'web', { gracePeriodSeconds: 0 });
      await waitCache(() => !inf.store.get('default/web'));
      await w.processKey('default/web');
      expect(fm.calls).toEqual([`mount -o size=67108864 ${dir}`, `umount ${dir}`]);
      expect(existsSync(join(root, 'pods', p.metadata.uid))).toBe(false);
    });

    it('a killed kubelet\'s leftovers: an orphaned pod directory is unmounted and removed', async () => {
      const fm = fakeMounter();
      workers({ mounter: fm.m });
      const dir = join(root, 'pods', 'gone-uid', 'volumes', 'kubernetes.io~empty-dir', 'm');
      mkdirSync(dir, { recursive: true });
      fm.table.push({ mountPoint: dir, fsType: 'tmpfs' });
      await addPod({ containers: [{ name: 'c', image: 'nginx' }] });
      await w.processKey('default/web');
      expect(await w.cleanupOrphans()).toBe(1);
      expect(fm.calls).toEqual(['umount <root>/pods/gone-uid/volumes/kubernetes.io~empty-dir/m']);
      expect(existsSync(join(root, 'pods', 'gone-uid'))).toBe(false);
      expect(existsSync(join(root, 'pods', api.peek(PODS, 'default', 'web').metadata.uid))).toBe(true);
    });

    it('a mount that will not go keeps the directory (and its data) for the next try', async () => {
      const fm = fakeMounter();
      fm.m.unmount = () => {
        throw new Error('umount: target is busy');
      };
      workers({ mounter: fm.m });
      const dir = join(root, 'pods', 'gone-uid', 'volumes', 'kubernetes.io~empty-dir', 'm');
      mkdirSync(dir, { recursive: true });
      fm.table.push({ mountPoint: dir, fsType: 'tmpfs' });
      await w.cleanupOrphans();
      expect(existsSync(dir)).toBe(true);
    });

    it('projected serviceAccountToken: TokenRequest bound to the pod, the token file behind ..data; a failure is a FailedMount', async () => {
      const reqs: { ns: string; sa: string; r: TokenRequest }[] = [];
      let fail = true;
      workers({
        mounter: fakeMounter().m,
        requestToken: async (ns, sa, r) => {
          reqs.push({ ns, sa, r });
          if (fail) throw new Error('serviceaccounts "builder" not found');
          return { ...r, status: { token: `jwt-${reqs.length}`, expirationTimestamp: new Date(clock + 3607_000).toISOString() } };
        },
      });
      const p: any = await addPod({
        serviceAccountName: 'builder',
        containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'kube-api-access-x', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] }],
        volumes: [{ name: 'kube-api-access-x', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } }],
      });
      await w.processKey('default/web');
      expect(rt.calls).toEqual([]);
      await new Promise((r) => setTimeout(r, 20));
      expect(api.objects(EVENTS).find((e: any) => e.reason === 'FailedMount')?.message).toBe('MountVolume.SetUp failed for volume "kube-api-access-x" : failed to fetch token: serviceaccounts "builder" not found');
      fail = false;
      await w.processKey('default/web');
      expect(rt.calls).toContain('start c');
      expect(reqs.at(-1)).toEqual({ ns: 'default', sa: 'builder', r: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: p.metadata.uid } } } });
      const vol = join(root, 'pods', p.metadata.uid, 'volumes', 'kubernetes.io~projected', 'kube-api-access-x');
      expect(readFileSync(join(vol, 'token'), 'utf8')).toBe('jwt-2');
      expect(readlinkSync(join(vol, 'token'))).toBe('..data/token');
      expect(readFileSync(join(vol, 'namespace'), 'utf8')).toBe('default');
      const mount = [...rt.containers.values()][0]!.spec.mounts!.find((m) => m.containerPath === '/var/run/secrets/kubernetes.io/serviceaccount')!;
      expect(mount).toEqual({ hostPath: vol, containerPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
      // 50 minutes later (past 80% of the TTL) the next sync refreshes the token in place.
      clock += 50 * 60_000;
      await w.processKey('default/web');
      expect(reqs).toHaveLength(3);
      expect(readFileSync(join(vol, 'token'), 'utf8')).toBe('jwt-3');
      expect(w.tokens.size).toBe(1);
      await api.delete(PODS, 'default', 'web', { gracePeriodSeconds: 0 });
      await waitCache(() => !inf.store.get('default/web'));
      await w.processKey('default/web');
      expect(w.tokens.size).toBe(0);
    });

    it('an emptyDir over its sizeLimit: Evicted event, containers killed, status Failed/Evicted with upstream\'s message', async () => {
      workers({ mounter: fakeMounter().m });
      const p: any = await addPod({ containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'scratch', mountPath: '/s' }] }], volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '64Ki' } }] });
      await w.processKey('default/web');
      expect(rt.calls).toContain('start c');
      w.checkEmptyDirLimits();
      const dir = join(root, 'pods', p.metadata.uid, 'volumes', 'kubernetes.io~empty-dir', 'scratch');
      writeFileSync(join(dir, 'big'), Buffer.alloc(256 * 1024, 1));
      await w.processKey('default/web');
      expect([...rt.containers.values()].every((c) => c.state !== 'running')).toBe(true);
      const st = status();
      expect([st.phase, st.reason, st.message]).toEqual(['Failed', 'Evicted', 'Usage of EmptyDir volume "scratch" exceeds the limit "64Ki". ']);
      await new Promise((r) => setTimeout(r, 20));
      expect(api.objects(EVENTS).find((e: any) => e.reason === 'Evicted')?.type).toBe('Warning');
    });
  });
});

describe('PodWorkers: DNS, hosts and hostname', () => {
  const podDir = (name = 'web') => join(root, 'pods', api.peek(PODS, 'default', name).metadata.uid);
  const file = (name: string, f: string) => readFileSync(join(podDir(name), f), 'utf8');
  const spec0 = () => [...rt.containers.values()][0]!.spec;

  it('writes resolv.conf, etc-hosts and etc-hostname in the pod dir and bind-mounts them into every container', async () => {
    await addPod({ hostname: 'db-0', subdomain: 'db', containers: [{ name: 'c', image: 'nginx' }] });
    await w.processKey('default/web');
    expect(file('web', 'resolv.conf')).toBe('search default.svc.cluster.local svc.cluster.local cluster.local lab.example\nnameserver 10.96.0.10\noptions ndots:5\n');
    expect(file('web', 'etc-hosts')).toMatch(/\n10\.244\.1\.2\tdb-0\.db\.default\.svc\.cluster\.local\tdb-0\n$/);
    expect(file('web', 'etc-hostname')).toBe('db-0\n');
    const s = spec0();
    expect(s.hostname).toBe('db-0');
    expect(s.mounts).toEqual([
      { hostPath: join(podDir(), 'etc-hosts'), containerPath: '/etc/hosts' },
      { hostPath: join(podDir(), 'resolv.conf'), containerPath: '/etc/resolv.conf' },
      { hostPath: join(podDir(), 'etc-hostname'), containerPath: '/etc/hostname' },
    ]);
  });

  it('resolv.conf is made once per sandbox: a later change of the host\'s file does not touch a running pod', async () => {
    await addPod({ containers: [{ name: 'c', image: 'nginx' }] });
    await w.processKey('default/web');
    hostFiles['/host/resolv.conf'] = 'nameserver 1.1.1.1\nsearch other.example\n';
    await w.processKey('default/web');
    expect(file('web', 'resolv.conf')).toContain('lab.example');
  });

  it('an unreadable --resolv-conf: FailedCreatePodSandBox, no network, no container', async () => {
    delete hostFiles['/host/resolv.conf'];
    await addPod({ containers: [{ name: 'c', image: 'nginx' }] });
    await w.processKey('default/web');
    expect(rt.containers.size).toBe(0);
    expect(net.pods.size).toBe(0);
    await reasons();
    expect(api.objects(EVENTS).find((e: any) => e.reason === 'FailedCreatePodSandBox')?.message).toBe('Failed to create pod sandbox: open /host/resolv.conf: no such file or directory');
  });

  it('setHostnameAsFQDN with an FQDN over 64 characters: FailedCreatePodSandBox', async () => {
    await addPod({ subdomain: 's'.repeat(40), setHostnameAsFQDN: true, containers: [{ name: 'c', image: 'nginx' }] });
    await w.processKey('default/web');
    expect(rt.containers.size).toBe(0);
    await reasons();
    expect(api.objects(EVENTS).find((e: any) => e.reason === 'FailedCreatePodSandBox')?.message).toMatch(/^Failed to create pod sandbox: failed to construct FQDN from pod hostname and cluster domain, FQDN web\.s+\.default\.svc\.cluster\.local is too long \(64 characters is the max, 70 characters requested\)$/);
  });

  it('a host-network pod: no CNI, the node\'s IP and netns, the node\'s name, the node\'s hosts file, Default DNS', async () => {
    await addPod({ hostNetwork: true, hostAliases: [{ ip: '10.1.2.3', hostnames: ['api.example'] }], containers: [{ name: 'c', image: 'nginx' }] });
    await w.processKey('default/web');
    expect(net.pods.size).toBe(0);
    const st = status();
    expect(st.phase).toBe('Running');
    expect(st.podIP).toBe('192.168.56.21');
    expect(st.podIPs).toEqual([{ ip: '192.168.56.21' }]);
    const s = spec0();
    expect(s.netnsPath).toBe('/proc/4242/ns/net');
    expect(s.hostname).toBe('node01');
    expect(file('web', 'etc-hosts')).toBe('# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n192.168.56.21\tnode01\n\n# Entries added by HostAliases.\n10.1.2.3\tapi.example\n');
    expect(file('web', 'resolv.conf')).toBe('search lab.example\nnameserver 192.168.56.1\n');
  });

  it('a host-network pod whose node has no /etc/hosts: CreateContainerConfigError with the open error', async () => {
    delete hostFiles['/etc/hosts'];
    await addPod({ hostNetwork: true, containers: [{ name: 'c', image: 'nginx' }] });
    await w.processKey('default/web');
    expect(rt.containers.size).toBe(0);
    expect(status().containerStatuses[0].state.waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'open /etc/hosts: no such file or directory' });
  });

  it('a host-network pod with ClusterFirstWithHostNet gets the cluster DNS', async () => {
    await addPod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet', containers: [{ name: 'c', image: 'nginx' }] });
    await w.processKey('default/web');
    expect(file('web', 'resolv.conf')).toBe('search default.svc.cluster.local svc.cluster.local cluster.local lab.example\nnameserver 10.96.0.10\noptions ndots:5\n');
  });
});
