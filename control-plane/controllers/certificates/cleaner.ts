/**
 * The CSR cleaner's adapter (upstream's csrcleaner): requests past their deadline (decide.ts `decideCleanup`) are
 * deleted. Upstream polls every hour; here each request is looked at when it changes and again at its next
 * deadline, so the outcome is the same and sooner.
 */
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { certificatePem, type CSR } from '../../../api/strategies/certificates.js';
import { certificateNotAfter } from '../../../api/tls/csr.js';
import { R, ignoreNotFound, type ControllerContext } from '../util/context.js';
import { decideCleanup } from './decide.js';

export const CSR_CLEANER_CONTROLLER = 'certificatesigningrequest-cleaner-controller';

export class CSRCleanerController extends Controller {
  private readonly csrInformer: Informer<CSR>;

  constructor(private readonly ctx: ControllerContext) {
    super({ name: CSR_CLEANER_CONTROLLER, workers: 1, logger: ctx.logger(CSR_CLEANER_CONTROLLER) });
    this.csrInformer = ctx.informers.informerFor<CSR>(R.certificateSigningRequests);
    this.watchInformer(this.csrInformer);
  }

  protected async sync(key: string): Promise<void> {
    const cached = this.csrInformer.store.get(key);
    if (!cached) return;
    const pem = certificatePem(cached);
    const d = decideCleanup(cached, this.ctx.now(), pem ? certificateNotAfter(pem) : undefined);
    if (d.action === 'keep') {
      if (d.recheckAfterMs !== undefined) this.enqueueAfter(key, d.recheckAfterMs);
      return;
    }
    this.log.info(`Cleaning CSR as ${d.reason}`, { csr: key });
    await ignoreNotFound(() => this.ctx.client.delete(R.certificateSigningRequests, undefined, cached.metadata?.name ?? '', { preconditions: { uid: cached.metadata?.uid } }));
  }
}
