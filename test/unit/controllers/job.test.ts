import { describe, expect, it } from 'vitest';
import {
  JOB_COMPLETION_INDEX,
  JOB_TRACKING_FINALIZER,
  decideJob,
  formatIndexes,
  matchPodFailurePolicy,
  parseIndexes,
  podForJob,
  remainingBackoffMs,
} from '../../../control-plane/controllers/job/decide.js';
import { decideTTL } from '../../../control-plane/controllers/ttlafterfinished/decide.js';
import type { Job, Pod } from '../../../control-plane/controllers/util/types.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function job(spec: Partial<NonNullable<Job['spec']>> = {}, status: Job['status'] = { startTime: iso(100) }): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid' },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } },
      template: {
        metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
      },
      ...spec,
    },
    status,
  };
}

let n = 0;
function pod(phase: string, opts: { finishedSecondsAgo?: number; index?: number; finalizer?: boolean; exitCode?: number; deleting?: boolean; restarts?: number } = {}): Pod {
  n++;
  const finished = opts.finishedSecondsAgo ?? 50;
  const terminated = phase === 'Succeeded' || phase === 'Failed';
  return {
    metadata: {
      name: `pi-${n}`,
      namespace: 'default',
      uid: `pod-${n}`,
      finalizers: opts.finalizer === false ? [] : [JOB_TRACKING_FINALIZER],
      annotations: opts.index === undefined ? {} : { [JOB_COMPLETION_INDEX]: String(opts.index) },
      ...(opts.deleting ? { deletionTimestamp: iso(1) } : {}),
    },
    status: {
      phase,
      containerStatuses: [
        {
          name: 'c',
          restartCount: opts.restarts ?? 0,
          state: terminated ? { terminated: { exitCode: opts.exitCode ?? (phase === 'Succeeded' ? 0 : 1), finishedAt: iso(finished) } } : { running: {} },
        },
      ],
    },
  };
}

const reasons = (j: Job) => (j.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('decideJob: parallelism and completions', () => {
  it.each([
    { name: 'a new job creates parallelism pods', spec: { parallelism: 3, completions: 5 }, pods: [], create: 3 },
    { name: 'never more than the completions left', spec: { parallelism: 3, completions: 5 }, pods: ['Succeeded', 'Succeeded', 'Succeeded'], create: 2 },
    { name: 'running pods count as active', spec: { parallelism: 3, completions: 5 }, pods: ['Running', 'Pending'], create: 1 },
    { name: 'excess active pods are deleted', spec: { parallelism: 1, completions: 5 }, pods: ['Running', 'Running'], create: 0, del: 1 },
    { name: 'without completions, once one pod succeeded no new pod starts', spec: { parallelism: 2, completions: undefined }, pods: ['Succeeded', 'Running'], create: 0 },
  ])('$name', ({ spec, pods, create, del }) => {
    const d = decideJob({ job: job(spec), pods: pods.map((p) => pod(p)), now: NOW });
    expect(d.create).toHaveLength(create);
    expect(d.delete).toHaveLength(del ?? 0);
  });

  it('counts terminated pods through uncountedTerminatedPods, removes their finalizers, then completes', () => {
    const pods = [pod('Succeeded'), pod('Succeeded')];
    const d = decideJob({ job: job({ parallelism: 2, completions: 2 }), pods, now: NOW });
    expect(d.intermediate?.uncountedTerminatedPods?.succeeded?.sort()).toEqual(pods.map((p) => p.metadata!.uid).sort());
    expect(d.removeFinalizer).toHaveLength(2);
    expect(d.status.succeeded).toBe(2);
    expect(d.status.uncountedTerminatedPods).toEqual({});
    expect(d.create).toHaveLength(0);
    // As upstream's trackJobStatusAndRemoveFinalizers: the final status (written once the finalizers are
    // gone) carries the counters and, nothing being left running, the terminal condition.
    expect(reasons({ status: d.status })).toEqual(['SuccessCriteriaMet=True/CompletionsReached', 'Complete=True/CompletionsReached']);
    expect(d.status.completionTime).toBe(iso(0));
    expect(d.events).toEqual([{ type: 'Normal', reason: 'Completed', message: 'Job completed' }]);
    expect(d.intermediate?.conditions ?? []).toEqual([]);
  });

  it('pods already counted (no finalizer) are not counted twice', () => {
    const d = decideJob({ job: job({ completions: 3, parallelism: 1 }, { startTime: iso(100), succeeded: 1 }), pods: [pod('Succeeded', { finalizer: false })], now: NOW });
    expect(d.status.succeeded).toBe(1);
    expect(d.create).toHaveLength(1);
  });
});

describe('decideJob: backoffLimit and the pod-failure backoff', () => {
  // n failed pods (each failed 1000 s ago, long past any backoff) against backoffLimit m.
  it.each([
    { failures: 0, limit: 6, failed: false },
    { failures: 3, limit: 6, failed: false },
    { failures: 6, limit: 6, failed: false },
    { failures: 7, limit: 6, failed: true },
    { failures: 1, limit: 0, failed: true },
    { failures: 2, limit: 1, failed: true },
  ])('$failures failures with backoffLimit $limit: failed=$failed', ({ failures, limit, failed }) => {
    const pods = Array.from({ length: failures }, () => pod('Failed', { finishedSecondsAgo: 1000, finalizer: false }));
    const d = decideJob({ job: job({ backoffLimit: limit, completions: 1 }, { startTime: iso(2000), failed: failures }), pods, now: NOW });
    expect(reasons({ status: d.status })).toEqual(
      failed ? ['FailureTarget=True/BackoffLimitExceeded', 'Failed=True/BackoffLimitExceeded'] : [],
    );
    if (failed) {
      expect(d.status.conditions?.[1]?.message).toBe('Job has reached the specified backoff limit');
      expect(d.events).toEqual([{ type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]);
      expect(d.create).toHaveLength(0);
    } else expect(d.create).toHaveLength(1);
  });

  it.each([
    { failures: 1, agoS: 5, waitMs: 5_000 },
    { failures: 2, agoS: 5, waitMs: 15_000 },
    { failures: 3, agoS: 5, waitMs: 35_000 },
    { failures: 10, agoS: 0, waitMs: 360_000 },
    { failures: 1, agoS: 20, waitMs: 0 },
  ])('backoff after $failures failures, the last $agoS s ago: $waitMs ms', ({ failures, agoS, waitMs }) => {
    const pods = Array.from({ length: failures }, (_, i) => pod('Failed', { finishedSecondsAgo: i === 0 ? agoS : agoS + 1 }));
    expect(remainingBackoffMs(pods, NOW)).toBe(waitMs);
  });

  it('a success resets the backoff', () => {
    const pods = [pod('Failed', { finishedSecondsAgo: 30 }), pod('Succeeded', { finishedSecondsAgo: 20 })];
    expect(remainingBackoffMs(pods, NOW)).toBe(0);
  });

  it('waits out the backoff before replacing a failed pod', () => {
    const d = decideJob({ job: job(), pods: [pod('Failed', { finishedSecondsAgo: 4 })], now: NOW });
    expect(d.status.failed).toBe(1);
    expect(d.create).toHaveLength(0);
    expect(d.requeueAfterMs).toBe(6_000);
  });

  it('OnFailure: container restarts count against backoffLimit', () => {
    const j = job({ backoffLimit: 2, template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c' }] } } });
    expect(reasons({ status: decideJob({ job: j, pods: [pod('Running', { restarts: 1 })], now: NOW }).status })).toEqual([]);
    const d = decideJob({ job: j, pods: [pod('Running', { restarts: 2 })], now: NOW });
    expect(reasons({ status: d.status })).toEqual(['FailureTarget=True/BackoffLimitExceeded']);
    expect(d.delete).toHaveLength(1);
  });
});

describe('decideJob: deadline, suspend, pod failure policy', () => {
  it('activeDeadlineSeconds: DeadlineExceeded once the time is up, a requeue at the deadline before', () => {
    const early = decideJob({ job: job({ activeDeadlineSeconds: 300 }), pods: [pod('Running')], now: NOW });
    expect(early.requeueAfterMs).toBe(200_000);
    const late = decideJob({ job: job({ activeDeadlineSeconds: 60 }), pods: [pod('Running')], now: NOW });
    expect(reasons({ status: late.status })).toEqual(['FailureTarget=True/DeadlineExceeded']);
    expect(late.status.conditions?.[0]?.message).toBe('Job was active longer than specified deadline');
    expect(late.delete).toHaveLength(1);
  });

  it('suspend deletes active pods, sets Suspended and clears startTime; resume sets it again', () => {
    const d = decideJob({ job: job({ suspend: true }), pods: [pod('Running')], now: NOW });
    expect(d.delete).toHaveLength(1);
    expect(reasons({ status: d.status })).toEqual(['Suspended=True/JobSuspended']);
    expect(d.status.startTime).toBeUndefined();
    expect(d.events.map((e) => e.reason)).toEqual(['Suspended']);
    const r = decideJob({ job: job({ suspend: false }, d.status), pods: [], now: NOW });
    expect(reasons({ status: r.status })).toEqual(['Suspended=False/JobResumed']);
    expect(r.status.startTime).toBe(iso(0));
    expect(r.create).toHaveLength(1);
  });

  const policy = {
    rules: [
      { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [0] } },
    ],
  };
  it('FailJob on a matching exit code fails the Job at once, with upstream message', () => {
    const p = pod('Failed', { exitCode: 42 });
    const d = decideJob({ job: job({ podFailurePolicy: policy, backoffLimit: 6 }), pods: [p], now: NOW });
    expect(reasons({ status: d.status })[0]).toBe('FailureTarget=True/PodFailurePolicy');
    expect(d.status.conditions?.[0]?.message).toBe(`Container c for pod default/${p.metadata!.name} failed with exit code 42 matching FailJob rule at index 0`);
  });
  it('Ignore does not count the failure; Count does', () => {
    const disrupted = pod('Failed', { exitCode: 137 });
    disrupted.status!.conditions = [{ type: 'DisruptionTarget', status: 'True' }];
    expect(matchPodFailurePolicy(job({ podFailurePolicy: policy }), disrupted).action).toBe('Ignore');
    const d = decideJob({ job: job({ podFailurePolicy: policy }), pods: [disrupted, pod('Failed', { exitCode: 3, finishedSecondsAgo: 1000 })], now: NOW });
    expect(d.status.failed).toBe(1);
    expect(d.removeFinalizer).toHaveLength(2);
  });
});

describe('decideJob: Indexed completion mode', () => {
  const indexed = { completionMode: 'Indexed', completions: 5, parallelism: 2 };
  it('creates the lowest pending indexes, with annotation, label, hostname and JOB_COMPLETION_INDEX', () => {
    const d = decideJob({ job: job(indexed), pods: [pod('Succeeded', { index: 0 })], now: NOW });
    expect(d.create.map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX])).toEqual(['1', '2']);
    const p = d.create[0]!;
    expect(p.metadata?.generateName).toBe('pi-1-');
    expect(p.spec?.hostname).toBe('pi-1');
    expect(p.metadata?.labels?.[JOB_COMPLETION_INDEX]).toBe('1');
    expect(p.metadata?.finalizers).toContain(JOB_TRACKING_FINALIZER);
    expect(p.spec?.containers?.[0]?.env).toEqual([
      { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
    ]);
    expect(d.status.completedIndexes).toBe('0');
  });
  it('completes when every index succeeded; a duplicate success is not counted', () => {
    const pods = [0, 1, 2, 3, 4, 4].map((i) => pod('Succeeded', { index: i }));
    const d = decideJob({ job: job(indexed), pods, now: NOW });
    expect(d.status.completedIndexes).toBe('0-4');
    expect(d.status.succeeded).toBe(5);
    expect(reasons({ status: d.status })).toEqual(['SuccessCriteriaMet=True/CompletionsReached', 'Complete=True/CompletionsReached']);
  });
  it('a running pod of a completed index is deleted; creations wait for the next pass (deletions first, as upstream)', () => {
    const d = decideJob({ job: job(indexed, { startTime: iso(100), completedIndexes: '0', succeeded: 1 }), pods: [pod('Running', { index: 0 })], now: NOW });
    expect(d.delete).toHaveLength(1);
    expect(d.create).toEqual([]);
    const next = decideJob({ job: job(indexed, d.status), pods: [], now: NOW });
    expect(next.create.map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX])).toEqual(['1', '2']);
  });
  it.each([
    [[1, 3, 4, 5, 7], '1,3-5,7'],
    [[0, 1], '0,1'],
    [[], ''],
    [[2, 0, 1], '0-2'],
  ])('formatIndexes(%j) = %s and back', (list, text) => {
    expect(formatIndexes(list)).toBe(text);
    expect([...parseIndexes(text)].sort((a, b) => a - b)).toEqual([...new Set(list)].sort((a, b) => a - b));
  });
});

describe('podForJob and expectations', () => {
  it('a NonIndexed pod: generateName <job>-, the controller reference, the tracking finalizer', () => {
    const p = podForJob(job());
    expect(p.metadata?.generateName).toBe('pi-');
    expect(p.metadata?.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true, blockOwnerDeletion: true }]);
    expect(p.metadata?.finalizers).toEqual([JOB_TRACKING_FINALIZER]);
    expect(p.metadata?.annotations).toBeUndefined();
  });
  it('unsatisfied expectations: no creates or deletes', () => {
    const d = decideJob({ job: job({ parallelism: 3, completions: 3 }), pods: [], now: NOW, expectationsSatisfied: false });
    expect(d.create).toHaveLength(0);
  });
  it('unsatisfied expectations: the Job is not declared finished yet (a pod of ours may be on its way)', () => {
    const d = decideJob({ job: job({ completions: 1 }), pods: [pod('Succeeded')], now: NOW, expectationsSatisfied: false });
    expect(reasons({ status: d.status })).toEqual(['SuccessCriteriaMet=True/CompletionsReached']);
    const later = decideJob({ job: job({ completions: 1 }, d.status), pods: [pod('Succeeded', { finalizer: false })], now: NOW });
    expect(reasons({ status: later.status })).toEqual(['SuccessCriteriaMet=True/CompletionsReached', 'Complete=True/CompletionsReached']);
  });
  it('a finished Job only deletes leftovers and counts', () => {
    const done = job({}, { startTime: iso(100), succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] });
    const d = decideJob({ job: done, pods: [pod('Running')], now: NOW });
    expect(d.create).toHaveLength(0);
    expect(d.delete).toHaveLength(1);
  });
});

describe('decideTTL', () => {
  const finished = (ttl: number | undefined, finishedAgoS: number): Job => ({
    metadata: { name: 'pi', namespace: 'default', uid: 'u' },
    spec: { ttlSecondsAfterFinished: ttl },
    status: { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: iso(finishedAgoS) }] },
  });
  it.each([
    { ttl: undefined, ago: 100, want: { action: 'none' } },
    { ttl: 0, ago: 0, want: { action: 'delete' } },
    { ttl: 60, ago: 30, want: { action: 'wait', afterMs: 30_000 } },
    { ttl: 60, ago: 61, want: { action: 'delete' } },
  ])('ttl $ttl, finished $ago s ago', ({ ttl, ago, want }) => {
    expect(decideTTL(finished(ttl, ago), NOW)).toEqual(want);
  });
  it('an unfinished Job is left alone', () => {
    expect(decideTTL({ metadata: { name: 'x' }, spec: { ttlSecondsAfterFinished: 0 }, status: {} }, NOW)).toEqual({ action: 'none' });
  });
});
