/**
 * The CSR signing controller's adapter (upstream's csrsigning: one signer per well-known signerName, each with the
 * CA given by --cluster-signing-*-file): an approved request for one of its signers is checked (decide.ts) and
 * either gets its certificate through the `status` subresource or a Failed condition.
 */
import { Controller } from '../../../api/client/controller.js';
import { KubeError } from '../../../api/errors.js';
import type { Informer } from '../../../api/client/informer.js';
import { requestPem, type CSR } from '../../../api/strategies/certificates.js';
import { parseCSR, signCSR, type SigningCA } from '../../../api/tls/csr.js';
import { rfc3339 } from '../../../api/time.js';
import { R, ignoreNotFound, type ControllerContext } from '../util/context.js';
import { decideSigning } from './decide.js';

export const CSR_SIGNING_CONTROLLER = 'certificatesigningrequest-signing-controller';

export interface SigningOptions {
  /** The CA of each signer this manager signs for. */
  cas: ReadonlyMap<string, SigningCA>;
  /** --cluster-signing-duration: the longest certificate issued. */
  durationMs: number;
  workers?: number;
}

export class CSRSigningController extends Controller {
  private readonly csrInformer: Informer<CSR>;
  private readonly signers: ReadonlySet<string>;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: SigningOptions,
  ) {
    super({ name: CSR_SIGNING_CONTROLLER, workers: opts.workers ?? 5, logger: ctx.logger(CSR_SIGNING_CONTROLLER) });
    this.signers = new Set(opts.cas.keys());
    this.csrInformer = ctx.informers.informerFor<CSR>(R.certificateSigningRequests);
    this.watchInformer(this.csrInformer);
  }

  protected async sync(key: string): Promise<void> {
    const cached = this.csrInformer.store.get(key);
    if (!cached) return;
    const pem = requestPem(cached);
    const parsed = pem === undefined ? { ok: false as const, error: 'illegal base64 data' } : parseCSR(pem);
    const d = decideSigning(cached, this.signers, parsed, this.opts.durationMs);
    if (d.action === 'none') return;
    if (d.action === 'error') throw new KubeError('InternalError', d.message);
    const csr = structuredClone(cached);
    const status = (csr.status ??= {});
    if (d.action === 'fail') {
      this.log.info('refusing to sign', { csr: key, reason: d.message });
      status.conditions = [
        ...(status.conditions ?? []),
        { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: d.message, lastUpdateTime: rfc3339(this.ctx.now()) },
      ];
    } else {
      const ca = this.opts.cas.get(csr.spec?.signerName ?? '');
      if (!ca || !parsed.ok) return; // decideSigning signs only for a signer with a CA and a request that parses
      const signed = signCSR(ca, parsed.csr, { ttlMs: d.ttlMs, usages: d.usages, now: this.ctx.now() });
      if (!signed.ok) throw new KubeError('InternalError', `error auto signing csr: ${signed.error}`);
      status.certificate = Buffer.from(signed.certPem, 'latin1').toString('base64');
      this.log.info('signed certificate', { csr: key, notAfter: signed.notAfter.toISOString() });
    }
    await ignoreNotFound(() => this.ctx.client.updateStatus(R.certificateSigningRequests, csr));
  }
}
