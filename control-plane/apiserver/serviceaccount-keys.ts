/**
 * ServiceAccount token keys, as kube-apiserver reads them: `--service-account-signing-key-file` (one PEM private
 * key, RSA or ECDSA, that signs) and `--service-account-key-file` (repeatable: PEM public keys, certificates or
 * private keys whose public half verifies). A key's `kid` is upstream's keyIDFromPublicKey: the unpadded
 * base64url SHA-256 of its PKIX (SPKI DER) encoding; its algorithm RS256 for RSA, ES256/ES384/ES512 for P-256/
 * P-384/P-521 (upstream's signer). The JWKS document (`/openid/v1/jwks`) lists every verifying key.
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KubeError } from '../../api/errors.js';

export type SigningAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512';

export interface VerifyingKey {
  key: KeyObject;
  kid: string;
  alg: SigningAlgorithm;
}

export interface SigningKey extends VerifyingKey {
  privateKey: KeyObject;
}

const EC_ALGS: Record<string, SigningAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

function configError(message: string): KubeError {
  return new KubeError('BadRequest', message, { code: 'ERR_CONFIG' });
}

/** The JWS algorithm of a public key (an unsupported type or curve is a configuration error). */
export function algorithmOf(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const alg = EC_ALGS[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (alg) return alg;
  }
  throw configError(`unsupported service account key type ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''}: RSA or ECDSA P-256/P-384/P-521 only`);
}

/** upstream's keyIDFromPublicKey: base64url (no padding) of SHA-256 over the SPKI DER bytes. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

function pemBlocks(text: string): Array<{ label: string; pem: string }> {
  const out: Array<{ label: string; pem: string }> = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (const m of text.matchAll(re)) out.push({ label: m[1]!, pem: m[0] });
  return out;
}

/** Every public key a PEM text holds (PUBLIC KEY, RSA PUBLIC KEY, CERTIFICATE, or a private key's public half). */
export function parsePublicKeys(text: string, source: string): VerifyingKey[] {
  const keys: VerifyingKey[] = [];
  for (const b of pemBlocks(text)) {
    let key: KeyObject;
    try {
      if (b.label === 'CERTIFICATE') key = new X509Certificate(b.pem).publicKey;
      else if (b.label.endsWith('PRIVATE KEY')) key = createPublicKey(createPrivateKey(b.pem));
      else if (b.label.endsWith('PUBLIC KEY')) key = createPublicKey(b.pem);
      else continue;
    } catch (e) {
      throw configError(`failed to parse key file "${source}": ${(e as Error).message}`);
    }
    keys.push({ key, kid: keyIdOf(key), alg: algorithmOf(key) });
  }
  if (keys.length === 0) throw configError(`data does not contain any valid RSA or ECDSA public keys: "${source}"`);
  return keys;
}

/** The one private key of a PEM text (the signing key file). */
export function parseSigningKey(text: string, source: string): SigningKey {
  const block = pemBlocks(text).find((b) => b.label.endsWith('PRIVATE KEY'));
  if (!block) throw configError(`failed to parse service-account-issuer-key-file "${source}": data does not contain a private key`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(block.pem);
  } catch (e) {
    throw configError(`failed to parse service-account-issuer-key-file "${source}": ${(e as Error).message}`);
  }
  const key = createPublicKey(privateKey);
  return { privateKey, key, kid: keyIdOf(key), alg: algorithmOf(key) };
}

export function readSigningKey(path: string): SigningKey {
  return parseSigningKey(readFileSync(path, 'utf8'), path);
}

export function readPublicKeys(paths: readonly string[]): VerifyingKey[] {
  return paths.flatMap((p) => parsePublicKeys(readFileSync(p, 'utf8'), p));
}

/** The JSON Web Key Set of `/openid/v1/jwks` (upstream's publicJWKSFromKeys): one `use: sig` key per distinct kid. */
export function jwksDocument(keys: readonly VerifyingKey[]): { keys: Array<Record<string, string>> } {
  const seen = new Set<string>();
  const out: Array<Record<string, string>> = [];
  for (const k of keys) {
    if (seen.has(k.kid)) continue;
    seen.add(k.kid);
    const jwk = k.key.export({ format: 'jwk' }) as Record<string, string>;
    const material: Record<string, string> = k.alg === 'RS256' ? { n: jwk.n!, e: jwk.e! } : { crv: jwk.crv!, x: jwk.x!, y: jwk.y! };
    out.push({ use: 'sig', kty: jwk.kty!, kid: k.kid, alg: k.alg, ...material });
  }
  return { keys: out };
}
