import { describe, expect, it } from 'vitest';
import {
  MEDIA, chainIds, criLogLine, mergeEnv, normalizeImage, parseAuthenticate, parseCriLogLine, parseImageRef,
  resolveArgv, selectPlatform, sha256, signalNumber,
} from '../../../node-agent/runtime/image.js';
import { endpointsFor } from '../../../node-agent/runtime/distribution.js';

describe('parseImageRef / normalizeImage (Docker normalization)', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.22', 'docker.io/library/nginx:1.22'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis:7'],
    ['docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['index.docker.io/library/nginx:latest', 'docker.io/library/nginx:latest'],
    ['127.0.0.1:5000/library/nginx:1.22', '127.0.0.1:5000/library/nginx:1.22'],
    ['localhost/app', 'localhost/app:latest'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    [`nginx@sha256:${'a'.repeat(64)}`, `docker.io/library/nginx@sha256:${'a'.repeat(64)}`],
  ])('%s -> %s', (input, want) => {
    expect(normalizeImage(input)).toBe(want);
  });

  it('splits domain, path, tag', () => {
    expect(parseImageRef('127.0.0.1:5000/a/b:c')).toEqual({ domain: '127.0.0.1:5000', path: 'a/b', tag: 'c', digest: undefined });
  });

  it.each(['', 'NGINX', 'nginx:', 'a b', 'nginx@sha256:zz'])('rejects %j', (bad) => {
    expect(() => parseImageRef(bad)).toThrow(/invalid reference format/);
  });
});

describe('endpointsFor (mirrors first, plain HTTP only where configured)', () => {
  it.each([
    ['docker.io', {}, ['https://registry-1.docker.io']],
    ['docker.io', { mirrors: { 'docker.io': ['http://127.0.0.1:5000'] } }, ['http://127.0.0.1:5000', 'https://registry-1.docker.io']],
    ['docker.io', { mirrors: { 'docker.io': ['192.168.56.1:5000'] }, insecureRegistries: ['192.168.56.1:5000'] }, ['http://192.168.56.1:5000', 'https://registry-1.docker.io']],
    ['docker.io', { mirrors: { 'docker.io': ['mirror.example:443'] } }, ['https://mirror.example:443', 'https://registry-1.docker.io']],
    ['10.0.0.1:5000', { insecureRegistries: ['10.0.0.1:5000'] }, ['http://10.0.0.1:5000']],
    ['quay.io', { mirrors: { 'docker.io': ['http://x'] } }, ['https://quay.io']],
  ] as const)('%s %j', (domain, opts, want) => {
    expect(endpointsFor(domain, opts as never)).toEqual(want);
  });
});

describe('selectPlatform', () => {
  const index = {
    schemaVersion: 2,
    manifests: [
      { mediaType: MEDIA.ociManifest, digest: 'sha256:arm', size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { mediaType: MEDIA.ociManifest, digest: 'sha256:amd', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: MEDIA.ociManifest, digest: 'sha256:win', size: 1, platform: { os: 'windows', architecture: 'amd64' } },
    ],
  };
  it('picks linux/amd64', () => expect(selectPlatform(index)?.digest).toBe('sha256:amd'));
  it('returns undefined when absent', () => expect(selectPlatform({ schemaVersion: 2, manifests: [index.manifests[0]] })).toBeUndefined());
});

describe('chainIds (OCI image spec)', () => {
  it('chains diff ids', () => {
    const d = ['sha256:aa', 'sha256:bb', 'sha256:cc'];
    const c1 = sha256('sha256:aa sha256:bb');
    expect(chainIds(d)).toEqual(['sha256:aa', c1, sha256(`${c1} sha256:cc`)]);
    expect(chainIds([])).toEqual([]);
  });
});

describe('resolveArgv (command/args vs Entrypoint/Cmd, as Kubernetes)', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['--default'] };
  it.each([
    [undefined, undefined, ['/entry', '--default']],
    [undefined, ['--x'], ['/entry', '--x']],
    [['sh', '-c'], undefined, ['sh', '-c']],
    [['sh', '-c'], ['echo hi'], ['sh', '-c', 'echo hi']],
    [[], [], ['/entry', '--default']],
  ] as const)('command=%j args=%j', (command, args, want) => {
    expect(resolveArgv(image, command as string[] | undefined, args as string[] | undefined)).toEqual(want);
  });
  it('uses Cmd alone when there is no Entrypoint', () => expect(resolveArgv({ Cmd: ['nginx'] })).toEqual(['nginx']));
});

describe('mergeEnv', () => {
  it('keeps image env, overrides by name, appends new', () => {
    expect(mergeEnv(['PATH=/bin', 'A=1'], [{ name: 'A', value: '2' }, { name: 'B', value: 'x=y' }])).toEqual(['PATH=/bin', 'A=2', 'B=x=y']);
    expect(mergeEnv(null, undefined)).toEqual([]);
  });
});

describe('parseAuthenticate (Docker Hub token flow)', () => {
  it('parses a Bearer challenge', () => {
    expect(parseAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
    });
  });
  it('parses Basic', () => expect(parseAuthenticate('Basic realm="Registry"').scheme).toBe('basic'));
});

describe('signalNumber', () => {
  it.each([[undefined, 15], ['SIGQUIT', 3], ['quit', 3], ['9', 9], ['SIGBOGUS', 15]] as const)('%s -> %d', (s, n) => {
    expect(signalNumber(s)).toBe(n);
  });
});

describe('CRI log lines', () => {
  it('formats and parses', () => {
    const line = criLogLine('2026-01-02T03:04:05.123456789Z', 'stderr', 'boom');
    expect(line).toBe('2026-01-02T03:04:05.123456789Z stderr F boom\n');
    expect(parseCriLogLine(line.trimEnd())).toEqual({ time: '2026-01-02T03:04:05.123456789Z', stream: 'stderr', partial: false, text: 'boom' });
    expect(parseCriLogLine('2026-01-02T03:04:05Z stdout P part')?.partial).toBe(true);
    expect(parseCriLogLine('2026-01-02T03:04:05Z stdout F ')?.text).toBe('');
    expect(parseCriLogLine('not a log line')).toBeUndefined();
  });
});
