import { describe, expect, it } from 'vitest';
import { int64Param, listLimit, listOptionInts, MAX_LIST_LIMIT, parseGoInt64 } from '../../../control-plane/apiserver/query-params.js';
import { boundedDelayMs, MAX_TIMER_MS } from '../../../api/timers.js';
import { KubeError } from '../../../api/errors.js';

describe('parseGoInt64: strconv.ParseInt(s, 10, 64)', () => {
  it.each([
    ['0', 0], ['30', 30], ['-1', -1], ['+5', 5], ['007', 7],
    ['9223372036854775807', 2 ** 63], ['-9223372036854775808', -(2 ** 63)],
  ])('%s -> %s', (text, value) => expect(parseGoInt64(text)).toEqual({ ok: true, value }));

  it.each([
    ['1e30', 'strconv.ParseInt: parsing "1e30": invalid syntax'],
    ['1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['', 'strconv.ParseInt: parsing "": invalid syntax'],
    [' 1', 'strconv.ParseInt: parsing " 1": invalid syntax'],
    ['0x10', 'strconv.ParseInt: parsing "0x10": invalid syntax'],
    ['1_000', 'strconv.ParseInt: parsing "1_000": invalid syntax'],
    ['NaN', 'strconv.ParseInt: parsing "NaN": invalid syntax'],
    ['Infinity', 'strconv.ParseInt: parsing "Infinity": invalid syntax'],
    ['abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    ['-9223372036854775809', 'strconv.ParseInt: parsing "-9223372036854775809": value out of range'],
    ['99999999999999999999', 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
  ])('%j -> %s', (text, message) => expect(parseGoInt64(text)).toEqual({ ok: false, message }));
});

describe('int64Param and listOptionInts', () => {
  it('absent is undefined, the first value counts, a bad one is a 400', () => {
    expect(int64Param(new URLSearchParams(''), 'limit')).toBeUndefined();
    expect(int64Param(new URLSearchParams('limit=5&limit=x'), 'limit')).toBe(5);
    let err: unknown;
    try {
      int64Param(new URLSearchParams('gracePeriodSeconds=1e30'), 'gracePeriodSeconds');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeError);
    expect((err as KubeError).httpStatus).toBe(400);
    expect((err as KubeError).message).toBe('strconv.ParseInt: parsing "1e30": invalid syntax');
  });

  it('checks both ListOptions integers', () => {
    expect(listOptionInts(new URLSearchParams('limit=2&timeoutSeconds=9'))).toEqual({ limit: 2, timeoutSeconds: 9 });
    expect(listOptionInts(new URLSearchParams(''))).toEqual({});
    expect(() => listOptionInts(new URLSearchParams('limit=1&timeoutSeconds=1.5'))).toThrow(/parsing "1.5"/);
  });
});

describe('bounded delays and limits', () => {
  it.each([
    [0, 0], [-5, 0], [NaN, 0], [1000, 1000], [1_800_000, 1_800_000], [MAX_TIMER_MS, MAX_TIMER_MS],
    [100_000_000_000, MAX_TIMER_MS], [2 ** 63, MAX_TIMER_MS], [Infinity, MAX_TIMER_MS],
  ])('boundedDelayMs(%s) = %s', (ms, want) => expect(boundedDelayMs(ms)).toBe(want));

  it.each([
    [undefined, undefined], [0, undefined], [-5, undefined], [500, 500], [2 ** 63, MAX_LIST_LIMIT],
  ])('listLimit(%s) = %s', (l, want) => expect(listLimit(l)).toBe(want));
});
