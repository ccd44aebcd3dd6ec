/**
 * structured-merge-diff's merge.Updater for one API version: the field sets of every manager moved
 * along by an update (Update) and an apply (Apply), with conflicts between managers and the pruning
 * of fields an applier stopped sending. Pure: objects and sets in, objects and sets out.
 */
import { FieldSet, type Path } from './fieldset.js';
import { compare, ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet, type Comparison, type TypeRef } from './typed.js';

/** One manager's fields: the set, the API version it was written in, whether it came from an apply. */
export interface VersionedSet {
  set: FieldSet;
  apiVersion: string;
  applied: boolean;
}

/** Managers by identifier (see managerIdentifier in field-manager.ts). */
export type ManagedFieldSets = Map<string, VersionedSet>;

/** One field another manager owns that this write would change. */
export interface Conflict {
  manager: string;
  path: Path;
}

/** A write that changes fields other managers own (and was not forced). */
export class Conflicts {
  constructor(readonly conflicts: Conflict[]) {}
}

/** Drops the fields a write may not own (status through the main resource, ...); the identity when undefined. */
export type FieldFilter = ((s: FieldSet) => FieldSet) | undefined;

function filterComparison(c: Comparison, filter: FieldFilter): Comparison {
  if (!filter) return c;
  return { added: filter(c.added), modified: filter(c.modified), removed: filter(c.removed) };
}

/** The inner update: other managers lose what this write changes or removes; conflicts unless forced. */
function updateManagers(
  oldObject: unknown,
  newObject: unknown,
  t: TypeRef,
  managers: ManagedFieldSets,
  workflow: string,
  force: boolean,
  filter: FieldFilter,
): { managers: ManagedFieldSets; compare: Comparison; unchanged: boolean } | Conflicts {
  const raw = compare(oldObject, newObject, t);
  const unchanged = raw.added.isEmpty() && raw.modified.isEmpty() && raw.removed.isEmpty();
  const cmp = filterComparison(raw, filter);
  const changed = cmp.modified.union(cmp.added);
  const conflicts: Conflict[] = [];
  const taken = new Map<string, FieldSet>();
  for (const [manager, vs] of managers) {
    if (manager === workflow) continue;
    const conflictSet = vs.set.intersection(changed);
    if (!conflictSet.isEmpty()) {
      taken.set(manager, conflictSet);
      for (const path of conflictSet.paths()) conflicts.push({ manager, path });
    }
  }
  if (!force && conflicts.length > 0) {
    conflicts.sort((a, b) => (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0));
    return new Conflicts(conflicts);
  }
  const out: ManagedFieldSets = new Map();
  for (const [manager, vs] of managers) {
    if (manager === workflow) {
      out.set(manager, vs);
      continue;
    }
    let set = vs.set;
    const lost = taken.get(manager);
    if (lost) set = set.difference(lost);
    if (!cmp.removed.isEmpty()) set = set.difference(cmp.removed);
    if (!set.isEmpty()) out.set(manager, { ...vs, set });
  }
  if (out.get(workflow)?.set.isEmpty()) out.delete(workflow);
  return { managers: out, compare: cmp, unchanged };
}

/**
 * An update (create, update, non-apply patch): the manager gains what changed, loses what was removed;
 * other managers lose what it changed (never a conflict).
 */
export function updateFieldSets(
  liveObject: unknown,
  newObject: unknown,
  t: TypeRef,
  apiVersion: string,
  managers: ManagedFieldSets,
  manager: string,
  filter: FieldFilter,
): ManagedFieldSets {
  const r = updateManagers(liveObject, newObject, t, managers, manager, true, filter);
  if (r instanceof Conflicts) return managers; // not reached: forced
  const out = r.managers;
  const before = out.get(manager)?.set ?? new FieldSet();
  let set = before.difference(r.compare.removed).union(r.compare.modified).union(r.compare.added);
  if (filter) set = filter(set);
  if (set.isEmpty()) out.delete(manager);
  else out.set(manager, { set, apiVersion, applied: false });
  return out;
}

/**
 * An apply: `config` merged into `live`; the applier owns exactly `config`'s fields; what it owned
 * before and no longer sends is removed unless another manager owns it. Answers the new object
 * (undefined when the object does not change) and the managers, or the conflicts.
 */
export function applyFieldSets(
  liveObject: unknown,
  config: unknown,
  t: TypeRef,
  apiVersion: string,
  managers: ManagedFieldSets,
  manager: string,
  force: boolean,
  filter: FieldFilter,
): { object: unknown; managers: ManagedFieldSets } | Conflicts {
  let set = toFieldSet(config, t, true);
  let newObject = merge(liveObject, config, t);
  const lastSet = managers.get(manager);
  if (filter) set = filter(set);
  const next: ManagedFieldSets = new Map(managers);
  next.set(manager, { set, apiVersion, applied: true });
  newObject = prune(newObject, next, manager, lastSet, t);
  const r = updateManagers(liveObject, newObject, t, next, manager, force, filter);
  if (r instanceof Conflicts) return r;
  return { object: r.unchanged ? undefined : newObject, managers: r.managers };
}

/**
 * upstream's Updater.prune: remove a field, list or map item iff the applier applied it last time,
 * did not apply it this time, and no other manager owns it.
 */
function prune(merged: unknown, managers: ManagedFieldSets, applyingManager: string, lastSet: VersionedSet | undefined, t: TypeRef): unknown {
  if (!lastSet || lastSet.set.isEmpty()) return merged;
  // Nothing applied last time is missing now (the common re-apply): nothing can go.
  const current = managers.get(applyingManager)?.set;
  if (current && lastSet.set.difference(current).isEmpty()) return merged;
  const ensure = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(s, t);
  let pruned = removeItems(merged, ensure(lastSet.set), t) ?? {};
  // addBackOwnedItems: what someone (the applier's new config included) owns comes back.
  let managed = new FieldSet();
  for (const vs of managers.values()) managed = managed.union(vs.set);
  const mergedSet = ensure(toFieldSet(merged, t));
  pruned = removeItems(merged, mergedSet.difference(ensure(toFieldSet(pruned, t)).union(ensure(managed))), t) ?? {};
  // addBackDanglingItems: only what the applier owned last time may go.
  const prunedSet = ensure(toFieldSet(pruned, t));
  void applyingManager;
  return removeItems(merged, mergedSet.difference(prunedSet).intersection(ensure(lastSet.set)), t) ?? {};
}
