/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), the apply side of
 * k8s.io/apimachinery/pkg/util/strategicpatch (StrategicMergeMapPatch with MergeParallelList and
 * IgnoreUnmatchedNulls, as the API server runs it). This is what `kubectl apply` (client-side) and
 * `kubectl patch` (default type) send.
 *
 * Rules, per field (the field's metadata comes from `meta(fieldPath)`):
 * - `null` deletes the field;
 * - maps merge recursively (unless the field's strategy is `replace`);
 * - lists with `patchStrategy: merge` merge: lists of maps by `patchMergeKey`, lists of primitives as sets;
 *   other lists are replaced whole;
 * - `$patch: replace` in a map replaces the map; `$patch: delete` in a map empties/removes it;
 *   a list item `{$patch: replace}` replaces the whole list with the patch's items;
 *   a list item `{<mergeKey>: v, $patch: delete}` deletes the matching items;
 * - `$retainKeys: [...]` clears keys of the original map that are not listed;
 * - `$deleteFromPrimitiveList/<field>: [...]` removes those values from a merged primitive list;
 * - `$setElementOrder/<field>: [...]` fixes the order of the merged list (kubectl sends it).
 *
 * Errors map to status codes as upstream's interpretStrategicMergePatchError does:
 * 400 for malformed directives, 422 (generic message) for lists of lists. Any other failure caused
 * by the patch (a list item without its merge key, mismatched element types, a bogus
 * `$setElementOrder`, ...) is a 400 with the strategicpatch message; upstream leaks those as 500.
 *
 * Deviation kept on purpose: content that lands in the result unmerged (new keys, new list items,
 * replaced lists/maps) is cleaned of nulls and directive keys. Upstream leaves them in the map and
 * relies on decoding into a typed object to drop them; kubelab stores the map, so it cleans here.
 *
 * Neither the document nor the patch is mutated.
 */
import { KubeError, type StatusReason } from '../errors.js';
import { isPlainObject, setOwnProperty } from '../values.js';
import type { PatchMetaLookup } from '../schema/patch-meta.js';

/** Patch metadata of a field, by its property path with array indices removed (api/schema/patch-meta.ts). */
export type { PatchMetaLookup };

/** A lookup that knows no field: every list is replaced, every map merged (JSON-merge-like behaviour). */
export const noPatchMeta: PatchMetaLookup = () => undefined;

const DIRECTIVE_MARKER = '$patch';
const DELETE_DIRECTIVE = 'delete';
const REPLACE_DIRECTIVE = 'replace';
const MERGE_DIRECTIVE = 'merge';
const RETAIN_KEYS_STRATEGY = 'retainKeys';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

/** mergepatch's sentinel errors (k8s.io/apimachinery/pkg/util/mergepatch/errors.go). */
export const SMP_ERRORS = {
  badJSONDoc: 'invalid JSON document',
  noListOfLists: 'lists of lists are not supported',
  badPatchFormatForPrimitiveList: 'invalid patch format of primitive list',
  badPatchFormatForRetainKeys: 'invalid patch format of retainKeys',
  badPatchFormatForSetElementOrderList: 'invalid patch format of setElementOrder list',
  patchContentNotMatchRetainKeys: "patch content doesn't match retainKeys list",
  unsupportedStrategicMergePatchFormat: 'strategic merge patch format is not supported',
} as const;

const BAD_REQUEST_MESSAGES = new Set<string>([
  SMP_ERRORS.badJSONDoc,
  SMP_ERRORS.badPatchFormatForPrimitiveList,
  SMP_ERRORS.badPatchFormatForRetainKeys,
  SMP_ERRORS.badPatchFormatForSetElementOrderList,
  SMP_ERRORS.unsupportedStrategicMergePatchFormat,
]);
const UNPROCESSABLE_MESSAGES = new Set<string>([SMP_ERRORS.noListOfLists, SMP_ERRORS.patchContentNotMatchRetainKeys]);

/**
 * A strategicpatch failure with upstream's message. Converted by toKubeError at the entry point (the
 * API's message and status for it); its own reason is already the status toKubeError gives it.
 */
export class StrategicMergePatchError extends KubeError {
  constructor(message: string) {
    super(reasonOf(message), message, { code: 'ERR_STRATEGIC_MERGE_PATCH' });
    this.name = 'StrategicMergePatchError';
  }
}

function fail(message: string): never {
  throw new StrategicMergePatchError(message);
}

/** A failure that comes from the server's own patch metadata, not from the patch: a server fault. */
function isMetadataFault(message: string): boolean {
  return message.startsWith('unexpected patch strategy:');
}

/** The status toKubeError answers a strategicpatch message with. */
function reasonOf(message: string): StatusReason {
  if (UNPROCESSABLE_MESSAGES.has(message)) return 'Invalid';
  if (isMetadataFault(message)) return 'InternalError';
  return 'BadRequest';
}

/**
 * interpretStrategicMergePatchError: 400 for malformed directives, 422 for lists of lists. Upstream
 * passes every other strategicpatch error through as a 500 (reason Unknown): a list item without its
 * merge key, a `$setElementOrder` that is not a list or disagrees with the patch list, mixed element
 * types, an unknown `$patch`. Those are faults of the request, so kubelab answers them 400 BadRequest
 * with the same message (bad input never gets a 5xx here); only a fault in the server's own patch
 * metadata stays a 500.
 */
export function toKubeError(e: StrategicMergePatchError): KubeError {
  if (BAD_REQUEST_MESSAGES.has(e.message)) return new KubeError('BadRequest', e.message, { cause: e });
  if (UNPROCESSABLE_MESSAGES.has(e.message)) {
    return new KubeError('Invalid', 'the server rejected our request due to an error in our request', {
      details: {},
      cause: e,
    });
  }
  if (isMetadataFault(e.message)) return new KubeError('InternalError', `Internal error occurred: ${e.message}`, { cause: e });
  return new KubeError('BadRequest', e.message, { cause: e });
}

type Obj = Record<string, unknown>;
type Kind = 'map' | 'slice' | 'string' | 'int64' | 'float64' | 'bool' | 'nil';

function has(o: Obj, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** The Go type a JSON value decodes to (ints as int64, as the API server decodes patches). */
function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) ? 'int64' : 'float64';
}

const GO_TYPE_NAME: Record<Kind, string> = {
  map: 'map[string]interface {}',
  slice: '[]interface {}',
  string: 'string',
  int64: 'int64',
  float64: 'float64',
  bool: 'bool',
  nil: '%!s(<nil>)',
};

/** Go's fmt %v of a decoded JSON value (maps print with sorted keys). */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[' + v.map(goFormat).join(' ') + ']';
  if (typeof v === 'object') {
    const o = v as Obj;
    return (
      'map[' +
      Object.keys(o)
        .sort()
        .map((k) => `${k}:${goFormat(o[k])}`)
        .join(' ') +
      ']'
    );
  }
  return String(v);
}

function errBadArgType(expected: Kind, actual: unknown): never {
  fail(`expected a ${GO_TYPE_NAME[expected]}, but received a ${GO_TYPE_NAME[kindOf(actual)]}`);
}

function errNoMergeKey(m: Obj, k: string): never {
  fail(`map: ${goFormat(m)} does not contain declared merge key: ${k}`);
}

function errBadPatchType(t: unknown, m: Obj): never {
  const ts = typeof t === 'string' ? t : `%!s(${GO_TYPE_NAME[kindOf(t)]}=${goFormat(t)})`;
  fail(`unknown patch type: ${ts} in map: ${goFormat(m)}`);
}

/** Go's `==` on interface values holding decoded JSON (scalars compare by value). */
function goEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined) return b === null;
  if (b === undefined) return a === null;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Field metadata

interface FieldMeta {
  strategy: string;
  retainKeys: boolean;
  mergeKey: string;
}

function lookupMeta(meta: PatchMetaLookup, path: readonly string[]): FieldMeta {
  const m = meta(path);
  const strategies = m?.patchStrategy ? m.patchStrategy.split(',') : [];
  const mergeKey = m?.patchMergeKey ?? '';
  switch (strategies.length) {
    case 0:
      return { strategy: '', retainKeys: false, mergeKey };
    case 1:
      return strategies[0] === RETAIN_KEYS_STRATEGY
        ? { strategy: '', retainKeys: true, mergeKey }
        : { strategy: strategies[0]!, retainKeys: false, mergeKey };
    case 2:
      if (strategies[0] === RETAIN_KEYS_STRATEGY) return { strategy: strategies[1]!, retainKeys: true, mergeKey };
      if (strategies[1] === RETAIN_KEYS_STRATEGY) return { strategy: strategies[0]!, retainKeys: true, mergeKey };
      return fail(`unexpected patch strategy: [${strategies.join(' ')}]`);
    default:
      return fail(`unexpected patch strategy: [${strategies.join(' ')}]`);
  }
}

// ---------------------------------------------------------------------------------------------
// Cleaning content that lands in the result

/** discardNullValuesFromPatch: drop null-valued keys in maps, recursively (list elements stay). */
function discardNulls(v: unknown): void {
  if (Array.isArray(v)) {
    for (const e of v) discardNulls(e);
  } else if (isPlainObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNulls(v[k]);
    }
  }
}

function isParallelDirectiveKey(k: string): boolean {
  return (
    k === RETAIN_KEYS_DIRECTIVE ||
    k.startsWith(SET_ELEMENT_ORDER_PREFIX + '/') ||
    k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX + '/')
  );
}

/** removeDirectives: a map carrying `$patch` is dropped; also drops parallel directive keys (kubelab). */
function removeDirectives(obj: unknown): { value: unknown; keep: boolean } {
  if (isPlainObject(obj)) {
    if (has(obj, DIRECTIVE_MARKER)) return { value: undefined, keep: false };
    for (const k of Object.keys(obj)) {
      if (isParallelDirectiveKey(k)) {
        delete obj[k];
        continue;
      }
      const r = removeDirectives(obj[k]);
      if (r.keep) setOwnProperty(obj, k, r.value);
      else delete obj[k];
    }
    return { value: obj, keep: true };
  }
  if (Array.isArray(obj)) {
    const res: unknown[] = [];
    for (const e of obj) {
      const r = removeDirectives(e);
      if (r.keep) res.push(r.value);
    }
    return { value: res, keep: true };
  }
  return { value: obj, keep: true };
}

function clean(v: unknown): { value: unknown; keep: boolean } {
  discardNulls(v);
  return removeDirectives(v);
}

/** Set original[k] to the cleaned patch value, or delete it when the value is itself a directive. */
function putClean(original: Obj, k: string, patchV: unknown): void {
  const r = clean(patchV);
  if (r.keep) setOwnProperty(original, k, r.value);
  else delete original[k];
}

// ---------------------------------------------------------------------------------------------
// Ordering helpers (normalizeElementOrder and friends)

function itemKeyValue(item: unknown, mergeKey: string, kind: Kind): unknown {
  if (kind === 'map') return isPlainObject(item) ? item[mergeKey] : undefined;
  return item;
}

/**
 * goEqual as a hash key (scalars by type and value, maps and lists by their JSON text, nil and
 * undefined alike), so list operations look items up in a Map instead of scanning: upstream's
 * algorithms are quadratic, which a single-threaded server cannot afford on a 100,000-item list.
 */
function eqKey(v: unknown): string {
  if (v === null || v === undefined) return 'z';
  switch (typeof v) {
    case 'string':
      return 's' + v;
    case 'number':
      return 'n' + String(v);
    case 'boolean':
      return v ? 'T' : 'F';
    default:
      return 'o' + JSON.stringify(v);
  }
}

/** The first index of every item's key (for maps, of its merge key's value): upstream's index(). */
function firstIndexByKey(l: readonly unknown[], mergeKey: string, kind: Kind): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < l.length; i++) {
    const k = eqKey(itemKeyValue(l[i], mergeKey, kind));
    if (!m.has(k)) m.set(k, i);
  }
  return m;
}

function validateMergeKeyInLists(mergeKey: string, ...lists: readonly unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isPlainObject(item)) errBadArgType('map', item);
      if (!has(item, mergeKey)) errNoMergeKey(item, mergeKey);
    }
  }
}

function extractToDeleteItems(l: readonly unknown[]): { nonDelete: unknown[]; toDelete: unknown[] } {
  const nonDelete: unknown[] = [];
  const toDelete: unknown[] = [];
  for (const v of l) {
    if (!isPlainObject(v)) errBadArgType('map', v);
    if (has(v, DIRECTIVE_MARKER) && v[DIRECTIVE_MARKER] === DELETE_DIRECTIVE) toDelete.push(v);
    else nonDelete.push(v);
  }
  return { nonDelete, toDelete };
}

/** Go's insertionSort over positions [a, b) of `s`. */
function insertionSortGo<T>(s: T[], a: number, b: number, less: (x: T, y: T) => boolean): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && less(s[j]!, s[j - 1]!); j--) {
      const t = s[j]!;
      s[j] = s[j - 1]!;
      s[j - 1] = t;
    }
  }
}

function swapRange<T>(s: T[], a: number, b: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const t = s[a + i]!;
    s[a + i] = s[b + i]!;
    s[b + i] = t;
  }
}

/** Rotate the blocks s[a:m] and s[m:b] by block swaps (Go's rotate). */
function rotateGo<T>(s: T[], a: number, m: number, b: number): void {
  let i = m - a;
  let j = b - m;
  while (i !== j) {
    if (i > j) {
      swapRange(s, m - i, m, j);
      i -= j;
    } else {
      swapRange(s, m - i, m + j - i, i);
      j -= i;
    }
  }
  swapRange(s, m - i, m, i);
}

/** Merge the sorted runs s[a:m] and s[m:b] in place (Kim and Kutzner's SymMerge, as Go's symMerge). */
function symMergeGo<T>(s: T[], a: number, m: number, b: number, less: (x: T, y: T) => boolean): void {
  if (m - a === 1) {
    let i = m;
    let j = b;
    while (i < j) {
      const h = (i + j) >>> 1;
      if (less(s[h]!, s[a]!)) i = h + 1;
      else j = h;
    }
    for (let k = a; k < i - 1; k++) {
      const t = s[k]!;
      s[k] = s[k + 1]!;
      s[k + 1] = t;
    }
    return;
  }
  if (b - m === 1) {
    let i = a;
    let j = m;
    while (i < j) {
      const h = (i + j) >>> 1;
      if (!less(s[m]!, s[h]!)) i = h + 1;
      else j = h;
    }
    for (let k = m; k > i; k--) {
      const t = s[k]!;
      s[k] = s[k - 1]!;
      s[k - 1] = t;
    }
    return;
  }
  const mid = (a + b) >>> 1;
  const n = mid + m;
  let start: number;
  let r: number;
  if (m > mid) {
    start = n - b;
    r = mid;
  } else {
    start = a;
    r = m;
  }
  const p = n - 1;
  while (start < r) {
    const c = (start + r) >>> 1;
    if (!less(s[p - c]!, s[c]!)) start = c + 1;
    else r = c;
  }
  const end = n - start;
  if (start < m && m < end) rotateGo(s, start, m, end);
  if (a < start && start < mid) symMergeGo(s, a, start, mid, less);
  if (mid < end && end < b) symMergeGo(s, mid, end, b, less);
}

/**
 * Go's sort.SliceStable (insertion sort in blocks of 20, then SymMerge), so the result matches
 * upstream even for its comparator that answers `true` when an item is unknown. O(n log^2 n).
 */
function stableSortGo<T>(a: readonly T[], less: (x: T, y: T) => boolean): T[] {
  const s = a.slice();
  const n = s.length;
  let blockSize = 20;
  let lo = 0;
  let hi = blockSize;
  while (hi <= n) {
    insertionSortGo(s, lo, hi, less);
    lo = hi;
    hi += blockSize;
  }
  insertionSortGo(s, lo, n, less);
  while (blockSize < n) {
    lo = 0;
    hi = 2 * blockSize;
    while (hi <= n) {
      symMergeGo(s, lo, lo + blockSize, hi, less);
      lo = hi;
      hi += 2 * blockSize;
    }
    const m = lo + blockSize;
    if (m < n) symMergeGo(s, lo, m, n, less);
    blockSize *= 2;
  }
  return s;
}

function normalizeSliceOrder(toSort: unknown[], order: readonly unknown[], mergeKey: string, kind: Kind): unknown[] {
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order as unknown[]);
    const ex = extractToDeleteItems(toSort);
    toSort = ex.nonDelete;
    toDelete = ex.toDelete;
  }
  const index = firstIndexByKey(order, mergeKey, kind);
  const ranked = toSort.map((v) => ({ v, i: index.get(eqKey(itemKeyValue(v, mergeKey, kind))) ?? -1 }));
  let sorted: unknown[];
  if (ranked.every((x) => x.i >= 0)) {
    // Every item is in `order`: a plain stable sort by position gives what any stable sort gives.
    sorted = ranked.sort((x, y) => x.i - y.i).map((x) => x.v);
  } else {
    sorted = stableSortGo(ranked, (x, y) => (x.i >= 0 && y.i >= 0 ? x.i < y.i : true)).map((x) => x.v);
  }
  return sorted.concat(toDelete);
}

function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: readonly unknown[], mergeKey: string, kind: Kind): unknown[] {
  const size = left.length + right.length;
  const s: unknown[] = [];
  const index = firstIndexByKey(serverOrder, mergeKey, kind);
  const indexOf = (v: unknown): number => index.get(eqKey(itemKeyValue(v, mergeKey, kind))) ?? -1;
  let i = 0;
  let j = 0;
  for (let k = 0; k < size; k++) {
    if (i >= left.length && j < right.length) {
      s.push(right[j++]);
    } else if (j >= right.length && i < left.length) {
      s.push(left[i++]);
    } else {
      const li = indexOf(left[i]);
      const ri = indexOf(right[j]);
      if (li >= 0 && ri >= 0 && li < ri) s.push(left[i++]);
      else s.push(right[j++]);
    }
  }
  return s;
}

function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const so = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(so, p, serverOrder, mergeKey, kind);
}

function findMapInSliceBasedOnKeyValue(m: readonly unknown[], key: string, value: unknown): { map: Obj; index: number } | undefined {
  for (let k = 0; k < m.length; k++) {
    const v = m[k];
    if (!isPlainObject(v)) fail(`value for key ${k} is not a map`);
    if (has(v, key) && goEqual(v[key], value)) return { map: v, index: k };
  }
  return undefined;
}

/** First position of each merge-key value among the maps of `l` (what upstream's scan would find first). */
function firstMapIndexByMergeKey(l: readonly unknown[], mergeKey: string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < l.length; i++) {
    const v = l[i];
    if (!isPlainObject(v) || !has(v, mergeKey)) continue;
    const k = eqKey(v[mergeKey]);
    if (!m.has(k)) m.set(k, i);
  }
  return m;
}

function partitionPrimitivesByPresentInList(original: readonly unknown[], partitionBy: readonly unknown[]): { patch: unknown[]; serverOnly: unknown[] } {
  const patch: unknown[] = [];
  const serverOnly: unknown[] = [];
  const present = new Set(partitionBy.map(eqKey));
  for (const v of original) {
    if (present.has(eqKey(v))) patch.push(v);
    else serverOnly.push(v);
  }
  return { patch, serverOnly };
}

/** The merge-key values of a list of maps, or undefined when an item is not a map (the scan then fails as upstream's). */
function mergeKeySet(list: readonly unknown[], mergeKey: string): Set<string> | undefined {
  const keys = new Set<string>();
  for (const v of list) {
    if (!isPlainObject(v)) return undefined;
    if (has(v, mergeKey)) keys.add(eqKey(v[mergeKey]));
  }
  return keys;
}

function partitionMapsByPresentInList(original: readonly unknown[], partitionBy: readonly unknown[], mergeKey: string): { patch: unknown[]; serverOnly: unknown[] } {
  const patch: unknown[] = [];
  const serverOnly: unknown[] = [];
  const present = mergeKeySet(partitionBy, mergeKey);
  for (const v of original) {
    if (!isPlainObject(v)) errBadArgType('map', v);
    if (!has(v, mergeKey)) errNoMergeKey(v, mergeKey);
    const found = present ? present.has(eqKey(v[mergeKey])) : findMapInSliceBasedOnKeyValue(partitionBy, mergeKey, v[mergeKey]) !== undefined;
    if (found) patch.push(v);
    else serverOnly.push(v);
  }
  return { patch, serverOnly };
}

/** sliceElementType: all elements of all slices share one type, which is not a list. */
function sliceElementType(...slices: readonly (readonly unknown[] | undefined)[]): Kind {
  let prev: Kind | undefined;
  for (const s of slices) {
    for (const v of s ?? []) {
      const cur = kindOf(v);
      if (prev === undefined) {
        prev = cur;
        if (prev === 'slice') fail(SMP_ERRORS.noListOfLists);
      } else if (prev !== cur) {
        fail(`list element types are not identical: ${goFormat(slices.map((x) => x ?? null))}`);
      }
    }
  }
  if (prev === undefined) fail('no elements in any of the given slices');
  return prev;
}

/**
 * deduplicateScalars. Upstream's in-place quadratic algorithm also reorders, but the caller sorts the
 * result by patch and server order afterwards, so keeping first occurrences in order gives the same
 * final list in linear time.
 */
function deduplicateScalars(input: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const v of input) {
    const k = eqKey(v);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  return out;
}

function deleteFromSlice(current: readonly unknown[], toDelete: readonly unknown[]): unknown[] {
  const gone = new Set(toDelete.map(eqKey));
  return current.filter((v) => !gone.has(eqKey(v)));
}

// ---------------------------------------------------------------------------------------------
// Merging

function extractKey(s: string, prefix: string): string {
  const idx = s.indexOf('/');
  if (idx < 0 || s.slice(0, idx) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX) fail(SMP_ERRORS.badPatchFormatForPrimitiveList);
    if (prefix === SET_ELEMENT_ORDER_PREFIX) fail(SMP_ERRORS.badPatchFormatForSetElementOrderList);
    fail(`fail to find unknown prefix "${prefix}" in ${s}\n`);
  }
  return s.slice(idx + 1);
}

function handleDirectiveInMergeMap(directive: unknown, patch: Obj): Obj {
  if (directive === REPLACE_DIRECTIVE) {
    delete patch[DIRECTIVE_MARKER];
    const r = clean(patch);
    return r.value as Obj;
  }
  if (directive === DELETE_DIRECTIVE) return {};
  return errBadPatchType(directive, patch);
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return goEqual(left, right);
  if (!isPlainObject(left)) errBadArgType('map', left);
  if (!isPlainObject(right)) errBadArgType('map', right);
  if (!has(left, mergeKey)) errNoMergeKey(left, mergeKey);
  if (!has(right, mergeKey)) errNoMergeKey(right, mergeKey);
  return goEqual(left[mergeKey], right[mergeKey]);
}

function containsDirectiveMarker(item: unknown): boolean {
  return isPlainObject(item) && has(item, DIRECTIVE_MARKER);
}

function validatePatchWithSetOrderList(patchList: unknown, setOrderList: unknown, mergeKey: string): void {
  if (!Array.isArray(setOrderList)) fail(SMP_ERRORS.badPatchFormatForSetElementOrderList);
  if (patchList !== undefined && !Array.isArray(patchList)) fail(SMP_ERRORS.badPatchFormatForSetElementOrderList);
  const typedPatch = (patchList ?? []) as unknown[];
  if (setOrderList.length === 0 || typedPatch.length === 0) return;
  const nonDelete = mergeKey.length > 0 ? extractToDeleteItems(typedPatch).nonDelete : typedPatch;
  let pi = 0;
  let si = 0;
  while (pi < nonDelete.length && si < setOrderList.length) {
    if (containsDirectiveMarker(nonDelete[pi])) {
      pi++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[pi], setOrderList[si], mergeKey)) pi++;
    si++;
  }
  if (pi < nonDelete.length && si >= setOrderList.length) {
    fail(
      `The order in patch list:\n${goFormat(typedPatch)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goFormat(setOrderList)}\n`,
    );
  }
}

function applyRetainKeysDirective(original: Obj, patch: Obj): void {
  if (!has(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retainKeys = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(retainKeys)) fail(SMP_ERRORS.badPatchFormatForRetainKeys);
  const retained = new Set(retainKeys.filter((r): r is string => typeof r === 'string'));
  const keep = (k: string) => retained.has(k);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    if (!keep(k)) fail(SMP_ERRORS.badPatchFormatForRetainKeys);
  }
  for (const k of Object.keys(original)) {
    if (!keep(k)) delete original[k];
  }
}

class Merger {
  constructor(private readonly meta: PatchMetaLookup) {}

  mergeMap(originalIn: Obj | undefined, patch: Obj, path: readonly string[]): Obj {
    if (has(patch, DIRECTIVE_MARKER)) return handleDirectiveInMergeMap(patch[DIRECTIVE_MARKER], patch);
    const original = originalIn ?? {};

    applyRetainKeysDirective(original, patch);
    this.mergePatchIntoOriginal(original, patch, path);

    // Plain keys first, deletion lists last (upstream's map order is random; this is the order that
    // makes `$deleteFromPrimitiveList` win over additions of the same value).
    const keys = Object.keys(patch);
    const ordered = [
      ...keys.filter((k) => !k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)),
      ...keys.filter((k) => k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)),
    ];
    for (const pk of ordered) {
      const patchV = patch[pk];
      let k = pk;
      let isDeleteList = false;
      if (pk.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
        k = extractKey(pk, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
        isDeleteList = true;
      }

      if (patchV === null) {
        delete original[k];
        continue;
      }

      if (!has(original, k)) {
        if (!isDeleteList) putClean(original, k, patchV);
        continue;
      }

      const origKind = kindOf(original[k]);
      const patchKind = kindOf(patchV);
      if (origKind !== patchKind) {
        if (!isDeleteList) putClean(original, k, patchV);
        continue;
      }

      const fieldPath = [...path, k];
      switch (origKind) {
        case 'map': {
          const fm = lookupMeta(this.meta, fieldPath);
          if (fm.strategy === REPLACE_DIRECTIVE) putClean(original, k, patchV);
          else setOwnProperty(original, k, this.mergeMap(original[k] as Obj, patchV as Obj, fieldPath));
          break;
        }
        case 'slice': {
          const fm = lookupMeta(this.meta, fieldPath);
          setOwnProperty(original, k, this.mergeSliceHandler(original[k], patchV, fieldPath, fm, isDeleteList).merged);
          break;
        }
        default:
          putClean(original, k, patchV);
      }
    }
    return original;
  }

  /**
   * Returns the merged list and `view`: what the caller's `original` slice holds afterwards. Upstream
   * deletes list items and appends new ones in place (Go slices share their backing array), and
   * mergePatchIntoOriginal then orders by that mutated slice; `view` reproduces it so the order of the
   * result matches a real API server's.
   */
  private mergeSliceHandler(
    original: unknown,
    patch: unknown,
    path: readonly string[],
    fm: FieldMeta,
    isDeleteList: boolean,
  ): { merged: unknown[]; view: unknown[] } {
    if (!Array.isArray(original)) errBadArgType('slice', original);
    if (!Array.isArray(patch)) errBadArgType('slice', patch);
    if (fm.strategy === MERGE_DIRECTIVE || isDeleteList) {
      return this.mergeSlice(original, patch, path, fm.mergeKey, isDeleteList);
    }
    return { merged: clean(patch).value as unknown[], view: original };
  }

  private mergeSlice(
    originalIn: unknown[],
    patchIn: unknown[],
    path: readonly string[],
    mergeKey: string,
    isDeleteList: boolean,
  ): { merged: unknown[]; view: unknown[] } {
    if (originalIn.length === 0 && patchIn.length === 0) return { merged: originalIn, view: originalIn };
    const kind = sliceElementType(originalIn, patchIn);
    if (kind !== 'map') {
      if (isDeleteList) return { merged: deleteFromSlice(originalIn, patchIn), view: originalIn };
      const merged = deduplicateScalars([...originalIn, ...patchIn]);
      const parts = mergeKey === '' ? partitionPrimitivesByPresentInList(merged, patchIn) : partitionMapsByPresentInList(merged, patchIn, mergeKey);
      return { merged: normalizeElementOrder(parts.patch, parts.serverOnly, patchIn, originalIn, mergeKey, kind), view: originalIn };
    }
    if (mergeKey === '') fail('cannot merge lists without merge key for struct');
    const alias = new AliasedSlice(originalIn);
    const { original, patch } = mergeSliceWithSpecialElements(alias, patchIn, mergeKey);
    const merged = this.mergeSliceWithoutSpecialElements(original, patch, mergeKey, path, alias);
    const parts = partitionMapsByPresentInList(merged, patch, mergeKey);
    return { merged: normalizeElementOrder(parts.patch, parts.serverOnly, patch, original, mergeKey, kind), view: alias.view };
  }

  private mergeSliceWithoutSpecialElements(
    original: unknown[],
    patch: unknown[],
    mergeKey: string,
    path: readonly string[],
    alias: AliasedSlice,
  ): unknown[] {
    const out = original.slice();
    // upstream scans `out` for each patch item; an index of first positions by merge key is the same answer.
    let index = firstMapIndexByMergeKey(out, mergeKey);
    for (const v of patch) {
      const typedV = v as Obj;
      if (!has(typedV, mergeKey)) errNoMergeKey(typedV, mergeKey);
      const k = eqKey(typedV[mergeKey]);
      const at = index.get(k);
      if (at !== undefined) {
        const merged = this.mergeMap(out[at] as Obj, typedV, path);
        out[at] = merged;
        alias.set(at, merged);
        if (!(isPlainObject(merged) && has(merged, mergeKey) && eqKey(merged[mergeKey]) === k)) index = firstMapIndexByMergeKey(out, mergeKey);
      } else {
        const item = clean(typedV).value;
        out.push(item);
        alias.append(item);
        if (isPlainObject(item) && has(item, mergeKey)) {
          const ik = eqKey(item[mergeKey]);
          if (!index.has(ik)) index.set(ik, out.length - 1);
        }
      }
    }
    return out;
  }

  /** $setElementOrder/<field>: merge that list now, in the given order, and drop it from the patch. */
  private mergePatchIntoOriginal(original: Obj, patch: Obj, path: readonly string[]): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
      const setOrder = patch[key];
      delete patch[key];
      if (!Array.isArray(setOrder)) errBadArgType('slice', setOrder);
      const originalKey = extractKey(key, SET_ELEMENT_ORDER_PREFIX);
      const foundOriginal = has(original, originalKey);
      const foundPatch = has(patch, originalKey);
      let originalFieldValue: unknown[] | undefined;
      let patchFieldValue: unknown[] | undefined;
      if (foundOriginal) {
        const ov = original[originalKey];
        if (!Array.isArray(ov)) errBadArgType('slice', ov);
        originalFieldValue = ov;
      }
      if (foundPatch) {
        const pv = patch[originalKey];
        if (!Array.isArray(pv)) errBadArgType('slice', pv);
        patchFieldValue = pv;
      }
      const fieldPath = [...path, originalKey];
      const fm = lookupMeta(this.meta, fieldPath);
      validatePatchWithSetOrderList(patchFieldValue, setOrder, fm.mergeKey);

      let merged: unknown[];
      if (foundOriginal && !foundPatch) {
        merged = originalFieldValue!;
      } else if (!foundOriginal && foundPatch) {
        merged = clean(patchFieldValue).value as unknown[];
      } else if (foundOriginal && foundPatch) {
        const r = this.mergeSliceHandler(originalFieldValue, patchFieldValue, fieldPath, fm, false);
        merged = r.merged;
        originalFieldValue = r.view;
      } else {
        continue;
      }

      const parts =
        fm.mergeKey === ''
          ? partitionPrimitivesByPresentInList(merged, setOrder)
          : partitionMapsByPresentInList(merged, setOrder, fm.mergeKey);
      const kind = sliceElementType(originalFieldValue, patchFieldValue);
      setOwnProperty(original, originalKey, normalizeElementOrder(parts.patch, parts.serverOnly, setOrder, originalFieldValue ?? [], fm.mergeKey, kind));
      delete patch[originalKey];
    }
  }
}

/**
 * The caller's view of a Go slice that mergeSlice edits in place: deletions shift the items left
 * (leaving the last ones duplicated at the end), appends write into the freed tail.
 */
class AliasedSlice {
  readonly view: unknown[];
  private len: number;
  private live = true;
  constructor(original: readonly unknown[]) {
    this.view = original.slice();
    this.len = original.length;
  }
  /** The slice as mergeSlice sees it now. */
  current(): unknown[] {
    return this.view.slice(0, this.len);
  }
  /**
   * Delete every item whose key (keyOf) is in `keys`, key by key in that order and each key's items
   * first to last, leaving `view` exactly as that many single in-place deletions would: each one
   * shifts the rest left and leaves the then-last live item in the slot it frees. Linear time.
   */
  deleteMatching(keys: readonly string[], keyOf: (v: unknown) => string | undefined): void {
    if (!this.live || keys.length === 0) return;
    const n = this.len;
    const old = this.view.slice(0, n);
    const byKey = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const k = keyOf(old[i]);
      if (k === undefined) continue;
      const at = byKey.get(k);
      if (at) at.push(i);
      else byKey.set(k, [i]);
    }
    const deleted = new Uint8Array(n);
    const freed: unknown[] = []; // what slot n-1, n-2, ... keeps
    let len = n;
    let last = n - 1;
    for (const k of keys) {
      const at = byKey.get(k);
      if (!at) continue;
      byKey.delete(k);
      for (const x of at) {
        freed.push(old[last]);
        deleted[x] = 1;
        len--;
        while (last >= 0 && deleted[last]) last--;
      }
    }
    let w = 0;
    for (let i = 0; i < n; i++) if (!deleted[i]) this.view[w++] = old[i];
    for (let p = len; p < n; p++) this.view[p] = freed[n - 1 - p];
    this.len = len;
  }
  set(i: number, v: unknown): void {
    if (this.live && i < this.len) this.view[i] = v;
  }
  append(v: unknown): void {
    if (!this.live) return;
    if (this.len < this.view.length) this.view[this.len++] = v;
    else this.live = false; // grows past the shared array: later writes go elsewhere
  }
  /** mergeSlice's `original` now points at another slice. */
  detach(): void {
    this.live = false;
  }
}

/** Handle `$patch` items of a list of maps: deletions apply to original; `replace` drops original. */
function mergeSliceWithSpecialElements(alias: AliasedSlice, patch: unknown[], mergeKey: string): { original: unknown[]; patch: unknown[] } {
  const plain: unknown[] = [];
  const deleteKeys: string[] = [];
  let replace = false;
  for (const v of patch) {
    const typedV = v as Obj;
    if (!has(typedV, DIRECTIVE_MARKER)) {
      plain.push(v);
      continue;
    }
    const patchType = typedV[DIRECTIVE_MARKER];
    if (patchType === DELETE_DIRECTIVE) {
      if (!has(typedV, mergeKey)) errNoMergeKey(typedV, mergeKey);
      deleteKeys.push(eqKey(typedV[mergeKey]));
    } else if (patchType === REPLACE_DIRECTIVE) {
      replace = true;
    } else if (patchType === MERGE_DIRECTIVE) {
      fail('merging lists cannot yet be specified in the patch');
    } else {
      errBadPatchType(patchType, typedV);
    }
  }
  // Every item matching a delete directive goes, as upstream's repeated find-and-delete does.
  alias.deleteMatching(deleteKeys, (item) => (isPlainObject(item) && has(item, mergeKey) ? eqKey(item[mergeKey]) : undefined));
  if (replace) {
    alias.detach();
    return { original: plain, patch: [] };
  }
  return { original: alias.current(), patch: plain };
}

/**
 * Apply a strategic merge patch to `doc` (an object) and return the new object.
 * `meta` answers patchStrategy/patchMergeKey per field path (array indices removed).
 * Throws KubeError (400 / 422 / 500, as upstream) on a bad patch.
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, meta: PatchMetaLookup): Record<string, unknown> {
  let patchMap: Obj;
  if (patch === null || patch === undefined) patchMap = {};
  else if (isPlainObject(patch)) patchMap = structuredClone(patch);
  else {
    const kind = Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch;
    throw new KubeError('BadRequest', `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
  }
  if (!isPlainObject(doc)) throw toKubeError(new StrategicMergePatchError(SMP_ERRORS.badJSONDoc));
  try {
    return new Merger(meta).mergeMap(structuredClone(doc), patchMap, []);
  } catch (e) {
    if (e instanceof StrategicMergePatchError) throw toKubeError(e);
    throw e;
  }
}
