/**
 * The DaemonSet controller's adapter (upstream's pkg/controller/daemon): informers on DaemonSets, pods, nodes
 * and ControllerRevisions; each sync claims the DaemonSet's revisions and pods, makes sure the current template
 * has its ControllerRevision (constructHistory), carries out planDaemonSet (creates in slow-start batches,
 * deletes), trims the history beyond revisionHistoryLimit, and writes the status.
 */

import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { KubeError } from '../../../api/errors.js';
import { objectKey, splitKey } from '../../../api/keys.js';
import { getControllerOf } from '../../../api/owners.js';
import { semanticEqual } from '../../../api/strategies/validation.js';
import { applyClaims } from '../util/claim-apply.js';
import { planClaims } from '../util/claim.js';
import { R, ignoreNotFound, isAlreadyExists, isConflict, isNamespaceTerminating, isNotFound, type ControllerContext } from '../util/context.js';
import { ControllerExpectations, observePodExpectations } from '../util/expectations.js';
import { labelSelectorMatcher } from '../util/meta.js';
import { slowStartBatch } from '../util/slowstart.js';
import type { ControllerRevision, DaemonSet, DaemonSetStatus, Node, Pod } from '../util/types.js';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  computeHash,
  dedupCurrent,
  nextRevision,
  revisionMatchesTemplate,
  revisionsToTruncate,
  splitRevisions,
  templatePatch,
} from '../history/history.js';
import {
  FAILED_POD_BACKOFF_MAX_MS,
  REASON_SELECTING_ALL,
  daemonPodFor,
  daemonSetRequeueAfterMs,
  daemonSetStatus,
  daemonSetStatusChanged,
  planDaemonSet,
  podsByNode,
  selectsEverything,
  type BackoffEntry,
  type DaemonSetState,
} from './decide.js';

export const DAEMONSET_CONTROLLER = 'daemonset-controller';

export class DaemonSetController extends Controller {
  readonly expectations: ControllerExpectations;
  private readonly dsInformer: Informer<DaemonSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
  private readonly revisionInformer: Informer<ControllerRevision>;
  private readonly backoff = new Map<string, BackoffEntry>();

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    super({ name: DAEMONSET_CONTROLLER, workers: opts.workers ?? 2, logger: ctx.logger(DAEMONSET_CONTROLLER) });
    this.expectations = new ControllerExpectations(ctx.now);
    this.dsInformer = ctx.informers.informerFor<DaemonSet>(R.daemonSets);
    this.podInformer = ctx.informers.informerFor<Pod>(R.pods);
    this.nodeInformer = ctx.informers.informerFor<Node>(R.nodes);
    this.revisionInformer = ctx.informers.informerFor<ControllerRevision>(R.controllerRevisions);
    this.watchInformer(this.dsInformer);
    this.watchInformer(this.podInformer, { keysOf: (p) => this.keysForOwned(p) });
    this.watchInformer(this.revisionInformer, { keysOf: (r) => this.keysForOwned(r) });
    this.watchInformer(this.nodeInformer, { keysOf: () => this.allKeys(), filterUpdate: (a, b) => nodeChangeMatters(a, b) });
    observePodExpectations(this.podInformer, this.expectations, (p) => this.ownerKey(p));
  }

  private allKeys(): string[] {
    return this.dsInformer.store.list().map((d) => objectKey(d));
  }

  /** The key of the DaemonSet controlling an object, if it is one we know. */
  private ownerKey(o: Pod | ControllerRevision): string | undefined {
    const ref = getControllerOf(o);
    if (!ref || ref.kind !== 'DaemonSet') return undefined;
    const key = `${o.metadata?.namespace}/${ref.name}`;
    const ds = this.dsInformer.store.get(key);
    return ds && ds.metadata?.uid === ref.uid ? key : undefined;
  }

  /** A pod's or revision's DaemonSet; an orphan's: every DaemonSet that would adopt it. */
  private keysForOwned(o: Pod | ControllerRevision): string[] {
    const ref = getControllerOf(o);
    if (ref) return ref.kind === 'DaemonSet' ? [`${o.metadata?.namespace}/${ref.name}`] : [];
    return this.dsInformer.store
      .listByNamespace(o.metadata?.namespace ?? '')
      .filter((d) => labelSelectorMatcher(d.spec?.selector)(o.metadata?.labels))
      .map((d) => objectKey(d));
  }

  protected async sync(key: string): Promise<void> {
    const ds = this.dsInformer.store.get(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const rec = this.ctx.recorder(DAEMONSET_CONTROLLER);
    if (selectsEverything(ds)) {
      rec.event(ds, 'Warning', REASON_SELECTING_ALL, 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    if (ds.metadata?.deletionTimestamp) return;
    const { namespace } = splitKey(key);
    const ns = namespace ?? '';
    const nodes = this.nodeInformer.store.list();

    const { hash, old } = await this.constructHistory(ds);
    const pods = await applyClaims(
      this.ctx.client,
      { owner: R.daemonSets, objects: R.pods },
      ds,
      planClaims({ obj: ds, apiVersion: 'apps/v1', kind: 'DaemonSet' }, ds.spec?.selector, this.podInformer.store.listByNamespace(ns)),
    );
    const state: DaemonSetState = { ds, nodes, pods, hash, now: this.ctx.now(), backoff: this.backoff };

    if (!this.expectations.satisfied(key)) {
      // Only the status; observedGeneration stays, this sync did not act on the spec.
      await this.writeStatus(ds, daemonSetStatus(state, false));
      return;
    }

    const plan = planDaemonSet(state);
    // flowcontrol.Backoff.GC: entries idle for twice the longest delay are forgotten.
    for (const [k, v] of this.backoff) if (state.now - v.lastUpdate > 2 * FAILED_POD_BACKOFF_MAX_MS) this.backoff.delete(k);
    for (const [k, v] of plan.backoff) this.backoff.set(k, v);
    for (const e of plan.events) rec.event(ds, e.type, e.reason, e.message);
    const error = await this.syncNodes(ds, key, plan.createOn, plan.deletePods, hash);
    await this.cleanupHistory(ds, old, pods);

    const status = daemonSetStatus(state, true);
    await this.writeStatus(ds, status);
    const after = [plan.requeueAfterMs, daemonSetRequeueAfterMs(ds, status)].filter((x): x is number => x !== undefined);
    if (after.length) this.enqueueAfter(key, Math.min(...after));
    if (error) throw new KubeError('InternalError', error);
  }

  /** syncNodes: creates (slow start, with the node affinity of each node) and deletes, under expectations. */
  private async syncNodes(ds: DaemonSet, key: string, createOn: string[], deletePods: Pod[], hash: string): Promise<string | undefined> {
    const client = this.ctx.client;
    const rec = this.ctx.recorder(DAEMONSET_CONTROLLER);
    const ns = ds.metadata?.namespace;
    let error: string | undefined;
    this.expectations.expectCreations(key, createOn.length);
    if (deletePods.length) this.expectations.expectDeletions(key, deletePods.map((p) => objectKey(p)));
    if (createOn.length) {
      let tried = 0;
      let terminating = false;
      const r = await slowStartBatch(createOn.length, 1, async (ix) => {
        tried++;
        const node = createOn[ix]!;
        try {
          const created = await client.create<Pod>(R.pods, ns, daemonPodFor(ds, node, hash));
          rec.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
        } catch (e) {
          if (isNamespaceTerminating(e)) terminating = true;
          this.expectations.creationObserved(key);
          rec.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
          throw e;
        }
      });
      // Creates never tried (a batch failed) are not expected.
      for (let j = tried; j < createOn.length; j++) this.expectations.creationObserved(key);
      if (r.error && !terminating) error = `create failed: ${(r.error as Error).message}`;
    }
    const results = await Promise.allSettled(
      deletePods.map(async (p) => {
        try {
          await client.delete(R.pods, ns, p.metadata!.name!);
          rec.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name}`);
        } catch (e) {
          this.expectations.deletionObserved(key, objectKey(p));
          if (isNotFound(e)) return;
          rec.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
          throw e;
        }
      }),
    );
    const failed = results.find((x) => x.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) error ??= `delete failed: ${(failed.reason as Error).message}`;
    return error;
  }

  /**
   * constructHistory: the DaemonSet's revisions (claimed), the one whose data is the current template (made when
   * missing, its number moved past every other, duplicates removed after their pods are relabelled), and the old ones.
   */
  private async constructHistory(ds: DaemonSet): Promise<{ hash: string; old: ControllerRevision[] }> {
    const client = this.ctx.client;
    const ns = ds.metadata?.namespace ?? '';
    let revisions = await applyClaims(
      client,
      { owner: R.daemonSets, objects: R.controllerRevisions },
      ds,
      planClaims({ obj: ds, apiVersion: 'apps/v1', kind: 'DaemonSet' }, ds.spec?.selector, this.revisionInformer.store.listByNamespace(ns)),
    );
    // Revisions without the hash label get their name as hash (upstream, so no hash collision can matter).
    revisions = await Promise.all(
      revisions.map(async (r) => {
        if (r.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== undefined) return r;
        const labels = { ...(r.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: r.metadata?.name ?? '' };
        return client.update<ControllerRevision>(R.controllerRevisions, { ...r, metadata: { ...r.metadata, labels } });
      }),
    );
    const { current, old } = splitRevisions(revisions, ds.spec?.template);
    const revision = nextRevision(old);
    let cur: ControllerRevision;
    if (current.length === 0) cur = await this.snapshot(ds, revision);
    else {
      const { keep, duplicates } = dedupCurrent(current);
      cur = keep!;
      if (duplicates.length) await this.dedup(ds, cur, duplicates);
      if ((cur.revision ?? 0) < revision) {
        cur = await client.update<ControllerRevision>(R.controllerRevisions, { ...cur, revision });
      }
    }
    return { hash: cur.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '', old };
  }

  /** snapshot: create `<ds>-<hash>`; a name taken by other data bumps status.collisionCount and retries later. */
  private async snapshot(ds: DaemonSet, revision: number): Promise<ControllerRevision> {
    const client = this.ctx.client;
    const ns = ds.metadata?.namespace;
    const hash = computeHash(ds.spec?.template, ds.status?.collisionCount);
    const name = `${ds.metadata?.name}-${hash}`;
    const body: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: ns,
        labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
        ...(ds.metadata?.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata?.name ?? '', uid: ds.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      data: templatePatch(ds.spec?.template),
      revision,
    };
    try {
      return await client.create<ControllerRevision>(R.controllerRevisions, ns, body);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = await client.get<ControllerRevision>(R.controllerRevisions, ns, name);
      if (revisionMatchesTemplate(existing, ds.spec?.template)) return existing;
      const fresh = await client.get<DaemonSet>(R.daemonSets, ns, ds.metadata!.name!);
      if ((fresh.status?.collisionCount ?? null) !== (ds.status?.collisionCount ?? null)) {
        throw new KubeError(
          'Conflict',
          `found a stale collision count (${ds.status?.collisionCount ?? 0}, expected ${fresh.status?.collisionCount ?? 0}) of DaemonSet "${ds.metadata?.name}" while processing; will retry until it is updated`,
        );
      }
      await client.updateStatus(R.daemonSets, { ...fresh, status: { ...fresh.status, collisionCount: (fresh.status?.collisionCount ?? 0) + 1 } });
      throw e;
    }
  }

  /** dedupCurHistories: pods of a duplicate get the kept revision's hash, then the duplicates go. */
  private async dedup(ds: DaemonSet, keep: ControllerRevision, duplicates: ControllerRevision[]): Promise<void> {
    const client = this.ctx.client;
    const ns = ds.metadata?.namespace;
    const keepHash = keep.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
    const mine = this.podInformer.store.listByNamespace(ns ?? '').filter((p) => getControllerOf(p)?.uid === ds.metadata?.uid);
    for (const p of mine) {
      if (p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === keepHash) continue;
      await ignoreNotFound(() => client.patch(R.pods, ns, p.metadata!.name!, { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: keepHash } } }, 'merge'));
    }
    for (const d of duplicates) await ignoreNotFound(() => client.delete(R.controllerRevisions, ns, d.metadata!.name!));
  }

  /** cleanupHistory: old revisions beyond revisionHistoryLimit, oldest first, never one a pod (even a terminal one) runs. */
  private async cleanupHistory(ds: DaemonSet, old: ControllerRevision[], pods: Pod[]): Promise<void> {
    const live = new Set<string>();
    for (const list of podsByNode(pods, true).values()) {
      for (const p of list) {
        const h = p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
        if (h) live.add(h);
      }
    }
    const doomed = revisionsToTruncate(old, {
      limit: ds.spec?.revisionHistoryLimit ?? 10,
      isLive: (r) => live.has(r.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? ''),
      liveCountTowardLimit: true,
    });
    for (const r of doomed) await ignoreNotFound(() => this.ctx.client.delete(R.controllerRevisions, ds.metadata?.namespace, r.metadata!.name!));
  }

  /** storeDaemonSetStatus: written when a counter moved or observedGeneration is behind; a conflict re-reads once. */
  private async writeStatus(ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
    if (!daemonSetStatusChanged(ds, status)) return;
    const client = this.ctx.client;
    try {
      await client.updateStatus(R.daemonSets, { ...ds, status });
    } catch (e) {
      if (isNotFound(e)) return;
      if (!isConflict(e)) throw e;
      const fresh = await ignoreNotFound(() => client.get<DaemonSet>(R.daemonSets, ds.metadata?.namespace, ds.metadata!.name!));
      if (!fresh || fresh.metadata?.uid !== ds.metadata?.uid) return;
      await client.updateStatus(R.daemonSets, { ...fresh, status: { ...status, collisionCount: fresh.status?.collisionCount ?? status.collisionCount } });
    }
  }
}

/** shouldIgnoreNodeUpdate's converse: labels, taints, unschedulable or a condition's status changed (not heartbeats). */
export function nodeChangeMatters(a: Node, b: Node): boolean {
  const conds = (n: Node) => (n.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort();
  return (
    !semanticEqual(a.metadata?.labels, b.metadata?.labels) ||
    !semanticEqual(a.spec?.taints, b.spec?.taints) ||
    !!a.spec?.unschedulable !== !!b.spec?.unschedulable ||
    !semanticEqual(conds(a), conds(b))
  );
}
