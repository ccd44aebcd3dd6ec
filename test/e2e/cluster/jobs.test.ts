/**
 * Jobs and CronJobs on the one-machine lab (issue 13), with real pods on the lab's kubelets and the real
 * kubectl: `kubectl create job pi` computing pi with busybox awk (a million terms of Leibniz's series: busybox's awk has no math library) and completing (`wait --for=condition=complete`,
 * `logs job/pi`, the job-name labels, the controller reference); an Indexed Job whose pods print
 * JOB_COMPLETION_INDEX; a failing Job retried once, then Failed/BackoffLimitExceeded; activeDeadlineSeconds ->
 * Failed/DeadlineExceeded with its pod deleted; backoffLimitPerIndex (a failing index retried after its own
 * backoff, then Failed/FailedIndexes); a successPolicy (the leader index succeeding ends the workers, then
 * Complete/SuccessPolicy); a suspended Job (no pod) resumed to Complete; a CronJob every
 * minute creating `<cronjob>-<minutes>` at the next minute, with successfulJobsHistoryLimit 1 deleting the older
 * `kubectl create job --from=cronjob/x` Job; ttlSecondsAfterFinished 0 deleting a finished Job.
 *
 * The CronJob is created first so its minute passes while the other Jobs run. One lab at a time on the
 * machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, Lab, kubelabBin, leftovers, repo, show, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');
const NS = 'jobs';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Job {
  metadata: { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
  spec: { suspend?: boolean; selector?: { matchLabels?: Record<string, string> } };
  status?: { active?: number; succeeded?: number; failed?: number; startTime?: string; completionTime?: string; completedIndexes?: string; conditions?: Condition[] };
}
interface JobPod {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[]; finalizers?: string[] };
  status?: { phase?: string };
}

const conditionOf = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

const yaml = (name: string, spec: string) => `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}, namespace: ${NS}}
spec:
${spec}`;

describe('Jobs and CronJobs on the lab (containerd)', () => {
  let lab: Lab;

  beforeAll(async () => {
    await assertNoLab(E2E_LAB_DIR);
    lab = new Lab(E2E_LAB_DIR, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  const job = (name: string) => lab.json<Job>('-n', NS, 'get', 'job', name);
  const jobPods = async (name: string) => (await lab.json<{ items: JobPod[] }>('-n', NS, 'get', 'pods', '-l', `batch.kubernetes.io/job-name=${name}`)).items;
  const untilCondition = async (name: string, type: string, timeoutMs: number) =>
    (
      await waitFor(`job ${name} ${type}`, timeoutMs, async () => {
        const j = await job(name);
        return conditionOf(j, type) ? j : undefined;
      }, 500)
    ).value;

  it('scripts/lab up, a namespace, and a CronJob every minute (history limit 1) with a Job made from it by hand', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    await lab.kc('create', 'namespace', NS);
    await lab.kc('-n', NS, 'create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/1 * * * *', '--', 'sh', '-c', 'date +tick-%s');
    await lab.kc('-n', NS, 'patch', 'cronjob', 'tick', '--type=merge', '-p', '{"spec":{"successfulJobsHistoryLimit":1}}');
    // kubectl create job --from: the CronJob's template, the manual annotation, the CronJob as controller.
    await lab.kc('-n', NS, 'create', 'job', 'manual', '--from=cronjob/tick');
    const manual = await job('manual');
    expect(manual.metadata.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(manual.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'tick', controller: true })]);
    await lab.kc('-n', NS, 'wait', '--for=condition=complete', 'job/manual', '--timeout=55s');
    expect(await lab.kc('-n', NS, 'logs', 'job/manual')).toMatch(/^tick-\d+$/m);
  }, 600_000);

  it('kubectl create job pi computes pi, completes, and kubectl logs job/pi prints it', async () => {
    await lab.kc('-n', NS, 'create', 'job', 'pi', '--image=busybox', '--', 'awk', 'BEGIN { for (k = 0; k < 1000000; k++) s += (k % 2 ? -4 : 4) / (2 * k + 1); printf "%.5f\\n", s }');
    await lab.kc('-n', NS, 'wait', '--for=condition=complete', 'job/pi', '--timeout=55s');
    expect((await lab.kc('-n', NS, 'logs', 'job/pi')).trim()).toBe('3.14159');
    const j = await job('pi');
    expect(j.status).toMatchObject({ succeeded: 1, failed: 0 });
    expect(j.status?.completionTime).toBeDefined();
    expect(conditionOf(j, 'SuccessCriteriaMet')?.reason).toBe('CompletionsReached');
    expect(conditionOf(j, 'Complete')?.reason).toBe('CompletionsReached');
    const [p, ...more] = await jobPods('pi');
    expect(more).toEqual([]);
    expect(p!.status?.phase).toBe('Succeeded');
    expect(p!.metadata.labels).toMatchObject({ 'job-name': 'pi', 'batch.kubernetes.io/job-name': 'pi', 'batch.kubernetes.io/controller-uid': j.metadata.uid, 'controller-uid': j.metadata.uid });
    expect(p!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: 'pi', uid: j.metadata.uid, controller: true })]);
    // The tracking finalizer is gone once the pod is counted.
    expect(p!.metadata.finalizers ?? []).not.toContain('batch.kubernetes.io/job-tracking');
    expect(await lab.kc('-n', NS, 'get', 'job', 'pi')).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\npi\s+Complete\s+1\/1\s+\d+s\s+\d+s/);
  }, 120_000);

  it('an Indexed Job: each pod prints its JOB_COMPLETION_INDEX, completedIndexes 0-2', async () => {
    await lab.apply(
      yaml(
        'indexed',
        `  completionMode: Indexed
  completions: 3
  parallelism: 3
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "echo index=$JOB_COMPLETION_INDEX host=$(hostname)"]`,
      ),
    );
    await lab.kc('-n', NS, 'wait', '--for=condition=complete', 'job/indexed', '--timeout=55s');
    const j = await job('indexed');
    expect(j.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    const pods = await jobPods('indexed');
    const seen: string[] = [];
    for (const p of pods) {
      const idx = p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];
      expect(p.metadata.labels?.['batch.kubernetes.io/job-completion-index']).toBe(idx);
      seen.push((await lab.kc('-n', NS, 'logs', p.metadata.name)).trim());
    }
    expect(seen.sort()).toEqual(['index=0 host=indexed-0', 'index=1 host=indexed-1', 'index=2 host=indexed-2']);
  }, 120_000);

  it('a failing Job is retried after the backoff, then Failed with BackoffLimitExceeded', async () => {
    await lab.apply(
      yaml(
        'fails',
        `  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "echo failing; exit 3"]`,
      ),
    );
    const j = await untilCondition('fails', 'Failed', 90_000);
    expect(conditionOf(j, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(conditionOf(j, 'FailureTarget')?.reason).toBe('BackoffLimitExceeded');
    expect(j.status).toMatchObject({ failed: 2, succeeded: 0 });
    expect(conditionOf(j, 'Complete')).toBeUndefined();
    // kubectl wait for the failed condition, as a user waits for either outcome.
    await lab.kc('-n', NS, 'wait', '--for=condition=failed', 'job/fails', '--timeout=10s');
    const events = await lab.kc('-n', NS, 'get', 'events', '--field-selector', 'involvedObject.name=fails', '-o', 'custom-columns=R:.reason', '--no-headers');
    expect(events).toMatch(/BackoffLimitExceeded/);
    expect(events.match(/SuccessfulCreate/g)).toHaveLength(2);
  }, 120_000);

  it('activeDeadlineSeconds: a Job running too long fails with DeadlineExceeded and its pod is deleted', async () => {
    await lab.apply(
      yaml(
        'slow',
        `  activeDeadlineSeconds: 5
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: ["sleep", "600"]`,
      ),
    );
    const j = await untilCondition('slow', 'Failed', 90_000);
    expect(conditionOf(j, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(j.status?.active ?? 0).toBe(0);
    await waitFor('the slow pod gone or finished', 60_000, async () => {
      const pods = await jobPods('slow');
      return pods.every((p) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') || undefined;
    });
  }, 120_000);

  it('backoffLimitPerIndex: index 1 fails alone (retried once after its own backoff), the others complete, then Failed/FailedIndexes', async () => {
    await lab.apply(
      yaml(
        'per-index',
        `  completionMode: Indexed
  completions: 3
  parallelism: 3
  backoffLimitPerIndex: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "test $JOB_COMPLETION_INDEX -ne 1"]`,
      ),
    );
    const j = await untilCondition('per-index', 'Failed', 90_000);
    expect(conditionOf(j, 'Failed')).toMatchObject({ reason: 'FailedIndexes', message: 'Job has failed indexes' });
    expect(j.status).toMatchObject({ completedIndexes: '0,2', failedIndexes: '1', succeeded: 2, failed: 2 });
    const counts = (await jobPods('per-index'))
      .filter((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === '1')
      .map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'])
      .sort();
    expect(counts).toEqual(['0', '1']);
  }, 120_000);

  it('successPolicy: when the leader (index 0) succeeds, the workers are terminated and the Job completes (SuccessPolicy)', async () => {
    await lab.apply(
      yaml(
        'leader',
        `  completionMode: Indexed
  completions: 3
  parallelism: 3
  successPolicy:
    rules:
    - succeededIndexes: "0"
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "if [ $JOB_COMPLETION_INDEX = 0 ]; then sleep 2; echo leader done; else sleep 600; fi"]`,
      ),
    );
    const j = await untilCondition('leader', 'Complete', 90_000);
    expect(conditionOf(j, 'SuccessCriteriaMet')).toMatchObject({ reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
    expect(conditionOf(j, 'Complete')).toMatchObject({ reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
    expect(j.status).toMatchObject({ completedIndexes: '0', succeeded: 1, active: 0 });
    const left = await jobPods('leader');
    expect(left.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'])).toEqual(['0']);
  }, 120_000);

  it('a suspended Job creates no pod; resumed, it runs to Complete', async () => {
    await lab.apply(
      yaml(
        'later',
        `  suspend: true
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        command: ["echo", "resumed"]`,
      ),
    );
    const j = await untilCondition('later', 'Suspended', 30_000);
    expect(conditionOf(j, 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
    expect(j.status?.startTime).toBeUndefined();
    expect(await jobPods('later')).toEqual([]);
    await lab.kc('-n', NS, 'patch', 'job', 'later', '--type=merge', '-p', '{"spec":{"suspend":false}}');
    await lab.kc('-n', NS, 'wait', '--for=condition=complete', 'job/later', '--timeout=55s');
    const done = await job('later');
    expect(done.status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
    expect((await lab.kc('-n', NS, 'logs', 'job/later')).trim()).toBe('resumed');
  }, 120_000);

  it('ttlSecondsAfterFinished: 0 deletes the Job (and its pods) once it finished', async () => {
    await lab.apply(
      yaml(
        'short-lived',
        `  ttlSecondsAfterFinished: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        command: ["true"]`,
      ),
    );
    await waitFor('job short-lived deleted', 90_000, async () => (await lab.kubectl(['-n', NS, 'get', 'job', 'short-lived'])).code !== 0 || undefined, 500);
    await waitFor('its pods deleted', 60_000, async () => (await jobPods('short-lived')).length === 0 || undefined, 500);
  }, 180_000);

  it('the CronJob created tick-<minutes> at the next minute; the history limit deleted the older manual Job', async () => {
    const scheduled = await waitFor('a scheduled Job of tick', 100_000, async () => {
      const jobs = (await lab.json<{ items: Job[] }>('-n', NS, 'get', 'jobs')).items;
      return jobs.find((j) => /^tick-\d+$/.test(j.metadata.name));
    }, 1000);
    const j = scheduled.value;
    const minutes = Number(j.metadata.name.slice('tick-'.length));
    expect(j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(new Date(minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(j.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'tick', controller: true })]);
    await lab.kc('-n', NS, 'wait', '--for=condition=complete', `job/${j.metadata.name}`, '--timeout=55s');
    // successfulJobsHistoryLimit 1: of the two finished Jobs the CronJob owns, the older (manual) goes.
    await waitFor('job manual deleted by the history limit', 60_000, async () => (await lab.kubectl(['-n', NS, 'get', 'job', 'manual'])).code !== 0 || undefined, 1000);
    const cj = await lab.json<{ status?: { lastScheduleTime?: string; lastSuccessfulTime?: string; active?: unknown[] } }>('-n', NS, 'get', 'cronjob', 'tick');
    expect(cj.status?.lastScheduleTime).toBe(new Date(minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    await waitFor('lastSuccessfulTime', 30_000, async () => {
      const c = await lab.json<{ status?: { lastSuccessfulTime?: string } }>('-n', NS, 'get', 'cronjob', 'tick');
      return c.status?.lastSuccessfulTime;
    }, 1000);
    const table = await lab.kc('-n', NS, 'get', 'cronjob', 'tick');
    expect(table).toMatch(/tick\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+\d+\s+\d+s/);
    await lab.kc('-n', NS, 'patch', 'cronjob', 'tick', '--type=merge', '-p', '{"spec":{"suspend":true}}');
  }, 240_000);

  it('scripts/lab down leaves nothing behind', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(await leftovers(E2E_LAB_DIR)).toEqual([]);
  }, 180_000);
});
