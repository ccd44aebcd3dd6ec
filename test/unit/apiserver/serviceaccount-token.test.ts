/**
 * ServiceAccount JWTs (pure claims and validation, and the authenticator over jose with real keys): upstream's
 * claims.go / jwt.go behaviour, table by table.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { jwksDocument, keyIdOf, parsePublicKeys, parseSigningKey, type SigningKey } from '../../../control-plane/apiserver/serviceaccount-keys.js';
import {
  LEGACY_ISSUER,
  ServiceAccountTokenAuthenticator,
  serviceAccountUser,
  signToken,
  tokenClaims,
  validateBoundClaims,
  type TokenObjectGetter,
} from '../../../control-plane/apiserver/serviceaccount-token.js';
import { oidcDocuments } from '../../../control-plane/apiserver/serviceaccount-oidc.js';
import { Authenticator } from '../../../control-plane/apiserver/authn.js';

const ISS = 'https://kubernetes.default.svc.cluster.local';
const NOW = 1_800_000_000;

function ecKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return parseSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'test');
}
function rsaKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return parseSigningKey(privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, 'test');
}
const KEY = ecKey();
const OTHER = ecKey();

const meta = (name: string, uid: string, extra: Record<string, unknown> = {}) => ({ metadata: { name, namespace: 'default', uid, ...extra } });
const SA = meta('default', 'sa-uid');
const POD = meta('web', 'pod-uid');

/** A cluster: the objects the authenticator finds by resource/namespace/name. */
function cluster(objects: Record<string, unknown>): TokenObjectGetter {
  return { get: async (resource, ns, name) => objects[`${resource}/${ns ?? ''}/${name}`] };
}
const withPod = { 'serviceaccounts/default/default': SA, 'pods/default/web': POD };

const claims = (over: Partial<Parameters<typeof tokenClaims>[0]> = {}): JWTPayload =>
  tokenClaims({
    issuer: ISS,
    namespace: 'default',
    serviceAccount: { name: 'default', uid: 'sa-uid' },
    pod: { name: 'web', uid: 'pod-uid' },
    node: { name: 'node01', uid: 'node-uid' },
    audiences: [ISS],
    expirationSeconds: 3600,
    now: NOW,
    jti: 'jti-1',
    ...over,
  });

function authenticator(objects: Record<string, unknown> = withPod, o: { keys?: SigningKey[]; audiences?: string[]; now?: number } = {}) {
  return new ServiceAccountTokenAuthenticator({ issuers: [ISS], keys: o.keys ?? [KEY], audiences: o.audiences ?? [ISS] }, cluster(objects), () => o.now ?? NOW + 10);
}

describe('tokenClaims', () => {
  it('writes upstream’s claims: iss, sub, aud, exp, iat, nbf, jti and kubernetes.io {namespace, node, pod, serviceaccount}', () => {
    expect(claims({ warnAfterSeconds: 3607, expirationSeconds: 31_536_000 })).toEqual({
      aud: [ISS],
      exp: NOW + 31_536_000,
      iat: NOW,
      iss: ISS,
      jti: 'jti-1',
      'kubernetes.io': {
        namespace: 'default',
        node: { name: 'node01', uid: 'node-uid' },
        pod: { name: 'web', uid: 'pod-uid' },
        serviceaccount: { name: 'default', uid: 'sa-uid' },
        warnafter: NOW + 3607,
      },
      nbf: NOW,
      sub: 'system:serviceaccount:default:default',
    });
  });

  it('a secret-bound token names the secret and no node; a node without a uid has none', () => {
    const c = claims({ pod: undefined, secret: { name: 's', uid: 's-uid' } }) as Record<string, Record<string, unknown>>;
    expect(c['kubernetes.io']).toEqual({ namespace: 'default', secret: { name: 's', uid: 's-uid' }, serviceaccount: { name: 'default', uid: 'sa-uid' } });
    const n = claims({ node: { name: 'node01', uid: '' } }) as Record<string, Record<string, unknown>>;
    expect(n['kubernetes.io']!.node).toEqual({ name: 'node01' });
  });
});

describe('validateBoundClaims (pure)', () => {
  const c = claims();
  it.each([
    ['valid', c, { serviceAccount: SA, pod: POD }, NOW + 10, undefined],
    ['expired (past the 1 min leeway)', c, { serviceAccount: SA, pod: POD }, NOW + 3600 + 61, 'Token has expired.'],
    ['expired within the leeway is still valid', c, { serviceAccount: SA, pod: POD }, NOW + 3600 + 59, undefined],
    ['not yet valid', claims({ now: NOW + 600 }), { serviceAccount: SA, pod: POD }, NOW, 'Token could not be validated.'],
    ['service account deleted', c, { pod: POD }, NOW, 'serviceaccounts "default" not found'],
    ['service account recreated with a new uid', c, { serviceAccount: meta('default', 'new-uid'), pod: POD }, NOW, 'ServiceAccount UID (new-uid) does not match claim (sa-uid)'],
    ['service account being deleted for over a minute', c, { serviceAccount: meta('default', 'sa-uid', { deletionTimestamp: '2027-01-15T07:00:00Z' }), pod: POD }, NOW, 'ServiceAccount default/default has been deleted'],
    ['bound pod deleted', c, { serviceAccount: SA }, NOW, 'Token has been invalidated'],
    ['bound pod recreated with a new uid', c, { serviceAccount: SA, pod: meta('web', 'other') }, NOW, 'Pod UID (other) does not match claim (pod-uid)'],
    ['bound secret deleted', claims({ pod: undefined, node: undefined, secret: { name: 's', uid: 's-uid' } }), { serviceAccount: SA }, NOW, 'Token has been invalidated'],
    ['node-bound, node gone', claims({ pod: undefined }), { serviceAccount: SA }, NOW, 'Token has been invalidated'],
    ['node-bound, node recreated', claims({ pod: undefined }), { serviceAccount: SA, node: { metadata: { name: 'node01', uid: 'x' } } }, NOW, 'Node UID (x) does not match claim (node-uid)'],
    ['no private claim', { ...c, 'kubernetes.io': undefined }, { serviceAccount: SA }, NOW, 'Token could not be validated.'],
  ] as const)('%s', (_what, payload, found, now, error) => {
    const r = validateBoundClaims(payload as JWTPayload, found, now);
    if (error === undefined) expect(r).not.toHaveProperty('error');
    else expect(r).toEqual({ error });
  });

  it('the user of a pod-bound token: name, uid, groups and extra as upstream', () => {
    const r = validateBoundClaims(claims(), { serviceAccount: SA, pod: POD }, NOW);
    if ('error' in r) throw new Error(r.error);
    expect(serviceAccountUser(r)).toEqual({
      name: 'system:serviceaccount:default:default',
      uid: 'sa-uid',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default'],
      extra: {
        'authentication.kubernetes.io/pod-name': ['web'],
        'authentication.kubernetes.io/pod-uid': ['pod-uid'],
        'authentication.kubernetes.io/credential-id': ['JTI=jti-1'],
        'authentication.kubernetes.io/node-name': ['node01'],
        'authentication.kubernetes.io/node-uid': ['node-uid'],
      },
    });
  });
});

describe('ServiceAccountTokenAuthenticator (signed tokens)', () => {
  it('a valid token is its service account, for the API audiences, in system:authenticated through the Authenticator', async () => {
    const token = await signToken(claims(), KEY);
    const r = await authenticator().authenticate(token);
    expect(r).toMatchObject({ handled: true, audiences: [ISS], user: { name: 'system:serviceaccount:default:default', uid: 'sa-uid' } });
    const a = new Authenticator(new Map(), { serviceAccountTokens: authenticator() });
    const u = await a.authenticateToken(token);
    expect(u).toMatchObject({ user: { groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] } });
  });

  it('RSA keys sign and verify too (RS256), and the header names alg and kid', async () => {
    const rsa = rsaKey();
    const token = await signToken(claims(), rsa);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, string>;
    expect(header).toEqual({ alg: 'RS256', kid: rsa.kid });
    expect(await authenticator(withPod, { keys: [KEY, rsa] }).authenticate(token)).toMatchObject({ handled: true, user: { uid: 'sa-uid' } });
  });

  const cases: Array<[string, () => Promise<string>, { objects?: Record<string, unknown>; now?: number; audiences?: readonly string[] }, string | 'unhandled']> = [
    ['expired', () => signToken(claims({ now: NOW - 7200 }), KEY), {}, 'Token has expired.'],
    ['not yet valid', () => signToken(claims({ now: NOW + 3600 }), KEY), {}, 'Token could not be validated.'],
    ['wrong audience', () => signToken(claims({ audiences: ['vault'] }), KEY), {}, `token audiences ["vault"] is invalid for the target audiences ["${ISS}"]`],
    ['wrong issuer: not a service account token at all', () => signToken(claims({ issuer: 'https://elsewhere' }), KEY), {}, 'unhandled'],
    ['signed by another key', () => signToken(claims(), OTHER), {}, 'go-jose/go-jose: error in cryptographic primitive'],
    ['alg none', async () => new UnsecuredJWT(claims()).encode(), {}, 'go-jose/go-jose: error in cryptographic primitive'],
    [
      'HS256 keyed with the public key (algorithm confusion)',
      () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(KEY.key.export({ type: 'spki', format: 'pem' }) as string)),
      {},
      'go-jose/go-jose: error in cryptographic primitive',
    ],
    ['malformed', async () => 'not.a.jwt', {}, 'unhandled'],
    ['payload tampered', async () => { const [h, , s] = (await signToken(claims(), KEY)).split('.'); return `${h}.${Buffer.from(JSON.stringify({ ...claims(), sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${s}`; }, {}, 'go-jose/go-jose: error in cryptographic primitive'],
    ['bound pod deleted', () => signToken(claims(), KEY), { objects: { 'serviceaccounts/default/default': SA } }, 'Token has been invalidated'],
    ['service account deleted and recreated', () => signToken(claims(), KEY), { objects: { 'serviceaccounts/default/default': meta('default', 'new'), 'pods/default/web': POD } }, 'ServiceAccount UID (new) does not match claim (sa-uid)'],
    ['a TokenReview asking another audience', () => signToken(claims(), KEY), { audiences: ['vault'] }, `token audiences ["${ISS}"] is invalid for the target audiences ["vault"]`],
  ];
  it.each(cases)('%s', async (_what, make, o, want) => {
    const token = await make();
    const r = await authenticator(o.objects ?? withPod, { ...(o.now ? { now: o.now } : {}) }).authenticate(token, o.audiences);
    if (want === 'unhandled') expect(r).toEqual({ handled: false });
    else expect(r).toEqual({ handled: true, error: want });
  });

  it('a failed token is a 401 whatever --anonymous-auth says (authenticateToken answers an error)', async () => {
    const a = new Authenticator(new Map(), { serviceAccountTokens: authenticator({}) });
    expect(await a.authenticateToken(await signToken(claims(), KEY))).toEqual({ error: 'serviceaccounts "default" not found' });
    expect(await a.authenticateToken('garbage')).toEqual({ error: 'invalid bearer token' });
  });

  it('legacy Secret tokens: valid while the Secret holds this very token and the service account keeps its uid', async () => {
    const legacy = {
      iss: LEGACY_ISSUER,
      sub: 'system:serviceaccount:default:build-robot',
      'kubernetes.io/serviceaccount/namespace': 'default',
      'kubernetes.io/serviceaccount/secret.name': 'build-robot-token',
      'kubernetes.io/serviceaccount/service-account.name': 'build-robot',
      'kubernetes.io/serviceaccount/service-account.uid': 'br-uid',
    };
    const token = await new SignJWT(legacy).setProtectedHeader({ alg: KEY.alg, kid: KEY.kid }).sign(KEY.privateKey);
    const secret = { metadata: { name: 'build-robot-token', uid: 's' }, data: { token: Buffer.from(token).toString('base64') } };
    const objs = { 'secrets/default/build-robot-token': secret, 'serviceaccounts/default/build-robot': meta('build-robot', 'br-uid') };
    expect(await authenticator(objs).authenticate(token)).toMatchObject({ handled: true, user: { name: 'system:serviceaccount:default:build-robot', uid: 'br-uid' } });
    expect(await authenticator({ ...objs, 'secrets/default/build-robot-token': undefined }).authenticate(token)).toEqual({ handled: true, error: 'Token has been invalidated' });
    const other = { ...secret, data: { token: Buffer.from('other').toString('base64') } };
    expect(await authenticator({ ...objs, 'secrets/default/build-robot-token': other }).authenticate(token)).toEqual({ handled: true, error: "Token does not match server's copy" });
  });
});

describe('keys and issuer discovery', () => {
  it('kid is the base64url SHA-256 of the SPKI DER; public keys parse from PUBLIC KEY, private keys and certificates', () => {
    expect(KEY.kid).toBe(keyIdOf(KEY.key));
    expect(KEY.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const pub = KEY.key.export({ type: 'spki', format: 'pem' }) as string;
    const priv = KEY.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(parsePublicKeys(pub + priv, 'f').map((k) => k.kid)).toEqual([KEY.kid, KEY.kid]);
    expect(() => parsePublicKeys('nothing', 'f')).toThrow('data does not contain any valid RSA or ECDSA public keys: "f"');
    expect(() => parseSigningKey(pub, 'f')).toThrow('data does not contain a private key');
  });

  it('the JWKS lists each key once with use sig, and the configuration points at it', () => {
    const rsa = rsaKey();
    const jwks = jwksDocument([KEY, rsa, KEY]);
    expect(jwks.keys.map((k) => [k.use, k.kty, k.alg, k.kid])).toEqual([['sig', 'EC', 'ES256', KEY.kid], ['sig', 'RSA', 'RS256', rsa.kid]]);
    expect(Object.keys(jwks.keys[1]!)).toEqual(['use', 'kty', 'kid', 'alg', 'n', 'e']);
    const docs = oidcDocuments(ISS, undefined, '192.168.56.11:6443', [KEY, rsa]);
    if ('error' in docs) throw new Error(docs.error);
    expect(JSON.parse(docs.configuration)).toEqual({
      issuer: ISS,
      jwks_uri: 'https://192.168.56.11:6443/openid/v1/jwks',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256', 'RS256'],
    });
    expect(oidcDocuments('kubernetes/serviceaccount', undefined, 'x', [KEY])).toEqual({ error: 'issuer URL must be a valid URL: "kubernetes/serviceaccount"' });
    expect(oidcDocuments('http://insecure', undefined, 'x', [KEY])).toEqual({ error: 'issuer URL must use https scheme' });
  });
});
