/**
 * The ReplicaSet controller's adapter: informers on ReplicaSets and Pods, expectations, and the
 * writes decideReplicaSet asks for (adopt / release patches, slow-start creates, deletes, status).
 * The same controller runs for ReplicationControllers (kinds.ts: upstream's replication manager).
 */

import { KubeError } from '../../../api/errors.js';
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { applyClaims } from '../util/claim-apply.js';
import { R, ignoreNotFound, isConflict, isNamespaceTerminating, isNotFound, type ControllerContext } from '../util/context.js';
import { ControllerExpectations, observePodExpectations } from '../util/expectations.js';
import { objectKey, splitKey } from '../../../api/keys.js';
import { getControllerOf } from '../../../api/owners.js';
import { labelSelectorMatcher } from '../util/meta.js';
import { slowStartBatch } from '../util/slowstart.js';
import type { KubeObject, Pod, ReplicaSet, ReplicationController } from '../util/types.js';
import { decideReplicaSet, podFromTemplate, replicaSetRequeueAfterMs, replicaSetStatus, replicaSetStatusChanged, type ManageError } from './decide.js';
import { REPLICA_SETS, REPLICATION_CONTROLLERS, type ReplicaSetLikeKind } from './kinds.js';

export { REPLICASET_CONTROLLER, REPLICATIONCONTROLLER_CONTROLLER } from './kinds.js';

/** What the status write sends: the object (a ReplicaSet or ReplicationController) with its new status. */
type WithStatus = KubeObject & { status?: ReplicaSet['status'] };

export class ReplicaSetController<T extends KubeObject = ReplicaSet> extends Controller {
  readonly expectations: ControllerExpectations;
  private readonly rsInformer: Informer<T>;
  private readonly podInformer: Informer<Pod>;
  private readonly kind: ReplicaSetLikeKind<T>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
    kind?: ReplicaSetLikeKind<T>,
  ) {
    const k = kind ?? (REPLICA_SETS as unknown as ReplicaSetLikeKind<T>);
    super({ name: k.controllerName, workers: opts.workers ?? 5, logger: ctx.logger(k.controllerName) });
    this.kind = k;
    this.expectations = new ControllerExpectations(ctx.now);
    this.rsInformer = ctx.informers.informerFor<T>(k.resource());
    this.podInformer = ctx.informers.informerFor<Pod>(R.pods);
    this.watchInformer(this.rsInformer);
    this.watchInformer(this.podInformer, { keysOf: (p) => this.rsKeysForPod(p) });
    // Expectations: a pod of ours appearing, or starting to go, is what we waited for.
    observePodExpectations(this.podInformer, this.expectations, (p) => this.ownerKey(p));
  }

  /** The key of the ReplicaSet that controls a pod (if it is one we know). */
  private ownerKey(p: Pod): string | undefined {
    const ref = getControllerOf(p);
    if (!ref || ref.kind !== this.kind.owner.kind) return undefined;
    const key = `${p.metadata?.namespace}/${ref.name}`;
    const rs = this.rsInformer.store.get(key);
    return rs && rs.metadata?.uid === ref.uid ? key : undefined;
  }

  private rsKeysForPod(p: Pod): string[] {
    const ref = getControllerOf(p);
    if (ref) return ref.kind === this.kind.owner.kind ? [`${p.metadata?.namespace}/${ref.name}`] : [];
    // An orphan: every ReplicaSet that would adopt it.
    return this.rsInformer.store
      .listByNamespace(p.metadata?.namespace ?? '')
      .filter((x) => labelSelectorMatcher(this.kind.asReplicaSet(x).spec?.selector)(p.metadata?.labels))
      .map((rs) => objectKey(rs));
  }

  /** Pods of the other ReplicaSets of the same owner (the deployment's other revisions). */
  private relatedPods(rs: KubeObject, pods: Pod[]): Pod[] {
    const owner = getControllerOf(rs);
    if (!owner) return pods.filter((p) => getControllerOf(p)?.uid === rs.metadata?.uid);
    const siblings = new Set(
      this.rsInformer.store
        .listByNamespace(rs.metadata?.namespace ?? '')
        .filter((x) => getControllerOf(x)?.uid === owner.uid)
        .map((x) => x.metadata?.uid),
    );
    return pods.filter((p) => siblings.has(getControllerOf(p)?.uid));
  }

  protected async sync(key: string): Promise<void> {
    const obj = this.rsInformer.store.get(key);
    if (!obj) {
      this.expectations.delete(key);
      return;
    }
    const rs = this.kind.asReplicaSet(obj);
    const { namespace } = splitKey(key);
    const client = this.ctx.client;
    const rec = this.ctx.recorder(this.kind.controllerName);
    const now = this.ctx.now();
    const pods = this.podInformer.store.listByNamespace(namespace ?? '');
    const d = decideReplicaSet({
      rs,
      pods,
      relatedPods: this.relatedPods(rs, pods),
      expectationsSatisfied: this.expectations.satisfied(key),
      now,
      owner: this.kind.owner,
    });

    // Adopt and release (the shared claim step; adoption re-checks the ReplicaSet live, as canAdopt does).
    const owned = await applyClaims(client, { owner: this.kind.resource(), objects: R.pods }, rs, d.claims);

    let manageError: ManageError | undefined;
    if (d.create > 0) {
      this.expectations.expectCreations(key, d.create);
      const body = podFromTemplate(rs, this.kind.owner);
      let terminating = false;
      const r = await slowStartBatch(d.create, 1, async () => {
        try {
          const created = await client.create<Pod>(R.pods, namespace, structuredClone(body));
          rec.event(obj, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
        } catch (e) {
          // The namespace is going away: every create fails, nothing to retry (as upstream).
          if (isNamespaceTerminating(e)) terminating = true;
          throw e;
        }
      });
      if (terminating) {
        this.expectations.delete(key);
        return;
      }
      for (let i = r.successes; i < d.create; i++) this.expectations.creationObserved(key);
      if (r.error) {
        const msg = (r.error as Error).message;
        rec.event(obj, 'Warning', 'FailedCreate', `Error creating: ${msg}`);
        manageError = { op: 'create', message: msg };
      }
    } else if (d.delete.length > 0) {
      this.expectations.expectDeletions(key, d.delete.map((p) => objectKey(p)));
      const results = await Promise.allSettled(
        d.delete.map(async (p) => {
          try {
            await client.delete(R.pods, namespace, p.metadata!.name!);
            rec.event(obj, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name}`);
          } catch (e) {
            this.expectations.deletionObserved(key, objectKey(p));
            if (!isNotFound(e)) throw e;
          }
        }),
      );
      const failed = results.find((x) => x.status === 'rejected') as PromiseRejectedResult | undefined;
      if (failed) {
        const msg = (failed.reason as Error).message;
        rec.event(obj, 'Warning', 'FailedDelete', `Error deleting: ${msg}`);
        manageError = { op: 'delete', message: msg };
      }
    }

    const status = replicaSetStatus(rs, owned, now, manageError);
    if (replicaSetStatusChanged(rs, status)) {
      try {
        await this.writeStatus(obj, status);
      } catch (e) {
        if (!isConflict(e)) throw e;
        this.queue.addRateLimited(key); // our cache is behind: look again shortly, quietly
        return;
      }
    }
    const after = replicaSetRequeueAfterMs(rs, status);
    if (after !== undefined && !manageError) this.enqueueAfter(key, after);
    if (manageError) throw new KubeError('InternalError', `${manageError.op} failed: ${manageError.message}`);
  }

  /** The status is a ReplicaSetStatus; a ReplicationControllerStatus has the same fields (as upstream's conversion). */
  private async writeStatus(rs: T, status: ReplicaSet['status']): Promise<void> {
    const client = this.ctx.client;
    const res = this.kind.resource();
    try {
      await client.updateStatus<WithStatus>(res, { ...rs, status });
    } catch (e) {
      if (isNotFound(e)) return;
      if (!isConflict(e)) throw e;
      const fresh = await ignoreNotFound(() => client.get<KubeObject>(res, rs.metadata?.namespace, rs.metadata!.name!));
      if (!fresh || fresh.metadata?.uid !== rs.metadata?.uid) return;
      await client.updateStatus<WithStatus>(res, { ...fresh, status });
    }
  }
}

/** Upstream's replication manager: the ReplicaSet controller run for ReplicationControllers. */
export function newReplicationManager(ctx: ControllerContext, opts: { workers?: number } = {}): ReplicaSetController<ReplicationController> {
  return new ReplicaSetController(ctx, opts, REPLICATION_CONTROLLERS);
}
