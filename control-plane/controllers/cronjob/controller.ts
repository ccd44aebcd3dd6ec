/**
 * The CronJob controller's adapter: informers on CronJobs and Jobs; per sync, the live check of active
 * Jobs the cache does not have, decideCronJob, then the deletes (Background), the create, the status and
 * the events, and a requeue at the next schedule time. The clock is the context's (`now`), so tests move
 * time without waiting for minutes.
 */
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { objectKey, splitKey } from '../../../api/keys.js';
import { getControllerOf } from '../../../api/owners.js';
import { R, isAlreadyExists, isConflict, isNotFound, type ControllerContext } from '../util/context.js';
import type { CronJob, Job } from '../util/types.js';
import { cronJobStatusChanged, decideCronJob } from './decide.js';
import { parseSchedule, type Schedule } from './schedule.js';

export const CRONJOB_CONTROLLER = 'cronjob-controller';

export class CronJobController extends Controller {
  private readonly cronJobInformer: Informer<CronJob>;
  private readonly jobInformer: Informer<Job>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    super({ name: CRONJOB_CONTROLLER, workers: opts.workers ?? 5, logger: ctx.logger(CRONJOB_CONTROLLER) });
    this.cronJobInformer = ctx.informers.informerFor<CronJob>(R.cronJobs);
    this.jobInformer = ctx.informers.informerFor<Job>(R.jobs);
    this.watchInformer(this.cronJobInformer);
    this.watchInformer(this.jobInformer, {
      keysOf: (j) => {
        const ref = getControllerOf(j);
        return ref?.kind === 'CronJob' ? [`${j.metadata?.namespace}/${ref.name}`] : [];
      },
    });
  }

  protected async sync(key: string): Promise<void> {
    const cj = this.cronJobInformer.store.get(key);
    if (!cj) return;
    const { namespace } = splitKey(key);
    const client = this.ctx.client;
    const rec = this.ctx.recorder(CRONJOB_CONTROLLER);
    const jobs = this.jobInformer.store.listByNamespace(namespace ?? '').filter((j) => getControllerOf(j)?.uid === cj.metadata?.uid);
    const cached = new Set(jobs.map((j) => j.metadata?.uid));
    const missing = new Set<string>();
    for (const r of cj.status?.active ?? []) {
      if (cached.has(r.uid)) continue;
      try {
        const live = await client.get<Job>(R.jobs, namespace, r.name ?? '');
        if (live.metadata?.uid !== r.uid) missing.add(r.uid ?? '');
      } catch (e) {
        if (!isNotFound(e)) throw e;
        missing.add(r.uid ?? '');
      }
    }
    let schedule: Schedule | string;
    try {
      schedule = parseSchedule(cj.spec?.schedule ?? '', cj.spec?.timeZone ?? undefined);
    } catch (e) {
      schedule = (e as Error).message;
    }
    const d = decideCronJob({ cronJob: cj, jobs, schedule, now: this.ctx.now(), missing });

    for (const { job, reason } of d.delete) {
      try {
        await client.delete(R.jobs, namespace, job.metadata!.name!, { propagationPolicy: 'Background' });
        rec.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name}`);
      } catch (e) {
        if (!isNotFound(e)) {
          rec.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
          if (reason === 'replace') throw e;
        }
      }
    }
    const status = d.status;
    if (d.create) {
      try {
        const created = await client.create<Job>(R.jobs, namespace, d.create);
        rec.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name}`);
        status.active = [
          ...(status.active ?? []),
          { kind: 'Job', namespace, name: created.metadata?.name, uid: created.metadata?.uid, apiVersion: 'batch/v1', resourceVersion: created.metadata?.resourceVersion },
        ];
      } catch (e) {
        if (!isAlreadyExists(e)) {
          rec.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
          throw e;
        }
        // Created by an earlier pass whose status write was lost: upstream leaves lastScheduleTime as it was.
        status.lastScheduleTime = cj.status?.lastScheduleTime;
      }
    }
    if (cronJobStatusChanged(cj, status)) {
      try {
        await client.updateStatus(R.cronJobs, { ...cj, status });
      } catch (e) {
        if (isConflict(e)) return this.queue.addRateLimited(key);
        if (!isNotFound(e)) throw e;
      }
    }
    for (const ev of d.events) rec.event(cj, ev.type, ev.reason, ev.message);
    if (d.requeueAfterMs !== undefined) this.enqueueAfter(objectKey(cj), d.requeueAfterMs);
  }
}
