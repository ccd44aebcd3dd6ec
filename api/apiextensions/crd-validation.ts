/**
 * CustomResourceDefinition defaulting, preparation and validation as upstream's
 * (pkg/apis/apiextensions/v1/defaults.go, pkg/registry/customresourcedefinition/strategy.go,
 * pkg/apis/apiextensions/validation/validation.go), with upstream's field paths and messages.
 * Pure: the descriptor (api/kinds/apiextensions/customresourcedefinition.ts) hands these to the store.
 */
import type { StatusCause } from '../errors.js';
import type { CustomResourceDefinition, CustomResourceDefinitionNames, CustomResourceDefinitionVersion, JSONSchemaProps } from '../types/apiextensions.js';
import type { Relaxed } from '../types/views.js';
import {
  child, fieldErr, index, isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain, semanticEqual, validateObjectMeta, validateObjectMetaUpdate,
} from '../strategies/validation.js';
import { validateOpenAPISchema } from './structural-schema.js';
import { isPlainObject } from '../values.js';

export type CRD = Relaxed<CustomResourceDefinition>;
export type CRDVersion = Relaxed<CustomResourceDefinitionVersion>;

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const API_APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';

/** SetDefaults_CustomResourceDefinition(Spec): singular, listKind, conversion None (and a webhook service's port). */
export function defaultCRD(crd: CRD): void {
  const spec = crd.spec;
  if (!isPlainObject(spec)) return;
  const names = spec.names;
  if (isPlainObject(names) && typeof names.kind === 'string') {
    if (!names.singular) names.singular = names.kind.toLowerCase();
    if (!names.listKind) names.listKind = names.kind + 'List';
  }
  spec.conversion ??= { strategy: 'None' };
  const svc = spec.conversion.webhook?.clientConfig?.service;
  if (svc && svc.port === undefined) svc.port = 443;
}

/** The one version with storage: true (undefined when not exactly one). */
export function storageVersion(crd: CRD): CRDVersion | undefined {
  const vs = (crd.spec?.versions ?? []).filter((v) => v.storage === true);
  return vs.length === 1 ? vs[0] : undefined;
}

function addStoredVersion(crd: CRD): void {
  const status = (crd.status ??= {});
  for (const v of crd.spec?.versions ?? []) {
    if (v.storage && typeof v.name === 'string' && !(status.storedVersions ?? []).includes(v.name)) {
      status.storedVersions = [...(status.storedVersions ?? []), v.name];
    }
  }
}

/** PrepareForCreate: status cleared, generation 1, the storage version recorded in status.storedVersions. */
export function prepareCRDForCreate(crd: CRD): void {
  crd.status = {};
  crd.metadata ??= {};
  crd.metadata.generation = 1;
  addStoredVersion(crd);
}

/** PrepareForUpdate: status kept, generation moves on a spec change, the storage version recorded. */
export function prepareCRDForUpdate(crd: CRD, old: CRD): void {
  crd.status = old.status ? structuredClone(old.status) : {};
  crd.metadata ??= {};
  const oldGen = old.metadata?.generation ?? 1;
  crd.metadata.generation = semanticEqual(crd.spec, old.spec) ? oldGen : oldGen + 1;
  addStoredVersion(crd);
}

/**
 * The first DELETE of a CRD (upstream's CRD REST Delete): the cleanup finalizer, so that its objects are
 * deleted before it goes, and Terminating=True InstanceDeletionPending.
 */
export function prepareCRDForDelete(crd: CRD, now: Date): void {
  const meta = (crd.metadata ??= {});
  if (!(meta.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) meta.finalizers = [...(meta.finalizers ?? []), CRD_CLEANUP_FINALIZER];
  const status = (crd.status ??= {});
  const cond = { type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon' };
  const list = [...(status.conditions ?? [])];
  const i = list.findIndex((c) => c.type === 'Terminating');
  const time = now.toISOString().replace(/\.\d+Z$/, 'Z');
  if (i < 0) list.push({ ...cond, lastTransitionTime: time });
  else list[i] = { ...list[i]!, ...cond, lastTransitionTime: list[i]!.status === 'True' ? list[i]!.lastTransitionTime ?? time : time };
  status.conditions = list;
}

/** Go's %#v of a []string, as upstream prints storedVersions in its messages. */
function goStrings(l: readonly string[] | undefined): string {
  if (!l) return '[]string(nil)';
  return `[]string{${l.map((s) => JSON.stringify(s)).join(', ')}}`;
}

function invalidRaw(field: string, shown: string, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${detail}` };
}

/** ValidateCustomResourceDefinitionNames (spec.names and status.acceptedNames). */
export function validateNames(names: Relaxed<CustomResourceDefinitionNames> | undefined, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const n = names ?? ({} as Relaxed<CustomResourceDefinitionNames>);
  const label = (f: string, v: string | undefined, lower = false, mixed = false): void => {
    if (!v) return;
    const msgs = isDNS1035Label(lower ? v.toLowerCase() : v);
    if (msgs.length > 0) errs.push(fieldErr.invalid(child(path, f), v, (mixed ? 'may have mixed case, but should otherwise match: ' : '') + msgs.join(',')));
  };
  label('plural', n.plural);
  label('singular', n.singular);
  label('kind', n.kind, true, true);
  label('listKind', n.listKind, true, true);
  (n.shortNames ?? []).forEach((s, i) => {
    const msgs = isDNS1035Label(s);
    if (msgs.length > 0) errs.push(fieldErr.invalid(index(child(path, 'shortNames'), i), s, msgs.join(',')));
  });
  if (n.kind && n.kind === n.listKind) errs.push(fieldErr.invalid(child(path, 'listKind'), n.listKind, 'kind and listKind may not be the same'));
  (n.categories ?? []).forEach((c, i) => {
    const msgs = isDNS1035Label(c);
    if (msgs.length > 0) errs.push(fieldErr.invalid(index(child(path, 'categories'), i), c, msgs.join(',')));
  });
  return errs;
}

function versionsShown(versions: readonly CRDVersion[]): string {
  return JSON.stringify(versions.map((v) => v.name));
}

function hasStatus(v: CRDVersion): boolean {
  return v.subresources?.status !== undefined && v.subresources?.status !== null;
}

/** Is the group one of the protected community groups (k8s.io, kubernetes.io and their subdomains)? */
function isProtectedGroup(group: string): boolean {
  return group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io');
}

/** validateAPIApproval: a CRD of a protected group needs `api-approved.kubernetes.io` (a URL or "unapproved..."). */
function validateAPIApproval(crd: CRD): StatusCause[] {
  const group = crd.spec?.group ?? '';
  if (!isProtectedGroup(group)) return [];
  const field = `metadata.annotations[${API_APPROVAL_ANNOTATION}]`;
  const v = crd.metadata?.annotations?.[API_APPROVAL_ANNOTATION];
  if (v === undefined) return [fieldErr.required(field, `protected groups must have approval annotation "${API_APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111`)];
  if (v.startsWith('unapproved')) return [];
  try {
    new URL(v);
    return [];
  } catch {
    return [fieldErr.invalid(field, v, `protected groups must have approval annotation "${API_APPROVAL_ANNOTATION}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`)];
  }
}

/** validateSimpleJSONPath: a path in the dot notation, starting with `.`. */
function simpleJSONPathCauses(value: string, field: string): StatusCause[] {
  if (value === '') return [fieldErr.invalid(field, value, 'must not be empty')];
  if (!value.startsWith('.')) return [fieldErr.invalid(field, value, 'must be a simple json path starting with .')];
  return [];
}

/** ValidateCustomResourceDefinitionSubresources: the scale subresource's paths. */
function validateScale(v: CRDVersion, path: string): StatusCause[] {
  const scale = v.subresources?.scale;
  if (!scale) return [];
  const errs: StatusCause[] = [];
  const check = (f: string, value: string | undefined, under: string[], required: boolean, detail: string): void => {
    const fp = `${path}.subresources.scale.${f}`;
    if (!value) {
      if (required) errs.push(fieldErr.required(fp, ''));
      return;
    }
    const simple = simpleJSONPathCauses(value, fp);
    if (simple.length > 0) errs.push(...simple);
    else if (!under.some((u) => value.startsWith(u + '.'))) errs.push(fieldErr.invalid(fp, value, detail));
  };
  check('specReplicasPath', scale.specReplicasPath, ['.spec'], true, 'should be a json path under .spec');
  check('statusReplicasPath', scale.statusReplicasPath, ['.status'], true, 'should be a json path under .status');
  check('labelSelectorPath', scale.labelSelectorPath, ['.spec', '.status'], false, 'should be a json path under either .spec or .status');
  return errs;
}

/** The schema a simple selectable-field path (`.spec.color`) names, or why it names none. */
function schemaAt(schema: JSONSchemaProps | undefined, path: string): { schema?: JSONSchemaProps; error?: string } {
  if (!path.startsWith('.') || path.includes('[')) return { error: 'must be a simple json path starting with . and without array notation' };
  let cur = schema;
  for (const seg of path.slice(1).split('.')) {
    const next = cur?.properties?.[seg];
    if (!seg || !next) return { error: 'does not refer to a valid field' };
    cur = next;
  }
  return { schema: cur };
}

export const MAX_SELECTABLE_FIELDS = 8;

/** ValidateCustomResourceSelectableFields: simple paths to string, boolean or integer fields, not in metadata, at most 8. */
function validateSelectableFields(v: CRDVersion, path: string): StatusCause[] {
  const fields = v.selectableFields ?? [];
  if (fields.length === 0) return [];
  const errs: StatusCause[] = [];
  const schema = v.schema?.openAPIV3Schema as JSONSchemaProps | undefined;
  if (!schema) return [fieldErr.invalid(`${path}.selectableFields`, '', 'may only be set when `version.schema.openAPIV3Schema` is not included')];
  const unique = new Set<string>();
  fields.forEach((f, i) => {
    const fp = `${path}.selectableFields[${i}].jsonPath`;
    if (!f.jsonPath) {
      errs.push(fieldErr.required(fp, ''));
      return;
    }
    const found = schemaAt(schema, f.jsonPath);
    if (found.error) {
      errs.push(fieldErr.invalid(fp, f.jsonPath, `is an invalid path: ${found.error}`));
      return;
    }
    if (f.jsonPath.split('.')[1] === 'metadata') errs.push(fieldErr.invalid(fp, f.jsonPath, 'must not point to fields in metadata'));
    if (!['string', 'boolean', 'integer'].includes(found.schema?.type ?? '')) {
      errs.push(fieldErr.invalid(fp, f.jsonPath, 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.'));
    }
    if (unique.has(f.jsonPath)) errs.push(fieldErr.duplicate(fp, f.jsonPath));
    unique.add(f.jsonPath);
  });
  if (unique.size > MAX_SELECTABLE_FIELDS) errs.push(fieldErr.tooMany(`${path}.selectableFields`, unique.size, MAX_SELECTABLE_FIELDS));
  return errs;
}

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'name', 'password'];

/** ValidateCustomResourceColumnDefinition. */
function validateColumns(v: CRDVersion, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  (v.additionalPrinterColumns ?? []).forEach((c, i) => {
    const p = `${path}.additionalPrinterColumns[${i}]`;
    if (!c.name) errs.push(fieldErr.required(`${p}.name`, ''));
    if (!c.type) errs.push(fieldErr.required(`${p}.type`, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
    else if (!PRINTER_COLUMN_TYPES.includes(c.type)) errs.push(fieldErr.invalid(`${p}.type`, c.type, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
    if (c.format && !PRINTER_COLUMN_FORMATS.includes(c.format)) errs.push(fieldErr.invalid(`${p}.format`, c.format, `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`));
    if (!c.jsonPath) errs.push(fieldErr.required(`${p}.JSONPath`, ''));
    else errs.push(...simpleJSONPathCauses(c.jsonPath, `${p}.JSONPath`));
  });
  return errs;
}

/** validateCustomResourceDefinitionSpec (v1: a structural openAPIV3Schema in every version). */
export function validateCRDSpec(crd: CRD): StatusCause[] {
  const errs: StatusCause[] = [];
  const spec = crd.spec ?? ({} as NonNullable<CRD['spec']>);
  const group = spec.group ?? '';
  if (!group) errs.push(fieldErr.required('spec.group', ''));
  else {
    const msgs = isDNS1123Subdomain(group);
    if (msgs.length > 0) errs.push(fieldErr.invalid('spec.group', group, msgs.join(',')));
    else if (group.split('.').length < 2) errs.push(fieldErr.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  if (!spec.scope) errs.push(fieldErr.required('spec.scope', ''));
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') errs.push(fieldErr.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));

  const versions = spec.versions ?? [];
  versions.forEach((v, i) => {
    if (!v.schema?.openAPIV3Schema) errs.push(fieldErr.required(`spec.versions[${i}].schema.openAPIV3Schema`, ''));
  });
  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    if (v.storage) storageCount++;
    const name = v.name ?? '';
    if (seen.has(name)) unique = false;
    seen.add(name);
    const msgs = isDNS1035Label(name);
    if (msgs.length > 0) errs.push(fieldErr.invalid(`${p}.name`, name, msgs.join(',')));
    if (v.deprecationWarning !== undefined && !v.deprecated) errs.push(fieldErr.invalid(`${p}.deprecationWarning`, v.deprecationWarning, 'can only be set for deprecated versions'));
    const schema = v.schema?.openAPIV3Schema;
    if (schema !== undefined) errs.push(...validateOpenAPISchema(schema as JSONSchemaProps, `${p}.schema.openAPIV3Schema`, hasStatus(v)));
    errs.push(...validateScale(v, p));
    errs.push(...validateColumns(v, p));
    errs.push(...validateSelectableFields(v, p));
  });
  if (versions.length === 0) errs.push(fieldErr.invalid('spec.versions', [], 'must have exactly one version marked as storage version'));
  if (!unique) errs.push(invalidRaw('spec.versions', versionsShown(versions), 'must contain unique version names'));
  if (versions.length > 0 && storageCount !== 1) errs.push(invalidRaw('spec.versions', versionsShown(versions), 'must have exactly one version marked as storage version'));

  const names = spec.names ?? ({} as NonNullable<typeof spec.names>);
  if (!names.plural) errs.push(fieldErr.required('spec.names.plural', ''));
  if (!names.singular) errs.push(fieldErr.required('spec.names.singular', ''));
  if (!names.kind) errs.push(fieldErr.required('spec.names.kind', ''));
  if (!names.listKind) errs.push(fieldErr.required('spec.names.listKind', ''));
  errs.push(...validateNames(names, 'spec.names'));

  const strategy = spec.conversion?.strategy;
  if (strategy !== undefined) {
    if (strategy !== 'None' && strategy !== 'Webhook') errs.push(fieldErr.notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
    if (strategy === 'Webhook') errs.push(fieldErr.notSupported('spec.conversion.strategy', strategy, ['None']));
    else if (spec.conversion?.webhook) {
      if (spec.conversion.webhook.clientConfig) errs.push(fieldErr.forbidden('spec.conversion.webhookClientConfig', 'should not be set when strategy is not set to Webhook'));
      if (spec.conversion.webhook.conversionReviewVersions) errs.push(fieldErr.forbidden('spec.conversion.conversionReviewVersions', 'should not be set when strategy is not set to Webhook'));
    }
  }
  if (spec.preserveUnknownFields) {
    errs.push(fieldErr.invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  }
  return errs;
}

/** ValidateCustomResourceDefinitionStoredVersions. */
function validateStoredVersions(crd: CRD): StatusCause[] {
  const stored = crd.status?.storedVersions;
  const path = 'status.storedVersions';
  if (!stored || stored.length === 0) return [invalidRaw(path, goStrings(stored), 'must have at least one stored version')];
  const errs: StatusCause[] = [];
  const versions = crd.spec?.versions ?? [];
  for (const v of versions) {
    if (v.storage && v.name && !stored.includes(v.name)) errs.push(invalidRaw(path, goStrings(stored), 'must have the storage version ' + v.name));
  }
  const names = new Set(versions.map((v) => v.name));
  stored.forEach((v, i) => {
    if (!names.has(v)) {
      errs.push(fieldErr.invalid(`${path}[${i}]`, v, `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`));
    }
  });
  return errs;
}

/** The name a CRD must have: `<spec.names.plural>.<spec.group>`. */
export function requiredCRDName(crd: CRD): string {
  return `${crd.spec?.names?.plural ?? ''}.${crd.spec?.group ?? ''}`;
}

function nameRule(crd: CRD) {
  return (name: string, prefix: boolean): string[] => {
    const msgs = nameIsDNSSubdomain(name, prefix);
    if (name !== requiredCRDName(crd)) msgs.push('must be spec.names.plural+"."+spec.group');
    return msgs;
  };
}

/** ValidateCustomResourceDefinition (create). */
export function validateCRD(crd: CRD): StatusCause[] {
  return [
    ...validateObjectMeta(crd.metadata, false, nameRule(crd)),
    ...validateCRDSpec(crd),
    ...validateNames(crd.status?.acceptedNames, 'status.acceptedNames'),
    ...validateStoredVersions(crd),
    ...validateAPIApproval(crd),
  ];
}

/** ValidateCustomResourceDefinitionUpdate: the create rules, metadata update rules, scope and group immutable once established. */
export function validateCRDUpdate(crd: CRD, old: CRD): StatusCause[] {
  const errs = [
    ...validateObjectMetaUpdate(crd.metadata, old.metadata),
    ...validateCRDSpec(crd),
    ...validateNames(crd.status?.acceptedNames, 'status.acceptedNames'),
    ...validateStoredVersions(crd),
  ];
  const established = (old.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
  if (established) {
    if (crd.spec?.scope !== old.spec?.scope) errs.push(fieldErr.invalid('spec.scope', crd.spec?.scope ?? '', 'field is immutable'));
    if (crd.spec?.names?.kind !== old.spec?.names?.kind) errs.push(fieldErr.invalid('spec.names.kind', crd.spec?.names?.kind ?? '', 'field is immutable'));
  }
  if (crd.spec?.group !== old.spec?.group) errs.push(fieldErr.invalid('spec.group', crd.spec?.group ?? '', 'field is immutable'));
  return errs;
}

/** ValidateUpdateCustomResourceDefinitionStatus. */
export function validateCRDStatusUpdate(crd: CRD, old: CRD): StatusCause[] {
  return [...validateObjectMetaUpdate(crd.metadata, old.metadata), ...validateNames(crd.status?.acceptedNames, 'status.acceptedNames'), ...validateStoredVersions(crd)];
}
