/**
 * A CustomResourceDefinition made into a kind descriptor: the registry serves it like any built-in kind
 * (routes, discovery, OpenAPI, `kubectl explain`, the store). Upstream's pkg/registry/customresource
 * strategy is its hooks: pruning and defaulting on decode, OpenAPI v3 schema validation (422 with every
 * cause), generation on every change but metadata (and status, with the status subresource).
 *
 * One kind per CRD (the registry key is group + plural): the storage version when it is served, else the
 * first served version. Pure.
 */
import type { TSchema } from '@sinclair/typebox';
import type { StatusCause } from '../errors.js';
import type { KindDefinition } from '../kinds/descriptor.js';
import { defineKind } from '../kinds/descriptor.js';
import type { CustomResourceDefinition, JSONSchemaProps } from '../types/apiextensions.js';
import { DEF, X_PRESERVE_UNKNOWN, X_UNSTRUCTURED, type AnySchema } from '../types/base.js';
import { objectMetaField, typeMetaProps } from '../types/meta.js';
import type { Relaxed } from '../types/views.js';
import { keepAllButStatus, keepOldStatus, type ObjectShape } from '../strategies/strategy.js';
import { nameIsDNSSubdomain, semanticEqual, validateObjectMeta, validateObjectMetaUpdate } from '../strategies/validation.js';
import { clone, isPlainObject } from '../values.js';
import { translateTimestampSince } from '../strategies/printers.js';
import { defaultObject, validateObjectValue } from './schema-value.js';
import type { CRDVersion } from './crd-validation.js';


/** The served version of a CRD: its storage version when served, else the first served one. */
export function servedVersion(crd: Relaxed<CustomResourceDefinition>): CRDVersion | undefined {
  const served = (crd.spec?.versions ?? []).filter((v) => v.served === true);
  return served.find((v) => v.storage === true) ?? served[0];
}

/** Upstream's OpenAPI definition name of a custom kind: the group reversed, then version and kind (`com.example.stable.v1.CronTab`). */
export function customDefinitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

/**
 * The CRD's schema as the structural checker and OpenAPI read it: a plain JSON schema whose root holds
 * apiVersion, kind and ObjectMeta, embedded resources their apiVersion, kind and metadata.
 */
export function kindSchema(openAPIV3Schema: JSONSchemaProps, name: string): TSchema {
  const root = toNode(openAPIV3Schema, true);
  const props = (root.properties ??= {}) as Record<string, unknown>;
  Object.assign(props, { apiVersion: typeMetaProps.apiVersion, kind: typeMetaProps.kind, metadata: objectMetaField });
  root.type = 'object';
  root[DEF] = name;
  root[X_UNSTRUCTURED] = true;
  if (Array.isArray(root.required)) root.required = (root.required as string[]).filter((r) => r !== 'metadata');
  return root as unknown as TSchema;
}

function toNode(s: JSONSchemaProps, isRoot: boolean): AnySchema {
  const out = clone(s) as unknown as AnySchema;
  const props = s.properties;
  if (props) out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, toNode(v, false)]));
  if (s.items && !Array.isArray(s.items)) out.items = toNode(s.items, false);
  if (isPlainObject(s.additionalProperties)) out.additionalProperties = toNode(s.additionalProperties as JSONSchemaProps, false);
  if (!isRoot && s['x-kubernetes-embedded-resource'] && s[X_PRESERVE_UNKNOWN] !== true) {
    const p = (out.properties ??= {}) as Record<string, unknown>;
    p.apiVersion ??= { type: 'string' };
    p.kind ??= { type: 'string' };
    p.metadata = objectMetaField;
  }
  return out;
}

function shape(o: unknown): ObjectShape {
  return isPlainObject(o) ? (o as ObjectShape) : {};
}

/** Everything but metadata (and status, when it has its own subresource): what moves the generation. */
function generationRelevant(o: ObjectShape, statusSubresource: boolean): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (k !== 'metadata' && !(statusSubresource && k === 'status')) r[k] = v;
  return r;
}

/** The kind a CRD serves (undefined when no version is served or the served one has no schema). */
export function customResourceKind(crd: Relaxed<CustomResourceDefinition>): KindDefinition | undefined {
  const spec = crd.spec;
  const v = servedVersion(crd);
  const schema = v?.schema?.openAPIV3Schema as JSONSchemaProps | undefined;
  if (!spec || !v || !v.name || !schema || !spec.group || !spec.names?.plural || !spec.names.kind) return undefined;
  const group = spec.group;
  const namespaced = spec.scope === 'Namespaced';
  const statusSubresource = v.subresources?.status !== undefined && v.subresources?.status !== null;
  const validateValue = (o: unknown): StatusCause[] => validateObjectValue(shape(o), schema);
  return defineKind<ObjectShape>({
    group,
    version: v.name,
    kind: spec.names.kind,
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    namespaced,
    shortNames: spec.names.shortNames ?? [],
    categories: spec.names.categories ?? [],
    subresources: statusSubresource ? ['status'] : [],
    storageName: `${group}/${spec.names.plural}`,
    storageResource: `${spec.names.plural}.${group}`,
    schema: kindSchema(schema, customDefinitionName(group, v.name, spec.names.kind)),
    strategy: {
      applyDefaults: (o) => defaultObject(o, schema),
      prepareForCreate(o) {
        if (statusSubresource) delete o.status;
        (o.metadata ??= {}).generation = 1;
      },
      prepareForUpdate(o, old) {
        if (statusSubresource) keepOldStatus(o, old);
        const meta = (o.metadata ??= {});
        const oldGen = old.metadata?.generation ?? 1;
        meta.generation = semanticEqual(generationRelevant(o, statusSubresource), generationRelevant(old, statusSubresource)) ? oldGen : oldGen + 1;
      },
      prepareForStatusUpdate: (o, old) => keepAllButStatus(o, old),
      validate: (o) => [...validateObjectMeta(o.metadata, namespaced, nameIsDNSSubdomain), ...validateValue(o)],
      validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateValue(o)],
      validateStatusUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateValue(o)],
    },
    table: {
      columns: [
        { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', priority: 0 },
        { name: 'Age', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', priority: 0 },
      ],
      cells: (o, now) => [o.metadata?.name ?? '', translateTimestampSince(o.metadata?.creationTimestamp, now)],
    },
  });
}
