/**
 * `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`: upstream's TokenREST.Create
 * (pkg/registry/core/serviceaccount/storage/token.go), 1.32:
 *
 *   body name/namespace must match the URL (422) ─► the ServiceAccount (404) ─► audiences default to
 *   --api-audiences ─► ValidateTokenRequest (expirationSeconds in [600, 2^32], 422) ─► admission (NodeRestriction)
 *   ─► boundObjectRef: v1 Pod (same service account, 400; its node's name and uid go in too), Node, Secret;
 *      another kind 400; a uid that differs 409 ─► capped at --service-account-max-token-expiration (a Warning)
 *   ─► --service-account-extend-token-expiration: a pod-bound 3607 s token for the API audiences lives a year,
 *      warnafter = 3607 s ─► signed ─► 201 with status.token and status.expirationTimestamp (the requested expiry)
 *
 * The decisions are pure (`tokenRequestPlan`); `createTokenRequest` reads the objects and signs.
 */
import { errors, KubeError } from '../../api/errors.js';
import { fieldErr } from '../../api/strategies/validation.js';
import { valueAt } from '../../api/values.js';
import type { Relaxed, TokenRequest } from '../../api/types/index.js';
import { rfc3339 } from '../../api/time.js';
import type { SigningKey } from './serviceaccount-keys.js';
import {
  EXPIRATION_EXTENSION_SECONDS,
  WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS,
  signToken,
  tokenClaims,
  type ObjectRef,
} from './serviceaccount-token.js';

/** pkg/apis/authentication/validation: MinTokenAgeSec and MaxTokenAgeSec. */
export const MIN_TOKEN_AGE_SECONDS = 10 * 60;
export const MAX_TOKEN_AGE_SECONDS = 2 ** 32;
/** SetDefaults_TokenRequestSpec: one hour. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 60 * 60;

const GROUP = 'authentication.k8s.io';

/** How the API server issues tokens (its flags). */
export interface TokenIssuerConfig {
  /** The first --service-account-issuer. */
  issuer: string;
  key: SigningKey;
  /** --api-audiences. */
  audiences: readonly string[];
  /** --service-account-max-token-expiration in seconds (0: no cap). */
  maxExpirationSeconds: number;
  /** --service-account-extend-token-expiration (default true, as upstream). */
  extendExpiration: boolean;
}

/** Reads an object (404 KubeError when missing) for the token's references. */
export type ObjectReader = (resource: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes', namespace: string | undefined, name: string) => Promise<unknown>;

/** SetDefaults_TokenRequestSpec and ValidateTokenRequest's causes. Pure. */
export function validateTokenRequest(tr: Relaxed<TokenRequest>): ReturnType<typeof fieldErr.invalid>[] {
  const exp = tr.spec?.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  const causes = [];
  if (exp < MIN_TOKEN_AGE_SECONDS) causes.push(fieldErr.invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes'));
  if (exp > MAX_TOKEN_AGE_SECONDS) causes.push(fieldErr.invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds'));
  return causes;
}

/** The body as TokenREST.Create has it before the lookups: defaults, URL name and namespace checked. Pure. */
export function prepareTokenRequest(body: Relaxed<TokenRequest>, namespace: string, name: string, audiences: readonly string[]): Relaxed<TokenRequest> {
  const bodyName = body.metadata?.name ?? '';
  const bodyNs = body.metadata?.namespace ?? '';
  if (bodyName && bodyName !== name) {
    throw errors.invalid('TokenRequest', GROUP, name, [fieldErr.invalid('metadata.name', bodyName, 'must match the service account name if specified')]);
  }
  if (bodyNs && bodyNs !== namespace) {
    throw errors.invalid('TokenRequest', GROUP, name, [fieldErr.invalid('metadata.namespace', bodyNs, 'must match the service account namespace if specified')]);
  }
  const spec = { ...(body.spec ?? {}) };
  if (spec.expirationSeconds === undefined || spec.expirationSeconds === null) spec.expirationSeconds = DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (!spec.audiences || spec.audiences.length === 0) spec.audiences = [...audiences];
  const out: Relaxed<TokenRequest> = {
    apiVersion: `${GROUP}/v1`,
    kind: 'TokenRequest',
    metadata: { ...(body.metadata ?? {}), name, namespace },
    spec,
  };
  const causes = validateTokenRequest(out);
  if (causes.length) throw errors.invalid('TokenRequest', GROUP, '', causes);
  return out;
}

/** The lifetime a token gets and its warnafter (pure): the cap, then the extension of the kubelet's 3607 s tokens. */
export function tokenLifetime(
  requested: number,
  o: { maxExpirationSeconds: number; extendExpiration: boolean; podBound: boolean; audiences: readonly string[]; apiAudiences: readonly string[] },
): { expirationSeconds: number; tokenSeconds: number; warnAfterSeconds?: number; warning?: string } {
  let expirationSeconds = requested;
  let warning: string | undefined;
  if (o.maxExpirationSeconds > 0 && requested > o.maxExpirationSeconds) {
    warning = `requested expiration of ${requested} seconds shortened to ${o.maxExpirationSeconds} seconds`;
    expirationSeconds = o.maxExpirationSeconds;
  }
  const kubeAudiences = o.audiences.every((a) => o.apiAudiences.includes(a));
  if (o.extendExpiration && o.podBound && expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && kubeAudiences) {
    return { expirationSeconds, tokenSeconds: EXPIRATION_EXTENSION_SECONDS, warnAfterSeconds: expirationSeconds, ...(warning ? { warning } : {}) };
  }
  return { expirationSeconds, tokenSeconds: expirationSeconds, ...(warning ? { warning } : {}) };
}

const refOf = (o: unknown): ObjectRef => ({ name: String(valueAt(o, 'metadata', 'name') ?? ''), uid: String(valueAt(o, 'metadata', 'uid') ?? '') });

/** Group and kind of an apiVersion + kind (schema.FromAPIVersionAndKind), printed as Go's GroupVersionKind.String(). */
function gvkOf(apiVersion: string, kind: string): { group: string; version: string; kind: string; text: string } {
  const i = apiVersion.indexOf('/');
  const group = i < 0 ? '' : apiVersion.slice(0, i);
  const version = i < 0 ? apiVersion : apiVersion.slice(i + 1);
  return { group, version, kind, text: `${group ? group + '/' : ''}${version}, Kind=${kind}` };
}

/**
 * Issue the token of a prepared request (after admission): the bound object, the lifetime, the claims, the
 * signature. Answers the TokenRequest to return and any warning.
 */
export async function issueToken(
  cfg: TokenIssuerConfig,
  read: ObjectReader,
  readNode: (name: string) => Promise<unknown>,
  tr: Relaxed<TokenRequest>,
  now: Date = new Date(),
): Promise<{ object: Relaxed<TokenRequest>; warning?: string }> {
  const namespace = tr.metadata?.namespace ?? '';
  const name = tr.metadata?.name ?? '';
  const sa = await read('serviceaccounts', namespace, name);
  let pod: ObjectRef | undefined;
  let secret: ObjectRef | undefined;
  let node: ObjectRef | undefined;
  const ref = tr.spec?.boundObjectRef;
  if (ref) {
    const gvk = gvkOf(ref.apiVersion ?? '', ref.kind ?? '');
    let uid: string;
    if (gvk.group === '' && gvk.kind === 'Pod') {
      const p = await read('pods', namespace, ref.name ?? '');
      const podSA = String(valueAt(p, 'spec', 'serviceAccountName') ?? '');
      if (podSA !== name) throw errors.badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      pod = refOf(p);
      uid = pod.uid;
      const nodeName = valueAt(p, 'spec', 'nodeName');
      if (typeof nodeName === 'string' && nodeName !== '') {
        const n = await readNode(nodeName);
        node = n === undefined ? { name: nodeName, uid: '' } : refOf(n);
      }
    } else if (gvk.group === '' && gvk.kind === 'Node') {
      const n = await read('nodes', undefined, ref.name ?? '');
      node = refOf(n);
      uid = node.uid;
    } else if (gvk.group === '' && gvk.kind === 'Secret') {
      const s = await read('secrets', namespace, ref.name ?? '');
      secret = refOf(s);
      uid = secret.uid;
    } else {
      throw errors.badRequest(`cannot bind token to object of type ${gvk.text}`);
    }
    if (ref.uid && uid !== ref.uid) {
      throw errors.conflict(gvk.kind, gvk.group, ref.name ?? '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
  }
  const audiences = tr.spec?.audiences ?? [];
  const life = tokenLifetime(tr.spec?.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS, {
    maxExpirationSeconds: cfg.maxExpirationSeconds,
    extendExpiration: cfg.extendExpiration,
    podBound: pod !== undefined,
    audiences,
    apiAudiences: cfg.audiences,
  });
  const seconds = Math.floor(now.getTime() / 1000);
  const claims = tokenClaims({
    issuer: cfg.issuer,
    namespace,
    serviceAccount: refOf(sa),
    ...(pod ? { pod } : {}),
    ...(secret ? { secret } : {}),
    ...(node ? { node } : {}),
    audiences,
    expirationSeconds: life.tokenSeconds,
    ...(life.warnAfterSeconds ? { warnAfterSeconds: life.warnAfterSeconds } : {}),
    now: seconds,
  });
  let token: string;
  try {
    token = await signToken(claims, cfg.key);
  } catch (e) {
    throw new KubeError('InternalError', `failed to generate token: ${(e as Error).message}`);
  }
  const object: Relaxed<TokenRequest> = {
    ...tr,
    metadata: { ...tr.metadata, creationTimestamp: rfc3339(new Date(seconds * 1000)) },
    spec: { ...tr.spec, expirationSeconds: life.expirationSeconds },
    status: { token, expirationTimestamp: rfc3339(new Date((seconds + life.expirationSeconds) * 1000)) },
  };
  return { object, ...(life.warning ? { warning: life.warning } : {}) };
}

/** The API server's ServiceAccount token settings (its --service-account-* and --api-audiences flags). */
export interface ServiceAccountTokenSettings {
  /** --service-account-issuer (the first signs, all are accepted). */
  issuers: readonly string[];
  /** --service-account-signing-key-file (without it, no TokenRequest: 404 as upstream's unregistered subresource). */
  signingKey?: SigningKey;
  /** --service-account-key-file (the signing key's public half is added when missing). */
  keys: readonly import('./serviceaccount-keys.js').VerifyingKey[];
  /** --api-audiences (default: the issuers). */
  apiAudiences?: readonly string[];
  /** --service-account-max-token-expiration in seconds (0 or unset: none). */
  maxExpirationSeconds?: number;
  /** --service-account-extend-token-expiration (default true). */
  extendExpiration?: boolean;
  /** --service-account-jwks-uri. */
  jwksURI?: string;
}
