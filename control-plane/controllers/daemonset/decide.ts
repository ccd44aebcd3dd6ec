/**
 * The DaemonSet controller's decisions (upstream 1.32 pkg/controller/daemon: daemon_controller.go, update.go,
 * util/daemonset_util.go), pure: which nodes should run a daemon pod, which pods to create and delete (the
 * manage loop, then the rolling update when the manage loop has nothing to do), the pod each node gets, and the
 * status.
 *
 *   node ──nodeShouldRunDaemonPod──> shouldRun (create one if missing) / shouldContinueRunning (keep what runs)
 *     the daemon pod as the node would see it: the template plus the tolerations every daemon pod gets
 *     (not-ready / unreachable NoExecute; disk-, memory-, pid-pressure, unschedulable NoSchedule;
 *     network-unavailable NoSchedule with hostNetwork); fits = nodeName, nodeSelector + required node
 *     affinity, and no untolerated NoSchedule/NoExecute taint (an untolerated NoSchedule alone keeps a running pod)
 *   manage      missing pod -> create on that node; failed pod -> delete (FailedDaemonPod, with a per-node backoff),
 *               succeeded -> delete; more than one (no surge) -> all but the oldest; not wanted -> delete all;
 *               unscheduled pods of vanished nodes -> delete
 *   rolling     maxSurge 0: delete old pods while unavailable < maxUnavailable (the manage loop recreates them)
 *               maxSurge > 0: create a new pod beside an old one (up to maxSurge), delete the old once the new is available
 *   status      desired / current / ready / available / updated / misscheduled / unavailable, observedGeneration
 */

import { newControllerRef } from '../../../api/owners.js';
import { getScaledValueFromIntOrPercent } from '../../../api/intstr.js';
import { findMatchingUntoleratedTaint } from '../../../api/taints.js';
import { parseTime } from '../../../api/time.js';
import { isPodTerminal } from '../../../api/pods.js';
import { getRequiredNodeAffinity, requiredNodeAffinityMatches } from '../../scheduler/plugins/node-affinity.js';
import type { SchedNode, SchedPod } from '../../scheduler/types.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/history.js';
import { isPodAvailable, isPodReady } from '../util/meta.js';
import type { DaemonSet, DaemonSetStatus, Node, Pod, PodSpec, PodTemplateSpec, Toleration } from '../util/types.js';
import { TEMPLATE_GENERATION_ANNOTATION } from '../../../api/strategies/daemonset.js';

/** extensions.DaemonSetTemplateGenerationKey: the template generation a pod was made from. */
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** controller.BurstReplicas for the DaemonSet controller: at most this many creates or deletes a sync. */
export const BURST_REPLICAS = 250;

export const REASON_SELECTING_ALL = 'SelectingAll';
export const REASON_FAILED_DAEMON_POD = 'FailedDaemonPod';
export const REASON_SUCCEEDED_DAEMON_POD = 'SucceededDaemonPod';

// ---------------------------------------------------------------------------------------------
// Which nodes run a daemon pod

/** util.AddOrUpdateDaemonPodTolerations: the tolerations every daemon pod gets, so node problems never evict it. */
export function daemonPodTolerations(spec: PodSpec | undefined): Toleration[] {
  const add: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec?.hostNetwork) add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  let tolerations: Toleration[] = [...(spec?.tolerations ?? [])];
  for (const t of add) tolerations = addOrUpdateToleration(tolerations, t);
  return tolerations;
}

/** v1helper.AddOrUpdateTolerationInPodSpec: a toleration matching key, operator, value and effect is replaced, else appended. */
function addOrUpdateToleration(list: Toleration[], t: Toleration): Toleration[] {
  const same = (a: Toleration): boolean =>
    (a.key ?? '') === (t.key ?? '') && (a.operator ?? '') === (t.operator ?? '') && (a.value ?? '') === (t.value ?? '') && (a.effect ?? '') === (t.effect ?? '');
  if (list.some(same)) return list.map((a) => (same(a) ? t : a));
  return [...list, t];
}

export interface ShouldRun {
  /** A daemon pod should be created here if there is none. */
  shouldRun: boolean;
  /** A daemon pod already here may stay. */
  shouldContinueRunning: boolean;
}

/** NodeShouldRunDaemonPod. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): ShouldRun {
  const spec = ds.spec?.template?.spec ?? {};
  const name = node.metadata?.name ?? '';
  if (spec.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  const pod: SchedPod = {
    metadata: { ...(ds.spec?.template?.metadata ?? {}), namespace: ds.metadata?.namespace },
    spec: { ...spec, containers: spec.containers ?? [], nodeName: name, tolerations: daemonPodTolerations(spec) },
  };
  const schedNode: SchedNode = { ...node, metadata: node.metadata ?? {} };
  if (!requiredNodeAffinityMatches(getRequiredNodeAffinity(pod), schedNode)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const untolerated = findMatchingUntoleratedTaint(taints, pod.spec.tolerations, (t) => t.effect === 'NoExecute' || t.effect === 'NoSchedule');
  if (!untolerated) return { shouldRun: true, shouldContinueRunning: true };
  const noExecute = findMatchingUntoleratedTaint(taints, pod.spec.tolerations, (t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: !noExecute };
}

// ---------------------------------------------------------------------------------------------
// The pod a node gets

/** util.ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes `metadata.name In [node]` alone. */
export function replaceNodeNameAffinity(affinity: PodSpec['affinity'], nodeName: string): NonNullable<PodSpec['affinity']> {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const a = structuredClone(affinity ?? {});
  const na = (a.nodeAffinity ??= {});
  na.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  return a;
}

/** The template generation (the deprecated annotation), undefined when absent or not a number. */
export function dsTemplateGeneration(ds: DaemonSet): number | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/** util.CreatePodTemplate + GetPodFromTemplate + the node affinity: the daemon pod for one node. */
export function daemonPodFor(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const t: PodTemplateSpec = ds.spec?.template ?? {};
  const meta = t.metadata ?? {};
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  const gen = dsTemplateGeneration(ds);
  if (gen !== undefined) labels[POD_TEMPLATE_GENERATION_LABEL] = String(gen);
  if (hash) labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  const spec: PodSpec = structuredClone(t.spec ?? {});
  spec.tolerations = daemonPodTolerations(spec);
  spec.affinity = replaceNodeNameAffinity(spec.affinity, nodeName);
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata?.name ?? ''}-`,
      namespace: ds.metadata?.namespace,
      labels,
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    spec,
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata!.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata!.finalizers = [...meta.finalizers];
  return pod;
}

/** util.GetTargetNodeName: spec.nodeName, else the one name of the `metadata.name` matchFields the controller set. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** getNodesToDaemonPods: the claimed pods by target node; deleting terminal pods are left out unless asked. */
export function podsByNode(pods: readonly Pod[], includeDeletedTerminal = false): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of pods) {
    if (!includeDeletedTerminal && isPodTerminal(p) && p.metadata?.deletionTimestamp) continue;
    const node = targetNodeName(p);
    if (node === undefined) continue;
    const list = out.get(node);
    if (list) list.push(p);
    else out.set(node, [p]);
  }
  return out;
}

/** podByCreationTimestampAndPhase: scheduled pods first, then older first, then by name. */
export function byCreationTimestampAndPhase(a: Pod, b: Pod): number {
  const sa = !!a.spec?.nodeName;
  const sb = !!b.spec?.nodeName;
  if (sa !== sb) return sa ? -1 : 1;
  const ta = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** util.IsPodUpdated: the pod has the current revision's hash, or the current template generation. */
export function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const templateMatches = generation !== undefined && labels[POD_TEMPLATE_GENERATION_LABEL] === String(generation);
  const hashMatches = hash.length > 0 && labels[CONTROLLER_REVISION_HASH_LABEL] === hash;
  return hashMatches || templateMatches;
}

function isRollingUpdate(ds: DaemonSet): boolean {
  return ds.spec?.updateStrategy?.type === 'RollingUpdate';
}

/** util.SurgeCount. */
export function surgeCount(ds: DaemonSet, numberToSchedule: number): number {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  if (!isRollingUpdate(ds) || !ru || ru.maxSurge === undefined || ru.maxSurge === null) return 0;
  return getScaledValueFromIntOrPercent(ru.maxSurge, numberToSchedule, true);
}

/** util.UnavailableCount. */
export function unavailableCount(ds: DaemonSet, numberToSchedule: number): number {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  if (!isRollingUpdate(ds) || !ru) return 0;
  return getScaledValueFromIntOrPercent(ru.maxUnavailable, numberToSchedule, true);
}

/** util.AllowsSurge. */
export function allowsSurge(ds: DaemonSet): boolean {
  try {
    return surgeCount(ds, 1) !== 0;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The plan of one sync

/** The failed-pod backoff of one node (flowcontrol.Backoff, 1 s doubling to 15 min). */
export interface BackoffEntry {
  /** When the backoff was last moved on. */
  lastUpdate: number;
  durationMs: number;
}

export const FAILED_POD_BACKOFF_INITIAL_MS = 1000;
export const FAILED_POD_BACKOFF_MAX_MS = 15 * 60 * 1000;

/** flowcontrol.Backoff.Next: a new or expired (2 x max since its last update) entry starts at the initial delay, else doubles. */
export function nextBackoff(prev: BackoffEntry | undefined, now: number): BackoffEntry {
  if (!prev || now - prev.lastUpdate > 2 * FAILED_POD_BACKOFF_MAX_MS) return { lastUpdate: now, durationMs: FAILED_POD_BACKOFF_INITIAL_MS };
  return { lastUpdate: now, durationMs: Math.min(prev.durationMs * 2, FAILED_POD_BACKOFF_MAX_MS) };
}

/** failedPodsBackoffKey: `<ds uid>/<generation>/<node>`. */
export function backoffKey(ds: DaemonSet, nodeName: string): string {
  return `${ds.metadata?.uid ?? ''}/${ds.metadata?.generation ?? 0}/${nodeName}`;
}

export interface DaemonSetEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface DaemonSetState {
  ds: DaemonSet;
  nodes: readonly Node[];
  /** The pods the DaemonSet owns (after the claim step). */
  pods: readonly Pod[];
  /** The current revision's hash (controller-revision-hash). */
  hash: string;
  now: number;
  /** The failed-pod backoffs, by backoffKey. */
  backoff?: ReadonlyMap<string, BackoffEntry>;
}

export interface DaemonSetPlan {
  /** Nodes that get a new daemon pod (at most BURST_REPLICAS). */
  createOn: string[];
  /** Pods to delete (at most BURST_REPLICAS). */
  deletePods: Pod[];
  events: DaemonSetEvent[];
  /** Failed-pod backoffs to move on (by backoffKey). */
  backoff: Map<string, BackoffEntry>;
  /** Look again after this long (a failed pod still in its backoff). */
  requeueAfterMs?: number;
  /** Which loop made the writes (for logs and tests). */
  phase: 'manage' | 'rollingUpdate' | 'none';
}

function podName(p: Pod): string {
  return p.metadata?.name ?? '';
}

/** The manage loop (manage + podsShouldBeOnNode + getUnscheduledPodsWithoutNode). */
export function planManage(s: DaemonSetState): DaemonSetPlan {
  const { ds, hash, now } = s;
  const byNode = podsByNode(s.pods);
  const plan: DaemonSetPlan = { createOn: [], deletePods: [], events: [], backoff: new Map(), phase: 'manage' };
  const surge = allowsSurge(ds);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  for (const node of s.nodes) {
    const name = node.metadata?.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const daemonPods = byNode.get(name);
    if (shouldRun && !daemonPods) {
      plan.createOn.push(name);
      continue;
    }
    if (shouldContinueRunning) {
      const running: Pod[] = [];
      for (const pod of daemonPods ?? []) {
        if (pod.metadata?.deletionTimestamp) continue;
        if (pod.status?.phase === 'Failed') {
          const key = backoffKey(ds, name);
          const entry = s.backoff?.get(key);
          if (entry && now - entry.lastUpdate < entry.durationMs) {
            const left = entry.durationMs - (now - entry.lastUpdate);
            plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? left, left);
            continue;
          }
          plan.backoff.set(key, nextBackoff(entry, now));
          plan.events.push({
            type: 'Warning',
            reason: REASON_FAILED_DAEMON_POD,
            message: `Found failed daemon pod ${pod.metadata?.namespace}/${podName(pod)} on node ${name}, will try to kill it`,
          });
          plan.deletePods.push(pod);
        } else if (pod.status?.phase === 'Succeeded') {
          plan.events.push({
            type: 'Normal',
            reason: REASON_SUCCEEDED_DAEMON_POD,
            message: `Found succeeded daemon pod ${pod.metadata?.namespace}/${podName(pod)} on node ${name}, will try to delete it`,
          });
          plan.deletePods.push(pod);
        } else running.push(pod);
      }
      running.sort(byCreationTimestampAndPhase);
      if (!surge) {
        plan.deletePods.push(...running.slice(1));
        continue;
      }
      if (running.length <= 1) {
        if (running.length === 0 && shouldRun) plan.createOn.push(name);
        continue;
      }
      // Surging: keep the oldest new pod and the oldest old pod; the old one goes once it is not ready or the new one is available.
      let oldestNew: Pod | undefined;
      let oldestOld: Pod | undefined;
      for (const pod of running) {
        if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) {
          if (!oldestNew) {
            oldestNew = pod;
            continue;
          }
        } else if (!oldestOld) {
          oldestOld = pod;
          continue;
        }
        plan.deletePods.push(pod);
      }
      if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReady, now))) plan.deletePods.push(oldestOld);
      continue;
    }
    if (daemonPods) for (const pod of daemonPods) if (!pod.metadata?.deletionTimestamp) plan.deletePods.push(pod);
  }
  // Unscheduled pods aimed at nodes that no longer exist: the pod GC never sees them.
  const nodeNames = new Set(s.nodes.map((n) => n.metadata?.name ?? ''));
  for (const [node, pods] of byNode) {
    if (nodeNames.has(node)) continue;
    for (const p of pods) if (!p.spec?.nodeName) plan.deletePods.push(p);
  }
  return burst(plan);
}

function burst(plan: DaemonSetPlan): DaemonSetPlan {
  plan.createOn = plan.createOn.slice(0, BURST_REPLICAS);
  plan.deletePods = plan.deletePods.slice(0, BURST_REPLICAS);
  return plan;
}

/** findUpdatedPodsOnNode: the one new and the one old pod of a node; ok false when there are more. */
function findUpdatedPodsOnNode(ds: DaemonSet, pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  const gen = dsTemplateGeneration(ds);
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, gen)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

/** updatedDesiredNodeCounts: maxSurge and maxUnavailable over the nodes that should run a pod (never both 0). */
export function desiredNodeCounts(ds: DaemonSet, nodes: readonly Node[]): { maxSurge: number; maxUnavailable: number; desired: number } {
  let desired = 0;
  for (const n of nodes) if (nodeShouldRunDaemonPod(n, ds).shouldRun) desired++;
  let maxUnavailable = unavailableCount(ds, desired);
  const maxSurge = surgeCount(ds, desired);
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable, desired };
}

/** rollingUpdate (update.go), nodes taken in name order (upstream walks a map). */
export function planRollingUpdate(s: DaemonSetState): DaemonSetPlan {
  const { ds, hash, now } = s;
  const plan: DaemonSetPlan = { createOn: [], deletePods: [], events: [], backoff: new Map(), phase: 'rollingUpdate' };
  const byNode = podsByNode(s.pods);
  const nodesByName = new Map(s.nodes.map((n) => [n.metadata?.name ?? '', n]));
  const { maxSurge, maxUnavailable, desired } = desiredNodeCounts(ds, s.nodes);
  for (const n of s.nodes) {
    const name = n.metadata?.name ?? '';
    if (nodeShouldRunDaemonPod(n, ds).shouldRun && !byNode.has(name)) byNode.set(name, []);
  }
  const names = [...byNode.keys()].sort();
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (p: Pod): boolean => isPodAvailable(p, minReady, now);

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const allowed: Pod[] = [];
    const candidates: Pod[] = [];
    for (const name of names) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, byNode.get(name) ?? [], hash);
      if (!ok) {
        numUnavailable++;
        continue;
      }
      if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
      else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) {
          allowed.push(oldPod);
          numUnavailable++;
        } else if (numUnavailable < maxUnavailable) candidates.push(oldPod);
      }
    }
    const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
    plan.deletePods = [...allowed, ...candidates.slice(0, remaining)];
    return burst(plan);
  }

  const oldPodsToDelete: Pod[] = [];
  const shouldNotRun: Pod[] = [];
  const candidateNew: string[] = [];
  const allowedNew: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const name of names) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, byNode.get(name) ?? [], hash);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (oldPod) {
      if (available(oldPod)) numAvailable++;
    } else if (newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    const node = nodesByName.get(name);
    const shouldRun = node ? nodeShouldRunDaemonPod(node, ds).shouldRun : false;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun) oldPodsToDelete.push(oldPod);
        else allowedNew.push(name);
      } else if (!shouldRun) shouldNotRun.push(oldPod);
      else if (numSurge < maxSurge) candidateNew.push(name);
      continue;
    }
    if (!available(newPod)) {
      numSurge++;
      continue;
    }
    oldPodsToDelete.push(oldPod);
  }
  // With surge the owner expects full availability: a pod on a node it must leave goes only once enough others are available.
  let deletable = Math.min(numAvailable - desired, shouldNotRun.length);
  for (const p of shouldNotRun) {
    if (deletable <= 0) break;
    deletable--;
    if (isPodReady(p)) oldPodsToDelete.push(p);
  }
  const remainingSurge = Math.min(Math.max(0, maxSurge - numSurge), candidateNew.length);
  plan.deletePods = oldPodsToDelete;
  plan.createOn = [...allowedNew, ...candidateNew.slice(0, remainingSurge)];
  return burst(plan);
}

/**
 * One sync's writes: the manage loop; when it has nothing to do (its writes would leave expectations pending,
 * which upstream checks before the rolling update) and the strategy is RollingUpdate, the rolling update.
 */
export function planDaemonSet(s: DaemonSetState): DaemonSetPlan {
  const manage = planManage(s);
  if (manage.createOn.length > 0 || manage.deletePods.length > 0 || !isRollingUpdate(s.ds)) return manage;
  const rolling = planRollingUpdate(s);
  rolling.events = manage.events;
  rolling.backoff = manage.backoff;
  rolling.requeueAfterMs = manage.requeueAfterMs;
  if (rolling.createOn.length === 0 && rolling.deletePods.length === 0) rolling.phase = 'none';
  return rolling;
}

// ---------------------------------------------------------------------------------------------
// Status

/** updateDaemonSetStatus: the counters over the nodes; observedGeneration only when this sync acted on the spec. */
export function daemonSetStatus(s: DaemonSetState, updateObservedGeneration: boolean): DaemonSetStatus {
  const { ds, hash, now } = s;
  const byNode = podsByNode(s.pods);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const gen = dsTemplateGeneration(ds);
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let updated = 0;
  let available = 0;
  for (const node of s.nodes) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    const pods = byNode.get(node.metadata?.name ?? '') ?? [];
    if (!shouldRun) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (pods.length === 0) continue;
    current++;
    const pod = [...pods].sort(byCreationTimestampAndPhase)[0]!;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
    if (isPodUpdated(pod, hash, gen)) updated++;
  }
  const status: DaemonSetStatus = {
    ...(ds.status ?? {}),
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  if (updateObservedGeneration) status.observedGeneration = ds.metadata?.generation ?? 0;
  return status;
}

/** storeDaemonSetStatus's shortcut: nothing to write when every counter is the same and observedGeneration is current. */
export function daemonSetStatusChanged(ds: DaemonSet, next: DaemonSetStatus): boolean {
  const cur = ds.status ?? {};
  const fields = [
    'desiredNumberScheduled',
    'currentNumberScheduled',
    'numberMisscheduled',
    'numberReady',
    'updatedNumberScheduled',
    'numberAvailable',
    'numberUnavailable',
  ] as const;
  for (const f of fields) if ((cur[f] ?? 0) !== (next[f] ?? 0)) return true;
  return (cur.observedGeneration ?? 0) < (ds.metadata?.generation ?? 0) && (next.observedGeneration ?? 0) !== (cur.observedGeneration ?? 0);
}

/** A resync after minReadySeconds when ready and available differ (the clock-skew guard). */
export function daemonSetRequeueAfterMs(ds: DaemonSet, status: DaemonSetStatus): number | undefined {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  if (minReady > 0 && status.numberReady !== status.numberAvailable) return minReady * 1000;
  return undefined;
}

/** The DaemonSet selects every pod: refused (the SelectingAll warning), as upstream. */
export function selectsEverything(ds: DaemonSet): boolean {
  const sel = ds.spec?.selector;
  return !!sel && Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions?.length ?? 0) === 0;
}
