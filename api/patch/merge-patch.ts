/**
 * JSON Merge Patch (RFC 7386) as the Kubernetes API server applies it (`application/merge-patch+json`),
 * following gopkg.in/evanphx/json-patch.v4 MergePatch:
 * - an object patch merges key by key; `null` deletes the key;
 * - any other patch value replaces the target; nulls inside a value that is put in place are pruned
 *   (also inside objects nested in arrays, as evanphx does);
 * - a patch that is `null`, a string, a number or a boolean is rejected: 400 "Invalid JSON Patch";
 * - an array patch replaces the whole document.
 * Neither argument is mutated.
 */
import { KubeError } from '../errors.js';
import { isPlainObject, setOwnProperty } from '../values.js';

type Obj = Record<string, unknown>;

/** evanphx pruneNulls: drop null-valued keys in objects, recursively, also inside arrays (array nulls stay). */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((e) => (e === null ? null : pruneNulls(e)));
  if (isPlainObject(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null) continue;
      setOwnProperty(out, k, pruneNulls(x));
    }
    return out;
  }
  return v;
}

function mergeDocs(doc: Obj, patch: Obj): Obj {
  const out: Obj = { ...doc };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (cur === undefined || cur === null) {
      setOwnProperty(out, k, pruneNulls(v));
    } else {
      setOwnProperty(out, k, merge(cur, v));
    }
  }
  return out;
}

/** evanphx merge(cur, patch): only object into object merges. */
function merge(cur: unknown, patch: unknown): unknown {
  if (!isPlainObject(cur)) return pruneNulls(patch);
  if (!isPlainObject(patch)) return structuredClone(patch);
  return mergeDocs(cur, patch);
}

/** Apply an RFC 7386 merge patch to `doc`, returning a new document. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return pruneNulls(patch);
  if (!isPlainObject(patch)) throw new KubeError('BadRequest', 'Invalid JSON Patch');
  if (doc === null) throw new KubeError('InternalError', 'Invalid JSON Document');
  if (!isPlainObject(doc)) return pruneNulls(patch);
  return structuredClone(mergeDocs(doc, patch));
}
