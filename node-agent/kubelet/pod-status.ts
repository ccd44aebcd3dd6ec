/**
 * A pod's status as upstream's kubelet computes it (pure): phase (getPhase), conditions
 * (PodReadyToStartContainers, Initialized, ContainersReady, Ready, PodScheduled kept), podIP(s), hostIP(s),
 * startTime, init/containerStatuses with state / lastState / ready / started / restartCount / image /
 * imageID / containerID.
 */
import { getCondition, transitionTime } from '../../api/conditions.js';
import type { PodCondition } from '../../api/types/index.js';
import { rfc3339 } from '../../api/time.js';
import { isPodPhaseTerminal, isRestartableInitContainer } from '../../api/pods.js';
import type { ContainerStatus } from '../runtime/runtime.js';
import { groupByName, restartCountOf, shouldRestart, type Waiting } from './pod-sync.js';
import type { Container, ContainerState, ContainerStatus as PodContainerStatus, Pod, PodSpec, PodStatus } from './types.js';

/** What computePodStatus writes: a PodStatus that always has its conditions and containerStatuses. */
export type ComputedPodStatus = PodStatus & Required<Pick<PodStatus, 'conditions' | 'containerStatuses'>>;


export interface StatusInputs {
  now: Date;
  runtimeName: string;
  podIP?: string;
  hostIP?: string;
  /** The pod's network namespace is set up. */
  sandboxReady: boolean;
  startTime?: string;
  /** Waiting reasons per container name (ErrImagePull, ImagePullBackOff, CrashLoopBackOff, CreateContainerConfigError, ...). */
  waiting: Record<string, Waiting>;
  /** Readiness verdict of a running container (undefined = no readiness probe). */
  ready?: (name: string, id: string) => boolean | undefined;
  /** Startup verdict (undefined = no startup probe). */
  started?: (name: string, id: string) => boolean | undefined;
  /** imageID (`docker.io/library/nginx@sha256:...`) per image as the pod names it. */
  imageRefs?: Record<string, string>;
  /** The pod is being deleted: no restarts count as pending. */
  terminating?: boolean;
}

function terminated(c: ContainerStatus, runtimeName: string): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode ?? 0,
      reason: c.reason ?? (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      startedAt: c.startedAt ? rfc3339(c.startedAt) : null,
      finishedAt: c.finishedAt ? rfc3339(c.finishedAt) : null,
      containerID: `${runtimeName}://${c.id}`,
    },
  };
}

/**
 * One container's status. `init`: a regular init container (ready once it exited 0); a sidecar is passed as
 * `init: false` with the restart policy Always, as upstream's prober manager treats restartable init containers:
 * `started` from its startup probe, `ready` from its readiness probe while it runs.
 */
export function containerStatusFor(spec: Container, list: ContainerStatus[] | undefined, inp: StatusInputs, policy: string, init: boolean, defaultWaiting: string): PodContainerStatus {
  const latest = list?.[0];
  const previous = list?.[1];
  const base: PodContainerStatus = { name: spec.name, image: spec.image, imageID: inp.imageRefs?.[spec.image] ?? '' };
  const w = inp.waiting[spec.name];
  if (!latest) {
    return { ...base, state: { waiting: { reason: w?.reason ?? defaultWaiting, ...(w?.message ? { message: w.message } : {}) } }, lastState: {}, ready: false, restartCount: 0, started: false };
  }
  const out: PodContainerStatus = { ...base, containerID: `${inp.runtimeName}://${latest.id}`, restartCount: restartCountOf(latest), lastState: {} };
  if (latest.state === 'running') {
    const started = inp.started?.(spec.name, latest.id) ?? true;
    out.state = { running: { startedAt: rfc3339(latest.startedAt ?? latest.createdAt) } };
    out.started = started;
    out.ready = !init && started && (inp.ready?.(spec.name, latest.id) ?? true);
    if (previous && previous.state === 'exited') out.lastState = terminated(previous, inp.runtimeName);
  } else if (latest.state === 'exited' || latest.state === 'created' || latest.state === 'unknown') {
    const restarting = !inp.terminating && (latest.state === 'created' || shouldRestart(policy, latest.exitCode)) && !(init && latest.exitCode === 0);
    if (restarting && w) {
      out.state = { waiting: { reason: w.reason, ...(w.message ? { message: w.message } : {}) } };
      out.lastState = latest.state === 'exited' ? terminated(latest, inp.runtimeName) : {};
    } else if (latest.state === 'exited') {
      out.state = terminated(latest, inp.runtimeName);
      if (previous && previous.state === 'exited') out.lastState = terminated(previous, inp.runtimeName);
    } else {
      out.state = { waiting: { reason: w?.reason ?? 'ContainerCreating' } };
    }
    out.ready = init ? latest.exitCode === 0 && latest.state === 'exited' : false;
    out.started = false;
  }
  return out;
}

/** What getPhase reads of a container's status. */
type PhaseInput = Pick<PodContainerStatus, 'state' | 'lastState'> & { started?: boolean | null };

/** upstream's HasAnyRegularContainerStarted: an app container runs or ran (the pod was initialized once). */
export function anyAppContainerStarted(statuses: readonly PhaseInput[]): boolean {
  return statuses.some((s) => !!s.state?.running || !!s.state?.terminated || !!s.lastState?.terminated);
}

/**
 * upstream getPhase (kubelet_pods.go). Regular init containers: one pending (not exited 0) keeps the pod Pending, a
 * failed one under Never fails it. Sidecars (restartable init containers) count as running containers while they
 * run and as pending until started; a stopped sidecar does not count at all, so a Job's pod is Succeeded / Failed from
 * its app containers once the kubelet stopped its sidecars. `initStatuses` are in `spec.initContainers`' order.
 */
export function podPhase(pod: { spec: Pick<PodSpec, 'restartPolicy' | 'initContainers'> }, initStatuses: PhaseInput[], statuses: PhaseInput[], initFailed: boolean): string {
  const policy = pod.spec.restartPolicy ?? 'Always';
  const initSpecs = pod.spec.initContainers ?? [];
  let pendingInit = 0;
  let pendingSidecars = 0;
  let failedInit = initFailed ? 1 : 0;
  let running = 0, waiting = 0, stopped = 0, succeeded = 0, unknown = 0;
  initStatuses.forEach((s, i) => {
    if (isRestartableInitContainer(initSpecs[i])) {
      if (s.state?.running) {
        if (s.started !== true) pendingSidecars++;
        running++;
      } else if (s.state?.terminated || (s.state?.waiting && s.lastState?.terminated)) {
        // a stopped sidecar does not count
      } else if (s.state?.waiting) {
        pendingSidecars++;
        waiting++;
      } else {
        pendingSidecars++;
        unknown++;
      }
      return;
    }
    if (s.state?.terminated?.exitCode === 0) return;
    if (s.state?.terminated) failedInit++;
    else if (s.state?.waiting && s.lastState?.terminated && s.lastState.terminated.exitCode !== 0) failedInit++;
    pendingInit++;
  });
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  // A restarting sidecar does not put an initialized pod back into Pending.
  if (pendingInit > 0 || (pendingSidecars > 0 && !anyAppContainerStarted(statuses)) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(prev: PodCondition[] | undefined, type: string, status: boolean, now: Date, reason?: string, message?: string): PodCondition {
  const old = getCondition(prev, type);
  const s = status ? 'True' : 'False';
  return {
    type,
    status: s,
    lastProbeTime: null,
    lastTransitionTime: transitionTime(old, s, rfc3339(now)),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

export function computePodStatus(pod: Pod, containers: ContainerStatus[], initFailed: boolean, inp: StatusInputs): ComputedPodStatus {
  const policy = pod.spec.restartPolicy ?? 'Always';
  const groups = groupByName(containers);
  const initSpecs: Container[] = pod.spec.initContainers ?? [];
  const initStatuses = initSpecs.map((c) =>
    isRestartableInitContainer(c)
      ? containerStatusFor(c, groups.get(c.name), inp, 'Always', false, 'PodInitializing')
      : containerStatusFor(c, groups.get(c.name), inp, policy === 'Always' ? 'OnFailure' : policy, true, 'PodInitializing'),
  );
  // GeneratePodInitializedCondition: regular init containers exited 0, sidecars started; or an app container started.
  const appStatusesSoFar = pod.spec.containers.map((c) => groups.get(c.name)?.[0]).filter((c) => c !== undefined);
  const appEverStarted = appStatusesSoFar.some((c) => c.state === 'running' || c.state === 'exited');
  const pendingInit = initSpecs
    .filter((c, i) => (isRestartableInitContainer(c) ? initStatuses[i]!.started !== true : initStatuses[i]!.state?.terminated?.exitCode !== 0))
    .map((c) => c.name);
  const initDone = pendingInit.length === 0 || appEverStarted;
  const statuses = pod.spec.containers.map((c) => containerStatusFor(c, groups.get(c.name), inp, policy, false, initDone ? 'ContainerCreating' : 'PodInitializing'));
  let phase = podPhase(pod, initStatuses, statuses, initFailed);
  const prev: PodCondition[] | undefined = pod.status?.conditions;
  if (isPodPhaseTerminal(pod.status?.phase)) phase = pod.status.phase; // terminal phases stay
  // GenerateContainersReadyCondition: the sidecars, then the app containers.
  const notReady = [...initStatuses.filter((_s, i) => isRestartableInitContainer(initSpecs[i])), ...statuses].filter((s) => !s.ready).map((s) => s.name);
  const terminal = isPodPhaseTerminal(phase);
  const containersReady = notReady.length === 0 && !terminal;
  const conditions: PodCondition[] = [
    condition(prev, 'PodReadyToStartContainers', inp.sandboxReady, inp.now),
    phase === 'Succeeded'
      ? condition(prev, 'Initialized', true, inp.now, 'PodCompleted')
      : condition(prev, 'Initialized', initDone, inp.now, initDone ? undefined : 'ContainersNotInitialized', initDone ? undefined : `containers with incomplete status: [${pendingInit.join(' ')}]`),
    condition(prev, 'Ready', containersReady, inp.now, containersReady ? undefined : terminal ? 'PodCompleted' : 'ContainersNotReady', containersReady || terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`),
    condition(prev, 'ContainersReady', containersReady, inp.now, containersReady ? undefined : terminal ? 'PodCompleted' : 'ContainersNotReady', containersReady || terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`),
  ];
  const scheduled = prev?.find((c) => c.type === 'PodScheduled') ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(inp.now) };
  conditions.push(scheduled);
  const status: ComputedPodStatus = {
    phase,
    conditions,
    ...(inp.hostIP ? { hostIP: inp.hostIP, hostIPs: [{ ip: inp.hostIP }] } : {}),
    ...(inp.podIP ? { podIP: inp.podIP, podIPs: [{ ip: inp.podIP }] } : {}),
    startTime: inp.startTime ?? pod.status?.startTime ?? rfc3339(inp.now),
    ...(initSpecs.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    qosClass: pod.status?.qosClass ?? qosClass(pod),
  };
  return status;
}

/** BestEffort / Burstable / Guaranteed (upstream's GetPodQOS, containers only). */
export function qosClass(pod: { spec: Pick<PodSpec, 'containers' | 'initContainers'> }): string {
  const cs: Container[] = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])];
  let hasResources = false;
  let guaranteed = true;
  for (const c of cs) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) hasResources = true;
    for (const r of ['cpu', 'memory']) {
      if (!lim[r]) guaranteed = false;
      else if (req[r] && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!hasResources) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Did anything but timestamps change? (avoid needless status writes) */
export function statusChanged(oldStatus: PodStatus | undefined, next: PodStatus): boolean {
  const strip = (s: PodStatus | undefined) => JSON.stringify(s ?? {}, (k, v) => (k === 'lastProbeTime' || k === 'lastTransitionTime' ? undefined : v));
  return strip(oldStatus) !== strip(next);
}
