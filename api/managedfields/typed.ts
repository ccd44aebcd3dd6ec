/**
 * structured-merge-diff's typed operations on plain JSON objects, driven by a kind's schema: the field
 * set of a value (ToFieldSet), the difference of two values (Compare), the merge of an applied
 * configuration into a live object (Merge) and the removal of a set of fields (RemoveItems).
 *
 * How a schema node merges (upstream's schema conversion):
 * - an object with properties is a struct: its fields merge one by one (`x-kubernetes-map-type: atomic`: whole);
 * - an object with additionalProperties is a map: its keys merge one by one (granular unless atomic);
 * - a list is atomic unless `x-kubernetes-list-type` says `set` (items by value) or `map` (items by
 *   `x-kubernetes-list-map-keys`); a built-in list with `patchStrategy: merge` and a merge key is a map
 *   list by that key (by value without one), as upstream's OpenAPI declares it;
 * - anything else (preserve-unknown, embedded objects) is deduced from the value: objects merge by key,
 *   lists are atomic.
 * Pure; each operation walks its inputs once.
 */
import { KubeError } from '../errors.js';
import { isPlainObject, deepEqual, stableStringify } from '../values.js';
import { X_LIST_MAP_KEYS, X_LIST_TYPE, X_MAP_TYPE, X_PATCH_MERGE_KEY, X_PATCH_STRATEGY } from '../types/base.js';
import { shapeOf, type SchemaNode } from '../schema/walk.js';
import { FieldSet, fieldElement, indexElement, keyElement, pathString, valueElement, type Path, type PathElement } from './fieldset.js';

/** A schema node, or undefined for a value whose type is deduced from itself. */
export type TypeRef = SchemaNode | undefined;

type Resolved =
  | { kind: 'scalar' }
  | { kind: 'map'; fields: Record<string, SchemaNode> | undefined; values: TypeRef; atomic: boolean }
  | { kind: 'list'; rel: 'atomic' | 'set' | 'map'; keys: readonly string[]; items: TypeRef };

const DEDUCED_MAP: Resolved = { kind: 'map', fields: undefined, values: undefined, atomic: false };
const DEDUCED_LIST: Resolved = { kind: 'list', rel: 'atomic', keys: [], items: undefined };
const SCALAR: Resolved = { kind: 'scalar' };

const resolved = new WeakMap<SchemaNode, Resolved | 'deduced'>();

function resolveSchema(s: SchemaNode): Resolved | 'deduced' {
  let r = resolved.get(s);
  if (r) return r;
  const sh = shapeOf(s);
  switch (sh.kind) {
    case 'object':
      r = { kind: 'map', fields: sh.properties, values: undefined, atomic: s[X_MAP_TYPE] === 'atomic' };
      break;
    case 'map':
      r = { kind: 'map', fields: undefined, values: sh.values, atomic: s[X_MAP_TYPE] === 'atomic' };
      break;
    case 'array':
      r = listOf(s, sh.items);
      break;
    case 'any':
      r = 'deduced';
      break;
    default:
      r = SCALAR;
  }
  resolved.set(s, r);
  return r;
}

function listOf(s: SchemaNode, items: SchemaNode): Resolved {
  const listType = s[X_LIST_TYPE];
  const keys = Array.isArray(s[X_LIST_MAP_KEYS]) ? (s[X_LIST_MAP_KEYS] as unknown[]).filter((k): k is string => typeof k === 'string') : [];
  if (listType === 'map' && keys.length > 0) return { kind: 'list', rel: 'map', keys, items };
  if (listType === 'set') return { kind: 'list', rel: 'set', keys: [], items };
  if (listType === undefined && typeof s[X_PATCH_STRATEGY] === 'string' && (s[X_PATCH_STRATEGY] as string).split(',').includes('merge')) {
    const key = s[X_PATCH_MERGE_KEY];
    if (typeof key === 'string') return { kind: 'list', rel: 'map', keys: [key], items };
    return { kind: 'list', rel: 'set', keys: [], items };
  }
  return { kind: 'list', rel: 'atomic', keys: [], items };
}

/** How a value of type `t` merges; a deduced type is read from the value (or the other side's). */
function resolve(t: TypeRef, ...values: unknown[]): Resolved {
  const r = t ? resolveSchema(t) : 'deduced';
  if (r !== 'deduced') return r;
  for (const v of values) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) return DEDUCED_LIST;
    if (isPlainObject(v)) return DEDUCED_MAP;
    return SCALAR;
  }
  return SCALAR;
}

function fieldType(r: Extract<Resolved, { kind: 'map' }>, key: string): { t: TypeRef; declared: boolean } {
  if (r.fields && Object.prototype.hasOwnProperty.call(r.fields, key)) return { t: r.fields[key], declared: true };
  return { t: r.values, declared: false };
}

/**
 * Key fields a list item may leave out because the schema defaults them (upstream's OpenAPI gives
 * `protocol` of container, service and endpoint ports the default "TCP").
 */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

/** The path element of a list item (upstream's listItemToPathElement). */
function itemElement(r: Extract<Resolved, { kind: 'list' }>, item: unknown, index: number): PathElement {
  if (r.rel === 'map') {
    const keys: [string, unknown][] = [];
    const itemSchema = r.items ? resolveSchema(r.items) : 'deduced';
    for (const k of r.keys) {
      let v = isPlainObject(item) ? item[k] : undefined;
      if (v === undefined || v === null) {
        const fs = itemSchema !== 'deduced' && itemSchema.kind === 'map' && itemSchema.fields ? itemSchema.fields[k] : undefined;
        v = fs && fs.default !== undefined ? fs.default : KEY_DEFAULTS[k];
      }
      if (v !== undefined) keys.push([k, v]);
    }
    return keyElement(keys);
  }
  if (r.rel === 'set') return isPlainObject(item) || Array.isArray(item) ? `v:${stableStringify(item)}` : valueElement(item);
  return indexElement(index);
}

function isEmptyMap(v: unknown): boolean {
  return isPlainObject(v) && Object.keys(v).length === 0;
}

// ---------------------------------------------------------------------------------------------
// ToFieldSet

/**
 * The fields a value sets (upstream's TypedValue.ToFieldSet). `strict`: a keyed or set list with
 * duplicate items is a MergeError, as upstream's conversion of an applied configuration refuses it.
 */
export function toFieldSet(v: unknown, t: TypeRef, strict = false): FieldSet {
  const set = new FieldSet();
  fieldsOf(v, t, set, [], strict);
  return set;
}

function fieldsOf(v: unknown, t: TypeRef, set: FieldSet, path: PathElement[], strict: boolean): void {
  const r = resolve(t, v);
  switch (r.kind) {
    case 'scalar':
      set.insert(path);
      return;
    case 'list': {
      if (r.rel === 'atomic') {
        set.insert(path);
        return;
      }
      if (!Array.isArray(v)) return;
      const pes = v.map((item, i) => itemElement(r, item, i));
      const count = new Map<PathElement, number>();
      for (const pe of pes) count.set(pe, (count.get(pe) ?? 0) + 1);
      const dupDone = new Set<PathElement>();
      for (let i = 0; i < v.length; i++) {
        const pe = pes[i]!;
        path.push(pe);
        if (count.get(pe)! > 1) {
          if (strict) throw new MergeError(`${pathString(path.slice(0, -1))}: duplicate entries for key ${pathString([pe])}`);
          if (!dupDone.has(pe)) {
            set.insert(path);
            dupDone.add(pe);
          }
        } else {
          fieldsOf(v[i], r.items, set, path, strict);
          set.insert(path);
        }
        path.pop();
      }
      return;
    }
    case 'map': {
      if (r.atomic) {
        set.insert(path);
        return;
      }
      if (!isPlainObject(v)) return;
      for (const key of Object.keys(v)) {
        const val = v[key];
        if (val === undefined) continue;
        const ft = fieldType(r, key);
        path.push(fieldElement(key));
        fieldsOf(val, ft.t, set, path, strict);
        if (val === null || isEmptyMap(val) || !ft.declared) set.insert(path);
        path.pop();
      }
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compare

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** What changed from `lhs` to `rhs` (upstream's TypedValue.Compare). */
export function compare(lhs: unknown, rhs: unknown, t: TypeRef): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareAt(lhs, rhs, t, c, []);
  return c;
}

function compareLeaf(lhs: unknown, rhs: unknown, c: Comparison, path: Path): void {
  if (lhs === undefined) c.added.insert(path);
  else if (rhs === undefined) c.removed.insert(path);
  else if (!deepEqual(lhs, rhs)) c.modified.insert(path);
}

function compareAt(lhs: unknown, rhs: unknown, t: TypeRef, c: Comparison, path: PathElement[]): void {
  const rl = resolve(t, lhs);
  const rr = resolve(t, rhs);
  const r = rhs === undefined ? rl : rr;
  if (lhs !== undefined && rhs !== undefined && rl.kind !== rr.kind) {
    // The value changed shape (a deduced value): one leaf change.
    compareLeaf(lhs, rhs, c, path);
    return;
  }
  switch (r.kind) {
    case 'scalar':
      compareLeaf(lhs, rhs, c, path);
      return;
    case 'list': {
      const l = Array.isArray(lhs) ? lhs : [];
      const rv = Array.isArray(rhs) ? rhs : [];
      if (r.rel === 'atomic' || (l.length === 0 && rv.length === 0)) {
        compareLeaf(lhs, rhs, c, path);
        return;
      }
      // An unchanged list (the common case) changes nothing: no need to key its items.
      if (lhs !== undefined && rhs !== undefined && deepEqual(lhs, rhs)) return;
      compareListItems(r, l, rv, c, path);
      break;
    }
    case 'map': {
      const l = isPlainObject(lhs) ? lhs : undefined;
      const rm = isPlainObject(rhs) ? rhs : undefined;
      const lEmpty = !l || Object.keys(l).length === 0;
      const rEmpty = !rm || Object.keys(rm).length === 0;
      if (r.atomic || (lEmpty && rEmpty)) {
        compareLeaf(lhs, rhs, c, path);
        return;
      }
      const seen = new Set<string>();
      for (const key of l ? Object.keys(l) : []) {
        const lv = l![key];
        if (lv === undefined) continue;
        seen.add(key);
        const rv = rm ? rm[key] : undefined;
        // The same scalar on both sides changes nothing below it (the common case, kept cheap).
        if (lv === rv && (lv === null || typeof lv !== 'object')) continue;
        path.push(fieldElement(key));
        compareAt(lv, rv, fieldType(r, key).t, c, path);
        path.pop();
      }
      for (const key of rm ? Object.keys(rm) : []) {
        if (seen.has(key) || rm![key] === undefined) continue;
        path.push(fieldElement(key));
        compareAt(undefined, rm![key], fieldType(r, key).t, c, path);
        path.pop();
      }
      break;
    }
  }
  if (lhs === undefined) c.added.insert(path);
  else if (rhs === undefined) c.removed.insert(path);
}

function groupItems(r: Extract<Resolved, { kind: 'list' }>, list: readonly unknown[], order: PathElement[], groups: Map<PathElement, unknown[]>): void {
  list.forEach((item, i) => {
    const pe = itemElement(r, item, i);
    const g = groups.get(pe);
    if (g) g.push(item);
    else {
      groups.set(pe, [item]);
      order.push(pe);
    }
  });
}

function compareListItems(r: Extract<Resolved, { kind: 'list' }>, l: readonly unknown[], rv: readonly unknown[], c: Comparison, path: PathElement[]): void {
  const order: PathElement[] = [];
  const lg = new Map<PathElement, unknown[]>();
  const rg = new Map<PathElement, unknown[]>();
  groupItems(r, l, order, lg);
  const rOrder: PathElement[] = [];
  groupItems(r, rv, rOrder, rg);
  for (const pe of rOrder) if (!lg.has(pe)) order.push(pe);
  for (const pe of order) {
    const ll = lg.get(pe) ?? [];
    const rl = rg.get(pe) ?? [];
    path.push(pe);
    if (ll.length <= 1 && rl.length <= 1) {
      compareAt(ll[0], rl[0], r.items, c, path);
    } else if (ll.length >= 2 && rl.length >= 2) {
      if (!deepEqual(ll, rl)) c.modified.insert(path);
    } else if (ll.length >= 2) {
      if (rl.length !== 0) compareAt(undefined, rl[0], r.items, c, path);
      c.removed.insert(path);
    } else {
      if (ll.length !== 0) compareAt(ll[0], undefined, r.items, c, path);
      c.added.insert(path);
    }
    path.pop();
  }
}

// ---------------------------------------------------------------------------------------------
// Merge

/** An applied configuration that cannot be merged (duplicate items of a keyed list). */
export class MergeError extends KubeError {
  constructor(message: string) {
    super('BadRequest', message);
    this.name = 'MergeError';
  }
}

/** `rhs` merged over `lhs` (upstream's TypedValue.Merge); either may be undefined, not both. */
export function merge(lhs: unknown, rhs: unknown, t: TypeRef): unknown {
  return mergeAt(lhs, rhs, t, []);
}

function mergeLeaf(lhs: unknown, rhs: unknown): unknown {
  return rhs !== undefined ? rhs : lhs;
}

function mergeAt(lhs: unknown, rhs: unknown, t: TypeRef, path: PathElement[]): unknown {
  if (rhs === undefined) return lhs;
  if (lhs === undefined) return rhs;
  const rl = resolve(t, lhs);
  const r = resolve(t, rhs);
  if (rl.kind !== r.kind) return rhs;
  switch (r.kind) {
    case 'scalar':
      return mergeLeaf(lhs, rhs);
    case 'list': {
      const l = Array.isArray(lhs) ? lhs : [];
      const rv = Array.isArray(rhs) ? rhs : [];
      if (r.rel === 'atomic' || (l.length === 0 && rv.length === 0)) return mergeLeaf(lhs, rhs);
      return mergeListItems(r, l, rv, path);
    }
    case 'map': {
      const l = isPlainObject(lhs) ? lhs : undefined;
      const rm = isPlainObject(rhs) ? rhs : undefined;
      const lEmpty = !l || Object.keys(l).length === 0;
      const rEmpty = !rm || Object.keys(rm).length === 0;
      if (r.atomic || (lEmpty && rEmpty)) return mergeLeaf(lhs, rhs);
      const out: Record<string, unknown> = {};
      for (const key of l ? Object.keys(l) : []) {
        path.push(fieldElement(key));
        const v = mergeAt(l![key], rm ? rm[key] : undefined, fieldType(r, key).t, path);
        path.pop();
        if (v !== undefined) out[key] = v;
      }
      for (const key of rm ? Object.keys(rm) : []) {
        if (l && Object.prototype.hasOwnProperty.call(l, key) && l[key] !== undefined) continue;
        if (rm![key] !== undefined) out[key] = rm![key];
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
  }
}

/** upstream's mergingWalker.visitListItems: live items keep their places, new ones follow the applied order. */
function mergeListItems(r: Extract<Resolved, { kind: 'list' }>, lhs: readonly unknown[], rhs: readonly unknown[], path: PathElement[]): unknown[] | undefined {
  const rPEs = rhs.map((item, i) => itemElement(r, item, i));
  const observedR = new Map<PathElement, unknown>();
  for (let i = 0; i < rhs.length; i++) {
    const pe = rPEs[i]!;
    if (observedR.has(pe)) throw new MergeError(`${pathString(path)}: duplicate entries for key ${pathString([pe])}`);
    observedR.set(pe, rhs[i]);
  }
  const lPEs = lhs.map((item, i) => itemElement(r, item, i));
  const observedL = new Map<PathElement, unknown>();
  for (let i = 0; i < lhs.length; i++) {
    const pe = lPEs[i]!;
    // Duplicated live items are not merged with the new value.
    observedL.set(pe, observedL.has(pe) ? null : lhs[i]);
  }
  const shared = rPEs.filter((pe) => observedL.has(pe));
  let sharedAt = 0;
  let nextShared: PathElement | undefined = shared[sharedAt++];
  const mergedR = new Set<PathElement>();
  const out: unknown[] = [];
  const push = (v: unknown): void => {
    if (v !== undefined) out.push(v);
  };
  let lI = 0;
  let rI = 0;
  while (lI < lPEs.length || rI < rPEs.length) {
    if (lI < lPEs.length && rI < rPEs.length) {
      const pe = lPEs[lI]!;
      if (pe === rPEs[rI]) {
        mergedR.add(pe);
        path.push(pe);
        push(mergeAt(observedL.get(pe), observedR.get(pe), r.items, path));
        path.pop();
        lI++;
        rI++;
        nextShared = shared[sharedAt++];
        continue;
      }
      if (observedR.has(pe) && nextShared !== undefined && nextShared !== pe) {
        lI++;
        continue;
      }
    }
    if (lI < lPEs.length) {
      const pe = lPEs[lI]!;
      if (!observedR.has(pe)) {
        path.push(pe);
        push(mergeAt(lhs[lI], undefined, r.items, path));
        path.pop();
        lI++;
        continue;
      } else if (mergedR.has(pe)) {
        lI++;
      }
    }
    if (rI < rPEs.length) {
      const pe = rPEs[rI]!;
      mergedR.add(pe);
      path.push(pe);
      push(mergeAt(observedL.get(pe), observedR.get(pe), r.items, path));
      path.pop();
      rI++;
      if (nextShared !== undefined && nextShared === pe) nextShared = shared[sharedAt++];
    }
  }
  return out.length > 0 ? out : undefined;
}

// ---------------------------------------------------------------------------------------------
// RemoveItems

/** `v` without the fields of `toRemove` (upstream's TypedValue.RemoveItems); undefined when nothing is left. */
export function removeItems(v: unknown, toRemove: FieldSet, t: TypeRef): unknown {
  const r = resolve(t, v);
  switch (r.kind) {
    case 'scalar':
      return v;
    case 'list': {
      if (!Array.isArray(v) || v.length === 0 || r.rel === 'atomic') return undefined;
      const out: unknown[] = [];
      v.forEach((item, i) => {
        const pe = itemElement(r, item, i);
        const sub = toRemove.child(pe);
        if (sub?.member) return;
        const kept = sub && !sub.isEmpty() ? removeItems(item, sub, r.items) : item;
        if (kept !== undefined) out.push(kept);
      });
      return out.length > 0 ? out : undefined;
    }
    case 'map': {
      if (!isPlainObject(v) || Object.keys(v).length === 0 || r.atomic) return undefined;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        if (v[key] === undefined) continue;
        const sub = toRemove.child(fieldElement(key));
        if (sub?.member) continue;
        const kept = sub && !sub.isEmpty() ? removeItems(v[key], sub, fieldType(r, key).t) : v[key];
        if (kept !== undefined) out[key] = kept;
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
  }
}

/**
 * The set with every declared struct field on its paths made a member too (upstream's
 * EnsureNamedFieldsAreMembers): `.spec.replicas` also owns `.spec`, a map's keys do not own the map.
 */
export function ensureNamedFieldsAreMembers(s: FieldSet, t: TypeRef): FieldSet {
  const out = new FieldSet();
  out.member = s.member;
  const r = t ? resolveSchema(t) : 'deduced';
  for (const [pe, c] of s.children) {
    let ct: TypeRef;
    let named = false;
    if (r !== 'deduced' && r.kind === 'map' && pe.startsWith('f:')) {
      const ft = fieldType(r, pe.slice(2));
      ct = ft.t;
      named = ft.declared;
    } else if (r !== 'deduced' && r.kind === 'list') {
      ct = r.items;
    }
    const cc = ensureNamedFieldsAreMembers(c, ct);
    if (named) cc.member = true;
    out.children.set(pe, cc);
  }
  return out;
}
