/**
 * Field validation as upstream's fieldValidation query parameter: Strict rejects unknown and duplicate
 * fields, Warn (the default when the parameter is absent; kubectl >= 1.27 sends Strict) accepts them
 * with one `Warning: 299` header item each, Ignore accepts them silently (the last duplicate wins, as
 * Go's decoder). Type errors, and numbers their int32/int64 field cannot
 * hold, are always 400 with each field named (`Deployment in version "v1" cannot be handled as a
 * Deployment: json: cannot unmarshal number 1e+30 into Go struct field DeploymentSpec.spec.replicas of
 * type int32`).
 *
 * Wording and order follow upstream's strict decoder:
 * - create/update: 400 `Deployment in version "v1" cannot be handled as a Deployment: strict decoding
 *   error: duplicate field "metadata.name", unknown field "spec.foo"`, findings in document order;
 *   a field both unknown and repeated is reported once, as unknown;
 * - patch: the patch body's own findings first (`duplicate field "spec.paused"`; for JSON patch
 *   `json patch duplicate field "[1].path"`, `json patch unknown field "[0].foo"`), then the unknown
 *   fields of the patched object, sorted; Strict answers 422 ` "" is invalid: patch: Invalid value:
 *   "<patched object>": strict decoding error: ...`;
 * - YAML bodies: `line 5: key "name" already set in map` (one warning each; under Strict grouped as
 *   `yaml: unmarshal errors:\n  line 5: ...`).
 */
import { errors, KubeError, type StatusCause } from '../../api/errors.js';
import { checkStructure, pruneUnknown, unknownFieldMessage } from '../../api/schema/structural.js';
import type { DuplicateKey } from '../../api/json-scan.js';
import type { ApiObject } from './object-meta.js';
import { isApiObject, malformedTypeMeta } from './object-views.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** What decoding the request body found that a strict decoder reports (http-util's DecodedBody). */
export interface BodyFindings {
  duplicates?: DuplicateKey[];
  yamlDuplicates?: string[];
  keyOffsets?: () => Map<string, number>;
}

/** The fieldValidation parameter, defaulted to Warn; 400 for anything else. */
export function fieldValidationMode(fieldValidation: string | null): FieldValidation {
  const mode = fieldValidation ?? 'Warn';
  if (mode !== 'Strict' && mode !== 'Warn' && mode !== 'Ignore') {
    throw errors.badRequest(`fieldValidation parameter unsupported: ${mode}, must be one of Ignore, Warn, Strict`);
  }
  return mode;
}

/** `duplicate field "spec.paused"`. */
export function duplicateFieldMessage(path: string): string {
  return `duplicate field "${path}"`;
}

/** The YAML decoder's findings as one strict error: `yaml: unmarshal errors:\n  line 3: ...`. */
export function yamlUnmarshalErrors(lines: readonly string[]): string {
  return `yaml: unmarshal errors:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

function isUnder(path: string, parent: string): boolean {
  return path === parent || path.startsWith(parent + '.') || path.startsWith(parent + '[');
}

/**
 * The strict-decoding findings of a create/update body, in document order: duplicates (minus those
 * inside an unknown field, which the typed decoder never looks into) merged with unknown fields.
 * Pure: the order comes from the offsets decoding recorded.
 */
export function bodyStrictFindings(unknownFields: readonly string[], found: BodyFindings): { errors: string[]; warnings: string[] } {
  const dups = (found.duplicates ?? []).filter((d) => !unknownFields.some((u) => isUnder(d.path, u)));
  const yaml = found.yamlDuplicates ?? [];
  if (yaml.length > 0) {
    const unknown = [...unknownFields].sort().map(unknownFieldMessage);
    return { errors: [yamlUnmarshalErrors(yaml), ...unknown], warnings: [...yaml, ...unknown] };
  }
  let items: { message: string; offset: number }[];
  if (dups.length > 0 && unknownFields.length > 0 && found.keyOffsets) {
    const first = found.keyOffsets();
    items = [
      ...unknownFields.map((p) => ({ message: unknownFieldMessage(p), offset: first.get(p) ?? Number.MAX_SAFE_INTEGER })),
      ...dups.map((d) => ({ message: duplicateFieldMessage(d.path), offset: d.offset })),
    ].sort((a, b) => a.offset - b.offset);
  } else {
    items = [...dups.map((d) => ({ message: duplicateFieldMessage(d.path), offset: 0 })), ...unknownFields.map((p) => ({ message: unknownFieldMessage(p), offset: 0 }))];
  }
  const messages = items.map((i) => i.message);
  return { errors: messages, warnings: messages };
}

function typeErrors(obj: Record<string, unknown>, causes: StatusCause[], messages: readonly string[]): KubeError {
  const first = messages.join(', ');
  return errors.badRequest(`${obj.kind} in version "${String(obj.apiVersion).split('/').pop()}" cannot be handled as a ${obj.kind}: ${first}`, causes);
}

/**
 * Check a create/update body. Returns warnings to send; throws on a Strict violation (400) or a type
 * error (400). Prunes unknown fields in place.
 */
export function checkBodyStructure(obj: Record<string, unknown>, fieldValidation: string | null, found: BodyFindings = {}): string[] {
  const mode = fieldValidationMode(fieldValidation);
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return [];
  const r = checkStructure(obj.apiVersion, obj.kind, obj, { strict: mode === 'Strict' });
  if (r.causes.length > 0) throw typeErrors(obj, r.causes, r.messages);
  if (mode === 'Ignore') {
    if (r.unknownFields.length > 0) pruneUnknown(obj.apiVersion, obj.kind, obj);
    return [];
  }
  const findings = bodyStrictFindings(r.unknownFields, found);
  if (findings.errors.length === 0) return [];
  if (mode === 'Strict') {
    throw errors.badRequest(
      `${obj.kind} in version "${obj.apiVersion.split('/').pop()}" cannot be handled as a ${obj.kind}: strict decoding error: ${findings.errors.join(', ')}`,
      r.unknownFields.map((f) => ({ reason: 'FieldValueInvalid', message: unknownFieldMessage(f), field: f })),
    );
  }
  if (r.unknownFields.length > 0) pruneUnknown(obj.apiVersion, obj.kind, obj);
  return findings.warnings;
}

/**
 * A body (or patch result) the structural check has passed, as an API object: its kind's schema vouched
 * for apiVersion, kind and metadata; the top-level shape is checked here too (a body with no kind to
 * check by gets a 400). A null metadata is none, as Go's decoder reads it.
 */
export function checkedObject(obj: Record<string, unknown>): ApiObject {
  if (obj.metadata === null) obj.metadata = {};
  if (isApiObject(obj)) return obj;
  throw errors.badRequest(`the object provided is unrecognized: its ${malformedTypeMeta(obj)}`);
}

/** Go's %q of a string, close enough: JSON quoting. */
function quote(s: string): string {
  return JSON.stringify(s);
}

/**
 * Check the object a patch produced. `patchFindings` are the patch body's own strict findings,
 * worded already. Strict: 422 as upstream's patch handler (`patch: Invalid value: ...`); Warn:
 * warnings; Ignore: nothing. Type errors are 400. Prunes unknown fields in place.
 * `shownValue` renders the value the 422 quotes (upstream: the patched JSON, or the SMP patch map).
 */
export function checkPatchedStructure(obj: Record<string, unknown>, fieldValidation: string | null, patchFindings: readonly string[], shownValue: () => string): string[] {
  const mode = fieldValidationMode(fieldValidation);
  const typed = typeof obj.apiVersion === 'string' && typeof obj.kind === 'string' ? { apiVersion: obj.apiVersion, kind: obj.kind } : undefined;
  const r = typed ? checkStructure(typed.apiVersion, typed.kind, obj, { strict: mode === 'Strict' }) : { causes: [], unknownFields: [], messages: [] };
  if (r.causes.length > 0) throw typeErrors(obj, r.causes, r.messages);
  if (mode === 'Ignore') {
    if (typed && r.unknownFields.length > 0) pruneUnknown(typed.apiVersion, typed.kind, obj);
    return [];
  }
  const findings = [...patchFindings, ...[...r.unknownFields].sort().map(unknownFieldMessage)];
  if (findings.length === 0) return [];
  if (mode === 'Strict') {
    const detail = `Invalid value: ${quote(shownValue())}: strict decoding error: ${findings.join(', ')}`;
    throw new KubeError('Invalid', ` "" is invalid: patch: ${detail}`, {
      details: { causes: [{ reason: 'FieldValueInvalid', message: detail, field: 'patch' }] },
    });
  }
  if (typed && r.unknownFields.length > 0) pruneUnknown(typed.apiVersion, typed.kind, obj);
  return findings;
}

/**
 * A body is decoded with its endpoint's group, version and kind as defaults (upstream's gvkWithDefaults): a
 * missing (or empty) kind is the endpoint's; a missing apiVersion is the endpoint's; an apiVersion naming the
 * endpoint's group without a version gets the endpoint's version. What the body does name is kept, for checkKind
 * to refuse when it is another type. In place.
 */
export function defaultTypeMeta(body: Record<string, unknown>, apiVersion: string, kind: string): void {
  if (body.kind === undefined || body.kind === null || body.kind === '') body.kind = kind;
  const av = body.apiVersion;
  if (av === undefined || av === null || av === '') {
    body.apiVersion = apiVersion;
    return;
  }
  if (typeof av === 'string' && av.endsWith('/')) {
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    if (av.slice(0, -1) === group) body.apiVersion = apiVersion;
  }
}

/** The body's apiVersion/kind must be this endpoint's (upstream's decoder errors, 400). */
export function checkKind(body: Record<string, unknown>, apiVersion: string, kind: string): void {
  if (!body.kind) {
    throw errors.badRequest(`Object 'Kind' is missing in '${truncate(JSON.stringify(body), 200)}'`);
  }
  if (!body.apiVersion) {
    throw errors.badRequest(`Object 'apiVersion' is missing in '${truncate(JSON.stringify(body), 200)}'`);
  }
  if (body.kind !== kind) {
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${kind}): no kind "${body.kind}" is registered for this endpoint (expected ${kind} in version "${apiVersion}")`);
  }
  if (body.apiVersion !== apiVersion) {
    throw errors.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersion})`);
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + '...' : s;
}
