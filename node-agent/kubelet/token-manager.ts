/**
 * The kubelet's ServiceAccount token manager (upstream pkg/kubelet/token): the tokens of projected
 * `serviceAccountToken` volume sources come from the TokenRequest API
 * (`POST /api/v1/namespaces/{ns}/serviceaccounts/{sa}/token`, bound to the pod by name and uid), are cached
 * per (service account, audiences, expirationSeconds, bound pod), and are fetched again once older than
 * 80% of their TTL or 24 hours (each minus a jitter of up to 10 s), as upstream's requiresRefresh decides.
 * A refresh that fails while the cached token is still valid keeps the cached one; a pod's tokens are
 * forgotten when it goes, expired ones on gc().
 *
 * The decision (requiresRefresh) is pure; the requester is an injected function (the API client in the
 * kubelet, a fake in tests).
 */
import { KubeError } from '../../api/errors.js';
import type { TokenRequest } from './types.js';

export type { TokenRequest };

/** POST serviceaccounts/{name}/token: the server's answer. */
export type TokenRequester = (namespace: string, serviceAccount: string, request: TokenRequest) => Promise<TokenRequest>;

/** upstream's token manager constants. */
export const MAX_TTL_MS = 24 * 3600 * 1000;
export const MAX_JITTER_MS = 10 * 1000;

interface Cached {
  uid: string;
  token: string;
  /** ms since the epoch */
  expiresAt: number;
  expirationSeconds: number;
}

/**
 * upstream's requiresRefresh (pure): issued-at is the expiry minus the (granted) expirationSeconds;
 * refresh after 24 h minus jitter, or within 20% of the TTL (minus jitter) of the expiry.
 */
export function requiresRefresh(now: number, t: { expiresAt: number; expirationSeconds: number }, jitterMs: number): boolean {
  const ttlMs = t.expirationSeconds * 1000;
  const iat = t.expiresAt - ttlMs;
  if (now > iat + MAX_TTL_MS - jitterMs) return true;
  return now > t.expiresAt - Math.floor((t.expirationSeconds * 20) / 100) * 1000 - jitterMs;
}

/** The cache key of a request, as upstream's keyFunc (name, namespace, audiences, expiration, bound object). */
export function tokenKey(namespace: string, serviceAccount: string, r: TokenRequest): string {
  const b = r.spec?.boundObjectRef;
  return JSON.stringify([serviceAccount, namespace, r.spec?.audiences ?? [], r.spec?.expirationSeconds ?? null, b ? [b.kind, b.name, b.uid] : null]);
}

/** The TokenRequest the kubelet sends for a pod's projection (upstream's projected volume plugin). */
export function podTokenRequest(pod: { name: string; uid: string }, audience: string, expirationSeconds: number): TokenRequest {
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {
      // An empty audience: the API server's own audiences.
      audiences: audience ? [audience] : [],
      expirationSeconds,
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid },
    },
  };
}

export class TokenManager {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly request: TokenRequester | undefined,
    private readonly now: () => number = Date.now,
    private readonly jitter: () => number = () => Math.random() * MAX_JITTER_MS,
  ) {}

  /** A valid token for the request: the cached one unless it needs a refresh. Throws when none can be had. */
  async get(namespace: string, serviceAccount: string, r: TokenRequest): Promise<string> {
    const key = tokenKey(namespace, serviceAccount, r);
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached && !requiresRefresh(now, cached, this.jitter())) return cached.token;
    try {
      if (!this.request) throw new KubeError('InternalError', 'the kubelet has no client to request tokens with', { code: 'ERR_VOLUME' });
      const answer = await this.request(namespace, serviceAccount, r);
      const token = answer.status?.token;
      const exp = Date.parse(answer.status?.expirationTimestamp ?? '');
      if (!token || Number.isNaN(exp)) throw new KubeError('InternalError', 'the TokenRequest answer has no token or expirationTimestamp', { code: 'ERR_VOLUME' });
      const entry: Cached = {
        uid: r.spec?.boundObjectRef?.uid ?? '',
        token,
        expiresAt: exp,
        // The server may grant another duration than asked for (extended tokens): its spec says which.
        expirationSeconds: Number(answer.spec?.expirationSeconds ?? r.spec?.expirationSeconds ?? 3600),
      };
      this.cache.set(key, entry);
      return token;
    } catch (e) {
      // upstream: a refresh that fails keeps a token that is still valid.
      if (cached && now < cached.expiresAt) return cached.token;
      throw e;
    }
  }

  /** Forget the tokens bound to a pod (it was deleted). */
  forgetPod(uid: string): void {
    for (const [k, v] of this.cache) if (v.uid === uid) this.cache.delete(k);
  }

  /** Drop expired tokens (upstream's cleanup every minute). */
  gc(): void {
    const now = this.now();
    for (const [k, v] of this.cache) if (now >= v.expiresAt) this.cache.delete(k);
  }

  get size(): number {
    return this.cache.size;
  }
}
