/**
 * The Endpoints and EndpointSlice controllers' adapters: Services, Pods, Endpoints and
 * EndpointSlices informers; a pod change enqueues every service of its namespace that selects it
 * (before or after the change); sync(service key) writes what buildEndpoints /
 * decideEndpointSlices decide.
 */

import { KubeError } from '../../../api/errors.js';
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { R, ignoreNotFound, isAlreadyExists, isConflict, type ControllerContext } from '../util/context.js';
import { objectKey, splitKey } from '../../../api/keys.js';
import { mapSelectorMatcher } from '../util/meta.js';
import type { Endpoints, EndpointSlice, Pod, Service } from '../util/types.js';
import { buildEndpoints, decideEndpointSlices, endpointsChanged, managesService, SERVICE_NAME_LABEL } from './decide.js';

export const ENDPOINTS_CONTROLLER = 'endpoint-controller';
export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller';

abstract class ServicePodsController extends Controller {
  protected readonly svcInformer: Informer<Service>;
  protected readonly podInformer: Informer<Pod>;

  constructor(
    protected readonly ctx: ControllerContext,
    name: string,
    workers: number,
  ) {
    super({ name, workers, logger: ctx.logger(name) });
    this.svcInformer = ctx.informers.informerFor<Service>(R.services);
    this.podInformer = ctx.informers.informerFor<Pod>(R.pods);
    this.watchInformer(this.svcInformer);
    this.watchInformer(this.podInformer, {
      keysOf: (p) => this.servicesFor(p),
      filterUpdate: (a, b) => podChanged(a, b),
    });
  }

  protected servicesFor(p: Pod): string[] {
    return this.svcInformer.store
      .listByNamespace(p.metadata?.namespace ?? '')
      .filter((s) => managesService(s) && mapSelectorMatcher(s.spec?.selector)(p.metadata?.labels))
      .map((s) => objectKey(s));
  }

  protected podsOf(namespace: string): Pod[] {
    return this.podInformer.store.listByNamespace(namespace);
  }
}

/** Only changes that can move an endpoint matter (as upstream's podEndpointsChanged). */
function podChanged(a: Pod, b: Pod): boolean {
  if (a === b) return true; // resync
  return (
    a.metadata?.resourceVersion !== b.metadata?.resourceVersion &&
    (JSON.stringify(a.metadata?.labels) !== JSON.stringify(b.metadata?.labels) ||
      a.status?.podIP !== b.status?.podIP ||
      JSON.stringify(a.status?.conditions?.find((c) => c.type === 'Ready')?.status) !==
        JSON.stringify(b.status?.conditions?.find((c) => c.type === 'Ready')?.status) ||
      a.spec?.nodeName !== b.spec?.nodeName ||
      a.metadata?.deletionTimestamp !== b.metadata?.deletionTimestamp ||
      a.status?.phase !== b.status?.phase ||
      a.spec?.hostname !== b.spec?.hostname ||
      a.spec?.subdomain !== b.spec?.subdomain)
  );
}

export class EndpointsController extends ServicePodsController {
  private readonly epInformer: Informer<Endpoints>;

  constructor(ctx: ControllerContext, opts: { workers?: number } = {}) {
    super(ctx, ENDPOINTS_CONTROLLER, opts.workers ?? 5);
    this.epInformer = ctx.informers.informerFor<Endpoints>(R.endpoints);
    // Someone deleted or edited our Endpoints: repair it.
    this.watchInformer(this.epInformer);
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const client = this.ctx.client;
    const svc = this.svcInformer.store.get(key);
    const existing = this.epInformer.store.get(key);
    if (!svc) {
      // The service is gone: so are its endpoints (not the API server's own `kubernetes`).
      if (existing && !(namespace === 'default' && name === 'kubernetes')) {
        await ignoreNotFound(() => client.delete(R.endpoints, namespace, name));
      }
      return;
    }
    if (!managesService(svc)) return;
    const wanted = buildEndpoints(svc, this.podsOf(namespace ?? ''), existing);
    if (!endpointsChanged(existing, wanted)) return;
    if (!existing) {
      try {
        await client.create(R.endpoints, namespace, { ...wanted, metadata: { name, namespace, labels: wanted.metadata?.labels } });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        throw new KubeError('AlreadyExists', `endpoints ${key} appeared meanwhile; retrying`);
      }
      return;
    }
    try {
      await client.update(R.endpoints, wanted);
    } catch (e) {
      if (!isConflict(e)) throw e;
      this.queue.addRateLimited(key); // our cache is behind: look again shortly, quietly
    }
  }
}

export class EndpointSliceController extends ServicePodsController {
  private readonly sliceInformer: Informer<EndpointSlice>;

  constructor(ctx: ControllerContext, opts: { workers?: number } = {}) {
    super(ctx, ENDPOINTSLICE_CONTROLLER, opts.workers ?? 5);
    this.sliceInformer = ctx.informers.informerFor<EndpointSlice>(R.endpointSlices);
    this.watchInformer(this.sliceInformer, {
      keysOf: (s) => {
        const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
        return svc ? [`${s.metadata?.namespace}/${svc}`] : [];
      },
    });
  }

  protected async sync(key: string): Promise<void> {
    const { namespace } = splitKey(key);
    const client = this.ctx.client;
    const svc = this.svcInformer.store.get(key);
    if (!svc || !managesService(svc)) return; // slices of a deleted service go with it (ownerReferences)
    const existing = this.sliceInformer.store.listByNamespace(namespace ?? '');
    const d = decideEndpointSlices(svc, this.podsOf(namespace ?? ''), existing);
    for (const s of d.create) await client.create(R.endpointSlices, namespace, s);
    for (const s of d.update) {
      try {
        await client.update(R.endpointSlices, s);
      } catch (e) {
        if (!isConflict(e)) throw e;
        this.queue.addRateLimited(key);
        return;
      }
    }
    for (const s of d.delete) await ignoreNotFound(() => client.delete(R.endpointSlices, namespace, s.metadata!.name!));
  }
}
