/**
 * PATCH bodies: JSON patch, JSON merge patch, strategic merge patch, and apply (server-side apply,
 * api/managedfields, run by the caller's `serverSideApply`). The body is decoded once (depth-bounded, duplicate keys noted) and applied on
 * every retry of the update; the result is checked as upstream's patcher does (name and namespace
 * against the URL, strict field validation, bounded depth).
 */
import { errors, KubeError } from '../../api/errors.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import { applyJsonPatch, EXCEEDED_MAX_DEPTH, UNPROCESSABLE_MESSAGE, JsonPatchApplyError } from '../../api/patch/json-patch.js';
import { applyMergePatch } from '../../api/patch/merge-patch.js';
import { applyStrategicMergePatch, goFormat, StrategicMergePatchError, toKubeError } from '../../api/patch/strategic-merge-patch.js';
import { patchMetaResolver } from '../../api/schema/patch-meta.js';
import { MAX_JSON_NESTING_DEPTH, valueDepth } from '../../api/json-scan.js';
import { decodeRequestBody, MAX_REQUEST_BODY_BYTES } from './http-util.js';
import { checkBodyStructure, checkedObject, checkKind, defaultTypeMeta, checkPatchedStructure, duplicateFieldMessage, fieldValidationMode, yamlUnmarshalErrors } from './field-validation.js';
import { isPlainObject, valueAt } from '../../api/values.js';
import type { ApiObject } from './object-meta.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** A decoded patch body, ready to apply to any version of the object. */
export interface DecodedPatch {
  type: PatchType;
  body: unknown;
  /** The body's own strict-decoding findings, worded as upstream (`duplicate field "spec.paused"`). */
  findings: string[];
  /** Apply bodies (YAML): repeated keys as the YAML decoder words them. */
  yamlDuplicates: string[];
}

const JSON_PATCH_OP_FIELDS = new Set(['op', 'path', 'from', 'value']);

/**
 * A JSON patch's strict findings as upstream's decoder into []{op, path, from, value} reports them:
 * unknown operation fields and repeated keys, op by op (`json patch unknown field "[0].foo"`).
 */
export function jsonPatchFindings(ops: unknown, duplicates: readonly { path: string }[]): string[] {
  if (!Array.isArray(ops)) return [];
  const out: string[] = [];
  ops.forEach((op, i) => {
    if (op === null || typeof op !== 'object' || Array.isArray(op)) return;
    const unknown = Object.keys(op).filter((k) => !JSON_PATCH_OP_FIELDS.has(k));
    for (const k of unknown) out.push(`json patch unknown field "[${i}].${k}"`);
    const prefix = `[${i}].`;
    for (const d of duplicates) {
      if (!d.path.startsWith(prefix)) continue;
      const field = d.path.slice(prefix.length).split(/[.[]/)[0]!;
      if (unknown.includes(field)) continue; // an unknown field is reported once, as unknown
      out.push(`json patch ${duplicateFieldMessage(d.path)}`);
    }
  });
  return out;
}

/** The patch type of a Content-Type; 415 for anything else. */
export function patchTypeOf(contentType: string, strategic = true): PatchType {
  const type = PATCH_TYPES[contentType];
  if (!type || (type === 'strategic' && !strategic)) {
    throw new KubeError(
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${strategic ? ', application/strategic-merge-patch+json' : ''}`,
    );
  }
  return type;
}

/** Decode a PATCH body by its Content-Type (415 for others; 400 for bodies that do not decode). */
export function decodePatch(raw: Buffer, contentType: string): DecodedPatch {
  const type = patchTypeOf(contentType);
  switch (type) {
    case 'json': {
      const d = decodeRequestBody(raw, 'application/json', false);
      return { type, body: d.value, findings: jsonPatchFindings(d.value, d.duplicates), yamlDuplicates: [] };
    }
    case 'merge':
    case 'strategic': {
      const d = decodeRequestBody(raw, contentType);
      return { type, body: d.value, findings: d.duplicates.map((x) => duplicateFieldMessage(x.path)), yamlDuplicates: [] };
    }
    case 'apply': {
      const d = decodeRequestBody(raw, contentType);
      return { type, body: d.value, findings: [], yamlDuplicates: d.yamlDuplicates };
    }
  }
}

function invalidResult(message: string): KubeError {
  return new KubeError('Invalid', UNPROCESSABLE_MESSAGE, { details: {}, cause: new JsonPatchApplyError(message) });
}

/**
 * Apply a decoded patch to the current object (not mutated). Errors are KubeErrors with upstream's codes.
 * The result is a JSON object no schema has checked yet (validatePatched does).
 */
export function applyDecodedPatch(
  cur: ApiObject,
  patch: DecodedPatch,
  info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>,
  serverSideApply?: (cur: ApiObject, config: Record<string, unknown>) => Record<string, unknown>,
): Record<string, unknown> {
  let out: unknown;
  try {
    switch (patch.type) {
      case 'json':
        out = applyJsonPatch(cur, patch.body, { maxCopyBytes: MAX_REQUEST_BODY_BYTES });
        break;
      case 'merge':
        out = applyMergePatch(cur, patch.body);
        break;
      case 'strategic':
        out = applyStrategicMergePatch(cur, patch.body, patchMetaResolver(apiVersionOf(info), info.kind));
        break;
      case 'apply': {
        const applied = patch.body;
        if (!isPlainObject(applied) || applied.kind !== info.kind || applied.apiVersion !== apiVersionOf(info)) {
          throw errors.badRequest(`the object provided is unrecognized (must be of type ${info.kind})`);
        }
        // Server-side apply (api/managedfields) where the caller runs it; the scale subresource's apply
        // bodies are still approximated by a strategic merge.
        out = serverSideApply ? serverSideApply(cur, applied) : applyStrategicMergePatch(cur, applied, patchMetaResolver(apiVersionOf(info), info.kind));
        break;
      }
    }
  } catch (e) {
    if (e instanceof StrategicMergePatchError) throw toKubeError(e);
    throw e;
  }
  if (!isPlainObject(out)) throw errors.badRequest('the patch did not result in an object');
  // JSON patch bounds its result itself; merge and strategic results are never deeper than their
  // inputs, which decoding bounded: checked anyway, so no patch type can store what it cannot encode.
  if (patch.type !== 'json' && valueDepth(out) > MAX_JSON_NESTING_DEPTH) throw invalidResult(EXCEEDED_MAX_DEPTH);
  return out;
}

/** Decode and apply in one step (the scale subresource's patches). */
export function applyPatch(cur: ApiObject, raw: Buffer, contentType: string, info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>): Record<string, unknown> {
  return applyDecodedPatch(cur, decodePatch(raw, contentType), info);
}

/**
 * upstream's checkName: the patched object must still be the one the URL names (400 otherwise), so a
 * patch (an apply body above all) cannot write another object or another namespace.
 */
export function checkPatchedName(obj: Record<string, unknown>, name: string, namespace: string | undefined): void {
  const metaName = valueAt(obj, 'metadata', 'name');
  const objName = typeof metaName === 'string' ? metaName : '';
  if (objName !== name) {
    throw errors.badRequest(`the name of the object (${objName}) does not match the name on the URL (${name})`);
  }
  const metaNamespace = valueAt(obj, 'metadata', 'namespace');
  const objNamespace = typeof metaNamespace === 'string' ? metaNamespace : '';
  if (namespace && objNamespace && objNamespace !== namespace) {
    throw errors.badRequest(`the namespace of the object (${objNamespace}) does not match the namespace on the URL (${namespace})`);
  }
}

/**
 * Strict field validation of a patch result, as upstream's patchers: the result as an API object and
 * the warnings to send (Warn); throws under Strict. Apply reports its YAML duplicates as upstream's
 * applyPatcher does (`error strict decoding YAML: ...`, 400); its unknown fields as a create body would be.
 */
export function validatePatched(
  out: Record<string, unknown>,
  patch: DecodedPatch,
  fieldValidation: string | null,
  endpoint: { apiVersion: string; kind: string },
): { object: ApiObject; warnings: string[] } {
  // The patched document is decoded into the endpoint's type, as upstream's patcher does: a missing apiVersion or
  // kind is the endpoint's, another one is refused, and the structure is always checked against the endpoint's schema.
  defaultTypeMeta(out, endpoint.apiVersion, endpoint.kind);
  checkKind(out, endpoint.apiVersion, endpoint.kind);
  const mode = fieldValidationMode(fieldValidation);
  if (patch.type === 'apply') {
    const dups = mode === 'Ignore' ? [] : patch.yamlDuplicates;
    if (dups.length > 0 && mode === 'Strict') {
      throw errors.badRequest(`error strict decoding YAML: error converting YAML to JSON: ${yamlUnmarshalErrors(dups)}`);
    }
    const warnings = [...dups, ...checkBodyStructure(out, fieldValidation)];
    return { object: checkedObject(out), warnings };
  }
  const shown = patch.type === 'strategic' ? () => goFormat(patch.body) : () => JSON.stringify(out);
  const warnings = checkPatchedStructure(out, fieldValidation, patch.findings, shown);
  return { object: checkedObject(out), warnings };
}
