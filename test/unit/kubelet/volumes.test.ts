import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyVolumes,
  containerMounts,
  fileMode,
  isInside,
  planVolumes,
  realpathOfExisting,
  resolveVolumeFile,
  VolumeError,
  volumeFilePathError,
  writeVolumeFile,
  type VolumePlan,
} from '../../../node-agent/kubelet/volumes.js';
import type { Pod, Volume } from '../../../node-agent/kubelet/types.js';

const pod = (volumes: Volume[]): Pod => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: {}, annotations: {} },
  spec: { nodeName: 'node01', containers: [{ name: 'c', image: 'x' }], volumes },
});
const sources = {
  configMap: (n: string) => (n === 'cm' ? { data: { k: 'v', 'index.html': 'hi' } } : undefined),
  secret: (n: string) => (n === 's' ? { data: { k: Buffer.from('secret').toString('base64') } } : undefined),
};
const ctx = { nodeName: 'node01' };

describe('the path decision (upstream AtomicWriter validatePath + containment)', () => {
  const V = '/var/lib/kubelet/pods/u/volumes/kubernetes.io~configmap/v';
  const cases: [string, string][] = [
    ['a', `${V}/a`],
    ['dir/file', `${V}/dir/file`],
    ['./a', `${V}/a`],
    ['a..b', `${V}/a..b`],
    ['..', "invalid path: must not contain '..': .."],
    ['../../../../../tmp/x', "invalid path: must not contain '..': ../../../../../tmp/x"],
    ['a/../../x', "invalid path: must not contain '..': a/../../x"],
    ['/etc/passwd', 'invalid path: must be relative path: /etc/passwd'],
    ['', 'invalid path: must not be empty: ""'],
    ['..data', "invalid path: must not start with '..': ..data"],
    ['a\0b', 'invalid path: must not contain NUL: "a\\u0000b"'],
    ['x'.repeat(256), 'invalid path: filenames must be less than or equal to 255 characters'],
    ['a/'.repeat(2049), 'invalid path: must be less than or equal to 4096 characters'],
    ['.', 'invalid path: . is not within the volume directory'],
    ['a/..b/../..', "invalid path: must not contain '..': a/..b/../.."],
  ];
  it.each(cases)('%j', (target, want) => {
    const r = resolveVolumeFile(V, target);
    expect('path' in r ? r.path : r.error).toBe(want);
  });
  it('volumeFilePathError accepts ordinary names', () => {
    expect(volumeFilePathError('config/app.yaml')).toBeUndefined();
  });
  it.each([
    ['/v', '/v/a', true],
    ['/v', '/v', false],
    ['/v', '/vx/a', false],
    ['/v', '/', false],
    ['/v', '/v/../etc', false],
  ] as [string, string, boolean][])('isInside(%s, %s) = %s', (dir, p, want) => {
    expect(isInside(dir, p)).toBe(want);
  });
  it.each([
    [0o644, 0o644],
    [2541, 0o755], // 04755: the setuid bit is dropped
    [0o7777, 0o777],
    [0o2770, 0o770],
    [-1, 0o644],
    [1.5, 0o644],
    ['0777', 0o644],
    [undefined, 0o644],
  ] as [unknown, number][])('fileMode(%s) = %s', (mode, want) => {
    expect(fileMode(mode)).toBe(want);
  });
});

describe('planVolumes refuses escaping items even when API validation was bypassed', () => {
  it.each([
    [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: '../../../../../tmp/x', mode: 2541 }] } }],
    [{ name: 'v', secret: { secretName: 's', items: [{ key: 'k', path: '/etc/cron.d/x' }] } }],
    [{ name: 'v', downwardAPI: { items: [{ path: '../x', fieldRef: { fieldPath: 'metadata.name' } }] } }],
    [{ name: 'v', projected: { sources: [{ configMap: { name: 'cm', items: [{ key: 'k', path: 'a/../../x' }] } }] } }],
  ])('%j', (volume) => {
    expect(() => planVolumes(pod([volume]), '/d', sources, ctx)).toThrow(VolumeError);
    expect(() => planVolumes(pod([volume]), '/d', sources, ctx)).toThrow(/^MountVolume\.SetUp failed for volume "v" : invalid path: /);
  });
  it('masks modes and marks API data volumes read-only', () => {
    const plans = planVolumes(pod([{ name: 'v', configMap: { name: 'cm', defaultMode: 0o4755, items: [{ key: 'k', path: 'k', mode: 2541 }, { key: 'index.html', path: 'i' }] } }]), '/d', sources, ctx);
    expect(plans[0]!.files.map((f) => f.mode)).toEqual([0o755, 0o755]);
    expect(plans[0]!.readOnly).toBe(true);
    const mounts = containerMounts({ volumeMounts: [{ name: 'v', mountPath: '/etc/app' }] }, plans);
    expect(mounts[0]!.readOnly).toBe(true);
  });
});

describe('applyVolumes in a temp dir', () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kubelab-vol-'));
    outside = join(root, 'outside');
    mkdirSync(outside);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const plan = (files: { path: string; mode?: number; content?: string }[]): VolumePlan => ({
    name: 'v',
    hostPath: join(root, 'pods', 'u', 'volumes', 'kubernetes.io~configmap', 'v'),
    managed: true,
    readOnly: true,
    files: files.map((f) => ({ path: f.path, content: Buffer.from(f.content ?? 'x'), mode: f.mode ?? 0o644 })),
  });

  it('writes files inside the volume with the mode masked to 0777, whatever the umask', () => {
    const old = process.umask(0o077);
    try {
      const p = plan([{ path: 'a/b/c', mode: 2541, content: 'hello' }, { path: 'd', mode: 0o644 }]);
      applyVolumes([p]);
      expect(readFileSync(join(p.hostPath, 'a/b/c'), 'utf8')).toBe('hello');
      expect(statSync(join(p.hostPath, 'a/b/c')).mode & 0o7777).toBe(0o755);
      expect(statSync(join(p.hostPath, 'd')).mode & 0o7777).toBe(0o644);
    } finally {
      process.umask(old);
    }
  });

  it('refuses a path that escapes, even in a hand-made plan, and writes nothing outside', () => {
    const p = plan([{ path: '../../../../../outside/x', mode: 2541 }]);
    expect(() => applyVolumes([p])).toThrow(VolumeError);
    expect(existsSync(join(outside, 'x'))).toBe(false);
    expect(() => applyVolumes([plan([{ path: join(outside, 'abs') }])])).toThrow(/must be relative path/);
    expect(existsSync(join(outside, 'abs'))).toBe(false);
  });

  it('does not follow a symlinked directory out of the volume: the planted link is replaced by the writer\'s own', () => {
    const p = plan([{ path: 'link/x' }]);
    mkdirSync(p.hostPath, { recursive: true });
    symlinkSync(outside, join(p.hostPath, 'link'));
    applyVolumes([p]);
    expect(existsSync(join(outside, 'x'))).toBe(false);
    expect(readlinkSync(join(p.hostPath, 'link'))).toBe('..data/link');
    expect(readFileSync(join(p.hostPath, 'link/x'), 'utf8')).toBe('x');
  });

  it('writeVolumeFile (the writer under the AtomicWriter) refuses a symlinked directory', () => {
    const dir = join(root, 'ts');
    mkdirSync(dir);
    symlinkSync(outside, join(dir, 'link'));
    expect(() => writeVolumeFile(dir, 'v', { path: 'link/x', content: Buffer.from('x'), mode: 0o644 })).toThrow(/is not a directory inside the volume/);
    expect(existsSync(join(outside, 'x'))).toBe(false);
  });

  it('replaces a symlink at the file\'s place instead of writing through it', () => {
    const victim = join(outside, 'victim');
    writeFileSync(victim, 'untouched');
    const p = plan([{ path: 'f', content: 'new', mode: 0o600 }]);
    mkdirSync(p.hostPath, { recursive: true });
    symlinkSync(victim, join(p.hostPath, 'f'));
    applyVolumes([p]);
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readlinkSync(join(p.hostPath, 'f'))).toBe('..data/f');
    expect(readFileSync(join(p.hostPath, 'f'), 'utf8')).toBe('new');
  });

  it('a ..data link planted to point out of the volume is replaced, never read as the payload', () => {
    const p = plan([{ path: 'f', content: 'new' }]);
    mkdirSync(p.hostPath, { recursive: true });
    writeFileSync(join(outside, 'f'), 'new');
    symlinkSync(outside, join(p.hostPath, '..evil'));
    symlinkSync('..evil', join(p.hostPath, '..data'));
    applyVolumes([p]);
    expect(readlinkSync(join(p.hostPath, '..data'))).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
    expect(existsSync(join(p.hostPath, '..evil'))).toBe(false);
    expect(readFileSync(join(outside, 'f'), 'utf8')).toBe('new');
  });

  it('refuses a subPath whose real path leaves the volume', () => {
    const ed: VolumePlan = { name: 'scratch', hostPath: join(root, 'pods', 'u', 'volumes', 'kubernetes.io~empty-dir', 'scratch'), managed: true, files: [] };
    applyVolumes([ed]);
    symlinkSync('/', join(ed.hostPath, 'escape'));
    mkdirSync(join(ed.hostPath, 'ok'));
    const c = (subPath: string) => ({ volumeMounts: [{ name: 'scratch', mountPath: '/m', subPath }] });
    expect(() => containerMounts(c('escape'), [ed], realpathOfExisting)).toThrow('failed to prepare subPath for volumeMount "scratch" of container ""');
    expect(() => containerMounts(c('escape/etc'), [ed], realpathOfExisting)).toThrow(/failed to prepare subPath/);
    expect(containerMounts(c('ok'), [ed], realpathOfExisting)[0]!.hostPath).toBe(join(ed.hostPath, 'ok'));
    expect(containerMounts(c('new/dir'), [ed], realpathOfExisting)[0]!.hostPath).toBe(join(ed.hostPath, 'new/dir'));
  });
});
