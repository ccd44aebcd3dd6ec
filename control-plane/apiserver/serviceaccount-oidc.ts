/**
 * ServiceAccount issuer discovery (upstream's pkg/serviceaccount/openidmetadata.go and
 * pkg/routes/openidmetadata.go): `/.well-known/openid-configuration` and `/openid/v1/jwks`, so an OIDC relying
 * party can verify ServiceAccount tokens. Served only when the signing issuer is an https URL (upstream logs and
 * serves nothing otherwise); readable by whom RBAC lets (`system:service-account-issuer-discovery`, bound to
 * `system:serviceaccounts` by the bootstrap policy).
 */
import { jwksDocument, type VerifyingKey } from './serviceaccount-keys.js';

export const OPENID_CONFIG_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';
/** upstream's cacheControl for both documents. */
export const OIDC_CACHE_CONTROL = 'public, max-age=3600';
export const JWKS_CONTENT_TYPE = 'application/jwk-set+json';

export interface OidcDocuments {
  configuration: string;
  jwks: string;
}

/**
 * The two documents (JSON text), or why none are served. `jwksURI`: --service-account-jwks-uri, else
 * `https://<external address>/openid/v1/jwks` (upstream's default from the API server's external address).
 */
export function oidcDocuments(issuer: string, jwksURI: string | undefined, externalAddress: string, keys: readonly VerifyingKey[]): OidcDocuments | { error: string } {
  let iss: URL;
  try {
    iss = new URL(issuer);
  } catch {
    return { error: `issuer URL must be a valid URL: "${issuer}"` };
  }
  if (iss.protocol !== 'https:') return { error: 'issuer URL must use https scheme' };
  if (iss.search || iss.hash) return { error: 'issuer URL must not contain a query or fragment' };
  const jwks = jwksURI || `https://${externalAddress}${JWKS_PATH}`;
  const jwksDoc = jwksDocument(keys);
  const algs = [...new Set(jwksDoc.keys.map((k) => k.alg!))].sort();
  const configuration = JSON.stringify({
    issuer,
    jwks_uri: jwks,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs,
  });
  return { configuration, jwks: JSON.stringify(jwksDoc) };
}
