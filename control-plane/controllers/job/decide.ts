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
import type { Container, Job, JobCondition, JobStatus, Pod } from '../util/types.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
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
/** A pod the Job counts as failed: phase Failed, or being deleted before it succeeded (upstream's isPodFailed). */
const isFailedPod = (p: Pod): boolean => p.status?.phase === 'Failed' || (!!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded');
/** Terminated for accounting: finished, or on its way out. */
const isTerminated = (p: Pod): boolean => isFinished(p) || !!p.metadata?.deletionTimestamp;

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

/** "1,3-5,7": upstream's compressed interval format of completedIndexes. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (j - i >= 2) out.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k++) out.push(String(sorted[k]));
    i = j + 1;
  }
  return out.join(',');
}

export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(part.trim());
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

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

/** The pod a Job creates: its template, the tracking finalizer, the controller reference, and for Indexed Jobs its index. */
export function podForJob(job: Job, index?: number): Pod {
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

export function decideJob(s: JobState): JobDecision {
  const { job, now } = s;
  const nowStr = rfc3339(now);
  const spec = job.spec ?? {};
  const old: JobStatus = job.status ?? {};
  const out: JobDecision = { create: [], delete: [], removeFinalizer: [], status: clone(old), events: [] };
  const indexed = spec.completionMode === 'Indexed';
  const pods = s.pods;

  // --- accounting: uncounted pods, then counters --------------------------------------------------------
  const uncountedSucceeded = new Set(old.uncountedTerminatedPods?.succeeded ?? []);
  const uncountedFailed = new Set(old.uncountedTerminatedPods?.failed ?? []);
  const completed = parseIndexes(old.completedIndexes);
  let newUncounted = false;
  let failJobMessage: string | undefined;
  const finishedJob = isJobFinished(job);
  // Succeeded pods already counted still name their index (the status may lag behind them).
  if (indexed) {
    for (const p of pods) {
      const idx = podCompletionIndex(p);
      if (p.status?.phase === 'Succeeded' && !hasFinalizer(p) && idx !== undefined && idx < (spec.completions ?? 0)) completed.add(idx);
    }
  }
  for (const p of pods) {
    const uid = p.metadata?.uid ?? '';
    if (!hasFinalizer(p) || !isTerminated(p)) continue;
    if (p.status?.phase !== 'Succeeded' && !isFailedPod(p)) continue;
    out.removeFinalizer.push(p);
    if (uncountedSucceeded.has(uid) || uncountedFailed.has(uid)) continue;
    if (p.status?.phase === 'Succeeded') {
      const idx = indexed ? podCompletionIndex(p) : undefined;
      if (indexed && (idx === undefined || idx >= (spec.completions ?? 0) || completed.has(idx))) {
        // A duplicate or out-of-range index: its finalizer goes, it is not counted.
        continue;
      }
      if (idx !== undefined) completed.add(idx);
      uncountedSucceeded.add(uid);
    } else {
      const m = matchPodFailurePolicy(job, p);
      if (m.action === 'Ignore') continue;
      if (m.action === 'FailJob' && !failJobMessage) failJobMessage = m.message;
      uncountedFailed.add(uid);
    }
    newUncounted = true;
  }
  if (newUncounted) {
    out.intermediate = {
      ...clone(old),
      uncountedTerminatedPods: { succeeded: [...uncountedSucceeded], failed: [...uncountedFailed] },
    };
  }
  const succeeded = (old.succeeded ?? 0) + uncountedSucceeded.size;
  const failed = (old.failed ?? 0) + uncountedFailed.size;
  const active = pods.filter((p) => !isFinished(p) && !p.metadata?.deletionTimestamp);
  const terminating = pods.filter((p) => !isFinished(p) && !!p.metadata?.deletionTimestamp).length;

  const st = out.status;
  st.succeeded = succeeded;
  st.failed = failed;
  st.uncountedTerminatedPods = {};
  if (indexed) st.completedIndexes = formatIndexes(completed);
  let conds: JobCondition[] = [...(old.conditions ?? [])];

  if (finishedJob) {
    out.delete = active.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    st.active = active.length - out.delete.length;
    st.ready = active.filter(isPodReady).length;
    st.terminating = terminating + out.delete.length;
    st.conditions = conds;
    return out;
  }

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

  // --- failure: backoff limit, OnFailure restarts, pod failure policy, deadline ---------------------------
  const backoffLimit = spec.backoffLimit ?? 6;
  let failure: { reason: string; message: string } | undefined;
  const existingTarget = getCondition(conds, 'FailureTarget');
  if (existingTarget?.status === 'True') failure = { reason: existingTarget.reason ?? '', message: existingTarget.message ?? '' };
  else if (failJobMessage) failure = { reason: 'PodFailurePolicy', message: failJobMessage };
  else if (failed > backoffLimit) failure = { reason: 'BackoffLimitExceeded', message: JOB_MESSAGES.backoffLimit };
  else if (spec.template?.spec?.restartPolicy === 'OnFailure') {
    // pastBackoffLimitOnFailure: the restarts of the active pods' containers count as failures.
    let restarts = 0;
    for (const p of active) for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += cs.restartCount ?? 0;
    if (restarts > 0 && restarts >= backoffLimit) failure = { reason: 'BackoffLimitExceeded', message: JOB_MESSAGES.backoffLimit };
  }
  let deadlineAt: number | undefined;
  if (!failure && !suspended && typeof spec.activeDeadlineSeconds === 'number') {
    const start = parseTime(st.startTime) ?? now;
    deadlineAt = start + spec.activeDeadlineSeconds * 1000;
    if (now >= deadlineAt) failure = { reason: 'DeadlineExceeded', message: JOB_MESSAGES.deadline };
  }

  // --- success -------------------------------------------------------------------------------------------
  let complete = false;
  if (!failure) {
    if (indexed) complete = completed.size >= (spec.completions ?? 0);
    else if (typeof spec.completions === 'number') complete = succeeded >= spec.completions;
    else complete = succeeded > 0 && active.length === 0;
  }

  if (failure || complete) {
    // Lingering pods go; the terminal condition waits until none is left (1.31+, JobPodReplacementPolicy).
    out.delete = active.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    const remaining = active.length + terminating;
    if (failure) conds = setJobCondition(conds, condition('FailureTarget', 'True', failure.reason, failure.message, nowStr));
    else conds = setJobCondition(conds, condition('SuccessCriteriaMet', 'True', 'CompletionsReached', JOB_MESSAGES.completions, nowStr));
    if (remaining === 0 && !newUncounted) {
      if (failure) {
        conds = setJobCondition(conds, condition('Failed', 'True', failure.reason, failure.message, nowStr));
        out.events.push({ type: 'Warning', reason: failure.reason, message: failure.message });
      } else {
        conds = setJobCondition(conds, condition('Complete', 'True', 'CompletionsReached', JOB_MESSAGES.completions, nowStr));
        st.completionTime = nowStr;
        out.events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
      }
    }
    st.active = 0;
    st.ready = 0;
    st.terminating = terminating + out.delete.length;
    st.conditions = conds;
    return out;
  }

  // --- manage pods ---------------------------------------------------------------------------------------
  const parallelism = spec.parallelism ?? 1;
  if (s.expectationsSatisfied === false) {
    // wait for the cache to catch up with our own creates and deletes
  } else if (suspended) {
    out.delete = active.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
  } else if (indexed) {
    const completions = spec.completions ?? 0;
    const running = new Set<number>();
    for (const p of active) {
      const idx = podCompletionIndex(p);
      // A pod of a completed or duplicate index, or out of range, goes.
      if (idx === undefined || idx >= completions || completed.has(idx) || running.has(idx)) out.delete.push(p);
      else running.add(idx);
    }
    const want = Math.min(parallelism, completions - completed.size);
    let missing = want - running.size;
    const wait = missing > 0 ? remainingBackoffMs(pods, now) : 0;
    if (wait > 0) out.requeueAfterMs = wait;
    else {
      for (let i = 0; i < completions && missing > 0 && out.create.length < MAX_POD_CREATE_DELETE_PER_SYNC; i++) {
        if (completed.has(i) || running.has(i)) continue;
        out.create.push(podForJob(job, i));
        missing--;
      }
    }
  } else {
    let want = parallelism;
    if (typeof spec.completions === 'number') want = Math.min(spec.completions - succeeded, parallelism);
    // With no completions set, once one pod succeeded no new pods start (the rest finish).
    if (spec.completions === undefined || spec.completions === null) if (succeeded > 0) want = Math.min(want, active.length);
    want = Math.max(0, want);
    const diff = active.length - want;
    if (diff > 0) out.delete = active.slice(active.length - Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC));
    else if (diff < 0) {
      const wait = remainingBackoffMs(pods, now);
      if (wait > 0) out.requeueAfterMs = wait;
      else for (let i = 0; i < Math.min(-diff, MAX_POD_CREATE_DELETE_PER_SYNC); i++) out.create.push(podForJob(job));
    }
  }
  const stillActive = active.filter((p) => !out.delete.includes(p));
  st.active = stillActive.length + out.create.length;
  st.ready = stillActive.filter(isPodReady).length;
  st.terminating = terminating + out.delete.length;
  st.conditions = conds;
  if (deadlineAt !== undefined) {
    const left = deadlineAt - now;
    out.requeueAfterMs = out.requeueAfterMs === undefined ? left : Math.min(out.requeueAfterMs, left);
  }
  return out;
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
