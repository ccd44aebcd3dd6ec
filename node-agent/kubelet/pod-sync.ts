/**
 * What a pod needs next (pure): upstream's computePodActions reduced to kubelab's runtime view.
 * Input: the pod, its containers as the runtime lists them (found by labels), the crash back-off
 * and the probe verdicts; output: containers to start, kill or remove, and the waiting reasons
 * (CrashLoopBackOff) the status should show.
 */
import type { ContainerStatus } from '../runtime/runtime.js';
import { LABELS } from '../runtime/runtime.js';
import { crashLoopMessage, type Backoff } from './backoff.js';
import type { Container, Pod } from './types.js';
import { isRestartableInitContainer } from '../../api/pods.js';


export type PodAction =
  /** `init`: an init container (a sidecar too: its failed start does not hold the pod's other starts back). */
  | { type: 'start'; container: Container; init: boolean; restartCount: number; backoffKey: string }
  /** `stopsPod`: one of the kills that end a finished pod (stopStages order): together they share one grace period. */
  | { type: 'kill'; id: string; name: string; reason: string; message: string; stopsPod?: true }
  | { type: 'remove'; id: string };

export interface Waiting {
  reason: string;
  message?: string;
}

export interface PodDecision {
  actions: PodAction[];
  /** Per container name: why it waits (CrashLoopBackOff). */
  waiting: Record<string, Waiting>;
  /** An init container failed and restartPolicy is Never: the pod has failed. */
  initFailed: boolean;
  /** Milliseconds until a back-off ends (resync then); undefined when none. */
  requeueAfterMs?: number;
}

export interface SyncInputs {
  now: number;
  backoff: Backoff;
  /** Has the liveness probe of this container (by id) failed? */
  livenessFailed?: (name: string, id: string) => boolean;
  /** Has the startup probe of this container (by id) failed failureThreshold times in a row? (it is then killed) */
  startupFailed?: (name: string, id: string) => boolean;
  /** The startup probe's verdict for a running container: undefined without one, false until it succeeded. */
  startupSucceeded?: (name: string, id: string) => boolean | undefined;
}

export function restartCountOf(c: ContainerStatus): number {
  return Number(c.labels[LABELS.restartCount] ?? 0) || 0;
}

/** Containers of a pod grouped by container name, newest first (highest restart count, then newest). */
export function groupByName(containers: ContainerStatus[]): Map<string, ContainerStatus[]> {
  const m = new Map<string, ContainerStatus[]>();
  for (const c of containers) {
    const name = c.labels[LABELS.containerName] ?? c.name;
    const list = m.get(name) ?? [];
    list.push(c);
    m.set(name, list);
  }
  for (const list of m.values()) list.sort((a, b) => restartCountOf(b) - restartCountOf(a) || b.createdAt.getTime() - a.createdAt.getTime());
  return m;
}

/** Restart a container that stopped with this exit code under this policy? */
export function shouldRestart(policy: string | undefined, exitCode: number | undefined): boolean {
  if (!policy || policy === 'Always') return true;
  if (policy === 'OnFailure') return exitCode !== 0;
  return false;
}

export function backoffKey(pod: Pod, name: string): string {
  return `${pod.metadata.uid}/${name}`;
}

/**
 * The order in which a pod's running containers stop (upstream's terminationOrdering, KEP-753): every container but
 * the sidecars together first, then the sidecars one by one in reverse spec order, each after the ones started
 * after it. Each stage holds container ids; containers not in the spec (another version of the pod) go first.
 */
export function stopStages(pod: Pod, containers: readonly ContainerStatus[]): string[][] {
  const running = containers.filter((c) => c.state === 'running');
  const sidecars = (pod.spec.initContainers ?? []).filter(isRestartableInitContainer).map((c) => c.name);
  const nameOf = (c: ContainerStatus) => c.labels[LABELS.containerName] ?? c.name;
  const first = running.filter((c) => !sidecars.includes(nameOf(c))).map((c) => c.id);
  const stages = first.length ? [first] : [];
  for (const name of [...sidecars].reverse()) {
    const ids = running.filter((c) => nameOf(c) === name).map((c) => c.id);
    if (ids.length) stages.push(ids);
  }
  return stages;
}

/** The grace a later stage of stopStages gets: what is left of the pod's, at least 2 s (upstream's minimumGracePeriodInSeconds). */
export function remainingGraceSeconds(gracePeriodSeconds: number, elapsedMs: number): number {
  if (gracePeriodSeconds < MINIMUM_GRACE_SECONDS) return gracePeriodSeconds;
  return Math.max(MINIMUM_GRACE_SECONDS, gracePeriodSeconds - Math.floor(elapsedMs / 1000));
}
export const MINIMUM_GRACE_SECONDS = 2;

/**
 * upstream's computePodActions + computeInitContainerActions (kuberuntime_manager.go), on kubelab's runtime view:
 *
 * - init containers run in spec order; a regular one must exit 0 before the next starts (a failure under
 *   restartPolicy Never fails the pod); a sidecar (restartPolicy Always) counts as initialized once it runs and its
 *   startup probe (if any) succeeded, then the next one starts. Once an app container was created, regular init
 *   containers are done for good and only the sidecars are kept running.
 * - a sidecar that stops is restarted (crash back-off) whatever the pod's restartPolicy; a failed liveness probe kills it.
 * - a pod under Never / OnFailure whose app containers have all finished for good is done: its sidecars are
 *   stopped in reverse order and none restarts (upstream's KillPod when nothing is to keep or start).
 */
export function computePodActions(pod: Pod, containers: ContainerStatus[], inp: SyncInputs): PodDecision {
  const policy: string = pod.spec.restartPolicy ?? 'Always';
  const groups = groupByName(containers);
  const actions: PodAction[] = [];
  const waiting: Record<string, Waiting> = {};
  let requeueAfterMs: number | undefined;
  const podRef = { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid };
  const result = (initFailed: boolean): PodDecision => ({ actions, waiting, initFailed, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) });

  // Only the newest container of a name and the one before it (lastState) are kept.
  for (const list of groups.values()) {
    for (const old of list.slice(1)) {
      if (old.state === 'running') actions.push({ type: 'kill', id: old.id, name: old.labels[LABELS.containerName] ?? old.name, reason: 'Killing', message: 'superseded' });
    }
    for (const old of list.slice(2)) actions.push({ type: 'remove', id: old.id });
  }

  /** A stopped container to restart now, or to hold in back-off. */
  const restartOrWait = (c: Container, last: ContainerStatus, init: boolean): void => {
    const key = backoffKey(pod, c.name);
    const finished = last.finishedAt?.getTime() ?? inp.now;
    if (inp.backoff.isInBackOffSince(key, finished, inp.now)) {
      waiting[c.name] = { reason: 'CrashLoopBackOff', message: crashLoopMessage(inp.backoff.get(key, inp.now), c.name, podRef) };
      const left = inp.backoff.remaining(key, finished, inp.now);
      requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, Math.max(left, 100));
      return;
    }
    actions.push({ type: 'start', container: c, init, restartCount: restartCountOf(last) + 1, backoffKey: key });
  };
  /** The pod is done (or failed): stop what still runs, the sidecars last and in reverse order. */
  const stopAll = (): void => {
    for (const stage of stopStages(pod, containers.filter((c) => groups.get(c.labels[LABELS.containerName] ?? c.name)?.[0] === c))) {
      for (const id of stage) {
        const name = containers.find((c) => c.id === id)!.labels[LABELS.containerName] ?? '';
        actions.push({ type: 'kill', id, name, reason: 'Killing', message: `Stopping container ${name}`, stopsPod: true });
      }
    }
  };

  const latest = (c: Container) => groups.get(c.name)?.[0];
  // upstream's podHasInitialized: an app container was created or runs, so every init container has completed once.
  const appStarted = pod.spec.containers.some((c) => {
    const l = latest(c);
    return l !== undefined && (l.state === 'running' || l.state === 'created');
  });
  // Under Never / OnFailure, app containers that all finished for good end the pod: nothing is kept or started.
  const appDone = policy !== 'Always' && pod.spec.containers.every((c) => {
    const l = latest(c);
    return l !== undefined && l.state === 'exited' && !shouldRestart(policy, l.exitCode);
  });
  if (appDone) {
    stopAll();
    return result(false);
  }

  for (const c of pod.spec.initContainers ?? []) {
    const last = latest(c);
    if (!isRestartableInitContainer(c)) {
      // After initialization only the sidecars are kept running.
      if (appStarted || (last && last.state === 'exited' && last.exitCode === 0)) continue;
      if (!last) {
        actions.push({ type: 'start', container: c, init: true, restartCount: 0, backoffKey: backoffKey(pod, c.name) });
      } else if (last.state !== 'running') {
        if (policy === 'Never') {
          stopAll();
          return result(true);
        }
        restartOrWait(c, last, true);
      }
      return result(false);
    }
    // A sidecar.
    if (!last) {
      actions.push({ type: 'start', container: c, init: true, restartCount: 0, backoffKey: backoffKey(pod, c.name) });
      if (appStarted) continue;
      return result(false);
    }
    if (last.state === 'running') {
      if (inp.startupFailed?.(c.name, last.id)) {
        actions.push({ type: 'kill', id: last.id, name: c.name, reason: 'Killing', message: `Init container ${c.name} failed startup probe` });
      } else if (inp.livenessFailed?.(c.name, last.id)) {
        actions.push({ type: 'kill', id: last.id, name: c.name, reason: 'Killing', message: `Init container ${c.name} failed liveness probe` });
      }
      // Not initialized until its startup probe succeeds: the next init container waits for it.
      if (!appStarted && inp.startupSucceeded?.(c.name, last.id) === false) return result(false);
      continue;
    }
    // Exited (or created and never started): restarted whatever the pod's restartPolicy.
    restartOrWait(c, last, true);
    if (!appStarted) return result(false);
  }

  for (const c of pod.spec.containers) {
    const last = latest(c);
    if (!last) {
      actions.push({ type: 'start', container: c, init: false, restartCount: 0, backoffKey: backoffKey(pod, c.name) });
      continue;
    }
    if (last.state === 'running') {
      if (inp.livenessFailed?.(c.name, last.id)) {
        actions.push({ type: 'kill', id: last.id, name: c.name, reason: 'Killing', message: `Container ${c.name} failed liveness probe, will be restarted` });
      } else if (inp.startupFailed?.(c.name, last.id)) {
        actions.push({ type: 'kill', id: last.id, name: c.name, reason: 'Killing', message: `Container ${c.name} failed startup probe, will be restarted` });
      }
      continue;
    }
    if (last.state === 'created' || shouldRestart(policy, last.exitCode)) restartOrWait(c, last, false);
  }
  return result(false);
}
