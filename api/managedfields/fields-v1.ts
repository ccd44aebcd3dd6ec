/**
 * Edits of FieldsV1 JSON in place of decoding it: an update usually touches a few fields of an object
 * whose managers own thousands, so the stored entries are changed along the touched paths only
 * (copy on write) instead of being decoded into field sets and encoded again. In FieldsV1 a node is a
 * member when it is `{}` or holds `"."`; its other keys are its children.
 */
import { isPlainObject } from '../values.js';
import type { FieldSet } from './fieldset.js';

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function hasChildren(o: Record<string, unknown>): boolean {
  for (const k in o) if (k !== '.') return true;
  return false;
}

/**
 * `node` without the paths of `set` (below it) as members; undefined when nothing is left. `node` is
 * not changed; what is not touched is shared.
 */
export function removeFromFieldsV1(node: Record<string, unknown>, set: FieldSet): Record<string, unknown> | undefined {
  const isLeaf = !hasChildren(node) && !has(node, '.');
  const hasDot = has(node, '.');
  const member = (isLeaf || hasDot) && !set.member;
  let out = node;
  let copied = false;
  if (!isLeaf) {
    for (const [pe, sub] of set.children) {
      if (!has(node, pe)) continue;
      const v = node[pe];
      if (!isPlainObject(v)) continue;
      const nv = removeFromFieldsV1(v, sub);
      if (nv === v) continue;
      if (!copied) {
        out = { ...node };
        copied = true;
      }
      if (nv === undefined) delete out[pe];
      else out[pe] = nv;
    }
  }
  if (!hasChildren(out)) return member ? (copied || hasDot ? {} : out) : undefined;
  if (member === hasDot) return out;
  if (!copied) out = { ...out };
  delete out['.'];
  return out;
}

/** `node` (undefined: none) with the paths of `set` added as members. */
export function addToFieldsV1(node: Record<string, unknown> | undefined, set: FieldSet): Record<string, unknown> {
  const wasMember = node !== undefined && (has(node, '.') || !hasChildren(node));
  const out: Record<string, unknown> = node ? { ...node } : {};
  for (const [pe, sub] of set.children) {
    if (sub.isEmpty()) continue;
    const cur = out[pe];
    out[pe] = addToFieldsV1(isPlainObject(cur) ? cur : undefined, sub);
  }
  if (!hasChildren(out)) return {};
  if (wasMember || set.member) out['.'] = {};
  else delete out['.'];
  return out;
}
