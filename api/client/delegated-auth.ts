/**
 * Delegated authentication and authorization, as k8s.io/apiserver's delegating authenticator and
 * authorizer (the kubelet's `--authentication-token-webhook` / `--authorization-mode=Webhook`, and every
 * extension API server such as metrics-server): a bearer token is checked with a TokenReview, a request
 * with a SubjectAccessReview, both through the API server and cached (authentication 2 min; authorization
 * allowed 5 min, denied 30 s: the kubelet's and the generic API server's defaults).
 *
 * The adapter is `DelegatedAuth`; the review spec is a pure function (`accessReviewSpec`). Forbidden bodies are
 * `errors.forbidden` (api/errors.ts).
 */

/** The user a request authenticated as (authentication.k8s.io UserInfo). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a request wants (authorization.k8s.io ResourceAttributes or NonResourceAttributes). */
export type RequestAttributes =
  | { verb: string; group: string; version?: string; resource: string; subresource?: string; namespace?: string; name?: string }
  | { verb: string; path: string };

/** The part of an API client the reviews need (KubeClient fits). */
export interface ReviewClient {
  request<R = unknown>(method: string, path: string, opts?: { body?: unknown }): Promise<R>;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

export interface DelegatedAuthOptions {
  authenticationTtlMs?: number;
  allowedTtlMs?: number;
  deniedTtlMs?: number;
  now?: () => number;
}

export const DEFAULT_AUTHN_TTL_MS = 2 * 60_000;
export const DEFAULT_ALLOWED_TTL_MS = 5 * 60_000;
export const DEFAULT_DENIED_TTL_MS = 30_000;
const MAX_CACHE = 4096;

/** The SubjectAccessReview spec for a user and a request (pure). */
export function accessReviewSpec(user: UserInfo, attrs: RequestAttributes): Record<string, unknown> {
  const spec: Record<string, unknown> = { user: user.username, groups: user.groups };
  if (user.uid) spec.uid = user.uid;
  if (user.extra && Object.keys(user.extra).length) spec.extra = user.extra;
  if ('path' in attrs) spec.nonResourceAttributes = { path: attrs.path, verb: attrs.verb };
  else {
    const ra: Record<string, string> = { verb: attrs.verb, group: attrs.group, resource: attrs.resource };
    if (attrs.version) ra.version = attrs.version;
    if (attrs.subresource) ra.subresource = attrs.subresource;
    if (attrs.namespace) ra.namespace = attrs.namespace;
    if (attrs.name) ra.name = attrs.name;
    spec.resourceAttributes = ra;
  }
  return spec;
}

interface Entry<T> {
  value: T;
  expires: number;
}

class TtlCache<T> {
  private readonly map = new Map<string, Entry<T>>();
  constructor(private readonly now: () => number) {}
  get(key: string): T | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: T, ttlMs: number): void {
    if (ttlMs <= 0) return;
    if (this.map.size >= MAX_CACHE) {
      const first = this.map.keys().next();
      if (!first.done) this.map.delete(first.value);
    }
    this.map.set(key, { value, expires: this.now() + ttlMs });
  }
}

interface TokenReviewStatus {
  status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }; error?: string };
}

interface AccessReviewStatus {
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

export class DelegatedAuth {
  private readonly tokens: TtlCache<UserInfo | null>;
  private readonly decisions: TtlCache<Decision>;
  private readonly now: () => number;

  constructor(private readonly client: ReviewClient, private readonly o: DelegatedAuthOptions = {}) {
    this.now = o.now ?? Date.now;
    this.tokens = new TtlCache(this.now);
    this.decisions = new TtlCache(this.now);
  }

  /** TokenReview: the token's user, or undefined when the API server says it is not authenticated. */
  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    const hit = this.tokens.get(token);
    if (hit !== undefined) return hit ?? undefined;
    const r = await this.client.request<TokenReviewStatus>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const u = r?.status?.authenticated ? r.status.user : undefined;
    const user: UserInfo | null = u?.username ? { username: u.username, groups: u.groups ?? [], ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) } : null;
    this.tokens.set(token, user, this.o.authenticationTtlMs ?? DEFAULT_AUTHN_TTL_MS);
    return user ?? undefined;
  }

  /** SubjectAccessReview for the user and the request. */
  async authorize(user: UserInfo, attrs: RequestAttributes): Promise<Decision> {
    const spec = accessReviewSpec(user, attrs);
    const key = JSON.stringify(spec);
    const hit = this.decisions.get(key);
    if (hit) return hit;
    const r = await this.client.request<AccessReviewStatus>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
    });
    const d: Decision = { allowed: r?.status?.allowed === true && r.status.denied !== true, reason: r?.status?.reason ?? '' };
    this.decisions.set(key, d, d.allowed ? (this.o.allowedTtlMs ?? DEFAULT_ALLOWED_TTL_MS) : (this.o.deniedTtlMs ?? DEFAULT_DENIED_TTL_MS));
    return d;
  }
}

/** The bearer token of an Authorization header (pure): `Bearer <token>` (scheme case-insensitive), else undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(h ?? '');
  return m ? m[1] : undefined;
}
