/**
 * Integer query parameters (ListOptions `limit` and `timeoutSeconds`, DeleteOptions `gracePeriodSeconds`,
 * PodLogOptions `tailLines`, `limitBytes`, `sinceSeconds`) as upstream's parameter codec reads them:
 * `strconv.ParseInt(s, 10, 64)`, a failure being a 400 with strconv's text
 * (`strconv.ParseInt: parsing "1e30": invalid syntax`). Pure, no I/O.
 */
import { errors, type StatusCause } from '../../api/errors.js';
import { fieldErr } from '../../api/strategies/validation.js';

export type ParsedInt = { ok: true; value: number } | { ok: false; message: string };

/** Go's strconv.ParseInt(text, 10, 64): an optional sign and decimal digits, within int64. */
export function parseGoInt64(text: string): ParsedInt {
  const quoted = JSON.stringify(text);
  if (!/^[+-]?[0-9]+$/.test(text)) return { ok: false, message: `strconv.ParseInt: parsing ${quoted}: invalid syntax` };
  const big = BigInt(text);
  if (big < -(2n ** 63n) || big >= 2n ** 63n) return { ok: false, message: `strconv.ParseInt: parsing ${quoted}: value out of range` };
  return { ok: true, value: Number(big) };
}

/** The int64 parameter `name` (its first value, as upstream), undefined when absent; 400 when not an int64. */
export function int64Param(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const r = parseGoInt64(text);
  if (!r.ok) throw errors.badRequest(r.message);
  return r.value;
}

/** ListOptions' integers, checked for every verb that takes ListOptions (list, watch, deletecollection). */
export function listOptionInts(query: URLSearchParams): { limit?: number; timeoutSeconds?: number } {
  const limit = int64Param(query, 'limit');
  const timeoutSeconds = int64Param(query, 'timeoutSeconds');
  return { ...(limit !== undefined ? { limit } : {}), ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) };
}

/** A page size for storage: a limit beyond any realistic object count reads everything (no overflow downstream). */
export const MAX_LIST_LIMIT = 2 ** 31 - 1;

export function listLimit(limit: number | undefined): number | undefined {
  return limit !== undefined && limit > 0 ? Math.min(limit, MAX_LIST_LIMIT) : undefined;
}

/**
 * pods/log's PodLogOptions, decoded (400 for a value that is not an int64) and validated as upstream's
 * ValidatePodLogOptions before the kubelet is asked: the causes of a 422 `PodLogOptions "<pod>" is invalid`.
 */
export function podLogOptionCauses(query: URLSearchParams): StatusCause[] {
  const tailLines = int64Param(query, 'tailLines');
  const limitBytes = int64Param(query, 'limitBytes');
  const sinceSeconds = int64Param(query, 'sinceSeconds');
  const causes: StatusCause[] = [];
  if (tailLines !== undefined && tailLines < 0) causes.push(fieldErr.invalid('tailLines', tailLines, 'must be greater than or equal to 0'));
  if (limitBytes !== undefined && limitBytes < 1) causes.push(fieldErr.invalid('limitBytes', limitBytes, 'must be greater than 0'));
  if (sinceSeconds !== undefined && query.get('sinceTime') !== null) {
    causes.push(fieldErr.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  } else if (sinceSeconds !== undefined && sinceSeconds < 1) {
    causes.push(fieldErr.invalid('sinceSeconds', sinceSeconds, 'must be greater than 0'));
  }
  return causes;
}

/** The options kind a verb's `dryRun` belongs to (its 422 names it). */
export type DryRunOptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

/**
 * `dryRun` values as upstream's ValidateDryRun: each must be `All` (else 422 `CreateOptions.meta.k8s.io "" is
 * invalid: dryRun: Unsupported value: []string{"x"}: supported values: "All"`); true when there is one.
 */
export function dryRunOption(values: readonly string[], kind: DryRunOptionsKind): boolean {
  if (values.some((v) => v !== 'All')) {
    const shown = `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
    throw errors.invalid(kind, 'meta.k8s.io', '', [{ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: ${shown}: supported values: "All"` }]);
  }
  return values.length > 0;
}

/** The `dryRun` of a request by its verb (get, list and watch have none). */
export function dryRunOf(verb: string, query: URLSearchParams): boolean {
  const kind: DryRunOptionsKind | undefined =
    verb === 'create' ? 'CreateOptions' : verb === 'update' ? 'UpdateOptions' : verb === 'patch' ? 'PatchOptions' : verb === 'delete' || verb === 'deletecollection' ? 'DeleteOptions' : undefined;
  return kind ? dryRunOption(query.getAll('dryRun'), kind) : false;
}
