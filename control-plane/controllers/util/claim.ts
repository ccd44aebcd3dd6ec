/**
 * ControllerRefManager.ClaimObjects as a pure decision: which of the candidate objects a controller
 * owns, which orphans it adopts (they match its selector) and which of its own it releases (they
 * stopped matching). The adapter patches ownerReferences for adopt/release.
 */

import { getControllerOf, type LabelMatcher } from './meta.js';
import type { KubeObject, OwnerReference } from './types.js';

export interface ClaimDecision<T> {
  /** Objects the controller owns after the claim (kept + adopted). */
  claimed: T[];
  adopt: T[];
  release: T[];
}

export function decideClaims<T extends KubeObject>(
  controller: KubeObject,
  matches: LabelMatcher,
  candidates: T[],
): ClaimDecision<T> {
  const uid = controller.metadata?.uid;
  const controllerDeleting = !!controller.metadata?.deletionTimestamp;
  const out: ClaimDecision<T> = { claimed: [], adopt: [], release: [] };
  for (const obj of candidates) {
    const ref = getControllerOf(obj);
    const match = matches(obj.metadata?.labels);
    if (ref) {
      if (ref.uid !== uid) continue; // someone else's
      if (match) out.claimed.push(obj);
      else if (!controllerDeleting && !obj.metadata?.deletionTimestamp) out.release.push(obj);
      continue;
    }
    // An orphan: adopt if it matches and neither side is going away.
    if (!match || controllerDeleting || obj.metadata?.deletionTimestamp) continue;
    out.adopt.push(obj);
    out.claimed.push(obj);
  }
  return out;
}

/** The merge patch that adds the controller reference (uid acts as a precondition, as upstream). */
export function adoptPatch(obj: KubeObject, ref: OwnerReference): unknown {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
  return { metadata: { ownerReferences: [...refs, ref], uid: obj.metadata?.uid } };
}

/** The merge patch that removes the controller's reference. */
export function releasePatch(obj: KubeObject, ownerUid: string): unknown {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  return { metadata: { ownerReferences: refs.length ? refs : null, uid: obj.metadata?.uid } };
}
