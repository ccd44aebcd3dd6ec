/**
 * Static pods: manifest parsing and hashing, the add/update/remove and mirror pod decisions (pure), the
 * directory source (a temporary directory), and the pod workers running a static pod against
 * InProcessApi with a fake runtime: mirror pod made, replaced on edit, recreated when deleted, removed
 * with the file.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../api/client/event-recorder.js';
import { Informer } from '../../../api/client/informer.js';
import { silentLogger, type Logger } from '../../../api/client/log.js';
import { findResource } from '../../../api/resources.js';
import { PodWorkers } from '../../../node-agent/kubelet/pod-workers.js';
import { StaticPodSource } from '../../../node-agent/kubelet/static-pod-source.js';
import {
  collectStaticPods, decideMirrorPod, diffStaticPods, isManifestFileName, mirrorPodFor, parseStaticPodManifest, staticPodName,
} from '../../../node-agent/kubelet/static-pods.js';
import type { Pod } from '../../../node-agent/kubelet/types.js';
import type { PodNetwork } from '../../../node-agent/network/cni.js';
import { LABELS } from '../../../node-agent/runtime/runtime.js';
import { InProcessApi } from '../../support/in-process-api.js';
import { FakeRuntime } from './fake-runtime.js';

const PODS = findResource('', 'pods')!;
const SEEN = '2026-01-01T00:00:00.000Z';

const manifest = (image = 'nginx', extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: static-web
  labels:
    role: myrole
spec:
  containers:
  - name: web
    image: ${image}
    ports:
    - containerPort: 80${extra}
`;

const parse = (text: string, path = '/etc/kubernetes/manifests/web.yaml', node = 'node01') => parseStaticPodManifest(text, path, node, SEEN);
const podOf = (text: string, path?: string, node?: string): Pod => {
  const r = parse(text, path, node);
  if (!r.pod) throw new Error(r.error);
  return r.pod;
};

describe('static pod manifests', () => {
  it("names the pod <name>-<node>, in default, bound to the node, with upstream's annotations", () => {
    const p = podOf(manifest());
    expect(p.metadata.name).toBe('static-web-node01');
    expect(p.metadata.namespace).toBe('default');
    expect(p.spec.nodeName).toBe('node01');
    expect(p.metadata.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(p.metadata.annotations).toEqual({
      'kubernetes.io/config.hash': p.metadata.uid,
      'kubernetes.io/config.source': 'file',
      'kubernetes.io/config.seen': SEEN,
    });
    expect(p.metadata.labels).toEqual({ role: 'myrole' });
    expect(p.spec.tolerations).toEqual([{ operator: 'Exists', effect: 'NoExecute' }]);
    expect(p.spec.restartPolicy).toBe('Always'); // API defaults applied
    expect(p.status?.phase).toBe('Pending');
    expect(staticPodName('etcd', 'ControlPlane01')).toBe('etcd-controlplane01');
  });

  it('JSON manifests too; a namespace in the manifest is kept', () => {
    const p = podOf(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j', namespace: 'kube-system' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }));
    expect(`${p.metadata.namespace}/${p.metadata.name}`).toBe('kube-system/j-node01');
  });

  it('the hash: stable for the same file, new when the content, the node or the path changes', () => {
    const a = podOf(manifest()).metadata.uid;
    expect(podOf(manifest()).metadata.uid).toBe(a);
    expect(podOf(manifest('nginx:1.25')).metadata.uid).not.toBe(a);
    expect(podOf(manifest(), undefined, 'node02').metadata.uid).not.toBe(a);
    expect(podOf(manifest(), '/etc/kubernetes/manifests/other.yaml').metadata.uid).not.toBe(a);
    // key order in the file does not matter
    const reordered = JSON.stringify({ kind: 'Pod', spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { name: 'x' }, apiVersion: 'v1' });
    const ordered = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    expect(podOf(reordered).metadata.uid).toBe(podOf(ordered).metadata.uid);
  });

  it.each([
    ['broken YAML', 'apiVersion: v1\nkind: Pod\nmetadata: [\n', "/etc/kubernetes/manifests/web.yaml: couldn't parse as pod("],
    ['no kind', 'apiVersion: v1\nmetadata:\n  name: x\n', "couldn't parse as pod(Object 'Kind' is missing"],
    ['another kind', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n', 'no kind "Deployment" is registered for version "apps/v1"'],
    ['no name', 'apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: c, image: nginx}]\n', 'invalid pod: [metadata.name: Required value'],
    ['no containers', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec: {}\n', 'invalid pod: [spec.containers: Required value'],
    ['a container without image', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers: [{name: c}]\n', 'spec.containers[0].image: Required value'],
  ])('%s: an error naming the file', (_n, text, message) => {
    const r = parse(text);
    expect(r.pod).toBeUndefined();
    expect(r.error).toContain(message);
  });

  it('hidden files are not manifests', () => {
    expect(isManifestFileName('.web.yaml.swp')).toBe(false);
    expect(isManifestFileName('web.yaml')).toBe(true);
  });

  it('two files naming the same pod: the first by file name wins, the other is an error', () => {
    const { pods, errors } = collectStaticPods([
      { file: '/m/b.yaml', result: parse(manifest('nginx:2'), '/m/b.yaml') },
      { file: '/m/a.yaml', result: parse(manifest(), '/m/a.yaml') },
      { file: '/m/c.yaml', result: { error: '/m/c.yaml: bad' } },
    ]);
    expect([...pods.keys()]).toEqual(['default/static-web-node01']);
    expect(pods.get('default/static-web-node01')!.spec.containers[0]!.image).toBe('nginx');
    expect(errors.map((e) => e.file)).toEqual(['/m/b.yaml', '/m/c.yaml']);
  });
});

describe('static pod decisions', () => {
  const p1 = podOf(manifest());
  const p1b = podOf(manifest('nginx:1.25'));
  const other = podOf(manifest().replace('static-web', 'other'));
  const m = (pods: Pod[]) => new Map(pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));

  it.each([
    ['nothing to nothing', [], [], { add: [], update: [], remove: [] }],
    ['a new file', [], [p1], { add: ['default/static-web-node01'], update: [], remove: [] }],
    ['the same file again', [p1], [p1], { add: [], update: [], remove: [] }],
    ['an edited file', [p1, other], [p1b, other], { add: [], update: ['default/static-web-node01'], remove: [] }],
    ['a removed file', [p1, other], [other], { add: [], update: [], remove: ['default/static-web-node01'] }],
  ])('diff: %s', (_n, before, after, want) => {
    expect(diffStaticPods(m(before), m(after))).toEqual(want);
  });

  const mirror = (hash: string, extra: Record<string, unknown> = {}): Pod => ({
    metadata: { name: 'static-web-node01', namespace: 'default', uid: 'api-uid', annotations: { 'kubernetes.io/config.mirror': hash }, ...extra },
    spec: p1.spec,
  });
  const apiPod: Pod = { metadata: { name: 'static-web-node01', namespace: 'default', uid: 'api-uid' }, spec: p1.spec };

  it.each([
    ['no mirror yet, node known', p1, undefined, true, { action: 'create' }],
    ['no mirror yet, node not registered yet', p1, undefined, false, { action: 'none' }],
    ['the mirror of this version', p1, mirror(p1.metadata.uid), true, { action: 'none' }],
    ['the mirror of an older version', p1b, mirror(p1.metadata.uid), true, { action: 'recreate', deleteUid: 'api-uid', reason: 'static pod changed' }],
    ['the mirror deleted through the API', p1, mirror(p1.metadata.uid, { deletionTimestamp: SEEN }), true, { action: 'recreate', deleteUid: 'api-uid', reason: 'mirror pod is being deleted' }],
    ['the file removed: its mirror goes', undefined, mirror(p1.metadata.uid), true, { action: 'delete', deleteUid: 'api-uid' }],
    ['an API pod of the same name that is not a mirror pod', p1, apiPod, true, { action: 'none' }],
    ['no static pod and a plain API pod', undefined, apiPod, true, { action: 'none' }],
  ])('mirror: %s', (_n, sp, mp, nodeKnown, want) => {
    expect(decideMirrorPod(sp, mp, nodeKnown)).toEqual(want);
  });

  it('the mirror pod: the config.mirror annotation, no uid, a controller owner reference to the Node', () => {
    const mp = mirrorPodFor(p1, { name: 'node01', uid: 'node-uid' });
    expect(mp.metadata).not.toHaveProperty('uid');
    expect(mp.metadata.annotations?.['kubernetes.io/config.mirror']).toBe(p1.metadata.uid);
    expect(mp.metadata.annotations?.['kubernetes.io/config.hash']).toBe(p1.metadata.uid);
    expect(mp.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'node01', uid: 'node-uid', controller: true }]);
    expect(mp.spec.nodeName).toBe('node01');
  });
});

describe('the static pod directory source', () => {
  let dir: string;
  let changes: string[][];
  let logged: { msg: string; fields?: Record<string, unknown> }[];
  let src: StaticPodSource;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-unit-static-'));
    changes = [];
    logged = [];
    const log: Logger = { ...silentLogger, error: (msg, fields) => logged.push({ msg, ...(fields ? { fields } : {}) }) };
    src = new StaticPodSource({ dir, nodeName: 'node01', checkFrequencyMs: 0, log, onChange: (k) => changes.push(k) });
  });
  afterEach(() => {
    src.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds, updates and removes as the files change; hidden files and directories are skipped', () => {
    writeFileSync(join(dir, 'web.yaml'), manifest());
    writeFileSync(join(dir, '.web.yaml.swp'), 'garbage');
    mkdirSync(join(dir, 'sub'));
    expect(src.readNow()).toEqual(['default/static-web-node01']);
    const first = src.get('default/static-web-node01')!;
    expect(src.readNow()).toEqual([]); // unchanged: nothing, and config.seen kept
    expect(src.get('default/static-web-node01')).toBe(first);
    writeFileSync(join(dir, 'web.yaml'), manifest('nginx:1.25'));
    expect(src.readNow()).toEqual(['default/static-web-node01']);
    expect(src.get('default/static-web-node01')!.metadata.uid).not.toBe(first.metadata.uid);
    unlinkSync(join(dir, 'web.yaml'));
    expect(src.readNow()).toEqual(['default/static-web-node01']);
    expect(src.list()).toEqual([]);
    expect(changes).toHaveLength(3);
    expect(logged).toEqual([]);
  });

  it('a broken manifest is logged once with its file and error and skipped; the others run', () => {
    writeFileSync(join(dir, 'web.yaml'), manifest());
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers: [{name: c}]\n');
    src.readNow();
    src.readNow();
    expect(src.list().map((p) => p.metadata.name)).toEqual(['static-web-node01']);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.msg).toBe('Could not process manifest file');
    expect(logged[0]!.fields).toMatchObject({ path: join(dir, 'bad.yaml') });
    expect(String(logged[0]!.fields!.error)).toContain('spec.containers[0].image: Required value');
  });

  it('a missing directory is no static pods, not an error', () => {
    const s = new StaticPodSource({ dir: join(dir, 'none'), nodeName: 'node01', checkFrequencyMs: 0, log: silentLogger, onChange: () => undefined });
    expect(s.readNow()).toEqual([]);
    s.stop();
  });
});

class FakeNetwork implements PodNetwork {
  readonly pods = new Map<string, string>();
  async setUp(uid: string) {
    if (!this.pods.has(uid)) this.pods.set(uid, `10.244.1.${this.pods.size + 2}`);
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

describe('PodWorkers with static pods', () => {
  const KEY = 'default/static-web-node01';
  let api: InProcessApi;
  let rt: FakeRuntime;
  let inf: Informer<Pod>;
  let w: PodWorkers;
  let root: string;
  let statics: Map<string, Pod>;

  beforeEach(async () => {
    api = new InProcessApi();
    rt = new FakeRuntime();
    root = mkdtempSync(join(tmpdir(), 'kubelab-unit-static-workers-'));
    statics = new Map();
    inf = new Informer<Pod>({ client: api, resource: PODS, fieldSelector: 'spec.nodeName=node01', logger: silentLogger });
    w = new PodWorkers({
      client: api, runtime: rt, runtimeName: 'containerd', pods: inf, cni: new FakeNetwork(),
      recorder: new EventRecorder(api, { component: 'kubelet', host: 'node01', logger: silentLogger }),
      nodeName: 'node01', rootDir: root, podLogsDir: join(root, 'logs'), pull: {}, podCIDR: () => '10.244.1.0/24', logger: silentLogger,
      dns: { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', resolvConf: '', nodeIPs: [] },
      staticPods: { get: (k) => statics.get(k), list: () => [...statics.values()] },
      node: () => ({ name: 'node01', uid: 'node-uid' }),
    });
    inf.start();
    await inf.waitForSync();
  });
  afterEach(async () => {
    w.stop();
    await inf.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const waitCache = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  };
  const mirror = () => api.peek(PODS, 'default', 'static-web-node01') as Pod | undefined;
  const containersOf = (uid: string) => [...rt.containers.values()].filter((c) => c.spec.labels?.[LABELS.podUid] === uid);

  it('runs the static pod without an API pod, makes its mirror pod and reports status on it', async () => {
    const sp = podOf(manifest());
    statics.set(KEY, sp);
    await w.processKey(KEY);
    expect(rt.calls).toEqual(['pull nginx', 'create web 0', 'start web']);
    expect(containersOf(sp.metadata.uid)).toHaveLength(1);
    const m = mirror()!;
    expect(m.metadata.uid).not.toBe(sp.metadata.uid);
    expect(m.metadata.annotations?.['kubernetes.io/config.mirror']).toBe(sp.metadata.uid);
    expect(m.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: 'node01', controller: true });
    await waitCache(() => !!inf.store.get(KEY));
    await w.processKey(KEY);
    expect(mirror()!.status?.phase).toBe('Running');
    expect(w.podByName('default', 'static-web-node01')?.metadata.uid).toBe(sp.metadata.uid);
  });

  it('an edited manifest: the old containers go, the new spec runs, the mirror pod is replaced', async () => {
    const v1 = podOf(manifest());
    statics.set(KEY, v1);
    await w.processKey(KEY);
    await waitCache(() => !!inf.store.get(KEY));
    const firstMirror = mirror()!.metadata.uid;
    const v2 = podOf(manifest('nginx:1.25'));
    statics.set(KEY, v2);
    await w.processKey(KEY);
    expect(containersOf(v1.metadata.uid)).toHaveLength(0);
    expect(containersOf(v2.metadata.uid).map((c) => c.spec.image)).toEqual(['nginx:1.25']);
    const m = mirror()!;
    expect(m.metadata.uid).not.toBe(firstMirror);
    expect(m.metadata.annotations?.['kubernetes.io/config.mirror']).toBe(v2.metadata.uid);
    expect(m.spec.containers[0]!.image).toBe('nginx:1.25');
  });

  it('a mirror pod deleted through the API is made again; the containers keep running', async () => {
    const sp = podOf(manifest());
    statics.set(KEY, sp);
    await w.processKey(KEY);
    await waitCache(() => !!inf.store.get(KEY));
    const first = mirror()!.metadata.uid;
    await api.delete(PODS, 'default', 'static-web-node01');
    await waitCache(() => { const p = inf.store.get(KEY); return !p || !!p.metadata.deletionTimestamp || p.metadata.uid !== first; });
    rt.calls.length = 0;
    await w.processKey(KEY);
    expect(mirror()?.metadata.uid).toBeDefined();
    expect(mirror()!.metadata.uid).not.toBe(first);
    expect(rt.calls.filter((c) => !c.startsWith('status'))).toEqual([]);
    expect(containersOf(sp.metadata.uid)).toHaveLength(1);
  });

  it('a removed manifest: the pod stops and its mirror pod is deleted; orphan cleanup keeps static pods', async () => {
    const sp = podOf(manifest());
    statics.set(KEY, sp);
    await w.processKey(KEY);
    await waitCache(() => !!inf.store.get(KEY));
    expect(await w.cleanupOrphans()).toBe(0);
    expect(containersOf(sp.metadata.uid)).toHaveLength(1);
    statics.delete(KEY);
    await w.processKey(KEY);
    expect(containersOf(sp.metadata.uid)).toHaveLength(0);
    expect(mirror()).toBeUndefined();
  });

  it('the API failing does not stop the static pod from running', async () => {
    const { KubeError } = await import('../../../api/errors.js');
    api.injectError({ verb: 'create', resource: 'pods' }, new KubeError('ServiceUnavailable', 'connection refused'), 5);
    api.injectError({ verb: 'patch', resource: 'pods' }, new KubeError('ServiceUnavailable', 'connection refused'), 5);
    const sp = podOf(manifest());
    statics.set(KEY, sp);
    await w.processKey(KEY);
    expect(containersOf(sp.metadata.uid)).toHaveLength(1);
    expect(mirror()).toBeUndefined();
  });

  it('the pod starts before the mirror pod is asked for (a hanging API server does not hold it back)', async () => {
    let startedBeforeCreate: boolean | undefined;
    const create = api.create.bind(api);
    api.create = ((info, ns, obj, opts) => {
      if (info === PODS) startedBeforeCreate ??= rt.calls.includes('start web');
      return create(info, ns, obj as never, opts);
    }) as typeof api.create;
    statics.set(KEY, podOf(manifest()));
    await w.processKey(KEY);
    expect(startedBeforeCreate).toBe(true);
  });

  it("kubectl run --dry-run=client -o yaml's output is a valid manifest", () => {
    const p = podOf(`apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  labels:
    run: static-web
  name: static-web
spec:
  containers:
  - image: nginx
    name: static-web
    resources: {}
  dnsPolicy: ClusterFirst
  restartPolicy: Always
status: {}
`);
    expect(p.metadata.name).toBe('static-web-node01');
    expect(p.status?.phase).toBe('Pending');
  });
});
