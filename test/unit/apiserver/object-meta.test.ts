import { describe, expect, it } from 'vitest';
import { gracefulDeletion, MAX_RFC3339_MS } from '../../../control-plane/apiserver/object-meta.js';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
const HORIZON = Math.floor((MAX_RFC3339_MS - NOW) / 1000);

describe('gracefulDeletion: when a graceful deletion ends, never throwing', () => {
  it.each([
    ['0 s', 0, '2026-01-02T03:04:05Z', 0],
    ['30 s', 30, '2026-01-02T03:04:35Z', 30],
    ['a fraction counts as the next whole second', 1.2, '2026-01-02T03:04:07Z', 2],
    ['negative as 0', -7, '2026-01-02T03:04:05Z', 0],
    ['NaN as 0', NaN, '2026-01-02T03:04:05Z', 0],
    ['int64 max is cut at the last RFC 3339 second', 2 ** 63, '9999-12-31T23:59:59Z', HORIZON],
    ['1e30 likewise', 1e30, '9999-12-31T23:59:59Z', HORIZON],
    ['Infinity likewise', Infinity, '9999-12-31T23:59:59Z', HORIZON],
  ])('%s', (_name, grace, ts, recorded) => {
    expect(gracefulDeletion(NOW, grace)).toEqual({ deletionTimestamp: ts, deletionGracePeriodSeconds: recorded });
  });

  it('a clock past the horizon still answers (period 0)', () => {
    expect(gracefulDeletion(MAX_RFC3339_MS + 5000, 30)).toEqual({ deletionTimestamp: '9999-12-31T23:59:59Z', deletionGracePeriodSeconds: 0 });
  });
});
