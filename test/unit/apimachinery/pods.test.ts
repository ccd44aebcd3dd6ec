import { describe, expect, it } from 'vitest';
import { isPodPhaseTerminal, isPodTerminal } from '../../../api/pods.js';

describe('isPodPhaseTerminal / isPodTerminal (podutil)', () => {
  it.each([
    { phase: 'Succeeded', want: true },
    { phase: 'Failed', want: true },
    { phase: 'Pending', want: false },
    { phase: 'Running', want: false },
    { phase: 'Unknown', want: false },
    { phase: '', want: false },
    { phase: undefined, want: false },
    { phase: 'succeeded', want: false },
  ])('$phase -> $want', ({ phase, want }) => {
    expect(isPodPhaseTerminal(phase)).toBe(want);
    expect(isPodTerminal({ status: { phase } })).toBe(want);
  });
  it('a pod without status is not terminal', () => {
    expect(isPodTerminal({})).toBe(false);
  });
});
