/**
 * The Deployment controller's decisions (pkg/controller/deployment: sync.go, rolling.go,
 * recreate.go, progress.go) as one pure function. `decideDeployment` takes the Deployment, the
 * ReplicaSets it owns and their pods, and returns the writes of one sync: create / update / delete
 * ReplicaSets, the Deployment's revision annotation, its new status, events, when to look again.
 * Like upstream, a sync takes one step (scale up the new ReplicaSet, or scale down old ones) and
 * the next sync, triggered by the ReplicaSets' status changes, takes the next.
 */

import { clone, deepEqual } from '../../../api/values.js';
import { getCondition, removeCondition, setCondition } from '../../../api/conditions.js';
import { parseTime, rfc3339 } from '../../../api/time.js';
import { byCreationTimestamp, isPodTerminal } from '../util/meta.js';
import type { Condition, Deployment, DeploymentStatus, Pod, ReplicaSet } from '../util/types.js';
import { computeHash } from './hash.js';
import {
  byRevision,
  equalIgnoreHash,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  intAnnotation,
  isRollingUpdate,
  maxRevision,
  maxSurge,
  maxUnavailable,
  MAX_REPLICAS_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  progressDeadlineSeconds,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  REVISION_ANNOTATION,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
  sumSpecReplicas,
  sumStatus,
} from './util.js';

// Condition reasons (deployment_util.go).
export const REASON = {
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  FailedRSCreate: 'ReplicaSetCreateError',
  NewReplicaSet: 'NewReplicaSetCreated',
  FoundNewRS: 'FoundNewReplicaSet',
  NewRSAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  Paused: 'DeploymentPaused',
  Resumed: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

export type DeploymentAction =
  | { type: 'createReplicaSet'; rs: ReplicaSet }
  | { type: 'updateReplicaSet'; rs: ReplicaSet }
  | { type: 'deleteReplicaSet'; rs: ReplicaSet }
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string };

export interface DeploymentState {
  deployment: Deployment;
  /** The ReplicaSets the Deployment owns (after adoption / release). */
  replicaSets: ReplicaSet[];
  /** Pods by the uid of the ReplicaSet that controls them (Recreate waits for old pods to stop). */
  podsByReplicaSet?: Map<string, Pod[]>;
  now: number;
}

export interface DeploymentDecision {
  actions: DeploymentAction[];
  /** Annotations to merge into the Deployment's metadata (the revision), when they change. */
  annotations?: Record<string, string>;
  /** The Deployment's new status, when it changes. */
  status?: DeploymentStatus;
  /** Look again after this many ms (progress deadline, minReadySeconds). */
  requeueAfterMs?: number;
}

/** A working copy of one sync: the deployment (annotations, status) and its ReplicaSets. */
class Sync {
  readonly d: Deployment;
  rsList: ReplicaSet[];
  readonly actions: DeploymentAction[] = [];
  readonly now: number;
  readonly nowText: string;

  constructor(readonly s: DeploymentState) {
    this.d = clone(s.deployment);
    this.d.metadata ??= {};
    this.d.status ??= {};
    this.rsList = s.replicaSets.map((rs) => clone(rs));
    this.now = s.now;
    this.nowText = rfc3339(s.now);
  }

  event(reason: string, message: string, eventType: 'Normal' | 'Warning' = 'Normal') {
    this.actions.push({ type: 'event', eventType, reason, message });
  }

  condition(type: string, status: string, reason: string, message: string): Condition {
    return { type, status, lastUpdateTime: this.nowText, lastTransitionTime: this.nowText, reason, message };
  }

  setCond(c: Condition) {
    this.d.status!.conditions = setCondition(this.d.status!.conditions, c);
  }

  replace(rs: ReplicaSet) {
    const i = this.rsList.findIndex((x) => x.metadata?.name === rs.metadata?.name);
    if (i >= 0) this.rsList[i] = rs;
    else this.rsList.push(rs);
  }

  updateRS(rs: ReplicaSet) {
    this.replace(rs);
    const prev = this.actions.findIndex((a) => a.type !== 'event' && a.rs.metadata?.name === rs.metadata?.name);
    if (prev >= 0 && this.actions[prev]!.type === 'createReplicaSet') this.actions[prev] = { type: 'createReplicaSet', rs };
    else if (prev >= 0) this.actions[prev] = { type: 'updateReplicaSet', rs };
    else this.actions.push({ type: 'updateReplicaSet', rs });
  }

  // ----- new / old ReplicaSets (getAllReplicaSetsAndSyncRevision)

  findNew(): ReplicaSet | undefined {
    return [...this.rsList].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, this.d.spec?.template));
  }

  olds(): ReplicaSet[] {
    const n = this.findNew();
    return this.rsList.filter((rs) => rs !== n);
  }

  setRevision(rev: string) {
    this.d.metadata!.annotations ??= {};
    this.d.metadata!.annotations[REVISION_ANNOTATION] = rev;
  }

  /** getNewReplicaSet: sync the existing new ReplicaSet's annotations, or create it. */
  getNewRS(create: boolean): ReplicaSet | undefined {
    const d = this.d;
    const existing = this.findNew();
    const oldRSs = this.olds();
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const copy = clone(existing);
      const annChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (minReadyChanged) copy.spec = { ...copy.spec, minReadySeconds: d.spec?.minReadySeconds ?? 0 };
      if (annChanged || minReadyChanged) this.updateRS(copy);
      this.setRevision(copy.metadata?.annotations?.[REVISION_ANNOTATION] ?? String(newRevision));
      if (hasProgressDeadline(d) && !getCondition(d.status!.conditions, 'Progressing')) {
        this.setCond(this.condition('Progressing', 'True', REASON.FoundNewRS, `Found new replica set "${copy.metadata?.name}"`));
      }
      return copy;
    }
    if (!create) return undefined;
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const template = clone(d.spec?.template ?? {});
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const selector = clone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const name = `${d.metadata?.name}-${hash}`;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata?.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: d.metadata?.name ?? '',
            uid: d.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    rs.spec!.replicas = newRSNewReplicas(d, [...this.rsList, rs], rs);
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    this.rsList.push(rs);
    this.actions.push({ type: 'createReplicaSet', rs });
    if (specReplicas(rs) > 0) this.event('ScalingReplicaSet', `Scaled up replica set ${name} from 0 to ${specReplicas(rs)}`);
    this.setRevision(String(newRevision));
    if (hasProgressDeadline(d)) {
      this.setCond(this.condition('Progressing', 'True', REASON.NewReplicaSet, `Created new replica set "${name}"`));
    }
    return rs;
  }

  // ----- scaling

  /** scaleReplicaSet: size and the desired/max annotations; true when the size changed. */
  scaleRS(rs: ReplicaSet, newScale: number): boolean {
    const d = this.d;
    const desired = replicasOf(d);
    const max = desired + maxSurge(d);
    const sizeChanged = specReplicas(rs) !== newScale;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
    const old = specReplicas(rs);
    const copy = clone(rs);
    copy.spec = { ...copy.spec, replicas: newScale };
    setReplicasAnnotations(copy, desired, max);
    this.updateRS(copy);
    if (sizeChanged) {
      this.event('ScalingReplicaSet', `Scaled ${newScale > old ? 'up' : 'down'} replica set ${copy.metadata?.name} from ${old} to ${newScale}`);
    }
    return sizeChanged;
  }

  current(rs: ReplicaSet): ReplicaSet {
    return this.rsList.find((x) => x.metadata?.name === rs.metadata?.name) ?? rs;
  }

  /** sync.go scale(): a scaling event, or a paused deployment; proportional during a rollout. */
  scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]) {
    const d = this.d;
    const desired = replicasOf(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (specReplicas(activeOrLatest) !== desired) this.scaleRS(activeOrLatest, desired);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of oldRSs.filter((rs) => specReplicas(rs) > 0)) this.scaleRS(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = [...oldRSs, ...(newRS ? [newRS] : [])].filter((rs) => specReplicas(rs) > 0);
    const allReplicas = sumSpecReplicas(all);
    const allowed = desired > 0 ? desired + maxSurge(d) : 0;
    const toAdd = allowed - allReplicas;
    if (toAdd > 0) all.sort(bySizeNewer);
    else if (toAdd < 0) all.sort(bySizeOlder);
    const sizes = new Map<string, number>();
    let added = 0;
    for (const rs of all) {
      if (toAdd !== 0) {
        const p = getProportion(rs, d, toAdd, added);
        sizes.set(rs.metadata!.name!, specReplicas(rs) + p);
        added += p;
      } else sizes.set(rs.metadata!.name!, specReplicas(rs));
    }
    all.forEach((rs, i) => {
      const name = rs.metadata!.name!;
      if (i === 0 && toAdd !== 0) {
        const leftover = toAdd - added;
        sizes.set(name, Math.max(0, sizes.get(name)! + leftover));
      }
      this.scaleRS(rs, sizes.get(name)!);
    });
  }

  // ----- clean-up

  cleanup(oldRSs: ReplicaSet[]) {
    const d = this.d;
    if (!hasRevisionHistoryLimit(d)) return;
    const limit = d.spec?.revisionHistoryLimit ?? 10;
    const alive = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp).sort(byRevision);
    const diff = alive.length - limit;
    for (let i = 0; i < diff; i++) {
      const rs = alive[i]!;
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
      if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      this.actions.push({ type: 'deleteReplicaSet', rs });
      this.rsList = this.rsList.filter((x) => x !== rs && x.metadata?.name !== rs.metadata?.name);
    }
  }

  // ----- status

  calculateStatus(all: ReplicaSet[], newRS: ReplicaSet | undefined): DeploymentStatus {
    const d = this.d;
    const available = sumStatus(all, 'availableReplicas');
    const total = sumSpecReplicas(all);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata?.generation ?? 0,
      replicas: sumStatus(all, 'replicas'),
      updatedReplicas: sumStatus(newRS ? [newRS] : [], 'replicas'),
      readyReplicas: sumStatus(all, 'readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
    };
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    let conds = [...(d.status?.conditions ?? [])];
    if (available >= replicasOf(d) - maxUnavailable(d)) {
      conds = setCondition(conds, this.condition('Available', 'True', REASON.MinimumReplicasAvailable, 'Deployment has minimum availability.'));
    } else {
      conds = setCondition(conds, this.condition('Available', 'False', REASON.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.'));
    }
    status.conditions = conds;
    return status;
  }

  /** syncRolloutStatus: status plus the Progressing condition. */
  rolloutStatus(all: ReplicaSet[], newRS: ReplicaSet | undefined): { status: DeploymentStatus; requeueAfterMs?: number } {
    const d = this.d;
    const st = this.calculateStatus(all, newRS);
    if (!hasProgressDeadline(d)) st.conditions = removeCondition(st.conditions, 'Progressing');
    const cur = getCondition(st.conditions, 'Progressing');
    const complete = st.replicas === st.updatedReplicas && cur?.reason === REASON.NewRSAvailable;
    if (hasProgressDeadline(d) && !complete) {
      const rsName = newRS?.metadata?.name;
      if (deploymentComplete(d, st)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata?.name}" has successfully progressed.`;
        st.conditions = setCondition(st.conditions, this.condition('Progressing', 'True', REASON.NewRSAvailable, msg));
      } else if (deploymentProgressing(this.s.deployment, st)) {
        const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata?.name}" is progressing.`;
        const c = this.condition('Progressing', 'True', REASON.ReplicaSetUpdated, msg);
        if (cur) {
          if (cur.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
          st.conditions = removeCondition(st.conditions, 'Progressing');
        }
        st.conditions = setCondition(st.conditions, c);
      } else if (deploymentTimedOut(d, st, this.now)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata?.name}" has timed out progressing.`;
        st.conditions = setCondition(st.conditions, this.condition('Progressing', 'False', REASON.TimedOut, msg));
      }
    }
    // Promote the ReplicaSets' failure conditions (ReplicaFailure) to the deployment.
    const failure = replicaFailure(all, newRS);
    if (failure) {
      st.conditions = setCondition(st.conditions, {
        type: 'ReplicaFailure',
        status: failure.status,
        reason: failure.reason,
        message: failure.message,
        lastTransitionTime: failure.lastTransitionTime,
        lastUpdateTime: failure.lastTransitionTime,
      });
    } else st.conditions = removeCondition(st.conditions, 'ReplicaFailure');
    return { status: st, requeueAfterMs: stuckRequeueMs(d, st, this.now) };
  }
}

// ---------------------------------------------------------------------------------------------

function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  if (specReplicas(a) !== specReplicas(b)) return specReplicas(b) - specReplicas(a);
  return byCreationTimestamp(b, a);
}

function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  if (specReplicas(a) !== specReplicas(b)) return specReplicas(b) - specReplicas(a);
  return byCreationTimestamp(a, b);
}

/** FindActiveOrLatest: the only ReplicaSet with replicas, or the latest when none has any. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = [...olds, ...(newRS ? [newRS] : [])].filter((rs) => specReplicas(rs) > 0);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
  return specReplicas(rs) === replicasOf(d) && desired === replicasOf(d) && (rs.status?.availableReplicas ?? 0) === replicasOf(d);
}

/** GetProportion / getReplicaSetFraction. */
export function getProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (replicasOf(d) === 0) return -specReplicas(rs);
  const dMax = replicasOf(d) + maxSurge(d);
  let before = intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
  if (!before) {
    before = d.status?.replicas ?? 0;
    if (before === 0) return 0;
  }
  const size = (specReplicas(rs) * dMax) / before;
  return Math.round(size) - specReplicas(rs);
}

/** NewRSNewReplicas: how big the new ReplicaSet may be now. */
export function newRSNewReplicas(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const current = sumSpecReplicas(all);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, replicasOf(d) - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

export function deploymentComplete(d: Deployment, st: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return st.updatedReplicas === r && st.replicas === r && st.availableReplicas === r && (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** DeploymentProgressing: more updated, fewer old, more ready or more available than before. */
export function deploymentProgressing(d: Deployment, st: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (st.replicas ?? 0) - (st.updatedReplicas ?? 0);
  return (
    (st.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (st.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (st.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

export function deploymentTimedOut(d: Deployment, st: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(st.conditions, 'Progressing');
  if (!c) return false;
  if (c.reason === REASON.NewRSAvailable) return false;
  if (c.reason === REASON.TimedOut) return true;
  const from = parseTime(c.lastUpdateTime);
  if (from === undefined) return false;
  return from + progressDeadlineSeconds(d) * 1000 < now;
}

/** requeueStuckDeployment: when the progress deadline would pass. */
function stuckRequeueMs(d: Deployment, st: DeploymentStatus, now: number): number | undefined {
  const c = getCondition(st.conditions, 'Progressing');
  if (!hasProgressDeadline(d) || !c || c.reason === REASON.NewRSAvailable || c.reason === REASON.TimedOut) return undefined;
  if (deploymentComplete(d, st)) return undefined;
  const from = parseTime(c.lastUpdateTime);
  if (from === undefined) return undefined;
  const after = from + progressDeadlineSeconds(d) * 1000 - now;
  return Math.max(after + 1000, 1000);
}

function replicaFailure(all: ReplicaSet[], newRS: ReplicaSet | undefined): Condition | undefined {
  const order = newRS ? [newRS, ...all.filter((r) => r !== newRS)] : all;
  for (const rs of order) {
    const c = getCondition(rs.status?.conditions, 'ReplicaFailure');
    if (c) return c;
  }
  return undefined;
}

/** Recreate's oldPodsRunning: any old ReplicaSet still reports pods, or a pod is not terminal. */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podsByRS: Map<string, Pod[]> | undefined): boolean {
  if (sumStatus(oldRSs, 'replicas') > 0) return true;
  for (const [uid, pods] of podsByRS ?? []) {
    if (newRS && uid === newRS.metadata?.uid) continue;
    if (pods.some((p) => !isPodTerminal(p))) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------

/** syncDeployment as one decision. */
export function decideDeployment(state: DeploymentState): DeploymentDecision {
  const x = new Sync(state);
  const d = x.d;
  let requeueAfterMs: number | undefined;
  let status: DeploymentStatus | undefined;

  const sel = d.spec?.selector;
  const selectsAll = !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
  if (selectsAll) {
    x.event('SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.', 'Warning');
    if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
      status = { ...d.status, observedGeneration: d.metadata?.generation ?? 0 };
    }
    return finish(x, status, undefined);
  }

  if (d.metadata?.deletionTimestamp) {
    const newRS = x.getNewRS(false);
    const olds = x.olds();
    status = x.calculateStatus([...olds, ...(newRS ? [x.current(newRS)] : [])], newRS && x.current(newRS));
    return finish(x, status, undefined);
  }

  // checkPausedConditions
  if (hasProgressDeadline(d)) {
    const cond = getCondition(d.status!.conditions, 'Progressing');
    if (cond?.reason !== REASON.TimedOut) {
      const pausedExists = cond?.reason === REASON.Paused;
      if (d.spec?.paused && !pausedExists) x.setCond(x.condition('Progressing', 'Unknown', REASON.Paused, 'Deployment is paused'));
      else if (!d.spec?.paused && pausedExists) x.setCond(x.condition('Progressing', 'Unknown', REASON.Resumed, 'Deployment is resumed'));
    }
  }

  if (d.spec?.paused || isScalingEvent(x)) {
    // sync(): scale and, when paused, clean up; status without progress bookkeeping.
    const newRS = x.getNewRS(false);
    x.scale(newRS && x.current(newRS), x.olds().map((r) => x.current(r)));
    if (d.spec?.paused) x.cleanup(x.olds());
    const nrs = x.findNew();
    status = x.calculateStatus(x.rsList, nrs);
    return finish(x, status, undefined);
  }

  if (!isRollingUpdate(d)) {
    // rolloutRecreate
    let newRS = x.getNewRS(false);
    const activeOlds = x.olds().filter((rs) => specReplicas(rs) > 0);
    let scaledDown = false;
    for (const rs of activeOlds) if (x.scaleRS(rs, 0)) scaledDown = true;
    if (!scaledDown && !oldPodsRunning(newRS, x.olds(), state.podsByReplicaSet)) {
      if (!newRS) newRS = x.getNewRS(true);
      const cur = x.current(newRS!);
      x.scaleRS(cur, replicasOf(d));
      if (deploymentComplete(d, state.deployment.status ?? {})) x.cleanup(x.olds());
    }
    const r = x.rolloutStatus(x.rsList, x.findNew());
    status = r.status;
    requeueAfterMs = r.requeueAfterMs;
    return finish(x, status, requeueAfterMs);
  }

  // rolloutRolling
  const newRS = x.getNewRS(true)!;
  let progressed = reconcileNewReplicaSet(x, x.current(newRS));
  if (!progressed) progressed = reconcileOldReplicaSets(x, x.current(newRS));
  if (!progressed && deploymentComplete(d, state.deployment.status ?? {})) x.cleanup(x.olds());
  const r = x.rolloutStatus(x.rsList, x.findNew());
  return finish(x, r.status, r.requeueAfterMs);
}

function finish(x: Sync, status: DeploymentStatus | undefined, requeueAfterMs: number | undefined): DeploymentDecision {
  const out: DeploymentDecision = { actions: x.actions };
  const before = x.s.deployment.metadata?.annotations?.[REVISION_ANNOTATION];
  const after = x.d.metadata?.annotations?.[REVISION_ANNOTATION];
  if (after !== undefined && after !== before) out.annotations = { [REVISION_ANNOTATION]: after };
  if (status && !deepEqual(normalizeStatus(status), normalizeStatus(x.s.deployment.status ?? {}))) out.status = status;
  if (requeueAfterMs !== undefined) out.requeueAfterMs = requeueAfterMs;
  return out;
}

function normalizeStatus(st: DeploymentStatus): DeploymentStatus {
  return {
    observedGeneration: st.observedGeneration ?? 0,
    replicas: st.replicas ?? 0,
    updatedReplicas: st.updatedReplicas ?? 0,
    readyReplicas: st.readyReplicas ?? 0,
    availableReplicas: st.availableReplicas ?? 0,
    unavailableReplicas: st.unavailableReplicas ?? 0,
    conditions: st.conditions ?? [],
    collisionCount: st.collisionCount,
  };
}

/** isScalingEvent: an active ReplicaSet records a desired size different from spec.replicas. */
function isScalingEvent(x: Sync): boolean {
  const newRS = x.findNew();
  const all = [...x.olds(), ...(newRS ? [newRS] : [])].filter((rs) => specReplicas(rs) > 0);
  for (const rs of all) {
    const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
    if (desired === undefined) continue;
    if (desired !== replicasOf(x.d)) return true;
  }
  return false;
}

function reconcileNewReplicaSet(x: Sync, newRS: ReplicaSet): boolean {
  const desired = replicasOf(x.d);
  if (specReplicas(newRS) === desired) return false;
  if (specReplicas(newRS) > desired) return x.scaleRS(newRS, desired);
  const n = newRSNewReplicas(x.d, x.rsList, newRS);
  return x.scaleRS(newRS, n);
}

function reconcileOldReplicaSets(x: Sync, newRS: ReplicaSet): boolean {
  const d = x.d;
  const olds = x.olds().map((r) => x.current(r));
  if (sumSpecReplicas(olds) === 0) return false;
  const allPods = sumSpecReplicas(x.rsList);
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;

  // cleanupUnhealthyReplicas: first take away old replicas that are not available anyway.
  let cleaned = 0;
  for (const rs of olds.filter((r) => specReplicas(r) > 0).sort(byCreationTimestamp)) {
    if (cleaned >= maxScaledDown) break;
    const cur = x.current(rs);
    const unhealthy = specReplicas(cur) - (cur.status?.availableReplicas ?? 0);
    if (specReplicas(cur) === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    x.scaleRS(cur, specReplicas(cur) - n);
    cleaned += n;
  }

  // scaleDownOldReplicaSetsForRollingUpdate: then scale down while availability allows.
  let scaled = 0;
  // A ReplicaSet's status can still count pods its (just lowered) spec is about to delete: count at
  // most spec.replicas of each, or a stale status lets this scale down below minAvailable.
  const available = x.rsList.reduce((n, r) => {
    const cur = x.current(r);
    return n + Math.min(cur.status?.availableReplicas ?? 0, specReplicas(cur));
  }, 0);
  if (available > minAvailable) {
    const total = available - minAvailable;
    for (const rs of x.olds().map((r) => x.current(r)).filter((r) => specReplicas(r) > 0).sort(byCreationTimestamp)) {
      if (scaled >= total) break;
      const n = Math.min(specReplicas(rs), total - scaled);
      x.scaleRS(rs, specReplicas(rs) - n);
      scaled += n;
    }
  }
  return cleaned + scaled > 0;
}
