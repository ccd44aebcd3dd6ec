/**
 * The Job controller's adapter: informers on Jobs and Pods, expectations, and the writes decideJob asks
 * for, in upstream's order: the status with newly terminated pods in uncountedTerminatedPods, the tracking
 * finalizers removed, pods created (slow start) or deleted, then the final status and the events.
 */
import { KubeError } from '../../../api/errors.js';
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { objectKey, splitKey } from '../../../api/keys.js';
import { getControllerOf } from '../../../api/owners.js';
import { R, isConflict, isNamespaceTerminating, isNotFound, type ControllerContext } from '../util/context.js';
import { ControllerExpectations, observePodExpectations } from '../util/expectations.js';
import { labelSelectorMatcher } from '../util/meta.js';
import { slowStartBatch } from '../util/slowstart.js';
import type { Job, JobStatus, Pod } from '../util/types.js';
import { JOB_TRACKING_FINALIZER, decideJob, jobStatusChanged } from './decide.js';

export const JOB_CONTROLLER = 'job-controller';

export class JobController extends Controller {
  readonly expectations: ControllerExpectations;
  private readonly jobInformer: Informer<Job>;
  private readonly podInformer: Informer<Pod>;
  /** The resourceVersion of each Job's last status write: a cache older than that is not decided on. */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    super({ name: JOB_CONTROLLER, workers: opts.workers ?? 5, logger: ctx.logger(JOB_CONTROLLER) });
    this.expectations = new ControllerExpectations(ctx.now);
    this.jobInformer = ctx.informers.informerFor<Job>(R.jobs);
    this.podInformer = ctx.informers.informerFor<Pod>(R.pods);
    this.watchInformer(this.jobInformer);
    this.watchInformer(this.podInformer, { keysOf: (p) => this.jobKeyForPod(p) });
    observePodExpectations(this.podInformer, this.expectations, (p) => this.jobKeyForPod(p)[0]);
  }

  private jobKeyForPod(p: Pod): string[] {
    const ref = getControllerOf(p);
    return ref && ref.kind === 'Job' && ref.apiVersion?.startsWith('batch/') ? [`${p.metadata?.namespace}/${ref.name}`] : [];
  }

  /** The pods the Job controls: its controller reference, and the selector still matching. */
  private podsOf(job: Job): Pod[] {
    const matches = labelSelectorMatcher(job.spec?.selector);
    return this.podInformer.store
      .listByNamespace(job.metadata?.namespace ?? '')
      .filter((p) => getControllerOf(p)?.uid === job.metadata?.uid && matches(p.metadata?.labels));
  }

  protected async sync(key: string): Promise<void> {
    const job = this.jobInformer.store.get(key);
    if (!job || job.metadata?.deletionTimestamp) {
      if (!job) {
        this.expectations.delete(key);
        this.written.delete(key);
      }
      // A Job gone or going: its pods' tracking finalizers must not keep them forever (upstream removes them
      // from pods whose Job is gone or being deleted).
      await this.releaseOrphans(key, job);
      return;
    }
    // Our own last status write is not in the cache yet: deciding on the older status would count pods
    // twice or not at all (their finalizers are gone). The informer's update enqueues the key again.
    if (Number(job.metadata?.resourceVersion ?? 0) < (this.written.get(key) ?? 0)) return;
    // managedBy: a Job another controller manages is not ours (1.32).
    const managedBy = job.spec?.managedBy;
    if (managedBy && managedBy !== 'kubernetes.io/job-controller') return;
    const { namespace } = splitKey(key);
    const client = this.ctx.client;
    const rec = this.ctx.recorder(JOB_CONTROLLER);
    const d = decideJob({ job, pods: this.podsOf(job), now: this.ctx.now(), expectationsSatisfied: this.expectations.satisfied(key) });

    let current: Job | undefined = job;
    if (d.intermediate) {
      current = await this.writeStatus(current, d.intermediate);
      if (!current) return this.queue.addRateLimited(key); // our cache is behind: look again shortly, quietly
    }
    await Promise.all(d.removeFinalizer.map((p) => this.removeFinalizer(p)));

    let manageError: string | undefined;
    if (d.create.length > 0) {
      this.expectations.expectCreations(key, d.create.length);
      let terminating = false;
      let i = 0;
      const r = await slowStartBatch(d.create.length, 1, async () => {
        const body = d.create[i++]!;
        try {
          const created = await client.create<Pod>(R.pods, namespace, body);
          rec.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
        } catch (e) {
          if (isNamespaceTerminating(e)) terminating = true;
          throw e;
        }
      });
      for (let k = r.successes; k < d.create.length; k++) this.expectations.creationObserved(key);
      if (terminating) return;
      if (r.error) {
        manageError = (r.error as Error).message;
        rec.event(job, 'Warning', 'FailedCreate', `Error creating: ${manageError}`);
      }
    }
    if (d.delete.length > 0) {
      this.expectations.expectDeletions(key, d.delete.map((p) => objectKey(p)));
      await Promise.all(
        d.delete.map(async (p) => {
          try {
            await client.delete(R.pods, namespace, p.metadata!.name!);
            rec.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name}`);
          } catch (e) {
            this.expectations.deletionObserved(key, objectKey(p));
            if (!isNotFound(e)) manageError = (e as Error).message;
          }
        }),
      );
    }
    if (jobStatusChanged(current, d.status)) current = await this.writeStatus(current, d.status);
    if (!current) return this.queue.addRateLimited(key);
    for (const ev of d.events) rec.event(job, ev.type, ev.reason, ev.message);
    if (d.requeueAfterMs !== undefined) this.enqueueAfter(key, Math.max(d.requeueAfterMs, 1));
    if (manageError) throw new KubeError('InternalError', manageError);
  }

  /** Remove the tracking finalizer from the pods of a Job that is gone (or being deleted). */
  private async releaseOrphans(key: string, job: Job | undefined): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pods = this.podInformer.store.listByNamespace(namespace ?? '').filter((p) => {
      const ref = getControllerOf(p);
      if (ref?.kind !== 'Job' || ref.name !== name) return false;
      if (job && ref.uid !== job.metadata?.uid) return false;
      return (p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
    });
    await Promise.all(pods.map((p) => this.removeFinalizer(p)));
  }

  private async removeFinalizer(p: Pod): Promise<void> {
    const finalizers = (p.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
    try {
      await this.ctx.client.patch(R.pods, p.metadata?.namespace, p.metadata!.name!, { metadata: { finalizers, resourceVersion: p.metadata?.resourceVersion } }, 'merge');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** PUT status from the object the previous write answered; undefined on a conflict (our cache is behind). */
  private async writeStatus(job: Job, status: JobStatus): Promise<Job | undefined> {
    try {
      const out = await this.ctx.client.updateStatus<Job>(R.jobs, { ...job, status });
      this.written.set(objectKey(out), Number(out.metadata?.resourceVersion ?? 0));
      return out;
    } catch (e) {
      if (isNotFound(e)) return job;
      if (isConflict(e)) return undefined;
      throw e;
    }
  }
}
