/**
 * The API server's field manager (upstream's k8s.io/apimachinery/pkg/util/managedfields/internal):
 * `metadata.managedFields` decoded into field sets per manager, moved along by every write, encoded
 * back. Update operations (create, update, non-apply patch, status and scale writes) record what
 * they changed; Apply merges the applied configuration and owns exactly its fields. The layers of
 * upstream's default field manager, in its order: last-applied updater, last-applied manager,
 * skip-non-applied (`before-first-apply`), cap at 10 update managers (`ancient-changes`), manager
 * identity, managed-fields times, strip of metadata fields. Pure: `now` is passed in.
 */
import { errors, KubeError, type StatusCause } from '../errors.js';
import { clone, deepEqual, isPlainObject } from '../values.js';
import { addToFieldsV1, removeFromFieldsV1 } from './fields-v1.js';
import { FieldSet, fieldElement, pathString, type Path } from './fieldset.js';
import { compare, MergeError, toFieldSet, type TypeRef } from './typed.js';
import { applyFieldSets, Conflicts, updateFieldSets, type Conflict, type FieldFilter, type ManagedFieldSets } from './updater.js';

/** kubectl's client-side apply annotation. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The manager that owns an object's fields when it is first applied to without managedFields. */
export const BEFORE_FIRST_APPLY = 'before-first-apply';
/** Where update managers beyond the cap are merged. */
export const ANCIENT_CHANGES = 'ancient-changes';
export const MAX_UPDATE_MANAGERS = 10;
/** upstream's FieldManagerMaxLength. */
export const FIELD_MANAGER_MAX_LENGTH = 128;

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** Decoded managedFields: field sets and times by manager identifier. */
export interface Managed {
  fields: ManagedFieldSets;
  times: Map<string, string | undefined>;
  /** The decoded entries' FieldsV1 by the set read from it: a set left as it was is written back as it came. */
  decodedFrom?: WeakMap<FieldSet, Record<string, unknown>>;
}

/** What a write is: the kind's schema and version, the subresource, the clock. */
export interface FieldManagerScope {
  /** The kind's schema (root); undefined reads every value as deduced. */
  schema: TypeRef;
  /** The apiVersion of the endpoint written (`apps/v1`). */
  apiVersion: string;
  /** '' for the main resource, 'status', 'scale'. */
  subresource: string;
  /** The kind has a status subresource: the main resource does not own status. */
  hasStatusSubresource: boolean;
  /** RFC 3339 seconds, UTC. */
  now: string;
  /** The empty object of the kind a create is compared with (kind-schema.ts zeroObject); `{}` when absent. */
  zero?: Record<string, unknown>;
}

interface ManagerInfo {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion?: string;
  subresource?: string;
}

/** upstream's BuildManagerIdentifier: the entry without time and fields (and, for appliers, apiVersion), as JSON. */
export function managerIdentifier(m: ManagerInfo): string {
  const o: Record<string, string> = {};
  if (m.manager) o.manager = m.manager;
  if (m.operation) o.operation = m.operation;
  if (m.apiVersion && m.operation !== 'Apply') o.apiVersion = m.apiVersion;
  if (m.subresource) o.subresource = m.subresource;
  return JSON.stringify(o);
}

function parseIdentifier(id: string): ManagerInfo {
  const o = JSON.parse(id) as Record<string, string>;
  return { manager: o.manager ?? '', operation: o.operation === 'Apply' ? 'Apply' : 'Update', ...(o.apiVersion ? { apiVersion: o.apiVersion } : {}), ...(o.subresource ? { subresource: o.subresource } : {}) };
}

/** A managedFields list that does not decode (upstream's DecodeManagedFields errors). */
export class ManagedFieldsError extends KubeError {
  constructor(message: string) {
    super('BadRequest', message);
    this.name = 'ManagedFieldsError';
  }
}

/** upstream's DecodeManagedFields: every entry valid, or an error. */
export function decodeManagedFields(entries: unknown): Managed {
  const m: Managed = { fields: new Map(), times: new Map(), decodedFrom: new WeakMap() };
  if (entries === undefined || entries === null) return m;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('managedFields must be a list');
  entries.forEach((e: unknown, i) => {
    if (!isPlainObject(e)) throw new ManagedFieldsError(`managed fields entry ${i} is not an object`);
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    if (typeof e.apiVersion !== 'string' || e.apiVersion === '') throw new ManagedFieldsError('apiVersion must not be empty');
    if (e.fieldsType === undefined || e.fieldsType === '') throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`);
    const id = managerIdentifier({
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      ...(typeof e.subresource === 'string' && e.subresource ? { subresource: e.subresource } : {}),
    });
    if (m.fields.has(id)) throw new ManagedFieldsError(`duplicate entries for manager ${id}`);
    const set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    if (isPlainObject(e.fieldsV1)) m.decodedFrom!.set(set, e.fieldsV1);
    m.fields.set(id, { set, apiVersion: e.apiVersion, applied: e.operation === 'Apply' });
    m.times.set(id, typeof e.time === 'string' ? e.time : undefined);
  });
  return m;
}

/** upstream's encodeManagedFields: entries sorted by operation, time, manager, apiVersion, subresource. */
export function encodeManagedFields(m: Managed): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const [id, vs] of m.fields) {
    if (vs.set.isEmpty()) continue;
    const info = parseIdentifier(id);
    const time = m.times.get(id);
    out.push({
      ...(info.manager ? { manager: info.manager } : {}),
      operation: info.operation,
      apiVersion: vs.apiVersion,
      ...(time ? { time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: m.decodedFrom?.get(vs.set) ?? vs.set.toFieldsV1(),
      ...(info.subresource ? { subresource: info.subresource } : {}),
    });
  }
  return sortEntries(out);
}

/** upstream's sortEncodedManagedFields. */
function sortEntries(out: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort(
    (p, q) =>
      cmp(p.operation ?? '', q.operation ?? '') ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager ?? '', q.manager ?? '') ||
      cmp(p.apiVersion ?? '', q.apiVersion ?? '') ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
}

/** upstream's isResetManagedFields: `[]` or `[{}]` clears the object's managedFields. */
function isReset(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && isPlainObject(entries[0]) && Object.values(entries[0]).every((v) => v === undefined);
}

/** The fields no manager owns (upstream's stripMetaManager). */
const STRIPPED = FieldSet.of(
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
);
const STATUS = FieldSet.of(['f:status']);

/**
 * The reset fields of the write's endpoint (upstream's GetResetFields as an ignore filter): the main
 * resource of a kind with a status subresource does not write status; the status subresource writes
 * only status.
 */
function resetFilter(scope: FieldManagerScope): FieldFilter {
  if (scope.subresource === 'status') {
    return (s) => {
      const out = new FieldSet();
      const st = s.child('f:status');
      if (st) out.children.set('f:status', st.copy());
      return out;
    };
  }
  if (scope.subresource === '' && scope.hasStatusSubresource) return (s) => s.recursiveDifference(STATUS);
  return undefined;
}

function withoutManagedFields(obj: unknown): Record<string, unknown> {
  if (!isPlainObject(obj)) return {};
  const meta = obj.metadata;
  if (!isPlainObject(meta) || meta.managedFields === undefined) return obj;
  const { managedFields: _drop, ...rest } = meta;
  void _drop;
  return { ...obj, metadata: rest };
}

/** upstream's managedFieldsUpdater around an update: the manager's time moves only when it took fields. */
function trackedUpdate(live: unknown, next: unknown, managed: Managed, info: ManagerInfo, scope: FieldManagerScope): Managed {
  const current = '"current-operation"';
  let fields = updateFieldSets(live, next, scope.schema, scope.apiVersion, managed.fields, current, resetFilter(scope));
  const times = new Map(managed.times);
  const id = managerIdentifier(info);
  const mine = fields.get(current);
  if (mine) {
    fields = new Map(fields);
    fields.delete(current);
    const set = stripMeta(mine.set);
    const previous = fields.get(id);
    const merged = previous ? set.union(previous.set) : set;
    if (!merged.isEmpty()) fields.set(id, { set: merged, apiVersion: scope.apiVersion, applied: false });
    else fields.delete(id);
    if (!set.isEmpty()) times.set(id, scope.now);
  }
  return { fields, times, ...(managed.decodedFrom ? { decodedFrom: managed.decodedFrom } : {}) };
}

function stripMeta(s: FieldSet): FieldSet {
  return s.difference(STRIPPED);
}

/** upstream's capManagersManager: update managers beyond the cap merge, oldest first, into `ancient-changes` per version. */
export function capUpdateManagers(m: Managed, max = MAX_UPDATE_MANAGERS): Managed {
  const updaters = [...m.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return m;
  const seconds = (id: string): number => {
    const t = m.times.get(id);
    return t ? Math.floor(Date.parse(t) / 1000) : 0;
  };
  updaters.sort((a, b) => seconds(a) - seconds(b) || (a < b ? -1 : a > b ? 1 : 0));
  const fields = new Map(m.fields);
  const times = new Map(m.times);
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i]!;
    const vs = fields.get(id)!;
    const bucket = managerIdentifier({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: vs.apiVersion });
    const first = firstOfVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!fields.has(bucket)) {
      const s = fields.get(first)!;
      fields.delete(first);
      fields.set(bucket, s);
    }
    fields.set(bucket, { set: vs.set.union(fields.get(bucket)!.set), apiVersion: vs.apiVersion, applied: false });
    fields.delete(id);
    length--;
    times.set(bucket, times.get(id));
  }
  return { fields, times, ...(m.decodedFrom ? { decodedFrom: m.decodedFrom } : {}) };
}

/**
 * The managed fields of the object a create, update or non-apply patch writes: `live` is the stored
 * object (undefined on create), `next` what will be stored. Answers the entries to store
 * (undefined: the object keeps none). Never throws: managedFields that do not decode are ignored, as
 * upstream's UpdateNoErrors. The stored entries are edited along the changed paths only
 * (fields-v1.ts), so a small change to a large object costs the compare, not a re-encoding.
 */
export function managedFieldsForUpdate(
  live: unknown,
  next: unknown,
  manager: string,
  scope: FieldManagerScope,
  /** False when the request cannot have changed managedFields (a patch that does not name them): the stored ones are used unread. */
  requestMayChangeManagedFields = true,
): ManagedFieldsEntry[] | undefined {
  try {
    const liveEntries = validEntries(valueAtMeta(live, 'managedFields'), false) ?? [];
    const requested = valueAtMeta(next, 'managedFields');
    let base: ManagedFieldsEntry[];
    if (scope.subresource !== '') base = liveEntries;
    else if (isReset(requested)) base = [];
    else if (!requestMayChangeManagedFields || requested === undefined || deepEqual(requested, valueAtMeta(live, 'managedFields'))) base = liveEntries;
    else {
      const fromRequest = validEntries(requested, true);
      base = fromRequest && fromRequest.length > 0 ? fromRequest : liveEntries;
    }
    // skipNonAppliedManager: an existing object without managed fields is not tracked by updates.
    if (base.length === 0 && live !== undefined) return undefined;
    const filter = resetFilter(scope);
    let cmp = compare(live === undefined ? (scope.zero ?? {}) : withoutManagedFields(live), withoutManagedFields(next), scope.schema);
    if (filter) cmp = { added: filter(cmp.added), modified: filter(cmp.modified), removed: filter(cmp.removed) };
    const changed = cmp.added.union(cmp.modified);
    const info: ManagerInfo = { manager, operation: 'Update', apiVersion: scope.apiVersion, ...(scope.subresource ? { subresource: scope.subresource } : {}) };
    const entries = updatedEntries(base, changed, cmp.removed, info, scope);
    if (entries.length > MAX_UPDATE_MANAGERS && entries.filter((e) => e.operation === 'Update').length > MAX_UPDATE_MANAGERS) {
      return encodeManagedFields(capUpdateManagers(decodeManagedFields(entries)));
    }
    return entries.length > 0 ? entries : undefined;
  } catch (e) {
    if (e instanceof KubeError) return undefined;
    throw e;
  }
}

/**
 * Entries that decode: with `deep`, every FieldsV1 is read (a request's entries); without, only their
 * shape is checked (the stored entries, written by this code). Undefined when one does not.
 */
function validEntries(entries: unknown, deep: boolean): ManagedFieldsEntry[] | undefined {
  if (entries === undefined || entries === null) return [];
  try {
    if (deep) decodeManagedFields(entries);
    else if (!Array.isArray(entries) || !entries.every((e) => isPlainObject(e) && (e.operation === 'Apply' || e.operation === 'Update') && typeof e.apiVersion === 'string' && e.apiVersion !== '' && e.fieldsType === 'FieldsV1' && (e.fieldsV1 === undefined || isPlainObject(e.fieldsV1)))) {
      return undefined;
    }
  } catch {
    return undefined;
  }
  return entries as ManagedFieldsEntry[];
}

function entryIdentifier(e: ManagedFieldsEntry): string {
  return managerIdentifier({ manager: e.manager ?? '', operation: e.operation === 'Apply' ? 'Apply' : 'Update', apiVersion: e.apiVersion ?? '', ...(e.subresource ? { subresource: e.subresource } : {}) });
}

/**
 * upstream's Updater.Update through the managedFieldsUpdater, on entries: everyone (the writer's old
 * entry too) loses what changed or went; the writer gains what changed, its time moving only then.
 */
function updatedEntries(base: readonly ManagedFieldsEntry[], changed: FieldSet, removed: FieldSet, info: ManagerInfo, scope: FieldManagerScope): ManagedFieldsEntry[] {
  const mine = stripMeta(changed);
  if (mine.isEmpty() && removed.isEmpty() && changed.isEmpty()) return [...base];
  const takeAway = changed.union(removed);
  const id = managerIdentifier(info);
  const out: ManagedFieldsEntry[] = [];
  let previous: ManagedFieldsEntry | undefined;
  for (const e of base) {
    const left = removeFromFieldsV1(e.fieldsV1 ?? {}, takeAway);
    const kept = left && hasAnyChild(left) ? left : undefined;
    if (entryIdentifier(e) === id) {
      previous = kept ? { ...e, fieldsV1: kept } : undefined;
      continue;
    }
    if (kept) out.push(kept === e.fieldsV1 ? e : { ...e, fieldsV1: kept });
  }
  if (!mine.isEmpty()) {
    const fieldsV1 = addToFieldsV1(previous?.fieldsV1, mine);
    delete fieldsV1['.'];
    out.push({
      ...(info.manager ? { manager: info.manager } : {}),
      operation: 'Update',
      apiVersion: scope.apiVersion,
      time: scope.now,
      fieldsType: 'FieldsV1',
      fieldsV1,
      ...(info.subresource ? { subresource: info.subresource } : {}),
    });
  } else if (previous) out.push(previous);
  return sortEntries(out);
}

function hasAnyChild(o: Record<string, unknown>): boolean {
  for (const k in o) if (k !== '.') return true;
  return false;
}

function valueAtMeta(obj: unknown, key: string): unknown {
  if (!isPlainObject(obj) || !isPlainObject(obj.metadata)) return undefined;
  return obj.metadata[key];
}

/** The result of an apply: the object to store (managedFields set). */
export interface ApplyResult {
  object: Record<string, unknown>;
  /** The object's content did not change (only, perhaps, its managed fields). */
  unchanged: boolean;
}

/**
 * Server-side apply: `config` (the applied configuration) merged into `live` (undefined: the object
 * is created). Throws a 409 with upstream's conflict Status when it would change fields other
 * managers own and `force` is false; a 400 for a configuration that cannot be merged. `live` is not
 * changed, but the answer shares its unchanged parts (the API server passes a private copy).
 */
export function applyConfiguration(live: Record<string, unknown> | undefined, config: Record<string, unknown>, manager: string, force: boolean, scope: FieldManagerScope): ApplyResult {
  if (valueAtMeta(config, 'managedFields') !== undefined && valueAtMeta(config, 'managedFields') !== null) {
    throw errors.badRequest('metadata.managedFields must be nil');
  }
  let managed: Managed;
  try {
    managed = decodeManagedFields(valueAtMeta(live, 'managedFields'));
  } catch {
    managed = { fields: new Map(), times: new Map() };
  }
  let liveObj: unknown = withoutManagedFields(live ?? {});
  // skipNonAppliedManager: an object nobody manages yet is owned by `before-first-apply` first.
  if (managed.fields.size === 0) {
    managed = trackedUpdate(scope.zero ?? {}, liveObj, managed, { manager: BEFORE_FIRST_APPLY, operation: 'Update', apiVersion: scope.apiVersion }, scope);
  }
  const id = managerIdentifier({ manager, operation: 'Apply', ...(scope.subresource ? { subresource: scope.subresource } : {}) });
  const filter = resetFilter(scope);
  const strip = (f: FieldFilter): FieldFilter => (s) => stripMeta(f ? f(s) : s);
  let r = typedPatch(config, () => applyFieldSets(liveObj, config, scope.schema, scope.apiVersion, managed.fields, id, force, strip(filter)), scope);
  if (r instanceof Conflicts) {
    // lastAppliedManager: kubectl's server-side apply takes over what its client-side apply set.
    const allowed = manager === 'kubectl' ? conflictsAllowedByLastApplied(liveObj, scope.schema) : undefined;
    const remaining = allowed ? r.conflicts.filter((c) => !allowed.has(c.path)) : r.conflicts;
    if (remaining.length > 0) throw conflictError(remaining);
    r = applyFieldSets(liveObj, config, scope.schema, scope.apiVersion, managed.fields, id, true, strip(filter));
    if (r instanceof Conflicts) throw conflictError(r.conflicts);
  }
  const times = new Map(managed.times);
  const unchanged = r.object === undefined;
  if (!unchanged) times.set(id, scope.now);
  const out = capUpdateManagers({ fields: r.managers, times, ...(managed.decodedFrom ? { decodedFrom: managed.decodedFrom } : {}) });
  // A new top level and metadata; the rest is shared with `live` (callers pass a private copy).
  const object: Record<string, unknown> = { ...((r.object ?? liveObj) as Record<string, unknown>) };
  const meta: Record<string, unknown> = isPlainObject(object.metadata) ? { ...object.metadata } : {};
  object.metadata = meta;
  const entries = encodeManagedFields(out);
  if (entries.length > 0) meta.managedFields = entries;
  else delete meta.managedFields;
  // lastAppliedUpdater: kubectl's server-side apply keeps an existing client-side annotation in step.
  if (manager === 'kubectl' && isPlainObject(meta.annotations) && typeof meta.annotations[LAST_APPLIED_ANNOTATION] === 'string') {
    meta.annotations = { ...meta.annotations, [LAST_APPLIED_ANNOTATION]: lastAppliedOf(config) };
  }
  return { object, unchanged };
}

/**
 * An applied configuration the schema cannot read (duplicate items of a keyed list): upstream's
 * `failed to create typed patch object (<gvk>; <ns>/<name>): ...`, a 400 here (upstream answers 500).
 */
function typedPatch<T>(config: Record<string, unknown>, run: () => T, scope: FieldManagerScope): T {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof MergeError)) throw e;
    const slash = scope.apiVersion.indexOf('/');
    const gvk = slash < 0 ? `/${scope.apiVersion}, Kind=${String(config.kind ?? '')}` : `${scope.apiVersion}, Kind=${String(config.kind ?? '')}`;
    const ns = valueAtMeta(config, 'namespace');
    const name = valueAtMeta(config, 'name');
    throw errors.badRequest(`failed to create typed patch object (${gvk}; ${typeof ns === 'string' ? ns : ''}/${typeof name === 'string' ? name : ''}): ${e.message}`);
  }
}

/** The applied configuration without the annotation itself, as kubectl writes it (JSON and a newline). */
function lastAppliedOf(config: Record<string, unknown>): string {
  const c = clone(config);
  const annotations = valueAtMeta(c, 'annotations');
  if (isPlainObject(annotations)) {
    delete annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete (c.metadata as Record<string, unknown>).annotations;
  }
  return JSON.stringify(c);
}

/** upstream's allowedConflictsFromLastApplied: the fields the annotation sets that still hold its values. */
function conflictsAllowedByLastApplied(live: unknown, schema: TypeRef): FieldSet | undefined {
  const text = valueAtMeta(live, 'annotations');
  const lastApplied = isPlainObject(text) ? text[LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof lastApplied !== 'string' || lastApplied === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(lastApplied);
  } catch {
    return undefined;
  }
  if (!isPlainObject(parsed)) return undefined;
  const set = toFieldSet(parsed, schema);
  return set.difference(compare(parsed, live, schema).modified);
}

/** upstream's printManager: `"name"`, `"name" with subresource "status"`, `... using apps/v1`. */
function printManager(id: string): string {
  let info: ManagerInfo;
  try {
    info = parseIdentifier(id);
  } catch {
    return JSON.stringify(id);
  }
  let s = JSON.stringify(info.manager);
  if (info.subresource) s += ` with subresource ${JSON.stringify(info.subresource)}`;
  if (info.operation === 'Update') s += ` using ${info.apiVersion ?? ''}`;
  return s;
}

/** upstream's NewConflictError: 409 Conflict, a FieldManagerConflict cause per field, and its message. */
export function conflictError(conflicts: readonly Conflict[]): KubeError {
  const causes: StatusCause[] = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  return new KubeError('Conflict', conflictMessage(conflicts), { details: { causes } });
}

function conflictMessage(conflicts: readonly Conflict[]): string {
  if (conflicts.length === 1) {
    const c = conflicts[0]!;
    return `Apply failed with 1 conflict: conflict with ${printManager(c.manager)}: ${pathString(c.path)}`;
  }
  const byManager = new Map<string, Path[]>();
  for (const c of conflicts) {
    const l = byManager.get(c.manager);
    if (l) l.push(c.path);
    else byManager.set(c.manager, [c.path]);
  }
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${printManager(manager)}:`);
    for (const p of byManager.get(manager)!) lines.push(`- ${pathString(p)}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** upstream's prefixFromUserAgent: the User-Agent up to its first '/', printable characters, at most 128 bytes. */
export function prefixFromUserAgent(userAgent: string): string {
  const head = userAgent.split('/')[0] ?? '';
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    if (!isPrintable(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** Go's unicode.IsPrint, closely enough: no control, format, separator-other-than-space or unassigned characters. */
export function isPrintable(ch: string): boolean {
  if (ch === ' ') return true;
  return !/[\p{C}\p{Zl}\p{Zp}\p{Zs}]/u.test(ch);
}

/** The manager of a write: the fieldManager parameter, else the User-Agent's prefix (managerOrUserAgent). */
export function managerOf(fieldManager: string | null, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  return prefixFromUserAgent(userAgent ?? '');
}

/**
 * upstream's ValidateFieldManager (and, for patches, ValidatePatchOptions): the causes of a 422 on
 * `<Options>.meta.k8s.io ""`.
 */
export function fieldManagerCauses(fieldManager: string | null, opts: { apply?: boolean; force?: string | null } = {}): StatusCause[] {
  const causes: StatusCause[] = [];
  const fm = fieldManager ?? '';
  if (opts.apply === false && opts.force !== undefined && opts.force !== null) {
    causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch', field: 'force' });
  }
  if (opts.apply === true && fm === '') {
    causes.push({ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' });
  }
  if (Buffer.byteLength(fm) > FIELD_MANAGER_MAX_LENGTH) {
    causes.push({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`, field: 'fieldManager' });
  }
  let i = 0;
  for (const ch of fm) {
    if (!isPrintable(ch)) {
      const cp = ch.codePointAt(0)!;
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(fm)}: invalid character U+${cp.toString(16).toUpperCase().padStart(4, '0')} (at position ${i})`,
        field: 'fieldManager',
      });
    }
    i += ch.length;
  }
  return causes;
}

export { FieldSet, pathString } from './fieldset.js';
export { toFieldSet, compare, merge, removeItems } from './typed.js';
