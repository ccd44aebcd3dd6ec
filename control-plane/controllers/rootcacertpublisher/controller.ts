/** The root CA publisher's adapter: keyed by namespace; writes `kube-root-ca.crt` as decide.ts says. */

import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { R, isAlreadyExists, isNamespaceTerminating, isNotFound, type ControllerContext } from '../util/context.js';
import type { ConfigMap, Namespace } from '../util/types.js';
import { ROOT_CA_CONFIGMAP, decideRootCA } from './decide.js';

export const ROOT_CA_CERT_PUBLISHER = 'root-ca-certificate-publisher-controller';

export class RootCACertPublisher extends Controller {
  private readonly nsInformer: Informer<Namespace>;
  private readonly cmInformer: Informer<ConfigMap>;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly rootCA: string | undefined,
  ) {
    super({ name: ROOT_CA_CERT_PUBLISHER, workers: 2, logger: ctx.logger(ROOT_CA_CERT_PUBLISHER) });
    if (!rootCA) ctx.logger(ROOT_CA_CERT_PUBLISHER).warn('no --root-ca-file and no CA in the kubeconfig: kube-root-ca.crt is not published');
    this.nsInformer = ctx.informers.informerFor<Namespace>(R.namespaces);
    // Only the one ConfigMap per namespace (upstream watches all and filters by name).
    this.cmInformer = ctx.informers.informerFor<ConfigMap>(R.configMaps, { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` });
    this.watchInformer(this.nsInformer);
    this.watchInformer(this.cmInformer, { keysOf: (cm) => [cm.metadata?.namespace ?? ''] });
  }

  protected async sync(namespace: string): Promise<void> {
    if (!this.rootCA) return;
    const ns = this.nsInformer.store.get(namespace);
    const cm = this.cmInformer.store.listByNamespace(namespace).find((c) => c.metadata?.name === ROOT_CA_CONFIGMAP);
    const action = decideRootCA(ns, cm, this.rootCA);
    try {
      if (action.op === 'create') await this.ctx.client.create(R.configMaps, namespace, action.body);
      else if (action.op === 'update') await this.ctx.client.update(R.configMaps, action.body);
    } catch (e) {
      // A namespace gone or terminating takes no ConfigMap; one made meanwhile is looked at again by its event.
      if (isNotFound(e) || isNamespaceTerminating(e) || isAlreadyExists(e)) return;
      throw e;
    }
  }
}
