import { describe, expect, it } from 'vitest';
import { dockerName, mapState, tarArchive } from '../../../node-agent/runtime/docker/runtime.js';

type State = Parameters<typeof mapState>[0];
const st = (over: Partial<State>): State => ({
  Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0,
  ExitCode: 0, Error: '', StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z', ...over,
} as State);

describe('mapState (Docker state -> ContainerStatus)', () => {
  it.each([
    ['created', st({}), { state: 'created' }],
    ['running', st({ Status: 'running', StartedAt: '2026-01-01T00:00:00Z' }), { state: 'running' }],
    ['exited 0', st({ Status: 'exited', ExitCode: 0 }), { state: 'exited', exitCode: 0, reason: 'Completed' }],
    ['exited 3', st({ Status: 'exited', ExitCode: 3 }), { state: 'exited', exitCode: 3, reason: 'Error' }],
    ['oom', st({ Status: 'exited', ExitCode: 137, OOMKilled: true }), { state: 'exited', exitCode: 137, reason: 'OOMKilled' }],
    ['cannot run', st({ Status: 'created', ExitCode: 127, Error: 'exec: "x": executable file not found' }), { state: 'exited', exitCode: 127, reason: 'ContainerCannotRun', message: 'exec: "x": executable file not found' }],
  ] as const)('%s', (_n, s, want) => {
    expect(mapState(s)).toMatchObject(want);
  });
  it('drops the zero time', () => {
    expect(mapState(st({})).startedAt).toBeUndefined();
    expect(mapState(st({ Status: 'running', StartedAt: '2026-01-01T00:00:00Z' })).startedAt?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('dockerName', () => {
  it.each([['k8s_nginx_web-0_default_uid_0', 'k8s_nginx_web-0_default_uid_0'], ['a', 'a_'], ['_x', 'k_x'], ['a/b:c', 'a_b_c']])('%s', (i, o) => {
    expect(dockerName(i)).toBe(o);
  });
});

describe('tarArchive (ustar for docker import)', () => {
  it('writes headers with valid checksums, data padded to 512, two zero blocks', () => {
    const data = Buffer.from('hello');
    const t = tarArchive([{ path: 'bin', mode: 0o755 }, { path: 'bin/x', mode: 0o755, data }]);
    expect(t.length).toBe(512 + 512 + 512 + 1024);
    for (const off of [0, 512]) {
      const h = Buffer.from(t.subarray(off, off + 512));
      const stored = parseInt(h.subarray(148, 154).toString(), 8);
      h.fill(' ', 148, 156);
      expect(h.reduce((a, b) => a + b, 0)).toBe(stored);
      expect(h.subarray(257, 262).toString()).toBe('ustar');
    }
    expect(t.subarray(0, 4).toString()).toBe('bin/');
    expect(t[156]).toBe('5'.charCodeAt(0));
    expect(t.subarray(512, 517).toString()).toBe('bin/x');
    expect(parseInt(t.subarray(512 + 124, 512 + 135).toString(), 8)).toBe(5);
    expect(t.subarray(1024, 1029).toString()).toBe('hello');
    expect(t.subarray(t.length - 1024).every((b) => b === 0)).toBe(true);
  });
});
