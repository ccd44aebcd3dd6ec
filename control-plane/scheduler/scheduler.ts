/**
 * The scheduler's adapter: informers feed the cache and the queue; one pod at a time is popped,
 * handed with a snapshot to the pure `schedulePod`, then either assumed + bound through
 * `pods/binding` (in the background, so the next cycle starts at once) or sent back to the queue
 * with PodScheduled=False and a FailedScheduling event, as upstream's scheduleOne.
 *
 *   pods informer ─┬─ unassigned, ours ──> queue.add/update/delete
 *                  └─ assigned ─────────> cache.addOrUpdatePod/removePod (confirms assumed pods)
 *   nodes informer ───────────────────────> cache nodes; queue.moveAllToActiveOrBackoff
 *   services / replicasets informers ─────> cache (default spreading selectors)
 *
 *   loop: pop ─> schedulePod(pod, cache.snapshot(), profile) ─┬─ node: cache.assume ─> bind ─> Scheduled event
 *                                                              │                     └─ bind failed: forget, requeue
 *                                                              └─ none: queue.addUnschedulable, condition, event
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { updateCondition } from '../../api/conditions.js';
import { rfc3339 } from '../../api/time.js';
import { isPodTerminal } from '../../api/pods.js';
import { KubeError, isKubeError } from '../../api/errors.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import type { ApiClient } from '../../api/client/api-client.js';
import { EventRecorder } from '../../api/client/event-recorder.js';
import { Informer } from '../../api/client/informer.js';
import { LeaderElector } from '../../api/client/leader-election.js';
import { consoleLogger, type Logger } from '../../api/client/log.js';
import { type PreemptionPlan, type ScheduleResult, schedulePod } from './algorithm.js';
import { DISRUPTION_TARGET, REASON_PREEMPTION_BY_SCHEDULER } from './plugins/default-preemption.js';
import { SchedulerCache, DEFAULT_ASSUMED_POD_TTL_MS } from './cache.js';
import { type BindPlugin, CycleState, type Profile, type Status, errorStatus, isSuccess, podKey, podPriority, success } from './framework.js';
import { DEFAULT_SCHEDULER_NAME, defaultProfile } from './profile.js';
import { POD_TOPOLOGY_SPREAD, DEFAULT_BINDER } from './plugins/names.js';
import { type QueuedPodInfo, SchedulingQueue } from './queue.js';
import type { SchedNode, SchedPod, SchedPodCondition, SchedPV, SchedPVC, SchedReplicaSetLike, SchedService, SchedStorageClass } from './types.js';
import type { VolumeBinder } from './plugins/volume-binding.js';

// ---------------------------------------------------------------------------------------------
// Pure helpers (tested directly)

/** upstream: a pod this scheduler must place: no node yet, our schedulerName, not being deleted. */
export function isResponsible(pod: SchedPod, schedulerName: string): boolean {
  return !pod.spec.nodeName && (pod.spec.schedulerName || DEFAULT_SCHEDULER_NAME) === schedulerName && !pod.metadata.deletionTimestamp;
}

export const isAssigned = (pod: SchedPod): boolean => !!pod.spec.nodeName;

/** Did a node change in a way that can make an unschedulable pod fit? */
export function nodeSchedulingPropertiesChanged(oldNode: SchedNode, newNode: SchedNode): boolean {
  const j = (v: unknown) => JSON.stringify(v ?? null);
  return (
    !!oldNode.spec?.unschedulable !== !!newNode.spec?.unschedulable ||
    j(oldNode.status?.allocatable) !== j(newNode.status?.allocatable) ||
    j(oldNode.metadata.labels) !== j(newNode.metadata.labels) ||
    j(oldNode.spec?.taints) !== j(newNode.spec?.taints)
  );
}

/**
 * The pod's conditions with PodScheduled set (upstream podutil.UpdatePodCondition):
 * lastTransitionTime kept when the status does not change; null when nothing changes.
 */
export function withPodScheduledCondition(
  pod: SchedPod,
  cond: { status: 'True' | 'False'; reason: string; message: string },
  now: string,
): SchedPodCondition[] | null {
  const next: SchedPodCondition = {
    type: 'PodScheduled',
    status: cond.status,
    lastProbeTime: null,
    lastTransitionTime: now,
    reason: cond.reason,
    message: cond.message,
  };
  return updateCondition(pod.status?.conditions, next);
}

/** The condition a preemption victim gets before it is deleted (upstream prepareCandidate). */
export function disruptionTargetCondition(schedulerName: string, now: string): SchedPodCondition {
  return {
    type: DISRUPTION_TARGET,
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: now,
    reason: REASON_PREEMPTION_BY_SCHEDULER,
    message: `${schedulerName}: preempting to accommodate a higher priority pod`,
  };
}

/** upstream truncateMessage: event messages are cut to 1024 characters. */
export function truncateMessage(message: string, max = 1024): string {
  if (message.length <= max) return message;
  const suffix = ' ...';
  return message.slice(0, max - suffix.length) + suffix;
}

// ---------------------------------------------------------------------------------------------
// Binder

function podsResource(): ResourceInfo {
  const info = findResource('', 'pods');
  if (!info) throw new KubeError('InternalError', 'pods missing from RESOURCES');
  return info;
}

/** DefaultBinder: POST pods/{name}/binding. */
export class DefaultBinder implements BindPlugin {
  readonly name = DEFAULT_BINDER;
  constructor(private readonly client: ApiClient) {}
  async bind(pod: SchedPod, nodeName: string): Promise<Status> {
    try {
      await this.client.bind(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', nodeName, pod.metadata.uid);
      return success();
    } catch (e) {
      return errorStatus((e as Error).message);
    }
  }
}

/** VolumeBinding's API adapter: PUTs of volumes and claims, GETs while it waits for the PV controller. */
export class ApiVolumeBinder implements VolumeBinder {
  constructor(private readonly client: ApiClient) {}
  private res(group: string, plural: string): ResourceInfo {
    const info = findResource(group, plural);
    if (!info) throw new KubeError('InternalError', `${plural} missing from RESOURCES`);
    return info;
  }
  async updateVolume(pv: SchedPV): Promise<void> {
    await this.client.update(this.res('', 'persistentvolumes'), pv);
  }
  async updateClaim(pvc: SchedPVC): Promise<void> {
    await this.client.update(this.res('', 'persistentvolumeclaims'), pvc);
  }
  async getClaim(namespace: string, name: string): Promise<SchedPVC | undefined> {
    try {
      return await this.client.get<SchedPVC>(this.res('', 'persistentvolumeclaims'), namespace, name);
    } catch (e) {
      if (isKubeError(e, 'NotFound')) return undefined;
      throw e;
    }
  }
  async getVolume(name: string): Promise<SchedPV | undefined> {
    try {
      return await this.client.get<SchedPV>(this.res('', 'persistentvolumes'), undefined, name);
    } catch (e) {
      if (isKubeError(e, 'NotFound')) return undefined;
      throw e;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Scheduler

export interface SchedulerOptions {
  client: ApiClient;
  schedulerName?: string;
  /** Default: the default profile with DefaultBinder. */
  profile?: Profile;
  logger?: Logger;
  recorder?: EventRecorder;
  assumedPodTtlMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Binding cycles running at once (upstream: unbounded goroutines). Default 100. */
  parallelBinds?: number;
  now?: () => number;
  random?: () => number;
  /** Informer resync period; default none. */
  resyncPeriodMs?: number;
}

export interface SchedulerStats {
  attempts: number;
  scheduled: number;
  unschedulable: number;
  errors: number;
  bindFailures: number;
}

export class Scheduler {
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly profile: Profile;
  readonly schedulerName: string;
  readonly stats: SchedulerStats = { attempts: 0, scheduled: 0, unschedulable: 0, errors: 0, bindFailures: 0 };
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly recorder: EventRecorder;
  private readonly now: () => number;
  private readonly informers: Informer[] = [];
  private nodeInformer?: Informer<SchedNode>;
  private podInformer?: Informer<SchedPod>;
  private nextStartNodeIndex = 0;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private bindsInFlight = 0;
  private readonly bindSlotWaiters: Array<() => void> = [];
  private readonly parallelBinds: number;
  private readonly pendingBinds = new Set<Promise<void>>();
  private running = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.client = opts.client;
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.log = opts.logger ?? consoleLogger('scheduler');
    this.now = opts.now ?? Date.now;
    this.recorder = opts.recorder ?? new EventRecorder(opts.client, { component: this.schedulerName, logger: this.log });
    this.profile = opts.profile ?? defaultProfile({
      schedulerName: this.schedulerName,
      bind: [new DefaultBinder(opts.client)],
      preemption: { now: this.now, ...(opts.random ? { random: opts.random } : {}) },
      volumeBinding: { binder: new ApiVolumeBinder(opts.client) },
    });
    if (this.profile.bind.length === 0) this.profile.bind.push(new DefaultBinder(opts.client));
    this.cache = new SchedulerCache(opts.assumedPodTtlMs ?? DEFAULT_ASSUMED_POD_TTL_MS);
    this.queue = new SchedulingQueue({ initialBackoffMs: opts.initialBackoffMs, maxBackoffMs: opts.maxBackoffMs, now: this.now });
    this.parallelBinds = opts.parallelBinds ?? 100;
  }

  // -- informers -------------------------------------------------------------------------------

  /** Start the informers (every candidate runs them, leader or not) and wait until they synced. */
  async startInformers(signal?: AbortSignal): Promise<boolean> {
    const mk = <T>(info: ResourceInfo | undefined): Informer<T> | undefined => {
      if (!info) return undefined;
      const inf = new Informer<T>({ client: this.client, resource: info, resyncPeriodMs: this.opts.resyncPeriodMs, logger: this.log });
      this.informers.push(inf as Informer);
      return inf;
    };
    this.nodeInformer = mk<SchedNode>(findResource('', 'nodes'));
    this.podInformer = mk<SchedPod>(findResource('', 'pods'));
    const nodes = this.nodeInformer!;
    const pods = this.podInformer!;
    nodes.on('add', (n: SchedNode) => this.onNodeAdd(n));
    nodes.on('update', (o: SchedNode, n: SchedNode) => this.onNodeUpdate(o, n));
    nodes.on('delete', (n: SchedNode) => this.cache.removeNode(n.metadata.name ?? ''));
    pods.on('add', (p: SchedPod) => this.onPodAdd(p));
    pods.on('update', (o: SchedPod, p: SchedPod) => this.onPodUpdate(o, p));
    pods.on('delete', (p: SchedPod) => this.onPodDelete(p));

    const services = mk<SchedService>(findResource('', 'services'));
    services?.on('add', (s: SchedService) => this.cache.setService(s));
    services?.on('update', (_o: SchedService, s: SchedService) => this.cache.setService(s));
    services?.on('delete', (s: SchedService) => this.cache.deleteService(s));
    for (const [group, plural, kind] of [
      ['apps', 'replicasets', 'ReplicaSet'],
      ['apps', 'statefulsets', 'StatefulSet'],
      ['', 'replicationcontrollers', 'ReplicationController'],
    ] as const) {
      const inf = mk<SchedReplicaSetLike>(findResource(group, plural));
      inf?.on('add', (o: SchedReplicaSetLike) => this.cache.setController(kind, o));
      inf?.on('update', (_o: SchedReplicaSetLike, o: SchedReplicaSetLike) => this.cache.setController(kind, o));
      inf?.on('delete', (o: SchedReplicaSetLike) => this.cache.deleteController(kind, o));
    }
    // Storage objects for VolumeBinding; any change may make a pod waiting for its volumes fit (coarse queueing hint).
    const pvs = mk<SchedPV>(findResource('', 'persistentvolumes'));
    const pvcs = mk<SchedPVC>(findResource('', 'persistentvolumeclaims'));
    const classes = mk<SchedStorageClass>(findResource('storage.k8s.io', 'storageclasses'));
    const onChange = (inf: Informer<unknown> | undefined, event: string) => {
      const move = () => this.queue.moveAllToActiveOrBackoff(event);
      inf?.on('add', move);
      inf?.on('update', move);
      inf?.on('delete', move);
    };
    onChange(pvs as Informer<unknown> | undefined, 'PersistentVolumeChange');
    onChange(pvcs as Informer<unknown> | undefined, 'PersistentVolumeClaimChange');
    onChange(classes as Informer<unknown> | undefined, 'StorageClassChange');
    this.cache.setVolumeLister({
      claim: (ns, name) => pvcs?.store.get(`${ns}/${name}`),
      volume: (name) => pvs?.store.get(name),
      volumes: () => pvs?.store.list() ?? [],
      storageClass: (name) => classes?.store.get(name),
    });
    for (const inf of this.informers) inf.start();
    const synced = await Promise.all(this.informers.map((i) => i.waitForSync(signal)));
    return synced.every(Boolean);
  }

  onNodeAdd(n: SchedNode): void {
    this.cache.addOrUpdateNode(n);
    this.queue.moveAllToActiveOrBackoff('NodeAdd');
  }

  onNodeUpdate(o: SchedNode, n: SchedNode): void {
    this.cache.addOrUpdateNode(n);
    if (nodeSchedulingPropertiesChanged(o, n)) this.queue.moveAllToActiveOrBackoff('NodeUpdate');
  }

  onPodAdd(p: SchedPod): void {
    if (isAssigned(p)) {
      if (isPodTerminal(p)) return; // terminated pods hold no resources (upstream's informer drops them)
      this.cache.addOrUpdatePod(p);
      // A new neighbour only matters to pods rejected by spreading (upstream queueing hints).
      this.queue.moveAllToActiveOrBackoff('AssignedPodAdd', (q) => q.unschedulablePlugins.has(POD_TOPOLOGY_SPREAD));
    } else if (isResponsible(p, this.schedulerName)) {
      if (p.status?.nominatedNodeName) this.cache.nominate(p, p.status.nominatedNodeName);
      this.queue.add(p);
    }
  }

  /**
   * A pending pod's nomination from an informer update (upstream updateNominatedPodUnlocked): the status says it,
   * except that an update where neither side has one keeps the nomination this scheduler made and has not seen
   * written back yet.
   */
  private renominate(o: SchedPod, p: SchedPod): void {
    const before = o.status?.nominatedNodeName ?? '';
    const now = p.status?.nominatedNodeName ?? '';
    if (!before && !now) {
      const own = this.cache.nominatedNodeOf(p);
      if (own) this.cache.nominate(p, own);
      return;
    }
    this.cache.nominate(p, now);
  }

  onPodUpdate(o: SchedPod, p: SchedPod): void {
    if (isAssigned(p)) {
      this.cache.unnominate(p);
      if (!isAssigned(o)) this.queue.delete(p); // bound (by us or by someone else)
      if (isPodTerminal(p)) {
        this.cache.removePod(p);
        this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
        return;
      }
      this.cache.addOrUpdatePod(p);
    } else if (isResponsible(p, this.schedulerName)) {
      if (this.cache.isAssumed(p)) return; // our binding is on its way
      this.renominate(o, p);
      this.queue.update(p);
    } else {
      this.cache.unnominate(p);
      this.queue.delete(p);
    }
  }

  onPodDelete(p: SchedPod): void {
    this.cache.unnominate(p);
    if (isAssigned(p) || this.cache.isAssumed(p)) {
      this.cache.removePod(p);
      this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
    }
    this.queue.delete(p);
  }

  // -- scheduling ------------------------------------------------------------------------------

  /** The current object of a pod per the informer (undefined when it is gone). */
  private livePod(key: string): SchedPod | undefined {
    return this.podInformer?.store.get(key);
  }

  /**
   * One scheduling cycle for a popped pod (upstream ScheduleOne), synchronous: the binding cycle
   * runs in the background. Returns the decision (undefined when the pod needed none).
   */
  scheduleOne(q: QueuedPodInfo): ScheduleResult | undefined {
    const cycle = this.queue.currentCycle();
    const pod = q.pod;
    if (pod.metadata.deletionTimestamp || pod.spec.nodeName || this.cache.isAssumed(pod)) {
      this.queue.done(q.key);
      return undefined;
    }
    this.stats.attempts++;
    const state = new CycleState();
    const result = schedulePod(pod, this.cache.snapshot(), this.profile, {
      startNodeIndex: this.nextStartNodeIndex,
      random: this.opts.random,
      state,
    });
    this.nextStartNodeIndex = result.nextStartNodeIndex;
    if ('nodeName' in result) {
      const reserved = this.runReserve(state, pod, result.nodeName);
      if (reserved !== null) {
        this.stats.errors++;
        this.handleFailure(q, cycle, 'SchedulerError', reserved, undefined);
        return result;
      }
      this.cache.unnominate(pod);
      this.cache.assume(pod, result.nodeName);
      this.queue.done(q.key);
      this.startBinding(q, result.nodeName, cycle, state);
    } else if ('unschedulable' in result) {
      this.stats.unschedulable++;
      if (result.preemption) {
        if (result.preemption.victims.length > 0) this.startPreemption(pod, result.preemption);
        this.cache.nominate(pod, result.preemption.nominatedNodeName);
      }
      this.handleFailure(q, cycle, 'Unschedulable', result.message, result.diagnosis.unschedulablePlugins, result.preemption?.nominatedNodeName);
    } else {
      this.stats.errors++;
      this.handleFailure(q, cycle, 'SchedulerError', result.error, undefined);
    }
    return result;
  }

  /** The Reserve plugins in order (upstream RunReservePluginsReserve): null when all reserved, else the error (all undone). */
  private runReserve(state: CycleState, pod: SchedPod, nodeName: string): string | null {
    for (const pl of this.profile.reserve ?? []) {
      const s = pl.reserve(state, pod, nodeName);
      if (!isSuccess(s)) {
        this.runUnreserve(state, pod, nodeName);
        return `running Reserve plugin "${pl.name}": ${s.reasons.join(', ')}`;
      }
    }
    return null;
  }

  /** upstream RunReservePluginsUnreserve: in reverse order. */
  private runUnreserve(state: CycleState, pod: SchedPod, nodeName: string): void {
    for (const pl of [...(this.profile.reserve ?? [])].reverse()) pl.unreserve(state, pod, nodeName);
  }

  private startBinding(q: QueuedPodInfo, nodeName: string, cycle: number, state: CycleState): void {
    this.bindsInFlight++;
    const p = this.bind(q, nodeName, cycle, state).finally(() => {
      this.bindsInFlight--;
      this.pendingBinds.delete(p);
      this.bindSlotWaiters.shift()?.();
    });
    this.pendingBinds.add(p);
  }

  private async bind(q: QueuedPodInfo, nodeName: string, cycle: number, state: CycleState): Promise<void> {
    const pod = q.pod;
    let status: Status = success();
    let failedPlugin = `Bind plugin "${DEFAULT_BINDER}"`;
    for (const pl of this.profile.preBind ?? []) {
      status = await pl.preBind(state, pod, nodeName);
      if (!isSuccess(status)) {
        failedPlugin = `PreBind plugin "${pl.name}"`;
        break;
      }
    }
    if (isSuccess(status)) {
      for (const b of this.profile.bind) {
        status = await b.bind(pod, nodeName);
        if (status.code !== 'Skip') break;
      }
    }
    this.cache.finishBinding(pod, this.now());
    if (status.code === 'Success') {
      this.stats.scheduled++;
      this.recorder.event(
        this.livePod(q.key) ?? pod,
        'Normal',
        'Scheduled',
        `Successfully assigned ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name} to ${nodeName}`,
      );
      return;
    }
    this.stats.bindFailures++;
    this.runUnreserve(state, pod, nodeName);
    this.cache.forget(pod);
    this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
    const msg = `binding rejected: running ${failedPlugin}: ${status.reasons.join(', ')}`;
    this.log.warn('binding failed', { pod: q.key, node: nodeName, error: msg });
    this.handleFailure(q, cycle, 'SchedulerError', msg, undefined);
  }

  /**
   * Carry out a preemption plan (upstream prepareCandidate), in the background: each victim gets the
   * DisruptionTarget condition, is deleted gracefully (its uid as a precondition) and gets a `Preempted` event.
   */
  private startPreemption(preemptor: SchedPod, plan: PreemptionPlan): void {
    // Lower-priority pods nominated to the same node lose their nomination (upstream getLowerPriorityNominatedPods).
    const prio = podPriority(preemptor);
    const demoted = this.cache.nominatedPodsOn(plan.nominatedNodeName).filter((p) => podPriority(p) < prio && podKey(p) !== podKey(preemptor));
    for (const d of demoted) this.cache.unnominate(d);
    const p = Promise.all([
      ...plan.victims.map((v) => this.preemptVictim(preemptor, v, plan.nominatedNodeName)),
      ...demoted.map((d) => this.clearNomination(d)),
    ]).then(() => undefined);
    this.pendingBinds.add(p);
    void p.finally(() => this.pendingBinds.delete(p));
  }

  /** upstream ClearNominatedNodeName: status.nominatedNodeName of a pod that lost its nomination. */
  private async clearNomination(pod: SchedPod): Promise<void> {
    if (!pod.status?.nominatedNodeName) return;
    try {
      await this.client.patch(podsResource(), pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', { status: { nominatedNodeName: null } }, 'strategic', { subresource: 'status' });
    } catch (e) {
      if (!isKubeError(e, 'NotFound')) this.log.warn('clearing a nomination failed', { pod: podKey(pod), error: e as Error });
    }
  }

  private async preemptVictim(preemptor: SchedPod, victim: SchedPod, nodeName: string): Promise<void> {
    const ns = victim.metadata.namespace ?? 'default';
    const name = victim.metadata.name ?? '';
    const key = `${ns}/${name}`;
    try {
      const conditions = updateCondition(victim.status?.conditions, disruptionTargetCondition(preemptor.spec.schedulerName || this.schedulerName, rfc3339(this.now())));
      if (conditions) await this.client.patch(podsResource(), ns, name, { status: { conditions } }, 'strategic', { subresource: 'status' });
      await this.client.delete(podsResource(), ns, name, victim.metadata.uid ? { preconditions: { uid: victim.metadata.uid } } : undefined);
      this.log.info('preempted', { pod: key, preemptor: podKey(preemptor), node: nodeName });
    } catch (e) {
      // Gone already (or replaced by a pod of the same name): nothing to preempt, no event, as upstream.
      if (!isKubeError(e, 'NotFound') && !isKubeError(e, 'Conflict')) this.log.warn('preempting a victim failed', { pod: key, error: e as Error });
      return;
    }
    this.recorder.event(victim, 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata.uid ?? ''} on node ${nodeName}`);
  }

  /**
   * upstream handleSchedulingFailure: requeue, event, PodScheduled=False condition, and status.nominatedNodeName
   * when a PostFilter nominated a node ('' clears it).
   */
  private handleFailure(
    q: QueuedPodInfo,
    cycle: number,
    reason: 'Unschedulable' | 'SchedulerError',
    message: string,
    plugins: Iterable<string> | undefined,
    nominatedNodeName?: string,
  ): void {
    const live = this.podInformer ? this.livePod(q.key) : q.pod;
    if (this.podInformer && (!live || !isResponsible(live, this.schedulerName))) {
      // Deleted or bound elsewhere meanwhile: nothing to report.
      this.queue.done(q.key);
      return;
    }
    const pod = live ?? q.pod;
    q.pod = pod;
    this.queue.addUnschedulable(q, cycle, { error: reason !== 'Unschedulable', plugins });
    this.recorder.event(pod, 'Warning', 'FailedScheduling', truncateMessage(message));
    const conditions = withPodScheduledCondition(pod, { status: 'False', reason, message }, rfc3339(this.now()));
    const nominate = nominatedNodeName !== undefined && nominatedNodeName !== (pod.status?.nominatedNodeName ?? '');
    if (!conditions && !nominate) return;
    const status = {
      ...(conditions ? { conditions } : {}),
      ...(nominate ? { nominatedNodeName: nominatedNodeName || null } : {}),
    };
    this.client
      .patch(podsResource(), pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', { status }, 'strategic', {
        subresource: 'status',
      })
      .catch((e: unknown) => {
        if (!isKubeError(e, 'NotFound')) this.log.warn('updating pod condition failed', { pod: q.key, error: e as Error });
      });
  }

  private async waitBindSlot(): Promise<void> {
    while (this.bindsInFlight >= this.parallelBinds) await new Promise<void>((r) => this.bindSlotWaiters.push(r));
  }

  /** The loop: pop, schedule, repeat, until the signal aborts. Periodic queue flushes and cache cleanup run meanwhile. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new KubeError('InternalError', 'scheduler already running');
    this.running = true;
    const every = (ms: number, f: () => void) => {
      const t = setInterval(f, ms);
      t.unref?.();
      this.timers.push(t);
    };
    every(1_000, () => this.queue.flushBackoffCompleted());
    every(30_000, () => this.queue.flushUnschedulableLeftover());
    every(1_000, () => {
      for (const key of this.cache.cleanupExpiredAssumedPods(this.now())) {
        this.log.warn('assumed pod expired without being bound', { pod: key });
        const live = this.livePod(key);
        if (live && isResponsible(live, this.schedulerName)) this.queue.add(live);
      }
    });
    const onAbort = () => this.queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      let cycles = 0;
      while (!signal.aborted) {
        await this.waitBindSlot();
        // A long run of ready pods must not starve the informers, bind replies and timers.
        if (++cycles % 64 === 0) await new Promise<void>((r) => setImmediate(r));
        const q = await this.queue.pop();
        if (!q || signal.aborted) break;
        try {
          this.scheduleOne(q);
        } catch (e) {
          this.log.error('scheduling cycle failed', { pod: q.key, error: e as Error });
          this.queue.addUnschedulable(q, this.queue.currentCycle(), { error: true });
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      for (const t of this.timers.splice(0)) clearInterval(t);
      await Promise.allSettled([...this.pendingBinds]);
      this.running = false;
    }
  }

  /** Stop the informers (after run() ended). */
  async stop(): Promise<void> {
    this.queue.close();
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** Wait until every started binding finished (tests). */
  async flushBinds(): Promise<void> {
    await Promise.allSettled([...this.pendingBinds]);
  }
}

// ---------------------------------------------------------------------------------------------
// Leader election + run

export interface RunOptions extends SchedulerOptions {
  leaderElect?: boolean;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  lockName?: string;
  lockNamespace?: string;
  identity?: string;
  /** Called once the informers have synced (the `sched-handler-sync` readiness check). */
  onSynced?: () => void;
  /** Called with the leader elector before it campaigns (the `leaderElection` health check). */
  onElector?: (elector: LeaderElector) => void;
}

/**
 * Run a scheduler until `signal` aborts. With leader election (default, as upstream) the
 * informers run at once but pods are scheduled only while this process holds the
 * `kube-system/kube-scheduler` Lease; losing it rejects with "leaderelection lost" (upstream exits 1).
 */
export async function runSchedulerProcess(opts: RunOptions, signal: AbortSignal): Promise<void> {
  const log = opts.logger ?? consoleLogger('scheduler');
  const sched = new Scheduler({ ...opts, logger: log });
  try {
    const synced = await sched.startInformers(signal);
    if (!synced) return;
    opts.onSynced?.();
    // The line a supervisor (test/support/components.ts) takes as "running": it lists and watches the API.
    log.info('informer caches synced', { leaderElect: opts.leaderElect !== false });
    if (opts.leaderElect === false) {
      await sched.run(signal);
      return;
    }
    const identity = opts.identity ?? `${hostname()}_${randomUUID()}`;
    let lost = false;
    const elector = new LeaderElector(opts.client, {
      lockName: opts.lockName ?? 'kube-scheduler',
      lockNamespace: opts.lockNamespace ?? 'kube-system',
      identity,
      leaseDurationMs: opts.leaseDurationMs,
      renewDeadlineMs: opts.renewDeadlineMs,
      retryPeriodMs: opts.retryPeriodMs,
      logger: log,
      onStartedLeading: async (leading) => {
        log.info('started leading', { identity });
        await sched.run(leading);
      },
      onStoppedLeading: () => {
        if (!signal.aborted) lost = true;
      },
      onNewLeader: (id) => log.info('new leader elected', { leader: id }),
    });
    opts.onElector?.(elector);
    await elector.run(signal);
    await sched.flushBinds();
    if (lost) throw new KubeError('InternalError', 'leaderelection lost');
  } finally {
    await sched.stop();
  }
}
