/**
 * The resourcequota controller's adapter (upstream's `resourcequota-controller`): keyed by quota (`ns/name`).
 * A quota is synced when it is created or its spec changes, when an object of a kind it counts changes in its
 * namespace (a pod created, ending or deleted frees or takes its compute), and on the periodic full resync
 * (`--resource-quota-sync-period`, 5m as upstream). Pods, services, configmaps, secrets and quotas are watched from
 * the start; another kind a quota counts (`count/deployments.apps`) gets a shared informer the first time a quota
 * names it (a custom resource's kind is found from its CustomResourceDefinition; a CRD that becomes Established resyncs
 * the quotas that count its kind). The status is written through the status subresource with the quota's resourceVersion (a conflict
 * with an admission charge retries the key with backoff). A sync that would lower a used value recounts from
 * storage (consistent lists) first: the admission plugin charges before the object is written, so a lagging cache
 * must not give that charge back.
 */
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { findResource } from '../../../api/resources.js';
import type { CRD } from '../../../api/apiextensions/crd-validation.js';
import { R, isConflict, isNotFound, type ControllerContext } from '../util/context.js';
import { customNamespacedResources } from '../util/custom-resources.js';
import type { ResourceQuota } from '../util/types.js';
import { countedKinds, decideQuotaStatus, lowersUsage } from './decide.js';

export const RESOURCE_QUOTA_CONTROLLER = 'resourcequota-controller';

export interface ResourceQuotaOptions {
  workers: number;
  resyncPeriodMs: number;
}

interface Namespaced {
  metadata?: { namespace?: string; name?: string };
}

export class ResourceQuotaController extends Controller {
  private readonly quotaInformer: Informer<ResourceQuota>;
  private readonly crdInformer: Informer<CRD>;
  /** Informers of the counted kinds, by `group/resource`. */
  private readonly counted = new Map<string, Informer<Namespaced>>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly ctx: ControllerContext, private readonly opts: ResourceQuotaOptions) {
    super({ name: RESOURCE_QUOTA_CONTROLLER, workers: opts.workers, logger: ctx.logger(RESOURCE_QUOTA_CONTROLLER) });
    this.quotaInformer = ctx.informers.informerFor<ResourceQuota>(R.resourceQuotas);
    this.watchInformer(this.quotaInformer, {
      // upstream: a quota is resynced when its spec.hard changed or its status.hard does not match it yet.
      filterUpdate: (o, n) => JSON.stringify(o.spec) !== JSON.stringify(n.spec) || JSON.stringify(n.spec?.hard ?? {}) !== JSON.stringify(n.status?.hard ?? {}),
    });
    this.crdInformer = ctx.informers.informerFor<CRD>(R.customResourceDefinitions);
    this.watchInformer(this.crdInformer, { keysOf: (crd) => this.quotaKeysCounting(crd.spec?.group ?? '', crd.spec?.names?.plural ?? '') });
    for (const [g, r] of [['', 'pods'], ['', 'services'], ['', 'configmaps'], ['', 'secrets'], ['', 'resourcequotas']] as const) this.countedInformer(g, r);
  }

  /** The informer of a counted kind, made (and watched) the first time; undefined for a kind not served. */
  private countedInformer(group: string, resource: string): Informer<Namespaced> | undefined {
    const key = `${group}/${resource}`;
    const have = this.counted.get(key);
    if (have) return have;
    const info = findResource(group, resource) ?? customNamespacedResources(this.crdInformer.store.list()).find((r) => r.group === group && r.plural === resource);
    if (!info || !info.namespaced) return undefined;
    const inf = group === '' && resource === 'resourcequotas' ? (this.quotaInformer as Informer<Namespaced>) : this.ctx.informers.informerFor<Namespaced>(info);
    this.counted.set(key, inf);
    // A change of a counted object resyncs the quotas of its namespace (the quota informer's own events are above).
    if (inf !== (this.quotaInformer as Informer<Namespaced>)) {
      this.watchInformer(inf, { keysOf: (o) => this.quotaKeysIn(o.metadata?.namespace ?? '') });
    }
    return inf;
  }

  /** The quotas that name `count/<plural>.<group>` (a CRD's kind). */
  private quotaKeysCounting(group: string, plural: string): string[] {
    const name = `count/${plural}.${group}`;
    return this.quotaInformer.store.list().filter((q) => name in (q.spec?.hard ?? {})).map((q) => `${q.metadata?.namespace ?? ''}/${q.metadata?.name ?? ''}`);
  }

  private quotaKeysIn(namespace: string): string[] {
    return this.quotaInformer.store.listByNamespace(namespace).map((q) => `${namespace}/${q.metadata?.name ?? ''}`);
  }

  override async run(signal: AbortSignal): Promise<void> {
    this.timer = setInterval(() => {
      for (const q of this.quotaInformer.store.list()) this.enqueue(q);
    }, this.opts.resyncPeriodMs);
    this.timer.unref?.();
    try {
      await super.run(signal);
    } finally {
      clearInterval(this.timer);
    }
  }

  protected async sync(key: string): Promise<void> {
    const quota = this.quotaInformer.store.get(key);
    if (!quota) return;
    const namespace = quota.metadata?.namespace ?? '';
    // Every counted kind's cache must have listed before it is summed (an empty cache would under-count).
    await this.crdInformer.waitForSync();
    const informers = new Map<string, Informer<Namespaced>>();
    for (const k of countedKinds(Object.keys(quota.spec?.hard ?? {}))) {
      const inf = this.countedInformer(k.group, k.resource);
      if (inf) informers.set(`${k.group}/${k.resource}`, inf);
    }
    for (const inf of informers.values()) await inf.waitForSync();
    let plan = decideQuotaStatus(quota, (g, r) => informers.get(`${g}/${r}`)?.store.listByNamespace(namespace), new Date(this.ctx.now()));
    if (!plan.dirty) return;
    if (lowersUsage(quota, plan)) {
      // The admission plugin charges a quota before the object is written: a cache that has not seen the object yet
      // would give its usage back and let another request past hard. Usage goes down only as storage says.
      const live = new Map<string, unknown[]>();
      for (const [k, inf] of informers) live.set(k, (await this.ctx.client.listAll(inf.resource, namespace)).items);
      plan = decideQuotaStatus(quota, (g, r) => live.get(`${g}/${r}`), new Date(this.ctx.now()));
      if (!plan.dirty) return;
    }
    const body = { ...quota, status: { hard: plan.hard, used: plan.used } };
    try {
      await this.ctx.client.updateStatus(R.resourceQuotas, body);
    } catch (e) {
      if (isNotFound(e)) return;
      if (isConflict(e)) this.log.info?.(`quota ${key} changed while syncing; retrying`);
      throw e;
    }
  }
}
