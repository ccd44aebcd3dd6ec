/**
 * Decoding of Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), the format the
 * real kubectl's typed clients POST/PUT in. The body is the magic `k8s\0` followed by a runtime.Unknown
 * envelope whose `typeMeta` names the object and whose `raw` holds it; we decode `raw` with protobufjs
 * against our own subset of Kubernetes' schema (proto/k8s/) and turn the message into the plain JSON
 * object Go's encoding/json would have written for the same Go struct, so the rest of the API server
 * sees exactly what a JSON client would have sent.
 *
 * Per-field JSON rules come from kubelab's field options in the .proto files (see kubelab/options.proto):
 * `ptr` (keep zero values when present), `always` (emit even when zero or absent), `inline` (merge the
 * embedded struct into the parent object); with none, zero values and absent fields are dropped (omitempty).
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { KubeError } from '../../../api/errors.js';
import { RESOURCES, apiVersionOf } from '../../../api/resources.js';
import { registryGeneration } from '../../../api/kinds/registry.js';
import { isPlainObject, valueAt, type JsonObject, type JsonValue } from '../../../api/values.js';

/** The 4 bytes every Kubernetes protobuf body starts with. */
export const KUBERNETES_PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

export const KUBERNETES_PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** True for `application/vnd.kubernetes.protobuf` (any parameters, any case). Not for the `;stream=watch` form. */
export function isKubernetesProtobuf(contentType: string | undefined | null): boolean {
  if (!contentType) return false;
  const [media, ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
  if (media !== KUBERNETES_PROTOBUF_MEDIA_TYPE) return false;
  return !params.some((p) => p.replace(/\s+/g, '') === 'stream=watch');
}

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** Kinds decoded that are not served resources of their own (subresource bodies, templates). */
const NON_RESOURCE_KINDS: Record<string, string> = {
  'v1/PodTemplate': 'k8s.io.api.core.v1.PodTemplate',
  'policy/v1/Eviction': 'k8s.io.api.policy.v1.Eviction',
  'autoscaling/v1/Scale': 'k8s.io.api.autoscaling.v1.Scale',
  'authentication.k8s.io/v1/TokenRequest': 'k8s.io.api.authentication.v1.TokenRequest',
};

/**
 * `apiVersion/kind` -> fully qualified message name (every registered kind's descriptor, plus the non-resource
 * kinds) and the group versions whose DeleteOptions we accept (client-go encodes it in the client's own group
 * version): made once per registry generation, not per request.
 */
let tables: { generation: number; kinds: Record<string, string>; deleteOptionsVersions: Set<string> } | undefined;

function protobufTables(): { kinds: Record<string, string>; deleteOptionsVersions: Set<string> } {
  const generation = registryGeneration();
  if (tables?.generation === generation) return tables;
  const kinds: Record<string, string> = {};
  for (const r of RESOURCES) if (r.definition.protobufMessage) kinds[`${apiVersionOf(r)}/${r.kind}`] = r.definition.protobufMessage;
  tables = {
    generation,
    kinds: { ...kinds, ...NON_RESOURCE_KINDS },
    deleteOptionsVersions: new Set(['v1', 'meta.k8s.io/v1', 'policy/v1', 'autoscaling/v1', ...RESOURCES.map(apiVersionOf)]),
  };
  return tables;
}

/** The message type for an apiVersion + kind, or undefined when we do not decode it. Pure. */
export function protobufMessageName(apiVersion: string, kind: string): string | undefined {
  const t = protobufTables();
  if (kind === 'DeleteOptions' && t.deleteOptionsVersions.has(apiVersion)) return `${META}.DeleteOptions`;
  return t.kinds[`${apiVersion}/${kind}`];
}

/** The (apiVersion, kind) pairs decodeKubernetesProtobuf understands, DeleteOptions excluded. */
export function supportedProtobufKinds(): Array<{ apiVersion: string; kind: string }> {
  return Object.keys(protobufTables().kinds).map((k) => {
    const i = k.lastIndexOf('/');
    return { apiVersion: k.slice(0, i), kind: k.slice(i + 1) };
  });
}

const PROTO_FILES = [
  'apimachinery/runtime.proto',
  'apimachinery/meta-v1.proto',
  'api/core-v1.proto',
  'api/authorization-v1.proto',
  'api/authentication-v1.proto',
  'api/apps-v1.proto',
  'api/batch-v1.proto',
  'api/policy-v1.proto',
  'api/autoscaling-v1.proto',
  'api/autoscaling-v2.proto',
  'api/coordination-v1.proto',
  'api/discovery-v1.proto',
  'api/events-v1.proto',
  'api/scheduling-v1.proto',
  'api/networking-v1.proto',
  'api/rbac-v1.proto',
  'api/storage-v1.proto',
  'api/certificates-v1.proto',
  'api/authentication-v1.proto',
  'api/apiregistration-v1.proto',
];

/** The repository root: the nearest folder above `start` that has a package.json. */
export function findRepoRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new KubeError('InternalError', `no package.json above ${start}`, { code: 'ERR_CONFIG' });
    dir = up;
  }
}

let cachedRoot: protobuf.Root | undefined;

/** Our proto/k8s schema, loaded (synchronously) on first use and kept. */
export function kubernetesProtoRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const here = dirname(fileURLToPath(import.meta.url));
  const protoDir = join(findRepoRoot(here), 'proto', 'k8s');
  const protobufjsDir = dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? join(protobufjsDir, target) : join(protoDir, target);
  root.loadSync(PROTO_FILES, { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

/** Decode a whole protobuf request body (magic + runtime.Unknown) into the object's JSON form. */
export function decodeKubernetesProtobuf(body: Buffer | Uint8Array): JsonObject {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length < 4 || !buf.subarray(0, 4).equals(KUBERNETES_PROTOBUF_MAGIC)) {
    throw new KubeError('BadRequest', 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  const root = kubernetesProtoRoot();
  const unknownType = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  let envelope: protobuf.Message;
  try {
    envelope = unknownType.decode(buf.subarray(4));
  } catch (e) {
    throw new KubeError('BadRequest', `unable to decode protobuf envelope: ${(e as Error).message}`, { cause: e });
  }
  const apiVersion = stringField(envelope, 'typeMeta', 'apiVersion');
  const kind = stringField(envelope, 'typeMeta', 'kind');
  const contentEncoding = stringField(envelope, 'contentEncoding');
  const contentType = stringField(envelope, 'contentType');
  if (contentEncoding) {
    throw new KubeError('BadRequest', `unsupported protobuf content encoding "${contentEncoding}"`);
  }
  if (contentType && contentType !== KUBERNETES_PROTOBUF_MEDIA_TYPE) {
    throw new KubeError('BadRequest', `unsupported protobuf inner content type "${contentType}"`);
  }
  if (!kind) throw new KubeError('BadRequest', "Object 'Kind' is missing in protobuf body");
  const name = protobufMessageName(apiVersion, kind);
  if (!name) {
    throw new KubeError('BadRequest', `no kind "${kind}" is registered for version "${apiVersion}"`);
  }
  const type = root.lookupType(name);
  const rawField = valueAt(envelope, 'raw');
  const raw = rawField instanceof Uint8Array ? rawField : new Uint8Array(0);
  let msg: protobuf.Message;
  try {
    msg = type.decode(raw);
  } catch (e) {
    throw new KubeError('BadRequest', `unable to decode ${kind}: ${(e as Error).message}`, { cause: e });
  }
  return { apiVersion, kind, ...messageToJson(type, msg) };
}

/** A string field of a decoded message ('' when absent: proto3's default). */
function stringField(msg: protobuf.Message, ...path: string[]): string {
  const v = valueAt(msg, ...path);
  return typeof v === 'string' ? v : '';
}

// ---- message -> JSON (pure, driven by the reflected schema) ----
// A decoded message is read as a plain object of its fields (protobufjs sets each present field as an own property).

type Json = JsonValue;

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const opt = (f: protobuf.Field, name: string): boolean => f.options?.[`(kubelab.${name})`] === true;

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) {
    const l = v as { low: number; high: number; unsigned?: boolean };
    return new protobuf.util.LongBits(l.low >>> 0, l.high >>> 0).toNumber(l.unsigned === true);
  }
  return Number(v);
}

function isZeroScalar(type: string, v: unknown): boolean {
  if (type === 'string') return v === '';
  if (type === 'bool') return v === false;
  if (type === 'bytes') return (v as Uint8Array).length === 0;
  return toNumber(v) === 0;
}

function scalarToJson(type: string, v: unknown): Json {
  switch (type) {
    case 'string':
      return v as string;
    case 'bool':
      return v as boolean;
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'double':
    case 'float':
      return v as number;
    default:
      return toNumber(v);
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Go's RFC 3339 in UTC: `2026-11-27T10:00:00Z`, or with microseconds `2026-11-27T10:00:00.123456Z`. */
export function formatKubeTime(seconds: number, nanos: number, micro: boolean): string {
  const d = new Date(seconds * 1000);
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return micro ? `${base}.${pad(Math.floor(nanos / 1000), 6)}Z` : `${base}Z`;
}

/** Go's time.Duration.String() for a nanosecond count (`1h2m3.5s`, `500ms`, `0s`). */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(ns);
  let out: string;
  if (n < 1e9) {
    const [unit, div] = n < 1e3 ? ['ns', 1] : n < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = `${trimFraction(n / div)}${unit}`;
  } else {
    const h = Math.floor(n / 3.6e12);
    n -= h * 3.6e12;
    const m = Math.floor(n / 6e10);
    n -= m * 6e10;
    out = `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${trimFraction(n / 1e9)}s`;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(x: number): string {
  return x.toFixed(9).replace(/\.?0+$/, '');
}

/**
 * The JSON of a message whose Go type marshals itself: Time, MicroTime, IntOrString, Quantity, FieldsV1,
 * Duration, RawExtension, ExtraValue. Returns `undefined` for "null" (a zero time), `false` when `type` is not special.
 */
function specialToJson(type: protobuf.Type, m: unknown): Json | undefined | false {
  const v = isPlainObject(m) ? m : {};
  switch (type.fullName) {
    case '.k8s.io.api.authorization.v1.ExtraValue':
    case '.k8s.io.api.authentication.v1.ExtraValue':
      // a []string in Go: its JSON is the list itself
      return Array.isArray(v.items) ? v.items.map((x) => String(x)) : [];
    case `.${META}.Time`:
    case `.${META}.MicroTime`: {
      const seconds = has(v, 'seconds') ? toNumber(v.seconds) : 0;
      const nanos = has(v, 'nanos') ? toNumber(v.nanos) : 0;
      if (seconds === 0 && nanos === 0) return undefined; // Go's zero time: JSON null
      return formatKubeTime(seconds, type.name === 'MicroTime' ? nanos : 0, type.name === 'MicroTime');
    }
    case `.${META}.Duration`:
      return formatGoDuration(has(v, 'duration') ? toNumber(v.duration) : 0);
    case `.${META}.FieldsV1`:
    case '.k8s.io.apimachinery.pkg.runtime.RawExtension': {
      const raw = v.Raw ?? v.raw;
      if (!(raw instanceof Uint8Array) || raw.length === 0) return undefined;
      const text = Buffer.from(raw).toString('utf8');
      try {
        return JSON.parse(text) as Json;
      } catch {
        throw new KubeError('BadRequest', `${type.name} does not hold JSON`);
      }
    }
    case '.k8s.io.apimachinery.pkg.util.intstr.IntOrString':
      return toNumber(v.type ?? 0) === 1 ? String(v.strVal ?? '') : toNumber(v.intVal ?? 0);
    case '.k8s.io.apimachinery.pkg.api.resource.Quantity':
      return typeof v.string === 'string' && v.string !== '' ? v.string : '0';
    case '.k8s.io.api.certificates.v1.ExtraValue':
      // A named []string: JSON writes the list itself.
      return Array.isArray(v.items) ? v.items.map((x) => String(x)) : [];
    default:
      return false;
  }
}

/** The JSON value of one (resolved, message-typed) value. */
function valueToJson(field: protobuf.Field, v: unknown): Json | undefined {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    const special = specialToJson(rt, v);
    if (special !== false) return special;
    return messageToJson(rt, v);
  }
  if (rt instanceof protobuf.Enum) return v as number; // Kubernetes' schema has no enums; kept for completeness
  return scalarToJson(field.type, v);
}

/** A decoded message as Go's encoding/json would write it (see the file comment for the rules). Pure. */
export function messageToJson(type: protobuf.Type, msg: unknown): JsonObject {
  const m = isPlainObject(msg) ? msg : {};
  const out: Record<string, Json> = {};
  for (const field of type.fieldsArray) {
    const key = field.name;
    const present = has(m, key);
    const v = present ? m[key] : undefined;

    if (field.map) {
      const entries = v && typeof v === 'object' ? Object.entries(v as Record<string, unknown>) : [];
      if (entries.length === 0) continue;
      const obj: Record<string, Json> = {};
      for (const [k, x] of entries) obj[k] = (field.resolvedType ? valueToJson(field, x) : scalarToJson(field.type, x)) ?? null;
      out[key] = obj;
      continue;
    }
    if (field.repeated) {
      if (!Array.isArray(v) || v.length === 0) continue;
      out[key] = v.map((x) => valueToJson(field, x) ?? null);
      continue;
    }
    if (field.resolvedType instanceof protobuf.Type) {
      if (opt(field, 'inline')) {
        if (present) Object.assign(out, messageToJson(field.resolvedType, v));
        continue;
      }
      if (!present && !opt(field, 'always')) continue;
      const j = valueToJson(field, v ?? {});
      if (j !== undefined) out[key] = j;
      continue;
    }
    // scalar
    if (present && v !== undefined && v !== null) {
      if (isZeroScalar(field.type, v) && !opt(field, 'ptr') && !opt(field, 'always')) continue;
      out[key] = scalarToJson(field.type, v);
    } else if (opt(field, 'always')) {
      out[key] = scalarToJson(field.type, field.type === 'string' ? '' : field.type === 'bool' ? false : field.type === 'bytes' ? new Uint8Array(0) : 0);
    }
  }
  return out;
}
