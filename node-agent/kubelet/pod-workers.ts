/**
 * The pod workers: THE controller skeleton over an informer of the pods bound to this node
 * (`spec.nodeName=<node>`), and the executor of the pod decisions. sync(key) re-reads the pod, asks
 * pod-plan.ts what to do and does it, through the runtime, the pod network, the API and the recorder:
 *
 *   pod gone ............ kill its containers, CNI DEL, remove its files
 *   deletionTimestamp ... SIGTERM, grace period, SIGKILL; then DELETE the pod (grace 0, uid precondition)
 *   otherwise ........... names + resolv.conf (pod-hostname.ts, pod-dns.ts) -> netns + CNI ADD (none for
 *                         hostNetwork) -> volumes -> computePodActions -> pull / etc-hosts / create / start / kill
 *                         -> probes -> computePodStatus -> PATCH pods/status when it changed
 *
 * Every decision is pure (pod-plan.ts, pod-sync.ts, pod-status.ts, env.ts, volumes.ts), taken from what
 * was observed just before it; this file holds the I/O and the kubelet's memory (back-offs, what it wrote).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller } from '../../api/client/controller.js';
import type { ApiClient } from '../../api/client/api-client.js';
import type { EventRecorder } from '../../api/client/event-recorder.js';
import type { Informer } from '../../api/client/informer.js';
import type { Logger } from '../../api/client/log.js';
import { KubeError } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type { PodNetwork } from '../network/cni.js';
import { LABELS, type ContainerRuntime, type ContainerStatus, type PullOptions } from '../runtime/runtime.js';
import { Backoff } from './backoff.js';
import { buildEnv, ConfigError, type EnvSources } from './env.js';
import { serviceEnvForPod, type Service } from './service-env.js';
import {
  configFailed, containerLogDir, containerSpec, created, createFailed, decideImage, decidePodWork, decideStatusWrite,
  mountFailed, planKill, planProbes, planTermination, planTerminalStop, POD_FILE_NAMES, podRef, podUpdateNeedsSync, pullBackoffKey, pulled,
  pullFailed, referencedSources, runningIds, sandboxFailed, startAttempt, started, startFailed, statusEssentials, type Effects, type PodEvent, type PodFiles,
} from './pod-plan.js';
import { podResolvConf, type HostResolvConf, type KubeletDnsSettings } from './pod-dns.js';
import { podHostsFile, podNames } from './pod-hostname.js';
import { computePodActions, remainingGraceSeconds, type PodAction, type Waiting } from './pod-sync.js';
import { isRestartableInitContainer } from '../../api/pods.js';
import type { ConfigMap, Container, PersistentVolume, PersistentVolumeClaim, Pod, Secret } from './types.js';
import { rfc3339 } from '../../api/time.js';
import { computePodStatus } from './pod-status.js';
import { CONFIG_MIRROR_ANNOTATION, decideMirrorPod, isMirrorPod, mirrorPodFor } from './static-pods.js';
import { ProbeManager } from './probes.js';
import {
  applyVolumes, boundVolumeName, claimNames, containerMounts, diskUsageBytes, emptyDirLimitExceeded, mountsUnder, planVolumes, realpathOfExisting, tokenProjectionKey, tokenProjections, VolumeError,
  type FetchError, type Mounter, type VolumePlan, type VolumeSources,
} from './volumes.js';
import { systemMounter } from './mounter.js';
import { podTokenRequest, TokenManager, type TokenRequester } from './token-manager.js';


const PODS = () => findResource('', 'pods')!;
const CONFIGMAPS = () => findResource('', 'configmaps')!;
const SECRETS = () => findResource('', 'secrets')!;
const CLAIMS = () => findResource('', 'persistentvolumeclaims')!;
const PVS = () => findResource('', 'persistentvolumes')!;

export interface PodWorkersOptions {
  client: ApiClient;
  runtime: ContainerRuntime;
  runtimeName: 'containerd' | 'docker';
  pods: Informer<Pod>;
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
  /** Static pods (staticPodPath): run from their manifests, shown in the API as mirror pods. */
  staticPods?: { get(key: string): Pod | undefined; list(): Pod[] };
  /** This node's name and uid once its Node exists (the mirror pods' owner). */
  node?: () => { name: string; uid: string } | undefined;
  /** --cluster-dns, --cluster-domain, --resolv-conf: each pod's /etc/resolv.conf (pod-dns.ts). */
  dns: KubeletDnsSettings;
  /** Reads the host's files (--resolv-conf, /etc/hosts for host-network pods); readFileSync by default. */
  readHostFile?: (path: string) => string;
  /** The node's network namespace, which host-network pods join: the kubelet's own by default (`/proc/<pid>/ns/net`). */
  hostNetnsPath?: string;
  /** The Services the kubelet sees (its informer's store): each container's service-link env (service-env.ts). */
  services?: () => Service[];
  /** TokenRequest (serviceaccounts/{name}/token) for projected serviceAccountToken sources. */
  requestToken?: TokenRequester;
  /** mount / umount of memory-backed emptyDirs (default: the host's commands). */
  mounter?: Mounter;
  /** The node's memory (bytes): the largest a memory-backed emptyDir gets. */
  nodeMemoryBytes?: bigint;
}

/** The node's /etc/hosts, the base of a host-network pod's. */
const NODE_HOSTS_PATH = '/etc/hosts';

/** A Node error as Go's os.Open words it (`open /etc/resolv.conf: no such file or directory`). */
function goOpenError(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const text = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
  return code === 'EISDIR' ? `read ${path}: ${text}` : `open ${path}: ${text}`;
}

/** What one sync of a running pod gathers for its status write: waiting reasons and the earliest resync. */
interface SyncState {
  key: string;
  pod: Pod;
  waiting: Record<string, Waiting>;
  requeueMs: number | undefined;
  /** When this sync began stopping a finished pod's containers (their kills share one grace period). */
  stopStartedAt?: number;
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
  readonly tokens: TokenManager;
  private readonly mounter: Mounter;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: PodWorkersOptions) {
    // Static pods run before the API server answers (it may be one of them): the workers do not wait for the
    // pod informer's first list; the API's pods come in as its events arrive.
    super({ name: 'kubelet-pod-workers', workers: o.workers ?? 10, waitForSync: false, ...(o.logger ? { logger: o.logger } : {}) });
    this.now = o.now ?? Date.now;
    this.tokens = new TokenManager(o.requestToken, this.now);
    this.mounter = o.mounter ?? systemMounter;
    // Like upstream's pod config source, the kubelet's own status writes do not start a sync (the
    // sync right after an ErrImagePull would overwrite it with ImagePullBackOff before anyone saw it);
    // spec/metadata changes, informer resyncs and statuses someone else wrote do.
    this.watchInformer(o.pods, {
      filterUpdate: (oldPod, newPod) => {
        if (oldPod === newPod && (o.resyncSpreadMs ?? 0) > 0) {
          this.enqueueAfter(newPod, Math.random() * o.resyncSpreadMs!);
          return false;
        }
        // A mirror pod's status is written under its static pod's uid (the config hash).
        const uid = newPod.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] ?? newPod.metadata.uid;
        return podUpdateNeedsSync(oldPod, newPod, this.writtenStatus.get(uid));
      },
    });
    this.probes = new ProbeManager(
      o.runtime,
      (key) => this.enqueue(key),
      (key, kind, name, message) => {
        const pod = this.desired(key).pod;
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

  /**
   * The pod this kubelet runs under a key: the static pod when one has this key (with its mirror pod's
   * status when the mirror is of the same version), else the API's pod; never a mirror pod itself.
   */
  private desired(key: string): { pod: Pod | undefined; mirror: Pod | undefined; isStatic: boolean } {
    const apiPod = this.o.pods.store.get(key);
    const sp = this.o.staticPods?.get(key);
    if (sp) {
      const sameVersion = apiPod && isMirrorPod(apiPod) && apiPod.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] === sp.metadata.uid;
      return { pod: sameVersion && apiPod.status ? { ...sp, status: apiPod.status } : sp, mirror: apiPod, isStatic: true };
    }
    if (isMirrorPod(apiPod)) return { pod: undefined, mirror: apiPod, isStatic: true };
    return { pod: apiPod, mirror: undefined, isStatic: false };
  }

  /** Pods this kubelet runs (for the kubelet API): static pods by their mirror pods' names too. */
  podByName(namespace: string, name: string): Pod | undefined {
    return this.desired(`${namespace}/${name}`).pod;
  }

  /** Every pod this kubelet runs: the API's (mirror pods excepted) and the static ones. */
  runningPods(): Pod[] {
    return [...this.o.pods.store.list().filter((p) => !isMirrorPod(p)), ...(this.o.staticPods?.list() ?? [])];
  }

  /** Make the API's mirror pod match the static pod (or go, when the static pod is gone). API errors are logged and retried. */
  private async syncMirrorPod(key: string, staticPod: Pod | undefined, mirror: Pod | undefined): Promise<void> {
    const node = this.o.node?.();
    const decision = decideMirrorPod(staticPod, mirror, !!node);
    if (decision.action === 'none') return;
    const [ns, name] = key.split('/') as [string, string];
    try {
      if (decision.action === 'delete' || decision.action === 'recreate') {
        this.log.info('deleting mirror pod', { pod: key, reason: decision.action === 'recreate' ? decision.reason : 'static pod removed' });
        try {
          await this.o.client.delete(PODS(), ns, name, { gracePeriodSeconds: 0, preconditions: { uid: decision.deleteUid } });
        } catch (e) {
          if (!(e instanceof KubeError) || (e.reason !== 'NotFound' && e.reason !== 'Conflict')) throw e;
        }
      }
      if ((decision.action === 'create' || decision.action === 'recreate') && staticPod && node) {
        try {
          await this.o.client.create(PODS(), ns, mirrorPodFor(staticPod, node));
          this.log.info('created mirror pod', { pod: key, hash: staticPod.metadata.uid });
        } catch (e) {
          // The old one may still be going: the delete event brings this key back.
          if (!(e instanceof KubeError) || e.reason !== 'AlreadyExists') throw e;
        }
      }
    } catch (e) {
      this.log.warn('mirror pod sync failed', { pod: key, error: e as Error });
      this.enqueueAfter(key, 5_000);
    }
  }

  protected async sync(key: string): Promise<void> {
    const { pod, mirror, isStatic } = this.desired(key);
    if (!isStatic) return this.syncDesired(key, pod);
    // A static pod runs first and its mirror pod follows: an API server that is down or hangs never holds it back.
    try {
      await this.syncDesired(key, pod);
    } finally {
      await this.syncMirrorPod(key, pod, mirror);
    }
  }

  /** Run, stop or clean up what `pod` (from the API or a static pod) asks for. */
  private async syncDesired(key: string, pod: Pod | undefined): Promise<void> {
    const decision = decidePodWork({ pod, knownUid: this.known.get(key), terminating: (uid) => this.terminating.has(uid) });
    if (decision.cleanup) {
      await this.killPod(decision.cleanup.uid, decision.cleanup.gracePeriodSeconds);
      this.known.delete(key);
    }
    if (!pod) return;
    this.known.set(key, pod.metadata.uid);
    switch (decision.work) {
      case 'none':
        return;
      case 'terminate':
        return this.terminatePod(pod);
      case 'stop-terminal': {
        const plan = planTerminalStop(pod, await this.listPodContainers(pod.metadata.uid));
        await this.stopInStages(plan.stages.map((ids) => ids.map((id) => ({ id }))), plan.gracePeriodSeconds);
        return;
      }
      case 'run':
        return this.syncPod(key, pod);
    }
  }

  private listPodContainers(uid: string): Promise<ContainerStatus[]> {
    return this.o.runtime.listContainers({ labels: { [LABELS.podUid]: uid } });
  }

  /** Record what a decision asks for besides runtime calls: events, a container's waiting reason, a resync, back-off. */
  private record(st: SyncState, container: string | undefined, backoffKey: string | undefined, e: Effects): void {
    for (const ev of e.events) this.o.recorder.event(ev.ref, ev.type, ev.reason, ev.message);
    if (e.waiting && container !== undefined) st.waiting[container] = e.waiting;
    if (e.requeueAfterMs !== undefined) st.requeueMs = Math.min(st.requeueMs ?? Infinity, e.requeueAfterMs);
    if (e.recordCrashBackoff && backoffKey !== undefined) this.crashBackoff.next(backoffKey, this.now());
  }

  /**
   * What the pod's env and volumes read from the API: ConfigMaps, Secrets, claims and their volumes
   * (missing ones are absent), and the tokens of its serviceAccountToken projections (or why not).
   */
  private async loadSources(pod: Pod): Promise<VolumeSources> {
    const { cms, secrets } = referencedSources(pod);
    const ns = pod.metadata.namespace;
    const get = async <T>(info: ReturnType<typeof CONFIGMAPS>, namespace: string | undefined, name: string): Promise<T | undefined> => {
      try {
        return await this.o.client.get<T>(info, namespace, name);
      } catch (e) {
        if (e instanceof KubeError && e.reason === 'NotFound') return undefined;
        throw e;
      }
    };
    const cmMap = new Map<string, ConfigMap | undefined>();
    const secMap = new Map<string, Secret | undefined>();
    const claimMap = new Map<string, PersistentVolumeClaim | FetchError | undefined>();
    const pvMap = new Map<string, PersistentVolume | FetchError | undefined>();
    // Claims and volumes: a refusal (the Node authorizer's, say) is a FailedMount of the pod, not a failed sync.
    const read = async <T>(info: ReturnType<typeof CONFIGMAPS>, namespace: string | undefined, name: string): Promise<T | FetchError | undefined> => {
      try {
        return await get<T>(info, namespace, name);
      } catch (e) {
        if (e instanceof KubeError) return { fetchError: e.message };
        throw e;
      }
    };
    const tokenMap = new Map<string, { token: string } | { error: string }>();
    await Promise.all([...cms].map(async (n) => cmMap.set(n, await get<ConfigMap>(CONFIGMAPS(), ns, n))));
    await Promise.all([...secrets].map(async (n) => secMap.set(n, await get<Secret>(SECRETS(), ns, n))));
    await Promise.all(
      claimNames(pod).map(async (n) => {
        const claim = await read<PersistentVolumeClaim>(CLAIMS(), ns, n);
        claimMap.set(n, claim);
        const pv = claim && !('fetchError' in claim) ? boundVolumeName(claim) : undefined;
        if (pv) pvMap.set(pv, await read<PersistentVolume>(PVS(), undefined, pv));
      }),
    );
    const sa = pod.spec.serviceAccountName || 'default';
    await Promise.all(
      tokenProjections(pod).map(async (t) => {
        try {
          const token = await this.tokens.get(ns, sa, podTokenRequest(pod.metadata, t.audience, t.expirationSeconds));
          tokenMap.set(tokenProjectionKey(t), { token });
        } catch (e) {
          tokenMap.set(tokenProjectionKey(t), { error: (e as Error).message });
        }
      }),
    );
    return {
      configMap: (n) => cmMap.get(n),
      secret: (n) => secMap.get(n),
      claim: (n) => claimMap.get(n),
      persistentVolume: (n) => pvMap.get(n),
      token: (t) => tokenMap.get(tokenProjectionKey(t)),
    };
  }

  private async syncPod(key: string, pod: Pod): Promise<void> {
    const uid: string = pod.metadata.uid;
    const now = this.now();
    const st: SyncState = { key, pod, waiting: {}, requeueMs: undefined };
    let podIP: string | undefined;
    let sandboxReady = false;
    const startTime: string = pod.status?.startTime ?? rfc3339(now);
    const hostNetwork = pod.spec.hostNetwork === true;

    const finish = async (containers: ContainerStatus[], initFailed: boolean) => {
      this.waiting.set(uid, st.waiting);
      await this.writeStatus(pod, containers, initFailed, { podIP, sandboxReady, startTime, waiting: st.waiting });
      if (st.requeueMs !== undefined) this.enqueueAfter(key, st.requeueMs);
    };

    // 0. the sandbox's names and DNS, decided before its network as upstream's generatePodSandboxConfig
    const names = podNames(pod, this.o.dns.clusterDomain, this.o.nodeName);
    if (!names.ok) {
      this.record(st, undefined, undefined, sandboxFailed(pod, names.error));
      return finish([], false);
    }
    const dnsError = this.ensureResolvConf(pod);
    if (dnsError !== undefined) {
      this.record(st, undefined, undefined, sandboxFailed(pod, dnsError));
      return finish([], false);
    }

    // 1. the pod's network (CNI ADD is idempotent: an existing sandbox gives its recorded result);
    //    a host-network pod has the node's (its IP is the node's), as upstream
    try {
      podIP = hostNetwork ? this.o.nodeIP : (await this.o.cni.setUp(uid, this.o.podCIDR())).ip;
      sandboxReady = true;
    } catch (e) {
      this.record(st, undefined, undefined, sandboxFailed(pod, (e as Error).message));
      return finish([], false);
    }

    // 2. volumes and the sources of env / volumes
    const sources = await this.loadSources(pod);
    let plans: VolumePlan[];
    try {
      plans = planVolumes(pod, this.podDir(uid), sources, {
        podIP, hostIP: this.o.nodeIP, nodeName: this.o.nodeName, ...(this.o.nodeMemoryBytes !== undefined ? { nodeMemoryBytes: this.o.nodeMemoryBytes } : {}),
      });
      applyVolumes(plans, this.mounter, new Date(this.now()));
      mkdirSync(this.podDir(uid), { recursive: true });
      writeFileSync(join(this.podDir(uid), POD_FILE_NAMES.hostname), `${names.value.uts}\n`);
    } catch (e) {
      if (!(e instanceof VolumeError)) throw e;
      this.record(st, undefined, undefined, mountFailed(pod, e.message));
      return finish(await this.listPodContainers(uid), false);
    }
    // An emptyDir over its sizeLimit: the pod is evicted (upstream's eviction manager, local storage).
    const over = this.emptyDirOverLimit(pod);
    if (over) return this.evictPod(pod, over, { podIP, startTime });

    // 3. containers
    let containers = await this.listPodContainers(uid);
    for (const c of containers) this.idToKey.set(c.id, key);
    const decision = computePodActions(pod, containers, {
      now,
      backoff: this.crashBackoff,
      livenessFailed: (_n, id) => this.probes.verdict(id, 'liveness') === false,
      startupSucceeded: (_n, id) => this.probes.verdict(id, 'startup'),
      startupFailed: (_n, id) => this.probes.failed(id, 'startup'),
    });
    Object.assign(st.waiting, decision.waiting);
    if (decision.requeueAfterMs !== undefined) this.record(st, undefined, undefined, { events: [], requeueAfterMs: decision.requeueAfterMs });
    for (const a of decision.actions) {
      const ok = await this.perform(st, a, { sources, plans, podIP, names: names.value });
      // A regular init container that did not start holds the rest back; a sidecar's failed start is skipped (upstream's SyncPod).
      if (!ok && a.type === 'start' && a.init && !isRestartableInitContainer(a.container)) break;
    }
    if (decision.actions.length) containers = await this.listPodContainers(uid);

    // 4. probes for running containers
    const probes = planProbes(pod, containers, this.o.runtimeName);
    for (const id of probes.track) this.idToKey.set(id, key);
    for (const p of probes.steps) {
      if (p.type === 'ensure') this.probes.ensure(key, p.container, p.id, p.startedAt, podIP, p.seed);
      else this.probes.stopContainer(p.id);
    }
    return finish(containers, decision.initFailed);
  }

  /** One container action of computePodActions; false when a start did not happen (an init container then blocks the rest). */
  private async perform(st: SyncState, a: PodAction, x: { sources: EnvSources; plans: VolumePlan[]; podIP?: string; names: { hostname: string; domain: string; uts: string } }): Promise<boolean> {
    const rt = this.o.runtime;
    const pod = st.pod;
    if (a.type === 'remove') {
      await rt.removeContainer(a.id);
      this.idToKey.delete(a.id);
      return true;
    }
    if (a.type === 'kill') {
      const kill = planKill(pod, a);
      this.record(st, a.name, undefined, kill.effects);
      this.probes.stopContainer(a.id);
      // The sidecars of a finished pod stop one after the other within one grace period (stopInStages' rule).
      const grace = a.stopsPod ? remainingGraceSeconds(kill.gracePeriodSeconds, Date.now() - (st.stopStartedAt ??= Date.now())) : kill.gracePeriodSeconds;
      await rt.stopContainer(a.id, grace);
      return true;
    }
    const c = a.container;
    if (!(await this.ensureImage(st, c))) return false;
    let env: { name: string; value: string }[];
    let mounts;
    try {
      const serviceEnv = serviceEnvForPod(this.o.services?.() ?? [], pod.metadata.namespace, pod.spec.enableServiceLinks !== false);
      env = buildEnv(pod, c, x.sources, { podIP: x.podIP, hostIP: this.o.nodeIP, nodeName: this.o.nodeName, serviceEnv });
      mounts = containerMounts(c, x.plans, { realpath: realpathOfExisting, mkdirp: (p) => mkdirSync(p, { recursive: true, mode: 0o755 }) }, env);
    } catch (e) {
      if (!(e instanceof ConfigError) && !(e instanceof VolumeError)) throw e;
      this.record(st, c.name, a.backoffKey, configFailed(pod, c, e.message));
      return false;
    }
    const logDir = containerLogDir(this.o.podLogsDir, pod, c);
    mkdirSync(logDir, { recursive: true });
    let podFiles: PodFiles;
    try {
      podFiles = this.writeHostsFile(pod, x.podIP, x.names);
    } catch (e) {
      // As upstream's makeMounts failing in GenerateRunContainerOptions: CreateContainerConfigError.
      this.record(st, c.name, a.backoffKey, configFailed(pod, c, (e as Error).message));
      return false;
    }
    const netnsPath = pod.spec.hostNetwork === true ? this.hostNetnsPath() : this.o.cni.netnsPath(pod.metadata.uid);
    const spec = containerSpec({ pod, start: a, env, mounts, netnsPath, podDir: this.podDir(pod.metadata.uid), logDir, hostname: x.names.uts, podFiles });
    this.record(st, c.name, a.backoffKey, startAttempt(a));
    let id: string;
    try {
      id = await rt.createContainer(spec);
    } catch (e) {
      this.record(st, c.name, a.backoffKey, createFailed(pod, c, (e as Error).message));
      return false;
    }
    this.idToKey.set(id, st.key);
    this.record(st, c.name, a.backoffKey, created(pod, c));
    try {
      await rt.startContainer(id);
      this.record(st, c.name, a.backoffKey, started(pod, c));
      return true;
    } catch (e) {
      this.record(st, c.name, a.backoffKey, startFailed(pod, a, (e as Error).message));
      return false;
    }
  }

  private hostNetnsPath(): string {
    return this.o.hostNetnsPath ?? `/proc/${process.pid}/ns/net`;
  }

  private readHostFile(path: string): string {
    return (this.o.readHostFile ?? ((p: string) => readFileSync(p, 'utf8')))(path);
  }

  /**
   * The pod's resolv.conf, made once per sandbox (pod directory) as upstream's GetPodDNS at
   * RunPodSandbox: its events are recorded then; an error (an unreadable --resolv-conf) is returned.
   */
  private ensureResolvConf(pod: Pod): string | undefined {
    const file = join(this.podDir(pod.metadata.uid), POD_FILE_NAMES.resolvConf);
    if (existsSync(file)) return undefined;
    let host: HostResolvConf | undefined;
    if (this.o.dns.resolvConf !== '') {
      try {
        host = { text: this.readHostFile(this.o.dns.resolvConf) };
      } catch (e) {
        host = { error: goOpenError(this.o.dns.resolvConf, e) };
      }
    }
    const r = podResolvConf(pod, this.o.dns, host);
    for (const ev of r.events) {
      const ref = ev.on === 'pod' ? pod : { apiVersion: 'v1', kind: 'Node', metadata: { name: this.o.nodeName, uid: this.o.nodeName } };
      this.o.recorder.event(ref, ev.type, ev.reason, ev.message);
    }
    if (!r.ok) return r.error;
    mkdirSync(this.podDir(pod.metadata.uid), { recursive: true });
    writeFileSync(file, r.resolvConf, { mode: 0o644 });
    return undefined;
  }

  /** The pod's /etc/hosts, rewritten before each container start as upstream's makeHostsMount; which pod files exist. */
  private writeHostsFile(pod: Pod, podIP: string | undefined, names: { hostname: string; domain: string }): PodFiles {
    const dir = this.podDir(pod.metadata.uid);
    // Upstream mounts no hosts file while the pod has no IP.
    const hosts = podIP !== undefined;
    if (hosts) {
      let nodeHosts = '';
      if (pod.spec.hostNetwork === true) {
        try {
          nodeHosts = this.readHostFile(NODE_HOSTS_PATH);
        } catch (e) {
          throw new KubeError('InternalError', goOpenError(NODE_HOSTS_PATH, e), { code: 'ERR_CONTAINER_CONFIG' });
        }
      }
      writeFileSync(join(dir, POD_FILE_NAMES.hosts), podHostsFile(pod, { podIPs: [podIP], hostname: names.hostname, domain: names.domain, nodeHosts }), { mode: 0o644 });
    }
    return { hosts, resolvConf: existsSync(join(dir, POD_FILE_NAMES.resolvConf)), hostname: existsSync(join(dir, POD_FILE_NAMES.hostname)) };
  }

  /** The image of a container about to start: present, pulled now, or a reason to wait. */
  private async ensureImage(st: SyncState, c: Container): Promise<boolean> {
    const image: string = c.image;
    const pod = st.pod;
    const present = await this.o.runtime.imageStatus(image).catch(() => undefined);
    if (present && !this.imageRefs[image]) this.imageRefs[image] = present.repoDigests[0] ?? present.imageId;
    const bkey = pullBackoffKey(pod, image);
    const decision = decideImage({ pod, container: c, present: !!present, pullFailedAt: this.pullFailedAt.get(bkey), pullBackoff: this.pullBackoff, now: this.now() });
    this.record(st, c.name, undefined, decision.effects);
    if (decision.next !== 'pull') return decision.next === 'use';
    const t0 = Date.now();
    try {
      const r = await this.o.runtime.pullImage(image, this.o.pull);
      this.imageRefs[image] = r.imageRef;
      this.pullFailedAt.delete(bkey);
      const secs = ((Date.now() - t0) / 1000).toFixed(3);
      const size = (await this.o.runtime.imageStatus(image).catch(() => undefined))?.size ?? 0;
      this.record(st, c.name, undefined, pulled(pod, c, secs, size));
      return true;
    } catch (e) {
      // The back-off window starts when the pull failed (a slow failing pull must not eat it).
      const failed = this.now();
      const delay = this.pullBackoff.next(bkey, failed);
      this.pullFailedAt.set(bkey, failed);
      this.record(st, c.name, undefined, pullFailed(pod, c, (e as Error).message, delay));
      return false;
    }
  }

  /** The eviction message when one of the pod's emptyDirs uses more than its sizeLimit (measured as du does). */
  private emptyDirOverLimit(pod: Pod): string | undefined {
    const dir = (name: string) => join(this.podDir(pod.metadata.uid), 'volumes', 'kubernetes.io~empty-dir', name);
    return emptyDirLimitExceeded(pod, (name) => diskUsageBytes(dir(name)));
  }

  /** Pods over an emptyDir sizeLimit are synced now (upstream's eviction manager looks every 10 s). */
  checkEmptyDirLimits(): void {
    for (const pod of this.runningPods()) {
      if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded' || pod.metadata.deletionTimestamp) continue;
      if (this.emptyDirOverLimit(pod)) this.enqueue(`${pod.metadata.namespace}/${pod.metadata.name}`);
    }
  }

  /**
   * upstream's evictPod: a Warning event Evicted, the containers killed at once (grace 0), and the status
   * Failed with reason Evicted and the message; the pod object stays (as upstream, for its owner to replace).
   */
  private async evictPod(pod: Pod, message: string, s: { podIP: string | undefined; startTime: string }): Promise<void> {
    const uid: string = pod.metadata.uid;
    this.log.info('evicting pod', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, message });
    this.o.recorder.event(podRef(pod), 'Warning', 'Evicted', message);
    for (const id of runningIds(await this.listPodContainers(uid))) {
      this.probes.stopContainer(id);
      await this.o.runtime.stopContainer(id, 0);
    }
    await this.writeStatus(pod, await this.listPodContainers(uid), false, {
      ...(s.podIP ? { podIP: s.podIP } : {}), sandboxReady: false, startTime: s.startTime, waiting: {}, terminating: true,
      override: { phase: 'Failed', reason: 'Evicted', message },
    });
  }

  private async writeStatus(pod: Pod, containers: ContainerStatus[], initFailed: boolean, s: { podIP?: string; sandboxReady: boolean; startTime: string; waiting: Record<string, Waiting>; terminating?: boolean; override?: { phase: string; reason: string; message: string } }): Promise<void> {
    const computed = computePodStatus(pod, containers, initFailed, {
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
    const status = s.override ? { ...computed, ...s.override } : computed;
    const uid: string = pod.metadata.uid;
    const { write, text } = decideStatusWrite(pod.status, status, this.lastStatus.get(uid));
    if (!write) return;
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
  private async terminatePod(pod: Pod): Promise<void> {
    const uid: string = pod.metadata.uid;
    this.terminating.add(uid);
    try {
      const plan = planTermination(pod, await this.listPodContainers(uid));
      await this.stopInStages(plan.stages, plan.gracePeriodSeconds);
      const after = await this.listPodContainers(uid);
      await this.writeStatus(pod, after, false, {
        ...(this.o.cni.recorded(uid) ? { podIP: this.o.cni.recorded(uid)!.ip } : {}),
        sandboxReady: false,
        startTime: pod.status?.startTime ?? rfc3339(this.now()),
        waiting: {},
        terminating: true,
      }).catch(() => undefined);
      await this.cleanupPod(uid);
      try {
        await this.o.client.delete(PODS(), pod.metadata.namespace, pod.metadata.name, plan.delete);
      } catch (e) {
        if (!(e instanceof KubeError) || (e.reason !== 'NotFound' && e.reason !== 'Conflict')) throw e;
      }
    } finally {
      this.terminating.delete(uid);
    }
  }

  /**
   * Stop containers stage after stage (stopStages: the app containers together, then each sidecar in reverse order),
   * within one grace period: a later stage gets what is left of it (at least 2 s), as upstream's terminationOrdering.
   */
  private async stopInStages(stages: { id: string; event?: PodEvent }[][], grace: number): Promise<void> {
    const t0 = Date.now();
    for (const stage of stages) {
      const g = remainingGraceSeconds(grace, Date.now() - t0);
      await Promise.all(
        stage.map(async ({ id, event }) => {
          if (event) this.o.recorder.event(event.ref, event.type, event.reason, event.message);
          this.probes.stopContainer(id);
          await this.o.runtime.stopContainer(id, g);
        }),
      );
    }
  }

  /** Stop and remove a pod's containers, tear its network down, drop its files. */
  async killPod(uid: string, grace: number): Promise<void> {
    const containers = await this.listPodContainers(uid);
    await Promise.all(runningIds(containers).map((id) => this.o.runtime.stopContainer(id, grace)));
    await this.cleanupPod(uid);
  }

  private async cleanupPod(uid: string): Promise<void> {
    const containers = await this.listPodContainers(uid);
    for (const c of containers) {
      this.probes.stopContainer(c.id);
      await this.o.runtime.removeContainer(c.id);
      this.idToKey.delete(c.id);
    }
    await this.o.cni.tearDown(uid);
    this.removePodDir(uid);
    this.tokens.forgetPod(uid);
    this.crashBackoff.forgetPrefix(`${uid}/`);
    this.pullBackoff.forgetPrefix(`${uid}/`);
    this.waiting.delete(uid);
    this.lastStatus.delete(uid);
    this.writtenStatus.delete(uid);
  }

  /**
   * A pod's directory goes after its mounts (memory-backed emptyDirs) are unmounted, deepest first; a mount
   * that does not go keeps the directory (rm would empty the tmpfs and fail) and the error retries the cleanup.
   */
  private removePodDir(uid: string): void {
    const dir = this.podDir(uid);
    for (const mp of mountsUnder(this.mounter.mountInfo(), realpathOfExisting(dir))) this.mounter.unmount(mp);
    rmSync(dir, { recursive: true, force: true });
  }

  /** The uids of the pod directories under <root-dir>/pods. */
  private podDirUids(): string[] {
    try {
      return readdirSync(join(this.o.rootDir, 'pods'));
    } catch {
      return [];
    }
  }

  /** Containers, pod networks and pod directories of pods that no longer exist here (after a restart or a missed delete). */
  async cleanupOrphans(): Promise<number> {
    // List what the runtime and CNI hold FIRST, and take the live set after: a pod that arrives while the
    // runtime is being listed already has a sandbox or netns, and must count as live, not as an orphan.
    const containers = await this.o.runtime.listContainers();
    this.tokens.gc();
    const netUids = this.o.cni.listUids();
    const dirUids = this.podDirUids();
    const live = new Set(this.runningPods().map((p) => p.metadata.uid as string));
    for (const [key, uid] of this.known) {
      if (this.desired(key).pod) live.add(uid);
      else live.delete(uid);
    }
    const orphans = new Set<string>();
    for (const c of containers) {
      const uid = c.labels[LABELS.podUid];
      if (uid && !live.has(uid)) orphans.add(uid);
    }
    for (const uid of [...netUids, ...dirUids]) if (!live.has(uid)) orphans.add(uid);
    for (const uid of orphans) {
      if (this.terminating.has(uid)) continue;
      this.log.info('removing orphaned pod', { uid });
      await this.killPod(uid, 2).catch((e: unknown) => this.log.warn('orphan cleanup failed', { uid, error: e as Error }));
    }
    return orphans.size;
  }
}
