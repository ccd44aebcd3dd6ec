/**
 * The pod workers' decisions (pure): what to do with a pod given its spec, what the runtime shows, the
 * back-off state and the time. No I/O, no clock, no mutation of what is passed in; pod-workers.ts
 * performs what these return, through the runtime, the pod network, the API and the event recorder.
 *
 *   decidePodWork ........ per sync: clean up a pod that is gone or replaced; then nothing, terminate,
 *                          stop a finished pod, or run it
 *   planTermination ...... a pod being deleted: which containers to stop, with which grace, the final DELETE
 *   planTerminalStop ..... a Succeeded / Failed pod: stop what still runs
 *   computePodActions .... (pod-sync.ts) containers to start, kill and remove; CrashLoopBackOff
 *   decideImage .......... before a start: use the image, pull it, or wait (ErrImageNeverPull, ImagePullBackOff)
 *   containerSpec ........ the runtime's container for one start
 *   *Failed / pulled ..... what an outcome means: events, the waiting reason, when to look again, back-off
 *   planProbes ........... probers to run for the running containers, and to stop for the others
 *   decideStatusWrite .... PATCH pods/status, or skip an unchanged status
 *
 * Each step is decided from what was observed just before it, as upstream's SyncPod checks the image right
 * before a start: an earlier step of the same sync (a pull) changes what a later one sees.
 */
import { join } from 'node:path';
import { milliValue, value as quantityValue } from '../../api/quantity.js';
import { LABELS, type ContainerSpec, type ContainerStatus, type Mount } from '../runtime/runtime.js';
import type { Backoff } from './backoff.js';
import { groupByName, stopStages, type PodAction, type Waiting } from './pod-sync.js';
import { podConfigMapNames, podContainerSecretNames } from '../../api/pod-refs.js';
import { isPodTerminal, isRestartableInitContainer } from '../../api/pods.js';

import type { Container, ObjectMeta, Pod, PodStatus, SecurityContext } from './types.js';
import { defaultPullPolicy } from '../../api/strategies/defaults.js';
import { expandVars } from './env.js';

/** An event's involved object: the pod itself, or podRef's reference to one of its containers. */
export interface EventRef {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  fieldPath?: string;
}

// ---------------------------------------------------------------------------------------------
// Outcomes: what the executor records besides runtime calls

export interface PodEvent {
  /** The involved object (podRef). */
  ref: EventRef;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What a decision or an outcome asks the executor to record. */
export interface Effects {
  events: PodEvent[];
  /** The container's waiting reason in the status. */
  waiting?: Waiting;
  /** Sync the pod again after this many milliseconds (the earliest of a sync's requests wins). */
  requeueAfterMs?: number;
  /** Count one more attempt in the container's crash back-off (CrashLoopBackOff), now. */
  recordCrashBackoff?: boolean;
}

/** After a failed pull, the next sync (which reports ImagePullBackOff while the back-off runs). */
export const PULL_ERROR_RESYNC_MS = 1000;
/** After a sandbox, mount or container-config failure, or a failed create: look again in 2 s. */
export const RETRY_MS = 2000;
/** After a failed start: look again soon (the container shows as exited; the back-off decides). */
export const START_RETRY_MS = 200;
/** After killing a container: look again soon, to start its replacement. */
export const KILL_RESYNC_MS = 100;

// ---------------------------------------------------------------------------------------------
// Per sync

export type PodWork =
  /** No pod under this key (any old one is cleaned up), or its termination is already running. */
  | 'none'
  /** deletionTimestamp: stop its containers gracefully, report, clean up, DELETE it. */
  | 'terminate'
  /** Succeeded or Failed: nothing restarts; make sure nothing runs. */
  | 'stop-terminal'
  /** Network, volumes, containers, probes, status. */
  | 'run';

export interface PodWorkInput {
  /** The pod in the informer's cache, if any. */
  pod: Pod | undefined;
  /** The uid this kubelet last ran under the same key. */
  knownUid: string | undefined;
  /** Is a termination of this uid already in progress (another sync is waiting out its grace period)? */
  terminating: (uid: string) => boolean;
}

export interface PodWorkDecision {
  /** A pod this kubelet ran under the key is gone or was replaced (same name, new uid): kill it and clean up. */
  cleanup?: { uid: string; gracePeriodSeconds: number };
  work: PodWork;
}

/** Grace for the containers of a pod that is already gone from the API. */
export const GONE_POD_GRACE_SECONDS = 2;

export function decidePodWork({ pod, knownUid, terminating }: PodWorkInput): PodWorkDecision {
  const cleanup = knownUid && (!pod || pod.metadata.uid !== knownUid) ? { uid: knownUid, gracePeriodSeconds: GONE_POD_GRACE_SECONDS } : undefined;
  const work: PodWork = !pod
    ? 'none'
    : pod.metadata.deletionTimestamp
      ? terminating(pod.metadata.uid)
        ? 'none'
        : 'terminate'
      : isPodTerminal(pod)
        ? 'stop-terminal'
        : 'run';
  return { ...(cleanup ? { cleanup } : {}), work };
}

// ---------------------------------------------------------------------------------------------
// Stopping

export interface TerminationPlan {
  /** deletionGracePeriodSeconds, else the spec's terminationGracePeriodSeconds, else 30. */
  gracePeriodSeconds: number;
  /**
   * The running containers with their Killing events, in stages (stopStages): the app containers together, then
   * the sidecars one by one in reverse order, each stage with what is left of the grace period.
   */
  stages: { id: string; event: PodEvent }[][];
  /** The final DELETE: grace 0, only this uid (a new pod of the same name is not touched). */
  delete: { gracePeriodSeconds: 0; preconditions: { uid: string } };
}

export function planTermination(pod: Pod, containers: readonly ContainerStatus[]): TerminationPlan {
  const byId = new Map(containers.map((c) => [c.id, c]));
  return {
    gracePeriodSeconds: pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30,
    stages: stopStages(pod, containers).map((ids) =>
      ids.map((id) => {
        const c = byId.get(id)!;
        const name = c.labels[LABELS.containerName] ?? c.name;
        return { id, event: { ref: podRef(pod, name), type: 'Normal' as const, reason: 'Killing', message: `Stopping container ${name}` } };
      }),
    ),
    delete: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } },
  };
}

/** A pod that has finished: its running containers, stopped in stages (stopStages) with the spec's grace. */
export function planTerminalStop(pod: Pod, containers: readonly ContainerStatus[]): { gracePeriodSeconds: number; stages: string[][] } {
  return { gracePeriodSeconds: pod.spec.terminationGracePeriodSeconds ?? 30, stages: stopStages(pod, containers) };
}

/** Containers to stop when a pod is killed (gone from the API, or an orphan). */
export function runningIds(containers: readonly ContainerStatus[]): string[] {
  return containers.filter((c) => c.state === 'running').map((c) => c.id);
}

// ---------------------------------------------------------------------------------------------
// Running: the sandbox, volumes, and each container action

export function sandboxFailed(pod: Pod, message: string): Effects {
  return {
    events: [{ ref: pod, type: 'Warning', reason: 'FailedCreatePodSandBox', message: `Failed to create pod sandbox: ${message}` }],
    requeueAfterMs: RETRY_MS,
  };
}

/** A volume could not be set up (a missing ConfigMap, ...): the message is VolumeError's. */
export function mountFailed(pod: Pod, message: string): Effects {
  return { events: [{ ref: pod, type: 'Warning', reason: 'FailedMount', message }], requeueAfterMs: RETRY_MS };
}

/** Kill a container (superseded, or its liveness probe failed) with the spec's grace, and look again soon. */
export function planKill(pod: Pod, a: Extract<PodAction, { type: 'kill' }>): { gracePeriodSeconds: number; effects: Effects } {
  return {
    gracePeriodSeconds: pod.spec.terminationGracePeriodSeconds ?? 30,
    effects: { events: [{ ref: podRef(pod, a.name), type: 'Normal', reason: 'Killing', message: a.message }], requeueAfterMs: KILL_RESYNC_MS },
  };
}

/** Default imagePullPolicy (SetDefaults_Container's rule, one copy in the API layer): for a pod the server did not default. */
export { defaultPullPolicy };

/** The key of a pod's image in the pull back-off. */
export function pullBackoffKey(pod: Pod, image: string): string {
  return `${pod.metadata.uid}/${image}`;
}

export interface ImageInput {
  pod: Pod;
  container: Container;
  /** Does the runtime hold the image now? */
  present: boolean;
  /** When the last pull of this image for this pod failed (undefined: none failed, or one succeeded since). */
  pullFailedAt: number | undefined;
  pullBackoff: Pick<Backoff, 'isInBackOffSince' | 'remaining'>;
  now: number;
}

export interface ImageDecision {
  /** use: start with the image there is; pull: pull it first; wait: do not start (the effects say why). */
  next: 'use' | 'pull' | 'wait';
  effects: Effects;
}

/** upstream's EnsureImageExists, before any pull: the pull policy, the image's presence and the pull back-off. */
export function decideImage({ pod, container: c, present, pullFailedAt, pullBackoff, now }: ImageInput): ImageDecision {
  const image = c.image;
  const policy: string = c.imagePullPolicy ?? defaultPullPolicy(image);
  const ref = podRef(pod, c.name);
  if (policy === 'Never' && !present) {
    const message = `Container image "${image}" is not present with pull policy of Never`;
    return { next: 'wait', effects: { events: [{ ref, type: 'Warning', reason: 'ErrImageNeverPull', message }], waiting: { reason: 'ErrImageNeverPull', message } } };
  }
  if (present && policy !== 'Always') {
    return { next: 'use', effects: { events: [{ ref, type: 'Normal', reason: 'Pulled', message: `Container image "${image}" already present on machine` }] } };
  }
  const bkey = pullBackoffKey(pod, image);
  if (pullFailedAt !== undefined && pullBackoff.isInBackOffSince(bkey, pullFailedAt, now)) {
    const message = `Back-off pulling image "${image}"`;
    return {
      next: 'wait',
      effects: {
        events: [{ ref, type: 'Normal', reason: 'BackOff', message }],
        waiting: { reason: 'ImagePullBackOff', message },
        requeueAfterMs: Math.max(200, pullBackoff.remaining(bkey, pullFailedAt, now)),
      },
    };
  }
  return { next: 'pull', effects: { events: [{ ref, type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"` }] } };
}

export function pulled(pod: Pod, c: Pick<Container, 'name' | 'image'>, seconds: string, sizeBytes: number): Effects {
  return {
    events: [{ ref: podRef(pod, c.name), type: 'Normal', reason: 'Pulled', message: `Successfully pulled image "${c.image}" in ${seconds}s (${seconds}s including waiting). Image size: ${sizeBytes} bytes.` }],
  };
}

/**
 * A failed pull: ErrImagePull now, and the next sync well inside the back-off window (`delayMs`, which
 * starts when the pull failed), so the status goes ErrImagePull -> ImagePullBackOff as upstream's does.
 */
export function pullFailed(pod: Pod, c: Pick<Container, 'name' | 'image'>, message: string, delayMs: number): Effects {
  const ref = podRef(pod, c.name);
  return {
    events: [
      { ref, type: 'Warning', reason: 'Failed', message: `Failed to pull image "${c.image}": ${message}` },
      { ref, type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull' },
    ],
    waiting: { reason: 'ErrImagePull', message },
    requeueAfterMs: Math.min(PULL_ERROR_RESYNC_MS, delayMs),
  };
}

/** env or volume mounts of the container cannot be built (a missing key, ...). */
export function configFailed(pod: Pod, c: Pick<Container, 'name'>, message: string): Effects {
  return {
    events: [{ ref: podRef(pod, c.name), type: 'Warning', reason: 'Failed', message: `Error: ${message}` }],
    waiting: { reason: 'CreateContainerConfigError', message },
    requeueAfterMs: RETRY_MS,
  };
}

/** A restart (not the first start) counts in the crash back-off before the container is created. */
export function startAttempt(a: Extract<PodAction, { type: 'start' }>): Effects {
  return { events: [], ...(a.restartCount > 0 ? { recordCrashBackoff: true } : {}) };
}

export function createFailed(pod: Pod, c: Pick<Container, 'name'>, message: string): Effects {
  return {
    events: [{ ref: podRef(pod, c.name), type: 'Warning', reason: 'Failed', message: `Error: ${message}` }],
    waiting: { reason: 'CreateContainerError', message },
    requeueAfterMs: RETRY_MS,
  };
}

export function created(pod: Pod, c: Container): Effects {
  return { events: [{ ref: podRef(pod, c.name), type: 'Normal', reason: 'Created', message: `Created container ${c.name}` }] };
}

/**
 * A started sidecar is initialized once it runs (and its startup probe succeeded, which enqueues the pod itself):
 * look again soon to start what comes after it, as upstream's PLEG relist sees it running. A regular init
 * container's exit, and a probe's verdict, bring the pod back on their own.
 */
export function started(pod: Pod, c: Container): Effects {
  return {
    events: [{ ref: podRef(pod, c.name), type: 'Normal', reason: 'Started', message: `Started container ${c.name}` }],
    ...(isRestartableInitContainer(c) ? { requeueAfterMs: SIDECAR_STARTED_RESYNC_MS } : {}),
  };
}
/** After a sidecar started: the next sync, which starts the next init container or the app containers. */
export const SIDECAR_STARTED_RESYNC_MS = 100;

/** The runtime could not start the process: the first failure also starts the crash back-off (a restart counted already). */
export function startFailed(pod: Pod, a: Extract<PodAction, { type: 'start' }>, message: string): Effects {
  return {
    events: [{ ref: podRef(pod, a.container.name), type: 'Warning', reason: 'Failed', message: `Error: ${message}` }],
    requeueAfterMs: START_RETRY_MS,
    ...(a.restartCount === 0 ? { recordCrashBackoff: true } : {}),
  };
}

/** cgroup settings from a container's resources (upstream's milliCPUToShares / quota). */
export function runtimeResources(c: Pick<Container, 'resources'>): ContainerSpec['resources'] {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const cpuReq = req.cpu ?? lim.cpu;
  const out: NonNullable<ContainerSpec['resources']> = {};
  if (cpuReq) out.cpuShares = Math.max(2, Math.floor((milliValue(String(cpuReq)) * 1024) / 1000));
  else out.cpuShares = 2;
  if (lim.cpu) {
    out.cpuPeriod = 100_000;
    out.cpuQuota = Math.max(1000, Math.floor((milliValue(String(lim.cpu)) * 100_000) / 1000));
  }
  if (lim.memory) out.memoryLimitBytes = quantityValue(String(lim.memory));
  return out;
}

/** Where a container's log files go: `<podLogsDir>/<ns>_<pod>_<uid>/<container>` (the CRI layout). */
export function containerLogDir(podLogsDir: string, pod: Pod, c: Pick<Container, 'name'>): string {
  return join(podLogsDir, `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`, c.name);
}

export interface ContainerSpecInput {
  pod: Pod;
  start: Extract<PodAction, { type: 'start' }>;
  env: { name: string; value: string }[];
  mounts: Mount[];
  /** The pod's network namespace (the node's for a host-network pod). */
  netnsPath: string;
  /** The pod's directory (its etc-hosts, resolv.conf and etc-hostname files). */
  podDir: string;
  /** containerLogDir(...) */
  logDir: string;
  /** The pod's UTS hostname (pod-hostname.ts podNames). */
  hostname: string;
  /** Which of the pod's files exist: /etc/hosts once it has an IP, resolv.conf and etc-hostname from its sandbox. */
  podFiles: PodFiles;
}

export interface PodFiles {
  hosts: boolean;
  resolvConf: boolean;
  hostname: boolean;
}

/** The pod's files in its directory (upstream's `etc-hosts`; containerd keeps the other two with the sandbox). */
export const POD_FILE_NAMES = { hosts: 'etc-hosts', resolvConf: 'resolv.conf', hostname: 'etc-hostname' } as const;

/**
 * The pod's managed files, bind-mounted into a container unless one of its volumes is mounted there:
 * /etc/hosts read-write (upstream's makeHostsMount), /etc/resolv.conf and /etc/hostname read-only when
 * the root filesystem is (containerd's CRI).
 */
export function podFileMounts(volumeMounts: Mount[], podDir: string, files: PodFiles, readOnlyRootFilesystem: boolean): Mount[] {
  const taken = new Set(volumeMounts.map((m) => m.containerPath));
  const out: Mount[] = [];
  const add = (present: boolean, file: string, containerPath: string, readOnly: boolean) => {
    if (present && !taken.has(containerPath)) out.push({ hostPath: join(podDir, file), containerPath, ...(readOnly ? { readOnly: true } : {}) });
  };
  add(files.hosts, POD_FILE_NAMES.hosts, '/etc/hosts', false);
  add(files.resolvConf, POD_FILE_NAMES.resolvConf, '/etc/resolv.conf', readOnlyRootFilesystem);
  add(files.hostname, POD_FILE_NAMES.hostname, '/etc/hostname', readOnlyRootFilesystem);
  return out;
}

/**
 * Upstream's ExpandContainerCommandAndArgs: `$(VAR)` in command and args names the container's environment
 * (the last definition wins), `$$` escapes, an unknown reference stays as written.
 */
export function expandWithEnv(words: readonly string[], env: readonly { name: string; value: string }[]): string[] {
  const vars = new Map(env.map((e) => [e.name, e.value] as const));
  return words.map((w) => expandVars(w, (n) => vars.get(n)));
}

/** The runtime's container for one start: named `k8s_<container>_<pod>_<ns>_<uid>_<restart>`, found again by its labels. */
export function containerSpec({ pod, start: a, env, mounts, netnsPath, podDir, logDir, hostname, podFiles }: ContainerSpecInput): ContainerSpec {
  const c = a.container;
  const ns = pod.metadata.namespace;
  const uid = pod.metadata.uid;
  const sc: SecurityContext = { ...(pod.spec.securityContext ?? {}), ...(c.securityContext ?? {}) };
  return {
    name: `k8s_${c.name}_${pod.metadata.name}_${ns}_${uid}_${a.restartCount}`,
    labels: {
      [LABELS.podUid]: uid,
      [LABELS.podName]: pod.metadata.name,
      [LABELS.podNamespace]: ns,
      [LABELS.containerName]: c.name,
      [LABELS.restartCount]: String(a.restartCount),
    },
    image: c.image,
    ...(c.command?.length ? { command: expandWithEnv(c.command, env) } : {}),
    ...(c.args?.length ? { args: expandWithEnv(c.args, env) } : {}),
    env,
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    ...(sc.runAsUser !== undefined ? { user: { uid: sc.runAsUser, ...(sc.runAsGroup !== undefined ? { gid: sc.runAsGroup } : {}) } } : {}),
    hostname,
    netnsPath,
    mounts: [...mounts, ...podFileMounts(mounts, podDir, podFiles, c.securityContext?.readOnlyRootFilesystem === true)],
    resources: runtimeResources(c),
    logPath: join(logDir, `${a.restartCount}.log`),
    ...(c.tty ? { tty: true } : {}),
    ...(c.stdin ? { stdin: true } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Probes and status

export type ProbeStep =
  /** Run the probes of a running app container or sidecar (kept if already running); `seed` carries its last reported readiness. */
  | { type: 'ensure'; container: Container; id: string; startedAt: number; seed?: { ready: boolean; started: boolean } }
  | { type: 'stop'; id: string };

export interface ProbePlan {
  /** The newest container of each name: exits of these enqueue the pod. */
  track: string[];
  steps: ProbeStep[];
}

/**
 * Probers for the newest container of each app container and sidecar that runs (regular init containers have
 * none), seeded from
 * the status the API shows for the same container ID (so Ready does not flap after a kubelet restart); the
 * probers of containers that stopped end.
 */
export function planProbes(pod: Pod, containers: readonly ContainerStatus[], runtimeName: string): ProbePlan {
  const specs = new Map<string, Container>([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c: Container) => [c.name, c]));
  const prevStatuses = new Map([...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => [s.containerID, s]));
  const probed = new Set<Container>([...pod.spec.containers, ...(pod.spec.initContainers ?? []).filter(isRestartableInitContainer)]);
  const track: string[] = [];
  const steps: ProbeStep[] = [];
  for (const [name, list] of groupByName([...containers])) {
    const latest = list[0]!;
    track.push(latest.id);
    const spec = specs.get(name);
    if (latest.state === 'running' && spec && probed.has(spec)) {
      const prev = prevStatuses.get(`${runtimeName}://${latest.id}`);
      steps.push({
        type: 'ensure',
        container: spec,
        id: latest.id,
        startedAt: (latest.startedAt ?? latest.createdAt).getTime(),
        ...(prev ? { seed: { ready: prev.ready === true, started: prev.started !== false } } : {}),
      });
    }
    for (const old of list) if (old.state !== 'running') steps.push({ type: 'stop', id: old.id });
  }
  return { track, steps };
}

/** The status as compared between two writes: lastTransitionTime is left out (it moves with nothing else). */
export function statusText(status: PodStatus): string {
  return JSON.stringify(status, (k, v) => (k === 'lastTransitionTime' ? undefined : v));
}

/**
 * Write the computed status? Not when this kubelet wrote the same one (`lastWritten`, as statusText) and the API
 * still shows it: someone else (the node lifecycle controller marking pods not Ready) may have changed it.
 */
export function decideStatusWrite(apiStatus: PodStatus | undefined, status: PodStatus, lastWritten: string | undefined): { write: boolean; text: string } {
  const text = statusText(status);
  return { write: !(lastWritten === text && statusEssentials(apiStatus) === statusEssentials(status)), text };
}

/**
 * Does a pod update need a sync? An informer resync (same object) does; so does any change outside
 * the status (spec, labels, annotations, deletion); a status change does only when it is not the
 * status this kubelet wrote itself (`written`, as statusEssentials), e.g. the node lifecycle
 * controller marking the pod not Ready.
 */
export function podUpdateNeedsSync(oldPod: Pod, newPod: Pod, written: string | undefined): boolean {
  if (oldPod === newPod) return true;
  const rest = (p: Pod) => {
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = p.metadata ?? {};
    return JSON.stringify({ meta, spec: p.spec });
  };
  if (rest(oldPod) !== rest(newPod)) return true;
  return statusEssentials(newPod.status) !== written;
}

/** What must agree between the API's pod status and the kubelet's: phase, IP, condition statuses, container IDs / readiness / states. */
export function statusEssentials(s: PodStatus | undefined): string {
  if (!s) return '';
  const conds = (s.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort().join(',');
  const cs = (s.containerStatuses ?? []).map((c) => `${c.name}:${c.containerID ?? ''}:${c.ready}:${c.restartCount}:${Object.keys(c.state ?? {})[0] ?? ''}:${c.state?.waiting?.reason ?? ''}`).join(',');
  return `${s.phase}|${s.podIP ?? ''}|${conds}|${cs}`;
}

/** ConfigMaps and Secrets a pod names in env, envFrom and volumes. */
export function referencedSources(pod: Pod): { cms: Set<string>; secrets: Set<string> } {
  return { cms: podConfigMapNames(pod), secrets: podContainerSecretNames(pod) };
}

/** The involved object of a container's events (fieldPath spec.containers{name}). */
export function podRef(pod: Pod, container?: string): EventRef {
  const isInit = container && (pod.spec.initContainers ?? []).some((c) => c.name === container);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion },
    ...(container ? { fieldPath: `spec.${isInit ? 'initContainers' : 'containers'}{${container}}` } : {}),
  };
}
