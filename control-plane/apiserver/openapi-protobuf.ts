/**
 * The OpenAPI v2 document in gnostic's protobuf form (proto/openapi/openapiv2.proto), what kubectl asks
 * `/openapi/v2` for (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`). Pure conversion of the JSON
 * document: JSON Schema keywords to Schema fields, `x-*` keys and free-form values to YAML text in Any.yaml.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { stringify } from 'yaml';
import { isPlainObject } from '../../api/values.js';
import { findRepoRoot } from './protobuf/decode.js';

/** The media type kubectl asks for (its `@` is no MIME token character) and the one answered, as kube-openapi's handler. */
export const OPENAPI_V2_PROTOBUF_ACCEPTED = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'];
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Json = Record<string, unknown>;

let documentType: protobuf.Type | undefined;

function openapiDocumentType(): protobuf.Type {
  if (documentType) return documentType;
  const root = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
  const r = new protobuf.Root();
  r.loadSync(join(root, 'proto', 'openapi', 'openapiv2.proto'), { keepCase: true });
  r.resolveAll();
  documentType = r.lookupType('openapi.v2.Document');
  return documentType;
}

/** A free-form value as gnostic carries it: YAML text. */
function anyOf(v: unknown): Json {
  return { yaml: stringify(v) };
}

function extensions(o: Json): Json[] {
  return Object.entries(o)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, v]) => ({ name, value: anyOf(v) }));
}

const NUMBER_FIELDS: Record<string, string> = {
  multipleOf: 'multiple_of', maximum: 'maximum', minimum: 'minimum', maxLength: 'max_length', minLength: 'min_length',
  maxItems: 'max_items', minItems: 'min_items', maxProperties: 'max_properties', minProperties: 'min_properties',
};
const BOOL_FIELDS: Record<string, string> = {
  exclusiveMaximum: 'exclusive_maximum', exclusiveMinimum: 'exclusive_minimum', uniqueItems: 'unique_items', readOnly: 'read_only',
};
const STRING_FIELDS: Record<string, string> = { $ref: '_ref', format: 'format', title: 'title', description: 'description', pattern: 'pattern' };

/** One JSON Schema (OpenAPI v2 flavour) as a gnostic Schema message. */
export function schemaMessage(s: Json): Json {
  const m: Json = {};
  for (const [k, f] of Object.entries(STRING_FIELDS)) if (typeof s[k] === 'string') m[f] = s[k];
  for (const [k, f] of Object.entries(NUMBER_FIELDS)) if (typeof s[k] === 'number') m[f] = s[k];
  for (const [k, f] of Object.entries(BOOL_FIELDS)) if (typeof s[k] === 'boolean') m[f] = s[k];
  if (s.default !== undefined) m.default = anyOf(s.default);
  if (s.example !== undefined) m.example = anyOf(s.example);
  if (Array.isArray(s.required)) m.required = s.required.filter((x) => typeof x === 'string');
  if (Array.isArray(s.enum)) m.enum = s.enum.map(anyOf);
  if (typeof s.type === 'string') m.type = { value: [s.type] };
  else if (Array.isArray(s.type)) m.type = { value: s.type.filter((x) => typeof x === 'string') };
  if (isPlainObject(s.items)) m.items = { schema: [schemaMessage(s.items)] };
  else if (Array.isArray(s.items)) m.items = { schema: s.items.filter(isPlainObject).map(schemaMessage) };
  if (Array.isArray(s.allOf)) m.all_of = s.allOf.filter(isPlainObject).map(schemaMessage);
  if (isPlainObject(s.properties)) {
    m.properties = { additional_properties: Object.entries(s.properties).filter(([, v]) => isPlainObject(v)).map(([name, v]) => ({ name, value: schemaMessage(v as Json) })) };
  }
  if (typeof s.additionalProperties === 'boolean') m.additional_properties = { boolean: s.additionalProperties };
  else if (isPlainObject(s.additionalProperties)) m.additional_properties = { schema: schemaMessage(s.additionalProperties) };
  const ext = extensions(s);
  if (ext.length) m.vendor_extension = ext;
  return m;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function operationMessage(o: Json): Json {
  const m: Json = {};
  for (const k of ['summary', 'description'] as const) if (typeof o[k] === 'string') m[k] = o[k];
  if (typeof o.operationId === 'string') m.operation_id = o.operationId;
  for (const k of ['tags', 'produces', 'consumes', 'schemes'] as const) if (Array.isArray(o[k])) m[k] = o[k];
  if (o.deprecated === true) m.deprecated = true;
  const ext = extensions(o);
  if (ext.length) m.vendor_extension = ext;
  return m;
}

/** The whole JSON v2 document as a gnostic Document message (plain object, protobufjs field names). */
export function documentMessage(doc: Json): Json {
  const info = isPlainObject(doc.info) ? doc.info : {};
  const paths = isPlainObject(doc.paths) ? doc.paths : {};
  const definitions = isPlainObject(doc.definitions) ? doc.definitions : {};
  return {
    swagger: typeof doc.swagger === 'string' ? doc.swagger : '2.0',
    info: { title: String(info.title ?? ''), version: String(info.version ?? '') },
    paths: {
      path: Object.entries(paths).filter(([, v]) => isPlainObject(v)).map(([name, v]) => {
        const item = v as Json;
        const value: Json = {};
        for (const method of METHODS) if (isPlainObject(item[method])) value[method] = operationMessage(item[method]);
        const ext = extensions(item);
        if (ext.length) value.vendor_extension = ext;
        return { name, value };
      }),
    },
    definitions: {
      additional_properties: Object.entries(definitions).filter(([, v]) => isPlainObject(v)).map(([name, v]) => ({ name, value: schemaMessage(v as Json) })),
    },
  };
}

/** The document's protobuf bytes. */
export function encodeOpenAPIV2(doc: Json): Buffer {
  const t = openapiDocumentType();
  return Buffer.from(t.encode(t.fromObject(documentMessage(doc))).finish());
}

/** Decode (tests, and a check that the bytes are what a reader sees). */
export function decodeOpenAPIV2(bytes: Uint8Array): Json {
  const t = openapiDocumentType();
  return t.toObject(t.decode(bytes), { longs: Number, defaults: false }) as Json;
}
