/**
 * JSON Patch (RFC 6902) as the Kubernetes API server applies it (`application/json-patch+json`).
 *
 * Upstream uses gopkg.in/evanphx/json-patch.v4; this follows its behaviour, quirks included:
 * - negative array indices count from the end (`/a/-1` is the last element);
 * - `replace` of a missing object key adds it (only array indices are bounds-checked);
 * - `copy` from a missing object key copies `null`;
 * - `test` of a missing key passes when the op's value is null or absent.
 *
 * Errors, as the API server answers them (k8s.io/apiserver pkg/endpoints/handlers/patch.go):
 * - the patch does not decode as a list of operations: 400 BadRequest with the decoder's message;
 * - more than 10000 operations: 413 RequestEntityTooLarge;
 * - an operation fails: 422 Invalid with the generic message
 *   "the server rejected our request due to an error in our request" (NewGenericServerResponse);
 *   json-patch's own message (e.g. `testing value /a failed: test failed`) is kept in
 *   `error.cause.message` and in `jsonPatchFailure(error)`.
 *
 * Resource limits (CVE-2019-1002100: a few `copy` operations of a document into itself exhaust memory):
 * - `copy` operations may add at most `maxCopyBytes` in total, counted as the JSON size of each copied
 *   value (json-patch's AccumulatedCopySizeLimit, which the API server sets to its 3 MiB request limit);
 *   beyond it the patch fails (422) with json-patch's `Unable to complete the copy, ...` as the cause;
 *   `add`/`replace` values come from the patch body itself, so the body limit bounds them;
 * - the document may not nest deeper than `maxDepth` (api/json-scan.ts): a `copy` of a value deeper
 *   than that, or a result deeper than that (moves can stack subtrees), fails with 422 as well.
 *
 * The input document and operations are never mutated.
 */
import { KubeError } from '../errors.js';
import { clone, deepEqual, isPlainObject, setOwnProperty } from '../values.js';
import { MAX_JSON_NESTING_DEPTH, valueDepth } from '../json-scan.js';
import { atoi } from '../strconv.js';

export type JsonPatchOperation = {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test' | string;
  path: string;
  from?: string;
  value?: unknown;
};

/** Upstream's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** What the API server sets json-patch's AccumulatedCopySizeLimit to: its request body limit, 3 MiB. */
export const JSON_PATCH_MAX_COPY_BYTES = 3 * 1024 * 1024;

export interface JsonPatchLimits {
  /** Total JSON bytes `copy` operations may add (0: unlimited, as json-patch's own default). */
  maxCopyBytes?: number;
  /** Deepest nesting the document may reach. */
  maxDepth?: number;
}

/** The generic message NewGenericServerResponse(422, ...) produces. */
export const UNPROCESSABLE_MESSAGE = 'the server rejected our request due to an error in our request';

/**
 * An operation failure, with json-patch's message. Internal; surfaces as the `cause` of a 422 KubeError
 * (never thrown itself), so its own reason is that 422's.
 */
export class JsonPatchApplyError extends KubeError {
  constructor(message: string) {
    super('Invalid', message, { code: 'ERR_JSON_PATCH_APPLY' });
    this.name = 'JsonPatchApplyError';
  }
}

/** json-patch's own message for a failed apply (the 422's cause), or undefined. */
export function jsonPatchFailure(e: unknown): string | undefined {
  if (e instanceof KubeError && e.cause instanceof JsonPatchApplyError) return e.cause.message;
  return undefined;
}

const ERR_MISSING = 'missing value';
const ERR_TEST_FAILED = 'test failed';
const ERR_INVALID_INDEX = 'invalid index referenced';

type Json = unknown;
type Obj = Record<string, Json>;

function goJsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}

function decodePatchKey(k: string): string {
  // RFC 6901: ~1 then ~0, done in one left-to-right pass like Go's strings.Replacer.
  return k.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));
}

/** A container (object or array) in which the last path segment is resolved. */
interface Container {
  get(key: string): { ok: true; value: Json | undefined } | { ok: false; err: string };
  set(key: string, val: Json): string | undefined;
  add(key: string, val: Json): string | undefined;
  remove(key: string): string | undefined;
}

function objContainer(o: Obj): Container {
  return {
    get: (key) => ({ ok: true, value: Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined }),
    set: (key, val) => {
      setOwnProperty(o, key, val);
      return undefined;
    },
    add: (key, val) => {
      setOwnProperty(o, key, val);
      return undefined;
    },
    remove: (key) => {
      if (!Object.prototype.hasOwnProperty.call(o, key)) return `Unable to remove nonexistent key: ${key}: ${ERR_MISSING}`;
      delete o[key];
      return undefined;
    },
  };
}

const invalidIndex = (idx: number) => `Unable to access invalid index: ${idx}: ${ERR_INVALID_INDEX}`;

function aryContainer(a: Json[]): Container {
  return {
    get: (key) => {
      const n = atoi(key);
      if (typeof n === 'string') return { ok: false, err: n };
      let idx = n;
      if (idx < 0) {
        if (idx < -a.length) return { ok: false, err: invalidIndex(idx) };
        idx += a.length;
      }
      if (idx >= a.length) return { ok: false, err: invalidIndex(idx) };
      return { ok: true, value: a[idx] };
    },
    set: (key, val) => {
      const n = atoi(key);
      if (typeof n === 'string') return n;
      let idx = n;
      if (idx < 0) {
        if (idx < -a.length) return invalidIndex(idx);
        idx += a.length;
      }
      a[idx] = val;
      return undefined;
    },
    add: (key, val) => {
      if (key === '-') {
        a.push(val);
        return undefined;
      }
      const n = atoi(key);
      if (typeof n === 'string') return `value was not a proper array index: '${key}': ${n}`;
      let idx = n;
      const size = a.length + 1;
      if (idx >= size) return invalidIndex(idx);
      if (idx < 0) {
        if (idx < -size) return invalidIndex(idx);
        idx += size;
      }
      a.splice(idx, 0, val);
      return undefined;
    },
    remove: (key) => {
      const n = atoi(key);
      if (typeof n === 'string') return n;
      let idx = n;
      if (idx >= a.length) return invalidIndex(idx);
      if (idx < 0) {
        if (idx < -a.length) return invalidIndex(idx);
        idx += a.length;
      }
      a.splice(idx, 1);
      return undefined;
    },
  };
}

function containerOf(v: Json): Container | undefined {
  if (Array.isArray(v)) return aryContainer(v);
  if (isPlainObject(v)) return objContainer(v);
  return undefined;
}

/** evanphx findObject: walk all segments but the last; undefined when any step is missing. */
function findObject(root: { doc: Json }, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  const parts = split.slice(1, -1);
  const key = split[split.length - 1]!;
  let cur: Json = root.doc;
  for (const part of parts) {
    const con = containerOf(cur);
    if (!con) return undefined;
    const r = con.get(decodePatchKey(part));
    if (!r.ok || r.value === undefined || r.value === null) return undefined;
    if (!Array.isArray(r.value) && !isPlainObject(r.value)) return undefined;
    cur = r.value;
  }
  const con = containerOf(cur);
  if (!con) return undefined;
  return { con, key: decodePatchKey(key) };
}

type Op = Record<string, Json>;

/** Operation.Path(): the error is the one Go's decoder or json-patch gives. */
function opPath(op: Op): { ok: true; v: string } | { ok: false; err: string } {
  const p = op['path'];
  if (p === undefined || p === null) return { ok: false, err: `operation missing path field: ${ERR_MISSING}` };
  if (typeof p !== 'string') return { ok: false, err: `json: cannot unmarshal ${goJsonKind(p)} into Go value of type string` };
  return { ok: true, v: p };
}

function opFrom(op: Op): { ok: true; v: string } | { ok: false; err: string } {
  const p = op['from'];
  if (p === undefined || p === null) return { ok: false, err: `operation, missing from field: ${ERR_MISSING}` };
  if (typeof p !== 'string') return { ok: false, err: `json: cannot unmarshal ${goJsonKind(p)} into Go value of type string` };
  return { ok: true, v: p };
}

function opKind(op: Op): string {
  const k = op['op'];
  return typeof k === 'string' ? k : 'unknown';
}

/** The op's value, a fresh copy; a missing or null value is null (evanphx stores a nil node). */
function opValue(op: Op): Json {
  const v = op['value'];
  return v === undefined ? null : clone(v);
}

/** json-patch's AccumulatedCopySizeError message. */
export function copySizeExceededMessage(limit: number, accumulated: number): string {
  return `Unable to complete the copy, the accumulated size increase of copy is ${accumulated}, exceeding the limit ${limit}`;
}

/** The failure when a document would nest deeper than the limit (Go's decoder words it this way). */
export const EXCEEDED_MAX_DEPTH = 'exceeded max depth';

interface ApplyState {
  doc: Json;
  copied: number;
  maxCopyBytes: number;
  maxDepth: number;
}

/**
 * A deep copy of `value` and its JSON size in bytes (json-patch's deepCopy marshals it). The depth
 * is checked first, without recursion, so a deep value cannot overflow the stack of the copy.
 */
function copyValue(value: Json, maxDepth: number): { copy: Json; size: number } | string {
  if (value === undefined) return { copy: null, size: 4 };
  if (valueDepth(value, maxDepth) > maxDepth) return EXCEEDED_MAX_DEPTH;
  const text = JSON.stringify(value);
  return { copy: JSON.parse(text) as Json, size: Buffer.byteLength(text) };
}

function applyOne(root: ApplyState, op: Op): string | undefined {
  const kind = opKind(op);
  switch (kind) {
    case 'add': {
      const path = opPath(op);
      if (!path.ok) return `add operation failed to decode path: ${ERR_MISSING}`;
      const f = findObject(root, path.v);
      if (!f) return `add operation does not apply: doc is missing path: "${path.v}": ${ERR_MISSING}`;
      const err = f.con.add(f.key, opValue(op));
      return err ? `error in add for path: '${path.v}': ${err}` : undefined;
    }
    case 'remove': {
      const path = opPath(op);
      if (!path.ok) return `remove operation failed to decode path: ${ERR_MISSING}`;
      const f = findObject(root, path.v);
      if (!f) return `remove operation does not apply: doc is missing path: "${path.v}": ${ERR_MISSING}`;
      const err = f.con.remove(f.key);
      return err ? `error in remove for path: '${path.v}': ${err}` : undefined;
    }
    case 'replace': {
      const path = opPath(op);
      if (!path.ok) return `replace operation failed to decode path: ${path.err}`;
      if (path.v === '') {
        const v = opValue(op);
        if (!isPlainObject(v) && !Array.isArray(v)) return 'replace operation value must be object or array: %!w(<nil>)';
        root.doc = v;
        return undefined;
      }
      const f = findObject(root, path.v);
      if (!f) return `replace operation does not apply: doc is missing path: ${path.v}: ${ERR_MISSING}`;
      const got = f.con.get(f.key);
      if (!got.ok) return `replace operation does not apply: doc is missing key: ${path.v}: ${ERR_MISSING}`;
      const err = f.con.set(f.key, opValue(op));
      return err ? `error in remove for path: '${path.v}': ${err}` : undefined;
    }
    case 'move': {
      const from = opFrom(op);
      if (!from.ok) return `move operation failed to decode from: ${from.err}`;
      const f = findObject(root, from.v);
      if (!f) return `move operation does not apply: doc is missing from path: ${from.v}: ${ERR_MISSING}`;
      const got = f.con.get(f.key);
      if (!got.ok) return `error in move for path: '${f.key}': ${got.err}`;
      const rmErr = f.con.remove(f.key);
      if (rmErr) return `error in move for path: '${f.key}': ${rmErr}`;
      const path = opPath(op);
      if (!path.ok) return `move operation failed to decode path: ${path.err}`;
      const t = findObject(root, path.v);
      if (!t) return `move operation does not apply: doc is missing destination path: ${path.v}: ${ERR_MISSING}`;
      const err = t.con.add(t.key, got.value === undefined ? null : got.value);
      return err ? `error in move for path: '${path.v}': ${err}` : undefined;
    }
    case 'test': {
      const path = opPath(op);
      if (!path.ok) return `test operation failed to decode path: ${path.err}`;
      const failed = `testing value ${path.v} failed: ${ERR_TEST_FAILED}`;
      const hasValue = op['value'] !== undefined && op['value'] !== null;
      if (path.v === '') return deepEqual(root.doc, op['value'] ?? null) ? undefined : failed;
      const f = findObject(root, path.v);
      if (!f) return `test operation does not apply: is missing path: ${path.v}: ${ERR_MISSING}`;
      const got = f.con.get(f.key);
      if (!got.ok) return `error in test for path: '${path.v}': ${got.err}`;
      if (got.value === undefined || got.value === null) {
        // evanphx: a missing key or a JSON null is a nil node; it matches an absent or null value.
        return hasValue ? failed : undefined;
      }
      if (!hasValue) return failed;
      return deepEqual(got.value, op['value']) ? undefined : failed;
    }
    case 'copy': {
      const from = opFrom(op);
      if (!from.ok) return `copy operation failed to decode from: ${from.err}`;
      const f = findObject(root, from.v);
      if (!f) return `copy operation does not apply: doc is missing from path: ${from.v}: ${ERR_MISSING}`;
      const got = f.con.get(f.key);
      if (!got.ok) return `error in copy for from: '${from.v}': ${got.err}`;
      const path = opPath(op);
      if (!path.ok) return `copy operation failed to decode path: ${ERR_MISSING}`;
      const t = findObject(root, path.v);
      if (!t) return `copy operation does not apply: doc is missing destination path: ${path.v}: ${ERR_MISSING}`;
      const copied = copyValue(got.value, root.maxDepth);
      if (typeof copied === 'string') return `error while performing deep copy: ${copied}`;
      root.copied += copied.size;
      if (root.maxCopyBytes > 0 && root.copied > root.maxCopyBytes) return copySizeExceededMessage(root.maxCopyBytes, root.copied);
      const err = t.con.add(t.key, copied.copy);
      return err ? `error while adding value during copy: ${err}` : undefined;
    }
    default:
      return `Unexpected kind: ${kind}`;
  }
}

/**
 * Check that `ops` decodes as a JSON patch (a list of operation objects), as DecodePatch does.
 * Throws 400 BadRequest with Go's decoder message otherwise; returns the operations (null = none).
 */
export function decodeJsonPatch(ops: unknown): Op[] {
  if (ops === null || ops === undefined) return [];
  if (!Array.isArray(ops)) {
    throw new KubeError('BadRequest', `json: cannot unmarshal ${goJsonKind(ops)} into Go value of type jsonpatch.Patch`);
  }
  return ops.map((op) => {
    if (op === null) return {};
    if (!isPlainObject(op)) {
      throw new KubeError('BadRequest', `json: cannot unmarshal ${goJsonKind(op)} into Go value of type jsonpatch.Operation`);
    }
    return op;
  });
}

/**
 * Apply an RFC 6902 patch to `doc` and return the new document. Neither argument is mutated.
 * Throws KubeError: 400 (undecodable patch), 413 (too many operations), 422 (an operation failed,
 * copies over `limits.maxCopyBytes`, a document deeper than `limits.maxDepth`).
 */
export function applyJsonPatch(doc: unknown, ops: unknown, limits: JsonPatchLimits = {}): unknown {
  const list = decodeJsonPatch(ops);
  if (list.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new KubeError(
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${list.length}`,
    );
  }
  if (!isPlainObject(doc) && !Array.isArray(doc)) {
    throw new KubeError('InternalError', `Internal error occurred: json patch target is not an object or array`);
  }
  const fail = (err: string): never => {
    throw new KubeError('Invalid', UNPROCESSABLE_MESSAGE, { details: {}, cause: new JsonPatchApplyError(err) });
  };
  const maxDepth = limits.maxDepth ?? MAX_JSON_NESTING_DEPTH;
  // Operation values are copied and compared recursively: none may be deeper than the document may be.
  for (const op of list) {
    if (valueDepth(op['value'], maxDepth) > maxDepth) fail(EXCEEDED_MAX_DEPTH);
  }
  const root: ApplyState = { doc: clone(doc) as Json, copied: 0, maxCopyBytes: limits.maxCopyBytes ?? JSON_PATCH_MAX_COPY_BYTES, maxDepth };
  for (const op of list) {
    const err = applyOne(root, op);
    if (err !== undefined) fail(err);
  }
  // add/replace values are as deep as the patch allows, but at a deep path, and moves stack subtrees.
  if (valueDepth(root.doc, maxDepth) > maxDepth) fail(EXCEEDED_MAX_DEPTH);
  return root.doc;
}
