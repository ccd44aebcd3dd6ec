/**
 * The Deployment controller's adapter: informers on Deployments, ReplicaSets and Pods; claims
 * ReplicaSets (adopt / release), runs decideDeployment and performs its writes in order.
 */

import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { KubeError } from '../../../api/errors.js';
import { planClaims } from '../util/claim.js';
import { applyClaims } from '../util/claim-apply.js';
import { R, ignoreNotFound, isAlreadyExists, isConflict, type ControllerContext } from '../util/context.js';
import { setCondition } from '../../../api/conditions.js';
import { objectKey, splitKey } from '../../../api/keys.js';
import { getControllerOf } from '../../../api/owners.js';
import { rfc3339 } from '../../../api/time.js';
import { labelSelectorMatcher } from '../util/meta.js';
import type { Deployment, Pod, ReplicaSet } from '../util/types.js';
import { decideDeployment, REASON } from './decide.js';
import { equalIgnoreHash } from './util.js';

export const DEPLOYMENT_CONTROLLER = 'deployment-controller';

export class DeploymentController extends Controller {
  private readonly dInformer: Informer<Deployment>;
  private readonly rsInformer: Informer<ReplicaSet>;
  private readonly podInformer: Informer<Pod>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    super({ name: DEPLOYMENT_CONTROLLER, workers: opts.workers ?? 5, logger: ctx.logger(DEPLOYMENT_CONTROLLER) });
    this.dInformer = ctx.informers.informerFor<Deployment>(R.deployments);
    this.rsInformer = ctx.informers.informerFor<ReplicaSet>(R.replicaSets);
    this.podInformer = ctx.informers.informerFor<Pod>(R.pods);
    this.watchInformer(this.dInformer);
    this.watchInformer(this.rsInformer, { keysOf: (rs) => this.deploymentKeysFor(rs) });
    // Recreate waits for old pods to be gone: a pod deletion may unblock it.
    this.podInformer.on('delete', (p) => {
      const ref = getControllerOf(p);
      if (ref?.kind !== 'ReplicaSet') return;
      const rs = this.rsInformer.store.get(`${p.metadata?.namespace}/${ref.name}`);
      if (rs) for (const k of this.deploymentKeysFor(rs)) this.queue.add(k);
    });
  }

  private deploymentKeysFor(rs: ReplicaSet): string[] {
    const ref = getControllerOf(rs);
    if (ref) return ref.kind === 'Deployment' ? [`${rs.metadata?.namespace}/${ref.name}`] : [];
    return this.dInformer.store
      .listByNamespace(rs.metadata?.namespace ?? '')
      .filter((d) => labelSelectorMatcher(d.spec?.selector)(rs.metadata?.labels))
      .map((d) => objectKey(d));
  }

  protected async sync(key: string): Promise<void> {
    const d = this.dInformer.store.get(key);
    if (!d) return;
    const { namespace } = splitKey(key);
    const client = this.ctx.client;

    // Claim ReplicaSets (the shared claim step; adoption re-checks the Deployment live, as canAdopt does).
    const rsList = this.rsInformer.store.listByNamespace(namespace ?? '');
    const claims = planClaims({ obj: d, apiVersion: 'apps/v1', kind: 'Deployment' }, d.spec?.selector, rsList);
    const owned = await applyClaims(client, { owner: R.deployments, objects: R.replicaSets }, d, claims);

    const uids = new Set(owned.map((rs) => rs.metadata?.uid));
    const podsByReplicaSet = new Map<string, Pod[]>();
    for (const p of this.podInformer.store.listByNamespace(namespace ?? '')) {
      const ref = getControllerOf(p);
      if (!ref || !uids.has(ref.uid)) continue;
      let l = podsByReplicaSet.get(ref.uid);
      if (!l) podsByReplicaSet.set(ref.uid, (l = []));
      l.push(p);
    }

    const now = this.ctx.now();
    const dec = decideDeployment({ deployment: d, replicaSets: owned, podsByReplicaSet, now });
    try {
      await this.apply(key, d, dec);
    } catch (e) {
      // A conflict means our cache is behind the API: look again shortly without logging a failure.
      if (!isConflict(e)) throw e;
      this.queue.addRateLimited(key);
    }
  }

  private async apply(key: string, d: Deployment, dec: ReturnType<typeof decideDeployment>): Promise<void> {
    const { namespace, name } = splitKey(key);
    const client = this.ctx.client;
    const rec = this.ctx.recorder(DEPLOYMENT_CONTROLLER);

    for (const a of dec.actions) {
      switch (a.type) {
        case 'event':
          rec.event(d, a.eventType, a.reason, a.message);
          break;
        case 'createReplicaSet':
          await this.createReplicaSet(d, a.rs);
          break;
        case 'updateReplicaSet':
          await ignoreNotFound(() => client.update(R.replicaSets, a.rs));
          break;
        case 'deleteReplicaSet':
          await ignoreNotFound(() => client.delete(R.replicaSets, namespace, a.rs.metadata!.name!));
          break;
      }
    }

    let current: Deployment = d;
    if (dec.annotations) {
      // an update, as upstream's (its system:controller:deployment-controller role may update deployments, not patch
      // them); a conflict is a retry with the newer object
      const annotations = { ...(d.metadata?.annotations ?? {}), ...dec.annotations };
      const updated = await ignoreNotFound(() => client.update<Deployment>(R.deployments, { ...d, metadata: { ...d.metadata, annotations } }));
      if (!updated) return;
      current = updated;
    }
    if (dec.status) {
      await ignoreNotFound(() => client.updateStatus(R.deployments, { ...current, status: dec.status }));
    }
    if (dec.requeueAfterMs !== undefined) this.enqueueAfter(key, dec.requeueAfterMs);
  }

  /** Create the new ReplicaSet; on a name clash with a foreign one, bump collisionCount (new hash next time). */
  private async createReplicaSet(d: Deployment, rs: ReplicaSet): Promise<void> {
    const client = this.ctx.client;
    const ns = d.metadata?.namespace;
    try {
      await client.create(R.replicaSets, ns, rs);
    } catch (e) {
      if (isAlreadyExists(e)) {
        // Which ReplicaSet holds the name: from the cache, as upstream's rsLister (no live read mid-plan);
        // not there yet means the cache is behind: retry.
        const existing = this.rsInformer.store.get(`${ns}/${rs.metadata!.name!}`);
        if (!existing) throw new KubeError('Conflict', `replica set ${rs.metadata?.name} already exists but is not in the cache yet`, { code: 'ERR_CONFLICT' });
        if (getControllerOf(existing)?.uid === d.metadata?.uid && equalIgnoreHash(existing.spec?.template, d.spec?.template)) return;
        const status = { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
        await ignoreNotFound(() => client.updateStatus(R.deployments, { ...d, status }));
        throw new KubeError('InternalError', `hash collision for ReplicaSet ${rs.metadata?.name}; collisionCount is now ${status.collisionCount}`);
      }
      const msg = `Failed to create new replica set "${rs.metadata?.name}": ${(e as Error).message}`;
      this.ctx.recorder(DEPLOYMENT_CONTROLLER).event(d, 'Warning', REASON.FailedRSCreate, msg);
      const t = rfc3339(this.ctx.now());
      const conditions = setCondition(d.status?.conditions, {
        type: 'Progressing',
        status: 'False',
        reason: REASON.FailedRSCreate,
        message: msg,
        lastUpdateTime: t,
        lastTransitionTime: t,
      });
      await ignoreNotFound(() => client.updateStatus(R.deployments, { ...d, status: { ...(d.status ?? {}), conditions } }));
      throw e;
    }
  }
}
