/**
 * apps/v1 ControllerRevision (pkg/apis/apps/validation: ValidateControllerRevisionCreate / Update): a
 * DNS-subdomain name, `data` present, `revision` not negative; once written, `data` never changes (the
 * revision number may: a controller moves an old snapshot forward when a rollback makes it current).
 */
import type { StatusCause } from '../errors.js';
import type { ControllerRevision, Relaxed } from '../types/index.js';
import { fieldErr, nameIsDNSSubdomain, validateImmutableField, validateNonnegative, validateObjectMeta, validateObjectMetaUpdate } from './validation.js';

export function validateControllerRevision(cr: Relaxed<ControllerRevision>): StatusCause[] {
  const errs = validateObjectMeta(cr?.metadata, true, nameIsDNSSubdomain);
  errs.push(...validateControllerRevisionBody(cr));
  return errs;
}

function validateControllerRevisionBody(cr: Relaxed<ControllerRevision>): StatusCause[] {
  const errs: StatusCause[] = [];
  if (cr?.data === undefined || cr?.data === null) errs.push(fieldErr.required('data', 'data is mandatory'));
  errs.push(...validateNonnegative('revision', cr?.revision));
  return errs;
}

export function validateControllerRevisionUpdate(cr: Relaxed<ControllerRevision>, old: Relaxed<ControllerRevision>): StatusCause[] {
  const errs = validateObjectMetaUpdate(cr?.metadata, old?.metadata);
  errs.push(...validateControllerRevisionBody(cr));
  errs.push(...validateImmutableField(cr?.data, old?.data, 'data'));
  return errs;
}
