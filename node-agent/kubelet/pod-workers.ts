/**
 * The pod workers: THE controller skeleton over an informer of the pods bound to this node
 * (`spec.nodeName=<node>`). sync(key) re-reads the pod and drives the runtime toward it:
 *
 *   pod gone ............ kill its containers, CNI DEL, remove its files
 *   deletionTimestamp ... SIGTERM, grace period, SIGKILL; then DELETE the pod (grace 0, uid precondition)
 *   otherwise ........... netns + CNI ADD -> volumes -> computePodActions -> pull / create / start / kill
 *                         -> probes -> computePodStatus -> PATCH pods/status when it changed
 *
 * Decisions are pure (pod-sync.ts, pod-status.ts, env.ts, volumes.ts); this file does the I/O.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller } from '../../api/client/controller.js';
import type { ApiClient } from '../../api/client/api-client.js';
import type { EventRecorder } from '../../api/client/event-recorder.js';
import type { Informer } from '../../api/client/informer.js';
import type { Logger } from '../../api/client/log.js';
import { KubeError } from '../../api/errors.js';
import { milliValue, value as quantityValue } from '../../api/quantity.js';
import { findResource } from '../../api/resources.js';
import { podConfigMapNames, podContainerSecretNames } from '../../api/pod-refs.js';
import type { PodNetwork } from '../network/cni.js';
import { LABELS, type ContainerRuntime, type ContainerSpec, type ContainerStatus, type PullOptions } from '../runtime/runtime.js';
import { Backoff } from './backoff.js';
import { buildEnv, ConfigError, type EnvSources } from './env.js';
import { computePodActions, groupByName, type PodAction, type Waiting } from './pod-sync.js';
import { computePodStatus, rfc3339 } from './pod-status.js';
import { ProbeManager } from './probes.js';
import { applyVolumes, containerMounts, planVolumes, realpathOfExisting, VolumeError, type VolumePlan } from './volumes.js';

type Obj = Record<string, any>;

const PODS = () => findResource('', 'pods')!;
const CONFIGMAPS = () => findResource('', 'configmaps')!;
const SECRETS = () => findResource('', 'secrets')!;

export interface PodWorkersOptions {
  client: ApiClient;
  runtime: ContainerRuntime;
  runtimeName: 'containerd' | 'docker';
  pods: Informer<Obj>;
  cni: PodNetwork;
  recorder: EventRecorder;
  nodeName: string;
  nodeIP?: string;
  rootDir: string;
  podLogsDir: string;
  pull: PullOptions;
  /** The node's podCIDR (from its Node object). */
  podCIDR: () => string | undefined;
  logger?: Logger;
  workers?: number;
  now?: () => number;
  /**
   * Periodic resyncs (the informer's, every --sync-frequency) are spread over this many milliseconds,
   * as upstream jitters each pod worker's resync: all pods at once would queue new pods behind them.
   */
  resyncSpreadMs?: number;
}

/** After a failed pull, the next sync (which reports ImagePullBackOff while the back-off runs). */
const PULL_ERROR_RESYNC_MS = 1000;

/** Default imagePullPolicy: Always for `:latest` or no tag, else IfNotPresent. */
export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.split('/').pop()!;
  const tag = last.includes(':') ? last.split(':').pop() : undefined;
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** cgroup settings from a container's resources (upstream's milliCPUToShares / quota). */
export function runtimeResources(c: Obj): ContainerSpec['resources'] {
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

export class PodWorkers extends Controller {
  readonly crashBackoff = new Backoff(10_000, 300_000);
  readonly pullBackoff = new Backoff(10_000, 300_000);
  readonly probes: ProbeManager;
  /** key -> uid of pods this kubelet has seen (to clean up after a delete). */
  private readonly known = new Map<string, string>();
  /** container id -> pod key (exit events). */
  readonly idToKey = new Map<string, string>();
  private readonly waiting = new Map<string, Record<string, Waiting>>();
  private readonly pullFailedAt = new Map<string, number>();
  private readonly imageRefs: Record<string, string> = {};
  private readonly lastStatus = new Map<string, string>();
  /** uid -> statusEssentials of the status this kubelet last wrote (set before the write's watch event can arrive). */
  private readonly writtenStatus = new Map<string, string>();
  private readonly terminating = new Set<string>();
  private readonly now: () => number;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: PodWorkersOptions) {
    super({ name: 'kubelet-pod-workers', workers: o.workers ?? 10, ...(o.logger ? { logger: o.logger } : {}) });
    this.now = o.now ?? Date.now;
    // Like upstream's pod config source, the kubelet's own status writes do not start a sync (the
    // sync right after an ErrImagePull would overwrite it with ImagePullBackOff before anyone saw it);
    // spec/metadata changes, informer resyncs and statuses someone else wrote do.
    this.watchInformer(o.pods, {
      filterUpdate: (oldPod, newPod) => {
        if (oldPod === newPod && (o.resyncSpreadMs ?? 0) > 0) {
          this.enqueueAfter(newPod, Math.random() * o.resyncSpreadMs!);
          return false;
        }
        return podUpdateNeedsSync(oldPod, newPod, this.writtenStatus.get(newPod.metadata.uid));
      },
    });
    this.probes = new ProbeManager(
      o.runtime,
      (key) => this.enqueue(key),
      (key, kind, name, message) => {
        const pod = o.pods.store.get(key);
        if (pod) o.recorder.event(podRef(pod, name), 'Warning', 'Unhealthy', message);
        void kind;
      },
    );
    this.unsubscribe = o.runtime.subscribeExits((ex) => {
      const key = this.idToKey.get(ex.id);
      if (key) this.enqueue(key);
    });
  }

  stop(): void {
    this.unsubscribe();
    this.probes.stopAll();
  }

  podDir(uid: string): string {
    return join(this.o.rootDir, 'pods', uid);
  }

  /** Pods this kubelet runs (for the kubelet API). */
  podByName(namespace: string, name: string): Obj | undefined {
    return this.o.pods.store.get(`${namespace}/${name}`);
  }

  protected async sync(key: string): Promise<void> {
    const pod = this.o.pods.store.get(key);
    const oldUid = this.known.get(key);
    if (oldUid && (!pod || pod.metadata.uid !== oldUid)) {
      await this.killPod(oldUid, 2);
      this.known.delete(key);
    }
    if (!pod) return;
    this.known.set(key, pod.metadata.uid);
    if (pod.metadata.deletionTimestamp) return this.terminatePod(pod);
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
      // Terminal: nothing restarts; make sure nothing runs.
      const cs = await this.o.runtime.listContainers({ labels: { [LABELS.podUid]: pod.metadata.uid } });
      for (const c of cs) if (c.state === 'running') await this.o.runtime.stopContainer(c.id, pod.spec.terminationGracePeriodSeconds ?? 30);
      return;
    }
    await this.syncPod(key, pod);
  }

  /** ConfigMaps and Secrets the pod names, read from the API (missing ones are absent). */
  private async loadSources(pod: Obj): Promise<EnvSources> {
    const { cms, secrets } = referencedSources(pod);
    const ns = pod.metadata.namespace;
    const get = async (info: ReturnType<typeof CONFIGMAPS>, name: string): Promise<Obj | undefined> => {
      try {
        return await this.o.client.get<Obj>(info, ns, name);
      } catch (e) {
        if (e instanceof KubeError && e.reason === 'NotFound') return undefined;
        throw e;
      }
    };
    const cmMap = new Map<string, Obj | undefined>();
    const secMap = new Map<string, Obj | undefined>();
    await Promise.all([...cms].map(async (n) => cmMap.set(n, await get(CONFIGMAPS(), n))));
    await Promise.all([...secrets].map(async (n) => secMap.set(n, await get(SECRETS(), n))));
    return { configMap: (n) => cmMap.get(n), secret: (n) => secMap.get(n) };
  }

  private async syncPod(key: string, pod: Obj): Promise<void> {
    const uid: string = pod.metadata.uid;
    const now = this.now();
    const waiting: Record<string, Waiting> = {};
    let podIP: string | undefined;
    let sandboxReady = false;
    const startTime: string = pod.status?.startTime ?? rfc3339(now);
    let requeueMs: number | undefined;
    const requeue = (ms: number) => (requeueMs = Math.min(requeueMs ?? Infinity, ms));

    const finish = async (containers: ContainerStatus[], initFailed: boolean) => {
      this.waiting.set(uid, waiting);
      await this.writeStatus(pod, containers, initFailed, { podIP, sandboxReady, startTime, waiting });
      if (requeueMs !== undefined) this.enqueueAfter(key, requeueMs);
    };

    // 1. the pod's network
    try {
      podIP = (await this.o.cni.setUp(uid, this.o.podCIDR())).ip;
      sandboxReady = true;
    } catch (e) {
      this.o.recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
      requeue(2000);
      return finish([], false);
    }

    // 2. volumes and the sources of env / volumes
    const sources = await this.loadSources(pod);
    const ctx = { podIP, hostIP: this.o.nodeIP, nodeName: this.o.nodeName };
    let plans: VolumePlan[];
    try {
      plans = planVolumes(pod, this.podDir(uid), sources, ctx);
      applyVolumes(plans);
      this.writeHosts(pod, podIP);
    } catch (e) {
      if (!(e instanceof VolumeError)) throw e;
      this.o.recorder.event(pod, 'Warning', 'FailedMount', e.message);
      requeue(2000);
      const existing = await this.o.runtime.listContainers({ labels: { [LABELS.podUid]: uid } });
      return finish(existing, false);
    }

    // 3. containers
    let containers = await this.o.runtime.listContainers({ labels: { [LABELS.podUid]: uid } });
    for (const c of containers) this.idToKey.set(c.id, key);
    const decision = computePodActions(pod, containers, {
      now,
      backoff: this.crashBackoff,
      livenessFailed: (_n, id) => this.probes.verdict(id, 'liveness') === false,
    });
    Object.assign(waiting, decision.waiting);
    if (decision.requeueAfterMs !== undefined) requeue(decision.requeueAfterMs);
    for (const a of decision.actions) {
      const ok = await this.apply(key, pod, a, { waiting, sources, plans, podIP, requeue });
      if (!ok && a.type === 'start' && a.init) break;
    }
    if (decision.actions.length) containers = await this.o.runtime.listContainers({ labels: { [LABELS.podUid]: uid } });

    // 4. probes for running containers
    const specs = new Map<string, Obj>([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c: Obj) => [c.name, c]));
    const prevStatuses = new Map<string, Obj>(((pod.status?.containerStatuses ?? []) as Obj[]).map((s) => [s.containerID, s]));
    for (const [name, list] of groupByName(containers)) {
      const latest = list[0]!;
      this.idToKey.set(latest.id, key);
      const spec = specs.get(name);
      if (latest.state === 'running' && spec && (pod.spec.containers as Obj[]).includes(spec)) {
        const prev = prevStatuses.get(`${this.o.runtimeName}://${latest.id}`);
        this.probes.ensure(key, spec, latest.id, (latest.startedAt ?? latest.createdAt).getTime(), podIP, prev ? { ready: prev.ready === true, started: prev.started !== false } : undefined);
      }
      for (const old of list) if (old.state !== 'running') this.probes.stopContainer(old.id);
    }
    return finish(containers, decision.initFailed);
  }

  private writeHosts(pod: Obj, podIP: string | undefined): void {
    const dir = this.podDir(pod.metadata.uid);
    mkdirSync(dir, { recursive: true });
    const hostname = pod.spec.hostname ?? pod.metadata.name;
    writeFileSync(join(dir, 'etc-hosts'), `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${podIP ? `${podIP}\t${hostname}\n` : ''}`);
  }

  private async ensureImage(pod: Obj, c: Obj, waiting: Record<string, Waiting>, requeue: (ms: number) => void): Promise<boolean> {
    const image: string = c.image;
    const policy: string = c.imagePullPolicy ?? defaultPullPolicy(image);
    const ref = podRef(pod, c.name);
    const present = await this.o.runtime.imageStatus(image).catch(() => undefined);
    if (present && !this.imageRefs[image]) this.imageRefs[image] = present.repoDigests[0] ?? present.imageId;
    if (policy === 'Never' && !present) {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      waiting[c.name] = { reason: 'ErrImageNeverPull', message };
      this.o.recorder.event(ref, 'Warning', 'ErrImageNeverPull', message);
      return false;
    }
    if (present && policy !== 'Always') {
      this.o.recorder.event(ref, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return true;
    }
    const bkey = `${pod.metadata.uid}/${image}`;
    const now = this.now();
    const failedAt = this.pullFailedAt.get(bkey);
    if (failedAt !== undefined && this.pullBackoff.isInBackOffSince(bkey, failedAt, now)) {
      waiting[c.name] = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` };
      this.o.recorder.event(ref, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      requeue(Math.max(200, this.pullBackoff.remaining(bkey, failedAt, now)));
      return false;
    }
    this.o.recorder.event(ref, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const t0 = Date.now();
    try {
      const r = await this.o.runtime.pullImage(image, this.o.pull);
      this.imageRefs[image] = r.imageRef;
      this.pullFailedAt.delete(bkey);
      const secs = ((Date.now() - t0) / 1000).toFixed(3);
      const size = (await this.o.runtime.imageStatus(image).catch(() => undefined))?.size ?? 0;
      this.o.recorder.event(ref, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs}s (${secs}s including waiting). Image size: ${size} bytes.`);
      return true;
    } catch (e) {
      const msg = (e as Error).message;
      // The window starts when the pull failed (a slow failing pull must not eat it), and the next
      // sync comes well inside it, so the status goes ErrImagePull -> ImagePullBackOff as upstream's does.
      const failed = this.now();
      const delay = this.pullBackoff.next(bkey, failed);
      this.pullFailedAt.set(bkey, failed);
      this.o.recorder.event(ref, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
      this.o.recorder.event(ref, 'Warning', 'Failed', 'Error: ErrImagePull');
      waiting[c.name] = { reason: 'ErrImagePull', message: msg };
      requeue(Math.min(PULL_ERROR_RESYNC_MS, delay));
      return false;
    }
  }

  private async apply(
    key: string,
    pod: Obj,
    a: PodAction,
    x: { waiting: Record<string, Waiting>; sources: EnvSources; plans: VolumePlan[]; podIP?: string; requeue: (ms: number) => void },
  ): Promise<boolean> {
    const rt = this.o.runtime;
    if (a.type === 'remove') {
      await rt.removeContainer(a.id);
      this.idToKey.delete(a.id);
      return true;
    }
    if (a.type === 'kill') {
      this.o.recorder.event(podRef(pod, a.name), 'Normal', 'Killing', a.message);
      this.probes.stopContainer(a.id);
      await rt.stopContainer(a.id, pod.spec.terminationGracePeriodSeconds ?? 30);
      x.requeue(100);
      return true;
    }
    const c = a.container;
    const ref = podRef(pod, c.name);
    if (!(await this.ensureImage(pod, c, x.waiting, x.requeue))) return false;
    let env: { name: string; value: string }[];
    let mounts;
    try {
      env = buildEnv(pod, c, x.sources, { podIP: x.podIP, hostIP: this.o.nodeIP, nodeName: this.o.nodeName });
      mounts = containerMounts(c, x.plans, realpathOfExisting);
    } catch (e) {
      if (!(e instanceof ConfigError) && !(e instanceof VolumeError)) throw e;
      x.waiting[c.name] = { reason: 'CreateContainerConfigError', message: e.message };
      this.o.recorder.event(ref, 'Warning', 'Failed', `Error: ${e.message}`);
      x.requeue(2000);
      return false;
    }
    const ns: string = pod.metadata.namespace;
    const uid: string = pod.metadata.uid;
    const hasHosts = mounts.some((m) => m.containerPath === '/etc/hosts');
    const logDir = join(this.o.podLogsDir, `${ns}_${pod.metadata.name}_${uid}`, c.name);
    mkdirSync(logDir, { recursive: true });
    const sc: Obj = { ...(pod.spec.securityContext ?? {}), ...(c.securityContext ?? {}) };
    const spec: ContainerSpec = {
      name: `k8s_${c.name}_${pod.metadata.name}_${ns}_${uid}_${a.restartCount}`,
      labels: {
        [LABELS.podUid]: uid,
        [LABELS.podName]: pod.metadata.name,
        [LABELS.podNamespace]: ns,
        [LABELS.containerName]: c.name,
        [LABELS.restartCount]: String(a.restartCount),
      },
      image: c.image,
      ...(c.command?.length ? { command: c.command } : {}),
      ...(c.args?.length ? { args: c.args } : {}),
      env,
      ...(c.workingDir ? { workingDir: c.workingDir } : {}),
      ...(sc.runAsUser !== undefined ? { user: { uid: sc.runAsUser, ...(sc.runAsGroup !== undefined ? { gid: sc.runAsGroup } : {}) } } : {}),
      hostname: pod.spec.hostname ?? pod.metadata.name,
      netnsPath: this.o.cni.netnsPath(uid),
      mounts: [...mounts, ...(hasHosts ? [] : [{ hostPath: join(this.podDir(uid), 'etc-hosts'), containerPath: '/etc/hosts' }])],
      resources: runtimeResources(c),
      logPath: join(logDir, `${a.restartCount}.log`),
      ...(c.tty ? { tty: true } : {}),
      ...(c.stdin ? { stdin: true } : {}),
    };
    if (a.restartCount > 0) this.crashBackoff.next(a.backoffKey, this.now());
    let id: string;
    try {
      id = await rt.createContainer(spec);
    } catch (e) {
      const msg = (e as Error).message;
      x.waiting[c.name] = { reason: 'CreateContainerError', message: msg };
      this.o.recorder.event(ref, 'Warning', 'Failed', `Error: ${msg}`);
      x.requeue(2000);
      return false;
    }
    this.idToKey.set(id, key);
    this.o.recorder.event(ref, 'Normal', 'Created', `Created container ${c.name}`);
    try {
      await rt.startContainer(id);
      this.o.recorder.event(ref, 'Normal', 'Started', `Started container ${c.name}`);
      return true;
    } catch (e) {
      this.o.recorder.event(ref, 'Warning', 'Failed', `Error: ${(e as Error).message}`);
      if (a.restartCount === 0) this.crashBackoff.next(a.backoffKey, this.now());
      x.requeue(200);
      return false;
    }
  }

  private async writeStatus(pod: Obj, containers: ContainerStatus[], initFailed: boolean, s: { podIP?: string; sandboxReady: boolean; startTime: string; waiting: Record<string, Waiting>; terminating?: boolean }): Promise<void> {
    const status = computePodStatus(pod, containers, initFailed, {
      now: new Date(this.now()),
      runtimeName: this.o.runtimeName,
      ...(s.podIP ? { podIP: s.podIP } : {}),
      ...(this.o.nodeIP ? { hostIP: this.o.nodeIP } : {}),
      sandboxReady: s.sandboxReady,
      startTime: s.startTime,
      waiting: s.waiting,
      ready: (_n, id) => this.probes.verdict(id, 'readiness'),
      started: (_n, id) => this.probes.verdict(id, 'startup'),
      imageRefs: this.imageRefs,
      ...(s.terminating ? { terminating: true } : {}),
    });
    const text = JSON.stringify(status, (k, v) => (k === 'lastTransitionTime' ? undefined : v));
    // Skip the write when this kubelet wrote the same status and the API still shows it (someone
    // else, e.g. the node lifecycle controller marking pods not Ready, may have changed it).
    if (this.lastStatus.get(pod.metadata.uid) === text && statusEssentials(pod.status) === statusEssentials(status)) return;
    const uid: string = pod.metadata.uid;
    const before = this.writtenStatus.get(uid);
    this.writtenStatus.set(uid, statusEssentials(status));
    try {
      await this.o.client.patch(PODS(), pod.metadata.namespace, pod.metadata.name, { status }, 'merge', { subresource: 'status' });
      this.lastStatus.set(uid, text);
    } catch (e) {
      if (before === undefined) this.writtenStatus.delete(uid);
      else this.writtenStatus.set(uid, before);
      if (e instanceof KubeError && e.reason === 'NotFound') return;
      throw e;
    }
  }

  /** Graceful termination of a pod being deleted, then the final DELETE (grace 0, uid precondition). */
  private async terminatePod(pod: Obj): Promise<void> {
    const uid: string = pod.metadata.uid;
    if (this.terminating.has(uid)) return;
    this.terminating.add(uid);
    try {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
      const containers = await this.o.runtime.listContainers({ labels: { [LABELS.podUid]: uid } });
      await Promise.all(
        containers
          .filter((c) => c.state === 'running')
          .map(async (c) => {
            const name = c.labels[LABELS.containerName] ?? c.name;
            this.o.recorder.event(podRef(pod, name), 'Normal', 'Killing', `Stopping container ${name}`);
            this.probes.stopContainer(c.id);
            await this.o.runtime.stopContainer(c.id, grace);
          }),
      );
      const after = await this.o.runtime.listContainers({ labels: { [LABELS.podUid]: uid } });
      await this.writeStatus(pod, after, false, {
        ...(this.o.cni.recorded(uid) ? { podIP: this.o.cni.recorded(uid)!.ip } : {}),
        sandboxReady: false,
        startTime: pod.status?.startTime ?? rfc3339(this.now()),
        waiting: {},
        terminating: true,
      }).catch(() => undefined);
      await this.cleanupPod(uid);
      try {
        await this.o.client.delete(PODS(), pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (e) {
        if (!(e instanceof KubeError) || (e.reason !== 'NotFound' && e.reason !== 'Conflict')) throw e;
      }
    } finally {
      this.terminating.delete(uid);
    }
  }

  /** Stop and remove a pod's containers, tear its network down, drop its files. */
  async killPod(uid: string, grace: number): Promise<void> {
    const containers = await this.o.runtime.listContainers({ labels: { [LABELS.podUid]: uid } });
    await Promise.all(containers.filter((c) => c.state === 'running').map((c) => this.o.runtime.stopContainer(c.id, grace)));
    await this.cleanupPod(uid);
  }

  private async cleanupPod(uid: string): Promise<void> {
    const containers = await this.o.runtime.listContainers({ labels: { [LABELS.podUid]: uid } });
    for (const c of containers) {
      this.probes.stopContainer(c.id);
      await this.o.runtime.removeContainer(c.id);
      this.idToKey.delete(c.id);
    }
    await this.o.cni.tearDown(uid);
    rmSync(this.podDir(uid), { recursive: true, force: true });
    this.crashBackoff.forgetPrefix(`${uid}/`);
    this.pullBackoff.forgetPrefix(`${uid}/`);
    this.waiting.delete(uid);
    this.lastStatus.delete(uid);
    this.writtenStatus.delete(uid);
  }

  /** Containers and pod networks of pods that no longer exist here (after a restart or a missed delete). */
  async cleanupOrphans(): Promise<number> {
    // List what the runtime and CNI hold FIRST, and take the live set after: a pod that arrives while the
    // runtime is being listed already has a sandbox or netns, and must count as live, not as an orphan.
    const containers = await this.o.runtime.listContainers();
    const netUids = this.o.cni.listUids();
    const live = new Set(this.o.pods.store.list().map((p) => p.metadata.uid as string));
    for (const [key, uid] of this.known) {
      if (this.o.pods.store.get(key)) live.add(uid);
      else live.delete(uid);
    }
    const orphans = new Set<string>();
    for (const c of containers) {
      const uid = c.labels[LABELS.podUid];
      if (uid && !live.has(uid)) orphans.add(uid);
    }
    for (const uid of netUids) if (!live.has(uid)) orphans.add(uid);
    for (const uid of orphans) {
      if (this.terminating.has(uid)) continue;
      this.log.info('removing orphaned pod', { uid });
      await this.killPod(uid, 2).catch((e: unknown) => this.log.warn('orphan cleanup failed', { uid, error: e as Error }));
    }
    return orphans.size;
  }
}

/**
 * Does a pod update need a sync? An informer resync (same object) does; so does any change outside
 * the status (spec, labels, annotations, deletion); a status change does only when it is not the
 * status this kubelet wrote itself (`written`, as statusEssentials), e.g. the node lifecycle
 * controller marking the pod not Ready.
 */
export function podUpdateNeedsSync(oldPod: Obj, newPod: Obj, written: string | undefined): boolean {
  if (oldPod === newPod) return true;
  const rest = (p: Obj) => {
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = (p.metadata ?? {}) as Obj;
    return JSON.stringify({ meta, spec: p.spec });
  };
  if (rest(oldPod) !== rest(newPod)) return true;
  return statusEssentials(newPod.status) !== written;
}

/** What must agree between the API's pod status and the kubelet's (pure): phase, IP, condition statuses, container IDs / readiness / states. */
export function statusEssentials(s: Obj | undefined): string {
  if (!s) return '';
  const conds = ((s.conditions ?? []) as Obj[]).map((c) => `${c.type}=${c.status}`).sort().join(',');
  const cs = ((s.containerStatuses ?? []) as Obj[]).map((c) => `${c.name}:${c.containerID ?? ''}:${c.ready}:${c.restartCount}:${Object.keys(c.state ?? {})[0] ?? ''}:${c.state?.waiting?.reason ?? ''}`).join(',');
  return `${s.phase}|${s.podIP ?? ''}|${conds}|${cs}`;
}

/** ConfigMaps and Secrets a pod names in env, envFrom and volumes (pure). */
export function referencedSources(pod: Obj): { cms: Set<string>; secrets: Set<string> } {
  return { cms: podConfigMapNames(pod), secrets: podContainerSecretNames(pod) };
}

/** The involved object of a container's events (fieldPath spec.containers{name}). */
export function podRef(pod: Obj, container?: string): Obj {
  const isInit = container && ((pod.spec.initContainers ?? []) as Obj[]).some((c) => c.name === container);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion },
    ...(container ? { fieldPath: `spec.${isInit ? 'initContainers' : 'containers'}{${container}}` } : {}),
  };
}
