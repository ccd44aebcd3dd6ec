/**
 * Native sidecar containers (KEP-753: init containers with `restartPolicy: Always`) in the kubelet's pure decisions:
 * computePodActions (upstream's computeInitContainerActions / computePodActions), the phase (getPhase), the
 * Initialized / ContainersReady / Ready conditions and the container statuses.
 */
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../node-agent/kubelet/backoff.js';
import { computePodActions, type SyncInputs } from '../../../node-agent/kubelet/pod-sync.js';
import { computePodStatus, podPhase, type StatusInputs } from '../../../node-agent/kubelet/pod-status.js';
import { planProbes, started } from '../../../node-agent/kubelet/pod-plan.js';
import { initialProbeState, probeFailed, recordProbe, probeSettings } from '../../../node-agent/kubelet/probes.js';
import type { Container, Pod } from '../../../node-agent/kubelet/types.js';
import { LABELS, type ContainerStatus } from '../../../node-agent/runtime/runtime.js';

const UID = '11111111-2222-3333-4444-555555555555';
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const now = T(100).getTime();

const sidecar = (name: string, extra: Partial<Container> = {}): Container => ({ name, image: 'busybox', restartPolicy: 'Always', ...extra });
const init = (name: string): Container => ({ name, image: 'busybox' });
const app = (name: string): Container => ({ name, image: 'nginx' });

function pod(initContainers: Container[], containers: Container[] = [app('app')], restartPolicy = 'Always'): Pod {
  return { metadata: { name: 'p', namespace: 'default', uid: UID }, spec: { initContainers, containers, restartPolicy }, status: { phase: 'Pending' } };
}

let n = 0;
function ctr(name: string, state: ContainerStatus['state'], opts: { restart?: number; exit?: number; finished?: number } = {}): ContainerStatus {
  n++;
  return {
    id: `${name}-${n}`,
    name: `k8s_${name}`,
    labels: { [LABELS.containerName]: name, [LABELS.restartCount]: String(opts.restart ?? 0), [LABELS.podUid]: UID },
    image: 'busybox',
    imageId: 'sha256:x',
    state,
    createdAt: T(n),
    startedAt: T(n),
    ...(opts.finished !== undefined ? { finishedAt: T(opts.finished) } : {}),
    ...(opts.exit !== undefined ? { exitCode: opts.exit } : {}),
  };
}
const running = (name: string, restart = 0) => ctr(name, 'running', { restart });
const exited = (name: string, exit: number, restart = 0) => ctr(name, 'exited', { exit, restart, finished: 99 });

const plan = (p: Pod, cs: ContainerStatus[], extra: Partial<SyncInputs> = {}) => {
  const d = computePodActions(p, cs, { now, backoff: new Backoff(), ...extra });
  return { ...d, steps: d.actions.map((a) => (a.type === 'start' ? `start ${a.container.name} #${a.restartCount}` : a.type === 'kill' ? `kill ${a.name}: ${a.message}` : `remove ${a.id}`)) };
};

describe('computePodActions with sidecars', () => {
  const spec = pod([sidecar('log'), init('setup'), sidecar('proxy')]);

  it.each<[string, Pod, () => ContainerStatus[], string[]]>([
    ['the first sidecar starts first', spec, () => [], ['start log #0']],
    ['a running sidecar is initialized: the next init container starts', spec, () => [running('log')], ['start setup #0']],
    ['a regular init container still running holds the next one back', spec, () => [running('log'), running('setup')], []],
    ['after the regular init container, the next sidecar', spec, () => [running('log'), exited('setup', 0)], ['start proxy #0']],
    ['all initialized: the app containers start', spec, () => [running('log'), exited('setup', 0), running('proxy')], ['start app #0']],
    ['a running pod: nothing to do', spec, () => [running('log'), exited('setup', 0), running('proxy'), running('app')], []],
    ['a sidecar that exited 0 is restarted (restartPolicy Always on the container)', spec, () => [exited('log', 0), exited('setup', 0), running('proxy'), running('app')], ['start log #1']],
    ['a crashed sidecar during init restarts before the next init container runs', spec, () => [exited('log', 1)], ['start log #1']],
    ['a crashed sidecar after init does not rerun the regular init containers', spec, () => [running('log'), exited('setup', 0), exited('proxy', 2), running('app')], ['start proxy #1']],
    [
      'under restartPolicy Never a crashed sidecar is still restarted while the app runs',
      pod([sidecar('log')], [app('app')], 'Never'), () => [exited('log', 137), running('app')], ['start log #1'],
    ],
    [
      'once an app container was created, a missing sidecar is started beside it',
      pod([init('setup'), sidecar('log')]), () => [running('app')], ['start log #0'],
    ],
    [
      'a Job pod whose app finished: the sidecars stop in reverse order, nothing restarts',
      pod([sidecar('log'), init('setup'), sidecar('proxy')], [app('app')], 'Never'),
      () => [running('log'), exited('setup', 0), running('proxy'), exited('app', 0)],
      ['kill proxy: Stopping container proxy', 'kill log: Stopping container log'],
    ],
    [
      'a Job pod that failed under OnFailure restarts its app, the sidecar keeps running',
      pod([sidecar('log')], [app('app')], 'OnFailure'), () => [running('log'), exited('app', 1)], ['start app #1'],
    ],
    [
      'a finished Job pod with a crashed sidecar: the sidecar is not restarted',
      pod([sidecar('log')], [app('app')], 'OnFailure'), () => [exited('log', 1), exited('app', 0)], [],
    ],
    [
      'with two app containers, the pod is done only when both finished',
      pod([sidecar('log')], [app('a'), app('b')], 'Never'), () => [running('log'), exited('a', 0), running('b')], [],
    ],
  ])('%s', (_name, p, cs, want) => {
    expect(plan(p, cs()).steps).toEqual(want);
  });

  it('a sidecar with a startup probe is initialized only once the probe succeeded', () => {
    const p = pod([sidecar('log', { startupProbe: { exec: { command: ['true'] } } }), init('setup')]);
    const log = running('log');
    expect(plan(p, [log], { startupSucceeded: () => false }).steps).toEqual([]);
    expect(plan(p, [log], { startupSucceeded: () => true }).steps).toEqual(['start setup #0']);
    // Once the pod was initialized, a restarting sidecar's startup probe does not hold the app containers.
    expect(plan(p, [log, exited('setup', 0), running('app')], { startupSucceeded: () => false }).steps).toEqual([]);
  });

  it('a sidecar whose startup probe failed for good is killed (and restarted on the next sync), as an app container is', () => {
    const log = running('log');
    const d = plan(pod([sidecar('log', { startupProbe: { exec: { command: ['false'] } } }), init('setup')]), [log], { startupFailed: (_n, id) => id === log.id, startupSucceeded: () => false });
    expect(d.steps).toEqual(['kill log: Init container log failed startup probe']);
    const a = running('app');
    const e = plan(pod([], [app('app')]), [a], { startupFailed: (_n, id) => id === a.id });
    expect(e.steps).toEqual(['kill app: Container app failed startup probe, will be restarted']);
  });

  it('a sidecar whose liveness probe failed is killed with upstream\'s message (and restarted on the next sync)', () => {
    const log = running('log');
    const d = plan(pod([sidecar('log')]), [log, running('app')], { livenessFailed: (_n, id) => id === log.id });
    expect(d.steps).toEqual(['kill log: Init container log failed liveness probe']);
  });

  it('a crashing sidecar waits out its crash back-off (CrashLoopBackOff) whatever the pod\'s restartPolicy', () => {
    const b = new Backoff();
    b.next(`${UID}/log`, now - 1000);
    const d = plan(pod([sidecar('log')], [app('app')], 'Never'), [exited('log', 1, 1), running('app')], { backoff: b });
    expect(d.steps).toEqual([]);
    expect(d.waiting.log?.reason).toBe('CrashLoopBackOff');
    expect(d.requeueAfterMs).toBeGreaterThan(0);
  });

  it('the kills that end a finished pod share its grace period (stopsPod); a liveness kill does not', () => {
    const d = plan(pod([sidecar('log')], [app('app')], 'Never'), [running('log'), exited('app', 0)]);
    expect(d.actions).toEqual([expect.objectContaining({ type: 'kill', name: 'log', stopsPod: true })]);
    const log = running('log');
    const live = plan(pod([sidecar('log')]), [log, running('app')], { livenessFailed: () => true });
    expect(live.actions[0]).not.toHaveProperty('stopsPod');
  });

  it('a regular init container failing under Never fails the pod and stops the running sidecars', () => {
    const d = plan(pod([sidecar('log'), init('setup')], [app('app')], 'Never'), [running('log'), exited('setup', 1)]);
    expect(d.initFailed).toBe(true);
    expect(d.steps).toEqual(['kill log: Stopping container log']);
  });
});

describe('pod status with sidecars', () => {
  const inp = (extra: Partial<StatusInputs> = {}): StatusInputs => ({ now: T(50), runtimeName: 'containerd', podIP: '10.244.1.5', sandboxReady: true, waiting: {}, ...extra });
  const cond = (s: ReturnType<typeof computePodStatus>, type: string) => s.conditions.find((c) => c.type === type);

  it('a started sidecar shows in initContainerStatuses running, started and ready; the pod is Initialized and Running', () => {
    const p = pod([sidecar('log'), init('setup')]);
    const s = computePodStatus(p, [running('log'), exited('setup', 0), running('app')], false, inp());
    expect(s.phase).toBe('Running');
    expect(s.initContainerStatuses![0]).toMatchObject({ name: 'log', state: { running: {} }, started: true, ready: true, restartCount: 0 });
    expect(s.initContainerStatuses![1]).toMatchObject({ name: 'setup', state: { terminated: { exitCode: 0 } }, started: false, ready: true });
    expect(cond(s, 'Initialized')).toMatchObject({ status: 'True' });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'True' });
  });

  it('a sidecar whose startup probe has not succeeded: not started, the pod Pending and not Initialized', () => {
    const p = pod([sidecar('log', { startupProbe: { exec: { command: ['true'] } } })]);
    const s = computePodStatus(p, [running('log')], false, inp({ started: () => false }));
    expect(s.initContainerStatuses![0]).toMatchObject({ started: false, ready: false });
    expect(s.phase).toBe('Pending');
    expect(cond(s, 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [log]' });
    expect(s.containerStatuses[0]!.state!.waiting!.reason).toBe('PodInitializing');
  });

  it('a sidecar\'s readiness counts in ContainersReady and Ready (sidecars listed first)', () => {
    const p = pod([sidecar('log', { readinessProbe: { exec: { command: ['true'] } } })]);
    const log = running('log');
    const s = computePodStatus(p, [log, running('app')], false, inp({ ready: (_n, id) => (id === log.id ? false : undefined) }));
    expect(s.initContainerStatuses![0]!.ready).toBe(false);
    expect(s.containerStatuses[0]!.ready).toBe(true);
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [log]' });
    expect(cond(s, 'ContainersReady')).toMatchObject({ status: 'False', message: 'containers with unready status: [log]' });
  });

  it('a restarting sidecar keeps an initialized pod Running and Initialized (CrashLoopBackOff shows on it)', () => {
    const p = pod([sidecar('log')]);
    const s = computePodStatus(p, [exited('log', 1, 2), running('app')], false, inp({ waiting: { log: { reason: 'CrashLoopBackOff', message: 'back-off 20s' } } }));
    expect(s.phase).toBe('Running');
    expect(s.initContainerStatuses![0]).toMatchObject({ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } }, ready: false, started: false, restartCount: 2 });
    expect(cond(s, 'Initialized')!.status).toBe('True');
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', message: 'containers with unready status: [log]' });
  });

  it.each<[string, string, () => ContainerStatus[], string]>([
    ['a Job pod whose app finished while the sidecar still runs is Running', 'Never', () => [running('log'), exited('app', 0)], 'Running'],
    ['once the kubelet stopped the sidecar (exit 143), the app decides: Succeeded', 'Never', () => [exited('log', 143), exited('app', 0)], 'Succeeded'],
    ['a failed app under Never with the sidecar stopped: Failed', 'Never', () => [exited('log', 137), exited('app', 1)], 'Failed'],
    ['OnFailure: all app containers succeeded, sidecar stopped: Succeeded', 'OnFailure', () => [exited('log', 0), exited('app', 0)], 'Succeeded'],
    ['a sidecar not created yet: Pending', 'Always', () => [], 'Pending'],
  ])('phase: %s', (_n, policy, cs, want) => {
    expect(computePodStatus(pod([sidecar('log')], [app('app')], policy), cs(), false, inp()).phase).toBe(want);
  });

  it('a Succeeded pod reports Initialized with reason PodCompleted and Ready False PodCompleted', () => {
    const s = computePodStatus(pod([sidecar('log')], [app('app')], 'Never'), [exited('log', 143), exited('app', 0)], false, inp());
    expect(cond(s, 'Initialized')).toMatchObject({ status: 'True', reason: 'PodCompleted' });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(s.initContainerStatuses![0]).toMatchObject({ state: { terminated: { exitCode: 143 } }, ready: false });
  });

  it('getPhase: a running sidecar not yet started is pending only before any app container started', () => {
    const spec = { restartPolicy: 'Always', initContainers: [sidecar('log')] };
    expect(podPhase({ spec }, [{ state: { running: {} }, started: false }], [{ state: { waiting: { reason: 'PodInitializing' } } }], false)).toBe('Pending');
    expect(podPhase({ spec }, [{ state: { running: {} }, started: false }], [{ state: { running: {} } }], false)).toBe('Running');
  });

  it('probes run for sidecars as for app containers, seeded from initContainerStatuses', () => {
    const log = running('log');
    const p = pod([sidecar('log', { readinessProbe: { exec: { command: ['true'] } } }), init('setup')]);
    p.status = { initContainerStatuses: [{ name: 'log', containerID: `containerd://${log.id}`, ready: true, started: true }] };
    const steps = planProbes(p, [log, running('setup')], 'containerd').steps;
    expect(steps.filter((s) => s.type === 'ensure').map((s) => s.type === 'ensure' && [s.container.name, s.seed])).toEqual([['log', { ready: true, started: true }]]);
  });
});

describe('after a start', () => {
  it('a started sidecar asks for the next sync at once (it is initialized once it runs); an app container does not', () => {
    const p = pod([sidecar('log')]);
    expect(started(p, sidecar('log')).requeueAfterMs).toBe(100);
    expect(started(p, app('app')).requeueAfterMs).toBeUndefined();
  });
});

describe('a startup probe that failed for good', () => {
  it.each<[string, boolean[], boolean, boolean]>([
    ['not run yet: pending, not failed', [], false, false],
    ['two failures of three: pending', [false, false], false, false],
    ['three failures in a row: failed (the kubelet kills the container)', [false, false, false], false, true],
    ['a success: started, not failed', [false, true], true, false],
  ])('%s', (_n, outcomes, verdict, failed) => {
    const s = probeSettings({ exec: { command: ['x'] }, failureThreshold: 3 });
    const st = outcomes.reduce((acc, o) => recordProbe(acc, o, s), initialProbeState('startup'));
    expect([st.result, probeFailed(st, s)]).toEqual([verdict, failed]);
  });
});
