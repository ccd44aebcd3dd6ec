/**
 * The namespace controller's adapter: a namespace with a deletionTimestamp has every namespaced
 * resource's objects deleted (live lists, as upstream's discovery-driven deleter), its conditions
 * written, and once empty the `kubernetes` finalizer removed with PUT namespaces/{name}/finalize.
 */

import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { RESOURCES, qualified, type ResourceInfo } from './resources.js';
import { R, ignoreNotFound, type ControllerContext } from '../util/context.js';
import type { KubeObject, Namespace } from '../util/types.js';
import { decideNamespace, finalizedNamespace, type NamespaceContent } from './decide.js';
import type { CRD } from '../../../api/apiextensions/crd-validation.js';
import { customNamespacedResources } from '../util/custom-resources.js';

export const NAMESPACE_CONTROLLER = 'namespace-controller';

/** Namespaced resources whose objects are deleted with their namespace. */
export function namespacedResources(): ResourceInfo[] {
  // the preferred version of each resource (another served version holds the same objects)
  return RESOURCES.filter((r) => r.definition.versionOf === undefined && r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'));
}

export class NamespaceController extends Controller {
  private readonly nsInformer: Informer<Namespace>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    super({ name: NAMESPACE_CONTROLLER, workers: opts.workers ?? 5, logger: ctx.logger(NAMESPACE_CONTROLLER) });
    this.nsInformer = ctx.informers.informerFor<Namespace>(R.namespaces);
    this.watchInformer(this.nsInformer);
  }

  /** The built-in namespaced resources and those CRDs serve now. */
  private async resources(): Promise<ResourceInfo[]> {
    const crds = await this.ctx.client.list<CRD>(R.customResourceDefinitions, undefined);
    return [...namespacedResources(), ...customNamespacedResources(crds.items)];
  }

  private async content(name: string, resources: readonly ResourceInfo[]): Promise<NamespaceContent[]> {
    const out: NamespaceContent[] = [];
    for (const info of resources) {
      const l = await this.ctx.client.list<KubeObject>(info, name);
      out.push({ resource: qualified(info), group: info.group, plural: info.plural, items: l.items });
    }
    return out;
  }

  protected async sync(name: string): Promise<void> {
    const ns = this.nsInformer.store.get(name);
    if (!ns || !ns.metadata?.deletionTimestamp) return;
    const client = this.ctx.client;
    const now = this.ctx.now();
    const resources = await this.resources();
    let d = decideNamespace(ns, await this.content(name, resources), now);
    if (d.skip) return;
    const errors: string[] = [];
    for (const del of d.deletes) {
      const info = resources.find((r) => r.group === del.group && r.plural === del.plural)!;
      for (const n of del.names) {
        try {
          await ignoreNotFound(() => client.delete(info, name, n));
        } catch (e) {
          errors.push(`${qualified(info)}: ${(e as Error).message}`);
        }
      }
    }
    if (d.deletes.length) d = decideNamespace(ns, await this.content(name, resources), this.ctx.now(), errors);
    if (d.conditions) {
      await ignoreNotFound(() => client.updateStatus(R.namespaces, { ...ns, status: { ...(ns.status ?? {}), phase: 'Terminating', conditions: d.conditions } }));
    }
    if (d.finalize) {
      const fresh = await ignoreNotFound(() => client.get<Namespace>(R.namespaces, undefined, name));
      if (!fresh) return;
      await ignoreNotFound(() => client.updateSubresource(R.namespaces, undefined, name, 'finalize', finalizedNamespace(fresh)));
      this.log.info('namespace emptied, finalizer removed', { namespace: name });
      return;
    }
    if (d.requeueAfterMs !== undefined) this.enqueueAfter(name, d.requeueAfterMs);
  }
}
