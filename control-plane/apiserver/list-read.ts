/**
 * How a LIST is read, from its resourceVersion, resourceVersionMatch, limit and continue token: a pure
 * decision (upstream's cacher `shouldDelegateList` + the etcd3 store's GetList), so it is table-tested.
 *
 * A resourceVersion the store has not reached yet (in the future):
 * - Exact, a continue token, or a limit: read from etcd at that revision in upstream, which 1.32
 *   answers 500 with etcd's raw `required revision is a future revision` (kubernetes#132358); 1.34
 *   answers 504 `Timeout: Too large resource version: N, current: M` (kubernetes#132374). kubelab
 *   answers that 504 at once, as 1.34 does;
 * - NotOlderThan (or no match) without a limit: served by upstream's cacher, which waits up to 3 s
 *   for the revision and then answers the same 504 with retryAfterSeconds 1: so does kubelab.
 * The 504 is the API's documented answer to a resourceVersion the server cannot serve yet (clients
 * retry it); it is not a server fault.
 */
import { errors, KubeError } from '../../api/errors.js';

/** upstream's cacher blockTimeout: how long a list waits for a resourceVersion to arrive. */
export const WAIT_FOR_RESOURCE_VERSION_MS = 3000;

export interface ListReadQuery {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continueToken?: string;
}

export type ListReadPlan =
  /** From the watch cache, as it is now (resourceVersion "0"). */
  | { from: 'cache' }
  /**
   * From etcd. `exact`: at that revision (a continue token's or resourceVersionMatch=Exact). `minimum`:
   * the latest read must be at least this recent; when the store is behind it, wait `waitMs` for it
   * (0: answer 504 at once).
   */
  | { from: 'etcd'; exact?: bigint; minimum?: bigint; waitMs: number };

/** A resourceVersion as upstream's versioner parses it (a uint64); 400 otherwise. */
export function parseResourceVersion(rv: string): bigint {
  if (!/^[0-9]+$/.test(rv)) {
    throw errors.badRequest(`invalid resource version: resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": invalid syntax`);
  }
  const n = BigInt(rv);
  if (n > 0xffffffffffffffffn) {
    throw errors.badRequest(`invalid resource version: resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": value out of range`);
  }
  return n;
}

/** Decide where a list is read from (no I/O). `continueRevision` is the decoded continue token's revision. */
export function planListRead(q: ListReadQuery, continueRevision?: number): ListReadPlan {
  const rv = q.resourceVersion ?? '';
  const limited = (q.limit ?? 0) > 0;
  if (q.continueToken) return { from: 'etcd', ...(continueRevision && continueRevision > 0 ? { exact: BigInt(continueRevision) } : {}), waitMs: 0 };
  if (rv === '') return { from: 'etcd', waitMs: 0 };
  const n = parseResourceVersion(rv);
  if (q.resourceVersionMatch === 'Exact') {
    if (n === 0n) return { from: 'etcd', waitMs: 0 };
    return { from: 'etcd', exact: n, waitMs: 0 };
  }
  if (n === 0n) return limited ? { from: 'etcd', waitMs: 0 } : { from: 'cache' };
  return { from: 'etcd', minimum: n, waitMs: limited ? 0 : WAIT_FOR_RESOURCE_VERSION_MS };
}

/** The revision a plan needs the store to have reached, if any. */
export function requiredRevision(plan: ListReadPlan): bigint | undefined {
  return plan.from === 'etcd' ? (plan.exact ?? plan.minimum) : undefined;
}

/** upstream's storage.NewTooLargeResourceVersionError: 504 Timeout with the ResourceVersionTooLarge cause. */
export function tooLargeResourceVersion(requested: bigint | number, current: number, retryAfterSeconds: number): KubeError {
  return new KubeError('Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    details: {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
    },
  });
}
