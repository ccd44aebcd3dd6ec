/**
 * batch/v1 Jobs end to end over a real etcd with the real kubectl: the Job and TTL-after-finished
 * controllers run in this process on the API server's client, and a small fake kubelet plays the node
 * (a pod of a Job whose name says `fail` exits 1 (`fail-odd`: its odd indexes only), `hang` never ends, `first-wins`
 * ends index 0 only, others exit 0; a pod being deleted is confirmed gone).
 */
import { setMaxListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type ApiClient } from '../../../api/client/api-client.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { JobController } from '../../../control-plane/controllers/job/controller.js';
import { CronJobController } from '../../../control-plane/controllers/cronjob/controller.js';
import { GarbageCollector } from '../../../control-plane/controllers/garbagecollector/controller.js';
import { TTLAfterFinishedController } from '../../../control-plane/controllers/ttlafterfinished/controller.js';
import { R, newControllerContext } from '../../../control-plane/controllers/util/context.js';
import type { CronJob, Job, Pod } from '../../../control-plane/controllers/util/types.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((x) => (s = x));

let client: ApiClient;
const abort = new AbortController();
let running: Promise<unknown> | undefined;
let clockOffsetMs = 0;

const stamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The fake kubelet: runs each new Job pod to its end (exit 1 when the Job's name has `fail`), confirms deletions. */
function fakeKubelet(informers: InformerFactory): void {
  const pods = informers.informerFor<Pod>(R.pods);
  const seen = new Set<string>();
  const handle = async (p: Pod) => {
    const ns = p.metadata?.namespace ?? '';
    const name = p.metadata?.name ?? '';
    try {
      if (p.metadata?.deletionTimestamp) {
        await client.delete(R.pods, ns, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
        return;
      }
      if (seen.has(p.metadata?.uid ?? '') || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return;
      seen.add(p.metadata?.uid ?? '');
      const jobName = p.metadata?.labels?.['batch.kubernetes.io/job-name'] ?? '';
      const index = p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'];
      // A pod that never ends (for a Job named `first-wins...`, every index but 0).
      if (/hang/.test(jobName) || (/^first-wins/.test(jobName) && index !== '0')) return;
      // A Job named `fail-odd...` fails its odd indexes (exit 1).
      const fail = /fail/.test(jobName) && !(/^fail-odd/.test(jobName) && Number(index) % 2 === 0);
      const fresh = await client.get<Pod>(R.pods, ns, name);
      const t = stamp();
      await client.updateStatus(R.pods, {
        ...fresh,
        status: {
          ...fresh.status,
          phase: fail ? 'Failed' : 'Succeeded',
          startTime: t,
          conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: t, reason: 'PodCompleted' }],
          containerStatuses: (fresh.spec?.containers ?? []).map((c) => ({
            name: c.name,
            image: c.image ?? '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: fail ? 1 : 0, reason: fail ? 'Error' : 'Completed', startedAt: t, finishedAt: t } },
          })),
        },
      });
    } catch {
      // a pod gone meanwhile: nothing to run
    }
  };
  pods.on('add', (p) => void handle(p));
  pods.on('update', (_o, p) => void handle(p));
}

beforeAll(async () => {
  client = KubeClient.fromKubeconfig(s.h.kubeconfig, undefined, { logger: silentLogger });
  const informers = new InformerFactory(client, { logger: silentLogger });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  setMaxListeners(50, abort.signal);
  // The CronJob controller reads a clock the tests move (no real minute waits).
  const cronCtx = newControllerContext(client, informers, { logger: () => silentLogger, now: () => Date.now() + clockOffsetMs });
  const controllers = [new JobController(ctx), new TTLAfterFinishedController(ctx), new CronJobController(cronCtx), new GarbageCollector(ctx)];
  fakeKubelet(informers);
  informers.start();
  running = Promise.all(controllers.map((c) => c.run(abort.signal)));
  await informers.waitForSync();
}, 60_000);

afterAll(async () => {
  abort.abort();
  await running;
});

const getJob = (name: string) => client.get<Job>(R.jobs, 'default', name);

describe('kubectl create job / wait / get', () => {
  it('a Job runs to Complete: defaults, generated selector and labels, tracking finalizer removed, events', async () => {
    await kubectlOk(s.h, ['create', 'job', 'hello', '--image=busybox', '--', 'echo', 'hi']);
    await kubectlOk(s.h, ['wait', '--for=condition=complete', 'job/hello', '--timeout=60s']);
    const job = await getJob('hello');
    const uid = job.metadata!.uid!;
    expect(job.spec).toMatchObject({ parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false });
    expect(job.spec?.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    expect(job.spec?.template?.metadata?.labels).toMatchObject({
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': 'hello',
      'controller-uid': uid,
      'job-name': 'hello',
    });
    expect(job.status).toMatchObject({ succeeded: 1, active: 0, failed: 0, uncountedTerminatedPods: {} });
    expect(job.status?.completionTime).toBeTruthy();
    expect((job.status?.conditions ?? []).map((c) => [c.type, c.status, c.reason])).toEqual([
      ['SuccessCriteriaMet', 'True', 'CompletionsReached'],
      ['Complete', 'True', 'CompletionsReached'],
    ]);
    const pods = (await client.list<Pod>(R.pods, 'default', { labelSelector: `batch.kubernetes.io/controller-uid=${uid}` })).items;
    expect(pods).toHaveLength(1);
    expect(pods[0]!.metadata?.finalizers ?? []).toEqual([]);
    expect(pods[0]!.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'hello', controller: true });
    const out = await kubectlOk(s.h, ['get', 'jobs']);
    expect(out).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE/);
    expect(out).toMatch(/hello\s+Complete\s+1\/1\s+\d+s/);
    const events = await kubectlOk(s.h, ['get', 'events', '--field-selector', 'involvedObject.name=hello', '-o', 'custom-columns=R:.reason', '--no-headers']);
    expect(events.split('\n').filter(Boolean).sort()).toEqual(['Completed', 'SuccessfulCreate']);
  }, 90_000);

  it('a failing Job with backoffLimit 0 fails with BackoffLimitExceeded', async () => {
    const body = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'fail-now' },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    await kubectlOk(s.h, ['apply', '-f', '-'], JSON.stringify(body));
    await kubectlOk(s.h, ['wait', '--for=condition=failed', 'job/fail-now', '--timeout=60s']);
    const job = await getJob('fail-now');
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed');
    expect(failed).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(job.status?.failed).toBe(1);
    expect(await kubectlOk(s.h, ['get', 'job', 'fail-now', '--no-headers'])).toMatch(/fail-now\s+Failed\s+0\/1/);
  }, 90_000);

  it('an Indexed Job completes every index; its pods carry the index and hostname', async () => {
    const body = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'indexed' },
      spec: { completions: 3, parallelism: 3, completionMode: 'Indexed', template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    await kubectlOk(s.h, ['apply', '-f', '-'], JSON.stringify(body));
    await kubectlOk(s.h, ['wait', '--for=condition=complete', 'job/indexed', '--timeout=60s']);
    const job = await getJob('indexed');
    expect(job.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    const pods = (await client.list<Pod>(R.pods, 'default', { labelSelector: 'batch.kubernetes.io/job-name=indexed' })).items;
    const byIndex = pods.map((p) => [p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], p.spec?.hostname]).sort();
    expect(byIndex).toEqual([
      ['0', 'indexed-0'],
      ['1', 'indexed-1'],
      ['2', 'indexed-2'],
    ]);
    expect(pods[0]!.spec?.containers?.[0]?.env?.[0]?.name).toBe('JOB_COMPLETION_INDEX');
  }, 90_000);

  it('ttlSecondsAfterFinished: 0 deletes the Job once it finished', async () => {
    const body = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'short-lived' },
      spec: { ttlSecondsAfterFinished: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    await kubectlOk(s.h, ['apply', '-f', '-'], JSON.stringify(body));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await kubectl(s.h, ['get', 'job', 'short-lived']);
      if (r.code !== 0 && /NotFound|not found/.test(r.stderr)) break;
      if (Date.now() > deadline) throw new Error(`job short-lived still there: ${r.stdout}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }, 60_000);

  it('a suspended Job creates no pods and says so; resuming runs it', async () => {
    const body = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'later' },
      spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    await kubectlOk(s.h, ['apply', '-f', '-'], JSON.stringify(body));
    await kubectlOk(s.h, ['wait', '--for=condition=suspended', 'job/later', '--timeout=30s']);
    expect(await kubectlOk(s.h, ['get', 'job', 'later', '--no-headers'])).toMatch(/later\s+Suspended\s+0\/1/);
    expect((await client.list<Pod>(R.pods, 'default', { labelSelector: 'batch.kubernetes.io/job-name=later' })).items).toHaveLength(0);
    await kubectlOk(s.h, ['patch', 'job', 'later', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    await kubectlOk(s.h, ['wait', '--for=condition=complete', 'job/later', '--timeout=60s']);
  }, 90_000);
});

describe('backoffLimitPerIndex, maxFailedIndexes, successPolicy (Indexed Jobs)', () => {
  const indexedJob = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { completionMode: 'Indexed', template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
  });
  const conditions = (j: Job) => (j.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => `${c.type}/${c.reason}: ${c.message}`);

  it('failing indexes past backoffLimitPerIndex fail alone; the others complete; then the Job fails with FailedIndexes', async () => {
    await kubectlOk(s.h, ['apply', '-f', '-'], JSON.stringify(indexedJob('fail-odd', { completions: 4, parallelism: 4, backoffLimitPerIndex: 0 })));
    await kubectlOk(s.h, ['wait', '--for=condition=failed', 'job/fail-odd', '--timeout=60s']);
    const job = await getJob('fail-odd');
    expect(job.spec?.backoffLimit).toBe(2147483647);
    expect(job.status).toMatchObject({ completedIndexes: '0,2', failedIndexes: '1,3', succeeded: 2, failed: 2, active: 0 });
    expect(conditions(job)).toEqual(['FailureTarget/FailedIndexes: Job has failed indexes', 'Failed/FailedIndexes: Job has failed indexes']);
    const pods = (await client.list<Pod>(R.pods, 'default', { labelSelector: 'batch.kubernetes.io/job-name=fail-odd' })).items;
    expect(pods).toHaveLength(4);
    expect(pods.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-index-failure-count']).sort()).toEqual(['0', '0', '0', '0']);
    expect(await kubectlOk(s.h, ['get', 'job', 'fail-odd', '--no-headers'])).toMatch(/fail-odd\s+Failed\s+2\/4/);
  }, 90_000);

  it('more failed indexes than maxFailedIndexes: MaxFailedIndexesExceeded, the running pods deleted', async () => {
    await kubectlOk(s.h, ['apply', '-f', '-'], JSON.stringify(indexedJob('fail-all', { completions: 3, parallelism: 1, backoffLimitPerIndex: 0, maxFailedIndexes: 0 })));
    await kubectlOk(s.h, ['wait', '--for=condition=failed', 'job/fail-all', '--timeout=60s']);
    const job = await getJob('fail-all');
    expect(job.status).toMatchObject({ failedIndexes: '0', failed: 1, active: 0 });
    expect(conditions(job)).toEqual([
      'FailureTarget/MaxFailedIndexesExceeded: Job has exceeded the specified maximal number of failed indexes',
      'Failed/MaxFailedIndexesExceeded: Job has exceeded the specified maximal number of failed indexes',
    ]);
  }, 90_000);

  it('successPolicy: index 0 succeeding is enough; the other pods are deleted, then Complete (SuccessPolicy)', async () => {
    const body = indexedJob('first-wins', { completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: '0' }] } });
    await kubectlOk(s.h, ['apply', '-f', '-'], JSON.stringify(body));
    await kubectlOk(s.h, ['wait', '--for=condition=complete', 'job/first-wins', '--timeout=60s']);
    const job = await getJob('first-wins');
    expect(job.status).toMatchObject({ completedIndexes: '0', succeeded: 1, failed: 0, active: 0, terminating: 0 });
    expect(conditions(job)).toEqual(['SuccessCriteriaMet/SuccessPolicy: Matched rules at index 0', 'Complete/SuccessPolicy: Matched rules at index 0']);
    await until('the pods of indexes 1 and 2 gone', async () => {
      const left = (await client.list<Pod>(R.pods, 'default', { labelSelector: 'batch.kubernetes.io/job-name=first-wins' })).items;
      return left.length === 1 ? left : undefined;
    });
    expect(await kubectlOk(s.h, ['get', 'job', 'first-wins', '--no-headers'])).toMatch(/first-wins\s+Complete\s+1\/3/);
    // successPolicy and backoffLimitPerIndex are immutable (ValidateJobSpecUpdate).
    const r = await kubectl(s.h, ['patch', 'job', 'first-wins', '--type=merge', '-p', '{"spec":{"successPolicy":{"rules":[{"succeededCount":2}]}}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.successPolicy: Invalid value: .*field is immutable/);
    const b = await kubectl(s.h, ['patch', 'job', 'fail-odd', '--type=merge', '-p', '{"spec":{"backoffLimitPerIndex":2}}']);
    expect(b.stderr).toMatch(/spec\.backoffLimitPerIndex: Invalid value: 2: field is immutable/);
  }, 90_000);
});

describe('deleting a running Job', () => {
  it('its pods go too: the garbage collector deletes them, the Job controller removes their tracking finalizer', async () => {
    await kubectlOk(s.h, ['create', 'job', 'hang', '--image=busybox', '--', 'sleep', 'inf']);
    const pod = await until('the pod of hang', async () => (await client.list<Pod>(R.pods, 'default', { labelSelector: 'batch.kubernetes.io/job-name=hang' })).items[0]);
    expect(pod.metadata?.finalizers).toContain('batch.kubernetes.io/job-tracking');
    await kubectlOk(s.h, ['delete', 'job', 'hang']);
    await until('the pod gone', async () => ((await client.list<Pod>(R.pods, 'default', { labelSelector: 'batch.kubernetes.io/job-name=hang' })).items.length === 0 ? true : undefined));
  }, 60_000);
});

describe('Job kind: explain, logs, bad input', () => {
  it('kubectl explain job.spec.backoffLimit', async () => {
    const out = await kubectlOk(s.h, ['explain', 'job.spec.backoffLimit']);
    expect(out).toMatch(/GROUP:\s+batch/);
    expect(out).toMatch(/Specifies the number of retries before marking this job failed/);
  });

  it('kubectl logs job/x resolves the Job to its pod and asks for its log (no kubelet here to answer)', async () => {
    const r = await kubectl(s.h, ['logs', 'job/hello']);
    expect(r.stderr).toMatch(/ServiceUnavailable.*no kubelet proxy is configured/);
    const missing = await kubectl(s.h, ['logs', 'job/nope']);
    expect(missing.stderr).toMatch(/jobs.batch "nope" not found/);
  });

  const job = (spec: Record<string, unknown>) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'bad' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
  });
  it.each([
    { name: 'negative parallelism', body: job({ parallelism: -1 }), field: 'spec.parallelism', message: 'Invalid value: -1: must be greater than or equal to 0' },
    { name: 'negative backoffLimit', body: job({ backoffLimit: -2 }), field: 'spec.backoffLimit', message: 'Invalid value: -2: must be greater than or equal to 0' },
    {
      name: 'restartPolicy Always',
      body: job({ template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } }),
      field: 'spec.template.spec.restartPolicy',
      message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"',
    },
    {
      name: 'a manual selector not matching the template',
      body: job({ manualSelector: true, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'y' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } }),
      field: 'spec.template.metadata.labels',
      message: 'Invalid value: {"app":"y"}: `selector` does not match template `labels`',
    },
    { name: 'Indexed without completions', body: job({ completionMode: 'Indexed', completions: null, parallelism: 2 }), field: 'spec.completions', message: 'Required value: when completion mode is Indexed' },
    { name: 'an unknown completionMode', body: job({ completionMode: 'Sometimes' }), field: 'spec.completionMode', message: 'Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"' },
    { name: 'negative completions', body: job({ completions: -1 }), field: 'spec.completions', message: 'Invalid value: -1: must be greater than or equal to 0' },
    { name: 'negative activeDeadlineSeconds', body: job({ activeDeadlineSeconds: -5 }), field: 'spec.activeDeadlineSeconds', message: 'Invalid value: -5: must be greater than or equal to 0' },
    { name: 'negative ttlSecondsAfterFinished', body: job({ ttlSecondsAfterFinished: -1 }), field: 'spec.ttlSecondsAfterFinished', message: 'Invalid value: -1: must be greater than or equal to 0' },
    { name: 'backoffLimitPerIndex on a NonIndexed Job', body: job({ backoffLimitPerIndex: 1 }), field: 'spec.backoffLimitPerIndex', message: 'Invalid value: 1: requires indexed completion mode' },
    { name: 'maxFailedIndexes without backoffLimitPerIndex', body: job({ completionMode: 'Indexed', completions: 2, maxFailedIndexes: 1 }), field: 'spec.backoffLimitPerIndex', message: 'Required value: when maxFailedIndexes is specified' },
    {
      name: 'maxFailedIndexes above completions',
      body: job({ completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1, maxFailedIndexes: 3 }),
      field: 'spec.maxFailedIndexes',
      message: 'Invalid value: 3: must be less than or equal to completions',
    },
    {
      name: 'FailIndex without backoffLimitPerIndex',
      body: job({ completionMode: 'Indexed', completions: 2, podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } }] } }),
      field: 'spec.podFailurePolicy.rules[0].action',
      message: 'Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
    },
    { name: 'successPolicy on a NonIndexed Job', body: job({ successPolicy: { rules: [{ succeededCount: 1 }] } }), field: 'spec.successPolicy', message: 'Invalid value: {"rules":[{"succeededCount":1}]}: requires indexed completion mode' },
    {
      name: 'successPolicy without rules',
      body: job({ completionMode: 'Indexed', completions: 5, successPolicy: { rules: [] } }),
      field: 'spec.successPolicy.rules',
      message: 'Required value: at least one rules must be specified when the successPolicy is specified',
    },
    {
      name: 'a successPolicy rule with neither field',
      body: job({ completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{}] } }),
      field: 'spec.successPolicy.rules[0]',
      message: 'Required value: at least one of succeededCount or succeededIndexes must be specified',
    },
    {
      name: 'succeededIndexes out of order',
      body: job({ completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededIndexes: '3,1' }] } }),
      field: 'spec.successPolicy.rules[0].succeededIndexes',
      message: 'Invalid value: "3,1": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1',
    },
    {
      name: 'succeededIndexes beyond completions',
      body: job({ completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededIndexes: '0-5' }] } }),
      field: 'spec.successPolicy.rules[0].succeededIndexes',
      message: 'Invalid value: "0-5": error parsing succeededIndexes: too large index: "5"',
    },
    {
      name: 'succeededCount above the succeededIndexes',
      body: job({ completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededIndexes: '0,1', succeededCount: 3 }] } }),
      field: 'spec.successPolicy.rules[0].succeededCount',
      message: 'Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)',
    },
    {
      name: 'succeededCount above completions',
      body: job({ completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededCount: 6 }] } }),
      field: 'spec.successPolicy.rules[0].succeededCount',
      message: 'Invalid value: 6: must be less than or equal to 5 (the number of specified completions)',
    },
    {
      name: 'podReplacementPolicy TerminatingOrFailed with a podFailurePolicy',
      body: job({ podReplacementPolicy: 'TerminatingOrFailed', podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } }] } }),
      field: 'spec.podReplacementPolicy',
      message: 'Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
    },
    { name: 'an unknown podReplacementPolicy', body: job({ podReplacementPolicy: 'Never' }), field: 'spec.podReplacementPolicy', message: 'Unsupported value: "Never": supported values: "Failed", "TerminatingOrFailed"' },
  ])('$name: 422 naming $field', async ({ body, field, message }) => {
    const r = await api(s.h, 'POST', '/apis/batch/v1/namespaces/default/jobs', body);
    expect(r.status).toBe(422);
    const causes = (r.json() as { details?: { causes?: { field?: string; message?: string }[] } }).details?.causes ?? [];
    expect(causes).toContainEqual(expect.objectContaining({ field, message }));
  });

  it('the template of a started Job is immutable; completions too', async () => {
    const r = await kubectl(s.h, ['set', 'image', 'job/hello', 'hello=busybox:1.36']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.template: Invalid value: .*field is immutable/);
    const c = await kubectl(s.h, ['patch', 'job', 'hello', '--type=merge', '-p', '{"spec":{"completions":4}}']);
    expect(c.stderr).toMatch(/spec\.completions: Invalid value: 4: field is immutable/);
    const sel = await kubectl(s.h, ['patch', 'job', 'hello', '--type=merge', '-p', '{"spec":{"selector":{"matchLabels":{"app":"other"}}}}']);
    expect(sel.code).not.toBe(0);
    expect(sel.stderr).toMatch(/spec\.selector: Invalid value: .*field is immutable/);
    expect(sel.stderr).toContain('`selector` does not match template `labels`');
  });
});

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe('CronJobs', () => {
  it('kubectl create cronjob, a scheduled Job at the next minute (moved clock), create job --from', async () => {
    await kubectlOk(s.h, ['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/1 * * * *', '--', 'date']);
    const cj = await client.get<CronJob>(R.cronJobs, 'default', 'tick');
    expect(cj.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    const table = await kubectlOk(s.h, ['get', 'cj']);
    expect(table).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE/);
    expect(table).toMatch(/tick\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+<none>/);

    // Move the controller's clock past the next minute and poke the CronJob.
    const created = Date.parse(cj.metadata!.creationTimestamp!);
    const nextMinute = Math.floor(created / 60_000) * 60_000 + 60_000;
    clockOffsetMs = nextMinute + 5_000 - Date.now();
    await kubectlOk(s.h, ['annotate', 'cronjob', 'tick', 'poke=1']);
    const jobName = `tick-${nextMinute / 60_000}`;
    await until(`job ${jobName}`, async () => (await client.get<Job>(R.jobs, 'default', jobName).catch(() => undefined)));
    await kubectlOk(s.h, ['wait', '--for=condition=complete', `job/${jobName}`, '--timeout=60s']);
    const job = await getJob(jobName);
    expect(job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(new Date(nextMinute).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'tick', controller: true });
    const after = await until('lastSuccessfulTime', async () => {
      const c = await client.get<CronJob>(R.cronJobs, 'default', 'tick');
      return c.status?.lastSuccessfulTime && (c.status.active ?? []).length === 0 ? c : undefined;
    });
    expect(after.status?.lastScheduleTime).toBe(new Date(nextMinute).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const events = await kubectlOk(s.h, ['get', 'events', '--field-selector', 'involvedObject.name=tick', '-o', 'custom-columns=R:.reason', '--no-headers']);
    expect(events).toMatch(/SuccessfulCreate/);
    expect(events).toMatch(/SawCompletedJob/);

    await kubectlOk(s.h, ['create', 'job', 'by-hand', '--from=cronjob/tick']);
    const manual = await getJob('by-hand');
    expect(manual.metadata?.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    await kubectlOk(s.h, ['wait', '--for=condition=complete', 'job/by-hand', '--timeout=60s']);
    expect(await kubectlOk(s.h, ['get', 'jobs,cronjobs'])).toMatch(/job.batch\/by-hand[\s\S]*cronjob.batch\/tick/);
    const all = await kubectlOk(s.h, ['get', 'all']);
    expect(all).toContain('cronjob.batch/tick');
    expect(all).toContain('job.batch/by-hand');
    expect(await kubectlOk(s.h, ['explain', 'cj.spec.timeZone'])).toMatch(/The time zone name for the given schedule/);
  }, 120_000);

  it.each([
    { args: ['--schedule=x'], message: 'spec.schedule: Invalid value: "x": expected exactly 5 fields, found 1: [x]' },
    { args: ['--schedule=61 * * * *'], message: 'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61' },
    { args: ['--schedule=TZ=UTC 0 * * * *'], message: 'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead' },
  ])('kubectl create cronjob $args: 422 with upstream words', async ({ args, message }) => {
    const r = await kubectl(s.h, ['create', 'cronjob', 'bad', '--image=busybox', ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });

  it('a bad timeZone and a negative history limit are 422s naming the field', async () => {
    const body = (spec: Record<string, unknown>) => ({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'bad' },
      spec: { schedule: '@hourly', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec },
    });
    const tz = await api(s.h, 'POST', '/apis/batch/v1/namespaces/default/cronjobs', body({ timeZone: 'Mars/Base' }));
    expect(tz.status).toBe(422);
    expect(tz.json().details.causes).toContainEqual(expect.objectContaining({ field: 'spec.timeZone', message: 'Invalid value: "Mars/Base": unknown time zone Mars/Base' }));
    const neg = await api(s.h, 'POST', '/apis/batch/v1/namespaces/default/cronjobs', body({ successfulJobsHistoryLimit: -1 }));
    expect(neg.status).toBe(422);
    expect(neg.json().details.causes).toContainEqual(expect.objectContaining({ field: 'spec.successfulJobsHistoryLimit' }));
    const deadline = await api(s.h, 'POST', '/apis/batch/v1/namespaces/default/cronjobs', body({ startingDeadlineSeconds: -10 }));
    expect(deadline.status).toBe(422);
    expect(deadline.json().details.causes).toContainEqual(
      expect.objectContaining({ field: 'spec.startingDeadlineSeconds', message: 'Invalid value: -10: must be greater than or equal to 0' }),
    );
    // The Job template is validated as a Job's spec (ValidateJobTemplateSpec).
    const template = body({});
    template.spec.jobTemplate.spec = { ...template.spec.jobTemplate.spec, backoffLimitPerIndex: 1, successPolicy: { rules: [{ succeededCount: 1 }] } } as typeof template.spec.jobTemplate.spec;
    const tpl = await api(s.h, 'POST', '/apis/batch/v1/namespaces/default/cronjobs', template);
    expect(tpl.status).toBe(422);
    expect(tpl.json().details.causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'spec.jobTemplate.spec.backoffLimitPerIndex', message: 'Invalid value: 1: requires indexed completion mode' }),
        expect.objectContaining({ field: 'spec.jobTemplate.spec.successPolicy' }),
      ]),
    );
  });
});
