import { describe, expect, it } from 'vitest';
import {
  addQuantities,
  canonicalQuantity,
  compare,
  ERR_FORMAT_WRONG,
  ERR_SUFFIX,
  formatQuantity,
  milliQuantity,
  milliValue,
  milliValueBig,
  parseQuantity,
  quantityError,
  subtractQuantities,
  sumQuantities,
  unitQuantity,
  value,
  valueBig,
} from '../../../api/quantity.js';
import { KubeError } from '../../../api/errors.js';

const N = 1_000_000_000n;

describe('quantity parsing: exact value (nano-units) and format', () => {
  it.each([
    ['0', 0n, 'DecimalSI'],
    ['0Ki', 0n, 'BinarySI'],
    ['100m', 100_000_000n, 'DecimalSI'],
    ['1', N, 'DecimalSI'],
    ['0.5', N / 2n, 'DecimalSI'],
    ['.5', N / 2n, 'DecimalSI'],
    ['1.', N, 'DecimalSI'],
    ['1.G', N * N, 'DecimalSI'],
    ['1Ki', 1024n * N, 'BinarySI'],
    ['1Gi', 1024n ** 3n * N, 'BinarySI'],
    ['123Mi', 123n * 1024n ** 2n * N, 'BinarySI'],
    ['3Ei', 3n * 1024n ** 6n * N, 'BinarySI'],
    ['128974848', 128974848n * N, 'DecimalSI'],
    ['129e6', 129_000_000n * N, 'DecimalExponent'],
    ['1.3E+6', 1_300_000n * N, 'DecimalExponent'],
    ['1E-3', 1_000_000n, 'DecimalExponent'],
    ['129M', 129_000_000n * N, 'DecimalSI'],
    ['1k', 1000n * N, 'DecimalSI'],
    ['2T', 2n * 10n ** 12n * N, 'DecimalSI'],
    ['2P', 2n * 10n ** 15n * N, 'DecimalSI'],
    ['1E', 10n ** 18n * N, 'DecimalSI'],
    ['12E', 12n * 10n ** 18n * N, 'DecimalSI'],
    ['5n', 5n, 'DecimalSI'],
    ['4u', 4000n, 'DecimalSI'],
    ['3.001n', 4n, 'DecimalSI'], // rounds up to whole nanos
    ['0.9n', 1n, 'DecimalSI'],
    ['0.00000012345', 124n, 'DecimalSI'],
    ['100.035Ki', 102435840n * N / 1000n, 'BinarySI'],
    ['0.5Mi', 524288n * N, 'BinarySI'],
    ['.000000000001Ki', 2n, 'DecimalSI'], // rounds up, becomes DecimalSI
    ['9Ei', 9223372036854775807n * N, 'BinarySI'], // capped at 2^63-1
    ['-100m', -100_000_000n, 'DecimalSI'],
    ['+1', N, 'DecimalSI'],
    ['-', 0n, 'DecimalSI'],
  ])('%j', (input, nanos, format) => {
    const q = parseQuantity(input);
    expect(q.nanos).toBe(nanos);
    expect(q.format).toBe(format);
  });

  it('accepts JSON numbers', () => {
    expect(parseQuantity(2).nanos).toBe(2n * N);
    expect(parseQuantity(0.25).nanos).toBe(N / 4n);
    expect(formatQuantity(1e21)).toBe('1e+21'); // String(1e21), kept as written like upstream
  });

  it.each([
    ['', ERR_FORMAT_WRONG],
    [' 1', ERR_FORMAT_WRONG],
    ['1 ', ERR_FORMAT_WRONG],
    ['1.1.M', ERR_FORMAT_WRONG],
    ['1+1.0M', ERR_FORMAT_WRONG],
    ['aoeu', ERR_FORMAT_WRONG],
    ['0.1mi', ERR_SUFFIX],
    ['0.1am', ERR_FORMAT_WRONG],
    ['.5i', ERR_SUFFIX],
    ['1i', ERR_SUFFIX],
    ['-3.01i', ERR_SUFFIX],
    ['-3.01e-', ERR_SUFFIX],
    ['1e', ERR_SUFFIX],
    ['1Kb', ERR_FORMAT_WRONG],
    ['1KiB', ERR_FORMAT_WRONG],
  ])('%j is rejected', (input, message) => {
    expect(quantityError(input)).toBe(message);
    expect(() => parseQuantity(input)).toThrow(KubeError);
  });

  it('the format error names the regular expression', () => {
    expect(ERR_FORMAT_WRONG).toBe("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  });
});

describe('quantity canonical form (String())', () => {
  it.each([
    // kept as written
    ['100m', '100m'],
    ['1', '1'],
    ['1Ki', '1Ki'],
    ['500Mi', '500Mi'],
    ['129e6', '129e6'],
    ['129M', '129M'],
    ['123Mi', '123Mi'],
    ['128974848', '128974848'],
    ['1024', '1024'],
    // canonicalized
    ['0.1', '100m'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['1000m', '1'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['1000M', '1G'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['1.5Gi', '1536Mi'],
    ['2048Ki', '2Mi'],
    ['.001Ki', '1024m'],
    ['.000000001Ki', '1024n'],
    ['1080m', '1080m'],
    ['1.08', '1080m'],
    ['0.001e0', '1e-3'],
    ['.001e12', '1e9'],
    ['1000e-12', '1e-9'],
    ['1.5m', '1500u'],
    ['00', '0'],
    ['0m', '0'],
    ['-1.5', '-1500m'],
    ['-1024Mi', '-1Gi'],
    ['1025Ki', '1025Ki'],
    ['5000m', '5'],
    ['1000E', '1000E'],
  ])('%j -> %j', (input, want) => {
    expect(canonicalQuantity(input)).toBe(want);
  });

  it('BinarySI values that are not whole or below 1024 print as DecimalSI', () => {
    expect(formatQuantity({ nanos: 5n * N, format: 'BinarySI' })).toBe('5');
    expect(formatQuantity({ nanos: N / 2n, format: 'BinarySI' })).toBe('500m');
    expect(formatQuantity({ nanos: 1025n * N, format: 'BinarySI' })).toBe('1025');
    expect(formatQuantity({ nanos: 300n * 1024n * 1024n * N, format: 'BinarySI' })).toBe('300Mi');
  });
});

describe('quantity values and arithmetic', () => {
  it.each([
    ['100m', 1, 100],
    ['1', 1, 1000],
    ['1.5', 2, 1500],
    ['1Gi', 1073741824, 1073741824000],
    ['1n', 1, 1],
    ['1500u', 1, 2],
    ['-1.5', -2, -1500],
    ['0', 0, 0],
  ])('%j: value %d, milliValue %d (rounded up)', (input, v, m) => {
    expect(value(input)).toBe(v);
    expect(milliValue(input)).toBe(m);
  });

  it('big values stay exact as bigint', () => {
    expect(valueBig('7Ei')).toBe(7n * 1024n ** 6n);
    expect(valueBig('8Ei')).toBe(2n ** 63n - 1n); // BinarySI is capped at 2^63-1
    expect(milliValueBig('1E')).toBe(10n ** 21n);
  });

  it('compare', () => {
    expect(compare('1Gi', '1G')).toBe(1);
    expect(compare('1000m', '1')).toBe(0);
    expect(compare('500m', '0.6')).toBe(-1);
    expect(compare('-1', '0')).toBe(-1);
  });

  it('add and subtract keep the first format, or take the second when the first is zero', () => {
    expect(formatQuantity(addQuantities('100m', '200m'))).toBe('300m');
    expect(formatQuantity(addQuantities('1Gi', '512Mi'))).toBe('1536Mi');
    expect(formatQuantity(addQuantities('0', '1Ki'))).toBe('1Ki');
    expect(addQuantities('0', '1Ki').format).toBe('BinarySI');
    expect(formatQuantity(addQuantities('1', '500m'))).toBe('1500m');
    expect(formatQuantity(subtractQuantities('1', '250m'))).toBe('750m');
    expect(formatQuantity(subtractQuantities('1Gi', '1Gi'))).toBe('0');
    expect(formatQuantity(sumQuantities(['100m', '1', '0.5']))).toBe('1600m');
  });

  it('constructors', () => {
    expect(formatQuantity(milliQuantity(250))).toBe('250m');
    expect(formatQuantity(unitQuantity(4))).toBe('4');
    expect(formatQuantity(unitQuantity(2 * 1024 * 1024, 'BinarySI'))).toBe('2Mi');
  });
});
