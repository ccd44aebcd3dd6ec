import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim, Pod, Volume } from '../../../node-agent/kubelet/types.js';
import {
  applyVolumes,
  boundVolumeName,
  claimNames,
  containerMounts,
  diskUsageBytes,
  emptyDirLimitExceeded,
  emptyDirMemorySize,
  hostFileType,
  hostPathCheck,
  mountsUnder,
  mountSubPath,
  parseMountInfo,
  planVolumes,
  realpathOfExisting,
  resolveClaim,
  timestampDirPrefix,
  tmpfsOptions,
  tokenProjections,
  VolumeError,
  writeAtomic,
  type HostFileType,
  type HostPathType,
  type MountInfo,
  type Mounter,
  type VolumeSources,
} from '../../../node-agent/kubelet/volumes.js';

const pod = (volumes: Volume[], extra: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: {}, annotations: {} },
  spec: { nodeName: 'node01', containers: [{ name: 'c', image: 'x' }], volumes, ...extra },
});
const ctx = { nodeName: 'node01' };
const noSources: VolumeSources = { configMap: () => undefined, secret: () => undefined };

describe('hostPathCheck (upstream hostPath checkType)', () => {
  const P = '/srv/data';
  const cases: [HostPathType | undefined, HostFileType | undefined, { make?: 'dir' | 'file'; error?: string }][] = [
    ['', undefined, {}],
    [undefined, 'Socket', {}],
    ['DirectoryOrCreate', undefined, { make: 'dir' }],
    ['DirectoryOrCreate', 'Directory', {}],
    ['DirectoryOrCreate', 'File', { error: 'hostPath type check failed: /srv/data is not a directory' }],
    ['Directory', undefined, { error: 'hostPath type check failed: /srv/data is not a directory' }],
    ['Directory', 'Directory', {}],
    ['FileOrCreate', undefined, { make: 'file' }],
    ['FileOrCreate', 'File', {}],
    ['FileOrCreate', 'Directory', { error: 'hostPath type check failed: /srv/data is not a file' }],
    ['File', undefined, { error: 'hostPath type check failed: /srv/data is not a file' }],
    ['File', 'CharDevice', { error: 'hostPath type check failed: /srv/data is not a file' }],
    ['Socket', 'Socket', {}],
    ['Socket', 'File', { error: 'hostPath type check failed: /srv/data is not a socket file' }],
    ['CharDevice', 'CharDevice', {}],
    ['CharDevice', 'BlockDevice', { error: 'hostPath type check failed: /srv/data is not a character device' }],
    ['BlockDevice', 'BlockDevice', {}],
    ['BlockDevice', undefined, { error: 'hostPath type check failed: /srv/data is not a block device' }],
    ['Fifo' as HostPathType, 'File', { error: 'Fifo is an invalid volume type' }],
  ];
  it.each(cases)('type %j, found %j', (want, found, expected) => {
    expect(hostPathCheck(P, want, found)).toEqual(expected);
  });
});

describe('hostPath volumes on a real filesystem (applyVolumes)', () => {
  let root: string;
  let server: Server | undefined;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kubelab-hostpath-'));
  });
  afterEach(async () => {
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
    rmSync(root, { recursive: true, force: true });
  });
  const apply = (path: string, type: HostPathType) => applyVolumes(planVolumes(pod([{ name: 'h', hostPath: { path, type } }]), '/unused', noSources, ctx));

  it('sees directories, files, sockets and devices as upstream\'s GetFileType', async () => {
    const sock = join(root, 's.sock');
    server = createServer();
    await new Promise<void>((r) => server!.listen(sock, r));
    writeFileSync(join(root, 'f'), '');
    expect([hostFileType(root), hostFileType(join(root, 'f')), hostFileType(sock), hostFileType('/dev/null'), hostFileType(join(root, 'nope'))]).toEqual([
      'Directory', 'File', 'Socket', 'CharDevice', undefined,
    ]);
    expect(() => apply(sock, 'Socket')).not.toThrow();
    expect(() => apply('/dev/null', 'CharDevice')).not.toThrow();
    expect(() => apply('/dev/null', 'BlockDevice')).toThrow('MountVolume.SetUp failed for volume "h" : hostPath type check failed: /dev/null is not a block device');
  });

  it('DirectoryOrCreate makes the directory (0755), FileOrCreate the file (0644) and its parents', () => {
    const old = process.umask(0o022);
    try {
      apply(join(root, 'a/b'), 'DirectoryOrCreate');
      apply(join(root, 'c/d/f.txt'), 'FileOrCreate');
    } finally {
      process.umask(old);
    }
    expect(statSync(join(root, 'a/b')).isDirectory()).toBe(true);
    expect(statSync(join(root, 'a/b')).mode & 0o777).toBe(0o755);
    expect(statSync(join(root, 'c/d/f.txt')).isFile()).toBe(true);
    expect(statSync(join(root, 'c/d/f.txt')).mode & 0o777).toBe(0o644);
  });

  it('an existing file is kept as it is by FileOrCreate; the wrong type fails with upstream\'s message', () => {
    writeFileSync(join(root, 'f'), 'data');
    apply(join(root, 'f'), 'FileOrCreate');
    expect(readFileSync(join(root, 'f'), 'utf8')).toBe('data');
    expect(() => apply(join(root, 'f'), 'Directory')).toThrow(`hostPath type check failed: ${join(root, 'f')} is not a directory`);
    expect(() => apply(root, 'File')).toThrow(`hostPath type check failed: ${root} is not a file`);
    expect(() => apply(join(root, 'missing'), 'Directory')).toThrow(VolumeError);
    expect(readdirSync(root)).toEqual(['f']); // nothing made by a failed check
  });
});

describe('resolveClaim (upstream desired-state populator messages)', () => {
  const claim = (over: Partial<PersistentVolumeClaim> = {}): PersistentVolumeClaim => ({
    metadata: { name: 'data', namespace: 'default', uid: 'c1' },
    spec: { volumeName: 'pv1' },
    status: { phase: 'Bound' },
    ...over,
  });
  const pv: PersistentVolume = { metadata: { name: 'pv1' }, spec: { hostPath: { path: '/srv/pv1' }, claimRef: { uid: 'c1', name: 'data', namespace: 'default' } } };
  const src = (c: PersistentVolumeClaim | undefined, v: PersistentVolume | undefined = pv): VolumeSources => ({ ...noSources, claim: () => c, persistentVolume: () => v });
  const cases: [string, VolumeSources, string][] = [
    ['missing', src(undefined), 'error processing PVC default/data: failed to fetch PVC from API server: persistentvolumeclaims "data" not found'],
    ['pending', src(claim({ spec: {}, status: { phase: 'Pending' } })), 'error processing PVC default/data: PVC is not bound'],
    ['being deleted', src(claim({ metadata: { name: 'data', uid: 'c1', deletionTimestamp: '2026-12-04T00:00:00Z' } })), "error processing PVC default/data: can't start pod because PVC default/data is being deleted"],
    ['pv missing', { ...noSources, claim: () => claim(), persistentVolume: () => undefined }, 'error processing PVC default/data: failed to fetch PV pv1 from API server: persistentvolumes "pv1" not found'],
    ['pv without claimRef', src(claim(), { metadata: { name: 'pv1' }, spec: { hostPath: { path: '/x' } } }), 'error processing PVC default/data: found PV object pv1 but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim'],
    ['claim refused', { ...noSources, claim: () => ({ fetchError: 'persistentvolumeclaims "data" is forbidden: no relationship found' }) }, 'error processing PVC default/data: failed to fetch PVC from API server: persistentvolumeclaims "data" is forbidden: no relationship found'],
    ['pv refused', { ...noSources, claim: () => claim(), persistentVolume: () => ({ fetchError: 'persistentvolumes "pv1" is forbidden' }) }, 'error processing PVC default/data: failed to fetch PV pv1 from API server: persistentvolumes "pv1" is forbidden'],
    ['pv of another claim', src(claim(), { ...pv, spec: { ...pv.spec, claimRef: { uid: 'other' } } }), 'error processing PVC default/data: found PV object pv1 but its pv.Spec.ClaimRef.UID other does not point to claim.UID c1'],
  ];
  it.each(cases)('%s', (_n, sources, want) => {
    const r = resolveClaim('default', 'data', sources);
    expect('error' in r ? r.error : 'resolved').toBe(want);
  });
  it('the PV is read only once the claim is Bound and not being deleted (as upstream)', () => {
    expect(boundVolumeName(claim())).toBe('pv1');
    expect(boundVolumeName(claim({ status: { phase: 'Pending' } }))).toBeUndefined();
    expect(boundVolumeName(claim({ metadata: { name: 'data', deletionTimestamp: '2026-12-04T00:00:00Z' } }))).toBeUndefined();
    expect(boundVolumeName(claim({ spec: {} }))).toBeUndefined();
  });
  it('a bound claim gives its volume; the plan is the PV\'s path, read-only when the pod says so', () => {
    expect(resolveClaim('default', 'data', src(claim()))).toEqual({ pv });
    const plans = planVolumes(pod([{ name: 'd', persistentVolumeClaim: { claimName: 'data', readOnly: true } }]), '/p', src(claim()), ctx);
    expect(plans).toEqual([{ name: 'd', displayName: 'pv1', hostPath: '/srv/pv1', managed: false, files: [], hostPathType: '', readOnly: true }]);
    const local = planVolumes(pod([{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }]), '/p', src(claim(), { ...pv, spec: { local: { path: '/mnt/disk' }, claimRef: { uid: 'c1' } } }), ctx);
    expect(local).toEqual([{ name: 'd', displayName: 'pv1', hostPath: '/mnt/disk', managed: false, files: [], mustExist: true }]);
    expect(claimNames(pod([{ name: 'a', persistentVolumeClaim: { claimName: 'x' } }, { name: 'b', persistentVolumeClaim: { claimName: 'x' } }]))).toEqual(['x']);
  });
  it('an unbound claim: the pod waits with upstream\'s FailedMount message naming every volume', () => {
    const p = pod([{ name: 'scratch', emptyDir: {} }, { name: 'd', persistentVolumeClaim: { claimName: 'data' } }]);
    expect(() => planVolumes(p, '/p', src(claim({ spec: {}, status: { phase: 'Pending' } })), ctx)).toThrow(
      'Unable to attach or mount volumes: unmounted volumes=[scratch d], unattached volumes=[scratch d], failed to process volumes=[d]: error processing PVC default/data: PVC is not bound',
    );
  });
  it('a local volume whose path is missing fails with upstream\'s NewMounter message', () => {
    const plans = planVolumes(pod([{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }]), '/p', src(claim(), { ...pv, spec: { local: { path: '/nonexistent/kubelab' }, claimRef: { uid: 'c1' } } }), ctx);
    expect(() => applyVolumes(plans)).toThrow('MountVolume.NewMounter initialization failed for volume "pv1" : path "/nonexistent/kubelab" does not exist');
  });
});

describe('memory-backed emptyDir (upstream calculateEmptyDirMemorySize, setupTmpfs)', () => {
  const GI = 1024n * 1024n * 1024n;
  const limited = (mem: string[]) => pod([], { containers: mem.map((m, i) => ({ name: `c${i}`, image: 'x', resources: { limits: { memory: m } } })) });
  const cases: [string, Pod, unknown, bigint | undefined, bigint | undefined][] = [
    ['nothing known', pod([]), undefined, undefined, undefined],
    ['the node\'s memory', pod([]), undefined, 8n * GI, 8n * GI],
    ['sizeLimit below the node', pod([]), '64Mi', 8n * GI, 64n * 1024n * 1024n],
    ['sizeLimit above the node', pod([]), '16Gi', 8n * GI, 8n * GI],
    ['the pod limit (every container limited)', limited(['1Gi', '1Gi']), undefined, 8n * GI, 2n * GI],
    ['a container without limit: no pod limit', pod([], { containers: [{ name: 'a', image: 'x', resources: { limits: { memory: '1Gi' } } }, { name: 'b', image: 'x' }] }), undefined, 8n * GI, 8n * GI],
    ['sizeLimit under the pod limit', limited(['1Gi']), '100Mi', 8n * GI, 100n * 1024n * 1024n],
    ['sizeLimit over the pod limit', limited(['1Gi']), '2Gi', 8n * GI, GI],
    ['sizeLimit 0 is ignored', pod([]), '0', 8n * GI, 8n * GI],
  ];
  it.each(cases)('%s', (_n, p, sizeLimit, node, want) => {
    expect(emptyDirMemorySize(p, sizeLimit, node)).toBe(want);
  });
  it('plans a tmpfs and mounts it once (size in bytes), an existing mount kept', () => {
    const plans = planVolumes(pod([{ name: 'm', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }]), '/tmp/kubelab-none', noSources, ctx);
    expect(plans[0]!.tmpfs).toEqual({ sizeBytes: 1048576n });
    expect(tmpfsOptions(plans[0]!.tmpfs!)).toEqual(['-o', 'size=1048576']);
    expect(tmpfsOptions({})).toEqual([]);
    const root = mkdtempSync(join(tmpdir(), 'kubelab-tmpfs-'));
    try {
      const p = { ...plans[0]!, hostPath: join(root, 'm') };
      const calls: string[] = [];
      const mounted: MountInfo[] = [];
      const m: Mounter = {
        mountInfo: () => mounted,
        mountTmpfs: (dir, args) => {
          calls.push(`mount ${args.join(' ')} ${dir}`);
          mounted.push({ mountPoint: dir, fsType: 'tmpfs' });
        },
        unmount: () => undefined,
      };
      applyVolumes([p], m);
      applyVolumes([p], m);
      expect(calls).toEqual([`mount -o size=1048576 ${join(root, 'm')}`]);
      expect(() => applyVolumes([p])).toThrow(VolumeError);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
  it('reads /proc/self/mountinfo and orders the unmounts deepest first', () => {
    const text = [
      '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
      '90 22 0:50 / /var/lib/k/pods/u1/volumes/kubernetes.io~empty-dir/m rw - tmpfs tmpfs rw,size=1024k',
      '91 90 0:51 / /var/lib/k/pods/u1/volumes/kubernetes.io~empty-dir/m/deeper rw - tmpfs tmpfs rw',
      '92 22 0:52 / /var/lib/k/pods/u10/with\\040space rw - tmpfs tmpfs rw',
      '',
    ].join('\n');
    const mounts = parseMountInfo(text);
    expect(mounts[3]).toEqual({ mountPoint: '/var/lib/k/pods/u10/with space', fsType: 'tmpfs' });
    expect(mountsUnder(mounts, '/var/lib/k/pods/u1')).toEqual([
      '/var/lib/k/pods/u1/volumes/kubernetes.io~empty-dir/m/deeper',
      '/var/lib/k/pods/u1/volumes/kubernetes.io~empty-dir/m',
    ]);
  });
});

describe('subPath and subPathExpr (upstream makeMounts)', () => {
  const env = [{ name: 'POD_NAME', value: 'web-0' }, { name: 'EMPTY', value: '' }];
  const cases: [string, { subPath?: string; subPathExpr?: string }, string][] = [
    ['none', {}, ''],
    ['plain', { subPath: 'logs' }, 'logs'],
    ['expanded', { subPathExpr: 'logs/$(POD_NAME)' }, 'logs/web-0'],
    ['escaped $$', { subPathExpr: '$$(POD_NAME)' }, '$(POD_NAME)'],
    ['missing', { subPathExpr: '$(NOPE)/$(EMPTY)' }, 'missing value for EMPTY, NOPE'],
    ['absolute', { subPath: '/etc' }, 'error SubPath `/etc` must not be an absolute path'],
    ['backstep', { subPath: 'a/../../etc' }, "unable to provision SubPath `a/../../etc`: must not contain '..'"],
    ['backstep through a variable', { subPathExpr: '$(UP)/etc' }, "unable to provision SubPath `../etc`: must not contain '..'"],
  ];
  it.each(cases)('%s', (_n, m, want) => {
    const e = [...env, { name: 'UP', value: '..' }];
    let got: string;
    try {
      got = mountSubPath({ name: 'v', ...m }, e);
    } catch (err) {
      got = (err as Error).message;
    }
    expect(got).toBe(want);
  });

  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kubelab-subpath-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  it('makes a missing subPath directory of a writable volume; never of an API data volume; readOnly of the claim wins', () => {
    const ed = { name: 'ed', hostPath: join(root, 'ed'), managed: true, files: [] };
    const ro = { name: 'cm', hostPath: join(root, 'cm'), managed: true, files: [], readOnly: true };
    mkdirSync(ed.hostPath);
    mkdirSync(ro.hostPath);
    const made: string[] = [];
    const io = { realpath: realpathOfExisting, mkdirp: (p: string) => { made.push(p); mkdirSync(p, { recursive: true }); } };
    const mounts = containerMounts(
      { name: 'c', volumeMounts: [{ name: 'ed', mountPath: '/logs', subPathExpr: '$(POD_NAME)' }, { name: 'cm', mountPath: '/cfg', subPath: 'x' }] },
      [ed, ro],
      io,
      env,
    );
    expect(mounts).toEqual([
      { hostPath: join(root, 'ed/web-0'), containerPath: '/logs', readOnly: false },
      { hostPath: join(root, 'cm/x'), containerPath: '/cfg', readOnly: true },
    ]);
    expect(made).toEqual([join(root, 'ed/web-0')]);
    // subPath "." is the volume itself (filepath.Join), not an escape.
    expect(containerMounts({ name: 'c', volumeMounts: [{ name: 'ed', mountPath: '/all', subPath: '.' }] }, [ed], io)[0]!.hostPath).toBe(ed.hostPath);
    expect(statSync(join(root, 'ed/web-0')).isDirectory()).toBe(true);
  });
});

describe('projected serviceAccountToken sources', () => {
  const kubeApiAccess: Volume = {
    name: 'kube-api-access-abcde',
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
  const vault: Volume = { name: 'vault', projected: { sources: [{ serviceAccountToken: { path: 'vault-token', audience: 'vault', expirationSeconds: 7200 } }, { serviceAccountToken: { path: 'again', expirationSeconds: 3607 } }] } };
  it('lists each (audience, expiration) once for the token manager', () => {
    expect(tokenProjections(pod([kubeApiAccess, vault]))).toEqual([
      { audience: '', expirationSeconds: 3607 },
      { audience: 'vault', expirationSeconds: 7200 },
    ]);
    expect(tokenProjections(pod([{ name: 'p', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }]))).toEqual([{ audience: '', expirationSeconds: 3600 }]);
  });
  const sources = (token: VolumeSources['token']): VolumeSources => ({
    configMap: (n) => (n === 'kube-root-ca.crt' ? { data: { 'ca.crt': 'CA' } } : undefined),
    secret: () => undefined,
    ...(token ? { token } : {}),
  });
  it('plans token, ca.crt and namespace (the kube-api-access volume), with the volume\'s defaultMode', () => {
    const [plan] = planVolumes(pod([kubeApiAccess]), '/p', sources((t) => ({ token: `jwt-for-${t.audience || 'api'}-${t.expirationSeconds}` })), ctx);
    expect(plan!.hostPath).toBe('/p/volumes/kubernetes.io~projected/kube-api-access-abcde');
    expect(plan!.readOnly).toBe(true);
    expect(plan!.files.map((f) => [f.path, f.content.toString(), f.mode])).toEqual([
      ['token', 'jwt-for-api-3607', 0o644],
      ['ca.crt', 'CA', 0o644],
      ['namespace', 'default', 0o644],
    ]);
  });
  it('a token that could not be fetched fails the mount with upstream\'s "failed to fetch token"', () => {
    expect(() => planVolumes(pod([kubeApiAccess]), '/p', sources(() => ({ error: 'serviceaccounts "default" not found' })), ctx)).toThrow(
      'MountVolume.SetUp failed for volume "kube-api-access-abcde" : failed to fetch token: serviceaccounts "default" not found',
    );
  });
});

describe('the AtomicWriter (upstream ..data symlink swap)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const f = (path: string, content: string, mode = 0o644) => ({ path, content: Buffer.from(content), mode });

  it('names the timestamped directory as upstream (..2006_01_02_15_04_05.)', () => {
    expect(timestampDirPrefix(new Date('2026-12-04T22:03:09.5Z'))).toBe('..2026_12_04_22_03_09.');
  });

  it('writes into a timestamped directory behind ..data, with top-level links; an unchanged payload writes nothing', () => {
    writeAtomic(dir, 'v', [f('token', 'one'), f('sub/ca.crt', 'CA')], new Date('2026-12-04T22:00:00Z'));
    const first = readlinkSync(join(dir, '..data'));
    expect(first.startsWith('..2026_12_04_22_00_00.')).toBe(true);
    expect(readlinkSync(join(dir, 'token'))).toBe('..data/token');
    expect(readlinkSync(join(dir, 'sub'))).toBe('..data/sub');
    expect(readFileSync(join(dir, 'sub/ca.crt'), 'utf8')).toBe('CA');
    writeAtomic(dir, 'v', [f('token', 'one'), f('sub/ca.crt', 'CA')], new Date('2026-12-04T22:01:00Z'));
    expect(readlinkSync(join(dir, '..data'))).toBe(first);
  });

  it('a new token swaps ..data in one rename; the old directory and names no longer projected go', () => {
    writeAtomic(dir, 'v', [f('token', 'one'), f('old', 'x')], new Date('2026-12-04T22:00:00Z'));
    const first = readlinkSync(join(dir, '..data'));
    writeAtomic(dir, 'v', [f('token', 'two')], new Date('2026-12-04T22:10:00Z'));
    const second = readlinkSync(join(dir, '..data'));
    expect(second).not.toBe(first);
    expect(readFileSync(join(dir, 'token'), 'utf8')).toBe('two');
    expect(readdirSync(dir).sort()).toEqual(['..data', second, 'token'].sort());
  });

  it('a mode change alone is a new payload', () => {
    writeAtomic(dir, 'v', [f('token', 'one', 0o644)]);
    writeAtomic(dir, 'v', [f('token', 'one', 0o600)]);
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
  });
});

describe('emptyDir sizeLimit (upstream eviction manager emptyDirLimitEviction)', () => {
  const p = pod([{ name: 'scratch', emptyDir: { sizeLimit: '1Mi' } }, { name: 'free', emptyDir: {} }, { name: 'zero', emptyDir: { sizeLimit: '0' } }]);
  const cases: [string, Record<string, bigint>, string | undefined][] = [
    ['under', { scratch: 1000n, free: 10n ** 9n }, undefined],
    ['exactly at the limit', { scratch: 1048576n }, undefined],
    ['over', { scratch: 1048577n }, 'Usage of EmptyDir volume "scratch" exceeds the limit "1Mi". '],
    ['a zero limit is no limit', { zero: 10n ** 9n }, undefined],
    ['not measured', {}, undefined],
  ];
  it.each(cases)('%s', (_n, used, want) => {
    expect(emptyDirLimitExceeded(p, (v) => used[v])).toBe(want);
  });
  it('measures a directory as du does (blocks, hard links once, missing = 0)', () => {
    const root = mkdtempSync(join(tmpdir(), 'kubelab-du-'));
    try {
      writeFileSync(join(root, 'a'), Buffer.alloc(64 * 1024, 1));
      mkdirSync(join(root, 'd'));
      writeFileSync(join(root, 'd', 'b'), Buffer.alloc(64 * 1024, 1));
      const used = diskUsageBytes(root);
      expect(used).toBeGreaterThanOrEqual(128n * 1024n);
      expect(used).toBeLessThan(512n * 1024n);
      expect(diskUsageBytes(join(root, 'missing'))).toBe(0n);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
