/** test/support/freezer.ts freezerOf: which file freezes a lab machine's cgroup, from /proc/mounts. */
import { describe, expect, it } from 'vitest';
import { freezerOf } from '../../support/freezer.js';

const HYBRID = [
  'tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,mode=755 0 0',
  'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime 0 0',
  'cgroup /sys/fs/cgroup/cpu cgroup rw,nosuid,nodev,noexec,relatime,cpu 0 0',
  'cgroup /sys/fs/cgroup/freezer cgroup rw,nosuid,nodev,noexec,relatime,freezer 0 0',
].join('\n');
const V2 = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n';
const NONE = 'proc /proc proc rw 0 0\ncgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n';

describe('freezerOf', () => {
  it.each([
    { name: 'v1 hybrid: the freezer hierarchy wins over cgroup2', mounts: HYBRID, file: '/sys/fs/cgroup/freezer/kubelab-node01/freezer.state', freeze: 'FROZEN', thaw: 'THAWED', state: '/sys/fs/cgroup/freezer/kubelab-node01/freezer.state', frozen: 'FROZEN\n', notFrozen: 'FREEZING\n' },
    { name: 'pure cgroup v2: cgroup.freeze, cgroup.events', mounts: V2, file: '/sys/fs/cgroup/kubelab-node01/cgroup.freeze', freeze: '1', thaw: '0', state: '/sys/fs/cgroup/kubelab-node01/cgroup.events', frozen: 'populated 1\nfrozen 1\n', notFrozen: 'populated 1\nfrozen 0\n' },
  ])('$name', ({ mounts, file, freeze, thaw, state, frozen, notFrozen }) => {
    const f = freezerOf(mounts, 'kubelab-node01')!;
    expect({ file: f.file, freeze: f.freeze, thaw: f.thaw, state: f.state }).toEqual({ file, freeze, thaw, state });
    expect(f.isFrozen(frozen)).toBe(true);
    expect(f.isFrozen(notFrozen)).toBe(false);
  });

  it('no freezer at all: undefined', () => {
    expect(freezerOf(NONE, 'kubelab-node01')).toBeUndefined();
  });
});
