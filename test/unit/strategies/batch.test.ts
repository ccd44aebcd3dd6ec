import { describe, expect, it } from 'vitest';
import { defaultCronJob, defaultJob, prepareJobForCreate, validateIndexesFormat, validateJob, validateJobUpdate } from '../../../api/strategies/batch.js';
import type { CronJob, Job, Relaxed } from '../../../api/types/index.js';

function created(spec: Record<string, unknown> = {}): Relaxed<Job> {
  const job: Relaxed<Job> = {
    metadata: { name: 'pi', namespace: 'default', uid: 'u-1', resourceVersion: '7' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
  };
  defaultJob(job);
  prepareJobForCreate(job);
  return job;
}
const msgs = (causes: { field?: string; message?: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);

describe('Job defaults and the generated selector', () => {
  it('completions and parallelism 1, backoffLimit 6, NonIndexed, suspend false; selector and labels from the uid', () => {
    const job = created();
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed' });
    expect(job.spec?.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
    expect(job.spec?.template?.metadata?.labels).toEqual({ 'batch.kubernetes.io/controller-uid': 'u-1', 'controller-uid': 'u-1', 'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi' });
    expect(validateJob(job)).toEqual([]);
  });
  it('parallelism alone leaves completions unset; backoffLimitPerIndex makes backoffLimit MaxInt32', () => {
    expect(created({ parallelism: 3 }).spec?.completions).toBeUndefined();
    expect(created({ completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1 }).spec?.backoffLimit).toBe(2147483647);
  });
  it('podFailurePolicy: restartPolicy must be Never, one of onExitCodes / onPodConditions, In never 0', () => {
    const job = created({
      template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } },
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [0] } }, { action: 'Explode', onPodConditions: [] }] },
    });
    expect(msgs(validateJob(job))).toEqual([
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
      'spec.podFailurePolicy.rules[1].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
      'spec.podFailurePolicy.rules[1]: Invalid value: "": specifying one of OnExitCodes and OnPodConditions is required',
    ]);
  });
});

describe('Job updates', () => {
  it('the template of a Job is immutable', () => {
    const old = created();
    const next = structuredClone(old);
    next.spec!.template!.spec!.containers![0]!.image = 'busybox:2';
    expect(msgs(validateJobUpdate(next, old))[0]).toMatch(/^spec\.template: Invalid value: .*: field is immutable$/);
  });
  it('a suspended Job that never started may change its scheduling directives and labels, not its containers', () => {
    const old = created({ suspend: true });
    const next = structuredClone(old);
    next.spec!.template!.spec!.nodeSelector = { zone: 'a' };
    next.spec!.template!.metadata!.labels!.extra = 'x';
    expect(validateJobUpdate(next, old)).toEqual([]);
    next.spec!.template!.spec!.containers![0]!.image = 'busybox:2';
    expect(msgs(validateJobUpdate(next, old))[0]).toMatch(/^spec\.template: .*field is immutable$/);
    const started = { ...old, status: { startTime: '2026-01-01T00:00:00Z' } };
    const onlyNodeSelector = structuredClone(old);
    onlyNodeSelector.spec!.template!.spec!.nodeSelector = { zone: 'a' };
    expect(msgs(validateJobUpdate(onlyNodeSelector, started))[0]).toMatch(/field is immutable/);
  });
  it('completions are immutable, except for an Indexed Job kept at completions == parallelism', () => {
    const old = created({ completions: 3, parallelism: 3 });
    expect(msgs(validateJobUpdate({ ...old, spec: { ...old.spec, completions: 4 } }, old))).toContain('spec.completions: Invalid value: 4: field is immutable');
    const idx = created({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
    expect(validateJobUpdate({ ...idx, spec: { ...idx.spec, completions: 5, parallelism: 5 } }, idx)).toEqual([]);
  });
});

describe('CronJob defaults', () => {
  it('Allow, suspend false, history limits 3 and 1; the Job template defaulted without a selector', () => {
    const cj: Relaxed<CronJob> = { metadata: { name: 'x' }, spec: { schedule: '@hourly', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c' }] } } } } } };
    defaultCronJob(cj);
    expect(cj.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(cj.spec?.jobTemplate?.spec).toMatchObject({ backoffLimit: 6, completions: 1, parallelism: 1 });
    expect(cj.spec?.jobTemplate?.spec?.selector).toBeUndefined();
  });
});

describe('validateIndexesFormat (validation.go, with upstream words)', () => {
  it.each([
    { text: '', want: { total: 0 } },
    { text: '0,2-4,6', want: { total: 5 } },
    { text: '3,1', want: { error: 'non-increasing order, previous: 3, current: 1' } },
    { text: '2-2', want: { error: 'non-increasing order, previous: 2, current: 2' } },
    { text: '1-3,3', want: { error: 'non-increasing order, previous: 3, current: 3' } },
    { text: '0-9', want: { error: 'too large index: "9"' } },
    { text: 'a', want: { error: 'cannot convert string to integer for index: "a"' } },
    { text: '1-2-3', want: { error: `the fragment "1-2-3" violates the requirement that an index interval can have at most two parts separated by '-'` } },
  ])('$text with completions 8: $want', ({ text, want }) => {
    expect(validateIndexesFormat(text, 8)).toEqual(want);
  });

  it('a defaulted Job with backoffLimitPerIndex gets backoffLimit MaxInt32; a podFailurePolicy makes podReplacementPolicy Failed', () => {
    expect(created({ completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1 }).spec?.backoffLimit).toBe(2147483647);
    const rules = [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } }];
    expect(created({ podFailurePolicy: { rules } }).spec?.podReplacementPolicy).toBe('Failed');
    expect(msgs(validateJob(created({ completionMode: 'Indexed', completions: 2, successPolicy: { rules: [{ succeededIndexes: '0', succeededCount: 1 }] } })))).toEqual([]);
  });
});
