/**
 * The pod workers' decisions (node-agent/kubelet/pod-plan.ts), table by table, with no runtime, network,
 * API or clock: what a sync does with a pod, how it stops one, what it does about an image, what each
 * outcome records, the container it asks the runtime for, the probers and the status write.
 */
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../node-agent/kubelet/backoff.js';
import {
  configFailed, containerLogDir, containerSpec, createFailed, decideImage, decidePodWork, decideStatusWrite, mountFailed, podFileMounts,
  planKill, planProbes, planTermination, planTerminalStop, pullBackoffKey, pullFailed, runningIds, sandboxFailed, startAttempt,
  startFailed, type ImageInput, type PodWorkInput,
} from '../../../node-agent/kubelet/pod-plan.js';
import { remainingGraceSeconds, type PodAction } from '../../../node-agent/kubelet/pod-sync.js';
import type { Container } from '../../../node-agent/kubelet/types.js';
import { LABELS, type ContainerStatus } from '../../../node-agent/runtime/runtime.js';

const UID = '11111111-2222-3333-4444-555555555555';
const T0 = Date.UTC(2026, 0, 1);

function pod(spec: Record<string, any> = {}, meta: Record<string, any> = {}, status?: Record<string, any>) {
  return {
    metadata: { name: 'web', namespace: 'default', uid: UID, resourceVersion: '7', ...meta },
    spec: { containers: [{ name: 'c', image: 'nginx:1' }], ...spec },
    ...(status ? { status } : {}),
  };
}

let seq = 0;
function ctr(name: string, state: ContainerStatus['state'], opts: { restart?: number; started?: number; noLabel?: boolean } = {}): ContainerStatus {
  seq++;
  return {
    id: String(seq).padStart(64, '0'),
    name: `k8s_${name}`,
    labels: { ...(opts.noLabel ? {} : { [LABELS.containerName]: name }), [LABELS.restartCount]: String(opts.restart ?? 0), [LABELS.podUid]: UID },
    image: 'nginx',
    imageId: 'sha256:x',
    state,
    createdAt: new Date(T0 + (opts.started ?? 0) * 1000),
    ...(opts.started !== undefined ? { startedAt: new Date(T0 + opts.started * 1000) } : {}),
  };
}

const start = (container: Container, restartCount = 0, init = false): Extract<PodAction, { type: 'start' }> => ({
  type: 'start',
  container,
  init,
  restartCount,
  backoffKey: `${UID}/${container.name}`,
});

describe('decidePodWork', () => {
  const none = () => false;
  it.each<[string, PodWorkInput, ReturnType<typeof decidePodWork>]>([
    ['no pod, never seen', { pod: undefined, knownUid: undefined, terminating: none }, { work: 'none' }],
    ['the pod is gone: clean up what ran, with a short grace', { pod: undefined, knownUid: 'old', terminating: none }, { cleanup: { uid: 'old', gracePeriodSeconds: 2 }, work: 'none' }],
    ['same name, new uid: clean up the old one, run the new one', { pod: pod(), knownUid: 'old', terminating: none }, { cleanup: { uid: 'old', gracePeriodSeconds: 2 }, work: 'run' }],
    ['a pod to run', { pod: pod(), knownUid: UID, terminating: none }, { work: 'run' }],
    ['a new pod to run', { pod: pod({}, {}, { phase: 'Pending' }), knownUid: undefined, terminating: none }, { work: 'run' }],
    ['being deleted', { pod: pod({}, { deletionTimestamp: '2026-01-01T00:00:00Z' }), knownUid: UID, terminating: none }, { work: 'terminate' }],
    ['being deleted, termination already running', { pod: pod({}, { deletionTimestamp: '2026-01-01T00:00:00Z' }), knownUid: UID, terminating: (u) => u === UID }, { work: 'none' }],
    ['deleted after it finished: terminate wins', { pod: pod({}, { deletionTimestamp: '2026-01-01T00:00:00Z' }, { phase: 'Succeeded' }), knownUid: UID, terminating: none }, { work: 'terminate' }],
    ['Succeeded: stop what runs, start nothing', { pod: pod({}, {}, { phase: 'Succeeded' }), knownUid: UID, terminating: none }, { work: 'stop-terminal' }],
    ['Failed: the same', { pod: pod({}, {}, { phase: 'Failed' }), knownUid: UID, terminating: none }, { work: 'stop-terminal' }],
    ['Running: run', { pod: pod({}, {}, { phase: 'Running' }), knownUid: UID, terminating: none }, { work: 'run' }],
  ])('%s', (_name, input, want) => {
    expect(decidePodWork(input)).toEqual(want);
  });
});

describe('stopping', () => {
  it.each([
    ['deletionGracePeriodSeconds first', { deletionGracePeriodSeconds: 5 }, { terminationGracePeriodSeconds: 10 }, 5],
    ['then the spec', {}, { terminationGracePeriodSeconds: 10 }, 10],
    ['a zero grace is kept', { deletionGracePeriodSeconds: 0 }, { terminationGracePeriodSeconds: 10 }, 0],
    ['default 30 s', {}, {}, 30],
  ])('termination grace: %s', (_n, meta, spec, want) => {
    expect(planTermination(pod(spec, meta), []).gracePeriodSeconds).toBe(want);
  });

  it('terminates the running containers only, each with its Killing event, then deletes with grace 0 and the uid', () => {
    const p = pod({ initContainers: [{ name: 'init', image: 'busybox' }] });
    const running = ctr('c', 'running');
    const runningInit = ctr('init', 'running');
    const unlabelled = ctr('x', 'running', { noLabel: true });
    const plan = planTermination(p, [running, ctr('c', 'exited'), runningInit, unlabelled, ctr('c', 'created')]);
    expect(plan.stages.map((st) => st.map((s) => s.id))).toEqual([[running.id, runningInit.id, unlabelled.id]]);
    expect(plan.stages.flat().map((s) => [s.event.reason, s.event.message, s.event.ref.fieldPath])).toEqual([
      ['Killing', 'Stopping container c', 'spec.containers{c}'],
      ['Killing', 'Stopping container init', 'spec.initContainers{init}'],
      ['Killing', 'Stopping container k8s_x', 'spec.containers{k8s_x}'],
    ]);
    expect(plan.delete).toEqual({ gracePeriodSeconds: 0, preconditions: { uid: UID } });
  });

  it('sidecars stop after the app containers, one by one in reverse spec order (KEP-753 termination order)', () => {
    const p = pod({
      initContainers: [
        { name: 'log', image: 'busybox', restartPolicy: 'Always' },
        { name: 'setup', image: 'busybox' },
        { name: 'proxy', image: 'busybox', restartPolicy: 'Always' },
      ],
      containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx' }],
    });
    const log = ctr('log', 'running'), proxy = ctr('proxy', 'running'), a = ctr('a', 'running'), b = ctr('b', 'running');
    const plan = planTermination(p, [log, proxy, ctr('setup', 'exited'), a, b]);
    expect(plan.stages.map((st) => st.map((s) => s.event.message))).toEqual([
      ['Stopping container a', 'Stopping container b'],
      ['Stopping container proxy'],
      ['Stopping container log'],
    ]);
    expect(plan.stages[1]![0]!.event.ref.fieldPath).toBe('spec.initContainers{proxy}');
    // A stopped sidecar has no stage; a pod with only sidecars running starts with them.
    expect(planTerminalStop(p, [log, ctr('proxy', 'exited'), ctr('a', 'exited')]).stages).toEqual([[log.id]]);
  });

  it.each([
    ['the whole grace at first', 30, 0, 30],
    ['what is left after 12.9 s', 30, 12_900, 18],
    ['at least 2 s', 30, 60_000, 2],
    ['a grace under 2 s stays (eviction, force)', 0, 5_000, 0],
    ['1 s stays 1 s', 1, 0, 1],
  ])('a later stage gets %s', (_n, grace, elapsed, want) => {
    expect(remainingGraceSeconds(grace, elapsed)).toBe(want);
  });

  it('a finished pod: the running containers, with the spec grace (not the deletion grace)', () => {
    const r = ctr('c', 'running');
    expect(planTerminalStop(pod({ terminationGracePeriodSeconds: 3 }, { deletionGracePeriodSeconds: 1 }), [r, ctr('c', 'exited')])).toEqual({ gracePeriodSeconds: 3, stages: [[r.id]] });
    expect(planTerminalStop(pod(), []).gracePeriodSeconds).toBe(30);
    expect(runningIds([r, ctr('c', 'exited'), ctr('c', 'created')])).toEqual([r.id]);
  });

  it('kills a container with the spec grace and looks again in 100 ms', () => {
    const k = planKill(pod({ terminationGracePeriodSeconds: 7 }), { type: 'kill', id: 'x', name: 'c', reason: 'Killing', message: 'Container c failed liveness probe, will be restarted' });
    expect(k).toEqual({
      gracePeriodSeconds: 7,
      effects: { events: [{ ref: expect.objectContaining({ fieldPath: 'spec.containers{c}' }), type: 'Normal', reason: 'Killing', message: 'Container c failed liveness probe, will be restarted' }], requeueAfterMs: 100 },
    });
    expect(planKill(pod(), { type: 'kill', id: 'x', name: 'c', reason: 'Killing', message: 'superseded' }).gracePeriodSeconds).toBe(30);
  });
});

describe('decideImage', () => {
  const failedBackoff = () => {
    const b = new Backoff(10_000, 300_000);
    b.next(pullBackoffKey(pod(), 'nope:1'), T0);
    return b;
  };
  const input = (image: string, extra: Partial<ImageInput> = {}, policy?: string): ImageInput => ({
    pod: pod(),
    container: { name: 'c', image, ...(policy ? { imagePullPolicy: policy } : {}) },
    present: false,
    pullFailedAt: undefined,
    pullBackoff: new Backoff(),
    now: T0,
    ...extra,
  });
  const summary = (d: ReturnType<typeof decideImage>) => ({
    next: d.next,
    events: d.effects.events.map((e) => `${e.type} ${e.reason}: ${e.message}`),
    ...(d.effects.waiting ? { waiting: d.effects.waiting.reason } : {}),
    ...(d.effects.requeueAfterMs !== undefined ? { requeue: d.effects.requeueAfterMs } : {}),
  });
  it.each<[string, ImageInput, ReturnType<typeof summary>]>([
    ['IfNotPresent (a tag) and present: use it', input('nginx:1', { present: true }), { next: 'use', events: ['Normal Pulled: Container image "nginx:1" already present on machine'] }],
    ['IfNotPresent and absent: pull', input('nginx:1'), { next: 'pull', events: ['Normal Pulling: Pulling image "nginx:1"'] }],
    ['no tag means Always: pull although present', input('nginx', { present: true }), { next: 'pull', events: ['Normal Pulling: Pulling image "nginx"'] }],
    [':latest means Always', input('registry:5000/x/nginx:latest', { present: true }), { next: 'pull', events: ['Normal Pulling: Pulling image "registry:5000/x/nginx:latest"'] }],
    ['a digest means IfNotPresent', input(`nginx@sha256:${'a'.repeat(64)}`, { present: true }), { next: 'use', events: [`Normal Pulled: Container image "nginx@sha256:${'a'.repeat(64)}" already present on machine`] }],
    ['explicit Always, present: pull', input('nginx:1', { present: true }, 'Always'), { next: 'pull', events: ['Normal Pulling: Pulling image "nginx:1"'] }],
    ['Never and present: use it', input('nginx', { present: true }, 'Never'), { next: 'use', events: ['Normal Pulled: Container image "nginx" already present on machine'] }],
    [
      'Never and absent: ErrImageNeverPull, no resync (nothing will change by itself)',
      input('nginx', {}, 'Never'),
      { next: 'wait', events: ['Warning ErrImageNeverPull: Container image "nginx" is not present with pull policy of Never'], waiting: 'ErrImageNeverPull' },
    ],
    [
      'a pull failed 2 s ago, back-off 10 s: ImagePullBackOff, look again when it ends',
      input('nope:1', { pullFailedAt: T0, pullBackoff: failedBackoff(), now: T0 + 2000 }),
      { next: 'wait', events: ['Normal BackOff: Back-off pulling image "nope:1"'], waiting: 'ImagePullBackOff', requeue: 8000 },
    ],
    [
      'at the end of the window: at least 200 ms',
      input('nope:1', { pullFailedAt: T0, pullBackoff: failedBackoff(), now: T0 + 9950 }),
      { next: 'wait', events: ['Normal BackOff: Back-off pulling image "nope:1"'], waiting: 'ImagePullBackOff', requeue: 200 },
    ],
    ['the window is over: pull again', input('nope:1', { pullFailedAt: T0, pullBackoff: failedBackoff(), now: T0 + 10_000 }), { next: 'pull', events: ['Normal Pulling: Pulling image "nope:1"'] }],
  ])('%s', (_n, inp, want) => {
    expect(summary(decideImage(inp))).toEqual(want);
  });

  it('the back-off is per pod and image', () => {
    expect(pullBackoffKey(pod(), 'nginx:1')).toBe(`${UID}/nginx:1`);
  });
});

describe('outcomes', () => {
  const c = { name: 'c', image: 'nope:1' };
  it.each([
    ['a failed pull: ErrImagePull, the next sync inside the back-off', pullFailed(pod(), c, 'not found', 10_000), {
      events: ['Warning Failed: Failed to pull image "nope:1": not found', 'Warning Failed: Error: ErrImagePull'],
      waiting: { reason: 'ErrImagePull', message: 'not found' },
      requeueAfterMs: 1000,
    }],
    ['a failed pull with a back-off under 1 s', pullFailed(pod(), c, 'x', 300), { events: ['Warning Failed: Failed to pull image "nope:1": x', 'Warning Failed: Error: ErrImagePull'], waiting: { reason: 'ErrImagePull', message: 'x' }, requeueAfterMs: 300 }],
    ['env or mounts cannot be built', configFailed(pod(), c, 'configmap "cfg" not found'), {
      events: ['Warning Failed: Error: configmap "cfg" not found'],
      waiting: { reason: 'CreateContainerConfigError', message: 'configmap "cfg" not found' },
      requeueAfterMs: 2000,
    }],
    ['the runtime cannot create it', createFailed(pod(), c, 'boom'), { events: ['Warning Failed: Error: boom'], waiting: { reason: 'CreateContainerError', message: 'boom' }, requeueAfterMs: 2000 }],
    ['the first start fails: back-off begins', startFailed(pod(), start(c, 0), 'exec: "nope": not found'), { events: ['Warning Failed: Error: exec: "nope": not found'], requeueAfterMs: 200, recordCrashBackoff: true }],
    ['a restart fails: counted already before the create', startFailed(pod(), start(c, 3), 'x'), { events: ['Warning Failed: Error: x'], requeueAfterMs: 200 }],
    ['a first start: nothing to count', startAttempt(start(c, 0)), { events: [] }],
    ['a restart counts in the crash back-off before the create', startAttempt(start(c, 1)), { events: [], recordCrashBackoff: true }],
    ['no sandbox', sandboxFailed(pod(), 'cni config uninitialized'), { events: ['Warning FailedCreatePodSandBox: Failed to create pod sandbox: cni config uninitialized'], requeueAfterMs: 2000 }],
    ['a volume cannot be set up', mountFailed(pod(), 'MountVolume.SetUp failed for volume "v" : configmap "cfg" not found'), {
      events: ['Warning FailedMount: MountVolume.SetUp failed for volume "v" : configmap "cfg" not found'],
      requeueAfterMs: 2000,
    }],
  ])('%s', (_n, got, want) => {
    expect({ ...got, events: got.events.map((e) => `${e.type} ${e.reason}: ${e.message}`) }).toEqual(want);
  });

  it('container events name the container (init containers as such); pod events the whole pod', () => {
    const p = pod({ initContainers: [{ name: 'init', image: 'busybox' }] });
    expect(createFailed(p, { name: 'init' }, 'x').events[0]!.ref).toEqual({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: UID, resourceVersion: '7' }, fieldPath: 'spec.initContainers{init}',
    });
    expect(sandboxFailed(p, 'x').events[0]!.ref).toBe(p);
  });
});

describe('containerSpec', () => {
  const files = { hosts: true, resolvConf: true, hostname: true };
  const base = { env: [{ name: 'A', value: '1' }], netnsPath: '/run/netns/kubelab-node01-u', podDir: '/var/lib/kubelet/pods/u', logDir: '/var/log/pods/default_web_u/c', hostname: 'web', podFiles: files };

  it.each([
    // upstream's expansion tests (third_party/forked/golang/expansion): $(VAR) from the container's env, $$ escapes, unknown stays
    { args: ['--configmap=$(POD_NAMESPACE)/cfg'], want: ['--configmap=ingress-nginx/cfg'] },
    { args: ['$(A)-$(B)'], want: ['1-$(B)'] },
    { args: ['$$(POD_NAMESPACE)'], want: ['$(POD_NAMESPACE)'] },
    { args: ['$$$(A)'], want: ['$1'] },
    { args: ['$(A', 'plain $A'], want: ['$(A', 'plain $A'] },
    { args: ['$(DUP)'], want: ['second'] },
  ])('command and args expand $(VAR) from the container env: $args', ({ args, want }) => {
    const c = { name: 'c', image: 'x', command: ['sh', '-c', 'echo $(A)'], args };
    const env = [{ name: 'A', value: '1' }, { name: 'POD_NAMESPACE', value: 'ingress-nginx' }, { name: 'DUP', value: 'first' }, { name: 'DUP', value: 'second' }];
    const spec = containerSpec({ pod: pod({ containers: [c] }), start: start(c), mounts: [], ...base, env });
    expect(spec.command).toEqual(['sh', '-c', 'echo 1']);
    expect(spec.args).toEqual(want);
  });

  it('names, labels, paths and cgroup settings of a restart', () => {
    const c = { name: 'c', image: 'nginx:1', command: ['nginx'], args: ['-g', 'daemon off;'], workingDir: '/w', resources: { limits: { cpu: '500m', memory: '64Mi' } } };
    const spec = containerSpec({ pod: pod({ containers: [c] }), start: start(c, 2), mounts: [], ...base });
    expect(spec).toEqual({
      name: `k8s_c_web_default_${UID}_2`,
      labels: { [LABELS.podUid]: UID, [LABELS.podName]: 'web', [LABELS.podNamespace]: 'default', [LABELS.containerName]: 'c', [LABELS.restartCount]: '2' },
      image: 'nginx:1',
      command: ['nginx'],
      args: ['-g', 'daemon off;'],
      env: [{ name: 'A', value: '1' }],
      workingDir: '/w',
      hostname: 'web',
      netnsPath: '/run/netns/kubelab-node01-u',
      mounts: [
        { hostPath: '/var/lib/kubelet/pods/u/etc-hosts', containerPath: '/etc/hosts' },
        { hostPath: '/var/lib/kubelet/pods/u/resolv.conf', containerPath: '/etc/resolv.conf' },
        { hostPath: '/var/lib/kubelet/pods/u/etc-hostname', containerPath: '/etc/hostname' },
      ],
      resources: { cpuShares: 512, cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimitBytes: 64 * 1024 * 1024 },
      logPath: '/var/log/pods/default_web_u/c/2.log',
    });
  });

  it.each([
    ['no command, args, workingDir, user, tty or stdin when unset', {}, {}, {}],
    ['the pod security context', { securityContext: { runAsUser: 1000, runAsGroup: 2000 } }, {}, { user: { uid: 1000, gid: 2000 } }],
    ['the container overrides the pod', { securityContext: { runAsUser: 1000, runAsGroup: 2000 } }, { securityContext: { runAsUser: 0 } }, { user: { uid: 0, gid: 2000 } }],
    ['runAsUser 0 is kept; a group alone is not a user', { securityContext: { runAsGroup: 5 } }, {}, {}],
    ['tty and stdin', {}, { tty: true, stdin: true, command: [] }, { tty: true, stdin: true }],
  ])('%s', (_n, podSpec, ctrExtra, want) => {
    const c = { name: 'c', image: 'nginx:1', ...ctrExtra };
    const spec = containerSpec({ pod: pod({ ...podSpec, containers: [c] }), start: start(c), mounts: [], ...base });
    const optional = Object.fromEntries(Object.entries(spec).filter(([k]) => ['command', 'args', 'workingDir', 'user', 'tty', 'stdin'].includes(k)));
    const { hostname, ...rest } = want as Record<string, unknown>;
    expect(optional).toEqual(rest);
    expect(spec.hostname).toBe(hostname ?? 'web');
    expect(spec.resources).toEqual({ cpuShares: 2 });
  });

  it('the UTS hostname is the one given (pod-hostname.ts decides it)', () => {
    const c = { name: 'c', image: 'nginx:1' };
    expect(containerSpec({ pod: pod({ hostname: 'h1' }), start: start(c), mounts: [], ...base, hostname: 'h1.sub.default.svc.cluster.local' }).hostname).toBe('h1.sub.default.svc.cluster.local');
  });

  it('keeps volumes mounted at /etc/hosts, /etc/resolv.conf or /etc/hostname instead of the pod\'s files', () => {
    const c = { name: 'c', image: 'nginx:1' };
    const mounts = [{ hostPath: '/v/hosts', containerPath: '/etc/hosts' }, { hostPath: '/v/r', containerPath: '/etc/resolv.conf' }, { hostPath: '/v/data', containerPath: '/data' }];
    expect(containerSpec({ pod: pod(), start: start(c), mounts, ...base }).mounts).toEqual([...mounts, { hostPath: '/var/lib/kubelet/pods/u/etc-hostname', containerPath: '/etc/hostname' }]);
  });

  it.each([
    ['all three files, /etc/hosts writable', { hosts: true, resolvConf: true, hostname: true }, false, ['/etc/hosts rw', '/etc/resolv.conf rw', '/etc/hostname rw']],
    ['no pod IP yet: no /etc/hosts (upstream mounts none)', { hosts: false, resolvConf: true, hostname: true }, false, ['/etc/resolv.conf rw', '/etc/hostname rw']],
    ['readOnlyRootFilesystem: resolv.conf and hostname read-only, hosts still writable', { hosts: true, resolvConf: true, hostname: true }, true, ['/etc/hosts rw', '/etc/resolv.conf ro', '/etc/hostname ro']],
    ['no files: no mounts', { hosts: false, resolvConf: false, hostname: false }, false, []],
  ])('podFileMounts: %s', (_n, files, ro, want) => {
    expect(podFileMounts([], '/p', files, ro).map((m) => `${m.containerPath} ${m.readOnly ? 'ro' : 'rw'}`)).toEqual(want);
  });

  it('the CRI log layout', () => {
    expect(containerLogDir('/var/log/pods', pod(), { name: 'c' })).toBe(`/var/log/pods/default_web_${UID}/c`);
  });
});

describe('planProbes', () => {
  it('probes the newest running app container, seeded from the status of the same container ID; stops the others', () => {
    const app = { name: 'c', image: 'nginx', readinessProbe: { tcpSocket: { port: 80 } } };
    const old = ctr('c', 'exited', { restart: 0, started: 1 });
    const cur = ctr('c', 'running', { restart: 1, started: 5 });
    const init = ctr('init', 'running', { started: 0 });
    const p = pod(
      { initContainers: [{ name: 'init', image: 'busybox' }], containers: [app] },
      {},
      { containerStatuses: [{ name: 'c', containerID: `containerd://${cur.id}`, ready: true, started: true }] },
    );
    const plan = planProbes(p, [old, cur, init], 'containerd');
    expect(plan.track.sort()).toEqual([cur.id, init.id].sort());
    expect(plan.steps).toEqual([
      { type: 'ensure', container: app, id: cur.id, startedAt: T0 + 5000, seed: { ready: true, started: true } },
      { type: 'stop', id: old.id },
    ]);
  });

  it.each([
    ['no status for that ID: no seed', 'docker', undefined],
    ['started unset counts as started, ready unset as not ready', 'containerd', { ready: false, started: true }],
  ])('%s', (_n, runtimeName, seed) => {
    const cur = ctr('c', 'running', { started: 2 });
    const p = pod({}, {}, { containerStatuses: [{ name: 'c', containerID: `containerd://${cur.id}` }] });
    const [step] = planProbes(p, [cur], runtimeName).steps;
    expect(step).toEqual({ type: 'ensure', container: p.spec.containers[0], id: cur.id, startedAt: T0 + 2000, ...(seed ? { seed } : {}) });
  });

  it('a container that is not in the spec (any more) gets no prober; a created one neither, and is stopped', () => {
    const stray = ctr('gone', 'running');
    const made = ctr('c', 'created');
    expect(planProbes(pod(), [stray, made], 'containerd').steps).toEqual([{ type: 'stop', id: made.id }]);
  });
});

describe('decideStatusWrite', () => {
  const st = (phase: string, t = '2026-01-01T00:00:00Z') => ({ phase, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }] });
  const written = decideStatusWrite(undefined, st('Running'), undefined);
  it.each([
    ['never written: write', undefined, st('Running'), undefined, true],
    ['written and the API shows it: skip', st('Running'), st('Running'), written.text, false],
    ['only a transition time moved: skip', st('Running'), st('Running', '2026-01-01T00:05:00Z'), written.text, false],
    ['someone else changed the API status: write again', st('Pending'), st('Running'), written.text, true],
    ['the status changed: write', st('Running'), st('Succeeded'), written.text, true],
  ])('%s', (_n, api, status, last, want) => {
    expect(decideStatusWrite(api, status, last).write).toBe(want);
  });
  it('the text leaves lastTransitionTime out', () => {
    expect(written.text).toBe('{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}');
  });
});
