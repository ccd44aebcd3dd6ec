/**
 * Building blocks for the API type schemas: a tiny DSL over TypeBox that records upstream's
 * definition names and strategic-merge-patch metadata on the schemas themselves, so validation,
 * patch metadata and OpenAPI are all derived from one place.
 *
 * Conventions (as Kubernetes' Go `omitempty`): fields are Optional unless upstream always
 * serializes them and they are the identity of the object (a container's `name`, a port's number).
 * "Required" here is only a TypeScript convenience: the structural checker never rejects a missing
 * field (upstream's decoder does not either; validation does).
 */
import {
  Type,
  type TSchema,
  type TObject,
  type TProperties,
  type TOptional,
  type TString,
  type TInteger,
  type TNumber,
  type TBoolean,
  type TArray,
  type TRecord,
  type TUnknown,
  type TUnion,
  type ObjectOptions,
} from '@sinclair/typebox';

/** Key on a schema naming its upstream definition (`io.k8s.api.core.v1.Pod`). Stripped from OpenAPI output. */
export const DEF = 'x-kubelab-definition';

/** Upstream's OpenAPI vendor extensions we carry. */
export const X_PATCH_MERGE_KEY = 'x-kubernetes-patch-merge-key';
export const X_PATCH_STRATEGY = 'x-kubernetes-patch-strategy';
export const X_LIST_TYPE = 'x-kubernetes-list-type';
export const X_LIST_MAP_KEYS = 'x-kubernetes-list-map-keys';
export const X_MAP_TYPE = 'x-kubernetes-map-type';
export const X_INT_OR_STRING = 'x-kubernetes-int-or-string';
export const X_PRESERVE_UNKNOWN = 'x-kubernetes-preserve-unknown-fields';
export const X_EMBEDDED_RESOURCE = 'x-kubernetes-embedded-resource';
/** On a kind's root schema: decoded unstructured (a custom resource), type errors are validation's 422. Stripped from OpenAPI. */
export const X_UNSTRUCTURED = 'x-kubelab-unstructured';

/** Every named definition, by upstream name, in declaration order. */
export const DEFINITIONS = new Map<string, TSchema>();

/** Any schema as a plain JSON-schema-like object (for walkers). */
export type AnySchema = TSchema & Record<string, unknown>;

/** Declare a named object definition. */
export function def<T extends TProperties>(name: string, description: string, props: T, opts: ObjectOptions = {}): TObject<T> {
  const s = Type.Object(props, { [DEF]: name, description, ...opts });
  DEFINITIONS.set(name, s);
  return s;
}

/** Register a non-object named definition (Quantity, Time, IntOrString ...). */
function named<T extends TSchema>(name: string, s: T): T {
  (s as AnySchema)[DEF] = name;
  DEFINITIONS.set(name, s);
  return s;
}

type Ext = Record<string, unknown>;

function o(description?: string, ext?: Ext): Ext {
  const r: Ext = {};
  if (description) r.description = description;
  if (ext) Object.assign(r, ext);
  return r;
}

// ---- primitive fields (all optional) ----
export const S = (description?: string, ext?: Ext): TOptional<TString> => Type.Optional(Type.String(o(description, ext)));
export const I32 = (description?: string): TOptional<TInteger> => Type.Optional(Type.Integer(o(description, { format: 'int32' })));
export const I64 = (description?: string): TOptional<TInteger> => Type.Optional(Type.Integer(o(description, { format: 'int64' })));
export const NUM = (description?: string): TOptional<TNumber> => Type.Optional(Type.Number(o(description, { format: 'double' })));
export const B = (description?: string): TOptional<TBoolean> => Type.Optional(Type.Boolean(o(description)));
/** An optional string with upstream's `+enum` values (shown by kubectl explain; not enforced structurally). */
export const E = (description: string, values: string[]): TOptional<TString> => Type.Optional(Type.String({ description, enum: values }));
/** Required variants. */
export const RS = (description?: string, ext?: Ext): TString => Type.String(o(description, ext));
export const RI32 = (description?: string): TInteger => Type.Integer(o(description, { format: 'int32' }));

/** map[string]string */
export const SMap = (description?: string, ext?: Ext): TOptional<TRecord<TString, TString>> =>
  Type.Optional(Type.Record(Type.String(), Type.String(), o(description, ext)));

/** []string */
export const SList = (description?: string, ext?: Ext): TOptional<TArray<TString>> =>
  Type.Optional(Type.Array(Type.String(), o(description, ext)));

/** []T with optional patch metadata. */
export function Arr<T extends TSchema>(item: T, description?: string, ext?: Ext): TOptional<TArray<T>> {
  return Type.Optional(Type.Array(item, o(description, ext)));
}
export function RArr<T extends TSchema>(item: T, description?: string, ext?: Ext): TArray<T> {
  return Type.Array(item, o(description, ext));
}

/** map[string]T */
export function Map_<T extends TSchema>(value: T, description?: string, ext?: Ext): TOptional<TRecord<TString, T>> {
  return Type.Optional(Type.Record(Type.String(), value, o(description, ext)));
}

/**
 * A field whose type is a named definition, with the field's own description (the definition keeps
 * its own). OpenAPI renders it as a `$ref` (v2) / `allOf: [$ref]` (v3).
 */
export function F<T extends TSchema>(schema: T, description?: string, ext?: Ext): TOptional<T> {
  return Type.Optional(RF(schema, description, ext)) as unknown as TOptional<T>;
}
export function RF<T extends TSchema>(schema: T, description?: string, ext?: Ext): T {
  const copy = { ...schema } as T & Ext;
  delete copy.description;
  Object.assign(copy, o(description, ext));
  return copy;
}

/** Patch metadata shorthands. */
export const mergeBy = (key: string, listMapKeys: string[] = [key]): Ext => ({
  [X_PATCH_MERGE_KEY]: key,
  [X_PATCH_STRATEGY]: 'merge',
  [X_LIST_TYPE]: 'map',
  [X_LIST_MAP_KEYS]: listMapKeys,
});
export const atomic: Ext = { [X_LIST_TYPE]: 'atomic' };
export const setList: Ext = { [X_LIST_TYPE]: 'set' };
export const atomicMap: Ext = { [X_MAP_TYPE]: 'atomic' };

// ---- named primitives (upstream apimachinery definitions) ----

export const Quantity = named(
  'io.k8s.apimachinery.pkg.api.resource.Quantity',
  Type.Union([Type.String(), Type.Number()], {
    description:
      'A fixed-point number with an optional suffix: "500m" (0.5), "128Mi" (128*2^20), "1G" (10^9), "2" or 2. Used for CPU, memory and other resources.',
    format: 'quantity',
  }),
);
export type Quantity = string | number;

export const IntOrString = named(
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  Type.Union([Type.Integer(), Type.String()], {
    description: 'A value that is either an integer or a string (a port number or a port name, a count or a percentage).',
    format: 'int-or-string',
    [X_INT_OR_STRING]: true,
  }),
);
export type IntOrString = number | string;

export const Time = named(
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
  Type.Unsafe<string | null>({ type: 'string', description: 'A timestamp in RFC 3339 form with second precision, e.g. "2024-01-02T15:04:05Z".', format: 'date-time' }),
);
export const MicroTime = named(
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
  Type.String({ description: 'A timestamp in RFC 3339 form with microsecond precision.', format: 'date-time' }),
);

/** An object with any content (managedFields' fieldsV1, RawExtension ...). */
export const Loose = (description?: string): TRecord<TString, TUnknown> =>
  Type.Record(Type.String(), Type.Unknown(), o(description, { [X_PRESERVE_UNKNOWN]: true }));

export type { TSchema, TObject, TUnion };
