/**
 * The scheduling framework, after upstream's pkg/scheduler/framework: one small interface per
 * extension point (PreFilter, Filter, PostFilter, PreScore, Score, Bind), a `Status` for every expected
 * outcome (never a thrown error), `NodeInfo` (a node plus what is placed on it) and a read-only
 * `Snapshot` handed to one scheduling cycle.
 */
import type { SchedNode, SchedPod, SchedPV, SchedPVC, SchedReplicaSetLike, SchedService, SchedStorageClass } from './types.js';
import {
  type Resource,
  addResource,
  emptyResource,
  podRequests,
  resourceFromList,
} from './resources.js';

// ---------------------------------------------------------------------------------------------
// Status

/** upstream framework.Code, the ones this scheduler uses. */
export type StatusCode = 'Success' | 'Error' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip';

export interface Status {
  readonly code: StatusCode;
  /** Short, human reasons; FailedScheduling counts them per node ("2 Insufficient cpu"). */
  readonly reasons: readonly string[];
  /** The plugin that returned it (set by the framework when the status is not Success). */
  readonly plugin?: string;
}

const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) as readonly string[] });
const SKIP: Status = Object.freeze({ code: 'Skip', reasons: Object.freeze([]) as readonly string[] });

export const success = (): Status => SUCCESS;
export const skip = (): Status => SKIP;
export const unschedulable = (...reasons: string[]): Status => ({ code: 'Unschedulable', reasons });
export const unresolvable = (...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons });
export const errorStatus = (message: string): Status => ({ code: 'Error', reasons: [message] });
export const withPlugin = (s: Status, plugin: string): Status => (s.plugin === plugin ? s : { ...s, plugin });
export const isSuccess = (s: Status): boolean => s.code === 'Success';
/** Unschedulable or UnschedulableAndUnresolvable (upstream IsRejected). */
export const isRejected = (s: Status): boolean => s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable';
export const statusMessage = (s: Status): string => s.reasons.join(', ');

// ---------------------------------------------------------------------------------------------
// Pods and nodes as the scheduler sees them

export const podKey = (pod: SchedPod): string => `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;

/** corev1helpers.PodPriority: spec.priority, 0 when unset. */
export const podPriority = (pod: SchedPod): number => (typeof pod.spec.priority === 'number' ? pod.spec.priority : 0);

export interface HostPort {
  ip: string; // '0.0.0.0' when unset
  protocol: string; // TCP when unset
  port: number;
}

/** upstream PodInfo: a pod plus what is computed from it once. */
export interface PodInfo {
  readonly pod: SchedPod;
  readonly key: string;
  readonly requests: Resource;
  /** Requests with 100m CPU / 200Mi memory for containers that ask for none (scoring). */
  readonly nonZeroRequests: Resource;
  readonly hostPorts: readonly HostPort[];
}

export function podHostPorts(pod: SchedPod): HostPort[] {
  const out: HostPort[] = [];
  for (const list of [pod.spec.initContainers ?? [], pod.spec.containers ?? []]) {
    for (const c of list) {
      for (const p of c.ports ?? []) {
        if (!p.hostPort || p.hostPort <= 0) continue;
        out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
      }
    }
  }
  return out;
}

export function newPodInfo(pod: SchedPod): PodInfo {
  return {
    pod,
    key: podKey(pod),
    requests: podRequests(pod, false),
    nonZeroRequests: podRequests(pod, true),
    hostPorts: podHostPorts(pod),
  };
}

/** Used host ports of one node: "TCP/8080" -> set of host IPs. */
export class HostPortSet {
  private readonly byPort = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    let ips = this.byPort.get(k);
    if (!ips) this.byPort.set(k, (ips = new Map()));
    ips.set(p.ip, (ips.get(p.ip) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    const ips = this.byPort.get(k);
    if (!ips) return;
    const n = (ips.get(p.ip) ?? 0) - 1;
    if (n > 0) ips.set(p.ip, n);
    else ips.delete(p.ip);
    if (ips.size === 0) this.byPort.delete(k);
  }

  /** upstream HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every IP on the same protocol/port. */
  conflicts(p: HostPort): boolean {
    const ips = this.byPort.get(`${p.protocol}/${p.port}`);
    if (!ips || ips.size === 0) return false;
    if (p.ip === '0.0.0.0') return true;
    return ips.has(p.ip) || ips.has('0.0.0.0');
  }

  get size(): number {
    return this.byPort.size;
  }
}

/**
 * A node and the pods placed on it (bound or assumed), with the sums the plugins need.
 * Owned and mutated by the cache only; plugins treat it as read-only.
 */
export class NodeInfo {
  node: SchedNode;
  readonly pods: PodInfo[] = [];
  /** Sum of the placed pods' requests. */
  readonly requested: Resource = emptyResource();
  /** Same with the 100m / 200Mi defaults for pods that ask for nothing (scoring). */
  readonly nonZeroRequested: Resource = emptyResource();
  allocatable: Resource;
  readonly usedPorts = new HostPortSet();
  /** Bumped on every change; lets a consumer notice that a NodeInfo changed. */
  generation = 0;

  constructor(node: SchedNode) {
    this.node = node;
    this.allocatable = resourceFromList(node.status?.allocatable ?? node.status?.capacity);
  }

  get name(): string {
    return this.node.metadata.name ?? '';
  }

  setNode(node: SchedNode): void {
    this.node = node;
    this.allocatable = resourceFromList(node.status?.allocatable ?? node.status?.capacity);
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    addResource(this.requested, pi.requests);
    addResource(this.nonZeroRequested, pi.nonZeroRequests);
    for (const p of pi.hostPorts) this.usedPorts.add(p);
    this.generation++;
  }

  /** Remove by key; returns whether the pod was there. */
  removePod(key: string): boolean {
    const i = this.pods.findIndex((p) => p.key === key);
    if (i < 0) return false;
    const [pi] = this.pods.splice(i, 1);
    addResource(this.requested, pi!.requests, -1);
    addResource(this.nonZeroRequested, pi!.nonZeroRequests, -1);
    for (const p of pi!.hostPorts) this.usedPorts.remove(p);
    this.generation++;
    return true;
  }
}

/** Build a NodeInfo from plain objects (tests, benchmarks). */
export function nodeInfoOf(node: SchedNode, pods: SchedPod[] = []): NodeInfo {
  const ni = new NodeInfo(node);
  for (const p of pods) ni.addPod(newPodInfo(p));
  return ni;
}

/**
 * What one scheduling cycle reads: every node with its placed pods, and the objects that
 * define a pod's default spreading selector. Read-only for the length of a cycle.
 */
export interface Snapshot {
  readonly nodeInfos: readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  readonly services: readonly SchedService[];
  /** Controllers by `Kind/namespace/name` (ReplicaSet, ReplicationController, StatefulSet). */
  readonly controllers: ReadonlyMap<string, SchedReplicaSetLike>;
  /** Pending pods nominated to a node (upstream's nominator): their room there is kept for them. */
  nominatedPods(nodeName: string): readonly SchedPod[];
  /** PersistentVolumes, claims and StorageClasses (VolumeBinding); undefined: none known. */
  readonly volumes?: VolumeLister;
}

/** The storage objects VolumeBinding reads (upstream's PV/PVC/StorageClass listers with the assume cache on top). */
export interface VolumeLister {
  claim(namespace: string, name: string): SchedPVC | undefined;
  volume(name: string): SchedPV | undefined;
  volumes(): readonly SchedPV[];
  storageClass(name: string): SchedStorageClass | undefined;
}

export function newSnapshot(
  nodeInfos: NodeInfo[],
  opts: { services?: SchedService[]; controllers?: Map<string, SchedReplicaSetLike>; nominated?: ReadonlyMap<string, readonly SchedPod[]>; volumes?: VolumeLister } = {},
): Snapshot {
  const byName = new Map(nodeInfos.map((n) => [n.name, n] as const));
  return {
    nodeInfos,
    get: (name) => byName.get(name),
    services: opts.services ?? [],
    controllers: opts.controllers ?? new Map(),
    nominatedPods: (name) => opts.nominated?.get(name) ?? [],
    ...(opts.volumes ? { volumes: opts.volumes } : {}),
  };
}

/** Scratch space of one scheduling cycle, written by PreFilter/PreScore, read by Filter/Score. */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter/PreScore returned Skip: their Filter/Score is not run. */
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
}

// ---------------------------------------------------------------------------------------------
// Extension points

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

export interface Plugin {
  readonly name: string;
}

export interface PreFilterResult {
  status: Status;
  /** Only these nodes can pass (upstream PreFilterResult.NodeNames); undefined = all nodes. */
  nodeNames?: ReadonlySet<string>;
}

export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: SchedPod, snapshot: Snapshot): PreFilterResult;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): Status;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: SchedPod, feasible: readonly NodeInfo[], snapshot: Snapshot): Status;
}

export interface NodeScore {
  name: string;
  score: number;
}

export interface ScorePlugin extends Plugin {
  /** A score for one feasible node; in [0, 100] after `normalize` (if any). */
  score(state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): number;
  /** Rescale the scores of all feasible nodes in place, into [0, 100]. */
  normalize?(state: CycleState, pod: SchedPod, scores: NodeScore[]): void;
}

/** What a PostFilter plugin may ask of the framework (upstream framework.Handle, the part preemption uses). */
export interface FrameworkHandle {
  /**
   * The profile's Filter plugins on one node (those whose PreFilter skipped excluded), with the pods nominated
   * there of equal or higher priority counted (upstream RunFilterPluginsWithNominatedPods): null when it fits.
   */
  runFilterPlugins(state: CycleState, pod: SchedPod, nodeInfo: NodeInfo): Status | null;
}

/**
 * A PostFilter plugin's answer (upstream PostFilterResult + Status), as a plan the adapter carries out: the
 * node to nominate ('' clears a pod's nomination) and the pods to evict from it. No I/O in the plugin.
 */
export interface PostFilterOutcome {
  status: Status;
  nominatedNodeName?: string;
  victims?: readonly SchedPod[];
}

/** Runs when a pod fits no node (upstream PostFilterPlugin): preemption. */
export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: SchedPod, snapshot: Snapshot, nodeToStatus: NodeToStatus, handle: FrameworkHandle): PostFilterOutcome;
}

/** Each rejected node's Status, and the one of the nodes a PreFilter result left out (upstream NodeToStatusReader). */
export interface NodeToStatus {
  readonly nodeToStatus: ReadonlyMap<string, Status>;
  readonly absentNodesStatus?: Status;
}

/** Runs once a node is chosen, before binding, synchronously in the scheduling cycle (upstream ReservePlugin). */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: SchedPod, nodeName: string): Status;
  /** Undo reserve: the binding cycle failed (or a later Reserve plugin did). */
  unreserve(state: CycleState, pod: SchedPod, nodeName: string): void;
}

/** Runs in the binding cycle before Bind, may wait (upstream PreBindPlugin): VolumeBinding binds the pod's claims here. */
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: SchedPod, nodeName: string): Promise<Status>;
}

export interface BindPlugin extends Plugin {
  bind(pod: SchedPod, nodeName: string): Promise<Status>;
}

export interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

/** upstream KubeSchedulerProfile: which plugin runs at which point, and the score weights. */
export interface Profile {
  schedulerName: string;
  preFilter: PreFilterPlugin[];
  filter: FilterPlugin[];
  /** Run in order when a pod fits nowhere, until one does not answer Unschedulable (default: none). */
  postFilter?: PostFilterPlugin[];
  preScore: PreScorePlugin[];
  score: WeightedScorePlugin[];
  reserve?: ReservePlugin[];
  preBind?: PreBindPlugin[];
  bind: BindPlugin[];
  /** 0 = adaptive, as upstream (50% - nodes/125, at least 5%, at least 100 nodes). */
  percentageOfNodesToScore: number;
}
