/**
 * Encoding of responses as Kubernetes protobuf (`application/vnd.kubernetes.protobuf`), the inverse of decode.ts:
 * an object's JSON (what the API server would have written) becomes the message Go's protobuf marshalling writes
 * for the same Go struct, wrapped as upstream's protobuf serializer wraps it: the magic `k8s\0` and a
 * runtime.Unknown whose typeMeta names the object and whose raw holds it. Lists (`PodList`: metadata 1, items 2),
 * Status, PartialObjectMetadata(List) and WatchEvent have the messages upstream's generated.proto gives them,
 * added to the schema here. A watch stream is a sequence of frames: a 4-byte big-endian length, then a WatchEvent
 * (not wrapped) whose object holds the wrapped object (upstream's raw serializer and length-delimited framer).
 *
 * Nothing is dropped silently: an object holding a field the schema does not know (or a value of the wrong
 * JSON type) is not encodable, and the caller answers it in JSON instead (client-go reads a response by its
 * Content-Type).
 */
import protobuf from 'protobufjs';
import { KubeError } from '../../../api/errors.js';
import { isPlainObject, type JsonObject } from '../../../api/values.js';
import { KUBERNETES_PROTOBUF_MAGIC, kubernetesProtoRoot, protobufMessageName } from './decode.js';

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const RUNTIME = 'k8s.io.apimachinery.pkg.runtime';

/** Messages upstream has and our decoding schema did not need (field numbers from upstream's generated.proto). */
const EXTRA_META_MESSAGES: Record<string, Record<string, { id: number; type: string; rule?: 'repeated' }>> = {
  Status: {
    metadata: { id: 1, type: 'ListMeta' },
    status: { id: 2, type: 'string' },
    message: { id: 3, type: 'string' },
    reason: { id: 4, type: 'string' },
    details: { id: 5, type: 'StatusDetails' },
    code: { id: 6, type: 'int32' },
  },
  StatusDetails: {
    name: { id: 1, type: 'string' },
    group: { id: 2, type: 'string' },
    kind: { id: 3, type: 'string' },
    causes: { id: 4, type: 'StatusCause', rule: 'repeated' },
    retryAfterSeconds: { id: 5, type: 'int32' },
    uid: { id: 6, type: 'string' },
  },
  StatusCause: {
    reason: { id: 1, type: 'string' },
    message: { id: 2, type: 'string' },
    field: { id: 3, type: 'string' },
  },
  PartialObjectMetadata: { metadata: { id: 1, type: 'ObjectMeta' } },
  PartialObjectMetadataList: { metadata: { id: 1, type: 'ListMeta' }, items: { id: 2, type: 'PartialObjectMetadata', rule: 'repeated' } },
  WatchEvent: { type: { id: 1, type: 'string' }, object: { id: 2, type: `.${RUNTIME}.RawExtension` } },
};

let extended: protobuf.Root | undefined;

/** The decoding schema plus the messages only responses need (built once). */
function encodingRoot(): protobuf.Root {
  if (extended) return extended;
  const root = kubernetesProtoRoot();
  const meta = root.lookup(META);
  if (!(meta instanceof protobuf.Namespace)) throw new KubeError('InternalError', `no ${META} in the protobuf schema`, { code: 'ERR_CONFIG' });
  for (const [name, fields] of Object.entries(EXTRA_META_MESSAGES)) {
    if (meta.get(name)) continue;
    const t = new protobuf.Type(name);
    for (const [field, f] of Object.entries(fields)) t.add(new protobuf.Field(field, f.id, f.type, f.rule === 'repeated' ? 'repeated' : 'optional'));
    meta.add(t);
  }
  root.resolveAll();
  extended = root;
  return root;
}

/** The `<Kind>List` message of a kind's message (`k8s.io.api.core.v1.PodList`), added on first use. */
function listType(root: protobuf.Root, itemMessage: string): protobuf.Type {
  const item = root.lookupType(itemMessage);
  const ns = item.parent!;
  const name = `${item.name}List`;
  const existing = ns.get(name);
  if (existing instanceof protobuf.Type) return existing;
  const t = new protobuf.Type(name);
  t.add(new protobuf.Field('metadata', 1, `.${META}.ListMeta`));
  t.add(new protobuf.Field('items', 2, item.fullName, 'repeated'));
  ns.add(t);
  t.resolveAll();
  return t;
}

/** The message an object of (apiVersion, kind) is written as, or undefined. */
export function responseMessage(apiVersion: string, kind: string): protobuf.Type | undefined {
  const root = encodingRoot();
  if (kind === 'Status' && apiVersion === 'v1') return root.lookupType(`${META}.Status`);
  if ((kind === 'PartialObjectMetadata' || kind === 'PartialObjectMetadataList') && (apiVersion === 'meta.k8s.io/v1' || apiVersion === 'meta.k8s.io/v1beta1')) {
    return root.lookupType(`${META}.${kind}`);
  }
  const own = protobufMessageName(apiVersion, kind);
  if (own && kind !== 'DeleteOptions') return root.lookupType(own);
  if (kind.endsWith('List')) {
    const item = protobufMessageName(apiVersion, kind.slice(0, -'List'.length));
    if (item) return listType(root, item);
  }
  return undefined;
}

/** Why an object cannot be written: the first field the schema does not hold. */
class Unencodable {
  constructor(readonly path: string) {}
}

const TYPE_META = new Set(['apiVersion', 'kind']);
const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const opt = (f: protobuf.Field, name: string): boolean => f.options?.[`(kubelab.${name})`] === true;

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** Go's RFC 3339 (Time, MicroTime) as seconds and nanoseconds. */
export function parseKubeTime(s: string): { seconds: number; nanos: number } | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const offset = m[8] === 'Z' ? 0 : (m[8]!.startsWith('-') ? -1 : 1) * (Number(m[8]!.slice(1, 3)) * 60 + Number(m[8]!.slice(4, 6)));
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (Number.isNaN(ms)) return undefined;
  return { seconds: ms / 1000 - offset * 60, nanos: m[7] ? Number(m[7].padEnd(9, '0')) : 0 };
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };

/** Go's time.ParseDuration, in nanoseconds (undefined when it is not a duration). */
export function parseGoDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
  if (!m) return undefined;
  let total = 0;
  for (const part of s.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * DURATION_UNITS[part[2]!]!;
  return Math.round(m[1] === '-' ? -total : total);
}

/** A message value for a type whose Go type marshals its own JSON, or `false` when `type` is not one. */
function specialFromJson(type: protobuf.Type, v: unknown, path: string): Record<string, unknown> | false {
  switch (type.fullName) {
    case `.${META}.Time`:
    case `.${META}.MicroTime`: {
      const t = typeof v === 'string' ? parseKubeTime(v) : undefined;
      if (!t) throw new Unencodable(path);
      return { seconds: t.seconds, nanos: type.name === 'MicroTime' ? t.nanos : 0 };
    }
    case `.${META}.Duration`: {
      const d = typeof v === 'string' ? parseGoDuration(v) : undefined;
      if (d === undefined) throw new Unencodable(path);
      return { duration: d };
    }
    case `.${META}.FieldsV1`:
    case `.${RUNTIME}.RawExtension`:
      return { [type.fields.Raw ? 'Raw' : 'raw']: Buffer.from(JSON.stringify(v), 'utf8') };
    case '.k8s.io.apimachinery.pkg.util.intstr.IntOrString':
      if (typeof v === 'number' && Number.isInteger(v)) return { type: 0, intVal: v };
      if (typeof v === 'string') return { type: 1, strVal: v };
      throw new Unencodable(path);
    case '.k8s.io.apimachinery.pkg.api.resource.Quantity':
      if (typeof v === 'string' || typeof v === 'number') return { string: String(v) };
      throw new Unencodable(path);
    case '.k8s.io.api.authorization.v1.ExtraValue':
    case '.k8s.io.api.authentication.v1.ExtraValue':
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { items: v };
      throw new Unencodable(path);
    default:
      return false;
  }
}

function scalarFromJson(field: protobuf.Field, v: unknown, path: string): unknown {
  switch (field.type) {
    case 'string':
      if (typeof v === 'string') return v;
      break;
    case 'bool':
      if (typeof v === 'boolean') return v;
      break;
    case 'bytes':
      if (typeof v === 'string') return Buffer.from(v, 'base64');
      break;
    case 'double':
    case 'float':
      if (typeof v === 'number') return v;
      break;
    default:
      if (typeof v === 'number' && Number.isInteger(v)) return v;
  }
  throw new Unencodable(path);
}

function valueFromJson(field: protobuf.Field, v: unknown, path: string): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    const special = specialFromJson(rt, v, path);
    if (special !== false) return special;
    if (!isPlainObject(v)) throw new Unencodable(path);
    return messageFromJson(rt, v, path);
  }
  return scalarFromJson(field, v, path);
}

/** The JSON keys a message reads from its object: its own fields and those of its inline (embedded) fields. */
function jsonKeys(type: protobuf.Type, out = new Set<string>()): Set<string> {
  for (const f of type.fieldsArray) {
    if (opt(f, 'inline') && f.resolvedType instanceof protobuf.Type) jsonKeys(f.resolvedType, out);
    else out.add(f.name);
  }
  return out;
}

/** An object's JSON as the fields of `type` (protobufjs' object form); throws Unencodable for anything the schema lacks. */
function messageFromJson(type: protobuf.Type, obj: Record<string, unknown>, path: string, skip: readonly string[] = []): Record<string, unknown> {
  const known = jsonKeys(type);
  for (const k of Object.keys(obj)) {
    // TypeMeta (apiVersion, kind) is the envelope's, and a list's items carry none on the wire
    if (!known.has(k) && !skip.includes(k) && !TYPE_META.has(k) && obj[k] !== null && obj[k] !== undefined) throw new Unencodable(`${path}.${k}`);
  }
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (opt(field, 'inline') && field.resolvedType instanceof protobuf.Type) {
      out[field.name] = messageFromJson(field.resolvedType, obj, path, [...known]);
      continue;
    }
    if (!has(obj, field.name)) continue;
    const v = obj[field.name];
    if (v === null || v === undefined) continue;
    const p = `${path}.${field.name}`;
    if (field.map) {
      if (!isPlainObject(v)) throw new Unencodable(p);
      const m: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (x === null) continue;
        m[k] = field.resolvedType ? valueFromJson(field, x, `${p}[${k}]`) : scalarFromJson(field, x, `${p}[${k}]`);
      }
      out[field.name] = m;
    } else if (field.repeated) {
      if (!Array.isArray(v)) throw new Unencodable(p);
      out[field.name] = v.map((x, i) => valueFromJson(field, x, `${p}[${i}]`));
    } else {
      out[field.name] = valueFromJson(field, v, p);
    }
  }
  return out;
}

/** The message bytes of `obj` (without envelope), or undefined when it holds something the schema does not. */
function encodeMessage(type: protobuf.Type, obj: JsonObject): Uint8Array | undefined {
  try {
    const form = messageFromJson(type, obj, '');
    return type.encode(type.fromObject(form)).finish();
  } catch (e) {
    if (e instanceof Unencodable) return undefined;
    throw e;
  }
}

/**
 * An object (with apiVersion and kind) as a whole Kubernetes protobuf body: magic + runtime.Unknown.
 * Undefined when its kind has no message or it holds a field the message does not.
 */
export function encodeKubernetesProtobuf(obj: JsonObject): Buffer | undefined {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const type = responseMessage(apiVersion, kind);
  if (!type) return undefined;
  const raw = encodeMessage(type, obj);
  if (!raw) return undefined;
  const unknown = encodingRoot().lookupType(`${RUNTIME}.Unknown`);
  const envelope = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish();
  return Buffer.concat([KUBERNETES_PROTOBUF_MAGIC, envelope]);
}

/** One watch event as a length-delimited protobuf frame, or undefined when its object cannot be encoded. */
export function encodeWatchFrame(type: string, obj: JsonObject): Buffer | undefined {
  const inner = encodeKubernetesProtobuf(obj);
  if (!inner) return undefined;
  const t = encodingRoot().lookupType(`${META}.WatchEvent`);
  const event = t.encode(t.fromObject({ type, object: { raw: inner } })).finish();
  const frame = Buffer.alloc(4 + event.length);
  frame.writeUInt32BE(event.length, 0);
  frame.set(event, 4);
  return frame;
}
