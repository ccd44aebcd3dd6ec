/**
 * Pure image logic shared by both runtimes: reference normalization (Docker's rules), OCI/Docker
 * manifest types, platform selection in a manifest list, chain ids, and how Kubernetes' command/args
 * combine with an image's Entrypoint/Cmd. No I/O here.
 */
import { createHash } from 'node:crypto';
import { KubeError } from '../../api/errors.js';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface Index {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    User?: string;
    StopSignal?: string;
    ExposedPorts?: Record<string, unknown>;
    Labels?: Record<string, string> | null;
  };
  rootfs: { type: string; diff_ids: string[] };
}

export interface ImageRef {
  /** Registry host as written in names: `docker.io`, `127.0.0.1:5000`. */
  domain: string;
  /** Repository path: `library/nginx`. */
  path: string;
  tag?: string;
  digest?: string;
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/**
 * Normalize a reference the way Docker and containerd's CRI do:
 * `nginx` -> docker.io/library/nginx:latest, `foo/bar` -> docker.io/foo/bar:latest,
 * `127.0.0.1:5000/x:1` stays, `nginx@sha256:..` keeps the digest (no default tag).
 */
export function parseImageRef(ref: string): ImageRef {
  const bad = (why: string) => new KubeError('BadRequest', `invalid reference format: "${ref}": ${why}`, { code: 'ERR_INVALID' });
  if (!ref || /\s/.test(ref)) throw bad('empty or has spaces');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw bad('bad digest');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw bad('bad tag');
  }
  let domain = 'docker.io';
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path)) {
    throw bad('repository name must be lowercase');
  }
  if (!tag && !digest) tag = 'latest';
  return { domain, path, tag, digest };
}

/** `docker.io/library/nginx` */
export function repoName(r: ImageRef): string {
  return `${r.domain}/${r.path}`;
}

/** The full normalized name: `docker.io/library/nginx:latest` or `...@sha256:..`. */
export function normalizedName(r: ImageRef): string {
  return r.digest ? `${repoName(r)}@${r.digest}` : `${repoName(r)}:${r.tag}`;
}

export function normalizeImage(ref: string): string {
  return normalizedName(parseImageRef(ref));
}

/** The host to talk to for a domain (Docker Hub's API lives on registry-1.docker.io). */
export function registryHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;
}

/** Pick the manifest for a platform out of an index (variant ignored for amd64); undefined if none. */
export function selectPlatform(index: Index, os = 'linux', architecture = 'amd64'): Descriptor | undefined {
  return index.manifests.find((m) => m.platform?.os === os && m.platform?.architecture === architecture);
}

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** Chain ids of a layer stack (OCI image spec): chain(0) = diff(0), chain(n) = sha256(chain(n-1) + " " + diff(n)). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256(`${out[out.length - 1]} ${d}`));
  return out;
}

/**
 * Kubernetes' rule: `command` replaces Entrypoint, `args` replaces Cmd, and a given `command`
 * without `args` drops the image's Cmd.
 */
export function resolveArgv(image: ImageConfig['config'], command?: string[], args?: string[]): string[] {
  const entry = command && command.length > 0 ? command : (image?.Entrypoint ?? []);
  const cmd = args && args.length > 0 ? args : command && command.length > 0 ? [] : (image?.Cmd ?? []);
  return [...entry, ...cmd];
}

/** Image env, then the container's (later wins, order kept by first appearance). */
export function mergeEnv(imageEnv: string[] | null | undefined, env: { name: string; value: string }[] | undefined): string[] {
  const m = new Map<string, string>();
  for (const kv of imageEnv ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) m.set(kv.slice(0, i), kv.slice(i + 1));
  }
  for (const e of env ?? []) m.set(e.name, e.value);
  return [...m].map(([k, v]) => `${k}=${v}`);
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15, SIGWINCH: 28,
};

/** `SIGQUIT`, `QUIT` or `3` -> 3; unknown -> SIGTERM (15). */
export function signalNumber(s: string | undefined): number {
  if (!s) return 15;
  if (/^\d+$/.test(s)) return Number(s);
  const up = s.toUpperCase();
  return SIGNALS[up.startsWith('SIG') ? up : `SIG${up}`] ?? 15;
}

/** Parse a `WWW-Authenticate: Bearer realm="..",service="..",scope=".."` header. */
export function parseAuthenticate(header: string): { scheme: string; params: Record<string, string> } {
  const sp = header.indexOf(' ');
  const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /(\w+)="([^"]*)"|(\w+)=([^,\s]*)/g;
  for (const m of (sp < 0 ? '' : header.slice(sp + 1)).matchAll(re)) {
    if (m[1]) params[m[1]] = m[2];
    else if (m[3]) params[m[3]] = m[4];
  }
  return { scheme, params };
}

/** Formats one line of a CRI log file: `<RFC3339Nano> <stream> <F|P> <text>`. */
export function criLogLine(time: Date | string, stream: 'stdout' | 'stderr', text: string, partial = false): string {
  const ts = typeof time === 'string' ? time : time.toISOString();
  return `${ts} ${stream} ${partial ? 'P' : 'F'} ${text}\n`;
}

export interface CriLogEntry {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

/** Parses one CRI log line; undefined when it is not one. */
export function parseCriLogLine(line: string): CriLogEntry | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/.exec(line);
  if (!m || Number.isNaN(Date.parse(m[1]))) return undefined;
  return { time: m[1], stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', text: m[4] };
}
