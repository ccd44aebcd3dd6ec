/**
 * Authentication: bearer tokens from --token-auth-file (upstream's CSV: token,user,uid,"group1,group2")
 * and client certificates signed by --client-ca-file (CN = user, O = groups). A request that presents no
 * credential is `system:anonymous` in `system:unauthenticated` when --anonymous-auth is on (the default, as
 * upstream), else 401; a credential that is presented but wrong is always 401 (upstream's union authenticator
 * fails on an error before it tries the anonymous one).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { KubeError } from '../../api/errors.js';
import type { ServiceAccountTokenAuthenticator } from './serviceaccount-token.js';
import { X509Certificate } from 'node:crypto';
import { commonNameOf, isRequestHeaderName, parseCertificateBundle, subjectAllowed, userFromRequestHeaders, verifyClientCertificate, type RequestHeaderConfig } from './requestheader.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  /** Extra attributes (only an impersonated user has them here: `Impersonate-Extra-<key>`). */
  extra?: Record<string, string[]>;
}

/** Parse a token file; bad lines are a configuration error naming the line. */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const out = new Map<string, UserInfo>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const fields = parseCsvLine(t);
    if (fields.length < 3) {
      throw new KubeError('BadRequest', `token file: line ${i + 1}: expected at least 3 fields (token,user,uid), got ${fields.length}`, {
        code: 'ERR_CONFIG',
      });
    }
    const [token, name, uid, groups] = fields as [string, string, string, string | undefined];
    out.set(token, {
      name,
      uid,
      groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [],
    });
  });
  return out;
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/** upstream's anonymous user (k8s.io/apiserver/pkg/authentication/request/anonymous). */
export const ANONYMOUS_USER: UserInfo = Object.freeze({ name: 'system:anonymous', groups: Object.freeze(['system:unauthenticated']) as string[] });

export interface AuthenticatorOptions {
  /** --anonymous-auth: a request without credentials is system:anonymous (default true, as upstream). */
  anonymous?: boolean;
  /** ServiceAccount JWTs (--service-account-key-file, --service-account-issuer); the API server sets it up at start. */
  serviceAccountTokens?: ServiceAccountTokenAuthenticator;
  /**
   * --client-ca-file: the CAs a user's client certificate must verify against. Without it a certificate the TLS
   * layer accepted counts (the server trusts only that CA then); with a front proxy CA also trusted by the TLS layer,
   * each certificate is checked against the CA of its authenticator.
   */
  clientCAPem?: string;
  /** The front proxy (--requestheader-*): requestheader.ts. */
  requestHeader?: RequestHeaderConfig;
}

/** What a bearer token authenticates as (upstream's authenticator.Response), or the failure. */
export type TokenAuthenticationResult = { user: UserInfo; audiences: string[] } | { error: string };

export class Authenticator {
  readonly anonymous: boolean;
  /** Set by the API server when it has service account keys (its watch caches answer the token's objects). */
  serviceAccountTokens: ServiceAccountTokenAuthenticator | undefined;

  /** The front proxy's configuration (requestheader.ts), when --requestheader-client-ca-file is set. */
  readonly requestHeader: RequestHeaderConfig | undefined;
  /** The PEM of --client-ca-file (also published in kube-system/extension-apiserver-authentication). */
  readonly clientCAPem: string | undefined;
  private readonly clientCAs: X509Certificate[] | undefined;

  constructor(
    private readonly tokens: Map<string, UserInfo>,
    opts: AuthenticatorOptions = {},
  ) {
    this.anonymous = opts.anonymous ?? true;
    this.serviceAccountTokens = opts.serviceAccountTokens;
    this.requestHeader = opts.requestHeader;
    this.clientCAPem = opts.clientCAPem;
    this.clientCAs = opts.clientCAPem ? parseCertificateBundle(opts.clientCAPem) : undefined;
  }


  /** The API audiences (--api-audiences): what a token must be for when no other audience is asked. */
  get apiAudiences(): readonly string[] {
    return this.serviceAccountTokens?.opts.audiences ?? [];
  }

  /**
   * One bearer token through every token authenticator, in upstream's order (token file, then ServiceAccount
   * JWTs): the request path and TokenReview both call this. `audiences`: what the caller wants the token
   * for (a TokenReview's spec.audiences); default the API audiences. A token file user is valid for the API
   * audiences only (upstream's WrapAudienceAgnosticToken), so a review for another audience does not accept it.
   */
  async authenticateToken(token: string, audiences?: readonly string[]): Promise<TokenAuthenticationResult> {
    const u = this.tokens.get(token);
    if (u) {
      // upstream's WrapAudienceAgnosticToken: a token file user holds for the API audiences only.
      const api = this.apiAudiences;
      const auds = audiences?.length && api.length ? api.filter((a) => audiences.includes(a)) : [...api];
      if (!audiences?.length || api.length === 0 || auds.length > 0) return { user: withAuthenticated(u), audiences: auds };
    }
    const sa = this.serviceAccountTokens;
    if (sa) {
      const r = await sa.authenticate(token, audiences?.length ? audiences : sa.opts.audiences);
      if (r.handled) return 'error' in r ? { error: r.error } : { user: withAuthenticated(r.user), audiences: r.audiences };
    }
    return { error: 'invalid bearer token' };
  }

  static fromTokenFile(path: string | undefined, opts: AuthenticatorOptions = {}): Authenticator {
    return new Authenticator(path ? parseTokenFile(readFileSync(path, 'utf8')) : new Map(), opts);
  }

  /**
   * The user making the request; undefined means 401. No credential: the anonymous user when allowed.
   * A bearer token that is empty or unknown, or a client certificate the CA did not sign, is a failure
   * (401) whatever --anonymous-auth says.
   */
  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    // upstream's union, front proxy first: its certificate with a username header is the headers' user.
    const sock = req.socket as TLSSocket;
    const rh = this.requestHeader;
    const peer = typeof sock.getPeerCertificate === 'function' ? sock.getPeerCertificate() : undefined;
    const raw = peer && typeof peer === 'object' && Buffer.isBuffer(peer.raw) ? peer.raw : undefined;
    const x509 = raw ? new X509Certificate(raw) : undefined;
    let failed = false;
    if (rh && x509) {
      const now = new Date();
      const why = verifyClientCertificate(x509, rh.clientCAs, now) ?? subjectAllowed(commonNameOf(x509), rh.allowedNames);
      if (why === undefined) {
        const u = userFromRequestHeaders(req.headersDistinct, rh);
        if (u) {
          for (const h of Object.keys(req.headers)) if (isRequestHeaderName(h, rh)) delete req.headers[h];
          return withAuthenticated(u);
        }
      } else if (verifyClientCertificate(x509, rh.clientCAs, now) === undefined) {
        // signed by the front proxy CA but not an allowed name: an error of the union (401 unless another succeeds)
        failed = true;
      }
    }
    const user = await this.authenticateOthers(req, sock, x509);
    if (failed && (user === undefined || user === ANONYMOUS_USER)) return undefined;
    return user;
  }

  private async authenticateOthers(req: IncomingMessage, sock: TLSSocket, x509: X509Certificate | undefined): Promise<UserInfo | undefined> {
    const token = bearerToken(req.headers.authorization);
    if (token !== undefined) {
      const r = await this.authenticateToken(token);
      return 'user' in r ? r.user : undefined;
    }
    if (typeof sock.getPeerCertificate === 'function') {
      const cert = sock.getPeerCertificate();
      const presented = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
      if (presented) {
        if (!sock.authorized) return undefined;
        // The TLS layer also trusts the front proxy CA: a user's certificate must verify against the client CA.
        if (this.clientCAs && x509 && verifyClientCertificate(x509, this.clientCAs, new Date()) !== undefined) return undefined;
        if (!this.clientCAs && this.requestHeader && x509 && verifyClientCertificate(x509, this.requestHeader.clientCAs, new Date()) !== undefined) return undefined;
        const cn = asArray(cert.subject?.CN)[0];
        if (cn) return withAuthenticated({ name: cn, groups: asArray(cert.subject?.O) });
        // A verified certificate without a common name names no user (upstream's CommonNameUserConversion): not a failure.
      }
    }
    return this.anonymous ? ANONYMOUS_USER : undefined;
  }
}

/**
 * The bearer token of an Authorization header, as upstream's bearertoken authenticator reads it: the
 * second of the header's space-separated parts when the first is `Bearer` (any case). Another scheme
 * (Basic), no second part or an empty one (`Bearer  x`) is no bearer token at all: the request goes on
 * to the other authenticators (and may be anonymous); a token that is there but unknown is a failure.
 */
export function bearerToken(header: string | undefined): string | undefined {
  const auth = (header ?? '').trim();
  if (auth === '') return undefined;
  const parts = auth.split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
  return parts[1] === '' ? undefined : parts[1];
}

function asArray(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function withAuthenticated(u: UserInfo): UserInfo {
  return u.groups.includes('system:authenticated') ? u : { ...u, groups: [...u.groups, 'system:authenticated'] };
}
