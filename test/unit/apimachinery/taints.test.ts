import { describe, expect, it } from 'vitest';
import {
  findMatchingUntoleratedTaint,
  matchTaint,
  toleratesTaint,
  tolerationsTolerateTaint,
  type TaintView,
  type TolerationView,
} from '../../../api/taints.js';

// Upstream's cases (k8s.io/api/core/v1 toleration_test.go TestTolerationToleratesTaint), plus the
// empty operator (Equal, as upstream's switch) and an unknown operator.
describe('toleratesTaint (Toleration.ToleratesTaint)', () => {
  const cases: { name: string; tol: TolerationView; taint: TaintView; want: boolean }[] = [
    {
      name: 'same key and effect, operator Exists, taint has no value: tolerated',
      tol: { key: 'foo', operator: 'Exists', effect: 'NoSchedule' },
      taint: { key: 'foo', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: 'same key and effect, operator Exists, taint has some value: tolerated',
      tol: { key: 'foo', operator: 'Exists', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: 'same effect, empty key and operator Exists (matches all keys): tolerated',
      tol: { key: '', operator: 'Exists', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: 'same key, effect and value, operator Equal: tolerated',
      tol: { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: 'same key and effect, different values, operator Equal: not tolerated',
      tol: { key: 'foo', operator: 'Equal', value: 'value1', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'value2', effect: 'NoSchedule' },
      want: false,
    },
    {
      name: 'same key and value, different effects, operator Equal: not tolerated',
      tol: { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'bar', effect: 'NoExecute' },
      want: false,
    },
    {
      name: 'empty operator means Equal: same value tolerated',
      tol: { key: 'foo', operator: '', value: 'bar', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: 'empty operator means Equal: different value not tolerated',
      tol: { key: 'foo', operator: '', value: 'bar', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'baz', effect: 'NoSchedule' },
      want: false,
    },
    {
      name: 'no operator means Equal: no value on either side tolerated',
      tol: { key: 'foo' },
      taint: { key: 'foo', effect: 'NoExecute' },
      want: true,
    },
    {
      name: 'empty effect matches every effect',
      tol: { key: 'foo', operator: 'Exists' },
      taint: { key: 'foo', effect: 'PreferNoSchedule' },
      want: true,
    },
    {
      name: 'different key: not tolerated',
      tol: { key: 'other', operator: 'Exists' },
      taint: { key: 'foo', effect: 'NoSchedule' },
      want: false,
    },
    {
      name: 'an unknown operator tolerates nothing',
      tol: { key: 'foo', operator: 'Gt', value: 'bar' },
      taint: { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      want: false,
    },
  ];
  it.each(cases)('$name', ({ tol, taint, want }) => {
    expect(toleratesTaint(tol, taint)).toBe(want);
  });
});

describe('tolerationsTolerateTaint, findMatchingUntoleratedTaint, matchTaint', () => {
  const taints: TaintView[] = [
    { key: 'a', effect: 'PreferNoSchedule' },
    { key: 'b', value: '1', effect: 'NoSchedule' },
    { key: 'c', effect: 'NoExecute' },
  ];
  const hard = (t: TaintView) => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

  it('some toleration of the list tolerates the taint; none or an empty list does not', () => {
    expect(tolerationsTolerateTaint([{ key: 'x', operator: 'Exists' }, { key: 'b', value: '1' }], taints[1]!)).toBe(true);
    expect(tolerationsTolerateTaint([{ key: 'b', value: '2' }], taints[1]!)).toBe(false);
    expect(tolerationsTolerateTaint(undefined, taints[1]!)).toBe(false);
    expect(tolerationsTolerateTaint([], taints[1]!)).toBe(false);
  });

  it('finds the first untolerated taint passing the filter, in node order', () => {
    expect(findMatchingUntoleratedTaint(taints, [], hard)).toEqual(taints[1]);
    expect(findMatchingUntoleratedTaint(taints, [{ key: 'b', operator: 'Exists' }], hard)).toEqual(taints[2]);
    expect(findMatchingUntoleratedTaint(taints, [{ operator: 'Exists' }], hard)).toBeUndefined();
    expect(findMatchingUntoleratedTaint(taints, [], () => false)).toBeUndefined();
    expect(findMatchingUntoleratedTaint(undefined, [], hard)).toBeUndefined();
  });

  it('matchTaint compares key and effect only', () => {
    expect(matchTaint({ key: 'a', effect: 'NoSchedule' }, { key: 'a', effect: 'NoSchedule' })).toBe(true);
    expect(matchTaint({ key: 'a', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute' })).toBe(false);
    expect(matchTaint({ key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'NoSchedule' })).toBe(false);
  });
});
