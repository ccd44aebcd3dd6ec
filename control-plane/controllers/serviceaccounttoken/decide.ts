/**
 * The legacy ServiceAccount token controller (pkg/controller/serviceaccount/tokens_controller.go): a Secret of
 * type `kubernetes.io/service-account-token` annotated `kubernetes.io/service-account.name` gets `token` (a
 * non-expiring JWT, issuer `kubernetes/serviceaccount`, signed with --service-account-private-key-file),
 * `ca.crt` (--root-ca-file) and `namespace`, and the account's uid in `kubernetes.io/service-account.uid`; a
 * Secret whose account is gone (or has another uid than the annotation names) is deleted.
 */

import type { Secret, ServiceAccount } from '../util/types.js';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

export type TokenSecretAction =
  | { op: 'none' }
  | { op: 'delete'; uid: string }
  /** Fill the secret: `token` true when a token must be signed (the caller adds it to data.token). */
  | { op: 'update'; body: Secret; token: boolean };

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** What syncSecret does for one Secret (pure): `sa` is the account the annotations name (undefined: none with that uid). */
export function decideTokenSecret(secret: Secret, sa: ServiceAccount | undefined, rootCA: string | undefined): TokenSecretAction {
  if (secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE || secret.metadata?.deletionTimestamp) return { op: 'none' };
  const annotations = secret.metadata?.annotations ?? {};
  if (!annotations[SA_NAME_ANNOTATION]) return { op: 'none' };
  if (!sa || sa.metadata?.deletionTimestamp) return { op: 'delete', uid: secret.metadata?.uid ?? '' };
  const data = { ...(secret.data ?? {}) };
  const needsCA = !!rootCA && data['ca.crt'] !== b64(rootCA);
  const needsNamespace = !data.namespace;
  const needsToken = !data.token;
  const uid = sa.metadata?.uid ?? '';
  if (!needsCA && !needsNamespace && !needsToken && annotations[SA_UID_ANNOTATION] === uid) return { op: 'none' };
  if (needsCA) data['ca.crt'] = b64(rootCA!);
  if (needsNamespace) data.namespace = b64(secret.metadata?.namespace ?? '');
  return {
    op: 'update',
    token: needsToken,
    body: { ...secret, metadata: { ...secret.metadata, annotations: { ...annotations, [SA_NAME_ANNOTATION]: sa.metadata?.name ?? '', [SA_UID_ANNOTATION]: uid } }, data },
  };
}

/** upstream's LegacyClaims (no expiry), with the legacy issuer. */
export function legacyClaims(sa: ServiceAccount, secretName: string): Record<string, string> {
  const ns = sa.metadata?.namespace ?? '';
  const name = sa.metadata?.name ?? '';
  return {
    iss: LEGACY_ISSUER,
    'kubernetes.io/serviceaccount/namespace': ns,
    'kubernetes.io/serviceaccount/secret.name': secretName,
    'kubernetes.io/serviceaccount/service-account.name': name,
    'kubernetes.io/serviceaccount/service-account.uid': sa.metadata?.uid ?? '',
    sub: `system:serviceaccount:${ns}:${name}`,
  };
}
