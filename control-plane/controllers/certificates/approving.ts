/**
 * The CSR approving controller's adapter (upstream's csrapproving, sarapprove.go): a kubelet client request is
 * approved through the `approval` subresource when its requester may create certificatesigningrequests/
 * selfnodeclient (its own node's certificate) or /nodeclient. Upstream asks with a SubjectAccessReview; here the
 * same question is put to the RBAC rules the controller manager watches (ClusterRoles and ClusterRoleBindings,
 * through the API server's own RBAC decision, rbac-authorizer.ts), with system:masters allowed everything.
 */
import { Controller } from '../../../api/client/controller.js';
import { KubeError } from '../../../api/errors.js';
import type { Informer } from '../../../api/client/informer.js';
import type { ClusterRole, ClusterRoleBinding, KubeObject, Relaxed } from '../../../api/types/index.js';
import { requestPem, type CSR } from '../../../api/strategies/certificates.js';
import { parseCSR } from '../../../api/tls/csr.js';
import { RbacIndex, authorizeRbac } from '../../apiserver/rbac-authorizer.js';
import { R, ignoreNotFound, type ControllerContext } from '../util/context.js';
import { decideApproval } from './decide.js';

export const CSR_APPROVING_CONTROLLER = 'certificatesigningrequest-approving-controller';

export class CSRApprovingController extends Controller {
  private readonly csrInformer: Informer<CSR>;
  private readonly roleInformer: Informer<Relaxed<ClusterRole>>;
  private readonly bindingInformer: Informer<Relaxed<ClusterRoleBinding>>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    super({ name: CSR_APPROVING_CONTROLLER, workers: opts.workers ?? 5, logger: ctx.logger(CSR_APPROVING_CONTROLLER) });
    this.csrInformer = ctx.informers.informerFor<CSR>(R.certificateSigningRequests);
    this.roleInformer = ctx.informers.informerFor<Relaxed<ClusterRole>>(R.clusterRoles);
    this.bindingInformer = ctx.informers.informerFor<Relaxed<ClusterRoleBinding>>(R.clusterRoleBindings);
    this.watchInformer(this.csrInformer);
    this.useInformer(this.roleInformer);
    this.useInformer(this.bindingInformer);
  }

  /** The SubjectAccessReview's answer: may the CSR's requester create certificatesigningrequests/<subresource>? */
  private allowed(csr: CSR, subresource: string): boolean {
    const groups = Array.isArray(csr.spec?.groups) ? csr.spec.groups : [];
    if (groups.includes('system:masters')) return true;
    const objects: KubeObject[] = [
      ...this.roleInformer.store.list().map((o) => ({ ...o, kind: 'ClusterRole' }) as KubeObject),
      ...this.bindingInformer.store.list().map((o) => ({ ...o, kind: 'ClusterRoleBinding' }) as KubeObject),
    ];
    const d = authorizeRbac(RbacIndex.from(objects), { name: csr.spec?.username ?? '', groups }, {
      verb: 'create',
      isResourceRequest: true,
      group: 'certificates.k8s.io',
      resource: 'certificatesigningrequests',
      subresource,
      name: '',
      path: '',
      namespace: '',
    });
    return d.allowed;
  }

  protected async sync(key: string): Promise<void> {
    const cached = this.csrInformer.store.get(key);
    if (!cached) return;
    const pem = requestPem(cached);
    const parsed = pem === undefined ? undefined : parseCSR(pem);
    if (!parsed?.ok) throw new KubeError('InternalError', `unable to parse csr "${cached.metadata?.name ?? ''}": ${parsed?.error ?? 'illegal base64 data'}`);
    const d = decideApproval(cached, parsed.csr);
    if (d.action === 'none') return;
    for (const r of d.tries) {
      if (!this.allowed(cached, r.subresource)) continue;
      const csr = structuredClone(cached);
      const status = (csr.status ??= {});
      status.conditions = [...(status.conditions ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message: r.successMessage }];
      this.log.info('approved', { csr: key, as: r.subresource });
      await ignoreNotFound(() => this.ctx.client.updateSubresource(R.certificateSigningRequests, undefined, csr.metadata?.name ?? '', 'approval', csr));
      return;
    }
    // upstream's IgnorableError: logged, not retried (a new RBAC rule does not requeue the request either).
    this.log.info('recognized csr but subject access review was not approved', { csr: key, as: d.tries.map((r) => r.subresource) });
  }
}
