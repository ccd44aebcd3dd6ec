/**
 * The container runtime as the kubelet sees it: one interface, two real implementations
 * (containerd's gRPC API in ./containerd, dockerd's API in ./docker). It plays the role of
 * Kubernetes' CRI `RuntimeService` + `ImageService`, reduced to what kubelab's kubelet needs.
 *
 * Ids: a container id is the runtime's own (64 hex chars); the kubelet finds its containers again
 * after a restart through the labels it set (`LABELS`), never through names it remembers.
 */
import type { Readable, Writable } from 'node:stream';
import { KubeError } from '../../api/errors.js';

export type RuntimeName = 'containerd' | 'docker';

export interface RuntimeVersion {
  name: RuntimeName;
  /** The runtime's version, e.g. `1.6.20` or `20.10.24`. */
  version: string;
  /** API version spoken (containerd: `v1`, docker: the API version, `1.41`). */
  apiVersion?: string;
}

/** Labels the kubelet sets on every container (upstream's names, `io.kubernetes.*`). */
export const LABELS = {
  podUid: 'io.kubernetes.pod.uid',
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  containerName: 'io.kubernetes.container.name',
  restartCount: 'io.kubernetes.container.restartCount',
} as const;

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** A bearer token or identity token used as is. */
  token?: string;
}

export interface PullOptions {
  auth?: RegistryAuth;
  /** Registries (host[:port]) spoken to over plain HTTP. */
  insecureRegistries?: string[];
  /** Mirrors per registry host, tried in order before the registry itself: `{ 'docker.io': ['http://127.0.0.1:5000'] }`. */
  mirrors?: Record<string, string[]>;
  /**
   * When a registry has mirrors, whether the registry itself is tried after them (containerd's behaviour,
   * the default). The kubelet turns it off: a lab node must never reach out of the machine.
   */
  mirrorFallback?: boolean;
}

export interface PullResult {
  /** The image's reference by digest, e.g. `docker.io/library/nginx@sha256:...` (a pod's `imageID`). */
  imageRef: string;
  /** The image's id: the digest of its config (`sha256:...`). */
  imageId: string;
}

export interface ImageInfo {
  /** Normalized names, e.g. `docker.io/library/nginx:latest`. */
  names: string[];
  imageId: string;
  /** `<repo>@sha256:...` references. */
  repoDigests: string[];
  size: number;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

export interface Resources {
  /** cgroup cpu.shares (upstream: milliCPU * 1024 / 1000, at least 2). */
  cpuShares?: number;
  /** cgroup cpu.cfs_quota_us (upstream: milliCPU * period / 1000); unset or <= 0 = no limit. */
  cpuQuota?: number;
  /** cgroup cpu.cfs_period_us (default 100000). */
  cpuPeriod?: number;
  /** Memory limit in bytes; unset or 0 = no limit. */
  memoryLimitBytes?: number;
}

export interface ContainerSpec {
  /** A human name (Docker's container name; containerd keeps it as a label). Unique per node. */
  name: string;
  /** Labels to find the container again (see `LABELS`); any other labels are kept too. */
  labels: Record<string, string>;
  /** The image as the pod says it (`nginx`), resolved like `pullImage` does. */
  image: string;
  /** Kubernetes' `command` (replaces the image's Entrypoint) and `args` (replaces its Cmd). */
  command?: string[];
  args?: string[];
  env?: { name: string; value: string }[];
  workingDir?: string;
  /** securityContext.runAsUser / runAsGroup. */
  user?: { uid: number; gid?: number };
  hostname?: string;
  /**
   * The pod's network namespace (a bind-mounted netns file, e.g. `/run/netns/<pod>`, or a host-network pod's
   * `/proc/<kubelet pid>/ns/net`); unset = own, empty netns.
   */
  netnsPath?: string;
  mounts?: Mount[];
  resources?: Resources;
  /** The container's log file, written in the CRI format; survives the kubelet (written by a process of the runtime). */
  logPath?: string;
  tty?: boolean;
  stdin?: boolean;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** The image as given at create time, and its id (`sha256:...`). */
  image: string;
  imageId: string;
  state: ContainerState;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  /** `OOMKilled`, `Error`, `Completed`, `StartError` (containerd) / `ContainerCannotRun` (docker). */
  reason?: string;
  /** The runtime's error message when the container could not start. */
  message?: string;
  logPath?: string;
  /** The host PID of the container's first process while it runs (the kubelet reads its cgroups for stats). */
  pid?: number;
}

export interface ListFilter {
  /** Every given label must match. */
  labels?: Record<string, string>;
}

export interface ExecOptions {
  tty?: boolean;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Terminal size changes (tty only). */
  resize?: AsyncIterable<{ width: number; height: number }> | ((listener: (size: { width: number; height: number }) => void) => void);
  env?: { name: string; value: string }[];
  /** Give up after this many seconds (the process is killed); unset = no limit. */
  timeoutSeconds?: number;
}

export interface ContainerExit {
  id: string;
  exitCode: number;
  finishedAt: Date;
  oomKilled: boolean;
}

export interface ContainerRuntime {
  version(): Promise<RuntimeVersion>;
  pullImage(ref: string, opts?: PullOptions): Promise<PullResult>;
  /** `undefined` when the image is not on the node. */
  imageStatus(ref: string): Promise<ImageInfo | undefined>;
  listImages(): Promise<ImageInfo[]>;
  removeImage(ref: string): Promise<void>;

  /** Creates (does not start) a container; the image must be on the node. Returns its id. */
  createContainer(spec: ContainerSpec): Promise<string>;
  /** Starts it; a failure (e.g. a command that does not exist) throws the runtime's error and leaves the container `exited`. */
  startContainer(id: string): Promise<void>;
  /** The image's stop signal (SIGTERM by default), then SIGKILL after `timeoutSeconds`. Idempotent. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** Removes a container (stopping it at once if it runs). Idempotent. */
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: ListFilter): Promise<ContainerStatus[]>;
  /** Throws a `NotFound` KubeError for an unknown id. */
  containerStatus(id: string): Promise<ContainerStatus>;
  /** Runs a command in a running container; resolves with its exit code. */
  exec(id: string, cmd: string[], opts?: ExecOptions): Promise<number>;
  /** Called once per container exit the runtime observes; returns an unsubscribe function. */
  subscribeExits(cb: (exit: ContainerExit) => void): () => void;
  /** Releases connections (does not touch containers). */
  close(): Promise<void>;
}

/** The runtime's error: stable code `ERR_RUNTIME`, the runtime's message kept. */
export function runtimeError(message: string, cause?: unknown): KubeError {
  return new KubeError('InternalError', message, { code: 'ERR_RUNTIME', cause });
}

export function notFound(what: 'container' | 'image', id: string): KubeError {
  return new KubeError('NotFound', `${what} "${id}" not found`, { code: 'ERR_NOT_FOUND' });
}

/** Does a container's label set match every wanted label? */
export function matchLabels(labels: Record<string, string>, wanted: Record<string, string> | undefined): boolean {
  if (!wanted) return true;
  for (const [k, v] of Object.entries(wanted)) if (labels[k] !== v) return false;
  return true;
}
