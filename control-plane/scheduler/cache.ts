/**
 * The scheduler's cache, after upstream's internal/cache: nodes and the pods placed on them
 * (bound pods from the informer, plus "assumed" pods the scheduler has decided but whose
 * binding the watch has not shown yet), so the next cycle already sees an assumed pod's
 * requests and two pods never take the same last free CPU.
 *
 *   assume(pod, node) ──> pod counted on node ──> finishBinding(pod) ──> watch shows it bound: addPod() confirms
 *          │                                            └── never confirmed within ttl: cleanupExpiredAssumedPods() drops it
 *          └── binding failed: forget(pod)
 *
 * Also keeps the Services and controllers (ReplicaSet, ReplicationController, StatefulSet)
 * that define a pod's default spreading selector, and the nominator (upstream's nominator, kept in its queue):
 * pending pods nominated to a node by preemption, whose room there other pods must leave. No I/O; the clock is
 * passed in.
 */
import { KubeError } from '../../api/errors.js';
import { NodeInfo, type PodInfo, type Snapshot, type VolumeLister, newPodInfo, podKey } from './framework.js';
import type { SchedNode, SchedPod, SchedReplicaSetLike, SchedService } from './types.js';

interface PodState {
  pod: SchedPod;
  nodeName: string;
  /** Binding sent; the assumed pod may expire after this time (ms). */
  deadline?: number;
  bindingFinished: boolean;
}

const NONE: readonly SchedPod[] = Object.freeze([]);

/** upstream's old default (durationToExpireAssumedPod was 30 s before it became 0 = never). */
export const DEFAULT_ASSUMED_POD_TTL_MS = 30_000;

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  /** Node names that have a Node object (a NodeInfo may exist only to hold pods of a node not seen yet). */
  private readonly present = new Set<string>();
  private readonly podStates = new Map<string, PodState>();
  private readonly assumed = new Set<string>();
  private readonly services = new Map<string, SchedService>();
  private readonly controllers = new Map<string, SchedReplicaSetLike>();
  /** Nominated pods: pod key -> node, and node -> its nominated pods by key. */
  private readonly nominatedNode = new Map<string, string>();
  private readonly nominatedOn = new Map<string, Map<string, SchedPod>>();
  private nodeList: NodeInfo[] | null = null;
  private snapshotCache: Snapshot | null = null;

  /** PersistentVolumes, claims and StorageClasses (read live from the informers' stores; VolumeBinding). */
  private volumeLister?: VolumeLister;

  constructor(private readonly ttlMs = DEFAULT_ASSUMED_POD_TTL_MS) {}

  setVolumeLister(lister: VolumeLister): void {
    this.volumeLister = lister;
    this.invalidate();
  }

  // -- nodes ---------------------------------------------------------------------------------

  addOrUpdateNode(node: SchedNode): void {
    const name = node.metadata.name ?? '';
    const ni = this.nodes.get(name);
    if (ni) ni.setNode(node);
    else this.nodes.set(name, new NodeInfo(node));
    if (!this.present.has(name)) {
      this.present.add(name);
      this.invalidate();
    }
  }

  removeNode(name: string): void {
    if (!this.present.delete(name)) return;
    const ni = this.nodes.get(name);
    if (ni && ni.pods.length === 0) this.nodes.delete(name);
    this.invalidate();
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.present.has(name) ? this.nodes.get(name) : undefined;
  }

  nodeCount(): number {
    return this.present.size;
  }

  // -- pods ----------------------------------------------------------------------------------

  private nodeFor(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) {
      ni = new NodeInfo({ metadata: { name } });
      this.nodes.set(name, ni);
    }
    return ni;
  }

  private place(pod: SchedPod, nodeName: string): void {
    this.nodeFor(nodeName).addPod(newPodInfo(pod));
  }

  private unplace(key: string, nodeName: string): void {
    const ni = this.nodes.get(nodeName);
    if (!ni) return;
    ni.removePod(key);
    if (ni.pods.length === 0 && !this.present.has(nodeName)) this.nodes.delete(nodeName);
  }

  /** Count `pod` on `nodeName` before the API server knows (upstream AssumePod). */
  assume(pod: SchedPod, nodeName: string): void {
    const key = podKey(pod);
    if (this.podStates.has(key)) throw new KubeError('InternalError', `pod ${key} is in the cache, so can't be assumed`);
    const placed: SchedPod = { ...pod, spec: { ...pod.spec, nodeName } };
    this.place(placed, nodeName);
    this.podStates.set(key, { pod: placed, nodeName, bindingFinished: false });
    this.assumed.add(key);
  }

  /** The binding was sent: from now the assumed pod expires after the ttl unless confirmed. */
  finishBinding(pod: SchedPod, now: number): void {
    const st = this.podStates.get(podKey(pod));
    if (!st || !this.assumed.has(podKey(pod))) return;
    st.bindingFinished = true;
    st.deadline = now + this.ttlMs;
  }

  /** Undo assume (binding failed). */
  forget(pod: SchedPod): void {
    const key = podKey(pod);
    const st = this.podStates.get(key);
    if (!st || !this.assumed.has(key)) return;
    this.unplace(key, st.nodeName);
    this.podStates.delete(key);
    this.assumed.delete(key);
  }

  isAssumed(pod: SchedPod): boolean {
    return this.assumed.has(podKey(pod));
  }

  /** A pod with spec.nodeName seen by the informer (add or update). Confirms an assumed pod. */
  addOrUpdatePod(pod: SchedPod): void {
    const key = podKey(pod);
    const nodeName = pod.spec.nodeName ?? '';
    if (!nodeName) return;
    const st = this.podStates.get(key);
    if (st) {
      this.unplace(key, st.nodeName);
      this.assumed.delete(key);
    }
    this.place(pod, nodeName);
    this.podStates.set(key, { pod, nodeName, bindingFinished: true });
  }

  removePod(pod: SchedPod): void {
    const key = podKey(pod);
    const st = this.podStates.get(key);
    if (!st) return;
    this.unplace(key, st.nodeName);
    this.podStates.delete(key);
    this.assumed.delete(key);
  }

  /** Drop assumed pods whose binding finished more than ttl ago and never showed up. Returns their keys. */
  cleanupExpiredAssumedPods(now: number): string[] {
    if (this.ttlMs <= 0) return [];
    const expired: string[] = [];
    for (const key of this.assumed) {
      const st = this.podStates.get(key)!;
      if (!st.bindingFinished || st.deadline === undefined || now < st.deadline) continue;
      this.unplace(key, st.nodeName);
      this.podStates.delete(key);
      expired.push(key);
    }
    for (const k of expired) this.assumed.delete(k);
    return expired;
  }

  podCount(): number {
    return this.podStates.size;
  }

  assumedCount(): number {
    return this.assumed.size;
  }

  podsOn(nodeName: string): readonly PodInfo[] {
    return this.nodes.get(nodeName)?.pods ?? [];
  }

  // -- nominator ---------------------------------------------------------------------------------

  /** Record (or move, or with '' drop) a pending pod's nomination (upstream AddNominatedPod / DeleteNominatedPodIfExists). */
  nominate(pod: SchedPod, nodeName: string): void {
    const key = podKey(pod);
    this.unnominate(pod);
    if (!nodeName) return;
    this.nominatedNode.set(key, nodeName);
    let on = this.nominatedOn.get(nodeName);
    if (!on) this.nominatedOn.set(nodeName, (on = new Map()));
    on.set(key, pod);
  }

  unnominate(pod: SchedPod): void {
    const key = podKey(pod);
    const node = this.nominatedNode.get(key);
    if (node === undefined) return;
    this.nominatedNode.delete(key);
    const on = this.nominatedOn.get(node);
    on?.delete(key);
    if (on && on.size === 0) this.nominatedOn.delete(node);
  }

  /** The node a pod is nominated to ('' for none). */
  nominatedNodeOf(pod: SchedPod): string {
    return this.nominatedNode.get(podKey(pod)) ?? '';
  }

  nominatedPodsOn(nodeName: string): SchedPod[] {
    const on = this.nominatedOn.get(nodeName);
    return on ? [...on.values()] : [];
  }

  // -- spreading sources -----------------------------------------------------------------------

  setService(svc: SchedService): void {
    this.services.set(`${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`, svc);
    this.snapshotCache = null;
  }

  deleteService(svc: SchedService): void {
    this.services.delete(`${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`);
    this.snapshotCache = null;
  }

  /** kind: ReplicaSet | ReplicationController | StatefulSet. */
  setController(kind: string, obj: SchedReplicaSetLike): void {
    this.controllers.set(`${kind}/${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`, obj);
  }

  deleteController(kind: string, obj: SchedReplicaSetLike): void {
    this.controllers.delete(`${kind}/${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`);
  }

  // -- snapshot --------------------------------------------------------------------------------

  private invalidate(): void {
    this.nodeList = null;
    this.snapshotCache = null;
  }

  /**
   * The view one scheduling cycle reads. NodeInfos are the cache's own objects: a cycle is
   * synchronous (schedulePod never awaits), so nothing changes them while it runs; the cache
   * must not be mutated between taking a snapshot and finishing the cycle that uses it.
   */
  snapshot(): Snapshot {
    if (this.snapshotCache) return this.snapshotCache;
    if (!this.nodeList) this.nodeList = [...this.present].map((n) => this.nodes.get(n)!);
    const list = this.nodeList;
    const byName = this.nodes;
    const present = this.present;
    const nominated = this.nominatedOn;
    const snap: Snapshot = {
      nodeInfos: list,
      get: (name) => (present.has(name) ? byName.get(name) : undefined),
      services: [...this.services.values()],
      controllers: this.controllers,
      nominatedPods: (name) => {
        const on = nominated.get(name);
        return on ? [...on.values()] : NONE;
      },
      ...(this.volumeLister ? { volumes: this.volumeLister } : {}),
    };
    this.snapshotCache = snap;
    return snap;
  }
}
