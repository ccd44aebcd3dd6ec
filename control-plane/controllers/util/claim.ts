/**
 * The claim step every owning controller shares (upstream's ControllerRefManager.ClaimObject /
 * ClaimPods / ClaimReplicaSets, k8s.io/kubernetes/pkg/controller/controller_ref_manager.go) as a
 * pure plan: of the candidate objects, which the owner keeps, which orphans it adopts (they match
 * its selector) and which of its own it releases (they stopped matching), with the merge patches
 * that do it. `applyClaims` (claim-apply.ts) carries the plan out.
 *
 * Rules, as upstream: objects another controller owns are left alone; nothing is adopted while the
 * owner or the orphan is being deleted; nothing is released while the owner is being deleted (nor,
 * in kubelab, an object that is itself going away).
 */

import { getControllerOf, newControllerRef } from '../../../api/owners.js';
import { labelSelectorMatcher } from './meta.js';
import type { KubeObject, LabelSelector, OwnerReference } from './types.js';

/** The owner and the kind it writes into its controller reference (`apps/v1` `ReplicaSet`). */
export interface ClaimOwner {
  obj: KubeObject;
  apiVersion: string;
  kind: string;
}

/** One ownerReferences write: the object and the merge patch for it. */
export interface ClaimPatch<T> {
  obj: T;
  patch: OwnerReferencesPatch;
}

/** A merge patch of ownerReferences; the object's uid rides along as a precondition (as upstream's patches). */
export interface OwnerReferencesPatch {
  metadata: { ownerReferences: OwnerReference[] | null; uid: string | undefined };
}

export interface ClaimPlan<T> {
  /** The objects the owner owns once the plan is carried out: those it keeps and those it adopts. */
  claimed: T[];
  adopt: ClaimPatch<T>[];
  release: ClaimPatch<T>[];
}

export function planClaims<T extends KubeObject>(owner: ClaimOwner, selector: LabelSelector | null | undefined, candidates: readonly T[]): ClaimPlan<T> {
  const matches = labelSelectorMatcher(selector);
  const uid = owner.obj.metadata?.uid;
  const ownerDeleting = !!owner.obj.metadata?.deletionTimestamp;
  const plan: ClaimPlan<T> = { claimed: [], adopt: [], release: [] };
  let ref: OwnerReference | undefined;
  for (const obj of candidates) {
    const controllerRef = getControllerOf(obj);
    const match = matches(obj.metadata?.labels);
    if (controllerRef) {
      if (controllerRef.uid !== uid) continue; // someone else's
      if (match) plan.claimed.push(obj);
      else if (!ownerDeleting && !obj.metadata?.deletionTimestamp) plan.release.push({ obj, patch: releasePatch(obj, uid ?? '') });
      continue;
    }
    // An orphan: adopt it if it matches and neither side is going away.
    if (!match || ownerDeleting || obj.metadata?.deletionTimestamp) continue;
    ref ??= newControllerRef(owner.obj, owner.apiVersion, owner.kind);
    plan.adopt.push({ obj, patch: adoptPatch(obj, ref) });
    plan.claimed.push(obj);
  }
  return plan;
}

/** The merge patch that adds the controller reference (uid acts as a precondition, as upstream). */
export function adoptPatch(obj: KubeObject, ref: OwnerReference): OwnerReferencesPatch {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
  return { metadata: { ownerReferences: [...refs, ref], uid: obj.metadata?.uid } };
}

/** The merge patch that removes the owner's reference. */
export function releasePatch(obj: KubeObject, ownerUid: string): OwnerReferencesPatch {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  return { metadata: { ownerReferences: refs.length ? refs : null, uid: obj.metadata?.uid } };
}
