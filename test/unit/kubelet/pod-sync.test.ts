import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../node-agent/kubelet/backoff.js';
import { computePodActions, shouldRestart } from '../../../node-agent/kubelet/pod-sync.js';
import { computePodStatus, podPhase, qosClass, type StatusInputs } from '../../../node-agent/kubelet/pod-status.js';
import { LABELS, type ContainerStatus } from '../../../node-agent/runtime/runtime.js';

const UID = '11111111-2222-3333-4444-555555555555';
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

function pod(spec: Record<string, any> = {}) {
  return {
    metadata: { name: 'p', namespace: 'default', uid: UID },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  };
}

let n = 0;
function ctr(name: string, state: ContainerStatus['state'], opts: { restart?: number; exit?: number; started?: number; finished?: number; reason?: string } = {}): ContainerStatus {
  n++;
  return {
    id: String(n).padStart(64, '0'),
    name: `k8s_${name}`,
    labels: { [LABELS.containerName]: name, [LABELS.restartCount]: String(opts.restart ?? 0), [LABELS.podUid]: UID },
    image: 'nginx',
    imageId: 'sha256:x',
    state,
    createdAt: T(opts.started ?? 0),
    ...(opts.started !== undefined ? { startedAt: T(opts.started) } : {}),
    ...(opts.finished !== undefined ? { finishedAt: T(opts.finished) } : {}),
    ...(opts.exit !== undefined ? { exitCode: opts.exit } : {}),
    ...(opts.reason ? { reason: opts.reason } : {}),
  };
}

const kinds = (d: ReturnType<typeof computePodActions>) => d.actions.map((a) => (a.type === 'start' ? `start ${a.container.name} #${a.restartCount}` : `${a.type} ${a.id.slice(-2)}`));

describe('computePodActions', () => {
  const now = T(100).getTime();
  it.each([
    ['Always', 0, true], ['Always', 1, true], ['OnFailure', 0, false], ['OnFailure', 2, true], ['Never', 1, false], ['Never', 0, false],
  ])('restartPolicy %s exit %d restarts: %s', (p, code, want) => expect(shouldRestart(p as string, code as number)).toBe(want));

  it('starts a container that does not exist yet', () => {
    expect(kinds(computePodActions(pod(), [], { now, backoff: new Backoff() }))).toEqual(['start c #0']);
  });
  it('leaves a running container alone (adoption after a restart)', () => {
    expect(kinds(computePodActions(pod(), [ctr('c', 'running', { started: 1 })], { now, backoff: new Backoff() }))).toEqual([]);
  });
  it('restarts a crashed container at once the first time, then holds it in CrashLoopBackOff', () => {
    const b = new Backoff();
    const first = computePodActions(pod(), [ctr('c', 'exited', { started: 98, finished: 99, exit: 1 })], { now, backoff: b });
    expect(kinds(first)).toEqual(['start c #1']);
    b.next('11111111-2222-3333-4444-555555555555/c', now);
    const second = computePodActions(pod(), [ctr('c', 'exited', { restart: 1, started: 100, finished: 101, exit: 1 })], { now: now + 2000, backoff: b });
    expect(kinds(second)).toEqual([]);
    expect(second.waiting.c!.reason).toBe('CrashLoopBackOff');
    expect(second.waiting.c!.message).toBe(`back-off 10s restarting failed container=c pod=p_default(${UID})`);
    expect(second.requeueAfterMs).toBe(9000);
  });
  it('does not restart under Never or a successful OnFailure container', () => {
    expect(kinds(computePodActions(pod({ restartPolicy: 'Never' }), [ctr('c', 'exited', { exit: 1, finished: 1 })], { now, backoff: new Backoff() }))).toEqual([]);
    expect(kinds(computePodActions(pod({ restartPolicy: 'OnFailure' }), [ctr('c', 'exited', { exit: 0, finished: 1 })], { now, backoff: new Backoff() }))).toEqual([]);
  });
  it('kills a container whose liveness probe failed', () => {
    const c = ctr('c', 'running', { started: 1 });
    const d = computePodActions(pod(), [c], { now, backoff: new Backoff(), livenessFailed: (_n, id) => id === c.id });
    expect(d.actions).toEqual([{ type: 'kill', id: c.id, name: 'c', reason: 'Killing', message: 'Container c failed liveness probe, will be restarted' }]);
  });
  it('runs init containers one by one before the app containers', () => {
    const p = pod({ initContainers: [{ name: 'i1', image: 'busybox' }, { name: 'i2', image: 'busybox' }] });
    expect(kinds(computePodActions(p, [], { now, backoff: new Backoff() }))).toEqual(['start i1 #0']);
    expect(kinds(computePodActions(p, [ctr('i1', 'running', { started: 1 })], { now, backoff: new Backoff() }))).toEqual([]);
    expect(kinds(computePodActions(p, [ctr('i1', 'exited', { exit: 0, finished: 2 })], { now, backoff: new Backoff() }))).toEqual(['start i2 #0']);
    expect(kinds(computePodActions(p, [ctr('i1', 'exited', { exit: 0, finished: 2 }), ctr('i2', 'exited', { exit: 0, finished: 3 })], { now, backoff: new Backoff() }))).toEqual(['start c #0']);
  });
  it('fails the pod when an init container fails under Never', () => {
    const p = pod({ restartPolicy: 'Never', initContainers: [{ name: 'i1', image: 'busybox' }] });
    const d = computePodActions(p, [ctr('i1', 'exited', { exit: 3, finished: 2 })], { now, backoff: new Backoff() });
    expect(d.initFailed).toBe(true);
    expect(d.actions).toEqual([]);
  });
  it('keeps only the newest two containers of a name', () => {
    const a = ctr('c', 'exited', { restart: 0, exit: 1, finished: 1 });
    const b = ctr('c', 'exited', { restart: 1, exit: 1, finished: 2 });
    const c = ctr('c', 'running', { restart: 2, started: 3 });
    const d = computePodActions(pod(), [a, b, c], { now, backoff: new Backoff() });
    expect(d.actions).toEqual([{ type: 'remove', id: a.id }]);
  });
});

describe('computePodStatus', () => {
  const inp = (extra: Partial<StatusInputs> = {}): StatusInputs => ({ now: T(50), runtimeName: 'containerd', podIP: '10.244.1.5', hostIP: '192.168.56.21', sandboxReady: true, waiting: {}, imageRefs: { nginx: 'docker.io/library/nginx@sha256:aa' }, ...extra });

  it('a pod being created: Pending, ContainerCreating, not Ready', () => {
    const s = computePodStatus(pod(), [], false, inp());
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses[0]).toMatchObject({ name: 'c', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } });
    expect(s.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [c]' });
    expect(s.conditions.map((c: any) => c.type)).toEqual(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  });
  it('a running container: Running, Ready, IPs, IDs', () => {
    const c = ctr('c', 'running', { started: 10 });
    const s = computePodStatus(pod(), [c], false, inp());
    expect(s).toMatchObject({ phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], hostIP: '192.168.56.21', hostIPs: [{ ip: '192.168.56.21' }], qosClass: 'BestEffort' });
    expect(s.containerStatuses[0]).toEqual({
      name: 'c', image: 'nginx', imageID: 'docker.io/library/nginx@sha256:aa', containerID: `containerd://${c.id}`, restartCount: 0,
      lastState: {}, state: { running: { startedAt: '2026-01-01T00:00:10Z' } }, started: true, ready: true,
    });
    expect(s.conditions.find((x: any) => x.type === 'Ready')!.status).toBe('True');
  });
  it('readiness probe failing keeps the pod not Ready', () => {
    const s = computePodStatus(pod(), [ctr('c', 'running', { started: 10 })], false, inp({ ready: () => false }));
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses[0].ready).toBe(false);
    expect(s.conditions.find((x: any) => x.type === 'ContainersReady')!.status).toBe('False');
  });
  it('crash loop: waiting CrashLoopBackOff with lastState terminated, phase Running', () => {
    const c = ctr('c', 'exited', { restart: 3, started: 10, finished: 11, exit: 1, reason: 'Error' });
    const s = computePodStatus(pod(), [c], false, inp({ waiting: { c: { reason: 'CrashLoopBackOff', message: 'back-off 40s ...' } } }));
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses[0]).toMatchObject({
      restartCount: 3,
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s ...' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', containerID: `containerd://${c.id}` } },
    });
  });
  it('an OOMKilled container under Never: Failed, terminated OOMKilled 137', () => {
    const s = computePodStatus(pod({ restartPolicy: 'Never' }), [ctr('c', 'exited', { exit: 137, finished: 5, started: 1, reason: 'OOMKilled' })], false, inp());
    expect(s.phase).toBe('Failed');
    expect(s.containerStatuses[0]!.state!.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });
  it('every container succeeded under OnFailure: Succeeded', () => {
    expect(computePodStatus(pod({ restartPolicy: 'OnFailure' }), [ctr('c', 'exited', { exit: 0, finished: 5 })], false, inp()).phase).toBe('Succeeded');
  });
  it('image pull errors show as the waiting reason', () => {
    const s = computePodStatus(pod(), [], false, inp({ waiting: { c: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope"' } } }));
    expect(s.containerStatuses[0]!.state!.waiting).toEqual({ reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope"' });
    expect(s.phase).toBe('Pending');
  });
  it('init containers: PodInitializing and Initialized False until they finish', () => {
    const p = pod({ initContainers: [{ name: 'i', image: 'busybox' }] });
    const s = computePodStatus(p, [ctr('i', 'running', { started: 1 })], false, inp());
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses[0]!.state!.waiting!.reason).toBe('PodInitializing');
    expect(s.conditions.find((x: any) => x.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [i]' });
    const done = computePodStatus(p, [ctr('i', 'exited', { exit: 0, started: 1, finished: 2, reason: 'Completed' }), ctr('c', 'running', { started: 3 })], false, inp());
    expect(done.phase).toBe('Running');
    expect(done.initContainerStatuses![0]).toMatchObject({ ready: true, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
  });
  it('keeps transition times of unchanged conditions', () => {
    const p = pod();
    const s1 = computePodStatus(p, [ctr('c', 'running', { started: 1 })], false, inp({ now: T(10) }));
    const s2 = computePodStatus({ ...p, status: s1 }, [ctr('c', 'running', { started: 1 })], false, inp({ now: T(20) }));
    expect(s2.conditions.find((x: any) => x.type === 'Ready')!.lastTransitionTime).toBe('2026-01-01T00:00:10Z');
    expect(s2.startTime).toBe(s1.startTime);
  });
  it.each([
    [[{ name: 'c', image: 'nginx', resources: {} }], 'BestEffort'],
    [[{ name: 'c', image: 'nginx', resources: { requests: { cpu: '1' } } }], 'Burstable'],
    [[{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1', memory: '1Gi' } } }], 'Guaranteed'],
  ])('qosClass %#', (containers, want) => expect(qosClass({ spec: { containers } })).toBe(want));
  it('phase follows getPhase', () => {
    expect(podPhase({ spec: {} }, [], [{ state: { running: {} } }, { state: { waiting: {} } }], false)).toBe('Pending');
    expect(podPhase({ spec: { restartPolicy: 'Never' } }, [], [{ state: { terminated: { exitCode: 0 } } }, { state: { terminated: { exitCode: 1 } } }], false)).toBe('Failed');
  });
});
