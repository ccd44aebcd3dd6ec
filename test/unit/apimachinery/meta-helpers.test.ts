import { describe, expect, it } from 'vitest';
import { objectKey, splitKey } from '../../../api/keys.js';
import { getControllerOf, isControlledBy, newControllerRef } from '../../../api/owners.js';
import { microTime, parseTime, rfc3339 } from '../../../api/time.js';

describe('time (metav1.Time, metav1.MicroTime)', () => {
  const ms = Date.UTC(2024, 0, 2, 15, 4, 5, 678);
  it.each([
    { name: 'Time drops the sub-second part', got: () => rfc3339(ms), want: '2024-01-02T15:04:05Z' },
    { name: 'Time from a Date', got: () => rfc3339(new Date(ms)), want: '2024-01-02T15:04:05Z' },
    { name: 'MicroTime has six fractional digits', got: () => microTime(ms), want: '2024-01-02T15:04:05.678000Z' },
    { name: 'MicroTime from a Date', got: () => microTime(new Date(ms)), want: '2024-01-02T15:04:05.678000Z' },
  ])('$name', ({ got, want }) => {
    expect(got()).toBe(want);
  });
  it.each([
    { t: '2024-01-02T15:04:05Z', want: Date.UTC(2024, 0, 2, 15, 4, 5) },
    { t: '2024-01-02T15:04:05.678000Z', want: ms },
    { t: undefined, want: undefined },
    { t: null, want: undefined },
    { t: '', want: undefined },
    { t: 'not a time', want: undefined },
  ])('parseTime($t)', ({ t, want }) => {
    expect(parseTime(t)).toBe(want);
  });
  it('round-trips through rfc3339 at second precision', () => {
    expect(parseTime(rfc3339(ms))).toBe(Math.floor(ms / 1000) * 1000);
  });
});

describe('keys (MetaNamespaceKeyFunc, SplitMetaNamespaceKey)', () => {
  it.each([
    { obj: { metadata: { namespace: 'ns', name: 'a' } }, key: 'ns/a', split: { namespace: 'ns', name: 'a' } },
    { obj: { metadata: { name: 'node1' } }, key: 'node1', split: { namespace: undefined, name: 'node1' } },
    { obj: { metadata: { namespace: '', name: 'x' } }, key: 'x', split: { namespace: undefined, name: 'x' } },
  ])('$key', ({ obj, key, split }) => {
    expect(objectKey(obj)).toBe(key);
    expect(splitKey(key)).toEqual(split);
  });
  it('an object without metadata has the empty key; a name keeps any further slash', () => {
    expect(objectKey({})).toBe('');
    expect(objectKey(null)).toBe('');
    expect(splitKey('ns/a/b')).toEqual({ namespace: 'ns', name: 'a/b' });
  });
});

describe('owners (GetControllerOf, NewControllerRef, IsControlledBy)', () => {
  const rs = { metadata: { name: 'web-1', uid: 'u-rs' } };
  const ref = newControllerRef(rs, 'apps/v1', 'ReplicaSet');
  it('a new controller ref points at the owner with controller and blockOwnerDeletion set', () => {
    expect(ref).toEqual({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u-rs', controller: true, blockOwnerDeletion: true });
  });
  it('finds the controller reference among the owners, and only it', () => {
    const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'u-c' };
    const pod = { metadata: { ownerReferences: [other, ref] } };
    expect(getControllerOf(pod)).toBe(ref);
    expect(isControlledBy(pod, 'u-rs')).toBe(true);
    expect(isControlledBy(pod, 'u-c')).toBe(false);
    expect(isControlledBy(pod, undefined)).toBe(false);
    expect(getControllerOf({ metadata: { ownerReferences: [other] } })).toBeUndefined();
    expect(getControllerOf({})).toBeUndefined();
  });
});
