/**
 * certificates.k8s.io/v1 CertificateSigningRequest: upstream's strategies (pkg/registry/certificates/certificates/
 * strategy.go: the main resource, `status` and `approval`) and validation (pkg/apis/certificates/validation,
 * core's ValidateSignerName). The request must be a PEM CERTIFICATE REQUEST whose signature verifies; the usages
 * are the known ones, once each; signerName a qualified name (`legacy-unknown` refused in v1); expirationSeconds
 * >= 600; conditions True-only for Approved/Denied/Failed, one of each type, never Approved with Denied, never
 * removed. Approved/Denied change only through `approval`, the certificate only through `status`, once.
 */
import type { StatusCause } from '../errors.js';
import type { CertificateSigningRequest, CertificateSigningRequestCondition, Relaxed } from '../types/index.js';
import type { Requester } from '../kinds/descriptor.js';
import { ALL_KEY_USAGES, certificateContentError, decodeBase64Field, parseCSR } from '../tls/csr.js';
import { rfc3339 } from '../time.js';
import { clone } from '../values.js';
import {
  DNS1123LabelMaxLength,
  DNS1123SubdomainMaxLength,
  child,
  fieldErr,
  index,
  isDNS1123Label,
  isDNS1123Subdomain,
  semanticEqual,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.js';

export type CSR = Relaxed<CertificateSigningRequest>;
type Condition = Relaxed<CertificateSigningRequestCondition>;

export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';

const TRUE_ONLY_TYPES = ['Approved', 'Denied', 'Failed'];
const ALL_STATUS = ['False', 'True', 'Unknown'];

/** IsKubernetesSignerName: the kubernetes.io domain or one of its subdomains. */
export function isKubernetesSignerName(signerName: string): boolean {
  const host = signerName.split('/')[0] ?? '';
  return host === 'kubernetes.io' || host.endsWith('.kubernetes.io');
}

/** core validation's ValidateSignerName: `<domain with a dot>/<path of DNS-1123 subdomains>`, at most 571 characters. */
export function validateSignerName(field: string, signerName: string): StatusCause[] {
  if (signerName.length === 0) return [fieldErr.required(field)];
  const segments = signerName.split('/');
  if (segments.length !== 2) return [fieldErr.invalid(field, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const errs: StatusCause[] = [];
  const [domain, path] = segments as [string, string];
  if (domain.length > DNS1123SubdomainMaxLength) errs.push(fieldErr.tooLong(field, DNS1123SubdomainMaxLength));
  const labels = domain.split('.');
  for (const l of labels) {
    const msgs = isDNS1123Label(l);
    if (msgs.length > 0) {
      for (const m of msgs) errs.push(fieldErr.invalid(field, domain, `validating label "${l}": ${m}`));
      break;
    }
  }
  if (labels.length < 2) errs.push(fieldErr.invalid(field, domain, 'should be a domain with at least two segments separated by dots'));
  for (const l of path.split('.')) {
    const msgs = isDNS1123Subdomain(l);
    if (msgs.length > 0) {
      for (const m of msgs) errs.push(fieldErr.invalid(field, path, `validating label "${l}": ${m}`));
      break;
    }
  }
  const max = DNS1123SubdomainMaxLength + (DNS1123SubdomainMaxLength + DNS1123LabelMaxLength + 1) + 1;
  if (signerName.length > max) errs.push(fieldErr.tooLong(field, max));
  return errs;
}

/** The request's PEM text (spec.request is base64 of it in JSON), or undefined when it is not base64. */
export function requestPem(csr: CSR): string | undefined {
  return decodeBase64Field(csr.spec?.request ?? '')?.toString('latin1');
}

/** status.certificate's PEM text ('' when unset). */
export function certificatePem(csr: CSR): string {
  return decodeBase64Field(csr.status?.certificate ?? '')?.toString('latin1') ?? '';
}

const conditionsOf = (csr: CSR | undefined): Condition[] => (Array.isArray(csr?.status?.conditions) ? csr.status.conditions : []);
const findConditions = (csr: CSR | undefined, type: string): Condition[] => conditionsOf(csr).filter((c) => c?.type === type);

/** Upstream's compatibility options: what an old object already breaks may stay broken on update. */
interface Options {
  allowSettingApprovalConditions: boolean;
  allowSettingCertificate: boolean;
  allowBothApprovedAndDenied: boolean;
  allowLegacySignerName: boolean;
  allowDuplicateConditionTypes: boolean;
  allowEmptyConditionType: boolean;
  allowArbitraryCertificate: boolean;
  allowUnknownUsages: boolean;
  allowDuplicateUsages: boolean;
}

function hasDuplicates(values: readonly unknown[]): boolean {
  return new Set(values).size !== values.length;
}

function optionsFor(csr: CSR, old: CSR | undefined): Options {
  const oldUsages = Array.isArray(old?.spec?.usages) ? old.spec.usages : [];
  const oldTypes = conditionsOf(old).map((c) => c?.type);
  return {
    allowSettingApprovalConditions: false,
    allowSettingCertificate: false,
    allowBothApprovedAndDenied: old !== undefined && oldTypes.includes('Approved') && oldTypes.includes('Denied'),
    allowLegacySignerName: old?.spec?.signerName === LEGACY_UNKNOWN_SIGNER,
    allowDuplicateConditionTypes: old !== undefined && hasDuplicates(oldTypes),
    allowEmptyConditionType: old !== undefined && oldTypes.some((t) => !t),
    allowArbitraryCertificate:
      old !== undefined && ((csr.status?.certificate ?? '') === (old.status?.certificate ?? '') || certificateContentError(certificatePem(old)) !== undefined),
    allowUnknownUsages: oldUsages.some((u) => !ALL_KEY_USAGES.includes(u)),
    allowDuplicateUsages: hasDuplicates(oldUsages),
  };
}

function validateConditions(csr: CSR, o: Options): StatusCause[] {
  const errs: StatusCause[] = [];
  const field = 'status.conditions';
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditionsOf(csr).forEach((c, i) => {
    const at = index(field, i);
    const type = typeof c?.type === 'string' ? c.type : '';
    if (!o.allowEmptyConditionType && type === '') errs.push(fieldErr.required(child(at, 'type')));
    const allowed = TRUE_ONLY_TYPES.includes(type) ? ['True'] : ALL_STATUS;
    if (!c?.status) errs.push(fieldErr.required(child(at, 'status')));
    else if (!allowed.includes(c.status)) errs.push(fieldErr.notSupported(child(at, 'status'), c.status, allowed));
    if (!o.allowBothApprovedAndDenied) {
      if (type === 'Approved') {
        approved = true;
        if (denied) errs.push(fieldErr.invalid(child(at, 'type'), type, 'Approved and Denied conditions are mutually exclusive'));
      } else if (type === 'Denied') {
        denied = true;
        if (approved) errs.push(fieldErr.invalid(child(at, 'type'), type, 'Approved and Denied conditions are mutually exclusive'));
      }
    }
    if (!o.allowDuplicateConditionTypes) {
      if (seen.has(type)) errs.push(fieldErr.duplicate(child(at, 'type'), type));
      seen.add(type);
    }
  });
  return errs;
}

function validateCSRWith(csr: CSR, o: Options): StatusCause[] {
  const errs = validateObjectMeta(csr.metadata, false, () => []);
  const spec = csr.spec ?? {};
  const pem = requestPem(csr);
  const parsed = pem === undefined ? { ok: false as const, error: 'illegal base64 data' } : parseCSR(pem);
  if (!parsed.ok) errs.push(fieldErr.invalid('spec.request', spec.request ?? '', parsed.error));
  const usages = Array.isArray(spec.usages) ? spec.usages : [];
  if (usages.length === 0) errs.push(fieldErr.required('spec.usages'));
  if (!o.allowUnknownUsages) {
    usages.forEach((u, i) => {
      if (!ALL_KEY_USAGES.includes(u)) errs.push(fieldErr.notSupported(index('spec.usages', i), u, ALL_KEY_USAGES));
    });
  }
  if (!o.allowDuplicateUsages) {
    const seen = new Set<string>();
    usages.forEach((u, i) => {
      if (seen.has(u)) errs.push(fieldErr.duplicate(index('spec.usages', i), u));
      seen.add(u);
    });
  }
  const signer = typeof spec.signerName === 'string' ? spec.signerName : '';
  if (!o.allowLegacySignerName && signer === LEGACY_UNKNOWN_SIGNER) {
    errs.push(fieldErr.invalid('spec.signerName', signer, 'the legacy signerName is not allowed via this API version'));
  } else {
    errs.push(...validateSignerName('spec.signerName', signer));
  }
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) {
    errs.push(fieldErr.invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(csr, o));
  if (!o.allowArbitraryCertificate) {
    const cert = decodeBase64Field(csr.status?.certificate ?? '');
    const err = cert === undefined ? 'illegal base64 data' : certificateContentError(cert.toString('latin1'));
    if (err) errs.push(fieldErr.invalid('status.certificate', '<certificate data>', err));
  }
  return errs;
}

/** ValidateCertificateSigningRequestCreate. */
export function validateCSRCreate(csr: CSR): StatusCause[] {
  return validateCSRWith(csr, optionsFor(csr, undefined));
}

function validateCSRUpdateWith(csr: CSR, old: CSR, o: Options): StatusCause[] {
  const errs = validateCSRWith(csr, o);
  for (const t of TRUE_ONLY_TYPES) {
    if (findConditions(csr, t).length < findConditions(old, t).length) {
      errs.push(fieldErr.forbidden('status.conditions', `updates may not remove a condition of type "${t}"`));
    }
  }
  if (!o.allowSettingApprovalConditions) {
    for (const t of ['Approved', 'Denied']) {
      const before = findConditions(old, t);
      const after = findConditions(csr, t);
      if (after.length > before.length) errs.push(fieldErr.forbidden('status.conditions', `updates may not add a condition of type "${t}"`));
      else if (after.length === before.length && !semanticEqual(before, after)) {
        errs.push(fieldErr.forbidden('status.conditions', `updates may not modify a condition of type "${t}"`));
      }
    }
  }
  if ((csr.status?.certificate ?? '') !== (old.status?.certificate ?? '')) {
    if (!o.allowSettingCertificate) errs.push(fieldErr.forbidden('status.certificate', 'updates may not set certificate content'));
    else if ((old.status?.certificate ?? '') !== '') errs.push(fieldErr.forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  errs.push(...validateObjectMetaUpdate(csr.metadata, old.metadata));
  return errs;
}

/** ValidateCertificateSigningRequestUpdate (the main resource). */
export function validateCSRUpdate(csr: CSR, old: CSR): StatusCause[] {
  return validateCSRUpdateWith(csr, old, optionsFor(csr, old));
}

/** ValidateCertificateSigningRequestStatusUpdate: the certificate may be set, once. */
export function validateCSRStatusUpdate(csr: CSR, old: CSR): StatusCause[] {
  return validateCSRUpdateWith(csr, old, { ...optionsFor(csr, old), allowSettingCertificate: true });
}

/** ValidateCertificateSigningRequestApprovalUpdate: Approved / Denied may be added. */
export function validateCSRApprovalUpdate(csr: CSR, old: CSR): StatusCause[] {
  return validateCSRUpdateWith(csr, old, { ...optionsFor(csr, old), allowSettingApprovalConditions: true });
}

/**
 * PrepareForCreate: what the client said of its user is dropped and the requester's identity recorded
 * (username, uid, groups, extra); a request is never created approved (status empty).
 */
export function prepareCSRForCreate(csr: CSR, requester?: Requester): void {
  const spec = (csr.spec ??= {});
  delete spec.username;
  delete spec.uid;
  delete spec.groups;
  delete spec.extra;
  if (requester) {
    if (requester.name) spec.username = requester.name;
    if (requester.uid) spec.uid = requester.uid;
    if (requester.groups.length > 0) spec.groups = [...requester.groups];
    if (requester.extra && Object.keys(requester.extra).length > 0) spec.extra = clone(requester.extra);
  }
  csr.status = {};
}

/**
 * populateConditionTimestamps: a condition without lastUpdateTime gets now; without lastTransitionTime, the old
 * condition's of the same type and status, else now.
 */
export function populateConditionTimestamps(csr: CSR, old: CSR | undefined, now: Date = new Date()): void {
  const t = rfc3339(now);
  for (const c of conditionsOf(csr)) {
    if (!c || typeof c !== 'object') continue;
    if (!c.lastUpdateTime) c.lastUpdateTime = t;
    if (!c.lastTransitionTime) {
      const before = findConditions(old, c.type ?? '')[0];
      c.lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : t;
    }
  }
}

/** PrepareForUpdate of the main resource: spec and status stay as they were (changes go through the subresources). */
export function prepareCSRForUpdate(csr: CSR, old: CSR): void {
  csr.spec = clone(old.spec);
  if (old.status === undefined) delete csr.status;
  else csr.status = clone(old.status);
}

/** The status subresource's PrepareForUpdate: only status changes; timestamps filled in. */
export function prepareCSRForStatusUpdate(csr: CSR, old: CSR): void {
  populateConditionTimestamps(csr, old);
}

/** The approval subresource's PrepareForUpdate: only status.conditions change (the certificate stays). */
export function prepareCSRForApprovalUpdate(csr: CSR, old: CSR): void {
  const conditions = csr.status?.conditions;
  for (const k of Object.keys(csr)) if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata') delete (csr as Record<string, unknown>)[k];
  for (const [k, v] of Object.entries(old)) if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && k !== 'status') (csr as Record<string, unknown>)[k] = clone(v);
  const status = clone(old.status ?? {});
  if (conditions === undefined) delete status.conditions;
  else status.conditions = conditions;
  csr.status = status;
  populateConditionTimestamps(csr, old);
}

/** The printer's CONDITION column (upstream's extractCSRStatus): Denied, else Approved, else Pending; then Failed, Issued. */
export function csrConditionSummary(csr: CSR): string {
  const types = new Set(conditionsOf(csr).map((c) => c?.type));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (csr.status?.certificate) status += ',Issued';
  return status;
}
