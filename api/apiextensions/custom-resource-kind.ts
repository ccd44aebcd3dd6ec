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
import { keepOldStatus, type ObjectShape, type TableColumn } from '../strategies/strategy.js';
import type { ScaleAccess, TablePrinter } from '../kinds/descriptor.js';
import { columnCell, evaluateJSONPath, parseJSONPath, type Step } from './jsonpath.js';
import { nameIsDNSSubdomain, semanticEqual, validateObjectMeta, validateObjectMetaUpdate } from '../strategies/validation.js';
import { clone, isPlainObject } from '../values.js';
import { defaultObject, validateObjectValue } from './schema-value.js';
import type { CRDVersion } from './crd-validation.js';
import { celValidator, type CelValidator } from './cel-validator.js';

/** upstream's hasBlockingErr cause: CEL rules are not run on a value of the wrong type. */
const CEL_SKIPPED: StatusCause = {
  reason: 'FieldValueInvalid',
  field: '<nil>',
  message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
};


export { compareVersions, servedVersion, servedVersions } from './versions.js';
import { compareVersions, servedVersion, servedVersions } from './versions.js';

/**
 * upstream's defaultDeprecationWarning: `<group>/<version> <Kind> is deprecated`, and `; use <group>/<v> <Kind>`
 * naming the highest-priority served, not deprecated version above it, if any.
 */
export function defaultDeprecationWarning(crd: Relaxed<CustomResourceDefinition>, deprecated: string): string {
  const group = crd.spec?.group ?? '';
  const kind = crd.spec?.names?.kind ?? '';
  const msg = `${group}/${deprecated} ${kind} is deprecated`;
  const better = (crd.spec?.versions ?? [])
    .filter((v) => v.served === true && !v.deprecated && typeof v.name === 'string' && compareVersions(v.name, deprecated) < 0)
    .map((v) => v.name as string)
    .sort(compareVersions);
  return better.length === 0 ? msg : `${msg}; use ${group}/${better[0]} ${kind}`;
}

/** Conversion `None` between a served version and the storage version: only apiVersion changes. */
function noneConversion(group: string, served: string, storage: string) {
  return {
    fromStorage: (o: Record<string, unknown>) => ({ ...o, apiVersion: `${group}/${served}` }),
    toStorage: (o: Record<string, unknown>) => ({ ...o, apiVersion: `${group}/${storage}` }),
  };
}

/**
 * The kinds a CRD serves, one per served version, preferred first (the others are `versionOf` it). Each reads
 * and writes the same stored objects through conversion None to the storage version, with its own schema.
 */
export function customResourceKinds(crd: Relaxed<CustomResourceDefinition>): KindDefinition[] {
  const versions = servedVersions(crd);
  const storage = (crd.spec?.versions ?? []).find((v) => v.storage === true)?.name;
  const first = versions[0]?.name;
  if (!first || !storage) return [];
  const out: KindDefinition[] = [];
  for (const v of versions) {
    const d = kindForVersion(crd, v, storage, v.name === first ? undefined : first);
    if (!d) return []; // a served version without a schema: validation refuses such a CRD; serve nothing
    out.push(d);
  }
  return out;
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

/** The kind of a CRD's preferred served version (undefined when none is served or it has no schema). */
export function customResourceKind(crd: Relaxed<CustomResourceDefinition>): KindDefinition | undefined {
  return customResourceKinds(crd)[0];
}

function kindForVersion(crd: Relaxed<CustomResourceDefinition>, v: CRDVersion, storageVersion: string, versionOf: string | undefined): KindDefinition | undefined {
  const spec = crd.spec;
  const schema = v.schema?.openAPIV3Schema as JSONSchemaProps | undefined;
  if (!spec || !v.name || !schema || !spec.group || !spec.names?.plural || !spec.names.kind) return undefined;
  const group = spec.group;
  const namespaced = spec.scope === 'Namespaced';
  const statusSubresource = v.subresources?.status !== undefined && v.subresources?.status !== null;
  const scale = v.subresources?.scale ?? undefined;
  let cel: CelValidator | undefined | null = null; // compiled on first use
  /** OpenAPI schema causes, then the CEL rules' (upstream skips the rules when a value has the wrong type). */
  const validateValue = (o: unknown, old?: unknown): StatusCause[] => {
    const causes = validateObjectValue(shape(o), schema);
    if (cel === null) cel = celValidator(schema);
    if (!cel) return causes;
    if (causes.some((c) => c.reason === 'FieldValueTypeInvalid')) return [...causes, CEL_SKIPPED];
    return [...causes, ...cel.validate(o, old)];
  };
  return defineKind<ObjectShape>({
    group,
    version: v.name,
    kind: spec.names.kind,
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    namespaced,
    shortNames: spec.names.shortNames ?? [],
    categories: spec.names.categories ?? [],
    subresources: [...(statusSubresource ? ['status'] : []), ...(scale ? ['scale'] : [])],
    storageName: `${group}/${spec.names.plural}`,
    storageResource: `${spec.names.plural}.${group}`,
    storageConversion: noneConversion(group, v.name, storageVersion),
    strategicMergePatch: false,
    ...(versionOf !== undefined ? { versionOf } : {}),
    ...(v.deprecated ? { deprecationWarning: v.deprecationWarning ?? defaultDeprecationWarning(crd, v.name) } : {}),
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
      prepareForStatusUpdate: keepOnlyStatus,
      validate: (o) => [...validateObjectMeta(o.metadata, namespaced, nameIsDNSSubdomain), ...validateValue(o)],
      validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateValue(o, old)],
      validateStatusUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateValue(o, old)],
    },
    table: printerColumns(v),
    fieldSelectors: selectableFields(v),
    ...(scale ? { scale: scaleByPaths(scale.specReplicasPath ?? '', scale.statusReplicasPath ?? '', scale.labelSelectorPath ?? '') } : {}),
  });
}

/**
 * Upstream's custom resource status strategy: a status update takes only status from the request; everything
 * else, labels and annotations included, stays as stored (resourceVersion is the request's, for the precondition).
 */
function keepOnlyStatus(o: ObjectShape, old: ObjectShape): void {
  const status = o.status;
  const rv = o.metadata?.resourceVersion;
  for (const k of Object.keys(o)) delete o[k];
  Object.assign(o, clone(old));
  if (rv !== undefined) (o.metadata ??= {}).resourceVersion = rv;
  if (status === undefined) delete o.status;
  else o.status = status;
}

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/**
 * The Table of a custom kind (upstream's tableconvertor): Name, then the version's additionalPrinterColumns
 * (or, when it lists none, Age from .metadata.creationTimestamp), each cell the first value its JSONPath
 * reaches, typed as the column says; priority > 0 shows with -o wide. A path that does not parse prints empty.
 */
export function printerColumns(v: CRDVersion): TablePrinter<ObjectShape> {
  const defs = (v.additionalPrinterColumns ?? []).length > 0
    ? (v.additionalPrinterColumns ?? []).map((c) => ({ name: c.name ?? '', type: c.type ?? 'string', format: c.format ?? '', description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath ?? ''}`, priority: c.priority ?? 0, jsonPath: c.jsonPath ?? '' }))
    : [{ name: 'Age', type: 'date', format: '', description: CREATION_TIMESTAMP_DESCRIPTION, priority: 0, jsonPath: '.metadata.creationTimestamp' }];
  const paths: (Step[] | undefined)[] = defs.map((d) => {
    try {
      return parseJSONPath(d.jsonPath);
    } catch {
      return undefined;
    }
  });
  const columns: TableColumn[] = [
    { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
    ...defs.map(({ jsonPath: _p, ...c }) => c),
  ];
  return {
    columns,
    cells: (o, now) => [o.metadata?.name ?? '', ...defs.map((d, i) => (paths[i] ? columnCell(d.type, evaluateJSONPath(paths[i]!, o), now) : null))],
  };
}

function splitPath(path: string): string[] {
  return path.replace(/^\./, '').split('.').filter((x) => x !== '');
}

function nested(o: unknown, keys: readonly string[]): unknown {
  let cur = o;
  for (const k of keys) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The scale subresource of a custom kind, by the CRD's specReplicasPath / statusReplicasPath / labelSelectorPath. */
export function scaleByPaths(specReplicasPath: string, statusReplicasPath: string, labelSelectorPath: string): ScaleAccess<ObjectShape> {
  const spec = splitPath(specReplicasPath);
  const status = splitPath(statusReplicasPath);
  const selector = labelSelectorPath ? splitPath(labelSelectorPath) : undefined;
  const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
  return {
    specReplicas: (o) => count(nested(o, spec)),
    statusReplicas: (o) => count(nested(o, status)),
    selector: (o) => {
      const v = selector ? nested(o, selector) : undefined;
      return typeof v === 'string' ? v : '';
    },
    setSpecReplicas(o, replicas) {
      let cur: Record<string, unknown> = o;
      for (const k of spec.slice(0, -1)) {
        const next = cur[k];
        cur = isPlainObject(next) ? next : (cur[k] = {}) as Record<string, unknown>;
      }
      cur[spec[spec.length - 1] ?? 'replicas'] = replicas;
    },
  };
}

/**
 * A version's selectableFields as field selectors (`?fieldSelector=spec.color=blue`): the path without its
 * leading dot, the value as text (an absent field is "").
 */
export function selectableFields(v: CRDVersion): Record<string, (o: ObjectShape) => string> {
  const out: Record<string, (o: ObjectShape) => string> = {};
  for (const f of v.selectableFields ?? []) {
    if (!f.jsonPath) continue;
    const keys = splitPath(f.jsonPath);
    out[keys.join('.')] = (o) => {
      const x = nested(o, keys);
      return typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? String(x) : '';
    };
  }
  return out;
}
