/**
 * The certificate controllers' decisions (upstream's pkg/controller/certificates): pure functions of a
 * CertificateSigningRequest, its parsed PKCS#10 request and the clock.
 * - signing (signer/signer.go): an Approved, not Failed request for a signer this manager runs is checked against
 *   the signer's rules (a refusal is a Failed condition, reason SignerValidationFailure) and signed for
 *   min(expirationSeconds, --cluster-signing-duration), never under 10 minutes;
 * - approving (approver/sarapprove.go): a kubelet client request (selfnodeclient when the requester is the
 *   subject's node, else nodeclient) is approved when its requester may `create` that subresource;
 * - cleaning (cleaner/cleaner.go): issued and approved for 1 h, denied or failed for 1 h, pending for 24 h, or an
 *   issued certificate that has expired: deleted.
 */
import type { ParsedCSR } from '../../../api/tls/csr.js';
import { parseTime } from '../../../api/time.js';
import {
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  KUBE_APISERVER_CLIENT_SIGNER,
  KUBELET_SERVING_SIGNER,
  type CSR,
} from '../../../api/strategies/certificates.js';

export const SIGNERS = [KUBE_APISERVER_CLIENT_SIGNER, KUBE_APISERVER_CLIENT_KUBELET_SIGNER, KUBELET_SERVING_SIGNER] as const;
export type SignerName = (typeof SIGNERS)[number];

const HOUR = 3_600_000;
/** The shortest certificate the signer issues (twice the 5 minute backdate), whatever expirationSeconds says. */
export const MIN_CERT_TTL_MS = 10 * 60_000;

const conditions = (csr: CSR) => (Array.isArray(csr.status?.conditions) ? csr.status.conditions : []);
const hasTrue = (csr: CSR, type: string): boolean => conditions(csr).some((c) => c?.type === type && c.status === 'True');

export function isApproved(csr: CSR): boolean {
  return hasTrue(csr, 'Approved') && !conditions(csr).some((c) => c?.type === 'Denied');
}

const sameSet = (a: ReadonlySet<string>, b: readonly string[]): boolean => a.size === b.length && b.every((x) => a.has(x));

/** The usages as a set, as upstream's usagesToSet (duplicates collapse). */
const usageSet = (usages: readonly string[]): Set<string> => new Set(usages);

const KUBELET_CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];
const KUBELET_CLIENT_USAGES_NO_RSA = ['digital signature', 'client auth'];
const KUBELET_SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];
const KUBELET_SERVING_USAGES_NO_RSA = ['digital signature', 'server auth'];
/** Go's `%v` of a sorted []string. */
const goList = (xs: readonly string[]): string => `[${[...xs].sort().join(' ')}]`;

const isSystemNodesOnly = (o: readonly string[]): boolean => o.length === 1 && o[0] === 'system:nodes';

/** ValidateKubeletClientCSR: O system:nodes only, no SANs, CN system:node:<name>, the client usages. */
export function kubeletClientError(req: ParsedCSR, usages: readonly string[]): string | undefined {
  if (!isSystemNodesOnly(req.organizations)) return 'subject organization is not system:nodes';
  if (req.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed';
  if (req.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!req.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  const set = usageSet(usages);
  if (!sameSet(set, KUBELET_CLIENT_USAGES) && !sameSet(set, KUBELET_CLIENT_USAGES_NO_RSA)) return `usages did not match ${goList(KUBELET_CLIENT_USAGES)}`;
  return undefined;
}

/** ValidateKubeletServingCSR: O system:nodes only, a DNS or IP SAN, no email or URI SAN, the serving usages, CN system:node:<name>. */
export function kubeletServingError(req: ParsedCSR, usages: readonly string[]): string | undefined {
  if (!isSystemNodesOnly(req.organizations)) return 'subject organization is not system:nodes';
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  if (req.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  const set = usageSet(usages);
  if (!sameSet(set, KUBELET_SERVING_USAGES) && !sameSet(set, KUBELET_SERVING_USAGES_NO_RSA)) return `usages did not match ${goList(KUBELET_SERVING_USAGES)}`;
  if (!req.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  return undefined;
}

/** validAPIServerClientUsages: client auth required; digital signature and key encipherment allowed; nothing else. */
export function apiServerClientError(usages: readonly string[]): string | undefined {
  let clientAuth = false;
  for (const u of usages) {
    if (u === 'digital signature' || u === 'key encipherment') continue;
    if (u === 'client auth') clientAuth = true;
    else return `invalid usage for client certificate: ${u}`;
  }
  return clientAuth ? undefined : 'missing required usage for client certificate: client auth';
}

/** The signer's own rules for a request (upstream's isRequestForSignerFn): the refusal, or undefined. */
export function signerRuleError(signer: SignerName, req: ParsedCSR, usages: readonly string[]): string | undefined {
  switch (signer) {
    case KUBE_APISERVER_CLIENT_SIGNER:
      return apiServerClientError(usages);
    case KUBE_APISERVER_CLIENT_KUBELET_SIGNER:
      return kubeletClientError(req, usages);
    case KUBELET_SERVING_SIGNER:
      return kubeletServingError(req, usages);
  }
}

/** signer.duration: the signer's duration, or the request's expirationSeconds when shorter (at least 10 minutes). */
export function certificateTTL(expirationSeconds: number | undefined | null, maxMs: number): number {
  if (typeof expirationSeconds !== 'number') return maxMs;
  const requested = expirationSeconds * 1000;
  if (requested > maxMs) return maxMs;
  return Math.max(requested, MIN_CERT_TTL_MS);
}

export type SigningDecision =
  | { action: 'none'; why: string }
  | { action: 'fail'; message: string }
  | { action: 'sign'; ttlMs: number; usages: string[] }
  /** The request does not parse (it passed validation, so this is retried as upstream's error). */
  | { action: 'error'; message: string };

/**
 * signer.handle for the signers this manager runs (`signers`: those with a CA): what to do with one request.
 * `parsed` is the request's PKCS#10 (or its parse error).
 */
export function decideSigning(
  csr: CSR,
  signers: ReadonlySet<string>,
  parsed: { ok: true; csr: ParsedCSR } | { ok: false; error: string },
  maxTtlMs: number,
): SigningDecision {
  if (!isApproved(csr) || hasTrue(csr, 'Failed')) return { action: 'none', why: 'not approved, or failed' };
  if (csr.status?.certificate) return { action: 'none', why: 'already issued' };
  const signer = csr.spec?.signerName ?? '';
  if (!signers.has(signer) || !(SIGNERS as readonly string[]).includes(signer)) return { action: 'none', why: `not a signer of this manager: ${signer}` };
  if (!parsed.ok) return { action: 'error', message: `unable to parse csr "${csr.metadata?.name ?? ''}": ${parsed.error}` };
  const usages = Array.isArray(csr.spec?.usages) ? csr.spec.usages : [];
  const refused = signerRuleError(signer as SignerName, parsed.csr, usages);
  if (refused) return { action: 'fail', message: refused };
  return { action: 'sign', ttlMs: certificateTTL(csr.spec?.expirationSeconds, maxTtlMs), usages };
}

/** One way the approver recognizes a request, and the permission its requester needs. */
export interface Recognizer {
  subresource: 'selfnodeclient' | 'nodeclient';
  successMessage: string;
  recognize(csr: CSR, req: ParsedCSR): boolean;
}

const isNodeClientCert = (csr: CSR, req: ParsedCSR): boolean =>
  csr.spec?.signerName === KUBE_APISERVER_CLIENT_KUBELET_SIGNER && kubeletClientError(req, Array.isArray(csr.spec?.usages) ? csr.spec.usages : []) === undefined;

/** upstream's recognizers(), in order. */
export const RECOGNIZERS: readonly Recognizer[] = [
  {
    subresource: 'selfnodeclient',
    successMessage: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
    recognize: (csr, req) => csr.spec?.username === req.commonName && isNodeClientCert(csr, req),
  },
  {
    subresource: 'nodeclient',
    successMessage: 'Auto approving kubelet client certificate after SubjectAccessReview.',
    recognize: isNodeClientCert,
  },
];

export type ApprovalDecision = { action: 'none' } | { action: 'check'; tries: readonly Recognizer[] };

/** sarApprover.handle up to the access reviews: a request still undecided and recognized, with what to ask in order. */
export function decideApproval(csr: CSR, req: ParsedCSR): ApprovalDecision {
  if (csr.status?.certificate) return { action: 'none' };
  if (conditions(csr).some((c) => c?.type === 'Approved' || c?.type === 'Denied')) return { action: 'none' };
  const tries = RECOGNIZERS.filter((r) => r.recognize(csr, req));
  return tries.length > 0 ? { action: 'check', tries } : { action: 'none' };
}

export const APPROVED_EXPIRATION_MS = HOUR;
export const DENIED_EXPIRATION_MS = HOUR;
export const PENDING_EXPIRATION_MS = 24 * HOUR;

export type CleanupDecision = { action: 'delete'; reason: string } | { action: 'keep'; recheckAfterMs?: number };

/**
 * The cleaner's criteria for one request; `certNotAfter` is the issued certificate's NotAfter (undefined when none
 * or unreadable). When keeping, the time until the next deadline (for a requeue instead of upstream's hourly poll).
 */
export function decideCleanup(csr: CSR, now: number, certNotAfter: number | undefined): CleanupDecision {
  const issued = Boolean(csr.status?.certificate);
  const conds = conditions(csr);
  const deadlines: number[] = [];
  const past = (t: number | undefined, d: number): boolean => {
    if (t === undefined) return false;
    if (now - t > d) return true;
    deadlines.push(t + d - now + 1);
    return false;
  };
  const approved = conds.find((c) => c?.type === 'Approved');
  if (approved && issued && certNotAfter !== undefined) {
    if (now > certNotAfter) return { action: 'delete', reason: 'the associated certificate is expired' };
    deadlines.push(certNotAfter - now + 1);
  }
  if (approved && issued && past(parseTime(approved.lastUpdateTime), APPROVED_EXPIRATION_MS)) return { action: 'delete', reason: 'it is more than 1h0m0s old and approved' };
  const denied = conds.find((c) => c?.type === 'Denied');
  if (denied && past(parseTime(denied.lastUpdateTime), DENIED_EXPIRATION_MS)) return { action: 'delete', reason: 'it is more than 1h0m0s old and denied' };
  const failed = conds.find((c) => c?.type === 'Failed');
  if (failed && past(parseTime(failed.lastUpdateTime), DENIED_EXPIRATION_MS)) return { action: 'delete', reason: 'it is more than 1h0m0s old and failed' };
  if (conds.length === 0 && past(parseTime(csr.metadata?.creationTimestamp), PENDING_EXPIRATION_MS)) return { action: 'delete', reason: 'it is more than 24h0m0s old and unhandled' };
  // Never later than upstream's hourly poll (and within a timer's range).
  return deadlines.length > 0 ? { action: 'keep', recheckAfterMs: Math.min(HOUR, ...deadlines) } : { action: 'keep' };
}
