/**
 * Integer query parameters (ListOptions `limit` and `timeoutSeconds`, DeleteOptions `gracePeriodSeconds`) as
 * upstream's parameter codec reads them: `strconv.ParseInt(s, 10, 64)`, a failure being a 400 with strconv's
 * text (`strconv.ParseInt: parsing "1e30": invalid syntax`). Pure, no I/O.
 */
import { errors } from '../../api/errors.js';

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
