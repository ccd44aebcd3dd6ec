import { describe, expect, it } from 'vitest';
import { parseResourceVersion, planListRead, requiredRevision, tooLargeResourceVersion, WAIT_FOR_RESOURCE_VERSION_MS, type ListReadPlan, type ListReadQuery } from '../../../control-plane/apiserver/list-read.js';
import { KubeError } from '../../../api/errors.js';

describe('planListRead: where a LIST is read from', () => {
  const cases: { name: string; q: ListReadQuery; continueRev?: number; want: ListReadPlan }[] = [
    { name: 'no resourceVersion: a consistent read', q: {}, want: { from: 'etcd', waitMs: 0 } },
    { name: 'resourceVersion 0: the watch cache', q: { resourceVersion: '0' }, want: { from: 'cache' } },
    { name: 'resourceVersion 0 with a limit: etcd', q: { resourceVersion: '0', limit: 5 }, want: { from: 'etcd', waitMs: 0 } },
    { name: 'Exact: at that revision, no waiting', q: { resourceVersion: '42', resourceVersionMatch: 'Exact' }, want: { from: 'etcd', exact: 42n, waitMs: 0 } },
    { name: 'Exact 0: a consistent read', q: { resourceVersion: '0', resourceVersionMatch: 'Exact' }, want: { from: 'etcd', waitMs: 0 } },
    { name: 'NotOlderThan without limit: wait like the cacher', q: { resourceVersion: '42', resourceVersionMatch: 'NotOlderThan' }, want: { from: 'etcd', minimum: 42n, waitMs: WAIT_FOR_RESOURCE_VERSION_MS } },
    { name: 'no match (legacy) without limit: wait like the cacher', q: { resourceVersion: '42' }, want: { from: 'etcd', minimum: 42n, waitMs: WAIT_FOR_RESOURCE_VERSION_MS } },
    { name: 'with a limit: storage, no waiting', q: { resourceVersion: '42', limit: 10 }, want: { from: 'etcd', minimum: 42n, waitMs: 0 } },
    { name: 'a continue token: at its revision', q: { continueToken: 't' }, continueRev: 7, want: { from: 'etcd', exact: 7n, waitMs: 0 } },
    { name: 'a huge resourceVersion stays exact', q: { resourceVersion: '18446744073709551615', resourceVersionMatch: 'Exact' }, want: { from: 'etcd', exact: 18446744073709551615n, waitMs: 0 } },
  ];
  it.each(cases)('$name', ({ q, continueRev, want }) => {
    expect(planListRead(q, continueRev)).toEqual(want);
  });

  it('requiredRevision: what the store must have reached', () => {
    expect(requiredRevision({ from: 'cache' })).toBeUndefined();
    expect(requiredRevision({ from: 'etcd', waitMs: 0 })).toBeUndefined();
    expect(requiredRevision({ from: 'etcd', exact: 5n, waitMs: 0 })).toBe(5n);
    expect(requiredRevision({ from: 'etcd', minimum: 6n, waitMs: 3000 })).toBe(6n);
  });
});

describe('parseResourceVersion: a uint64, as upstream parses it', () => {
  it.each([
    ['abc', 'invalid syntax'],
    ['-1', 'invalid syntax'],
    ['1.5', 'invalid syntax'],
    [' 1', 'invalid syntax'],
    ['18446744073709551616', 'value out of range'],
  ])('%j: 400', (rv, why) => {
    try {
      parseResourceVersion(rv);
      throw new Error('expected a 400');
    } catch (e) {
      expect(e).toBeInstanceOf(KubeError);
      expect((e as KubeError).httpStatus).toBe(400);
      expect((e as KubeError).message).toBe(`invalid resource version: resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": ${why}`);
    }
  });

  it('parses exactly beyond 2^53', () => {
    expect(parseResourceVersion('9007199254740993')).toBe(9007199254740993n);
  });
});

describe('tooLargeResourceVersion: upstream NewTooLargeResourceVersionError', () => {
  it.each([
    [1, { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 }],
    [0, { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] }],
  ])('retryAfterSeconds %i', (retry, details) => {
    const st = tooLargeResourceVersion(99n, 7, retry).toStatus();
    expect(st).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Timeout: Too large resource version: 99, current: 7', reason: 'Timeout', code: 504, details });
  });
});
