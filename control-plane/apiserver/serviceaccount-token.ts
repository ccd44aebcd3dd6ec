/**
 * ServiceAccount tokens (JWT) as kube-apiserver issues and checks them (k8s.io/kubernetes/pkg/serviceaccount:
 * claims.go, jwt.go, legacy.go), with jose in place of go-jose.
 *
 * Issue: `tokenClaims` (pure) builds the claims of a bound token (iss, sub, aud, exp, iat, nbf, jti and the
 * private `kubernetes.io` claim: namespace, serviceaccount {name, uid}, pod / secret / node {name, uid},
 * warnafter); `signToken` signs them with the signing key (header alg + kid).
 *
 * Authenticate (`ServiceAccountTokenAuthenticator.authenticate`):
 *   token ─► payload decodes and its iss is one of --service-account-issuer (or the legacy issuer)? no ─► not ours
 *         ─► signature by one of --service-account-key-file's keys? no ─► error
 *         ─► bound: aud ∩ audiences (the API audiences, or a TokenReview's) non-empty; exp/nbf/iat with upstream's
 *            1 min leeway; the service account (same uid), the bound pod / secret / node (same uid, not deleted
 *            more than a minute ago) still exist (`validateBoundClaims`, pure)
 *            legacy: the Secret still holds this very token and the service account (same uid) exists
 *         ─► user system:serviceaccount:<ns>:<name>, uid, groups system:serviceaccounts(:<ns>), extra pod-name, pod-uid,
 *            credential-id (JTI=<jti>), node-name, node-uid
 */
import { randomUUID } from 'node:crypto';
import { compactVerify, decodeJwt, SignJWT, type JWTPayload } from 'jose';
import { valueAt } from '../../api/values.js';
import type { SigningKey, VerifyingKey } from './serviceaccount-keys.js';

/** The kubelet's projected token asks this many seconds (1h + 7s): the mark --service-account-extend-token-expiration looks for. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
/** How long such a token really lives when the extension is on (one year). */
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;
/** The issuer of the controller manager's legacy Secret tokens. */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
/** go-jose's DefaultLeeway. */
const LEEWAY_SECONDS = 60;

export const SA_PREFIX = 'system:serviceaccount:';
export const SA_ALL_GROUP = 'system:serviceaccounts';
export const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';
export const EXTRA_POD_UID = 'authentication.kubernetes.io/pod-uid';
export const EXTRA_NODE_NAME = 'authentication.kubernetes.io/node-name';
export const EXTRA_NODE_UID = 'authentication.kubernetes.io/node-uid';
export const EXTRA_CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface TokenClaimsInput {
  issuer: string;
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  /** The node a bound pod runs on (uid empty when the Node object is missing), or the node the token is bound to. */
  node?: ObjectRef;
  audiences: readonly string[];
  expirationSeconds: number;
  /** --service-account-extend-token-expiration: the requested lifetime, after which use is only logged. */
  warnAfterSeconds?: number;
  /** Seconds since the epoch. */
  now: number;
  jti?: string;
}

/** upstream's MakeUsername. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

const ref = (r: ObjectRef): Record<string, string> => ({ name: r.name, ...(r.uid ? { uid: r.uid } : {}) });

/** The claims of a bound token (upstream's Claims), keys in the order Go writes a map (sorted). Pure. */
export function tokenClaims(i: TokenClaimsInput): JWTPayload {
  const k8s: Record<string, unknown> = { namespace: i.namespace };
  if (i.node && !i.secret) k8s.node = ref(i.node); // a pod's node (PodNodeInfo) or the node bound to
  if (i.pod) k8s.pod = ref(i.pod);
  else if (i.secret) k8s.secret = ref(i.secret);
  k8s.serviceaccount = ref(i.serviceAccount);
  if (i.warnAfterSeconds) k8s.warnafter = i.now + i.warnAfterSeconds;
  return {
    aud: [...i.audiences],
    exp: i.now + i.expirationSeconds,
    iat: i.now,
    iss: i.issuer,
    jti: i.jti ?? randomUUID(),
    'kubernetes.io': k8s,
    nbf: i.now,
    sub: serviceAccountUsername(i.namespace, i.serviceAccount.name),
  };
}

/** A signed compact JWS of the claims: header {alg, kid} as upstream's signer writes it. */
export async function signToken(claims: JWTPayload, key: SigningKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
}

/** The user a token authenticates as (authn.ts's UserInfo, declared here so authn.ts can import this module). */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a token names, read back from its claims. */
export interface ServiceAccountInfo {
  namespace: string;
  name: string;
  uid: string;
  podName?: string;
  podUID?: string;
  nodeName?: string;
  nodeUID?: string;
  credentialID?: string;
}

/** The objects a bound token's claims point at, as found now (undefined: not found). */
export interface BoundObjects {
  serviceAccount?: unknown;
  pod?: unknown;
  secret?: unknown;
  node?: unknown;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const uidOf = (o: unknown): string => str(valueAt(o, 'metadata', 'uid'));

/** Deleted (deletionTimestamp) before now - leeway: gone for a token's purposes, as upstream's invalidIfDeletedBefore. */
function deletedLongAgo(o: unknown, now: number): boolean {
  const ts = valueAt(o, 'metadata', 'deletionTimestamp');
  if (typeof ts !== 'string') return false;
  const t = Date.parse(ts) / 1000;
  return Number.isFinite(t) && t < now - LEEWAY_SECONDS;
}

/** The `kubernetes.io` private claim's references. */
export function boundRefs(payload: JWTPayload): { namespace: string; sa: ObjectRef; pod?: ObjectRef; secret?: ObjectRef; node?: ObjectRef } {
  const k = payload['kubernetes.io'];
  const r = (field: string): ObjectRef | undefined => {
    const v = valueAt(k, field);
    if (v === undefined || v === null || typeof v !== 'object') return undefined;
    return { name: str(valueAt(v, 'name')), uid: str(valueAt(v, 'uid')) };
  };
  return {
    namespace: str(valueAt(k, 'namespace')),
    sa: r('serviceaccount') ?? { name: '', uid: '' },
    ...(r('pod') ? { pod: r('pod')! } : {}),
    ...(r('secret') ? { secret: r('secret')! } : {}),
    ...(r('node') ? { node: r('node')! } : {}),
  };
}

/**
 * upstream's validator.Validate for a signed bound token: the time claims, then the objects it names. Pure:
 * `found` holds what the caller looked up for `boundRefs(payload)`. Answers the info or upstream's error text.
 */
export function validateBoundClaims(payload: JWTPayload, found: BoundObjects, now: number): ServiceAccountInfo | { error: string } {
  if (typeof payload.nbf === 'number' && now + LEEWAY_SECONDS < payload.nbf) return { error: 'Token could not be validated.' };
  if (typeof payload.exp === 'number' && now - LEEWAY_SECONDS > payload.exp) return { error: 'Token has expired.' };
  if (typeof payload.iat === 'number' && now + LEEWAY_SECONDS < payload.iat) return { error: 'Token could not be validated.' };
  const r = boundRefs(payload);
  if (!r.namespace || !r.sa.name) return { error: 'Token could not be validated.' };
  const { serviceAccount: sa, pod, secret, node } = found;
  if (sa === undefined) return { error: `serviceaccounts "${r.sa.name}" not found` };
  if (deletedLongAgo(sa, now)) return { error: `ServiceAccount ${r.namespace}/${r.sa.name} has been deleted` };
  if (uidOf(sa) !== r.sa.uid) return { error: `ServiceAccount UID (${uidOf(sa)}) does not match claim (${r.sa.uid})` };
  if (r.secret) {
    if (secret === undefined || deletedLongAgo(secret, now)) return { error: 'Token has been invalidated' };
    if (uidOf(secret) !== r.secret.uid) return { error: `Secret UID (${uidOf(secret)}) does not match claim (${r.secret.uid})` };
  }
  const info: ServiceAccountInfo = { namespace: r.namespace, name: r.sa.name, uid: r.sa.uid };
  if (r.pod) {
    if (pod === undefined || deletedLongAgo(pod, now)) return { error: 'Token has been invalidated' };
    if (uidOf(pod) !== r.pod.uid) return { error: `Pod UID (${uidOf(pod)}) does not match claim (${r.pod.uid})` };
    info.podName = r.pod.name;
    info.podUID = r.pod.uid;
  }
  if (r.node) {
    if (!r.pod) {
      // A token bound to the node itself: the node must still be there, with the same uid.
      if (node === undefined || deletedLongAgo(node, now)) return { error: 'Token has been invalidated' };
      if (uidOf(node) !== r.node.uid) return { error: `Node UID (${uidOf(node)}) does not match claim (${r.node.uid})` };
    }
    info.nodeName = r.node.name;
    if (r.node.uid) info.nodeUID = r.node.uid;
  }
  if (typeof payload.jti === 'string' && payload.jti) info.credentialID = `JTI=${payload.jti}`;
  return info;
}

/** upstream's ServiceAccountInfo.UserInfo (system:authenticated is added by the authenticator chain). */
export function serviceAccountUser(sa: ServiceAccountInfo): UserInfo {
  const extra: Record<string, string[]> = {};
  if (sa.podName && sa.podUID) {
    extra[EXTRA_POD_NAME] = [sa.podName];
    extra[EXTRA_POD_UID] = [sa.podUID];
  }
  if (sa.credentialID) extra[EXTRA_CREDENTIAL_ID] = [sa.credentialID];
  if (sa.nodeName) {
    extra[EXTRA_NODE_NAME] = [sa.nodeName];
    if (sa.nodeUID) extra[EXTRA_NODE_UID] = [sa.nodeUID];
  }
  return {
    name: serviceAccountUsername(sa.namespace, sa.name),
    uid: sa.uid,
    groups: [SA_ALL_GROUP, `${SA_ALL_GROUP}:${sa.namespace}`],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

/** Where the authenticator finds what a token names: the watch caches, then storage (upstream's token getter). */
export interface TokenObjectGetter {
  get(resource: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes', namespace: string | undefined, name: string): Promise<unknown>;
}

export interface ServiceAccountTokenOptions {
  /** --service-account-issuer: every one is accepted, the first signs. */
  issuers: readonly string[];
  /** --service-account-key-file (and the signing key's public half). */
  keys: readonly VerifyingKey[];
  /** --api-audiences (default: the issuers). */
  audiences: readonly string[];
  /** Accept the controller manager's legacy Secret tokens (upstream: on whenever the keys are set). */
  legacy?: boolean;
}

export type TokenAuthentication =
  /** Not a ServiceAccount token (another authenticator may know it). */
  | { handled: false }
  | { handled: true; error: string }
  | { handled: true; user: UserInfo; audiences: string[] };

export class ServiceAccountTokenAuthenticator {
  private readonly issuers: Set<string>;

  constructor(
    readonly opts: ServiceAccountTokenOptions,
    private readonly objects: TokenObjectGetter,
    private readonly clock: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.issuers = new Set(opts.issuers);
  }

  /**
   * upstream's jwtTokenAuthenticator.AuthenticateToken. `audiences`: the audiences the caller wants (a
   * TokenReview's spec.audiences), default the API audiences.
   */
  async authenticate(token: string, audiences: readonly string[] = this.opts.audiences): Promise<TokenAuthentication> {
    let payload: JWTPayload;
    try {
      payload = decodeJwt(token);
    } catch {
      return { handled: false };
    }
    const legacy = payload.iss === LEGACY_ISSUER && this.opts.legacy !== false;
    if (typeof payload.iss !== 'string' || (!this.issuers.has(payload.iss) && !legacy)) return { handled: false };
    if (!(await this.verifySignature(token))) return { handled: true, error: 'go-jose/go-jose: error in cryptographic primitive' };
    if (legacy) return this.authenticateLegacy(token, payload);

    const tokenAudiences = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
    const implicit = this.opts.audiences;
    const tokenAuds = tokenAudiences.length ? tokenAudiences : [...implicit];
    const auds = tokenAuds.filter((a) => audiences.includes(a));
    if (auds.length === 0 && implicit.length !== 0) {
      return { handled: true, error: `token audiences ${goQuoted(tokenAuds)} is invalid for the target audiences ${goQuoted(audiences)}` };
    }
    const r = boundRefs(payload);
    const found: BoundObjects = {};
    if (r.namespace && r.sa.name) {
      found.serviceAccount = await this.objects.get('serviceaccounts', r.namespace, r.sa.name);
      if (r.pod) found.pod = await this.objects.get('pods', r.namespace, r.pod.name);
      if (r.secret) found.secret = await this.objects.get('secrets', r.namespace, r.secret.name);
      if (r.node && !r.pod) found.node = await this.objects.get('nodes', undefined, r.node.name);
    }
    const v = validateBoundClaims(payload, found, this.clock());
    if ('error' in v) return { handled: true, error: v.error };
    return { handled: true, user: serviceAccountUser(v), audiences: auds };
  }

  /** Any of the verifying keys (the one whose kid the header names first). alg none and HMAC never verify. */
  private async verifySignature(token: string): Promise<boolean> {
    for (const k of this.opts.keys) {
      try {
        await compactVerify(token, k.key, { algorithms: [k.alg] });
        return true;
      } catch {
        // the next key
      }
    }
    return false;
  }

  /** upstream's legacyValidator: the Secret still holds exactly this token, the service account (same uid) exists. */
  private async authenticateLegacy(token: string, payload: JWTPayload): Promise<TokenAuthentication> {
    const claim = (k: string): string => str(payload[`kubernetes.io/serviceaccount/${k}`]);
    const namespace = claim('namespace');
    const secretName = claim('secret.name');
    const saName = claim('service-account.name');
    const saUID = claim('service-account.uid');
    if (!namespace) return { handled: true, error: 'namespace claim is missing' };
    if (!secretName) return { handled: true, error: 'secretName claim is missing' };
    if (!saName) return { handled: true, error: 'serviceAccountName claim is missing' };
    if (!saUID) return { handled: true, error: 'serviceAccountUID claim is missing' };
    const secret = await this.objects.get('secrets', namespace, secretName);
    if (secret === undefined || valueAt(secret, 'metadata', 'deletionTimestamp')) return { handled: true, error: 'Token has been invalidated' };
    const data = valueAt(secret, 'data', 'token');
    if (typeof data !== 'string' || Buffer.from(data, 'base64').toString('utf8') !== token) {
      return { handled: true, error: 'Token does not match server\'s copy' };
    }
    const sa = await this.objects.get('serviceaccounts', namespace, saName);
    if (sa === undefined || valueAt(sa, 'metadata', 'deletionTimestamp')) return { handled: true, error: 'Token has been invalidated' };
    if (uidOf(sa) !== saUID) return { handled: true, error: `ServiceAccount UID (${uidOf(sa)}) does not match claim (${saUID})` };
    return {
      handled: true,
      user: serviceAccountUser({ namespace, name: saName, uid: saUID }),
      audiences: [...this.opts.audiences],
    };
  }
}

/** Go's %q of a []string: ["a" "b"]. */
function goQuoted(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}
