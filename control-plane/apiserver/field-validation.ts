/**
 * Field validation as upstream's fieldValidation query parameter: Strict rejects unknown fields (400
 * `strict decoding error: unknown field "spec.replicasx"`), Warn (the default) drops them with a
 * Warning header, Ignore drops them silently. Type errors, and numbers their int32/int64 field cannot hold,
 * are always 400 with each field named (`Deployment in version "v1" cannot be handled as a Deployment:
 * json: cannot unmarshal number 1e+30 into Go struct field DeploymentSpec.spec.replicas of type int32`).
 */
import { errors } from '../../api/errors.js';
import { checkStructure, pruneUnknown, strictDecodingMessage, unknownFieldMessage } from '../../api/schema/structural.js';
import type { Obj } from './store.js';

/** Returns warnings to send; throws on a Strict violation or a type error. Prunes unknown fields in place. */
export function checkBodyStructure(obj: Obj, fieldValidation: string | null): string[] {
  const mode = fieldValidation ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(mode)) {
    throw errors.badRequest(`fieldValidation parameter unsupported: ${mode}, must be one of Ignore, Warn, Strict`);
  }
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return [];
  const r = checkStructure(obj.apiVersion, obj.kind, obj, { strict: mode === 'Strict' });
  if (r.causes.length > 0) {
    throw errors.badRequest(`${obj.kind} in version "${obj.apiVersion.split('/').pop()}" cannot be handled as a ${obj.kind}: ${r.messages.join(', ')}`, r.causes);
  }
  if (r.unknownFields.length === 0) return [];
  if (mode === 'Strict') {
    throw errors.badRequest(
      strictDecodingMessage(r.unknownFields),
      r.unknownFields.map((f) => ({ reason: 'FieldValueInvalid', message: unknownFieldMessage(f), field: f })),
    );
  }
  pruneUnknown(obj.apiVersion, obj.kind, obj);
  return mode === 'Warn' ? r.unknownFields.map(unknownFieldMessage) : [];
}
