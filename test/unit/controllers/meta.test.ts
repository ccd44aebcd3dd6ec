import { describe, expect, it } from 'vitest';
import { byCreationTimestamp, isPodActive } from '../../../control-plane/controllers/util/meta.js';
import type { KubeObject } from '../../../control-plane/controllers/util/types.js';

const obj = (name: string | undefined, creationTimestamp?: string): KubeObject => ({ metadata: { name, creationTimestamp } });

describe('byCreationTimestamp (older first, then by name)', () => {
  it.each([
    { name: 'older first', a: obj('b', '2026-01-01T00:00:00Z'), b: obj('a', '2026-01-01T00:00:01Z'), want: -1 },
    { name: 'newer last', a: obj('a', '2026-01-01T00:00:01Z'), b: obj('b', '2026-01-01T00:00:00Z'), want: 1 },
    { name: 'same time: by name', a: obj('a', '2026-01-01T00:00:00Z'), b: obj('b', '2026-01-01T00:00:00Z'), want: -1 },
    { name: 'same time, names reversed', a: obj('b', '2026-01-01T00:00:00Z'), b: obj('a', '2026-01-01T00:00:00Z'), want: 1 },
    { name: 'names compare as bytes, not locale', a: obj('B', '2026-01-01T00:00:00Z'), b: obj('a', '2026-01-01T00:00:00Z'), want: -1 },
    { name: 'same time and name', a: obj('a', '2026-01-01T00:00:00Z'), b: obj('a', '2026-01-01T00:00:00Z'), want: 0 },
    { name: 'no timestamp counts as the epoch', a: obj('z'), b: obj('a', '2026-01-01T00:00:00Z'), want: -1 },
    { name: 'an unparsable timestamp counts as the epoch', a: obj('b', 'yesterday'), b: obj('a'), want: 1 },
    { name: 'no name sorts before a name', a: obj(undefined), b: obj('a'), want: -1 },
    { name: 'no metadata at all', a: {}, b: {}, want: 0 },
  ])('$name', ({ a, b, want }) => {
    expect(Math.sign(byCreationTimestamp(a, b))).toBe(want);
    expect(Math.sign(byCreationTimestamp(b, a))).toBe(-want || 0);
  });

  it('sorts a list as upstream does', () => {
    const list = [obj('c', '2026-01-01T00:00:02Z'), obj('b', '2026-01-01T00:00:01Z'), obj('a', '2026-01-01T00:00:01Z'), obj('d')];
    expect(list.sort(byCreationTimestamp).map((o) => o.metadata?.name)).toEqual(['d', 'a', 'b', 'c']);
  });
});

describe('isPodActive (controller.IsPodActive: not terminal, not being deleted)', () => {
  it.each([
    { name: 'running', phase: 'Running', deleting: false, want: true },
    { name: 'pending', phase: 'Pending', deleting: false, want: true },
    { name: 'no phase yet', phase: undefined, deleting: false, want: true },
    { name: 'succeeded', phase: 'Succeeded', deleting: false, want: false },
    { name: 'failed', phase: 'Failed', deleting: false, want: false },
    { name: 'running but being deleted', phase: 'Running', deleting: true, want: false },
  ])('$name -> $want', ({ phase, deleting, want }) => {
    expect(isPodActive({ metadata: { name: 'p', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) }, status: { phase } })).toBe(want);
  });
});
