import { describe, expect, it } from 'vitest';
import { FlagError } from '../../../api/cli/flags.js';
import { nodeHostname } from '../../../api/cli/hostname.js';

describe('nodeHostname (nodeutil.GetHostname: --hostname-override or the host name)', () => {
  it.each([
    { name: 'the override', override: 'node01', host: 'machine', want: 'node01' },
    { name: 'the override, lower-cased', override: 'Node01', host: 'machine', want: 'node01' },
    { name: 'the override, trimmed', override: ' node01\n', host: 'machine', want: 'node01' },
    { name: 'no override: the host name', override: undefined, host: 'Machine', want: 'machine' },
    { name: 'an empty override: the host name', override: '', host: 'machine', want: 'machine' },
    { name: 'a host name with a newline', override: undefined, host: 'machine\n', want: 'machine' },
  ])('$name', ({ override, host, want }) => {
    expect(nodeHostname(override, () => host)).toBe(want);
  });
  it.each([
    { name: 'an override of spaces', override: '  ', host: 'machine' },
    { name: 'no override and an empty host name', override: undefined, host: '' },
  ])('refuses $name', ({ override, host }) => {
    expect(() => nodeHostname(override, () => host)).toThrow(FlagError);
    expect(() => nodeHostname(override, () => host)).toThrow('empty hostname is invalid');
  });
});
