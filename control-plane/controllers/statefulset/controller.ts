/**
 * The StatefulSet controller's adapter (pkg/controller/statefulset: stateful_set.go, stateful_pod_control.go):
 * informers on StatefulSets, Pods, ControllerRevisions and PersistentVolumeClaims; each sync claims the set's
 * pods and revisions, settles its revisions (planRevisions), carries out decideStatefulSet's steps in order
 * with upstream's events, writes the status and truncates the history.
 */

import { KubeError } from '../../../api/errors.js';
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { objectKey, splitKey } from '../../../api/keys.js';
import { getControllerOf } from '../../../api/owners.js';
import { applyClaims } from '../util/claim-apply.js';
import { planClaims } from '../util/claim.js';
import { R, isAlreadyExists, isConflict, isNotFound, type ControllerContext } from '../util/context.js';
import { labelSelectorMatcher } from '../util/meta.js';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet, StatefulSetStatus } from '../util/types.js';
import { claimRevisions, ownedRevisions, revisionDataKey } from '../history/history.js';
import { decideStatefulSet, podRevision, statusChanged, type StatefulSetStep } from './decide.js';
import { isMemberOf, parentNameAndOrdinal } from './identity.js';
import { newStatefulSetRevision, planRevisions, revisionsToDelete, templateOfRevision } from './revisions.js';

export const STATEFULSET_CONTROLLER = 'statefulset-controller';

const errMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class StatefulSetController extends Controller {
  private readonly sets: Informer<StatefulSet>;
  private readonly pods: Informer<Pod>;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly claims: Informer<PersistentVolumeClaim>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    super({ name: STATEFULSET_CONTROLLER, workers: opts.workers ?? 5, logger: ctx.logger(STATEFULSET_CONTROLLER) });
    this.sets = ctx.informers.informerFor<StatefulSet>(R.statefulSets);
    this.pods = ctx.informers.informerFor<Pod>(R.pods);
    this.revisions = ctx.informers.informerFor<ControllerRevision>(R.controllerRevisions);
    this.claims = ctx.informers.informerFor<PersistentVolumeClaim>(R.persistentVolumeClaims);
    this.watchInformer(this.sets);
    this.watchInformer(this.pods, { keysOf: (p) => this.setKeysFor(p, 'Pod') });
    this.watchInformer(this.revisions, { keysOf: (r) => this.setKeysFor(r, 'ControllerRevision') });
    // A claim going away may unblock a pod waiting on a stale claim.
    this.watchInformer(this.claims, { keysOf: (c) => this.setKeysForClaim(c) });
  }

  /** The set that controls the object, or (an orphan) every set that would adopt it. */
  private setKeysFor(obj: Pod | ControllerRevision, kind: 'Pod' | 'ControllerRevision'): string[] {
    const ns = obj.metadata?.namespace ?? '';
    const ref = getControllerOf(obj);
    if (ref) return ref.kind === 'StatefulSet' ? [`${ns}/${ref.name}`] : [];
    return this.sets.store
      .listByNamespace(ns)
      .filter((s) => labelSelectorMatcher(s.spec?.selector)(obj.metadata?.labels) && (kind !== 'Pod' || isMemberOf(s, obj as Pod)))
      .map((s) => objectKey(s));
  }

  /** A claim `<template>-<set>-<ordinal>`: the sets whose templates name it. */
  private setKeysForClaim(c: PersistentVolumeClaim): string[] {
    const ns = c.metadata?.namespace ?? '';
    const [prefix] = parentNameAndOrdinal(c.metadata?.name);
    return this.sets.store
      .listByNamespace(ns)
      .filter((s) => (s.spec?.volumeClaimTemplates ?? []).some((t) => prefix === `${t.metadata?.name}-${s.metadata?.name}`))
      .map((s) => objectKey(s));
  }

  protected async sync(key: string): Promise<void> {
    const set = this.sets.store.get(key);
    if (!set) return;
    const { namespace } = splitKey(key);
    const ns = namespace ?? '';
    const client = this.ctx.client;
    const now = this.ctx.now();
    const owner = { obj: set, apiVersion: 'apps/v1', kind: 'StatefulSet' };

    // Claim the pods named `<set>-<ordinal>` (upstream's isMemberOf filter) and the revisions.
    const candidates = this.pods.store.listByNamespace(ns).filter((p) => isMemberOf(set, p) || getControllerOf(p)?.uid === set.metadata?.uid);
    const pods = (await applyClaims(client, { owner: R.statefulSets, objects: R.pods }, set, planClaims(owner, set.spec?.selector, candidates))).filter((p) =>
      isMemberOf(set, p),
    );
    const revisionPlan = claimRevisions(owner, set.spec?.selector, ownedRevisions(set.metadata?.uid, this.revisions.store.listByNamespace(ns)));
    const revisions = await applyClaims(client, { owner: R.statefulSets, objects: R.controllerRevisions }, set, revisionPlan);

    const plan = planRevisions(set, revisions);
    let update = plan.update;
    let collisionCount = plan.collisionCount;
    if (plan.create) [update, collisionCount] = await this.createRevision(set, revisions, collisionCount);
    else if (plan.renumberTo !== undefined) {
      update = await client.update<ControllerRevision>(R.controllerRevisions, { ...plan.update, revision: plan.renumberTo });
    }
    const current = plan.current.metadata?.name === plan.update.metadata?.name ? update : plan.current;

    const claims = new Map(this.claims.store.listByNamespace(ns).map((c) => [c.metadata?.name ?? '', c]));
    const d = decideStatefulSet({
      set,
      pods,
      claims,
      currentRevision: current.metadata?.name ?? '',
      currentTemplate: templateOfRevision(current),
      updateRevision: update.metadata?.name ?? '',
      updateTemplate: templateOfRevision(update),
      collisionCount,
      now,
    });

    let failure: unknown;
    for (const step of d.steps) {
      try {
        await this.apply(set, step);
      } catch (e) {
        failure = e;
        break;
      }
    }

    if (statusChanged(set, d.status)) await this.writeStatus(key, set, d.status);

    // truncateHistory: keep what runs (current, update, every pod's revision) and revisionHistoryLimit more.
    const live = new Set<string>([current.metadata?.name ?? '', update.metadata?.name ?? '']);
    for (const p of pods) {
      const r = podRevision(p);
      if (r) live.add(r);
    }
    const all = revisions.some((r) => r.metadata?.name === update.metadata?.name) ? revisions : [...revisions, update];
    for (const r of revisionsToDelete(set, all, live)) {
      try {
        await client.delete(R.controllerRevisions, ns, r.metadata!.name!);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }

    if (failure) throw failure instanceof KubeError ? failure : new KubeError('InternalError', errMessage(failure));
    if (d.requeueAfterMs !== undefined) this.enqueueAfter(key, d.requeueAfterMs);
  }

  /** CreateControllerRevision: a name taken by other data bumps collisionCount and tries the next name. */
  private async createRevision(set: StatefulSet, revisions: readonly ControllerRevision[], collisionCount: number): Promise<[ControllerRevision, number]> {
    const number = planRevisions(set, revisions, collisionCount).update.revision ?? 1;
    for (let count = collisionCount; ; count++) {
      const rev = newStatefulSetRevision(set, number, count);
      try {
        return [await this.ctx.client.create<ControllerRevision>(R.controllerRevisions, set.metadata?.namespace, rev), count];
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        const existing = await this.ctx.client.get<ControllerRevision>(R.controllerRevisions, set.metadata?.namespace, rev.metadata!.name!);
        if (revisionDataKey(existing.data) === revisionDataKey(rev.data)) return [existing, count];
      }
    }
  }

  /** One step, with upstream's events (stateful_pod_control.go recordPodEvent / recordClaimEvent). */
  private async apply(set: StatefulSet, step: StatefulSetStep): Promise<void> {
    const client = this.ctx.client;
    const rec = this.ctx.recorder(STATEFULSET_CONTROLLER);
    const ns = set.metadata?.namespace;
    const setName = set.metadata?.name;
    const podEvent = (verb: string, pod: Pod, e?: unknown) =>
      e === undefined
        ? rec.event(set, 'Normal', `Successful${verb}`, `${verb.toLowerCase()} Pod ${pod.metadata?.name} in StatefulSet ${setName} successful`)
        : rec.event(set, 'Warning', `Failed${verb}`, `${verb.toLowerCase()} Pod ${pod.metadata?.name} in StatefulSet ${setName} failed error: ${errMessage(e)}`);
    const claimEvent = (verb: string, claim: PersistentVolumeClaim, pod: Pod, e?: unknown) =>
      e === undefined
        ? rec.event(set, 'Normal', `Successful${verb}`, `${verb.toLowerCase()} Claim ${claim.metadata?.name} Pod ${pod.metadata?.name} in StatefulSet ${setName} success`)
        : rec.event(set, 'Warning', `Failed${verb}`, `${verb.toLowerCase()} Claim ${claim.metadata?.name} for Pod ${pod.metadata?.name} in StatefulSet ${setName} failed error: ${errMessage(e)}`);
    switch (step.op) {
      case 'createClaim': {
        const { status: _status, ...claim } = step.claim;
        try {
          await client.create(R.persistentVolumeClaims, ns, claim);
          claimEvent('Create', step.claim, step.pod);
        } catch (e) {
          if (isAlreadyExists(e)) return;
          claimEvent('Create', step.claim, step.pod, e);
          throw e;
        }
        return;
      }
      case 'createPod':
        try {
          await client.create(R.pods, ns, step.pod);
          podEvent('Create', step.pod);
        } catch (e) {
          podEvent('Create', step.pod, e);
          throw e;
        }
        return;
      case 'deletePod':
        try {
          await client.delete(R.pods, ns, step.pod.metadata!.name!);
          podEvent('Delete', step.pod);
        } catch (e) {
          if (isNotFound(e)) return;
          podEvent('Delete', step.pod, e);
          throw e;
        }
        return;
      case 'fixPodIdentity':
        try {
          await client.patch(R.pods, ns, step.pod.metadata!.name!, { metadata: { labels: step.labels } }, 'merge');
          podEvent('Update', step.pod);
        } catch (e) {
          if (isNotFound(e)) return;
          podEvent('Update', step.pod, e);
          throw e;
        }
        return;
      case 'updateClaimOwners':
        // UpdatePodClaimForRetentionPolicy: an update of the claim (the role has update, not patch, on claims).
        try {
          await client.update(R.persistentVolumeClaims, { ...step.claim, metadata: { ...step.claim.metadata, ownerReferences: step.ownerReferences } });
        } catch (e) {
          if (isNotFound(e)) return;
          claimEvent('Update', step.claim, step.pod, e);
          throw e;
        }
        return;
    }
  }

  /** updateStatefulSetStatus: on a conflict, once more on the cache's copy. */
  private async writeStatus(key: string, set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    try {
      await this.ctx.client.updateStatus(R.statefulSets, { ...set, status });
    } catch (e) {
      if (isNotFound(e)) return;
      if (!isConflict(e)) throw e;
      this.queue.addRateLimited(key);
    }
  }
}
