/**
 * Patch application used by the fake client: JSON merge patch (RFC 7386) and JSON patch (RFC 6902).
 * Strategic merge and server-side apply are approximated by a merge patch (lists are replaced whole);
 * the real semantics live in the API server.
 */

import { KubeError, errors } from '../errors.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. Returns a new value. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw errors.badRequest(`invalid JSON pointer "${p}"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: unknown, parts: string[]): unknown {
  let cur = doc;
  for (const part of parts) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isObj(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

function parentOf(doc: unknown, parts: string[], path: string): { parent: unknown; last: string } {
  if (parts.length === 0) throw errors.badRequest(`cannot operate on the document root: ${path}`);
  const parent = getAt(doc, parts.slice(0, -1));
  if (parent === undefined || (parent !== null && typeof parent !== 'object'))
    throw new Error(`doc is missing path: "${path}"`);
  return { parent, last: parts[parts.length - 1]! };
}

function remove(doc: unknown, path: string): unknown {
  const parts = parsePointer(path);
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new Error(`Unable to remove nonexistent key: ${last}: missing value`);
    return parent.splice(i, 1)[0];
  }
  const o = parent as Record<string, unknown>;
  if (!(last in o)) throw new Error(`Unable to remove nonexistent key: ${last}: missing value`);
  const v = o[last];
  delete o[last];
  return v;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const parts = parsePointer(path);
  if (parts.length === 0) return structuredClone(value);
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new Error(`index out of range: ${last}`);
    parent.splice(i, 0, structuredClone(value));
  } else (parent as Record<string, unknown>)[last] = structuredClone(value);
  return doc;
}

/** RFC 6902. Throws a 422-like KubeError (`Invalid` is what upstream answers) when an op fails. */
export function applyJsonPatch(target: unknown, ops: JsonPatchOp[]): unknown {
  let doc: unknown = structuredClone(target);
  try {
    for (const op of ops) {
      switch (op.op) {
        case 'add':
          doc = add(doc, op.path, op.value);
          break;
        case 'remove':
          remove(doc, op.path);
          break;
        case 'replace':
          if (op.path === '') doc = structuredClone(op.value);
          else {
            remove(doc, op.path);
            doc = add(doc, op.path, op.value);
          }
          break;
        case 'move': {
          const v = remove(doc, op.from ?? '');
          doc = add(doc, op.path, v);
          break;
        }
        case 'copy':
          doc = add(doc, op.path, getAt(doc, parsePointer(op.from ?? '')));
          break;
        case 'test':
          if (JSON.stringify(getAt(doc, parsePointer(op.path))) !== JSON.stringify(op.value))
            throw new Error(`testing value ${op.path} failed`);
          break;
        default:
          throw new Error(`Unexpected kind: ${(op as { op: string }).op}`);
      }
    }
  } catch (e) {
    if (e instanceof KubeError) throw e;
    throw new KubeError('Invalid', (e as Error).message);
  }
  return doc;
}

export type { Json };
