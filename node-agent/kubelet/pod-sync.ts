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


export type PodAction =
  | { type: 'start'; container: Container; init: boolean; restartCount: number; backoffKey: string }
  | { type: 'kill'; id: string; name: string; reason: string; message: string }
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

export function computePodActions(pod: Pod, containers: ContainerStatus[], inp: SyncInputs): PodDecision {
  const policy: string = pod.spec.restartPolicy ?? 'Always';
  const groups = groupByName(containers);
  const actions: PodAction[] = [];
  const waiting: Record<string, Waiting> = {};
  let requeueAfterMs: number | undefined;
  const podRef = { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid };

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

  for (const c of pod.spec.initContainers ?? []) {
    const last = groups.get(c.name)?.[0];
    if (last && last.state === 'exited' && last.exitCode === 0) continue;
    if (!last) {
      actions.push({ type: 'start', container: c, init: true, restartCount: 0, backoffKey: backoffKey(pod, c.name) });
    } else if (last.state === 'exited' || last.state === 'created') {
      if (policy === 'Never') return { actions, waiting, initFailed: true };
      restartOrWait(c, last, true);
    }
    return { actions, waiting, initFailed: false, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
  }

  for (const c of pod.spec.containers) {
    const last = groups.get(c.name)?.[0];
    if (!last) {
      actions.push({ type: 'start', container: c, init: false, restartCount: 0, backoffKey: backoffKey(pod, c.name) });
      continue;
    }
    if (last.state === 'running') {
      if (inp.livenessFailed?.(c.name, last.id)) {
        actions.push({ type: 'kill', id: last.id, name: c.name, reason: 'Killing', message: `Container ${c.name} failed liveness probe, will be restarted` });
      }
      continue;
    }
    if (last.state === 'created' || shouldRestart(policy, last.exitCode)) restartOrWait(c, last, false);
  }
  return { actions, waiting, initFailed: false, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
}
