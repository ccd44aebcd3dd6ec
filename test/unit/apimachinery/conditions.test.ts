import { describe, expect, it } from 'vitest';
import { getCondition, removeCondition, setCondition, transitionTime, updateCondition, type ConditionView } from '../../../api/conditions.js';

const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-01T00:05:00Z';

describe('transitionTime', () => {
  it.each([
    { name: 'no previous condition: now', prev: undefined, status: 'True', want: T1 },
    { name: 'same status: the previous time', prev: { type: 'Ready', status: 'True', lastTransitionTime: T0 }, status: 'True', want: T0 },
    { name: 'status changes: now', prev: { type: 'Ready', status: 'False', lastTransitionTime: T0 }, status: 'True', want: T1 },
    { name: 'same status but no previous time: now', prev: { type: 'Ready', status: 'True' }, status: 'True', want: T1 },
    { name: 'same status, previous time null: now', prev: { type: 'Ready', status: 'True', lastTransitionTime: null }, status: 'True', want: T1 },
  ])('$name', ({ prev, status, want }) => {
    expect(transitionTime(prev as ConditionView | undefined, status, T1)).toBe(want);
  });
});

describe('setCondition (SetDeploymentCondition)', () => {
  const progressing: ConditionView = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', lastTransitionTime: T0 };
  const available: ConditionView = { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastTransitionTime: T0 };

  it('adds a new condition last', () => {
    expect(setCondition([available], progressing)).toEqual([available, progressing]);
    expect(setCondition(undefined, progressing)).toEqual([progressing]);
  });
  it('returns the same array when status and reason are unchanged (even if the message changes)', () => {
    const list = [progressing];
    expect(setCondition(list, { ...progressing, message: 'other', lastTransitionTime: T1 })).toBe(list);
  });
  it('keeps lastTransitionTime when only the reason changes, and moves the condition last', () => {
    const next = setCondition([progressing, available], { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastTransitionTime: T1 });
    expect(next).toEqual([available, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastTransitionTime: T0 }]);
  });
  it('takes the new lastTransitionTime when the status changes', () => {
    const next = setCondition([progressing], { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', lastTransitionTime: T1 });
    expect(next).toEqual([{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', lastTransitionTime: T1 }]);
  });
  it('adds no lastTransitionTime key when neither side has one', () => {
    const next = setCondition([], { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' });
    expect(Object.keys(next[0]!)).toEqual(['type', 'status', 'reason']);
  });
});

describe('updateCondition (UpdatePodCondition)', () => {
  const scheduled: ConditionView = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes', lastTransitionTime: T0 };
  const ready: ConditionView = { type: 'Ready', status: 'True', lastTransitionTime: T0 };

  it('null when status, reason and message are unchanged', () => {
    expect(updateCondition([scheduled], { ...scheduled, lastTransitionTime: T1 })).toBeNull();
  });
  it('replaces in place and keeps lastTransitionTime while the status stays', () => {
    const next = updateCondition([scheduled, ready], { ...scheduled, message: '0/4 nodes', lastTransitionTime: T1 });
    expect(next).toEqual([{ ...scheduled, message: '0/4 nodes', lastTransitionTime: T0 }, ready]);
  });
  it('takes the new time when the status changes', () => {
    const next = updateCondition([ready, scheduled], { type: 'PodScheduled', status: 'True', lastTransitionTime: T1 });
    expect(next).toEqual([ready, { type: 'PodScheduled', status: 'True', lastTransitionTime: T1 }]);
  });
  it('with keepTransitionTime false, any change takes the new time (the namespace deleter)', () => {
    const next = updateCondition([scheduled], { ...scheduled, message: 'changed', lastTransitionTime: T1 }, { keepTransitionTime: false });
    expect(next).toEqual([{ ...scheduled, message: 'changed', lastTransitionTime: T1 }]);
  });
  it('adds a missing condition last', () => {
    expect(updateCondition(undefined, ready)).toEqual([ready]);
  });
});

describe('getCondition, removeCondition', () => {
  const list: ConditionView[] = [{ type: 'A', status: 'True' }, { type: 'B', status: 'False' }];
  it('finds by type, or undefined', () => {
    expect(getCondition(list, 'B')).toBe(list[1]);
    expect(getCondition(list, 'C')).toBeUndefined();
    expect(getCondition(undefined, 'A')).toBeUndefined();
  });
  it('removes by type into a new array', () => {
    expect(removeCondition(list, 'A')).toEqual([{ type: 'B', status: 'False' }]);
    expect(removeCondition(undefined, 'A')).toEqual([]);
  });
});
