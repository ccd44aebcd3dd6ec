/**
 * A StatefulSet's revisions (stateful_set_control.go getStatefulSetRevisions and truncateHistory,
 * stateful_set_utils.go newRevision / ApplyRevision), pure, on the shared history library: the revision
 * of spec.template is the one whose data equals the template's patch (the newest equal one; an older equal one
 * is renumbered past the others: a rollback), or a new `<set>-<hash>` revision numbered past the others; the
 * current revision is status.currentRevision's (the update revision when there is none).
 */

import type { ControllerRevision, PodTemplateSpec, StatefulSet } from '../util/types.js';
import {
  equalRevision,
  findEqualRevisions,
  newControllerRevision,
  nextRevision,
  revisionsToTruncate,
  sortRevisions,
  templatePatch,
} from '../history/history.js';
import { valueAt, isPlainObject } from '../../../api/values.js';

/** newRevision: the template's patch as data, the set's annotations (kubernetes.io/change-cause for `rollout history`). */
export function newStatefulSetRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const cr = newControllerRevision({
    owner: set,
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    templateLabels: set.spec?.template?.metadata?.labels,
    data: templatePatch(set.spec?.template),
    revision,
    collisionCount,
  });
  const annotations = set.metadata?.annotations;
  if (annotations && Object.keys(annotations).length) cr.metadata = { ...cr.metadata, annotations: { ...annotations } };
  return cr;
}

/** ApplyRevision: the template a revision holds (its data's spec.template without the `$patch` directive). */
export function templateOfRevision(rev: ControllerRevision | undefined): PodTemplateSpec | undefined {
  const t = valueAt(rev?.data, 'spec', 'template');
  if (!isPlainObject(t)) return undefined;
  const { $patch: _directive, ...template } = t;
  return template as PodTemplateSpec;
}

export interface RevisionPlan {
  /** The revision of spec.template. */
  update: ControllerRevision;
  /** It does not exist yet: create it (on a name taken by other data, collisionCount + 1 and try again). */
  create: boolean;
  /** An older equal revision becomes the newest again (a rollback): write this revision number to it. */
  renumberTo?: number;
  /** status.currentRevision's revision, or the update revision. */
  current: ControllerRevision;
  collisionCount: number;
}

export function planRevisions(set: StatefulSet, revisions: readonly ControllerRevision[], collisionCount = set.status?.collisionCount ?? 0): RevisionPlan {
  const sorted = sortRevisions(revisions);
  const candidate = newStatefulSetRevision(set, nextRevision(sorted), collisionCount);
  const equal = findEqualRevisions(sorted, candidate);
  let plan: RevisionPlan;
  const last = sorted[sorted.length - 1];
  const lastEqual = equal[equal.length - 1];
  if (lastEqual && last && equalRevision(last, lastEqual)) plan = { update: last, create: false, current: last, collisionCount };
  else if (lastEqual) plan = { update: { ...lastEqual, revision: candidate.revision }, create: false, renumberTo: candidate.revision, current: lastEqual, collisionCount };
  else plan = { update: candidate, create: true, current: candidate, collisionCount };
  const current = sorted.find((r) => r.metadata?.name === set.status?.currentRevision);
  plan.current = current ?? plan.update;
  return plan;
}

/** truncateHistory: the non-live revisions beyond revisionHistoryLimit, oldest first (live: current, update, any pod's). */
export function revisionsToDelete(set: StatefulSet, revisions: readonly ControllerRevision[], live: ReadonlySet<string>): ControllerRevision[] {
  return revisionsToTruncate(revisions, {
    limit: set.spec?.revisionHistoryLimit ?? 10,
    isLive: (r) => live.has(r.metadata?.name ?? ''),
    liveCountTowardLimit: false,
  });
}
