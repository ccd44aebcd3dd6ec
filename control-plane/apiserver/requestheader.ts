/**
 * The front proxy's authentication (upstream's k8s.io/apiserver/pkg/authentication/request/headerrequest behind
 * x509request's CA verifier): a request whose client certificate the --requestheader-client-ca-file CA signed, with a
 * common name in --requestheader-allowed-names (any name when the list is empty), is the user its headers name:
 * the first non-empty --requestheader-username-headers value, every value of the --requestheader-group-headers, and
 * the extras of the headers starting with a --requestheader-extra-headers-prefix (key: the rest of the name, lower
 * case, path-unescaped). The API server's aggregator proxy presents such a certificate (--proxy-client-cert-file) to
 * extension API servers, which read the same headers. Pure functions; authn.ts calls them.
 */
import { X509Certificate } from 'node:crypto';
import { KubeError } from '../../api/errors.js';

/** The user the headers name (authn.ts's UserInfo, declared here so that authn.ts alone imports this module). */
export interface HeaderUser {
  name: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface RequestHeaderConfig {
  /** The CA certificates of --requestheader-client-ca-file (PEM), as read. */
  clientCAPem: string;
  clientCAs: readonly X509Certificate[];
  allowedNames: readonly string[];
  usernameHeaders: readonly string[];
  groupHeaders: readonly string[];
  extraHeaderPrefixes: readonly string[];
}

/** Headers as Node's `headersDistinct` gives them: lower-case names, every value. */
export type DistinctHeaders = Record<string, string[] | undefined>;

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/** Every CERTIFICATE block of a PEM bundle, parsed (a bundle without one is an error naming the file's content). */
export function parseCertificateBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** The configuration from the flags' values; undefined without a CA file (upstream: no requestheader authenticator). */
export function requestHeaderConfig(o: {
  clientCAPem: string | undefined;
  allowedNames?: readonly string[];
  usernameHeaders?: readonly string[];
  groupHeaders?: readonly string[];
  extraHeaderPrefixes?: readonly string[];
}): RequestHeaderConfig | undefined {
  if (!o.clientCAPem) return undefined;
  const clientCAs = parseCertificateBundle(o.clientCAPem);
  if (clientCAs.length === 0) throw new KubeError('BadRequest', 'requestheader-client-ca-file: data does not contain any valid RSA or ECDSA certificates', { code: 'ERR_CONFIG' });
  return {
    clientCAPem: o.clientCAPem,
    clientCAs,
    allowedNames: o.allowedNames ?? [],
    usernameHeaders: o.usernameHeaders ?? [],
    groupHeaders: o.groupHeaders ?? [],
    extraHeaderPrefixes: o.extraHeaderPrefixes ?? [],
  };
}

/**
 * Whether `cert` verifies against one of `cas` for client authentication at `now`, as Go's x509 Verify with
 * ExtKeyUsageClientAuth: issued and signed by the CA, inside both validity windows, and no extended key usage or
 * one that allows client auth. undefined: it verifies; else upstream's reason. *kubelab differs*: only a certificate
 * the CA signed directly verifies (no intermediates).
 */
export function verifyClientCertificate(cert: X509Certificate, cas: readonly X509Certificate[], now: Date): string | undefined {
  const t = now.getTime();
  if (t < Date.parse(cert.validFrom) || t > Date.parse(cert.validTo)) return 'x509: certificate has expired or is not yet valid';
  const eku = cert.keyUsage;
  if (eku && eku.length > 0 && !eku.includes(CLIENT_AUTH_OID) && !eku.includes('2.5.29.37.0')) return 'x509: certificate specifies an incompatible key usage';
  for (const ca of cas) {
    if (!cert.checkIssued(ca)) continue;
    if (t < Date.parse(ca.validFrom) || t > Date.parse(ca.validTo)) continue;
    try {
      if (cert.verify(ca.publicKey)) return undefined;
    } catch {
      // a key the CA's algorithm cannot check: not this CA
    }
  }
  return 'x509: certificate signed by unknown authority';
}

/** x509request's verifySubject: an empty list allows every name. */
export function subjectAllowed(commonName: string, allowedNames: readonly string[]): string | undefined {
  if (allowedNames.length === 0 || allowedNames.includes(commonName)) return undefined;
  return `x509: subject with cn=${commonName} is not in the allowed list`;
}

/** The common name of a certificate's subject (the last CN, as Go's pkix.Name keeps it). */
export function commonNameOf(cert: X509Certificate): string {
  let cn = '';
  for (const line of cert.subject.split('\n')) if (line.startsWith('CN=')) cn = line.slice(3);
  return cn;
}

function headerValues(h: DistinctHeaders, name: string): string[] {
  return h[name.toLowerCase()] ?? [];
}

/** upstream's path unescape of an extra key; a bad escape keeps the key as sent. */
function unescapeExtraKey(k: string): string {
  try {
    return decodeURIComponent(k);
  } catch {
    return k;
  }
}

/**
 * The user the headers name (headerrequest's AuthenticateRequest), or undefined when no username header has a
 * value (then the request is not authenticated by the front proxy and the other authenticators try).
 */
export function userFromRequestHeaders(h: DistinctHeaders, cfg: Pick<RequestHeaderConfig, 'usernameHeaders' | 'groupHeaders' | 'extraHeaderPrefixes'>): HeaderUser | undefined {
  let name = '';
  for (const n of cfg.usernameHeaders) {
    const v = headerValues(h, n).find((x) => x.length > 0);
    if (v) {
      name = v;
      break;
    }
  }
  if (name === '') return undefined;
  const groups: string[] = [];
  for (const n of cfg.groupHeaders) for (const v of headerValues(h, n)) if (v.length > 0) groups.push(v);
  const extra: Record<string, string[]> = {};
  for (const prefix of cfg.extraHeaderPrefixes) {
    const p = prefix.toLowerCase();
    for (const [header, values] of Object.entries(h)) {
      if (!header.startsWith(p) || !values) continue;
      const key = unescapeExtraKey(header.slice(p.length).toLowerCase());
      (extra[key] ??= []).push(...values);
    }
  }
  return { name, groups, ...(Object.keys(extra).length > 0 ? { extra } : {}) };
}

/** Every header the front proxy's configuration reads (upstream's ClearAuthenticationHeaders removes them once used). */
export function isRequestHeaderName(header: string, cfg: Pick<RequestHeaderConfig, 'usernameHeaders' | 'groupHeaders' | 'extraHeaderPrefixes'>): boolean {
  const h = header.toLowerCase();
  return (
    cfg.usernameHeaders.some((n) => n.toLowerCase() === h) ||
    cfg.groupHeaders.some((n) => n.toLowerCase() === h) ||
    cfg.extraHeaderPrefixes.some((p) => h.startsWith(p.toLowerCase()))
  );
}

/**
 * The headers a front proxy sends for `user` (client-go's transport.SetAuthProxyHeaders): X-Remote-User, one
 * X-Remote-Group per group, X-Remote-Extra-<key> (the key escaped as a URL path segment) per extra value.
 */
export function authProxyHeaders(user: Pick<HeaderUser, 'name' | 'groups' | 'extra'>): Array<[string, string]> {
  const out: Array<[string, string]> = [['X-Remote-User', user.name]];
  for (const g of user.groups) out.push(['X-Remote-Group', g]);
  for (const [k, vs] of Object.entries(user.extra ?? {})) for (const v of vs) out.push([`X-Remote-Extra-${escapeExtraKey(k)}`, v]);
  return out;
}

/** headerKeyEscape: a key as a legal header name (url.PathEscape, and `%` for what a header name cannot hold). */
function escapeExtraKey(k: string): string {
  return encodeURIComponent(k).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
