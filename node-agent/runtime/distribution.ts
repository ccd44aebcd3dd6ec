/**
 * A client of the OCI distribution spec (what `docker pull` speaks): resolve a reference to a
 * linux/amd64 manifest through mirrors then the registry itself, with Docker Hub's token flow
 * (401 + `WWW-Authenticate: Bearer realm=..,service=..,scope=..` -> GET realm -> Bearer token),
 * Basic auth, plain HTTP for insecure registries and mirrors; blobs are streamed to the caller.
 */
import { KubeError } from '../../api/errors.js';
import type { PullOptions, RegistryAuth } from './runtime.js';
import {
  type Descriptor, type ImageConfig, type ImageRef, type Index, type Manifest,
  MANIFEST_ACCEPT, isIndex, normalizedName, parseAuthenticate, parseImageRef, registryHost, selectPlatform, sha256,
} from './image.js';

export interface ResolvedImage {
  ref: ImageRef;
  /** `docker.io/library/nginx:latest` */
  name: string;
  /** The base URL that answered (a mirror or the registry). */
  endpoint: string;
  /** What the tag points to: an index or a manifest, with its bytes. */
  target: Descriptor;
  targetBytes: Buffer;
  manifestDesc: Descriptor;
  manifestBytes: Buffer;
  manifest: Manifest;
  configBytes: Buffer;
  config: ImageConfig;
  /** Streams a blob (a layer) of this repository from the same endpoint. */
  fetchBlob(desc: Descriptor): Promise<AsyncIterable<Uint8Array>>;
}

/**
 * A failure at one registry endpoint (a mirror or the registry): resolveImage tries the next endpoint.
 * Any other KubeError (authentication required, no manifest for the platform) ends the resolution.
 */
class RegistryError extends KubeError {
  constructor(message: string, reason: 'InternalError' | 'NotFound' = 'InternalError') {
    super(reason, message, { code: 'ERR_IMAGE_PULL' });
    this.name = 'RegistryError';
  }
}

/** A 404 at one endpoint: the next one may still have the image. */
class NotFoundError extends RegistryError {
  constructor(message: string) {
    super(message, 'NotFound');
    this.name = 'NotFoundError';
  }
}

/** Base URLs to try for a registry domain, mirrors first (pure). */
export function endpointsFor(domain: string, opts: PullOptions = {}): string[] {
  const insecure = new Set(opts.insecureRegistries ?? []);
  const withScheme = (hostOrUrl: string) => {
    if (/^https?:\/\//.test(hostOrUrl)) return hostOrUrl.replace(/\/+$/, '');
    return `${insecure.has(hostOrUrl) ? 'http' : 'https'}://${hostOrUrl}`;
  };
  const mirrors = (opts.mirrors?.[domain] ?? []).map(withScheme);
  const self = withScheme(registryHost(domain));
  const selfUrl = insecure.has(domain) ? `http://${registryHost(domain)}` : self;
  if (mirrors.length > 0 && opts.mirrorFallback === false) return mirrors;
  return [...mirrors, selfUrl];
}

/** One registry endpoint + repository, remembering the token it got. */
class RegistrySession {
  private authorization: string | undefined;

  constructor(
    readonly base: string,
    private readonly repo: string,
    private readonly auth: RegistryAuth | undefined,
  ) {
    if (auth?.token) this.authorization = `Bearer ${auth.token}`;
  }

  async get(path: string, accept?: string, timeoutMs = 30_000): Promise<Response> {
    const url = `${this.base}/v2/${this.repo}/${path}`;
    const doFetch = () => {
      const headers: Record<string, string> = {};
      if (accept) headers.accept = accept;
      if (this.authorization) headers.authorization = this.authorization;
      return fetch(url, { headers, redirect: 'follow', signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined });
    };
    let res = await doFetch();
    if (res.status === 401 && !this.authorization?.startsWith('Basic')) {
      const challenge = res.headers.get('www-authenticate');
      await res.body?.cancel();
      if (challenge) {
        await this.authenticate(challenge);
        res = await doFetch();
      }
    }
    return res;
  }

  private async authenticate(challenge: string): Promise<void> {
    const { scheme, params } = parseAuthenticate(challenge);
    const basic = this.auth?.username !== undefined
      ? 'Basic ' + Buffer.from(`${this.auth.username}:${this.auth.password ?? ''}`).toString('base64')
      : undefined;
    if (scheme === 'basic') {
      if (!basic) throw new KubeError('Unauthorized', `${this.base}: authentication required`, { code: 'ERR_RUNTIME' });
      this.authorization = basic;
      return;
    }
    if (scheme !== 'bearer' || !params.realm) throw new RegistryError(`unsupported authentication challenge: ${challenge}`);
    const u = new URL(params.realm);
    if (params.service) u.searchParams.set('service', params.service);
    u.searchParams.set('scope', params.scope ?? `repository:${this.repo}:pull`);
    const res = await fetch(u, { headers: basic ? { authorization: basic } : {}, signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new RegistryError(`fetching an anonymous token from ${u.origin}: ${res.status} ${res.statusText}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`no token in the answer of ${u.origin}`);
    this.authorization = `Bearer ${token}`;
  }

  async getBytes(path: string, accept?: string): Promise<{ bytes: Buffer; mediaType: string; digest: string | null }> {
    const res = await this.get(path, accept);
    if (res.status === 404) {
      await res.body?.cancel();
      throw new NotFoundError('not found');
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new RegistryError(`unexpected status from GET request to ${this.base}/v2/${this.repo}/${path}: ${res.status} ${res.statusText} ${text.slice(0, 200)}`.trim());
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    return { bytes, mediaType: (res.headers.get('content-type') ?? '').split(';')[0], digest: res.headers.get('docker-content-digest') };
  }
}

function verify(bytes: Buffer, digest: string, what: string): void {
  const got = sha256(bytes);
  if (got !== digest) throw new RegistryError(`${what}: digest mismatch: expected ${digest}, got ${got}`);
}

/** Resolve a reference (mirrors first) to its linux/amd64 manifest and config. */
export async function resolveImage(reference: string, opts: PullOptions = {}): Promise<ResolvedImage> {
  const ref = parseImageRef(reference);
  const name = normalizedName(ref);
  const errors: string[] = [];
  let notFound = false;
  for (const endpoint of endpointsFor(ref.domain, opts)) {
    const session = new RegistrySession(endpoint, ref.path, opts.auth);
    try {
      return await resolveAt(session, ref, name);
    } catch (e) {
      if (e instanceof NotFoundError) notFound = true;
      else if (e instanceof KubeError && !(e instanceof RegistryError)) throw e;
      const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? '') : '';
      errors.push(`${endpoint}: ${e instanceof Error ? e.message : String(e)}${cause ? ` (${cause})` : ''}`);
    }
  }
  if (notFound) {
    throw new KubeError('NotFound', `failed to resolve reference "${name}": ${name}: not found`, { code: 'ERR_RUNTIME' });
  }
  throw new KubeError('InternalError', `failed to resolve reference "${name}": ${errors.join('; ')}`, { code: 'ERR_RUNTIME' });
}

async function resolveAt(session: RegistrySession, ref: ImageRef, name: string): Promise<ResolvedImage> {
  const top = await session.getBytes(`manifests/${ref.digest ?? ref.tag}`, MANIFEST_ACCEPT);
  const topDigest = ref.digest ?? top.digest ?? sha256(top.bytes);
  verify(top.bytes, topDigest, name);
  const topJson = JSON.parse(top.bytes.toString('utf8')) as Partial<Manifest & Index>;
  const topType = topJson.mediaType ?? top.mediaType;
  const target: Descriptor = { mediaType: topType, digest: topDigest, size: top.bytes.length };

  let manifestDesc = target;
  let manifestBytes = top.bytes;
  if (isIndex(topType) || Array.isArray(topJson.manifests)) {
    const picked = selectPlatform(topJson as Index);
    if (!picked) throw new KubeError('NotFound', `no match for platform in manifest ${topDigest}: not found`, { code: 'ERR_RUNTIME' });
    const m = await session.getBytes(`manifests/${picked.digest}`, picked.mediaType);
    verify(m.bytes, picked.digest, name);
    manifestDesc = { mediaType: picked.mediaType, digest: picked.digest, size: m.bytes.length, platform: picked.platform };
    manifestBytes = m.bytes;
  }
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
  if (!manifest.config || !Array.isArray(manifest.layers)) throw new RegistryError(`${name}: unsupported manifest (schema ${manifest.schemaVersion})`);
  const cfg = await session.getBytes(`blobs/${manifest.config.digest}`);
  verify(cfg.bytes, manifest.config.digest, `${name} config`);
  return {
    ref, name, endpoint: session.base, target, targetBytes: top.bytes, manifestDesc, manifestBytes, manifest,
    configBytes: cfg.bytes, config: JSON.parse(cfg.bytes.toString('utf8')) as ImageConfig,
    async fetchBlob(desc: Descriptor) {
      const res = await session.get(`blobs/${desc.digest}`, undefined, 0);
      if (!res.ok || !res.body) throw new RegistryError(`fetching blob ${desc.digest} from ${session.base}: ${res.status} ${res.statusText}`);
      return res.body as unknown as AsyncIterable<Uint8Array>;
    },
  };
}
