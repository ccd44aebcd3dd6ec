/**
 * The garbage collector's decisions (pkg/controller/garbagecollector: attemptToDeleteItem,
 * processDeletingDependentsItem, orphanDependents) over a snapshot of every object with its
 * ownerReferences and finalizers:
 *  - background: an object whose owners are all gone is deleted (its owners are verified by the
 *    adapter with a live GET first, as upstream, so a stale cache never deletes a live object's child);
 *  - foreground: an owner being deleted with the `foregroundDeletion` finalizer has its dependents
 *    deleted; once none with blockOwnerDeletion remains, the finalizer is removed;
 *  - orphan: an owner being deleted with the `orphan` finalizer has its reference removed from every
 *    dependent, then the finalizer is removed.
 */

import type { OwnerReference } from '../util/types.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export interface GCObject {
  /** `group/plural` of the object's resource (core group: `/pods`). */
  resource: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  deletionTimestamp?: string | null;
}

export type GCAction =
  | {
      type: 'delete';
      obj: GCObject;
      policy: 'Background' | 'Foreground' | 'Orphan';
      /** Owners the cache says are gone: check each with a live GET before deleting. */
      verifyAbsent: OwnerReference[];
    }
  | { type: 'patchOwnerReferences'; obj: GCObject; ownerReferences: OwnerReference[]; reason: string }
  | { type: 'removeFinalizer'; obj: GCObject; finalizer: string };

export interface GCSnapshot {
  objects: GCObject[];
  /** `apiVersion/kind` of every kind the collector watches: refs to other kinds are left alone. */
  knownKinds: Set<string>;
}

export function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

function has(o: GCObject, f: string): boolean {
  return !!o.finalizers?.includes(f);
}

export function decideGC(s: GCSnapshot): GCAction[] {
  const byUid = new Map<string, GCObject>();
  for (const o of s.objects) byUid.set(o.uid, o);
  const dependents = new Map<string, GCObject[]>();
  for (const o of s.objects) {
    for (const r of o.ownerReferences ?? []) {
      let l = dependents.get(r.uid);
      if (!l) dependents.set(r.uid, (l = []));
      l.push(o);
    }
  }
  const actions: GCAction[] = [];

  for (const o of s.objects) {
    const deps = dependents.get(o.uid) ?? [];
    // Orphan: strip our reference from every dependent, then drop the finalizer.
    if (o.deletionTimestamp && has(o, FINALIZER_ORPHAN)) {
      for (const d of deps) {
        actions.push({
          type: 'patchOwnerReferences',
          obj: d,
          ownerReferences: (d.ownerReferences ?? []).filter((r) => r.uid !== o.uid),
          reason: `orphaned by ${o.kind} ${o.name}`,
        });
      }
      if (deps.length === 0) actions.push({ type: 'removeFinalizer', obj: o, finalizer: FINALIZER_ORPHAN });
      continue;
    }
    // Foreground: wait for the blocking dependents to be gone.
    if (o.deletionTimestamp && has(o, FINALIZER_FOREGROUND)) {
      const blocking = deps.filter((d) => d.ownerReferences?.some((r) => r.uid === o.uid && r.blockOwnerDeletion));
      if (blocking.length === 0) actions.push({ type: 'removeFinalizer', obj: o, finalizer: FINALIZER_FOREGROUND });
    }
  }

  // attemptToDeleteItem for every object with owners (skip those already going, unless foreground).
  for (const o of s.objects) {
    const refs = o.ownerReferences ?? [];
    if (refs.length === 0) continue;
    if (o.deletionTimestamp) continue;
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const r of refs) {
      const owner = byUid.get(r.uid);
      if (!owner) {
        if (s.knownKinds.has(kindKey(r.apiVersion, r.kind))) dangling.push(r);
        else solid.push(r); // a kind we do not watch: assume it lives
        continue;
      }
      if (owner.kind !== r.kind) {
        dangling.push(r);
        continue;
      }
      if (owner.deletionTimestamp && has(owner, FINALIZER_FOREGROUND)) waiting.push(r);
      else solid.push(r);
    }
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) continue;
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      actions.push({
        type: 'patchOwnerReferences',
        obj: o,
        ownerReferences: refs.filter((r) => !drop.has(r.uid)),
        reason: 'owners gone or being deleted',
      });
      continue;
    }
    if (waiting.length > 0 && (dependents.get(o.uid)?.length ?? 0) > 0) {
      actions.push({ type: 'delete', obj: o, policy: 'Foreground', verifyAbsent: dangling });
      continue;
    }
    const policy = has(o, FINALIZER_ORPHAN) ? 'Orphan' : has(o, FINALIZER_FOREGROUND) ? 'Foreground' : 'Background';
    actions.push({ type: 'delete', obj: o, policy, verifyAbsent: dangling });
  }
  return actions;
}
