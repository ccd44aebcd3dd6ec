/**
 * The TTL-after-finished controller's adapter: Jobs whose ttlSecondsAfterFinished ran out are deleted with
 * propagationPolicy Background (their pods go through the garbage collector), after a live GET confirms the
 * fresh Job is still expired, with the uid as a precondition (as upstream's processJob).
 */
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { splitKey } from '../../../api/keys.js';
import { R, ignoreNotFound, type ControllerContext } from '../util/context.js';
import type { Job } from '../util/types.js';
import { decideTTL } from './decide.js';

export const TTL_AFTER_FINISHED_CONTROLLER = 'ttl-after-finished-controller';

export class TTLAfterFinishedController extends Controller {
  private readonly jobInformer: Informer<Job>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    super({ name: TTL_AFTER_FINISHED_CONTROLLER, workers: opts.workers ?? 5, logger: ctx.logger(TTL_AFTER_FINISHED_CONTROLLER) });
    this.jobInformer = ctx.informers.informerFor<Job>(R.jobs);
    this.watchInformer(this.jobInformer);
  }

  protected async sync(key: string): Promise<void> {
    const cached = this.jobInformer.store.get(key);
    if (!cached) return;
    const d = decideTTL(cached, this.ctx.now());
    if (d.action === 'wait') this.enqueueAfter(key, d.afterMs);
    if (d.action !== 'delete') return;
    const { namespace, name } = splitKey(key);
    const fresh = await ignoreNotFound(() => this.ctx.client.get<Job>(R.jobs, namespace, name));
    if (!fresh) return;
    const again = decideTTL(fresh, this.ctx.now());
    if (again.action === 'wait') this.enqueueAfter(key, again.afterMs);
    if (again.action !== 'delete') return;
    this.log.info('cleaning up job', { job: key });
    await ignoreNotFound(() =>
      this.ctx.client.delete(R.jobs, namespace, name, { propagationPolicy: 'Background', preconditions: { uid: fresh.metadata?.uid } }),
    );
  }
}
