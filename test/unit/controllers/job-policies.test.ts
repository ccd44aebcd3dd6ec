/**
 * decideJob against upstream 1.32's job_controller_test.go tables for backoffLimitPerIndex (with
 * maxFailedIndexes and the FailIndex action), successPolicy and podReplacementPolicy: the same Jobs and pods,
 * the same status after one pass (counters, completedIndexes, failedIndexes, terminating, conditions).
 */
import { describe, expect, it } from 'vitest';
import {
  JOB_COMPLETION_INDEX,
  JOB_INDEX_FAILURE_COUNT,
  JOB_INDEX_IGNORED_FAILURE_COUNT,
  JOB_TRACKING_FINALIZER,
  decideJob,
  isIndexFailed,
  remainingIndexBackoffMs,
} from '../../../control-plane/controllers/job/decide.js';
import { matchSuccessPolicy, parseIntervals } from '../../../control-plane/controllers/job/indexes.js';
import type { Job, JobCondition, Pod } from '../../../control-plane/controllers/util/types.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const MAX_INT32 = 2147483647;

type Spec = NonNullable<Job['spec']>;
function job(spec: Partial<Spec>, status: Job['status'] = {}): Job {
  return {
    metadata: { name: 'foobar', namespace: 'default', uid: 'job-uid' },
    spec: {
      selector: { matchLabels: { foo: 'bar' } },
      template: { metadata: { labels: { foo: 'bar' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'foo/bar' }] } },
      completionMode: 'Indexed',
      ...spec,
    },
    status: { startTime: iso(100), ...status },
  };
}

/** upstream's buildPod(): uid, index, phase, index failure count, tracking finalizer, exit code / conditions. */
interface PodOpts {
  uid: string;
  index?: number;
  phase: string;
  failureCount?: number;
  ignoredCount?: number;
  finalizer?: boolean;
  exitCode?: number;
  conditions?: { type: string; status: string }[];
  deleting?: boolean;
  finishedSecondsAgo?: number;
}
function pod(o: PodOpts, i: number): Pod {
  const annotations: Record<string, string> = {};
  if (o.index !== undefined) annotations[JOB_COMPLETION_INDEX] = String(o.index);
  if (o.failureCount !== undefined) annotations[JOB_INDEX_FAILURE_COUNT] = String(o.failureCount);
  if (o.ignoredCount !== undefined) annotations[JOB_INDEX_IGNORED_FAILURE_COUNT] = String(o.ignoredCount);
  const terminated = o.phase === 'Failed' || o.phase === 'Succeeded';
  return {
    metadata: {
      name: `mypod-${i}`,
      namespace: 'default',
      uid: o.uid,
      annotations,
      finalizers: o.finalizer === false ? [] : [JOB_TRACKING_FINALIZER],
      ...(o.deleting ? { deletionTimestamp: iso(1) } : {}),
    },
    status: {
      phase: o.phase,
      conditions: o.conditions,
      containerStatuses: [
        {
          name: 'x',
          state: terminated
            ? { terminated: { exitCode: o.exitCode ?? (o.phase === 'Succeeded' ? 0 : 1), finishedAt: iso(o.finishedSecondsAgo ?? 1000) } }
            : { running: {} },
        },
      ],
    },
  };
}
const pods = (list: PodOpts[]) => list.map(pod);

const cond = (type: string, reason: string, message: string) => ({ type, status: 'True', reason, message });
const conditionsOf = (c: JobCondition[] | undefined) => (c ?? []).map(({ type, status, reason, message }) => ({ type, status, reason, message }));
const met = (reason = 'SuccessPolicy', message = 'Matched rules at index 0') => cond('SuccessCriteriaMet', reason, message);
const complete = (reason = 'SuccessPolicy', message = 'Matched rules at index 0') => cond('Complete', reason, message);
const policy = (succeededIndexes?: string, succeededCount?: number) => ({ rules: [{ succeededIndexes, succeededCount }] });
const disruptionFailJob = { rules: [{ action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] };
const disrupted = [{ type: 'DisruptionTarget', status: 'True' }];

interface Want {
  failed: number;
  succeeded: number;
  active?: number;
  terminating?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  conditions: ReturnType<typeof cond>[];
}
interface Case {
  name: string;
  spec: Partial<Spec>;
  status?: Job['status'];
  pods: PodOpts[];
  want: Want;
}

function check(c: Case) {
  const d = decideJob({ job: job(c.spec, c.status), pods: pods(c.pods), now: NOW });
  expect(d.status.failed).toBe(c.want.failed);
  expect(d.status.succeeded).toBe(c.want.succeeded);
  if (c.want.active !== undefined) expect(d.status.active).toBe(c.want.active);
  if (c.want.terminating !== undefined) expect(d.status.terminating).toBe(c.want.terminating);
  if (c.want.completedIndexes !== undefined) expect(d.status.completedIndexes).toBe(c.want.completedIndexes);
  if (c.want.failedIndexes !== undefined) expect(d.status.failedIndexes).toBe(c.want.failedIndexes);
  expect(d.status.uncountedTerminatedPods).toEqual({});
  expect(conditionsOf(d.status.conditions)).toEqual(c.want.conditions);
  return d;
}

describe('successPolicy (TestSyncJobWithJobSuccessPolicy)', () => {
  const cases: Case[] = [
    {
      name: 'SuccessCriteriaMet if the job meets the successPolicy and some indexes fail; the running pods are terminated',
      spec: { parallelism: 3, completions: 3, backoffLimit: MAX_INT32, successPolicy: policy('0,1', 1) },
      pods: [
        { uid: 'a1', index: 0, phase: 'Failed' },
        { uid: 'a2', index: 0, phase: 'Running' },
        { uid: 'b', index: 1, phase: 'Succeeded' },
        { uid: 'c', index: 2, phase: 'Running' },
      ],
      want: { failed: 1, succeeded: 1, terminating: 2, completedIndexes: '1', conditions: [met()] },
    },
    {
      name: 'podFailurePolicy and successPolicy: SuccessCriteriaMet when only the successPolicy is met',
      spec: { parallelism: 2, completions: 2, backoffLimit: MAX_INT32, successPolicy: policy('0,1', 1), podFailurePolicy: disruptionFailJob },
      pods: [
        { uid: 'a1', index: 0, phase: 'Failed' },
        { uid: 'a2', index: 0, phase: 'Running' },
        { uid: 'b', index: 1, phase: 'Succeeded' },
      ],
      want: { failed: 1, succeeded: 1, terminating: 1, completedIndexes: '1', conditions: [met()] },
    },
    {
      name: 'backoffLimitPerIndex and successPolicy: SuccessCriteriaMet when backoffLimitPerIndex is not reached',
      spec: { parallelism: 2, completions: 2, backoffLimit: MAX_INT32, backoffLimitPerIndex: 2, successPolicy: policy('0,1', 1) },
      pods: [
        { uid: 'a1', index: 0, phase: 'Failed' },
        { uid: 'a2', index: 0, phase: 'Running' },
        { uid: 'b', index: 1, phase: 'Succeeded' },
      ],
      want: { failed: 1, succeeded: 1, terminating: 1, completedIndexes: '1', failedIndexes: '', conditions: [met()] },
    },
    {
      name: 'Complete and SuccessCriteriaMet when the successPolicy was met and all pods are already gone',
      spec: { parallelism: 2, completions: 2, backoffLimit: MAX_INT32, backoffLimitPerIndex: 2, successPolicy: policy('0,1', 1) },
      status: { conditions: [met()] },
      pods: [
        { uid: 'a', index: 0, phase: 'Failed' },
        { uid: 'b', index: 1, phase: 'Succeeded' },
      ],
      want: { failed: 1, succeeded: 1, terminating: 0, completedIndexes: '1', conditions: [met(), complete()] },
    },
    {
      name: 'SuccessCriteriaMet stays and Complete waits while some pods still run (issue 123775)',
      spec: { parallelism: 3, completions: 3, backoffLimit: MAX_INT32, backoffLimitPerIndex: 3, successPolicy: policy('0,1', 1) },
      status: { conditions: [met()] },
      pods: [
        { uid: 'a1', index: 0, phase: 'Failed' },
        { uid: 'a2', index: 1, phase: 'Running' },
        { uid: 'b', index: 1, phase: 'Succeeded' },
        { uid: 'c', index: 2, phase: 'Running' },
      ],
      want: { failed: 1, succeeded: 1, terminating: 2, completedIndexes: '1', conditions: [met()] },
    },
    {
      name: 'both successPolicy and podFailurePolicy met: the Job fails',
      spec: { parallelism: 2, completions: 2, backoffLimit: MAX_INT32, successPolicy: policy('0,1', 1), podFailurePolicy: disruptionFailJob },
      pods: [
        { uid: 'a1', index: 0, phase: 'Failed', conditions: disrupted },
        { uid: 'a2', index: 0, phase: 'Running' },
        { uid: 'b', index: 1, phase: 'Succeeded' },
      ],
      want: {
        failed: 2,
        succeeded: 1,
        terminating: 1,
        completedIndexes: '1',
        conditions: [cond('FailureTarget', 'PodFailurePolicy', 'Pod default/mypod-0 has condition DisruptionTarget matching FailJob rule at index 0')],
      },
    },
    {
      name: 'both successPolicy and backoffLimitPerIndex met: the Job fails with FailedIndexes',
      spec: { parallelism: 2, completions: 2, backoffLimit: MAX_INT32, backoffLimitPerIndex: 1, successPolicy: policy('0,1', 1) },
      pods: [
        { uid: 'a', index: 0, phase: 'Failed', failureCount: 1 },
        { uid: 'b', index: 1, phase: 'Succeeded' },
      ],
      want: {
        failed: 1,
        succeeded: 1,
        terminating: 0,
        completedIndexes: '1',
        failedIndexes: '0',
        conditions: [cond('FailureTarget', 'FailedIndexes', 'Job has failed indexes'), cond('Failed', 'FailedIndexes', 'Job has failed indexes')],
      },
    },
    {
      name: 'both successPolicy and backoffLimit met: the Job fails with BackoffLimitExceeded',
      spec: { parallelism: 2, completions: 2, backoffLimit: 1, successPolicy: policy('0,1', 1) },
      pods: [
        { uid: 'a1', index: 0, phase: 'Failed' },
        { uid: 'a2', index: 0, phase: 'Failed' },
        { uid: 'b', index: 1, phase: 'Succeeded' },
      ],
      want: {
        failed: 2,
        succeeded: 1,
        terminating: 0,
        completedIndexes: '1',
        conditions: [
          cond('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
          cond('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
        ],
      },
    },
    {
      name: 'a Job with SuccessCriteriaMet never turns FailureTarget, even if it meets the podFailurePolicy',
      spec: { parallelism: 2, completions: 2, backoffLimit: MAX_INT32, successPolicy: policy(undefined, 1), podFailurePolicy: disruptionFailJob },
      status: { succeeded: 1, completedIndexes: '1', conditions: [met()] },
      pods: [
        { uid: 'a', index: 0, phase: 'Failed', conditions: disrupted },
        { uid: 'b', index: 1, phase: 'Succeeded' },
      ],
      want: { failed: 1, succeeded: 1, terminating: 0, completedIndexes: '1', conditions: [met(), complete()] },
    },
    {
      name: 'a Job with SuccessCriteriaMet never turns FailureTarget, even if it meets backoffLimitPerIndex',
      spec: { parallelism: 2, completions: 2, backoffLimit: MAX_INT32, backoffLimitPerIndex: 1, successPolicy: policy('1') },
      status: { succeeded: 1, completedIndexes: '1', conditions: [met()] },
      pods: [
        { uid: 'a', index: 0, phase: 'Failed', failureCount: 1 },
        { uid: 'b', index: 1, phase: 'Succeeded' },
      ],
      want: { failed: 1, succeeded: 1, terminating: 0, completedIndexes: '1', failedIndexes: '0', conditions: [met(), complete()] },
    },
    {
      name: 'a Job with SuccessCriteriaMet never turns FailureTarget, even if it meets backoffLimit',
      spec: { parallelism: 2, completions: 2, backoffLimit: 1, successPolicy: policy('0,1', 1) },
      status: { succeeded: 1, completedIndexes: '1', conditions: [met()] },
      pods: [
        { uid: 'a', index: 0, phase: 'Failed' },
        { uid: 'b', index: 1, phase: 'Succeeded' },
      ],
      want: { failed: 1, succeeded: 1, terminating: 0, completedIndexes: '1', conditions: [met(), complete()] },
    },
    {
      name: 'a Job with FailureTarget never turns SuccessCriteriaMet, even if it meets the successPolicy',
      spec: { parallelism: 2, completions: 2, backoffLimit: MAX_INT32, successPolicy: policy('0,1', 1), podFailurePolicy: disruptionFailJob },
      status: {
        failed: 1,
        completedIndexes: '1',
        conditions: [cond('FailureTarget', 'PodFailurePolicy', 'Pod default/mypod-0 has condition DisruptionTarget matching FailJob rule at index 0')],
      },
      pods: [
        { uid: 'a', index: 0, phase: 'Failed', conditions: disrupted, finalizer: false },
        { uid: 'b', index: 1, phase: 'Succeeded' },
      ],
      want: {
        failed: 1,
        succeeded: 1,
        terminating: 0,
        completedIndexes: '1',
        conditions: [
          cond('FailureTarget', 'PodFailurePolicy', 'Pod default/mypod-0 has condition DisruptionTarget matching FailJob rule at index 0'),
          cond('Failed', 'PodFailurePolicy', 'Pod default/mypod-0 has condition DisruptionTarget matching FailJob rule at index 0'),
        ],
      },
    },
    {
      name: 'without a successPolicy, an Indexed Job completes with CompletionsReached',
      spec: { parallelism: 1, completions: 1, backoffLimit: MAX_INT32 },
      pods: [{ uid: 'a1', index: 0, phase: 'Succeeded' }],
      want: {
        failed: 0,
        succeeded: 1,
        completedIndexes: '0',
        conditions: [met('CompletionsReached', 'Reached expected number of succeeded pods'), complete('CompletionsReached', 'Reached expected number of succeeded pods')],
      },
    },
  ];
  it.each(cases)('$name', (c) => {
    check(c);
  });

  it('the pods still running when the successPolicy is met are deleted and lose their finalizer uncounted', () => {
    const c = cases[0]!;
    const d = check(c);
    expect(d.delete.map((p) => p.metadata?.uid).sort()).toEqual(['a2', 'c']);
    expect(d.removeFinalizer.map((p) => p.metadata?.uid).sort()).toEqual(['a1', 'a2', 'b', 'c']);
    expect(d.create).toEqual([]);
    // Next pass: the deleted pods are terminating (no finalizer): Complete waits; once they are gone it follows.
    const gone = decideJob({ job: job(c.spec, d.status), pods: pods([{ uid: 'b', index: 1, phase: 'Succeeded', finalizer: false }]), now: NOW });
    expect(conditionsOf(gone.status.conditions)).toEqual([met(), complete()]);
    expect(gone.status).toMatchObject({ failed: 1, succeeded: 1, completionTime: iso(0) });
    expect(gone.events).toEqual([{ type: 'Normal', reason: 'Completed', message: 'Job completed' }]);
  });

  it.each([
    { rule: policy('0,1', 1), succeeded: [1], want: 'Matched rules at index 0' },
    { rule: policy('0-2'), succeeded: [0, 1], want: undefined },
    { rule: policy('0-2'), succeeded: [0, 1, 2, 4], want: 'Matched rules at index 0' },
    { rule: policy(undefined, 3), succeeded: [2, 5, 7], want: 'Matched rules at index 0' },
    { rule: policy(undefined, 3), succeeded: [2, 5], want: undefined },
    { rule: { rules: [{ succeededIndexes: '9' }, { succeededCount: 1 }] }, succeeded: [0], want: 'Matched rules at index 1' },
    { rule: policy('0,1', 1), succeeded: [], want: undefined },
  ])('matchSuccessPolicy $rule.rules with succeeded $succeeded: $want', ({ rule, succeeded, want }) => {
    expect(matchSuccessPolicy(job({ completions: 8, successPolicy: rule }), new Set(succeeded))).toBe(want);
  });

  it('parseIntervals cuts at completions and merges neighbours, without expanding ranges', () => {
    expect(parseIntervals('0,1,3-5,7-1000000000', 10)).toEqual([{ first: 0, last: 1 }, { first: 3, last: 5 }, { first: 7, last: 9 }]);
    expect(parseIntervals('12,x,2', 10)).toEqual([]);
    expect(parseIntervals('2,x,4', 10)).toEqual([{ first: 2, last: 2 }, { first: 4, last: 4 }]);
  });
});

describe('backoffLimitPerIndex (TestSyncJobWithJobBackoffLimitPerIndex)', () => {
  const perIndex = (extra: Partial<Spec> = {}): Partial<Spec> => ({ parallelism: 2, completions: 2, backoffLimit: MAX_INT32, backoffLimitPerIndex: 1, ...extra });
  const exit3 = (action: string) => ({ rules: [{ action, onExitCodes: { operator: 'In', values: [3] } }] });
  const cases: Case[] = [
    {
      name: 'successful job after a single failure within index',
      spec: perIndex(),
      pods: [
        { uid: 'a1', index: 0, phase: 'Failed', failureCount: 0 },
        { uid: 'a2', index: 0, phase: 'Succeeded', failureCount: 1 },
        { uid: 'b', index: 1, phase: 'Succeeded', failureCount: 0 },
      ],
      want: {
        failed: 1,
        succeeded: 2,
        terminating: 0,
        completedIndexes: '0,1',
        failedIndexes: '',
        conditions: [met('CompletionsReached', 'Reached expected number of succeeded pods'), complete('CompletionsReached', 'Reached expected number of succeeded pods')],
      },
    },
    {
      name: 'single failed pod, not counted as the replacement pod creation is delayed',
      spec: perIndex(),
      pods: [{ uid: 'a', index: 0, phase: 'Failed', failureCount: 0 }],
      want: { failed: 0, succeeded: 0, active: 2, terminating: 0, failedIndexes: '', conditions: [] },
    },
    {
      name: 'single failed pod replaced already',
      spec: perIndex(),
      pods: [
        { uid: 'a', index: 0, phase: 'Failed', failureCount: 0 },
        { uid: 'b', index: 0, phase: 'Pending', failureCount: 1 },
      ],
      want: { failed: 1, succeeded: 0, active: 2, terminating: 0, failedIndexes: '', conditions: [] },
    },
    {
      name: 'single failed index due to exceeding the backoff limit per index, the job continues',
      spec: perIndex(),
      pods: [{ uid: 'a', index: 0, phase: 'Failed', failureCount: 1 }],
      want: { failed: 1, succeeded: 0, active: 1, terminating: 0, failedIndexes: '0', conditions: [] },
    },
    {
      name: 'single failed index due to FailIndex action, the job continues',
      spec: perIndex({ podFailurePolicy: exit3('FailIndex') }),
      pods: [{ uid: 'a', index: 0, phase: 'Failed', failureCount: 0, exitCode: 3 }],
      want: { failed: 1, succeeded: 0, active: 1, terminating: 0, failedIndexes: '0', conditions: [] },
    },
    {
      name: 'job failed index due to FailJob action',
      spec: perIndex({ backoffLimit: 6, podFailurePolicy: exit3('FailJob') }),
      pods: [{ uid: 'a', index: 0, phase: 'Failed', failureCount: 0, exitCode: 3 }],
      want: {
        failed: 1,
        succeeded: 0,
        active: 0,
        terminating: 0,
        failedIndexes: '',
        conditions: [
          cond('FailureTarget', 'PodFailurePolicy', 'Container x for pod default/mypod-0 failed with exit code 3 matching FailJob rule at index 0'),
          cond('Failed', 'PodFailurePolicy', 'Container x for pod default/mypod-0 failed with exit code 3 matching FailJob rule at index 0'),
        ],
      },
    },
    {
      name: 'job pod failure ignored due to matching Ignore action',
      spec: perIndex({ backoffLimit: 6, podFailurePolicy: exit3('Ignore') }),
      pods: [{ uid: 'a', index: 0, phase: 'Failed', failureCount: 0, exitCode: 3 }],
      want: { failed: 0, succeeded: 0, active: 2, terminating: 0, failedIndexes: '', conditions: [] },
    },
    {
      name: 'job failed due to exceeding backoffLimit before backoffLimitPerIndex',
      spec: perIndex({ backoffLimit: 1 }),
      pods: [
        { uid: 'a', index: 0, phase: 'Failed', failureCount: 0, finalizer: false },
        { uid: 'b', index: 1, phase: 'Failed', failureCount: 0 },
      ],
      status: { failed: 1 },
      want: {
        failed: 2,
        succeeded: 0,
        active: 0,
        terminating: 0,
        failedIndexes: '',
        conditions: [
          cond('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
          cond('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
        ],
      },
    },
    {
      name: 'job failed due to exceeding maxFailedIndexes',
      spec: { parallelism: 4, completions: 4, backoffLimit: MAX_INT32, backoffLimitPerIndex: 1, maxFailedIndexes: 1 },
      pods: [
        { uid: 'a', index: 0, phase: 'Failed', failureCount: 1 },
        { uid: 'b', index: 1, phase: 'Failed', failureCount: 1 },
        { uid: 'c', index: 2, phase: 'Running', failureCount: 0 },
      ],
      want: {
        failed: 3,
        succeeded: 0,
        active: 0,
        terminating: 1,
        failedIndexes: '0,1',
        conditions: [cond('FailureTarget', 'MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes')],
      },
    },
    {
      name: 'job with finished indexes; failedIndexes are cleaned when JobBackoffLimitPerIndex disabled',
      spec: { parallelism: 3, completions: 3, backoffLimit: MAX_INT32 },
      status: { failedIndexes: '0' },
      pods: [{ uid: 'c', index: 2, phase: 'Running' }],
      want: { failed: 0, succeeded: 0, active: 3, conditions: [] },
    },
    {
      name: 'all indexes done, one failed: the Job fails with FailedIndexes',
      spec: perIndex(),
      pods: [
        { uid: 'a', index: 0, phase: 'Failed', failureCount: 1 },
        { uid: 'b', index: 1, phase: 'Succeeded', failureCount: 0 },
      ],
      want: {
        failed: 1,
        succeeded: 1,
        terminating: 0,
        completedIndexes: '1',
        failedIndexes: '0',
        conditions: [cond('FailureTarget', 'FailedIndexes', 'Job has failed indexes'), cond('Failed', 'FailedIndexes', 'Job has failed indexes')],
      },
    },
  ];
  it.each(cases)('$name', (c) => {
    check(c);
  });

  it('without backoffLimitPerIndex, failedIndexes are cleared', () => {
    const d = check(cases.find((c) => c.name.startsWith('job with finished indexes'))!);
    expect(d.status.failedIndexes).toBeUndefined();
  });

  it('the replacement of a failed pod carries the index failure count; the failed pod keeps its finalizer until then', () => {
    const d = check(cases[1]!);
    const byIndex = Object.fromEntries(d.create.map((p) => [p.metadata?.annotations?.[JOB_COMPLETION_INDEX], p.metadata?.annotations?.[JOB_INDEX_FAILURE_COUNT]]));
    expect(byIndex).toEqual({ 0: '1', 1: '0' });
    expect(d.removeFinalizer).toEqual([]);
  });

  it('an ignored failure counts in the ignored annotation, not against the limit', () => {
    const d = check(cases[6]!);
    const replacement = d.create.find((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX] === '0')!;
    expect(replacement.metadata?.annotations).toMatchObject({ [JOB_INDEX_FAILURE_COUNT]: '0', [JOB_INDEX_IGNORED_FAILURE_COUNT]: '1' });
  });

  it('a failed index gets no new pod and its failure is counted at once', () => {
    const d = check(cases[3]!);
    expect(d.create.map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX])).toEqual(['1']);
    expect(d.removeFinalizer.map((p) => p.metadata?.uid)).toEqual(['a']);
  });

  it.each([
    { failureCount: 0, ignored: 0, agoS: 4, waitMs: 6_000 },
    { failureCount: 1, ignored: 0, agoS: 5, waitMs: 15_000 },
    { failureCount: 1, ignored: 1, agoS: 5, waitMs: 35_000 },
    { failureCount: 9, ignored: 0, agoS: 0, waitMs: 360_000 },
    { failureCount: 0, ignored: 0, agoS: 20, waitMs: 0 },
  ])('the backoff of an index: $failureCount failures ($ignored ignored) before its last pod, $agoS s ago: $waitMs ms', ({ failureCount, ignored, agoS, waitMs }) => {
    const last = pod({ uid: 'a', index: 0, phase: 'Failed', failureCount, ignoredCount: ignored, finishedSecondsAgo: agoS }, 0);
    expect(remainingIndexBackoffMs(last, NOW)).toBe(waitMs);
  });

  it('a recently failed pod delays its index only: the other index starts, the Job looks again when the backoff ends', () => {
    const d = decideJob({
      job: job({ parallelism: 2, completions: 2, backoffLimit: MAX_INT32, backoffLimitPerIndex: 3 }),
      pods: pods([{ uid: 'a', index: 0, phase: 'Failed', failureCount: 1, finishedSecondsAgo: 5 }]),
      now: NOW,
    });
    expect(d.create.map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX])).toEqual(['1']);
    const only = decideJob({
      job: job({ parallelism: 1, completions: 1, backoffLimit: MAX_INT32, backoffLimitPerIndex: 3 }),
      pods: pods([{ uid: 'a', index: 0, phase: 'Failed', failureCount: 1, finishedSecondsAgo: 5 }]),
      now: NOW,
    });
    expect(only.create).toEqual([]);
    expect(only.requeueAfterMs).toBe(15_000);
  });

  it('isIndexFailed: counted failures reaching the limit, or FailIndex; Ignore never', () => {
    const j = (extra: Partial<Spec>) => job({ completions: 2, backoffLimitPerIndex: 2, ...extra });
    expect(isIndexFailed(j({}), pod({ uid: 'a', index: 0, phase: 'Failed', failureCount: 1 }, 0))).toBe(false);
    expect(isIndexFailed(j({}), pod({ uid: 'a', index: 0, phase: 'Failed', failureCount: 2 }, 0))).toBe(true);
    expect(isIndexFailed(j({}), pod({ uid: 'a', index: 0, phase: 'Running', failureCount: 2 }, 0))).toBe(false);
    const failIndex = { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } }] };
    expect(isIndexFailed(j({ podFailurePolicy: failIndex }), pod({ uid: 'a', index: 0, phase: 'Failed', exitCode: 3 }, 0))).toBe(true);
    const ignore = { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } }] };
    expect(isIndexFailed(j({ podFailurePolicy: ignore }), pod({ uid: 'a', index: 0, phase: 'Failed', exitCode: 3, failureCount: 5 }, 0))).toBe(false);
  });
});

describe('podReplacementPolicy (TestControllerSyncJob)', () => {
  const wq = (replacement: string | undefined, extra: Partial<Spec> = {}) => job({ completionMode: 'NonIndexed', parallelism: 1, completions: undefined, backoffLimit: 6, podReplacementPolicy: replacement, ...extra });
  const set = (active: number, failed: number, terminating: number): Pod[] => [
    ...Array.from({ length: active }, (_, i) => pod({ uid: `run-${i}`, phase: 'Running' }, i)),
    ...Array.from({ length: failed }, (_, i) => pod({ uid: `failed-${i}`, phase: 'Failed' }, 10 + i)),
    ...Array.from({ length: terminating }, (_, i) => pod({ uid: `term-${i}`, phase: 'Running', deleting: true }, 20 + i)),
  ];
  it.each([
    { name: 'WQ job: recreate pods when failed (Failed: the terminating pod is not counted)', j: wq('Failed'), pods: set(1, 1, 1), failed: 1, active: 1, terminating: 1, creates: 0, deletes: 0 },
    { name: 'WQ job: recreate pods when terminating or failed', j: wq('TerminatingOrFailed'), pods: set(1, 1, 1), failed: 2, active: 1, terminating: 1, creates: 0, deletes: 0 },
    { name: 'PodReplacementPolicy not set (TerminatingOrFailed)', j: wq(undefined, { completions: 1 }), pods: set(1, 1, 1), failed: 2, active: 1, terminating: 1, creates: 0, deletes: 0 },
    { name: 'more terminating pods than parallelism', j: wq('Failed', { completions: 1 }), pods: set(2, 0, 4), failed: 0, active: 1, terminating: 5, creates: 0, deletes: 1 },
    {
      name: 'more terminating pods than parallelism; PodFailurePolicy used (Failed is implied)',
      j: wq(undefined, { completions: 1, podFailurePolicy: { rules: [] } }),
      pods: set(2, 0, 4),
      failed: 0,
      active: 1,
      terminating: 5,
      creates: 0,
      deletes: 1,
    },
    { name: 'Failed: a terminating pod takes the place of its replacement', j: wq('Failed', { completions: 2, parallelism: 2 }), pods: set(1, 0, 1), failed: 0, active: 1, terminating: 1, creates: 0, deletes: 0 },
    { name: 'TerminatingOrFailed: a terminating pod is replaced at once', j: wq('TerminatingOrFailed', { completions: 2, parallelism: 2 }), pods: set(1, 0, 1), failed: 1, active: 2, terminating: 1, creates: 1, deletes: 0 },
  ])('$name', ({ j, pods: ps, failed, active, terminating, creates, deletes }) => {
    const d = decideJob({ job: j, pods: ps, now: NOW });
    expect(d.status.failed).toBe(failed);
    expect(d.status.active).toBe(active);
    expect(d.status.terminating).toBe(terminating);
    expect(d.create).toHaveLength(creates);
    expect(d.delete).toHaveLength(deletes);
  });

  it('Failed: the terminating pod keeps its finalizer until it is Failed, then counts', () => {
    const j = wq('Failed', { completions: 2, parallelism: 2 });
    const terminating = pod({ uid: 't', phase: 'Running', deleting: true }, 0);
    expect(decideJob({ job: j, pods: [terminating], now: NOW }).removeFinalizer).toEqual([]);
    const failed = pod({ uid: 't', phase: 'Failed', deleting: true }, 0);
    const d = decideJob({ job: j, pods: [failed], now: NOW });
    expect(d.removeFinalizer.map((p) => p.metadata?.uid)).toEqual(['t']);
    expect(d.status.failed).toBe(1);
  });

  it('Indexed with Failed: the index of a terminating pod is not started again', () => {
    const j = job({ parallelism: 2, completions: 2, backoffLimit: 6, podReplacementPolicy: 'Failed' });
    const d = decideJob({ job: j, pods: pods([{ uid: 't', index: 0, phase: 'Running', deleting: true }]), now: NOW });
    expect(d.create.map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX])).toEqual(['1']);
    const other = decideJob({ job: job({ parallelism: 2, completions: 2, backoffLimit: 6 }), pods: pods([{ uid: 't', index: 0, phase: 'Running', deleting: true }]), now: NOW });
    expect(other.create.map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX])).toEqual(['0', '1']);
  });
});
