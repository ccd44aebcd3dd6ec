/**
 * The Job controller's decisions (pkg/controller/job, 1.32), as one pure function of the Job, its pods
 * and the time: which pods to create (with their completion indexes), which to delete, which pods' tracking
 * finalizers to remove, the next status (counters, uncountedTerminatedPods, conditions, times), the
 * events, and when to look again (the pod-failure backoff, activeDeadlineSeconds).
 *
 * Pod accounting follows upstream's finalizer tracking: a terminated pod that still carries
 * `batch.kubernetes.io/job-tracking` is first recorded in status.uncountedTerminatedPods, then its
 * finalizer is removed, then its uid moves from uncountedTerminatedPods to the succeeded / failed counters
 * (`status.intermediate` is the first write, `status.final` the last).
 */
import { getCondition } from '../../../api/conditions.js';
import { newControllerRef } from '../../../api/owners.js';
import { parseTime, rfc3339 } from '../../../api/time.js';
import { clone } from '../../../api/values.js';
import { isPodReady } from '../util/meta.js';
import { formatIndexes, matchSuccessPolicy, parseIndexes } from './indexes.js';
import type { Container, Job, JobCondition, JobStatus, Pod } from '../util/types.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** The failures (counted, and ignored by the podFailurePolicy) of the earlier pods of an index (backoffLimitPerIndex). */
export const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count';
/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;
/** controller.BurstReplicas. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

export const JOB_MESSAGES = {
  backoffLimit: 'Job has reached the specified backoff limit',
  deadline: 'Job was active longer than specified deadline',
  completions: 'Reached expected number of succeeded pods',
  suspended: 'Job suspended',
  resumed: 'Job resumed',
  maxFailedIndexes: 'Job has exceeded the specified maximal number of failed indexes',
  failedIndexes: 'Job has failed indexes',
} as const;

export interface JobState {
  job: Job;
  /** The pods the Job controls (claimed: controller reference to the Job, selector matching). */
  pods: Pod[];
  now: number;
  /** False while creates / deletes asked for are not yet in the cache: no pods are created or deleted then. */
  expectationsSatisfied?: boolean;
}

export interface JobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface JobDecision {
  /** Pods to create (already made from the template). */
  create: Pod[];
  /** Active pods to delete (excess, suspended, finished Job). */
  delete: Pod[];
  /** Terminated (or terminating) pods whose tracking finalizer is to be removed. */
  removeFinalizer: Pod[];
  /** Status with the newly terminated pods in uncountedTerminatedPods (written before the finalizers go), if any. */
  intermediate?: JobStatus;
  /** The status after this pass. */
  status: JobStatus;
  events: JobEvent[];
  /** Look again after this many ms (backoff over, deadline reached). */
  requeueAfterMs?: number;
}

const isFinished = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const hasFinalizer = (p: Pod): boolean => (p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);

/**
 * onlyReplaceFailedPods: `podReplacementPolicy: Failed` (the default with a podFailurePolicy): a pod being
 * deleted is neither failed nor replaced until it reaches phase Failed.
 */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;
}

/** isPodFailed: phase Failed, or (unless only failed pods are replaced) being deleted before it succeeded. */
export function isPodFailed(p: Pod, job: Job): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

export function isJobFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function hasTrueCondition(job: Job, type: string): boolean {
  return getCondition(job.status?.conditions ?? [], type)?.status === 'True';
}

/** The completion index of an Indexed Job's pod (annotation, else label), or undefined. */
export function podCompletionIndex(p: Pod): number | undefined {
  const v = p.metadata?.annotations?.[JOB_COMPLETION_INDEX] ?? p.metadata?.labels?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^[0-9]+$/.test(v)) return undefined;
  return Number(v);
}

export { formatIndexes, parseIndexes } from './indexes.js';

/** When a pod finished: its containers' latest finishedAt, else its Ready condition's transition, else creation. */
export function podFinishTime(p: Pod): number | undefined {
  let t: number | undefined;
  for (const cs of [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])]) {
    const f = parseTime(cs.state?.terminated?.finishedAt ?? cs.lastState?.terminated?.finishedAt);
    if (f !== undefined && (t === undefined || f > t)) t = f;
  }
  if (t !== undefined) return t;
  const ready = (p.status?.conditions ?? []).find((c) => c.type === 'Ready');
  return parseTime(ready?.lastTransitionTime) ?? parseTime(p.metadata?.deletionTimestamp) ?? parseTime(p.metadata?.creationTimestamp);
}

/**
 * The pod-failure backoff (getRemainingTime of backoffRecord): 10 s doubled per failure since the last
 * success, at most 6 min, counted from the last failure. 0 when pods may be created now.
 */
export function remainingBackoffMs(pods: Pod[], now: number): number {
  let lastSuccess = -Infinity;
  for (const p of pods) if (p.status?.phase === 'Succeeded') lastSuccess = Math.max(lastSuccess, podFinishTime(p) ?? -Infinity);
  let failures = 0;
  let lastFailure = -Infinity;
  for (const p of pods) {
    if (p.status?.phase !== 'Failed') continue;
    const t = podFinishTime(p) ?? now;
    if (t < lastSuccess) continue;
    failures++;
    lastFailure = Math.max(lastFailure, t);
  }
  if (failures === 0) return 0;
  const delay = Math.min(POD_FAILURE_BACKOFF_MS * 2 ** (failures - 1), MAX_POD_FAILURE_BACKOFF_MS);
  return Math.max(0, lastFailure + delay - now);
}

export type PodFailureAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

/**
 * matchPodFailurePolicy: the first rule that matches a failed pod (exit codes of its terminated non-zero
 * containers, or its conditions), its action and, for FailJob, upstream's message. No rule: Count.
 */
export function matchPodFailurePolicy(job: Job, pod: Pod): { action: PodFailureAction; message?: string } {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const action = rule.action as PodFailureAction;
    const codes = rule.onExitCodes;
    if (codes) {
      const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      for (const cs of statuses) {
        if (codes.containerName && cs.name !== codes.containerName) continue;
        const code = cs.state?.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        const inSet = (codes.values ?? []).includes(code);
        if ((codes.operator === 'In' && inSet) || (codes.operator === 'NotIn' && !inSet)) {
          return { action, message: `Container ${cs.name} for pod ${ns}/${name} failed with exit code ${code} matching ${action} rule at index ${i}` };
        }
      }
    }
    for (const pattern of rule.onPodConditions ?? []) {
      const c = (pod.status?.conditions ?? []).find((x) => x.type === pattern.type && x.status === (pattern.status ?? 'True'));
      if (c) return { action, message: `Pod ${ns}/${name} has condition ${pattern.type} matching ${action} rule at index ${i}` };
    }
  }
  return { action: 'Count' };
}

/** Whether a failed pod counts against the limits (no podFailurePolicy rule, or Count, FailJob, FailIndex). */
export function countsAsFailure(job: Job, pod: Pod): boolean {
  return !job.spec?.podFailurePolicy || matchPodFailurePolicy(job, pod).action !== 'Ignore';
}

function annotationCount(p: Pod, key: string): number {
  const v = p.metadata?.annotations?.[key];
  if (v === undefined || !/^[0-9]+$/.test(v)) return 0;
  const n = Number(v);
  return n > 2147483647 ? 0 : n;
}

/** getIndexFailureCount: the counted failures of the index before this pod (its annotation; 0 if absent or bad). */
export const indexFailureCount = (p: Pod): number => annotationCount(p, JOB_INDEX_FAILURE_COUNT);
/** getIndexAbsoluteFailureCount: the counted and the ignored failures. */
const indexAbsoluteFailureCount = (p: Pod): number => annotationCount(p, JOB_INDEX_FAILURE_COUNT) + annotationCount(p, JOB_INDEX_IGNORED_FAILURE_COUNT);

export interface IndexFailureCounts {
  failures: number;
  ignored: number;
}

/** getNewIndexFailureCounts: the annotations of the pod replacing a failed one of the same index. */
export function newIndexFailureCounts(job: Job, replaced: Pod | undefined): IndexFailureCounts {
  if (!replaced) return { failures: 0, ignored: 0 };
  const failures = indexFailureCount(replaced);
  const ignored = annotationCount(replaced, JOB_INDEX_IGNORED_FAILURE_COUNT);
  return countsAsFailure(job, replaced) ? { failures: failures + 1, ignored } : { failures, ignored: ignored + 1 };
}

/**
 * isIndexFailed (backoffLimitPerIndex): the pod failed and matched a FailIndex rule, or it counts and its
 * index had already failed backoffLimitPerIndex times before it.
 */
export function isIndexFailed(job: Job, p: Pod): boolean {
  if (!isPodFailed(p, job)) return false;
  if (job.spec?.podFailurePolicy) {
    const m = matchPodFailurePolicy(job, p);
    if (m.action === 'FailIndex') return true;
    if (m.action === 'Ignore') return false;
  }
  return indexFailureCount(p) >= (job.spec?.backoffLimitPerIndex ?? 0);
}

/** getRemainingTimePerIndex: the backoff of an index after its last failed pod (10 s doubled per failure, at most 6 min). */
export function remainingIndexBackoffMs(lastFailed: Pod | undefined, now: number): number {
  if (!lastFailed) return 0;
  const failures = indexAbsoluteFailureCount(lastFailed) + 1;
  const delay = Math.min(POD_FAILURE_BACKOFF_MS * 2 ** (failures - 1), MAX_POD_FAILURE_BACKOFF_MS);
  const finished = podFinishTime(lastFailed) ?? now;
  return Math.max(0, finished + delay - now);
}

/** The pod a Job creates: its template, the tracking finalizer, the controller reference, and for Indexed Jobs its index. */
export function podForJob(job: Job, index?: number, failures?: IndexFailureCounts): Pod {
  const t = job.spec?.template ?? {};
  const name = job.metadata?.name ?? '';
  const labels: Record<string, string> = { ...(t.metadata?.labels ?? {}) };
  const annotations: Record<string, string> = { ...(t.metadata?.annotations ?? {}) };
  const spec = clone(t.spec ?? {});
  if (index !== undefined) {
    annotations[JOB_COMPLETION_INDEX] = String(index);
    labels[JOB_COMPLETION_INDEX] = String(index);
    if (!spec.hostname) spec.hostname = `${name}-${index}`;
    const env = {
      name: JOB_COMPLETION_INDEX_ENV,
      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } },
    };
    const addEnv = (c: Container) => {
      if (!(c.env ?? []).some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) c.env = [...(c.env ?? []), env];
    };
    (spec.containers ?? []).forEach(addEnv);
    (spec.initContainers ?? []).forEach(addEnv);
    if (failures) {
      annotations[JOB_INDEX_FAILURE_COUNT] = String(failures.failures);
      if (failures.ignored > 0) annotations[JOB_INDEX_IGNORED_FAILURE_COUNT] = String(failures.ignored);
    }
  }
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      namespace: job.metadata?.namespace,
      labels,
      finalizers: [...(t.metadata?.finalizers ?? []), JOB_TRACKING_FINALIZER],
      ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
    },
    spec,
  };
  if (Object.keys(annotations).length) pod.metadata!.annotations = annotations;
  return pod;
}

function condition(type: string, status: string, reason: string, message: string, now: string): JobCondition {
  return { type, status, reason, message, lastProbeTime: now, lastTransitionTime: now };
}

/** Set (or replace on a change of status) a condition; keep the list otherwise. */
function setJobCondition(conds: JobCondition[], c: JobCondition): JobCondition[] {
  const cur = conds.find((x) => x.type === c.type);
  if (cur && cur.status === c.status) return conds;
  return [...conds.filter((x) => x.type !== c.type), c];
}

/**
 * getPodsWithDelayedDeletionPerIndex (backoffLimitPerIndex): per pending index, its last failed pod, whose
 * tracking finalizer stays until the replacement is created with the failure counts it carries.
 */
export function podsWithDelayedDeletionPerIndex(job: Job, pods: Pod[], done: ReadonlySet<number>, activeIndexes: ReadonlySet<number>): Map<number, Pod> {
  const out = new Map<number, Pod>();
  const completions = job.spec?.completions ?? 0;
  for (const p of pods) {
    if (!hasFinalizer(p) || !isPodFailed(p, job)) continue;
    const ix = podCompletionIndex(p);
    if (ix === undefined || ix >= completions || done.has(ix) || activeIndexes.has(ix)) continue;
    const last = out.get(ix);
    if (!last || (indexAbsoluteFailureCount(last) <= indexAbsoluteFailureCount(p) && (podFinishTime(p) ?? 0) >= (podFinishTime(last) ?? 0))) out.set(ix, p);
  }
  return out;
}

/** Why a Job is done: the interim condition (FailureTarget / SuccessCriteriaMet) and the terminal one it leads to. */
interface Finish {
  success: boolean;
  reason: string;
  message: string;
}

export function decideJob(s: JobState): JobDecision {
  const { job, now } = s;
  const nowStr = rfc3339(now);
  const spec = job.spec ?? {};
  const old: JobStatus = job.status ?? {};
  const out: JobDecision = { create: [], delete: [], removeFinalizer: [], status: clone(old), events: [] };
  const indexed = spec.completionMode === 'Indexed';
  const completions = spec.completions ?? 0;
  const perIndex = indexed && typeof spec.backoffLimitPerIndex === 'number';
  const pods = s.pods;
  const indexOf = (p: Pod): number | undefined => {
    const ix = podCompletionIndex(p);
    return ix !== undefined && ix < completions ? ix : undefined;
  };
  const validIndex = (p: Pod): boolean => !indexed || indexOf(p) !== undefined;

  // A finished Job: its leftovers go, their tracking finalizers too; its status is final.
  if (isJobFinished(job)) {
    out.removeFinalizer = pods.filter(hasFinalizer);
    out.delete = pods.filter((p) => !isFinished(p) && !p.metadata?.deletionTimestamp).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    return out;
  }

  // --- counters of this pass (syncJob): the status's, the uncounted ones, the newly finished pods ----------
  const uncountedSucceeded = new Set(old.uncountedTerminatedPods?.succeeded ?? []);
  const uncountedFailed = new Set(old.uncountedTerminatedPods?.failed ?? []);
  const prevCompleted = indexed ? parseIndexes(old.completedIndexes, completions) : new Set<number>();
  // calculateSucceededIndexes (and succeeded pods already counted whose index the status may lag behind).
  const completed = new Set(prevCompleted);
  if (indexed) {
    for (const p of pods) {
      const ix = indexOf(p);
      if (p.status?.phase === 'Succeeded' && ix !== undefined) completed.add(ix);
    }
  }
  const tracked = pods.filter((p) => hasFinalizer(p) && validIndex(p));
  const newSucceeded = tracked.filter((p) => p.status?.phase === 'Succeeded' && !uncountedSucceeded.has(p.metadata?.uid ?? ''));
  const newFailed = tracked.filter((p) => isPodFailed(p, job) && !uncountedFailed.has(p.metadata?.uid ?? ''));
  const failedSoFar = (old.failed ?? 0) + newFailed.filter((p) => countsAsFailure(job, p)).length + uncountedFailed.size;
  const succeededSoFar = indexed ? completed.size : (old.succeeded ?? 0) + newSucceeded.length + uncountedSucceeded.size;
  const active = pods.filter((p) => !isFinished(p) && !p.metadata?.deletionTimestamp);
  const terminating = pods.filter((p) => !isFinished(p) && !!p.metadata?.deletionTimestamp);
  const st = out.status;
  let conds: JobCondition[] = [...(old.conditions ?? [])];

  // --- suspend / resume ---------------------------------------------------------------------------------
  const suspended = spec.suspend === true;
  if (suspended) {
    if (!hasTrueCondition(job, 'Suspended')) {
      conds = setJobCondition(conds, condition('Suspended', 'True', 'JobSuspended', JOB_MESSAGES.suspended, nowStr));
      out.events.push({ type: 'Normal', reason: 'Suspended', message: JOB_MESSAGES.suspended });
    }
    delete st.startTime; // the deadline timer stops and restarts on resume
  } else {
    if (hasTrueCondition(job, 'Suspended')) {
      conds = setJobCondition(conds, condition('Suspended', 'False', 'JobResumed', JOB_MESSAGES.resumed, nowStr));
      out.events.push({ type: 'Normal', reason: 'Resumed', message: JOB_MESSAGES.resumed });
      st.startTime = nowStr;
    }
    if (!st.startTime) st.startTime = nowStr;
  }

  // --- is the Job done? (syncJob's order) ----------------------------------------------------------------
  let finish: Finish | undefined;
  const met = getCondition(conds, 'SuccessCriteriaMet');
  // Once SuccessCriteriaMet, the Job completes whatever fails after.
  if (met?.status === 'True') finish = { success: true, reason: met.reason ?? '', message: met.message ?? '' };
  const target = getCondition(conds, 'FailureTarget');
  if (!finish && target?.status === 'True') finish = { success: false, reason: target.reason ?? '', message: target.message ?? '' };
  if (!finish && spec.podFailurePolicy) {
    for (const p of pods) {
      if (!isPodFailed(p, job)) continue;
      const m = matchPodFailurePolicy(job, p);
      if (m.action === 'FailJob') {
        finish = { success: false, reason: 'PodFailurePolicy', message: m.message ?? '' };
        break;
      }
    }
  }
  const backoffLimit = spec.backoffLimit ?? 6;
  if (!finish && (failedSoFar > backoffLimit || pastBackoffLimitOnFailure(job, pods, backoffLimit))) {
    finish = { success: false, reason: 'BackoffLimitExceeded', message: JOB_MESSAGES.backoffLimit };
  }
  let deadlineAt: number | undefined;
  if (!finish && !suspended && typeof spec.activeDeadlineSeconds === 'number') {
    deadlineAt = (parseTime(st.startTime) ?? now) + spec.activeDeadlineSeconds * 1000;
    if (now >= deadlineAt) finish = { success: false, reason: 'DeadlineExceeded', message: JOB_MESSAGES.deadline };
  }
  let failedIndexes: Set<number> | undefined;
  let delayed = new Map<number, Pod>();
  if (perIndex) {
    // calculateFailedIndexes: the status's, and the indexes of pods failing past backoffLimitPerIndex (or FailIndex).
    failedIndexes = parseIndexes(old.failedIndexes ?? '', completions);
    for (const p of tracked) if (isIndexFailed(job, p)) failedIndexes.add(indexOf(p)!);
    if (!finish) {
      if (typeof spec.maxFailedIndexes === 'number' && failedIndexes.size > spec.maxFailedIndexes) {
        finish = { success: false, reason: 'MaxFailedIndexesExceeded', message: JOB_MESSAGES.maxFailedIndexes };
      } else if (failedIndexes.size > 0 && failedIndexes.size + completed.size >= completions) {
        finish = { success: false, reason: 'FailedIndexes', message: JOB_MESSAGES.failedIndexes };
      }
    }
    const activeIndexes = new Set(active.map(indexOf).filter((i): i is number => i !== undefined));
    delayed = podsWithDelayedDeletionPerIndex(job, pods, new Set([...completed, ...failedIndexes]), activeIndexes);
  }
  if (!finish && indexed) {
    const matched = matchSuccessPolicy(job, completed);
    if (matched) finish = { success: true, reason: 'SuccessPolicy', message: matched };
  }
  if (!finish) {
    // Enough completions (or, without completions, a success and nothing left running).
    const complete = spec.completions === undefined || spec.completions === null ? succeededSoFar > 0 && active.length === 0 : succeededSoFar >= completions;
    if (complete) finish = { success: true, reason: 'CompletionsReached', message: JOB_MESSAGES.completions };
  }

  // --- pods: a done Job's active pods go; else manageJob -------------------------------------------------
  if (finish) {
    out.delete = active.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
  } else if (s.expectationsSatisfied !== false) {
    managePods(s, { active, terminating: terminating.length, completed, failedIndexes, delayed, succeeded: succeededSoFar, perIndex }, out);
  }

  // --- accounting (trackJobStatusAndRemoveFinalizers) -----------------------------------------------------
  let newUncounted = false;
  for (const p of pods) {
    if (!hasFinalizer(p)) continue;
    const uid = p.metadata?.uid ?? '';
    const failed = isPodFailed(p, job);
    // canRemoveFinalizer: the Job is done, the pod succeeded, or it failed (unless its index waits for a replacement).
    const ix = podCompletionIndex(p);
    const waits = perIndex && ix !== undefined && delayed.get(ix) === p;
    if (!(finish || p.status?.phase === 'Succeeded' || (failed && !waits))) continue;
    out.removeFinalizer.push(p);
    if (p.status?.phase === 'Succeeded' && !uncountedFailed.has(uid)) {
      // An Indexed Job counts by index (completedIndexes); a duplicate or out-of-range index is not counted.
      if (!indexed && !uncountedSucceeded.has(uid)) {
        uncountedSucceeded.add(uid);
        newUncounted = true;
      }
    } else if (failed || (finish && !finish.success)) {
      // Once the Job failed, the pods still running count as failed too; after success they do not count.
      if (!uncountedFailed.has(uid) && validIndex(p) && countsAsFailure(job, p)) {
        uncountedFailed.add(uid);
        newUncounted = true;
      }
    }
  }
  const completedText = indexed ? formatIndexes(completed) : undefined;
  const failedText = failedIndexes ? formatIndexes(failedIndexes) : undefined;
  const indexesChanged = (indexed && completedText !== (old.completedIndexes ?? '')) || (perIndex && failedText !== old.failedIndexes);
  if (newUncounted || indexesChanged) {
    out.intermediate = { ...clone(old), uncountedTerminatedPods: { succeeded: [...uncountedSucceeded], failed: [...uncountedFailed] } };
    if (completedText !== undefined) out.intermediate.completedIndexes = completedText;
    if (failedText !== undefined) out.intermediate.failedIndexes = failedText;
  }
  st.succeeded = indexed ? completed.size : (old.succeeded ?? 0) + uncountedSucceeded.size;
  st.failed = (old.failed ?? 0) + uncountedFailed.size;
  st.uncountedTerminatedPods = {};
  if (completedText !== undefined) st.completedIndexes = completedText;
  if (failedText !== undefined) st.failedIndexes = failedText;
  else delete st.failedIndexes; // only a Job with backoffLimitPerIndex has failed indexes

  if (finish) {
    // The interim condition now; the terminal one once no pod is left running (1.31+).
    if (finish.success) {
      if (met?.status !== 'True') conds = setJobCondition(conds, condition('SuccessCriteriaMet', 'True', finish.reason, finish.message, nowStr));
    } else conds = setJobCondition(conds, condition('FailureTarget', 'True', finish.reason, finish.message, nowStr));
    // Nothing left running, and no pod of ours about to show up in the cache.
    if (active.length + terminating.length === 0 && s.expectationsSatisfied !== false) {
      if (finish.success) {
        conds = setJobCondition(conds, condition('Complete', 'True', finish.reason, finish.message, nowStr));
        st.completionTime = nowStr;
        out.events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
      } else {
        conds = setJobCondition(conds, condition('Failed', 'True', finish.reason, finish.message, nowStr));
        out.events.push({ type: 'Warning', reason: finish.reason, message: finish.message });
      }
    }
    st.active = 0;
    st.ready = 0;
    st.terminating = terminating.length + out.delete.length;
    st.conditions = conds;
    return out;
  }
  const stillActive = active.filter((p) => !out.delete.includes(p));
  st.active = stillActive.length + out.create.length;
  st.ready = stillActive.filter(isPodReady).length;
  st.terminating = terminating.length + out.delete.length;
  st.conditions = conds;
  if (deadlineAt !== undefined) {
    const left = deadlineAt - now;
    out.requeueAfterMs = out.requeueAfterMs === undefined ? left : Math.min(out.requeueAfterMs, left);
  }
  return out;
}

/** pastBackoffLimitOnFailure: for restartPolicy OnFailure, the restarts of running and pending pods' containers. */
function pastBackoffLimitOnFailure(job: Job, pods: Pod[], backoffLimit: number): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += cs.restartCount ?? 0;
  }
  return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit;
}

interface ManageState {
  active: Pod[];
  terminating: number;
  completed: ReadonlySet<number>;
  failedIndexes: ReadonlySet<number> | undefined;
  delayed: ReadonlyMap<number, Pod>;
  succeeded: number;
  perIndex: boolean;
}

/**
 * manageJob: a suspended Job's pods go; excess pods go; missing ones are created after the pod-failure
 * backoff (per index with backoffLimitPerIndex). With podReplacementPolicy Failed, terminating pods still
 * take their place (and their index).
 */
function managePods(s: JobState, m: ManageState, out: JobDecision): void {
  const { job, now } = s;
  const spec = job.spec ?? {};
  const parallelism = spec.parallelism ?? 1;
  const { active } = m;
  if (spec.suspend === true) {
    out.delete = active.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    return;
  }
  const waitingFor = onlyReplaceFailedPods(job) ? m.terminating : 0;
  if (spec.completionMode === 'Indexed') {
    const completions = spec.completions ?? 0;
    const running = new Set<number>();
    for (const p of active) {
      const idx = podCompletionIndex(p);
      // A pod of a completed, failed or duplicate index, or out of range, goes.
      if (idx === undefined || idx >= completions || m.completed.has(idx) || m.failedIndexes?.has(idx) || running.has(idx)) out.delete.push(p);
      else running.add(idx);
    }
    if (out.delete.length > 0) return; // deletions first, creations on a later pass (as upstream)
    const want = Math.min(parallelism, completions - m.completed.size);
    const missing = want - running.size - waitingFor;
    if (missing <= 0) return;
    if (!m.perIndex) {
      const wait = remainingBackoffMs(s.pods, now);
      if (wait > 0) {
        out.requeueAfterMs = wait;
        return;
      }
    }
    // firstPendingIndexes: not completed, failed, running, nor (podReplacementPolicy Failed) terminating.
    const busy = new Set<number>(running);
    if (onlyReplaceFailedPods(job)) {
      for (const p of s.pods) {
        const idx = podCompletionIndex(p);
        if (idx !== undefined && !isFinished(p) && p.metadata?.deletionTimestamp) busy.add(idx);
      }
    }
    const pending: number[] = [];
    for (let i = 0; i < completions && pending.length < Math.min(missing, MAX_POD_CREATE_DELETE_PER_SYNC); i++) {
      if (!m.completed.has(i) && !m.failedIndexes?.has(i) && !busy.has(i)) pending.push(i);
    }
    if (!m.perIndex) {
      for (const i of pending) out.create.push(podForJob(job, i));
      return;
    }
    // getPodCreationInfoForIndependentIndexes: the indexes whose own backoff is over; else wait for the nearest.
    let minWait: number | undefined;
    for (const i of pending) {
      const last = m.delayed.get(i);
      const wait = remainingIndexBackoffMs(last, now);
      if (wait === 0) out.create.push(podForJob(job, i, newIndexFailureCounts(job, last)));
      else minWait = minWait === undefined ? wait : Math.min(minWait, wait);
    }
    if (out.create.length === 0 && minWait !== undefined) out.requeueAfterMs = minWait;
    return;
  }
  let want = parallelism;
  if (typeof spec.completions === 'number') want = Math.min(spec.completions - m.succeeded, parallelism);
  // With no completions set, once one pod succeeded no new pods start (the rest finish).
  else if (m.succeeded > 0) want = active.length;
  want = Math.max(0, want);
  const excess = active.length - want;
  if (excess > 0) {
    out.delete = active.slice(active.length - Math.min(excess, MAX_POD_CREATE_DELETE_PER_SYNC));
    return;
  }
  const missing = want - waitingFor - active.length;
  if (missing <= 0) return;
  const wait = remainingBackoffMs(s.pods, now);
  if (wait > 0) out.requeueAfterMs = wait;
  else for (let i = 0; i < Math.min(missing, MAX_POD_CREATE_DELETE_PER_SYNC); i++) out.create.push(podForJob(job));
}

/** Whether the status needs writing. */
export function jobStatusChanged(job: Job, next: JobStatus): boolean {
  return JSON.stringify(normalize(job.status ?? {})) !== JSON.stringify(normalize(next));
}

function normalize(s: JobStatus): JobStatus {
  const n: JobStatus = { ...s };
  for (const k of ['active', 'succeeded', 'failed', 'ready', 'terminating'] as const) n[k] = n[k] ?? 0;
  if (!n.uncountedTerminatedPods) n.uncountedTerminatedPods = {};
  if (!n.conditions) n.conditions = [];
  return n;
}
