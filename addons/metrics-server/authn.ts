/**
 * Who is asking, as an extension API server's delegating authenticator decides it (k8s.io/apiserver
 * pkg/server/options/authentication.go with the kube-system/extension-apiserver-authentication ConfigMap):
 *
 * 1. a client certificate signed by the requestheader CA (`requestheader-client-ca-file`) whose CN is in
 *    `requestheader-allowed-names` (any CN when the list is empty): the front proxy (the API server's aggregator);
 *    the user is the first non-empty of the `requestheader-username-headers` (X-Remote-User), its groups every
 *    value of the group headers (X-Remote-Group), its extra the `X-Remote-Extra-<key>` headers;
 * 2. a client certificate signed by `client-ca-file`: CN is the user, O the groups;
 * 3. a bearer token: TokenReview (delegated-auth.ts);
 * 4. otherwise anonymous (`system:anonymous`, group `system:unauthenticated`), which authorization then refuses.
 *
 * Pure: certificate checks and the token review are passed in.
 */
import { X509Certificate } from 'node:crypto';
import type { UserInfo } from '../../api/client/delegated-auth.js';

export interface AuthenticationConfig {
  clientCA?: string;
  requestHeaderCA?: string;
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

export const EXTENSION_AUTH_CONFIGMAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' };

function jsonList(v: string | undefined): string[] {
  if (!v) return [];
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The ConfigMap's data as the authentication settings (pure); the list keys hold JSON arrays. */
export function authenticationConfig(data: Record<string, string> | undefined): AuthenticationConfig {
  const d = data ?? {};
  return {
    ...(d['client-ca-file'] ? { clientCA: d['client-ca-file'] } : {}),
    ...(d['requestheader-client-ca-file'] ? { requestHeaderCA: d['requestheader-client-ca-file'] } : {}),
    allowedNames: jsonList(d['requestheader-allowed-names']),
    usernameHeaders: jsonList(d['requestheader-username-headers']),
    groupHeaders: jsonList(d['requestheader-group-headers']),
    extraHeaderPrefixes: jsonList(d['requestheader-extra-headers-prefix']),
  };
}

/** The certificates of a PEM bundle. */
export function pemCertificates(bundle: string | undefined): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const m of (bundle ?? '').matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)) {
    try {
      out.push(new X509Certificate(m[0]));
    } catch {
      // not a certificate: skipped, as certutil does with junk between blocks
    }
  }
  return out;
}

/** Was `cert` issued and signed by one of `cas`, and is it valid now (pure). */
export function signedBy(cert: X509Certificate, cas: X509Certificate[], nowMs: number): boolean {
  if (Date.parse(cert.validFrom) > nowMs || Date.parse(cert.validTo) < nowMs) return false;
  return cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
}

type Headers = Record<string, string | string[] | undefined>;
const values = (h: Headers, name: string): string[] => {
  const v = h[name.toLowerCase()];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/** The user from the request headers of a trusted front proxy (pure), or undefined without a user name. */
export function userFromHeaders(h: Headers, cfg: AuthenticationConfig): UserInfo | undefined {
  let username = '';
  for (const name of cfg.usernameHeaders) {
    const v = values(h, name).find((x) => x.length > 0);
    if (v) {
      username = v;
      break;
    }
  }
  if (!username) return undefined;
  const groups = cfg.groupHeaders.flatMap((g) => values(h, g));
  const extra: Record<string, string[]> = {};
  for (const prefix of cfg.extraHeaderPrefixes) {
    const p = prefix.toLowerCase();
    for (const [k, v] of Object.entries(h)) {
      if (!k.toLowerCase().startsWith(p) || v === undefined) continue;
      const key = decodeURIComponent(k.slice(p.length)).toLowerCase();
      extra[key] = [...(extra[key] ?? []), ...(Array.isArray(v) ? v : [v])];
    }
  }
  return { username, groups, ...(Object.keys(extra).length ? { extra } : {}) };
}

export type AuthnResult = { user: UserInfo } | { error: string };

export interface AuthnInput {
  /** The peer certificate, if any was presented. */
  cert?: X509Certificate;
  headers: Headers;
  nowMs: number;
  tokenReview: (token: string) => Promise<UserInfo | undefined>;
  bearer?: string;
}

/** Authenticate one request (pure but for the injected token review). */
export async function authenticate(input: AuthnInput, cfg: AuthenticationConfig): Promise<AuthnResult> {
  const { cert } = input;
  if (cert) {
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? '';
    if (cfg.requestHeaderCA && signedBy(cert, pemCertificates(cfg.requestHeaderCA), input.nowMs)) {
      if (cfg.allowedNames.length && !cfg.allowedNames.includes(cn)) {
        return { error: `x509: subject with cn=${cn} is not in the allowed list` };
      }
      const user = userFromHeaders(input.headers, cfg);
      if (user) return { user };
    } else if (cfg.clientCA && signedBy(cert, pemCertificates(cfg.clientCA), input.nowMs)) {
      const groups = [...cert.subject.matchAll(/(?:^|\n)O=([^\n]*)/g)].map((m) => m[1]!);
      return { user: { username: cn, groups: [...groups, 'system:authenticated'] } };
    }
  }
  if (input.bearer) {
    const u = await input.tokenReview(input.bearer);
    if (u) return { user: u };
    return { error: 'invalid bearer token' };
  }
  return { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } };
}
