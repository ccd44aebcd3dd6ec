/** The ServiceAccount controller's adapter: keyed by namespace; creates `default` where missing. */

import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { R, isAlreadyExists, type ControllerContext } from '../util/context.js';
import type { Namespace, ServiceAccount } from '../util/types.js';
import { decideServiceAccounts, serviceAccountBody } from './decide.js';

export const SERVICE_ACCOUNT_CONTROLLER = 'serviceaccount-controller';

export class ServiceAccountController extends Controller {
  private readonly nsInformer: Informer<Namespace>;
  private readonly saInformer: Informer<ServiceAccount>;

  constructor(private readonly ctx: ControllerContext) {
    super({ name: SERVICE_ACCOUNT_CONTROLLER, workers: 2, logger: ctx.logger(SERVICE_ACCOUNT_CONTROLLER) });
    this.nsInformer = ctx.informers.informerFor<Namespace>(R.namespaces);
    this.saInformer = ctx.informers.informerFor<ServiceAccount>(R.serviceAccounts);
    this.watchInformer(this.nsInformer);
    this.watchInformer(this.saInformer, { keysOf: (sa) => [sa.metadata?.namespace ?? ''] });
  }

  protected async sync(name: string): Promise<void> {
    const ns = this.nsInformer.store.get(name);
    if (!ns) return;
    const todo = decideServiceAccounts([ns], this.saInformer.store.listByNamespace(name));
    for (const t of todo) {
      try {
        await this.ctx.client.create(R.serviceAccounts, t.namespace, serviceAccountBody(t.namespace, t.name));
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
  }
}
