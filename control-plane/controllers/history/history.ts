/**
 * Controller history (upstream's pkg/controller/history and the history half of pkg/controller/daemon's
 * update.go), pure: the DaemonSet and StatefulSet controllers keep each template they ran as a
 * ControllerRevision `<owner>-<hash>` whose `data` is the patch that puts that template back
 * (`{"spec":{"template":{..., "$patch":"replace"}}}`), so `kubectl rollout undo` can apply it.
 *
 *   revisions of the namespace ──ownedRevisions / claimRevisions──> the owner's revisions
 *        │ splitRevisions(revisions, patch): equal data = current (dedupCurrent keeps the highest), rest = old
 *        │ none current -> create `<owner>-<computeHash(template, collisionCount)>` at nextRevision(old)
 *        │   (name taken by other data -> status.collisionCount + 1, try again)
 *        │ current below the highest old -> its revision moves to nextRevision(old) (a rollback)
 *        └ revisionsToTruncate(old, limit, live): the oldest beyond revisionHistoryLimit, never one a pod runs
 */

import { stableStringify } from '../../../api/values.js';
import { parseTime } from '../../../api/time.js';
import { newControllerRef } from '../../../api/owners.js';
import { planClaims, type ClaimOwner, type ClaimPlan } from '../util/claim.js';
import type { ControllerRevision, KubeObject, LabelSelector, PodTemplateSpec } from '../util/types.js';
import { hashControllerRevision } from './hash.js';

export { computeHash, hashControllerRevision } from './hash.js';

/** apps.ControllerRevisionHashLabelKey (= DefaultDaemonSetUniqueLabelKey = StatefulSetRevisionLabel): on pods and revisions. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** history.ControllerRevisionHashLabel: what NewControllerRevision labels a revision with. */
export const HISTORY_HASH_LABEL = 'controller.kubernetes.io/hash';

/** history.ControllerRevisionName: `<prefix>-<hash>`, the prefix cut to 223 characters so the name stays a DNS subdomain. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** The revision data of a template: daemon's getPatch (and the StatefulSet's), a patch that replaces spec.template. */
export function templatePatch(template: PodTemplateSpec | undefined): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...(template ?? {}), $patch: 'replace' } } };
}

/** The data as upstream compares it (bytes.Equal on the JSON): sorted-key JSON. */
export function revisionDataKey(data: unknown): string {
  return stableStringify(data ?? null);
}

/** daemon's Match: the revision's data is the template's patch. */
export function revisionMatchesTemplate(rev: ControllerRevision, template: PodTemplateSpec | undefined): boolean {
  return revisionDataKey(rev.data) === revisionDataKey(templatePatch(template));
}

/** history.SortControllerRevisions: by revision, then creation time, then name. Returns a sorted copy. */
export function sortRevisions<T extends ControllerRevision>(revisions: readonly T[]): T[] {
  return [...revisions].sort((a, b) => {
    const ra = a.revision ?? 0;
    const rb = b.revision ?? 0;
    if (ra !== rb) return ra - rb;
    const ta = parseTime(a.metadata?.creationTimestamp) ?? 0;
    const tb = parseTime(b.metadata?.creationTimestamp) ?? 0;
    if (ta !== tb) return ta - tb;
    const na = a.metadata?.name ?? '';
    const nb = b.metadata?.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

/** The highest revision number, 0 for none (daemon's maxRevision, history.MaxRevision). */
export function maxRevision(revisions: readonly ControllerRevision[]): number {
  let max = 0;
  for (const r of revisions) if ((r.revision ?? 0) > max) max = r.revision ?? 0;
  return max;
}

/** The number a new current revision gets: one past every other (statefulset's nextRevision, daemon's maxRevision(old) + 1). */
export function nextRevision(revisions: readonly ControllerRevision[]): number {
  return maxRevision(revisions) + 1;
}

/** history.EqualRevision: the same hash label when both have one, else the same data. */
export function equalRevision(a: ControllerRevision | undefined, b: ControllerRevision | undefined): boolean {
  if (!a || !b) return a === b;
  const ha = a.metadata?.labels?.[HISTORY_HASH_LABEL];
  const hb = b.metadata?.labels?.[HISTORY_HASH_LABEL];
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return revisionDataKey(a.data) === revisionDataKey(b.data);
}

/** history.FindEqualRevisions. */
export function findEqualRevisions<T extends ControllerRevision>(revisions: readonly T[], needle: ControllerRevision): T[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

export interface NewRevisionInput {
  owner: KubeObject;
  apiVersion: string;
  kind: string;
  templateLabels: Record<string, string> | undefined;
  data: unknown;
  revision: number;
  collisionCount?: number | null;
}

/**
 * history.NewControllerRevision: the template's labels plus `controller.kubernetes.io/hash`, the owner's
 * controller reference, named `<owner>-<hashControllerRevision(data, collisionCount)>`.
 */
export function newControllerRevision(input: NewRevisionInput): ControllerRevision {
  const hash = hashControllerRevision(input.data, input.collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(input.owner.metadata?.name ?? '', hash),
      namespace: input.owner.metadata?.namespace,
      labels: { ...(input.templateLabels ?? {}), [HISTORY_HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(input.owner, input.apiVersion, input.kind)],
    },
    data: input.data as ControllerRevision['data'],
    revision: input.revision,
  };
}

/** history.ListControllerRevisions' filter: revisions no controller owns, or this owner does. */
export function ownedRevisions<T extends ControllerRevision>(ownerUid: string | undefined, revisions: readonly T[]): T[] {
  return revisions.filter((r) => {
    const ref = r.metadata?.ownerReferences?.find((o) => o.controller === true);
    return !ref || ref.uid === ownerUid;
  });
}

/** ControllerRevisionControllerRefManager.ClaimControllerRevisions: the shared claim plan over revisions. */
export function claimRevisions<T extends ControllerRevision>(owner: ClaimOwner, selector: LabelSelector | null | undefined, revisions: readonly T[]): ClaimPlan<T> {
  return planClaims(owner, selector, revisions);
}

/** daemon's constructHistory split: revisions whose data is the template's patch are current, the rest old. */
export function splitRevisions<T extends ControllerRevision>(revisions: readonly T[], template: PodTemplateSpec | undefined): { current: T[]; old: T[] } {
  const key = revisionDataKey(templatePatch(template));
  const current: T[] = [];
  const old: T[] = [];
  for (const r of revisions) (revisionDataKey(r.data) === key ? current : old).push(r);
  return { current, old };
}

/** daemon's dedupCurHistories: of several current revisions keep the highest (the last of equals), drop the others. */
export function dedupCurrent<T extends ControllerRevision>(current: readonly T[]): { keep: T | undefined; duplicates: T[] } {
  let keep: T | undefined;
  let max = 0;
  for (const r of current) {
    if ((r.revision ?? 0) >= max) {
      keep = r;
      max = r.revision ?? 0;
    }
  }
  return { keep, duplicates: current.filter((r) => r !== keep) };
}

export interface TruncateOptions {
  /** spec.revisionHistoryLimit. */
  limit: number;
  /** A revision some pod (or the current/update revision) still runs: never deleted. */
  isLive: (rev: ControllerRevision) => boolean;
  /**
   * DaemonSet (cleanupHistory): live old revisions count toward the limit and are skipped, so fewer may go.
   * StatefulSet (truncateHistory): only non-live revisions count.
   */
  liveCountTowardLimit: boolean;
}

/** The revisions to delete so at most `limit` old ones stay, oldest first, never a live one. */
export function revisionsToTruncate<T extends ControllerRevision>(old: readonly T[], opts: TruncateOptions): T[] {
  const limit = Math.max(0, opts.limit);
  const sorted = sortRevisions(old);
  if (opts.liveCountTowardLimit) {
    let toKill = sorted.length - limit;
    const out: T[] = [];
    for (const r of sorted) {
      if (toKill <= 0) break;
      if (opts.isLive(r)) continue;
      out.push(r);
      toKill--;
    }
    return out;
  }
  const history = sorted.filter((r) => !opts.isLive(r));
  return history.length <= limit ? [] : history.slice(0, history.length - limit);
}
