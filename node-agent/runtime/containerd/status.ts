/**
 * How a containerd container record + its task become a `ContainerStatus` (pure). containerd keeps no
 * exit history once a task is deleted, so kubelab records what the kubelet must see again after a
 * restart as labels on the container record (`io.kubelab.*`), as CRI keeps its own status files.
 */
import type { ContainerState, ContainerStatus } from '../runtime.js';

export const K = {
  name: 'io.kubelab.name',
  image: 'io.kubelab.image',
  imageId: 'io.kubelab.image-id',
  logPath: 'io.kubelab.log-path',
  stopSignal: 'io.kubelab.stop-signal',
  tty: 'io.kubelab.tty',
  createdAt: 'io.kubelab.created-at',
  startedAt: 'io.kubelab.started-at',
  finishedAt: 'io.kubelab.finished-at',
  exitCode: 'io.kubelab.exit-code',
  oomKilled: 'io.kubelab.oom-killed',
  startError: 'io.kubelab.start-error',
} as const;

/** containerd's task states (containerd.v1.types.Status). */
export type TaskStatus = 'UNKNOWN' | 'CREATED' | 'RUNNING' | 'STOPPED' | 'PAUSED' | 'PAUSING';

export interface TaskView {
  status: TaskStatus;
  exitStatus?: number;
  exitedAt?: Date;
  pid?: number;
}

/** Exit code upstream's CRI reports for a container that could not start. */
export const START_ERROR_EXIT_CODE = 128;

/** CRI's reasons: OOMKilled, Completed (0), Error (other codes), StartError. */
export function exitReason(exitCode: number, oomKilled: boolean): string {
  if (oomKilled) return 'OOMKilled';
  return exitCode === 0 ? 'Completed' : 'Error';
}

export function deriveStatus(id: string, labels: Record<string, string>, createdAt: Date, task: TaskView | undefined): ContainerStatus {
  const own: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!k.startsWith('io.kubelab.')) own[k] = v;
  const date = (s: string | undefined) => (s ? new Date(s) : undefined);
  const st: ContainerStatus = {
    id,
    name: labels[K.name] ?? id,
    labels: own,
    image: labels[K.image] ?? '',
    imageId: labels[K.imageId] ?? '',
    state: 'created',
    createdAt: date(labels[K.createdAt]) ?? createdAt,
    startedAt: date(labels[K.startedAt]),
    logPath: labels[K.logPath] || undefined,
  };
  const oom = labels[K.oomKilled] === 'true';
  let state: ContainerState = 'created';
  if (labels[K.startError] !== undefined) {
    state = 'exited';
    st.exitCode = Number(labels[K.exitCode] ?? START_ERROR_EXIT_CODE);
    st.finishedAt = date(labels[K.finishedAt]);
    st.reason = 'StartError';
    st.message = labels[K.startError];
  } else if (labels[K.exitCode] !== undefined) {
    state = 'exited';
    st.exitCode = Number(labels[K.exitCode]);
    st.finishedAt = date(labels[K.finishedAt]);
    st.reason = exitReason(st.exitCode, oom);
  } else if (task) {
    if (task.status === 'RUNNING' || task.status === 'PAUSED' || task.status === 'PAUSING') {
      state = 'running';
      if (task.pid) st.pid = task.pid;
    } else if (task.status === 'STOPPED') {
      state = 'exited';
      st.exitCode = task.exitStatus ?? 0;
      st.finishedAt = task.exitedAt;
      st.reason = exitReason(st.exitCode, oom);
    } else if (task.status === 'CREATED') state = 'created';
    else state = 'unknown';
  }
  st.state = state;
  return st;
}
