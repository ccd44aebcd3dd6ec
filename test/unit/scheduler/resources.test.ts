import { describe, expect, it } from 'vitest';
import { intValue, milliValue } from '../../../control-plane/scheduler/resources.js';

describe('quantities', () => {
  it.each([
    ['100m', 100],
    ['0.1', 100],
    ['1', 1000],
    ['1.5', 1500],
    ['2', 2000],
    ['1e3', 1_000_000],
    ['1n', 1], // rounded up, as Quantity.MilliValue
    [4, 4000],
  ])('milliValue(%s) = %i', (q, want) => {
    expect(milliValue(q)).toBe(want);
  });
  it.each([
    ['128Mi', 128 * 1024 * 1024],
    ['1Gi', 1024 ** 3],
    ['1G', 1e9],
    ['1k', 1000],
    ['500M', 5e8],
    ['110', 110],
    ['0.5Ki', 512],
  ])('intValue(%s) = %i', (q, want) => {
    expect(intValue(q)).toBe(want);
  });
  it('rejects garbage', () => {
    expect(() => milliValue('abc')).toThrow(/quantities must match/);
  });
});
