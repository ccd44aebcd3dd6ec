import { describe, expect, it } from 'vitest';
import { int64Param, listLimit, listOptionInts, MAX_LIST_LIMIT, parseGoInt64, podLogOptionCauses } from '../../../control-plane/apiserver/query-params.js';
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

describe('podLogOptionCauses: ValidatePodLogOptions', () => {
  it.each([
    ['', []],
    ['tailLines=0&limitBytes=1&sinceSeconds=1', []],
    ['tailLines=-1', [{ reason: 'FieldValueInvalid', field: 'tailLines', message: 'Invalid value: -1: must be greater than or equal to 0' }]],
    ['limitBytes=0', [{ reason: 'FieldValueInvalid', field: 'limitBytes', message: 'Invalid value: 0: must be greater than 0' }]],
    ['sinceSeconds=0', [{ reason: 'FieldValueInvalid', field: 'sinceSeconds', message: 'Invalid value: 0: must be greater than 0' }]],
    ['sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z', [{ reason: 'FieldValueForbidden', field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' }]],
  ])('%j', (q, want) => expect(podLogOptionCauses(new URLSearchParams(q))).toEqual(want));

  it.each(['tailLines=1e3', 'limitBytes=x', 'sinceSeconds=1.5', 'tailLines=99999999999999999999'])('%s is a 400', (q) => {
    expect(() => podLogOptionCauses(new URLSearchParams(q))).toThrow(/^strconv\.ParseInt: parsing /);
  });
});
