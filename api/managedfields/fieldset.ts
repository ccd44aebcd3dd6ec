/**
 * Field sets, as structured-merge-diff's fieldpath.Set: a tree of path elements where a node marked
 * `member` is a path in the set. Path elements are kept in their FieldsV1 spelling, which is also
 * their identity: `f:<field>`, `k:{"name":"x"}` (a map-list item by its keys, sorted by name),
 * `v:<json>` (a set-list item by its value), `i:<n>` (a list item by index). Pure; every operation
 * is linear in the sizes of the sets it reads.
 */
import { KubeError } from '../errors.js';
import { isPlainObject } from '../values.js';

export type PathElement = string;
export type Path = readonly PathElement[];

export class FieldSet {
  /** This node's own path is in the set. */
  member = false;
  readonly children = new Map<PathElement, FieldSet>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    let n: FieldSet = this;
    for (const pe of path) {
      let c = n.children.get(pe);
      if (!c) {
        c = new FieldSet();
        n.children.set(pe, c);
      }
      n = c;
    }
    n.member = true;
  }

  has(path: Path): boolean {
    const n = this.node(path);
    return n !== undefined && n.member;
  }

  /** The subtree below `path` (upstream's WithPrefix, for one or more elements); undefined when empty. */
  node(path: Path): FieldSet | undefined {
    let n: FieldSet | undefined = this;
    for (const pe of path) {
      n = n.children.get(pe);
      if (!n) return undefined;
    }
    return n;
  }

  child(pe: PathElement): FieldSet | undefined {
    return this.children.get(pe);
  }

  isEmpty(): boolean {
    if (this.member) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** Every path in the set, parents before children. */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (n: FieldSet, prefix: PathElement[]): void => {
      if (n.member) out.push([...prefix]);
      for (const pe of sortedElements(n.children.keys())) {
        prefix.push(pe);
        walk(n.children.get(pe)!, prefix);
        prefix.pop();
      }
    };
    walk(this, []);
    return out;
  }

  // Set operations answer new sets that share untouched subtrees with their inputs: a set is not
  // changed once built (only `insert` while it is made), so sharing is safe and keeps a small change
  // to a large set cheap.

  union(o: FieldSet): FieldSet {
    if (o.isEmpty()) return this;
    const out = new FieldSet();
    out.member = this.member || o.member;
    for (const [pe, c] of this.children) {
      const oc = o.children.get(pe);
      out.children.set(pe, oc ? c.union(oc) : c);
    }
    for (const [pe, oc] of o.children) if (!this.children.has(pe)) out.children.set(pe, oc);
    return out;
  }

  /** The paths of this set that are not in `o` (exact paths: a path below one of `o`'s stays). */
  difference(o: FieldSet): FieldSet {
    if (!this.overlaps(o)) return this;
    const out = new FieldSet();
    out.member = this.member && !o.member;
    for (const [pe, c] of this.children) {
      const oc = o.children.get(pe);
      const d = oc ? c.difference(oc) : c;
      if (!d.isEmpty()) out.children.set(pe, d);
    }
    return out;
  }

  /** Whether a path of `o` is in this set. Walks the smaller side. */
  overlaps(o: FieldSet): boolean {
    if (this.member && o.member) return true;
    const [small, large] = this.children.size <= o.children.size ? [this, o] : [o, this];
    for (const [pe, c] of small.children) {
      const lc = large.children.get(pe);
      if (lc && c.overlaps(lc)) return true;
    }
    return false;
  }

  /** The paths of this set that are neither in `o` nor below one of its paths. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !o.member;
    for (const [pe, c] of this.children) {
      const oc = o.children.get(pe);
      if (oc?.member) continue;
      const d = oc ? c.recursiveDifference(oc) : c;
      if (!d.isEmpty()) out.children.set(pe, d);
    }
    return out;
  }

  /** Walks the smaller side at every level. */
  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && o.member;
    const [small, large] = this.children.size <= o.children.size ? [this, o] : [o, this];
    for (const [pe, c] of small.children) {
      const lc = large.children.get(pe);
      if (!lc) continue;
      const i = c.intersection(lc);
      if (!i.isEmpty()) out.children.set(pe, i);
    }
    return out;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    for (const [pe, c] of this.children) out.children.set(pe, c.copy());
    return out;
  }

  equals(o: FieldSet): boolean {
    if (this.member !== o.member) return false;
    let n = 0;
    for (const [pe, c] of this.children) {
      if (c.isEmpty()) continue;
      const oc = o.children.get(pe);
      if (!oc || !c.equals(oc)) return false;
      n++;
    }
    for (const c of o.children.values()) if (!c.isEmpty()) n--;
    return n === 0;
  }

  /** The FieldsV1 JSON: `{"f:spec":{"f:replicas":{}}}`, `"."` marking a member that also has children. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const pe of sortedElements(this.children.keys())) {
      const c = this.children.get(pe)!;
      if (c.isEmpty()) continue;
      const inner = c.toFieldsV1();
      if (c.member && Object.keys(inner).length > 0) out[pe] = { '.': {}, ...inner };
      else out[pe] = inner;
    }
    return out;
  }

  /** A set from FieldsV1 JSON; throws FieldsV1Error on anything else (upstream's FieldsToSet). */
  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    readInto(s, v, 0);
    return s;
  }
}

/** FieldsV1 that does not decode (a non-object, an unknown element prefix, bad key JSON). */
export class FieldsV1Error extends KubeError {
  constructor(message: string) {
    super('BadRequest', message);
    this.name = 'FieldsV1Error';
  }
}

const MAX_FIELDS_DEPTH = 512;

function readInto(s: FieldSet, v: unknown, depth: number): void {
  if (!isPlainObject(v)) throw new FieldsV1Error('expected an object');
  if (depth > MAX_FIELDS_DEPTH) throw new FieldsV1Error('exceeded max depth');
  for (const [k, inner] of Object.entries(v)) {
    if (k === '.') {
      if (!isPlainObject(inner) || Object.keys(inner).length > 0) throw new FieldsV1Error('"." must map to an empty object');
      s.member = true;
      continue;
    }
    checkElement(k);
    if (!isPlainObject(inner)) throw new FieldsV1Error(`the value of ${k} is not an object`);
    let c = s.children.get(k);
    if (!c) {
      c = new FieldSet();
      s.children.set(k, c);
    }
    if (Object.keys(inner).length === 0) c.member = true;
    else readInto(c, inner, depth + 1);
  }
}

function checkElement(k: string): void {
  const prefix = k.slice(0, 2);
  const rest = k.slice(2);
  switch (prefix) {
    case 'f:':
      return;
    case 'i:':
      if (!/^-?[0-9]+$/.test(rest)) throw new FieldsV1Error(`invalid index path element ${JSON.stringify(k)}`);
      return;
    case 'k:':
    case 'v:': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rest);
      } catch {
        throw new FieldsV1Error(`invalid path element ${JSON.stringify(k)}`);
      }
      if (prefix === 'k:' && !isPlainObject(parsed)) throw new FieldsV1Error(`invalid key path element ${JSON.stringify(k)}`);
      return;
    }
    default:
      throw new FieldsV1Error(`unknown path element prefix in ${JSON.stringify(k)}`);
  }
}

/** Upstream's order of path elements: field names, then keys, then values, then indexes. */
function rank(pe: PathElement): number {
  switch (pe.charCodeAt(0)) {
    case 102: // f
      return 0;
    case 107: // k
      return 1;
    case 118: // v
      return 2;
    case 105: // i
      return 3;
    default:
      return 4;
  }
}

function sortedElements(keys: Iterable<PathElement>): PathElement[] {
  const out = [...keys];
  if (out.length < 2) return out;
  return out.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    if (ra === 3) return Number(a.slice(2)) - Number(b.slice(2));
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** A map-list item's element: its key fields, sorted by name, as a JSON object. */
export function keyElement(keys: readonly [string, unknown][]): PathElement {
  const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `k:{${sorted.map(([n, v]) => `${JSON.stringify(n)}:${JSON.stringify(v)}`).join(',')}}`;
}

export function valueElement(v: unknown): PathElement {
  return `v:${JSON.stringify(v)}`;
}

export function indexElement(i: number): PathElement {
  return `i:${i}`;
}

/** Go's %q-ish rendering of a value in a path (value.ToString): strings quoted, the rest as JSON. */
function valueString(v: unknown): string {
  return JSON.stringify(v);
}

/** A path as upstream's fieldpath.Path.String(): `.spec.containers[name="nginx"].image`, `[=value]`, `[0]`. */
export function pathString(path: Path): string {
  let out = '';
  for (const pe of path) {
    const rest = pe.slice(2);
    switch (pe.slice(0, 2)) {
      case 'f:':
        out += `.${rest}`;
        break;
      case 'k:': {
        const o = JSON.parse(rest) as Record<string, unknown>;
        out += `[${Object.entries(o)
          .map(([k, v]) => `${k}=${valueString(v)}`)
          .join(',')}]`;
        break;
      }
      case 'v:':
        out += `[=${valueString(JSON.parse(rest))}]`;
        break;
      default:
        out += `[${rest}]`;
    }
  }
  return out;
}
