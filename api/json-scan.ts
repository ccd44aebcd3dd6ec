/**
 * Limits on the shape of decoded request bodies, checked without recursion: nesting depth (JSON text,
 * YAML flow brackets, decoded values, which may be cyclic when they come from YAML aliases) and
 * duplicate object keys (what upstream's strict decoder reports as `duplicate field "spec.paused"`).
 *
 * Why a depth limit lower than upstream's: Go's decoder stops at 10000 levels ("exceeded max depth");
 * Go stacks grow, Node's do not, and everything after decoding here (structuredClone, JSON.stringify,
 * the patch and validation walks) recurses: JSON.stringify overflows near 4100 levels and
 * structuredClone near 1900. No Kubernetes object comes near 100 levels (the deepest built-in,
 * a CronJob's pod affinity, is about 17; managedFields mirror it at about 35), so 512 keeps a wide
 * margin on both sides.
 */

/** The deepest nesting of objects and arrays accepted in a request body or a patch result. */
export const MAX_JSON_NESTING_DEPTH = 512;

/** Go's scanner message for a container that opens one level too deep. */
export function exceededMaxDepthMessage(opening: string): string {
  return `invalid character '${opening}' exceeded max depth`;
}

/** A duplicate key: its field path (`spec.template.spec.containers[0].image`) and where it repeats. */
export interface DuplicateKey {
  path: string;
  offset: number;
}

export interface JsonTextScan {
  /** Set when a container opens deeper than the limit: where, and which bracket. */
  tooDeep?: { offset: number; opening: '{' | '[' };
  /** Keys that repeat within one object, in the order their repetitions appear. */
  duplicates: DuplicateKey[];
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJ = 123;
const CLOSE_OBJ = 125;
const OPEN_ARR = 91;
const CLOSE_ARR = 93;
const COMMA = 44;

interface Frame {
  isObj: boolean;
  parent: Frame | undefined;
  /** The key (object member) or index (array element) this container sits at in its parent. */
  at: string | number;
  /** Objects: keys seen so far; the current key; whether the next string is a key. */
  keys: Set<string> | undefined;
  key: string;
  expectKey: boolean;
  /** Arrays: index of the current element. */
  index: number;
}

/** A field path as upstream prints it: members joined by `.`, elements as `[i]`. */
function pathOf(frame: Frame | undefined, leaf?: string): string {
  const parts: (string | number)[] = [];
  for (let f = frame; f && f.parent; f = f.parent) parts.push(f.at);
  parts.reverse();
  if (leaf !== undefined) parts.push(leaf);
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else out = out ? `${out}.${p}` : p;
  }
  return out;
}

/** End of the string literal that starts at `start` (the index of its closing quote, or text.length). */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return text.length;
    let b = q - 1;
    while (b > start && text.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q;
    from = q + 1;
  }
}

function keyText(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end);
  if (raw.indexOf('\\') < 0) return raw;
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return raw;
  }
}

function walkJson(text: string, maxDepth: number, onKey: ((frame: Frame, key: string, offset: number, duplicate: boolean) => void) | undefined): JsonTextScan {
  const duplicates: DuplicateKey[] = [];
  let top: Frame | undefined;
  let depth = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (top && top.isObj && top.expectKey) {
        const key = keyText(text, i, end);
        top.keys ??= new Set();
        const dup = top.keys.has(key);
        if (dup) duplicates.push({ path: pathOf(top, key), offset: i });
        else top.keys.add(key);
        onKey?.(top, key, i, dup);
        top.key = key;
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === OPEN_OBJ || c === OPEN_ARR) {
      depth++;
      if (depth > maxDepth) return { tooDeep: { offset: i, opening: c === OPEN_OBJ ? '{' : '[' }, duplicates };
      const at = top ? (top.isObj ? top.key : top.index) : '';
      top = { isObj: c === OPEN_OBJ, parent: top, at, keys: undefined, key: '', expectKey: c === OPEN_OBJ, index: 0 };
    } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
      if (top) {
        top = top.parent;
        depth--;
      }
    } else if (c === COMMA && top) {
      if (top.isObj) top.expectKey = true;
      else top.index++;
    }
    i++;
  }
  return { duplicates };
}

/**
 * One pass over JSON text, no recursion: the first container deeper than `maxDepth`, and every
 * repeated key. Meant to run before JSON.parse; on text that is not JSON it returns something
 * harmless (the parse that follows reports the syntax error).
 */
export function scanJsonText(text: string, maxDepth = MAX_JSON_NESTING_DEPTH): JsonTextScan {
  return walkJson(text, maxDepth, undefined);
}

/**
 * Where each key path first appears in JSON text (offsets), to put strict-decoding findings in
 * document order as upstream's decoder reports them. Only called when there is something to order.
 */
export function jsonKeyOffsets(text: string, maxDepth = MAX_JSON_NESTING_DEPTH): Map<string, number> {
  const first = new Map<string, number>();
  walkJson(text, maxDepth, (frame, key, offset) => {
    const p = pathOf(frame, key);
    if (!first.has(p)) first.set(p, offset);
  });
  return first;
}

/**
 * The deepest run of YAML flow brackets (`[` `{` against `]` `}`), counted over the whole text
 * without exception for quotes or comments, so no quoting trick hides real nesting from it. Returns
 * the offset of the first bracket past `maxDepth`, or -1. (The yaml parser spends seconds and
 * gigabytes on a few MB of `[[[[`, so this runs before it.)
 */
export function yamlFlowDepthExceeded(text: string, maxDepth = MAX_JSON_NESTING_DEPTH): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN_OBJ || c === OPEN_ARR) {
      if (++depth > maxDepth) return i;
    } else if ((c === CLOSE_OBJ || c === CLOSE_ARR) && depth > 0) {
      depth--;
    }
  }
  return -1;
}

export type NestingCheck = 'ok' | 'too-deep' | 'cycle';

/**
 * Is a decoded value within `maxDepth` levels of objects/arrays, and free of cycles (a YAML alias
 * that contains itself decodes to a cyclic value)? Iterative: safe on any input.
 */
export function checkValueNesting(value: unknown, maxDepth = MAX_JSON_NESTING_DEPTH): NestingCheck {
  if (value === null || typeof value !== 'object') return 'ok';
  // Depth-first with an explicit stack; `onPath` holds the containers from the root to the current one.
  const onPath = new Set<object>();
  const stack: { node: object; children: unknown[]; next: number }[] = [];
  const enter = (node: object): NestingCheck | undefined => {
    if (onPath.has(node)) return 'cycle';
    if (stack.length >= maxDepth) return 'too-deep';
    onPath.add(node);
    stack.push({ node, children: Array.isArray(node) ? node : Object.values(node), next: 0 });
    return undefined;
  };
  const first = enter(value);
  if (first) return first;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next >= top.children.length) {
      onPath.delete(top.node);
      stack.pop();
      continue;
    }
    const child = top.children[top.next++];
    if (child !== null && typeof child === 'object') {
      const r = enter(child);
      if (r) return r;
    }
  }
  return 'ok';
}

/** The nesting depth of a value (0 for a scalar, 1 for `{}`), counting at most up to `cap` + 1. Iterative. */
export function valueDepth(value: unknown, cap = MAX_JSON_NESTING_DEPTH): number {
  if (value === null || typeof value !== 'object') return 0;
  let max = 0;
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    if (d > max) {
      max = d;
      if (max > cap) return max;
    }
    const children = Array.isArray(v) ? v : Object.values(v as object);
    for (const c of children) if (c !== null && typeof c === 'object') stack.push({ v: c, d: d + 1 });
  }
  return max;
}
