/**
 * A CRD's status as upstream's naming and establishing controllers compute it
 * (pkg/controller/status/naming_controller.go, pkg/controller/establish): the names it may use given the
 * names other CRDs of its group have accepted (and the resources the server serves already), the
 * NamesAccepted condition (NoConflicts / PluralConflict / SingularConflict / ShortNamesConflict /
 * KindConflict / ListKindConflict) and Established (InitialNamesAccepted once served; NotAccepted or
 * Installing before). Pure: the API server's CRD controller writes what this returns.
 */
import type { CustomResourceDefinitionCondition, CustomResourceDefinitionNames } from '../types/apiextensions.js';
import type { Relaxed } from '../types/views.js';
import type { CRD } from './crd-validation.js';

export type Names = Relaxed<CustomResourceDefinitionNames>;
export type Condition = Relaxed<CustomResourceDefinitionCondition>;

/** The names taken in a group: resource names (plural, singular, short names) and kinds (kind, listKind). */
export interface TakenNames {
  resources: Set<string>;
  kinds: Set<string>;
}

/** What other CRDs of `group` accepted (upstream's getAcceptedNamesForGroup), plus names served by built-in kinds. */
export function takenNames(group: string, self: string, crds: readonly CRD[], builtin: readonly Names[] = []): TakenNames {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  const add = (n: Names | undefined): void => {
    if (!n) return;
    for (const r of [n.plural, n.singular, ...(n.shortNames ?? [])]) if (r) resources.add(r);
    for (const k of [n.kind, n.listKind]) if (k) kinds.add(k);
  };
  for (const c of crds) {
    if (c.spec?.group !== group || c.metadata?.name === self) continue;
    add(c.status?.acceptedNames);
  }
  for (const b of builtin) add(b);
  return { resources, kinds };
}

function conflict(requested: string | undefined, accepted: string | undefined, used: Set<string>): string | undefined {
  if (!requested || requested === accepted || !used.has(requested)) return undefined;
  return `${JSON.stringify(requested)} is already in use`;
}

export interface NamesDecision {
  acceptedNames: Names;
  namesAccepted: Condition;
}

/** calculateNamesAndConditions: each requested name that is free (or already ours) is accepted. */
export function decideNames(crd: CRD, taken: TakenNames): NamesDecision {
  const requested: Names = crd.spec?.names ?? ({} as Names);
  const accepted: Names = crd.status?.acceptedNames ?? ({} as Names);
  const next: Names = { ...accepted } as Names;
  let cond: Condition | undefined;
  const fail = (reason: string, message: string): void => {
    cond = { type: 'NamesAccepted', status: 'False', reason, message };
  };
  let e = conflict(requested.plural, accepted.plural, taken.resources);
  if (e) fail('PluralConflict', e);
  else next.plural = requested.plural;
  e = conflict(requested.singular, accepted.singular, taken.resources);
  if (e) fail('SingularConflict', e);
  else next.singular = requested.singular;
  if (JSON.stringify(requested.shortNames ?? []) !== JSON.stringify(accepted.shortNames ?? [])) {
    const mine = new Set(accepted.shortNames ?? []);
    const errs = (requested.shortNames ?? []).filter((s) => !mine.has(s)).map((s) => conflict(s, '', taken.resources)).filter((x): x is string => !!x);
    if (errs.length > 0) fail('ShortNamesConflict', errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`);
    else if (requested.shortNames) next.shortNames = requested.shortNames;
    else delete next.shortNames;
  }
  e = conflict(requested.kind, accepted.kind, taken.kinds);
  if (e) fail('KindConflict', e);
  else next.kind = requested.kind;
  e = conflict(requested.listKind, accepted.listKind, taken.kinds);
  if (e) fail('ListKindConflict', e);
  else next.listKind = requested.listKind;
  if (requested.categories) next.categories = requested.categories;
  else delete next.categories;
  return { acceptedNames: next, namesAccepted: cond ?? { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' } };
}

/** Established: True once the kind is served (InitialNamesAccepted); before, NotAccepted or Installing. */
export function establishedCondition(crd: CRD, namesAccepted: Condition, served: boolean): Condition {
  const old = (crd.status?.conditions ?? []).find((c) => c.type === 'Established');
  if (old?.status === 'True') return old;
  if (served) return { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
  if (namesAccepted.status === 'True') return { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' };
  return old ?? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
}

/**
 * Set a condition as upstream's SetCRDCondition: its lastTransitionTime moves only when its status
 * changes; reason and message are replaced. Returns the new list (the old one is not changed).
 */
export function setCondition(conditions: readonly Condition[] | undefined, c: Condition, now: string): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  if (i < 0) return [...list, { ...c, lastTransitionTime: now }];
  const old = list[i]!;
  list[i] = { ...old, ...c, lastTransitionTime: old.status === c.status ? old.lastTransitionTime ?? now : now };
  return list;
}
