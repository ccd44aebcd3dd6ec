import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPS, buildSpec, execProcess, parseImageUser } from '../../../node-agent/runtime/containerd/spec.js';
import { K, deriveStatus, exitReason } from '../../../node-agent/runtime/containerd/status.js';
import type { ImageConfig } from '../../../node-agent/runtime/image.js';
import { labelFilters } from '../../../node-agent/runtime/containerd/runtime.js';

const image: ImageConfig = {
  config: { Cmd: ['nginx'], Env: ['PATH=/usr/bin:/bin', 'NGINX_VERSION=1.22'], WorkingDir: '/srv', User: '101:102' },
  rootfs: { type: 'layers', diff_ids: ['sha256:aa'] },
};

describe('buildSpec (OCI runtime spec)', () => {
  it('builds the defaults: namespaces, cgroup path, caps, mounts, masked paths', () => {
    const s = buildSpec({ id: 'abc', namespace: 'kubelab-node01', image, spec: { name: 'c', labels: {}, image: 'nginx' } });
    expect(s.process.args).toEqual(['nginx']);
    expect(s.process.cwd).toBe('/srv');
    expect(s.process.user).toEqual({ uid: 101, gid: 102 });
    expect(s.process.capabilities.bounding).toEqual(DEFAULT_CAPS);
    expect(s.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
    expect(s.linux.namespaces.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount', 'network']);
    expect(s.linux.namespaces.find((n) => n.type === 'network')?.path).toBeUndefined();
    expect(s.linux.cgroupsPath).toBe('/kubelab/kubelab-node01/abc');
    expect(s.mounts.map((m) => m.destination)).toEqual(['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/run']);
    expect(s.linux.maskedPaths).toContain('/proc/kcore');
    expect(s.linux.readonlyPaths).toContain('/proc/sys');
    expect(s.linux.resources).toEqual({ devices: [{ allow: false, access: 'rwm' }] });
    expect(s.root).toEqual({ path: 'rootfs' });
  });

  it('applies the container spec: netns, hostname, env, user, mounts, limits, tty', () => {
    const s = buildSpec({
      id: 'abc', namespace: 'ns', image,
      spec: {
        name: 'c', labels: {}, image: 'nginx', command: ['sh', '-c'], args: ['echo hi'],
        env: [{ name: 'NGINX_VERSION', value: 'x' }, { name: 'FOO', value: 'bar' }],
        user: { uid: 1000 }, hostname: 'web-0', netnsPath: '/run/netns/pod', workingDir: '/w', tty: true,
        mounts: [{ hostPath: '/host/a', containerPath: '/a', readOnly: true }, { hostPath: '/host/b', containerPath: '/b' }],
        resources: { cpuShares: 256, cpuQuota: 25_000, memoryLimitBytes: 1 << 26 },
      },
    });
    expect(s.process.args).toEqual(['sh', '-c', 'echo hi']);
    expect(s.process.env).toEqual(['PATH=/usr/bin:/bin', 'NGINX_VERSION=x', 'FOO=bar', 'HOSTNAME=web-0', 'TERM=xterm']);
    expect(s.process.user).toEqual({ uid: 1000, gid: 0 });
    expect(s.process.cwd).toBe('/w');
    expect(s.process.terminal).toBe(true);
    expect(s.hostname).toBe('web-0');
    expect(s.linux.namespaces.find((n) => n.type === 'network')).toEqual({ type: 'network', path: '/run/netns/pod' });
    expect(s.mounts.slice(-2)).toEqual([
      { destination: '/a', type: 'bind', source: '/host/a', options: ['rbind', 'rprivate', 'ro'] },
      { destination: '/b', type: 'bind', source: '/host/b', options: ['rbind', 'rprivate', 'rw'] },
    ]);
    expect(s.linux.resources.cpu).toEqual({ shares: 256, quota: 25_000, period: 100_000 });
    expect(s.linux.resources.memory).toEqual({ limit: 1 << 26 });
  });

  it('adds a PATH when neither image nor spec has one', () => {
    const s = buildSpec({ id: 'x', namespace: 'n', image: { rootfs: { type: 'layers', diff_ids: [] } }, spec: { name: 'c', labels: {}, image: 'i', command: ['true'] } });
    expect(s.process.env[0]).toMatch(/^PATH=/);
  });

  it('parses image users', () => {
    expect(parseImageUser('')).toEqual({ uid: 0, gid: 0 });
    expect(parseImageUser('1000')).toEqual({ uid: 1000, gid: 1000 });
    expect(parseImageUser('1000:5')).toEqual({ uid: 1000, gid: 5 });
    expect(parseImageUser('nginx')).toEqual({ uid: 0, gid: 0 });
  });

  it('derives an exec process from the container process', () => {
    const base = buildSpec({ id: 'x', namespace: 'n', image, spec: { name: 'c', labels: {}, image: 'i' } }).process;
    const p = execProcess(base, ['ls'], true, [{ name: 'A', value: '1' }]);
    expect(p.args).toEqual(['ls']);
    expect(p.terminal).toBe(true);
    expect(p.env).toContain('A=1');
    expect(p.env).toContain('TERM=xterm');
    expect(p.user).toEqual(base.user);
  });
});

describe('deriveStatus (labels + task -> ContainerStatus)', () => {
  const created = new Date('2026-01-01T00:00:00Z');
  const base = { 'io.kubernetes.pod.uid': 'u', [K.name]: 'c', [K.image]: 'nginx', [K.imageId]: 'sha256:i', [K.startedAt]: '2026-01-01T00:00:01Z' };
  it.each([
    ['no task yet', {}, undefined, { state: 'created' }],
    ['running', {}, { status: 'RUNNING' }, { state: 'running' }],
    ['stopped, not finalized', {}, { status: 'STOPPED', exitStatus: 2, exitedAt: new Date('2026-01-01T00:00:02Z') }, { state: 'exited', exitCode: 2, reason: 'Error' }],
    ['finalized exit 0', { [K.exitCode]: '0', [K.finishedAt]: '2026-01-01T00:00:03Z' }, undefined, { state: 'exited', exitCode: 0, reason: 'Completed' }],
    ['OOM', { [K.exitCode]: '137', [K.oomKilled]: 'true' }, undefined, { state: 'exited', exitCode: 137, reason: 'OOMKilled' }],
    ['start error', { [K.startError]: 'exec: "x": not found', [K.exitCode]: '128' }, undefined, { state: 'exited', exitCode: 128, reason: 'StartError', message: 'exec: "x": not found' }],
  ] as const)('%s', (_n, extra, task, want) => {
    const st = deriveStatus('id1', { ...base, ...extra }, created, task as never);
    expect(st).toMatchObject(want);
    expect(st.labels).toEqual({ 'io.kubernetes.pod.uid': 'u' });
    expect(st.name).toBe('c');
    expect(st.startedAt?.toISOString()).toBe('2026-01-01T00:00:01.000Z');
  });
  it('names exit reasons as CRI does', () => {
    expect(exitReason(0, false)).toBe('Completed');
    expect(exitReason(1, false)).toBe('Error');
    expect(exitReason(137, true)).toBe('OOMKilled');
  });
});

describe('containerd list filters', () => {
  it.each([
    [undefined, []],
    [{}, []],
    [{ 'io.kubernetes.pod.uid': 'ab-12' }, ['labels."io.kubernetes.pod.uid"=="ab-12"']],
    [{ a: 'x', b: 'y"z' }, ['labels."a"=="x",labels."b"=="y\\"z"']],
  ] as const)('%j -> %j', (labels, want) => expect(labelFilters(labels as Record<string, string> | undefined)).toEqual(want));
});
