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

type Obj = Record<string, unknown>;

/** Assign a key from user input; `__proto__` becomes a plain own property, never the prototype. */
function setProp(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** evanphx pruneNulls: drop null-valued keys in objects, recursively, also inside arrays (array nulls stay). */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((e) => (e === null ? null : pruneNulls(e)));
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null) continue;
      setProp(out, k, pruneNulls(x));
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
      setProp(out, k, pruneNulls(v));
    } else {
      setProp(out, k, merge(cur, v));
    }
  }
  return out;
}

/** evanphx merge(cur, patch): only object into object merges. */
function merge(cur: unknown, patch: unknown): unknown {
  if (!isObj(cur)) return pruneNulls(patch);
  if (!isObj(patch)) return structuredClone(patch);
  return mergeDocs(cur, patch);
}

/** Apply an RFC 7386 merge patch to `doc`, returning a new document. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return pruneNulls(patch);
  if (!isObj(patch)) throw new KubeError('BadRequest', 'Invalid JSON Patch');
  if (doc === null) throw new KubeError('InternalError', 'Invalid JSON Document');
  if (!isObj(doc)) return pruneNulls(patch);
  return structuredClone(mergeDocs(doc, patch));
}
